"""Folium maps that work air-gapped: Leaflet and its plugins come from /vendor, and the base
map is the region boundaries themselves unless an internal tile server is configured.

Every string property that reaches a tooltip or popup is HTML-escaped here, once, because
Leaflet inserts them as HTML; and its braces become entities, because branca renders each
element's output through Jinja again — "{{ … }}" in a name would run on the server.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import folium
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

# what folium would fetch from CDNs, by its own names, mapped to our vendored copies
LOCAL_JS = {
    "leaflet": "/vendor/leaflet/leaflet.js",
    "markerclusterjs": "/vendor/leaflet.markercluster/leaflet.markercluster.js",
}
LOCAL_CSS = {
    "leaflet_css": "/vendor/leaflet/leaflet.css",
    "markerclustercss": "/vendor/leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "/vendor/leaflet.markercluster/MarkerCluster.Default.css",
}

COUNTY_COLOURS = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037",
                  "#283593", "#9e9d24", "#4e342e"]
BACKGROUND = "#eef2f7"


class MetricScale(MacroElement):
    """A scale bar in kilometres only (folium's own adds miles)."""

    _template = Template("{% macro script(this, kwargs) %}"
                         "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});"
                         "{% endmacro %}")


def _localise(element) -> None:
    """Point an element's JS/CSS at our files; drop what we do not use (jQuery, Bootstrap 3
    glyphicons, Font Awesome, awesome-markers): our maps do not need them."""
    element.default_js = [(name, LOCAL_JS[name]) for name, _ in element.default_js if name in LOCAL_JS]
    element.default_css = [(name, LOCAL_CSS[name]) for name, _ in element.default_css if name in LOCAL_CSS]


def base_map(*, bounds: tuple[tuple[float, float], tuple[float, float]] | None,
             tile_url: str | None = None, tile_attribution: str = "") -> folium.Map:
    """An empty map fitted to `bounds` ((south, west), (north, east)), with no tiles unless
    `tile_url` names an internal tile server."""
    fmap = folium.Map(location=None, tiles=None, zoom_control=True, control_scale=False,
                      prefer_canvas=True, attribution_control=bool(tile_url), zoom_snap=0.25, zoom_delta=0.5)
    _localise(fmap)
    MetricScale().add_to(fmap)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or "tiles", name="tiles").add_to(fmap)
    if bounds:
        fmap.fit_bounds([list(bounds[0]), list(bounds[1])], padding=(8, 8))
    fmap.get_root().header.add_child(Element(
        f"<style>.leaflet-container{{background:{BACKGROUND} !important;font-family:system-ui,'PingFang SC',"
        f"'Microsoft YaHei','Noto Sans CJK SC',sans-serif}} .region-label{{background:none;border:0;"
        f"box-shadow:none;font-weight:600;color:#263238;text-shadow:0 0 3px #fff,0 0 3px #fff}}</style>"))
    return fmap


def marker_cluster(name: str) -> MarkerCluster:
    cluster = MarkerCluster(name=name)
    _localise(cluster)
    return cluster


def safe_text(value: object) -> str:
    """Text for a tooltip, popup or label: HTML-escaped, with no '{' or '}' left for the
    template engine that renders folium's output."""
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


def escape_properties(properties: dict) -> dict:
    return {k: safe_text(v) if isinstance(v, str) else v for k, v in properties.items()}


def bounds_of(geometries: Iterable[dict]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    lons, lats = [], []
    for geometry in geometries:
        for lon, lat in _coordinates(geometry):
            lons.append(lon)
            lats.append(lat)
    if not lons:
        return None
    return (min(lats), min(lons)), (max(lats), max(lons))


def _coordinates(geometry: dict):
    kind, coords = geometry["type"], geometry["coordinates"]
    rings = coords if kind == "Polygon" else [ring for polygon in coords for ring in polygon]
    for ring in rings:
        yield from ring


def regions_map(regions: list[dict], *, labels: dict[str, str], tile_url: str | None = None,
                tile_attribution: str = "") -> folium.Map:
    """Counties as bold outlines over townships tinted by county, each with a tooltip.

    `regions` are dicts with area_code, name, level, path, boundary (GeoJSON geometry) and
    centroid ((lat, lon) or None);
    `labels` holds the translated words for the tooltip ("name", "code", "county", "level").
    """
    counties = [r for r in regions if r["level"] == "county"]
    townships = [r for r in regions if r["level"] == "township"]
    colour_of = {c["path"]: COUNTY_COLOURS[i % len(COUNTY_COLOURS)] for i, c in enumerate(counties)}
    county_name = {c["path"]: c["name"] for c in counties}
    fmap = base_map(bounds=bounds_of(r["boundary"] for r in (counties or townships)),
                    tile_url=tile_url, tile_attribution=tile_attribution)

    def county_path(path: str) -> str:
        return "/".join(path.split("/")[:2]) + "/"

    if townships:
        features = [{
            "type": "Feature",
            "geometry": t["boundary"],
            "properties": escape_properties({
                "name": t["name"], "code": t["area_code"], "level": labels.get(t["level"], t["level"]),
                "county": county_name.get(county_path(t["path"]), ""),
                "colour": colour_of.get(county_path(t["path"]), COUNTY_COLOURS[0]),
            }),
        } for t in townships]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=labels.get("townships", "townships"),
            style_function=lambda f: {"fillColor": f["properties"]["colour"], "fillOpacity": 0.18,
                                      "color": "#ffffff", "weight": 1},
            highlight_function=lambda f: {"fillOpacity": 0.45, "weight": 2},
            tooltip=folium.GeoJsonTooltip(fields=["name", "county", "code"],
                                          aliases=[labels["name"], labels["county"], labels["code"]],
                                          sticky=True),
            smooth_factor=1.0,
        ).add_to(fmap)
    if counties:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": c["boundary"],
                 "properties": escape_properties({"name": c["name"], "code": c["area_code"]})}
                for c in counties]},
            name=labels.get("counties", "counties"),
            style_function=lambda f: {"fill": False, "color": "#37474f", "weight": 2.5},
            interactive=False,
        ).add_to(fmap)
    # the counties are named; a scope without counties (a cadre's township) names its townships,
    # so no map is one unlabelled polygon
    for c in counties or townships:
        if c.get("centroid"):
            location = list(c["centroid"])
        else:
            (south, west), (north, east) = bounds_of([c["boundary"]])
            location = [(south + north) / 2, (west + east) / 2]
        folium.Marker(
            location=location,
            icon=folium.DivIcon(html=f'<div class="region-label">{safe_text(c["name"])}</div>',
                                icon_size=(80, 20), icon_anchor=(40, 10), class_name="region-label"),
            interactive=False,
        ).add_to(fmap)
    return fmap
