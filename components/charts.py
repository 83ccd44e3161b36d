"""Plotly figures in the house look (no external fonts, Chinese-capable font stack)."""

from __future__ import annotations

import plotly.graph_objects as go

FONT = "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
THIS_YEAR, LAST_YEAR = "#1565c0", "#b0bec5"


def _base(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=40, r=10, t=10, b=30), font=dict(family=FONT, size=12),
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hovermode="x unified",
    )
    fig.update_yaxes(gridcolor="#e0e6ed", zeroline=False, rangemode="tozero")
    return fig


def year_on_year_bars(*, this_year: dict[int, int], last_year: dict[int, int], months_label: list[str],
                      this_label: str, last_label: str, upto_month: int, height: int = 260) -> go.Figure:
    """Monthly counts this year (to `upto_month`) against the same months last year."""
    months = list(range(1, 13))
    fig = go.Figure([
        go.Bar(x=months_label, y=[last_year.get(m, 0) for m in months], name=last_label,
               marker_color=LAST_YEAR),
        go.Bar(x=months_label[:upto_month], y=[this_year.get(m, 0) for m in months[:upto_month]],
               name=this_label, marker_color=THIS_YEAR),
    ])
    fig.update_layout(barmode="group", bargap=0.25)
    _base(fig, height)
    if max([*this_year.values(), *last_year.values(), 0]) < 8:
        fig.update_yaxes(dtick=1)  # counts are whole numbers: no 0.5 ticks on small figures
    return fig
