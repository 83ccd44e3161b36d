"""KPI tiles and small blocks used across pages."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def kpi_card(*, title: str, value: str, unit: str = "", note: str | None = None, icon: str = "bi-circle",
             tone: str = "primary", trend: float | None = None, trend_label: str = "",
             good_when_down: bool = True, trend_reference: str | None = None,
             card_id: str | None = None, href: str | None = None, note_href: str | None = None) -> dbc.Card:
    """A tile: icon, title, big value with unit, and an optional year-on-year arrow.

    `trend` is a relative change (−0.12 = down 12%); the one colour rule: green when the measure
    moved the good way, red when the bad way — `good_when_down` says which way is good (fewer
    cases is good news, fewer logs filed is not). `trend_reference` names what it is compared
    with (the arrow's tooltip; trend_caption says it under the row). `href`: the rows behind the
    figure (the whole tile is the link); `note_href`: the rows behind the note's own figure (a link
    of its own above the tile's).
    """
    trend_part = None
    if trend is not None:
        down = trend < 0
        good = down == good_when_down
        trend_part = html.Span(
            [html.I(className=f"bi {'bi-arrow-down-right' if down else 'bi-arrow-up-right'} me-1"),
             f"{trend_label} {abs(trend) * 100:.1f}%"],
            className=f"small fw-semibold text-{'success' if good else 'danger'}",
            title=trend_reference,
        )
    return dbc.Card(
        dbc.CardBody([
            html.Div([
                html.Span(html.I(className=f"bi {icon}"), className=f"kpi-icon text-bg-{tone}"),
                html.Span(title, className="kpi-title"),
            ], className="d-flex align-items-center gap-2 mb-2"),
            html.Div([html.Span(value, className="kpi-value"), html.Span(unit, className="kpi-unit ms-1")]),
            html.Div([trend_part,
                      (html.A(note, href=note_href, className="small position-relative z-2 kpi-note-link")
                       if note_href else html.Span(note, className="small text-secondary")) if note else None],
                     className="d-flex flex-wrap gap-2 mt-1"),
            html.A(href=href, className="stretched-link", title=title, **{"aria-label": title}) if href else None,
        ]),
        className="kpi-card h-100 shadow-sm" + (" kpi-card-link" if href else ""),
        **({"id": card_id} if card_id else {}),
    )


def trend_caption(text: str) -> html.Div:
    """The line under a row of tiles that says what their arrows compare (period and colours)."""
    return html.Div([html.I(className="bi bi-info-circle me-1"), text], className="small text-secondary mb-2 mt-n2")


def refusal(message: str) -> dbc.Alert:
    return dbc.Alert([html.I(className="bi bi-shield-lock me-2"), message], color="warning", className="mb-0")


def review_badges(_, record: dict) -> list:
    """Where a field record stands in its review (审核): accepted, returned with the reason, and its
    version when edited since it was first sent."""
    badges = []
    if record.get("review_status") == "accepted":
        badges.append(dbc.Badge(_("审核通过"), color="success", className="me-1"))
    elif record.get("review_status") == "returned":
        badges.append(dbc.Badge(_("已退回"), color="danger", className="me-1"))
        if record.get("review_note"):
            badges.append(html.Span(record["review_note"], className="small text-danger me-1"))
    if (record.get("revision") or 1) > 1:
        badges.append(dbc.Badge(_("已修改（第 %(n)s 版）", n=record["revision"]), color="info", className="me-1"))
    return badges


def revision_list(_, rows: list[dict], *, field_names: dict[str, str], local_time) -> html.Ul | None:
    """A record's edits, oldest first: "第 2 版 · when · who · 修改：fields · 答复退回：reason"."""
    if not rows:
        return None
    items = []
    for row in rows:
        changed = _("、").join(_(field_names.get(f, f)) for f in row["changed"]) or _("无内容变化")
        parts = [_("第 %(n)s 版", n=row["revision"]), local_time(row["at"]), row["by"] or "—",
                 _("修改：%(fields)s", fields=changed)]
        if row["answered"]:
            parts.append(_("答复退回：%(reason)s", reason=row["answered"]))
        items.append(html.Li(" · ".join(parts)))
    return html.Ul(items, className="small text-secondary mb-1 ps-3 revision-list")
