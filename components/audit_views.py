"""Pieces of the audits page built from plain data: findings by category and item, the pass
rate by month, rectification status by area, the recurring-problems table."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html

from components.charts import FONT, THIS_YEAR, _base

FAIL_COLOUR = "#d32f2f"
STATUS_COLOURS = {"open": "#d32f2f", "reported": "#f57c00", "rechecked": "#1976d2", "closed": "#2e7d32"}


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=20), font=dict(family=FONT, size=12),
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", showlegend=False)
    return fig


def short(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def category_figure(rows: list[dict], *, fails_label: str, rate_label: str, judged_label: str) -> go.Figure:
    """Bars of failed items per category, the fail rate written on each bar.
    rows: [{name, fails, applicable}] in the order to draw."""
    rates = [r["fails"] / r["applicable"] if r["applicable"] else 0 for r in rows]
    fig = go.Figure(go.Bar(
        x=[r["name"] for r in rows], y=[r["fails"] for r in rows], marker_color=FAIL_COLOUR,
        text=[f"{rate:.0%}" for rate in rates], textposition="outside", cliponaxis=False,
        customdata=[[r["applicable"], rate] for r, rate in zip(rows, rates, strict=True)],
        hovertemplate=(f"%{{x}}<br>{fails_label} %{{y}}<br>{judged_label} %{{customdata[0]}}"
                       f"<br>{rate_label} %{{customdata[1]:.1%}}<extra></extra>")))
    _layout(fig, 280)
    fig.update_layout(margin=dict(l=40, r=10, t=20, b=30))
    fig.update_yaxes(gridcolor="#e0e6ed", rangemode="tozero", title_text=fails_label, title_font_size=11)
    if max([r["fails"] for r in rows] + [0]) < 8:
        fig.update_yaxes(dtick=1)
    return fig


def items_figure(rows: list[dict], *, rate_label: str, fails_label: str, judged_label: str,
                 label_limit: int = 13) -> go.Figure:
    """Horizontal bars of the fail rate of the most failed items, worst on top; item texts cut
    to `label_limit` characters (the whole text shows on hover).
    rows: [{code, text, fails, applicable}] worst first."""
    rows = list(reversed(rows))
    fig = go.Figure(go.Bar(
        x=[r["fails"] / r["applicable"] if r["applicable"] else 0 for r in rows],
        y=[f"{r['code']} {short(r['text'], label_limit)}" for r in rows], orientation="h", marker_color=FAIL_COLOUR,
        text=[f"{r['fails']}/{r['applicable']}" for r in rows], textposition="auto",
        customdata=[[r["text"], r["fails"], r["applicable"]] for r in rows],
        hovertemplate=(f"%{{customdata[0]}}<br>{rate_label} %{{x:.1%}}<br>{fails_label} %{{customdata[1]}}"
                       f" / {judged_label} %{{customdata[2]}}<extra></extra>")))
    _layout(fig, max(180, 26 * len(rows) + 40))
    fig.update_xaxes(tickformat=".0%", gridcolor="#e0e6ed", rangemode="tozero")
    fig.update_yaxes(automargin=True)
    return fig


def pass_rate_figure(months: list[dict], *, month_label, audits_label: str, rate_label: str) -> go.Figure:
    """Audits per month (bars) and the share graded model or standard (line, right axis).
    months: [{year, month, audits, rate}] oldest first."""
    x = [month_label(m["year"], m["month"]) for m in months]
    fig = go.Figure([
        go.Bar(x=x, y=[m["audits"] for m in months], name=audits_label, marker_color="#b0bec5"),
        go.Scatter(x=x, y=[m["rate"] for m in months], name=rate_label, yaxis="y2", mode="lines+markers",
                   line=dict(color=THIS_YEAR, width=2), connectgaps=False,
                   hovertemplate="%{y:.1%}"),
    ])
    _base(fig, 280)
    fig.update_layout(margin=dict(l=40, r=45, t=10, b=30),
                      yaxis2=dict(overlaying="y", side="right", range=[0, 1.05], tickformat=".0%", dtick=0.25,
                                  showgrid=False, rangemode="normal"))
    if max([m["audits"] for m in months] + [0]) < 8:
        fig.update_layout(yaxis=dict(dtick=1))
    return fig


def status_figure(rows: list[dict], *, labels: dict[str, str], overdue_label: str) -> go.Figure:
    """Rectifications per area stacked by status; the overdue ones noted above each bar.
    rows: [{name, open, reported, rechecked, closed, overdue}]; labels: status → name."""
    names = [r["name"] for r in rows]
    fig = go.Figure([go.Bar(x=names, y=[r.get(status, 0) for r in rows], name=labels[status],
                            marker_color=STATUS_COLOURS[status])
                     for status in ("open", "reported", "rechecked", "closed")])
    fig.add_trace(go.Scatter(
        x=names, y=[r["total"] for r in rows], mode="text", cliponaxis=False, showlegend=False,
        text=[f"{overdue_label} {r['overdue']}" if r["overdue"] else "" for r in rows], textposition="top center",
        textfont=dict(color=FAIL_COLOUR, size=11), hoverinfo="skip"))
    fig.update_layout(barmode="stack", bargap=0.35)
    _base(fig, 300)
    fig.update_layout(margin=dict(l=40, r=10, t=30, b=30), hovermode="x unified")
    return fig


def recurring_list(problems: list[dict], *, figures, more, empty: str, separator: str = "、",
                   shown: int = 4) -> html.Div:
    """Items failed at many stations, one entry each: the item, how many stations and times
    (`figures(stations, fails)` words it), and the first stations' names (`more(n)` words the rest).
    problems: [{code, text, category, stations: [name…], fails}]."""
    if not problems:
        return html.Div(empty, className="text-secondary small py-2")
    entries = []
    for p in problems:
        names = p["stations"][:shown]
        rest = len(p["stations"]) - len(names)
        entries.append(html.Li([
            html.Div([html.Span(f"{p['code']} {p['text']}", className="fw-semibold"),
                      html.Span(figures(len(p["stations"]), p["fails"]),
                                className="ms-auto text-nowrap text-danger fw-semibold")],
                     className="d-flex gap-2"),
            html.Div([html.Span(p["category"], className="badge text-bg-light me-2"), separator.join(names),
                      html.Span(more(rest), className="ms-1") if rest > 0 else None],
                     className="small text-secondary"),
        ], className="list-group-item px-0"))
    return html.Ul(entries, className="list-group list-group-flush recurring-list")
