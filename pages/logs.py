"""/logs — leaders and admins read the daily work logs of the seconded cadres (挂职第一副所长)
and comment on them (察看工作日志); a cadre reads their own logs and the comments on them.

The completeness matrix shows who filed on which working day of the official calendar (and
who is missing), with the rate per cadre and per county; the feed shows the logs with their
photos, newest first, searchable. Movement is never shown: a log's optional check-in point
stays out of this page.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from components.cards import kpi_card, refusal
from components.filter_bar import dropdown, field, filter_bar, link_period, period, regions
from components.format import count, percent
from components.log_views import (
    COMMENT_MSG,
    COMMENT_SEND,
    COMMENT_TEXT,
    COMMENTS,
    REVIEW,
    REVIEW_STATE,
    comments_block,
    county_figure,
    feed,
    grid_height,
    legend,
    matrix_grid,
    review_state,
)
from data.errors import DomainError
from data.filters import LOG_TEXT_LIMIT
from data.models import Role
from data.queries import logs as q
from data.queries.settings import label_names, work_calendar, work_types
from data.scope import OutOfScope
from data.services import review as review_service
from data.services import work_log_comments as svc
from web.context import actor, db, region_options, scope, today
from web.i18n import N_, _, is_english
from web.shell import forbidden, refused_page

ROLES = [Role.admin, Role.leader, Role.cadre]
dash.register_page(__name__, path="/logs", name=N_("工作日志"), title="工作日志 · 人社督导一张图", order=45,
                   icon="bi-journal-text", roles=ROLES, group="field")

P = "logs-"
CALLBACK_PREFIXES = (P,)
PERIOD, COUNTY, CADRE, WORK_TYPE, SEARCH = P + "period", P + "county", P + "cadre", P + "work-type", P + "search"
FILTERS, VERSION, KPIS, MATRIX, MATRIX_NOTE, COUNTIES = (P + "filters", P + "version", P + "kpis", P + "matrix",
                                                        P + "matrix-note", P + "counties")
FEED, FEED_COUNT, PAGE, MARK_READ, MARK_READ_BOX = (P + "feed", P + "feed-count", P + "page", P + "mark-read",
                                                   P + "mark-read-box")

WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))
SCOPE_REFUSAL = N_("所选区域不在您的管辖范围内。")


def weekday(day: date) -> str:
    return _(WEEKDAYS[day.weekday()])


def _matrix_options(empty: str) -> dict:
    """The matrix grid's options, with what it says when it has no rows."""
    return {"rowHeight": 30, "headerHeight": 32, "tooltipShowDelay": 200, "localeText": {"noRowsToShow": empty}}


def work_type_names() -> dict[str, str]:
    """Work-type codes → names in the user's language: the configured list (setting
    worklog.work_types), else the built-in one."""
    return label_names(work_types(db()), english=is_english())


def _card(title, body, *, class_name: str = "shadow-sm h-100") -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className=class_name)


def _filter_bar(query: dict) -> dbc.Card:
    day = today()
    cadres = [{"label": f"{c['name']} · {c['township'] or ''}", "value": c["user_id"]}
              for c in q.cadre_options(db(), scope())]
    work_types = [{"label": v, "value": k} for k, v in work_type_names().items()]
    return filter_bar(
        period(_, PERIOD, _("日期"), start=day.replace(day=1), end=day, today=day, query=query),
        regions(_, COUNTY, None, region_options),
        dropdown(_, CADRE, _("挂职干部"), cadres, xs=6, lg=2),
        dropdown(_, WORK_TYPE, _("工作类型"), work_types, xs=6, lg=2),
        field(_("搜索日志"), dbc.Input(id=SEARCH, type="search", debounce=True, maxLength=LOG_TEXT_LIMIT,
                                   placeholder=_("工作内容、解决问题")), for_id=SEARCH, xs=6, lg=2),
    )


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    unread = q.unread_comments(db(), user_id=current_user.id) if current_user.role == Role.cadre else []
    township_only = current_user.role == Role.cadre
    return html.Div([
        dcc.Store(id=FILTERS), dcc.Store(id=VERSION, data=0),
        html.Div([
            html.H1(_("工作日志"), className="h4 mb-0"),
            html.Span(_("挂职干部每个工作日报送，领导察看点评"), className="text-secondary small ms-3"),
            html.Div(dbc.Button([html.I(className="bi bi-envelope-open me-1"),
                                 _("%(n)s 条新点评，标为已读", n=len(unread))], id=MARK_READ, size="sm",
                                color="danger", outline=True) if unread else None,
                     id=MARK_READ_BOX, className="ms-auto"),
            # a cadre writes logs on the phone app (offline-first): the way there from here
            html.A([html.I(className="bi bi-pencil-square me-1"), _("写日志")], href="/field/#/new/work_log",
                   id=P + "write", className="btn btn-primary btn-sm") if township_only else None,
        ], className="d-flex flex-wrap align-items-baseline gap-2 my-3"),
        _filter_bar(_query),
        dcc.Loading(html.Div(id=KPIS, className="mb-3"), type="dot", delay_show=300),
        dbc.Row([
            dbc.Col(_card(_("报送情况（挂职干部 × 工作日）"), [
                legend(_),
                dag.AgGrid(id=MATRIX, rowData=[], columnDefs=[], className="ag-theme-alpine logs-matrix",
                           style={"height": "420px"}, getRowId="`${params.data.id}`",
                           defaultColDef={"resizable": False, "sortable": True, "suppressHeaderMenuButton": True},
                           dashGridOptions=_matrix_options(_("正在加载…"))),  # not "nobody" before the answer
                html.Div(id=MATRIX_NOTE, className="small text-secondary mt-1"),
            ]), lg=12 if township_only else 8, className="mb-3"),
            # a cadre's regions are one township: no counties to compare
            dbc.Col(_card(_("各县（市、区）报送率"), dcc.Graph(id=COUNTIES, config={"displayModeBar": False})), lg=4,
                    className="d-none" if township_only else "mb-3"),
        ]),
        _card([_("日志"), html.Span(id=FEED_COUNT, className="small text-secondary ms-2")], [
            dcc.Loading(html.Div(id=FEED), type="dot", delay_show=300),
            dbc.Pagination(id=PAGE, max_value=1, active_page=1, fully_expanded=False, first_last=True,
                           previous_next=True, size="sm", className="mt-2 mb-0 flex-wrap"),
        ], class_name="shadow-sm mb-3"),
    ])


def _filters(data) -> q.LogFilters:
    return q.LogFilters.from_dict(data)


def _kpis(data: dict) -> dbc.Row:
    tiles = [
        (_("在岗挂职干部"), count(data["cadres"]), _("人"), "bi-people", "primary"),
        (_("应报日志"), count(data["due"]), _("篇"), "bi-calendar-check", "secondary"),
        (_("已报日志"), count(data["filed"]), _("篇"), "bi-journal-check", "success"),
        (_("报送率"), percent(data["filed"], data["due"]), "", "bi-percent", "info"),
        (_("今日待报"), count(data["missing_today"]), _("人"), "bi-hourglass-split", "warning"),
    ]
    return dbc.Row([dbc.Col(kpi_card(title=t, value=v, unit=u, icon=i, tone=tone), xs=6, md=4, xl=True,
                            className="mb-2") for t, v, u, i, tone in tiles], className="g-2")


def register_callbacks(app: dash.Dash) -> None:
    link_period(app, PERIOD, today)
    @app.callback(Output(FILTERS, "data"), Input(PERIOD, "start_date"), Input(PERIOD, "end_date"),
                  Input(COUNTY, "value"), Input(CADRE, "value"), Input(WORK_TYPE, "value"), Input(SEARCH, "value"))
    def collect_filters(start, end, county, cadre, work_type, text):
        return q.LogFilters.from_dict({"date_from": start, "date_to": end, "region_code": county, "user_id": cadre,
                                       "work_type": work_type, "text": text}).to_dict()

    @app.callback(Output(KPIS, "children"), Output(MATRIX, "rowData"), Output(MATRIX, "columnDefs"),
                  Output(MATRIX, "style"), Output(MATRIX_NOTE, "children"), Output(COUNTIES, "figure"),
                  Output(MATRIX, "dashGridOptions"), Input(FILTERS, "data"), Input(VERSION, "data"))
    def show_matrix(filters, _version):
        answered = _matrix_options(_("所选范围内没有在岗的挂职干部"))
        if current_user.role not in ROLES:
            return forbidden(), [], [], no_update, None, {}, answered
        session, day = db(), today()
        try:
            data = q.completeness(session, scope(), filters=_filters(filters), today=day,
                                  calendar=work_calendar(session))
        except OutOfScope:
            return refusal(_(SCOPE_REFUSAL)), [], [], no_update, refusal(_(SCOPE_REFUSAL)), {}, answered
        rows, columns = matrix_grid(_, data, today=day, weekday=weekday)
        note = _("只显示最近 %(n)s 个工作日", n=len(data["days"])) if data["clipped"] else \
            None if data["days"] else _("所选期间没有工作日")
        return (_kpis(data), rows, columns, {"height": grid_height(len(rows))}, note,
                county_figure(data["counties"], rate_label=_("报送率")), answered)

    @app.callback(Output(FEED, "children"), Output(FEED_COUNT, "children"), Output(PAGE, "max_value"),
                  Output(PAGE, "active_page"), Input(FILTERS, "data"), Input(PAGE, "active_page"),
                  Input(VERSION, "data"))
    def show_feed(filters, page, _version):
        if current_user.role not in ROLES:
            return forbidden(), None, 1, 1
        page = 1 if ctx.triggered_id == FILTERS or not page else int(page)
        try:
            logs, total = q.list_logs(db(), scope(), filters=_filters(filters), today=today(),
                                      offset=(page - 1) * q.FEED_PAGE, limit=q.FEED_PAGE)
        except OutOfScope:
            return refusal(_(SCOPE_REFUSAL)), None, 1, 1
        pages = max(1, -(-total // q.FEED_PAGE))
        return (feed(_, logs, viewer_id=current_user.id, may_comment=current_user.role in svc.COMMENTERS,
                     weekday=weekday, work_types=work_type_names(),
                     may_review=review_service.may_review(current_user.role, "work_log")),
                _("共 %(n)s 篇", n=count(total)), pages, min(page, pages))

    @app.callback(Output({"type": COMMENTS, "log": MATCH}, "children"),
                  Output({"type": COMMENT_TEXT, "log": MATCH}, "value"),
                  Output({"type": COMMENT_MSG, "log": MATCH}, "children"),
                  Input({"type": COMMENT_SEND, "log": MATCH}, "n_clicks"),
                  State({"type": COMMENT_TEXT, "log": MATCH}, "value"), prevent_initial_call=True)
    def send_comment(n, text):
        if not n or not isinstance(ctx.triggered_id, dict):
            return no_update, no_update, no_update
        log_id = int(ctx.triggered_id["log"])
        try:
            svc.comment(db(), actor=actor(), work_log_id=log_id, text=text)
        except DomainError as exc:
            return no_update, no_update, html.Div(_(exc.message, **exc.params), className="small text-danger mt-1")
        found = q.log_comments(db(), scope(), work_log_id=log_id)
        return (comments_block(_, found["comments"], owner_id=found["user_id"], viewer_id=current_user.id), "",
                html.Div(_("已点评，挂职干部会在日志下看到"), className="small text-success mt-1"))

    @app.callback(Output({"type": REVIEW_STATE, "log": MATCH}, "children"),
                  Input({"type": REVIEW, "log": MATCH, "act": ALL}, "n_clicks"),
                  State({"type": COMMENT_TEXT, "log": MATCH}, "value"), prevent_initial_call=True)
    def review(clicks, note):
        """审核: accept, or return with the reason written in the comment box (the cadre reads it on the
        phone, edits the log there and sends it again)."""
        if not any(clicks or []) or not isinstance(ctx.triggered_id, dict):
            return no_update
        log_id, accept = int(ctx.triggered_id["log"]), ctx.triggered_id["act"] == "accept"
        session = db()
        try:
            log = review_service.review(session, actor=actor(), kind="work_log", record_id=log_id, accept=accept,
                                        note=note)
        except DomainError as exc:
            session.rollback()
            return html.Span(_(exc.message, **exc.params), className="small text-danger")
        return review_state(_, {"review_status": log.review_status, "review_note": log.review_note,
                                "revision": log.revision})

    @app.callback(Output(MARK_READ_BOX, "children"), Output(VERSION, "data"), Input(MARK_READ, "n_clicks"),
                  State(VERSION, "data"), prevent_initial_call=True)
    def mark_read(n, version):
        if not n or current_user.role != Role.cadre:
            return no_update, no_update
        session = db()
        try:
            svc.mark_read(session, actor=actor(), comment_ids=q.unread_comments(session, user_id=current_user.id))
        except DomainError as exc:
            return html.Span(_(exc.message, **exc.params), className="small text-danger"), no_update
        return None, (version or 0) + 1
