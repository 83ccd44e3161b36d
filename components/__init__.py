"""Pure functions that build Dash components, plotly figures and folium maps from plain data."""
