"""Pieces of the walkthroughs page (走流程) built from plain data: the funnel from issues found
to fixes done, walks and findings by service item or channel, time and trips per service, and
one finding in full with its walk."""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from components import labels
from components.cards import review_badges, revision_list
from components.charts import FONT, LAST_YEAR, THIS_YEAR
from components.format import count, local_time, percent

Translate = Callable[..., str]
STATUS_TONE = {"open": "secondary", "in_progress": "warning", "done": "success"}


def _label(_: Translate, table: dict, key) -> str:
    return _(table[key]) if key in table else (key or "—")


def funnel_tiles(_: Translate, counts: dict[str, int]) -> html.Div:
    """Four tiles with arrows: issues found → needs collected → fixes set → fixes done."""
    steps = [("issues", _("发现问题"), "bi-exclamation-diamond", "danger"),
             ("needs", _("收集需求"), "bi-chat-square-text", "info"),
             ("fixes", _("制定整改措施"), "bi-tools", "primary"),
             ("done", _("整改到位"), "bi-check2-circle", "success")]
    parts = []
    for n, (key, title, icon, tone) in enumerate(steps):
        if n:
            parts.append(html.Div(html.I(className="bi bi-chevron-right"), className="funnel-arrow",
                                  **{"aria-hidden": "true"}))
        note = _("完成率 %(rate)s", rate=percent(counts["done"], counts["fixes"])) if key == "done" else None
        parts.append(html.Div([
            html.Div([html.Span(html.I(className=f"bi {icon}"), className=f"kpi-icon text-bg-{tone}"),
                      html.Span(title, className="kpi-title")], className="d-flex align-items-center gap-2 mb-1"),
            html.Div([html.Span(count(counts[key]), className="kpi-value", id=f"walk-funnel-{key}"),
                      html.Span(_("条"), className="kpi-unit ms-1")]),
            html.Div(note, className="small text-secondary") if note else None,
        ], className="funnel-step card shadow-sm"))
    return html.Div(parts, className="walk-funnel")


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(height=160, margin=dict(l=10, r=10, t=10, b=10), font=dict(family=FONT, size=13),
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      xaxis=dict(visible=False), yaxis=dict(visible=False),
                      annotations=[dict(text=message, showarrow=False, font=dict(color="#78909c"))])
    return fig


def breakdown_figure(rows: list[dict], *, names: dict[str, str], walks_label: str, findings_label: str,
                     empty: str) -> go.Figure:
    """Walks and findings side by side per service item or channel, most walks on top."""
    if not rows:
        return _empty(empty)
    rows = list(reversed(rows[:12]))
    y = [names.get(r["key"], r["key"]) for r in rows]
    fig = go.Figure([
        go.Bar(y=y, x=[r["walks"] for r in rows], name=walks_label, orientation="h", marker_color=LAST_YEAR),
        go.Bar(y=y, x=[r["findings"] for r in rows], name=findings_label, orientation="h", marker_color=THIS_YEAR),
    ])
    fig.update_layout(barmode="group", bargap=0.25, height=max(200, 34 * len(rows) + 70),
                      margin=dict(l=10, r=10, t=30, b=20), font=dict(family=FONT, size=12),
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", hovermode="y unified",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(gridcolor="#e0e6ed", rangemode="tozero")
    return fig


def duration(_: Translate, seconds: float | None) -> str:
    """Seconds as the time people feel: "1小时23分" / "45分钟"."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes >= 60:
        return _("%(h)s小时%(m)s分", h=minutes // 60, m=minutes % 60)
    return _("%(m)s分钟", m=minutes)


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".")


def time_table(_: Translate, rows: list[dict], *, names: dict[str, str]) -> html.Div:
    """Per service: walks, median time of the timed steps, median trips, materials asked
    beyond the published list."""
    if not rows:
        return html.Div(_("所选期间没有走流程记录"), className="text-secondary small")
    head = html.Thead(html.Tr([html.Th(_("服务事项")), html.Th(_("次数"), className="text-end"),
                               html.Th(_("用时中位数"), className="text-end"),
                               html.Th(_("跑动次数中位数"), className="text-end"),
                               html.Th(_("清单外材料"), className="text-end",
                                       title=_("要求提供办事指南公布清单以外的材料（件次 / 涉及走流程次数）"))]))
    body = html.Tbody([html.Tr([
        html.Td(names.get(r["code"], r["code"])),
        html.Td(count(r["walks"]), className="text-end"),
        html.Td(duration(_, r["median_seconds"]), className="text-end text-nowrap"),
        html.Td(_number(r["median_trips"]), className="text-end" + (" text-danger fw-semibold"
                                                                    if (r["median_trips"] or 0) > 1 else "")),
        html.Td(f"{r['extra_materials']} / {r['walks_with_extra']}" if r["extra_materials"] else "0",
                className="text-end" + (" text-danger fw-semibold" if r["extra_materials"] else "")),
    ]) for r in rows])
    return html.Div(html.Table([head, body], className="table table-sm table-hover mb-0 walk-time-table"),
                    className="table-responsive")


def status_badge(_: Translate, status: str) -> dbc.Badge:
    return dbc.Badge(_label(_, labels.FINDING_STATUS, status), color=STATUS_TONE.get(status, "secondary"),
                     className="finding-status")


def _fact(label: str, value) -> html.Tr:
    return html.Tr([html.Th(label, className="text-secondary fw-normal text-nowrap pe-3"), html.Td(value)])


def finding_detail(_: Translate, detail: dict, *, service_name: str, category: str, actions: list) -> html.Div:
    """A finding of a walkthrough with the walk it came from: timed steps, trips and the
    materials asked against the published list. `actions`: buttons the viewer may use."""
    finding, walk = detail["finding"], detail["walk"]
    rect = detail["rectification"]
    facts = [
        (_("清单"), _label(_, labels.FINDING_LIST, finding.list_kind)),
        (_("类别"), category),
        (_("状态"), status_badge(_, finding.status)),
    ]
    if finding.list_kind == "fix":
        facts += [(_("整改措施"), finding.measure or "—"), (_("责任人"), finding.owner or "—"),
                  (_("完成时限"), f"{finding.due_on:%Y-%m-%d}" if finding.due_on else "—"),
                  (_("完成日期"), f"{finding.done_on:%Y-%m-%d}" if finding.done_on else "—"),
                  (_("销号人"), detail["signed_off_by"] or "—")]
    if rect:
        facts.append((_("整改事项"), html.A(_("第 %(id)s 号 · %(status)s", id=rect["id"],
                                              status=_label(_, labels.RECTIFICATION_STATUS, rect["status"])),
                                           href=f"/rectifications?rect={rect['id']}", id="walk-rect-link")))
    walk_facts = [
        (_("日期"), f"{walk.walked_on:%Y-%m-%d}"),
        (_("服务事项"), service_name),
        (_("方式"), f"{_label(_, labels.WALK_MODE, walk.mode)} · {_label(_, labels.WALK_CHANNEL, walk.channel)}"),
        (_("地点"), " · ".join(x for x in (detail["region"], walk.place) if x) or "—"),
        (_("走流程人"), detail["walker"] or "—"),
        (_("跑动次数"), str(walk.trips)),
        (_("审核"), review_badges(_, {"review_status": walk.review_status, "review_note": walk.review_note,
                                      "revision": walk.revision}) or _("待审核")),
    ]
    steps = walk.steps or []
    total = sum(s.get("seconds") or 0 for s in steps)
    step_rows = html.Table(html.Tbody([
        html.Tr([html.Td(_label(_, labels.WALK_STEP, s.get("name"))),
                 html.Td(duration(_, s.get("seconds")), className="text-end")]) for s in steps
    ] + [html.Tr([html.Th(_("合计")), html.Th(duration(_, total), className="text-end")])]),
        className="table table-sm mb-2") if steps else html.Div(_("未记录环节用时"), className="small text-secondary")
    extra = detail["extra_materials"]
    materials = html.Ul([html.Li([m, dbc.Badge(_("清单外"), color="danger", className="ms-2")] if m in extra else m)
                         for m in walk.materials_asked], className="small mb-0") if walk.materials_asked else \
        html.Div(_("未要求提供材料"), className="small text-secondary")
    photos = [html.A(html.Img(src=f"/photos/{p}", alt=_("照片"), className="evidence-thumb"), href=f"/photos/{p}",
                     target="_blank") for p in detail["photos"]]
    return html.Div([
        html.P(finding.text, className="fw-semibold"),
        html.Div(photos, className="d-flex gap-1 flex-wrap mb-2") if photos else None,
        html.Div(actions, className="d-flex flex-wrap gap-2 mb-3") if actions else None,
        html.Table(html.Tbody([_fact(k, v) for k, v in facts]), className="table table-sm mb-3"),
        html.H6(_("走流程情况"), className="mt-2"),
        html.Table(html.Tbody([_fact(k, v) for k, v in walk_facts]), className="table table-sm mb-2"),
        revision_list(_, detail.get("history") or [], field_names=labels.WALK_FIELDS, local_time=local_time),
        html.H6(_("环节用时"), className="mt-3"), step_rows,
        html.H6(_("要求提供的材料"), className="mt-3"), materials,
        html.Div(_("公布清单：%(list)s", list=_("、").join(walk.materials_published) or "—"),
                 className="small text-secondary mt-1"),
        html.P(walk.note, className="small mt-3 mb-0") if walk.note else None,
        html.Div(_("记录于 %(at)s", at=local_time(walk.created_at)), className="small text-secondary mt-2"),
    ])


REVIEW, REVIEW_NOTE, REVIEW_STATE = "walk-review", "walk-review-note", "walk-review-state"


def review_queue(_: Translate, rows: list[dict], total: int, *, service_names: dict[str, str],
                 viewer_id: int) -> html.Div:
    """审核: the walks waiting for a leader's review, each accepted or returned with the reason
    written beside it (the walker reads it on the phone, edits the walk there and sends it again)."""
    if not rows:
        return html.Div(_("没有待审核的走流程记录"), className="small text-secondary")
    items = []
    for row in rows:
        own = row["user_id"] == viewer_id
        items.append(html.Li([
            html.Div([
                html.Span(f"{row['walked_on']:%Y-%m-%d}", className="fw-semibold me-2"),
                html.Span(service_names.get(row["service_item"], row["service_item"]), className="me-2"),
                html.Span(" · ".join(x for x in (row["walker"], row["station"]) if x),
                          className="small text-secondary me-2"),
                html.Span(_("跑动 %(n)s 次 · %(f)s 条发现", n=row["trips"], f=row["findings"]),
                          className="small text-secondary"),
                *review_badges(_, {"revision": row["revision"]}),
            ], className="d-flex flex-wrap align-items-baseline gap-1"),
            html.Div(_("本人记录，由其他领导审核"), className="small text-secondary") if own else html.Div([
                dbc.Input(id={"type": REVIEW_NOTE, "walk": row["id"]}, size="sm", maxLength=1000,
                          placeholder=_("退回原因"), className="walk-review-note"),
                dbc.Button(_("审核通过"), id={"type": REVIEW, "walk": row["id"], "act": "accept"}, size="sm",
                           color="success", outline=True, className="text-nowrap"),
                dbc.Button(_("退回"), id={"type": REVIEW, "walk": row["id"], "act": "return"}, size="sm",
                           color="danger", outline=True, className="text-nowrap"),
            ], className="d-flex gap-2 mt-1"),
            html.Div(id={"type": REVIEW_STATE, "walk": row["id"]}, role="status"),
        ], className="list-group-item walk-review-item"))
    more = html.Div(_("共 %(n)s 条待审核，先显示最早的 %(m)s 条", n=count(total), m=len(rows)),
                    className="small text-secondary mt-1") if total > len(rows) else None
    return html.Div([html.Ul(items, className="list-group list-group-flush", style={"maxHeight": "20rem",
                                                                                  "overflowY": "auto"}), more])
