"""Pieces of the work-logs page (工作日志) built from plain data: the completeness matrix of
cadres × working days, completeness per county, and the feed of logs with photos and
leaders' comments. Text written by people is passed as text (Dash escapes it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from components import labels
from components.cards import review_badges, revision_list
from components.charts import FONT
from components.format import count, local_time

Translate = Callable[..., str]
STATES = ("filed", "missing", "pending", "off")
# a circle and a cross as well as the colours, for readers who do not tell red from green
MARK = {"filed": "●", "missing": "✕", "pending": "", "off": ""}
COMMENT_TEXT, COMMENT_SEND, COMMENT_MSG, COMMENTS = ("logs-comment-text", "logs-comment-send", "logs-comment-msg",
                                                     "logs-comments")
REVIEW, REVIEW_STATE = "logs-review", "logs-review-state"
review_state = review_badges  # a log's place in its review


def legend(_: Translate) -> html.Div:
    return html.Div([html.Span([html.Span(MARK[s], className=f"lm-cell lm-{s} me-1"), _(labels.LOG_DAY_STATE[s])],
                               className="me-3 text-nowrap") for s in STATES],
                    className="small d-flex flex-wrap align-items-center gap-1 mb-2 logs-legend")


def matrix_grid(_: Translate, data: dict, *, today: date, weekday: Callable[[date], str]) -> tuple[list, list]:
    """(rowData, columnDefs) of the matrix grid: a cadre per row (name and rate pinned, the
    county and township as the name's tooltip), a working day per column coloured by its
    state; lowest rate first. A weekend column is a make-up working day (调休). The grid draws
    only what is in view, so a city's cadres over three months stay light."""
    days = data["days"]
    columns = [
        {"field": "name", "headerName": _("挂职干部"), "pinned": "left", "width": 92, "tooltipField": "place"},
        {"field": "rate", "headerName": _("报送率"), "pinned": "left", "width": 72, "type": "rightAligned",
         "valueFormatter": {"function": "params.value == null ? '—' : Math.round(params.value) + '%'"},
         "cellClassRules": {"text-success fw-semibold": "params.value != null && params.value >= 95",
                            "text-warning fw-semibold":
                                "params.value != null && params.value >= 80 && params.value < 95",
                            "text-danger fw-semibold": "params.value != null && params.value < 80"}},
    ]
    marks = json.dumps(MARK, ensure_ascii=False)
    names = json.dumps({s: _(labels.LOG_DAY_STATE[s]) for s in STATES}, ensure_ascii=False)
    for i, day in enumerate(days):
        extra = [_("调休上班")] if day.weekday() >= 5 else []
        columns.append({
            # the days share the grid's width (a short period fills its panel), never under 46 px
            "field": f"d{i}", "headerName": f"{day.month}/{day.day}", "minWidth": 46, "flex": 1, "sortable": False,
            "headerTooltip": " ".join([f"{day:%Y-%m-%d}", weekday(day), *extra]),
            "headerClass": " ".join(c for c in ("lm-head", "lm-makeup" if extra else "",
                                                "lm-today" if day == today else "") if c),
            "valueFormatter": {"function": f"({marks})[params.value] || ''"},
            "tooltipValueGetter": {"function": f"params.data.name + ' {day:%m-%d} ' + (({names})[params.value] || '')"},
            "cellClassRules": {f"lm-cell lm-{s}": f"params.value === '{s}'" for s in STATES},
        })
    rows = [{"id": r["user_id"], "name": r["name"], "place": " · ".join(x for x in (r["county"], r["township"]) if x),
             "rate": round(100 * r["rate"], 1) if r["rate"] is not None else None,
             **{f"d{i}": str(state) for i, state in enumerate(r["states"])}} for r in data["rows"]]
    return rows, columns


def county_figure(rows: list[dict], *, rate_label: str) -> go.Figure:
    """Completeness per county as horizontal bars (in %), lowest at the bottom."""
    rows = sorted((r for r in rows if r["rate"] is not None), key=lambda r: r["rate"])
    colours = ["#2e7d32" if r["rate"] >= 0.95 else "#f57c00" if r["rate"] >= 0.8 else "#d32f2f" for r in rows]
    fig = go.Figure(go.Bar(x=[round(100 * r["rate"], 1) for r in rows], y=[r["name"] for r in rows], orientation="h",
                           marker_color=colours, text=[f"{100 * r['rate']:.1f}%" for r in rows], textposition="auto",
                           customdata=[[r["filed"], r["due"], r["cadres"]] for r in rows],
                           hovertemplate="%{y}: %{x:.1f}% (%{customdata[0]}/%{customdata[1]})<extra></extra>",
                           name=rate_label))
    fig.update_layout(height=34 * len(rows) + 60, bargap=0.3, margin=dict(l=10, r=10, t=10, b=30),
                      font=dict(family=FONT, size=12), paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                      showlegend=False)
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(range=[0, 100], ticksuffix="%", gridcolor="#e0e6ed")
    return fig


def grid_height(rows: int) -> str:
    """The matrix grid's height: its rows (with the header and a scroll bar), at most 420px."""
    return f"{min(420, 34 + 30 * max(rows, 1) + 18)}px"


def comments_block(_: Translate, comments: list[dict], *, owner_id: int, viewer_id: int) -> html.Div:
    """The leaders' comments under a log, oldest first; the log's cadre (`owner_id`) sees
    which are new."""
    if not comments:
        return html.Div()
    mine = owner_id == viewer_id
    return html.Div([html.Div([
        html.Div([html.I(className="bi bi-chat-left-quote me-1"), html.Span(c["author"], className="fw-semibold"),
                  html.Span(local_time(c["created_at"]), className="text-secondary ms-2"),
                  dbc.Badge(_("新"), color="danger", className="ms-2")
                  if mine and c["read_at"] is None else None], className="small"),
        html.Div(c["text"], className="small log-comment-text"),
    ], className="log-comment") for c in comments], className="log-comments")


def _work_types(codes: list, names: dict[str, str]) -> list:
    return [dbc.Badge(names.get(c, str(c)), color="light", text_color="dark", className="me-1 border")
            for c in codes or []]


def feed_item(_: Translate, log: dict, *, viewer_id: int, may_comment: bool, weekday: Callable[[date], str],
              work_types: dict[str, str], may_review: bool = False) -> dbc.Card:
    """One log: the day, the cadre and station, what was done and solved, photos, comments
    (and a comment box for leaders). `work_types` names the work-type codes."""
    photos = [html.A(html.Img(src=f"/photos/{p}", alt=_("照片"), className="evidence-thumb"),
                     href=f"/photos/{p}", target="_blank") for p in log["photos"]]
    box = None
    if may_comment:
        box = html.Div([
            dbc.Textarea(id={"type": COMMENT_TEXT, "log": log["id"]}, rows=1, maxLength=1000,
                         placeholder=_("写点评…"), className="form-control-sm"),
            dbc.Button(_("点评"), id={"type": COMMENT_SEND, "log": log["id"]}, size="sm", color="primary",
                       outline=True, className="text-nowrap"),
            *([dbc.Button(_("审核通过"), id={"type": REVIEW, "log": log["id"], "act": "accept"}, size="sm",
                          color="success", outline=True, className="text-nowrap"),
               dbc.Button(_("退回"), id={"type": REVIEW, "log": log["id"], "act": "return"}, size="sm",
                          color="danger", outline=True, className="text-nowrap",
                          title=_("退回给挂职干部修改，原因写在左边"))] if may_review else []),
        ], className="d-flex gap-2 align-items-start mt-2")
    return dbc.Card(dbc.CardBody([
        html.Div([
            html.Span(f"{log['log_date']:%Y-%m-%d} {weekday(log['log_date'])}", className="fw-semibold me-2"),
            html.Span(log["cadre"], className="me-2"),
            html.Span(" · ".join(x for x in (log["township"], log["station"]) if x), className="small text-secondary"),
        ], className="d-flex flex-wrap align-items-baseline"),
        html.Div(_work_types(log["work_types"], work_types) + [
            html.Span(_("服务群众 %(n)s 人次", n=count(log["people_served"])), className="small text-secondary ms-1")
            if log["people_served"] else None], className="my-1"),
        html.P(log["done"], className="mb-1 log-text"),
        html.P([html.Span(_("解决问题："), className="fw-semibold"), log["solved"]], className="mb-1 small log-text")
        if log["solved"] else None,
        html.Div(photos, className="d-flex gap-1 flex-wrap my-1") if photos else None,
        html.Div(_("提交于 %(at)s", at=local_time(log["created_at"])), className="small text-secondary"),
        html.Div(review_state(_, log), id={"type": REVIEW_STATE, "log": log["id"]}, className="mt-1"),
        revision_list(_, log.get("history") or [], field_names=labels.LOG_FIELDS, local_time=local_time),
        html.Div(comments_block(_, log["comments"], owner_id=log["user_id"], viewer_id=viewer_id),
                 id={"type": COMMENTS, "log": log["id"]}),
        box,
        html.Div(id={"type": COMMENT_MSG, "log": log["id"]}, role="status") if may_comment else None,
    ]), className="shadow-sm mb-2 log-item")


def feed(_: Translate, logs: list[dict], *, viewer_id: int, may_comment: bool, weekday: Callable[[date], str],
         work_types: dict[str, str], may_review: bool = False) -> html.Div:
    if not logs:
        return html.Div(_("没有符合条件的工作日志"), className="text-secondary small")
    return html.Div([feed_item(_, log, viewer_id=viewer_id, may_comment=may_comment, weekday=weekday,
                               work_types=work_types, may_review=may_review) for log in logs])
