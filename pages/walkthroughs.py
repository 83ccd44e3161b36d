"""/walkthroughs — leaders, inspectors and cadres: what leaders found when they took the
citizen's seat (走流程, 亲身办/陪同办). The funnel from issues found to fixes done, the three
lists (问题/需求/整改清单) with their status, walks and findings by service item and channel,
and time and trips per service. A leader (or an admin) turns any finding into a rectification
of a station (the same loop as an audit's failed item) and moves fix items along.
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from components import labels, walk_views
from components.cards import refusal, review_badges
from components.filter_bar import dropdown, filter_bar, link_period, link_townships, period, regions
from components.walk_views import breakdown_figure, finding_detail, funnel_tiles, review_queue, time_table
from data.errors import DomainError
from data.models import Role, StationKind
from data.queries import walkthroughs as q
from data.queries.inspections import station_options
from data.queries.settings import finding_categories, label_names, rectification_days
from data.rules.calendar import preset_period
from data.rules.findings import next_fix_states
from data.scope import OutOfScope
from data.services import review as review_service
from data.services import walkthrough_findings as svc
from web.context import actor, db, region_options, scope, today
from web.i18n import N_, _, is_english
from web.i18n import error_text as _error
from web.i18n import options as _options
from web.shell import forbidden, refused_page

ROLES = [Role.admin, Role.leader, Role.inspector, Role.cadre]
dash.register_page(__name__, path="/walkthroughs", name=N_("走流程"), title="走流程 · 人社督导一张图", order=40,
                   icon="bi-person-walking", roles=ROLES, group="field")

P = "walk-"
CALLBACK_PREFIXES = (P,)
PERIOD, COUNTY, TOWNSHIP, SERVICE, CHANNEL, STATUS = (P + "period", P + "county", P + "township", P + "service",
                                                      P + "channel", P + "status")
FILTERS, VERSION, SELECTED = P + "filters", P + "version", P + "selected"
FUNNEL, LISTS, TAB, BY_SERVICE, BY_CHANNEL, TIME = (P + "funnel", P + "lists", P + "tab", P + "by-service",
                                                    P + "by-channel", P + "time")
DETAIL, DETAIL_BODY, MSG = P + "detail", P + "detail-body", P + "msg"
QUEUE = P + "queue"  # the walks waiting for a leader's review (审核)
RECT_OPEN, RECT_MODAL, RECT_STATION, RECT_DAYS, RECT_SUBMIT, RECT_ERROR = (
    P + "rect-open", P + "rect-modal", P + "rect-station", P + "rect-days", P + "rect-submit", P + "rect-error")
FIX_STATUS = P + "fix-status"  # pattern: {"type": FIX_STATUS, "status": …}

FIX_ACTS = {"in_progress": N_("开始整改"), "done": N_("整改到位"), "open": N_("退回待办")}
REOPEN = N_("重新打开")
SCOPE_REFUSAL = N_("所选区域不在您的管辖范围内。")


def _name(table: dict, key) -> str:
    return _(table[key]) if key in table else (key or "—")


def _service_names() -> dict[str, str]:
    english = is_english()
    return {s["code"]: (s["name_en"] if english and s["name_en"] else s["name"]) for s in q.service_options(db())}


def category_names(list_kind: str) -> dict[str, str]:
    """A list's finding categories in the user's language (setting walkthrough.finding_categories)."""
    return label_names(finding_categories(db()).get(str(list_kind), []), english=is_english())


def _card(title: str, body, *, class_name: str = "shadow-sm h-100") -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className=class_name)


def _filter_bar(query: dict | None = None) -> dbc.Card:
    first, last = preset_period("year", today())  # a preset, as every page opens on (docs/architecture.md)
    services = [{"label": name, "value": code} for code, name in _service_names().items()]
    return filter_bar(
        period(_, PERIOD, _("走流程日期"), start=first, end=last, today=today(), query=query),
        regions(_, COUNTY, TOWNSHIP, region_options),
        dropdown(_, SERVICE, _("服务事项"), services, xs=12, sm=6, lg=4),
        dropdown(_, CHANNEL, _("办理渠道"), _options(labels.WALK_CHANNEL), xs=6, lg=2),
        dropdown(_, STATUS, _("清单状态"), _options(labels.FINDING_STATUS), xs=6, lg=2),
    )


def _columns(list_kind: str) -> list[dict]:
    columns = [
        {"field": "walked_on", "headerName": _("日期"), "width": 115, "sort": "desc"},
        {"field": "service", "headerName": _("服务事项"), "minWidth": 140, "flex": 1, "tooltipField": "service"},
        {"field": "channel_name", "headerName": _("渠道"), "width": 110},
        {"field": "region", "headerName": _("乡镇（街道）"), "width": 120},
        {"field": "text", "headerName": _("内容"), "minWidth": 220, "flex": 2, "tooltipField": "text"},
        {"field": "category_name", "headerName": _("类别"), "width": 105},
        {"field": "status_name", "headerName": _("状态"), "width": 100, "cellRenderer": "FindingStatusBadge"},
    ]
    if list_kind == "fix":
        columns += [{"field": "owner", "headerName": _("责任人"), "width": 130},
                    {"field": "due_on", "headerName": _("完成时限"), "width": 115},
                    {"field": "done_on", "headerName": _("完成日期"), "width": 115}]
    columns.append({"field": "rect", "headerName": _("整改"), "width": 90})
    return columns


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    leader = current_user.role in svc.LEADERS
    # ?finding=<id> (a to-do item) opens that item; its detail checks the scope
    opened = int(_query["finding"]) if str(_query.get("finding", "")).isdigit() else None
    return html.Div([
        dcc.Store(id=FILTERS), dcc.Store(id=VERSION, data=0), dcc.Store(id=SELECTED, data=opened),
        html.Div([
            html.H1(_("走流程"), className="h4 mb-0"),
            html.Span(_("局领导以群众身份亲身办、陪同办，查找堵点难点"), className="text-secondary small ms-3"),
            # walkthroughs are recorded on the phone app, where the service is gone through
            html.A([html.I(className="bi bi-phone me-1"), _("去走流程（手机端）")], href="/field/#/new/walkthrough",
                   id=P + "field", className="btn btn-outline-primary btn-sm ms-auto"),
        ], className="d-flex flex-wrap align-items-baseline gap-2 my-3"),
        _filter_bar(_query),
        dcc.Loading(html.Div(id=FUNNEL, className="mb-3"), type="dot", delay_show=300),
        _card(_("待审核的走流程"), html.Div(id=QUEUE), class_name="shadow-sm mb-3")
        if review_service.may_review(current_user.role, "walkthrough") else None,
        _card(_("三个清单"), [
            dbc.Tabs(id=TAB, active_tab="issue", className="mb-2",
                     children=[dbc.Tab(label=_(name), tab_id=key) for key, name in labels.FINDING_LIST.items()]),
            dag.AgGrid(id=LISTS, columnDefs=_columns("issue"), className="ag-theme-alpine",
                       style={"height": "420px"}, getRowId="`${params.data.id}`",
                       defaultColDef={"sortable": True, "resizable": True, "filter": True},
                       dashGridOptions={"tooltipShowDelay": 300,
                                        "localeText": {"noRowsToShow": _("没有符合条件的条目")}}),
            html.Div(_("点击一行查看详情，可转为整改") if leader else _("点击一行查看详情"),
                     className="small text-secondary mt-1"),
        ], class_name="shadow-sm mb-3"),
        dbc.Row([
            dbc.Col(_card(_("按服务事项"), dcc.Graph(id=BY_SERVICE, config={"displayModeBar": False})), lg=6,
                    className="mb-3"),
            dbc.Col(_card(_("按办理渠道"), dcc.Graph(id=BY_CHANNEL, config={"displayModeBar": False})), lg=6,
                    className="mb-3"),
        ]),
        _card(_("各服务事项用时与跑动次数"), html.Div(id=TIME), class_name="shadow-sm mb-3"),
        dbc.Offcanvas([html.Div(id=MSG, role="status"),
                       dcc.Loading(html.Div(id=DETAIL_BODY), type="dot", delay_show=300)],
                      id=DETAIL, title=_("条目详情"), placement="end", is_open=opened is not None,
                      style={"width": "min(600px, 100vw)"}),
        _rect_modal() if leader else None,
    ])


def _rect_modal() -> dbc.Modal:
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(_("转为整改"))),
        dbc.ModalBody([
            html.Div(id=RECT_ERROR),
            dbc.Label(_("整改单位"), html_for=RECT_STATION),
            dcc.Dropdown(id=RECT_STATION, options=[], className="mb-3"),
            dbc.Label(_("整改期限（工作日）"), html_for=RECT_DAYS),
            dbc.Input(id=RECT_DAYS, type="number", min=1, max=250, step=1),
        ]),
        dbc.ModalFooter(dbc.Button(_("转为整改"), id=RECT_SUBMIT, color="primary")),
    ], id=RECT_MODAL, is_open=False)


def _filters(data) -> q.WalkFilters:
    return q.WalkFilters.from_dict(data)


def _rows(filters: q.WalkFilters, list_kind: str) -> list[dict]:
    names = _service_names()
    categories = category_names(list_kind)
    rows = q.list_findings(db(), scope(), filters=filters, list_kind=list_kind)
    for row in rows:
        row["walked_on"] = row["walked_on"].isoformat()
        row["service"] = names.get(row["service_item"], row["service_item"])
        row["channel_name"] = _name(labels.WALK_CHANNEL, row["channel"])
        row["category_name"] = categories.get(row["category"], row["category"])
        row["status_name"] = _name(labels.FINDING_STATUS, row["status"])
        row["due_on"] = row["due_on"].isoformat() if row["due_on"] else None
        row["done_on"] = row["done_on"].isoformat() if row["done_on"] else None
        row["rect"] = f"#{row['rectification_id']}" if row["rectification_id"] else ""
    return rows


def _actions(detail: dict) -> list:
    if current_user.role not in svc.LEADERS:
        return []
    finding, buttons = detail["finding"], []
    if finding.list_kind == "fix":
        for target in next_fix_states(finding.status):
            label = REOPEN if finding.status == "done" else FIX_ACTS[target]
            buttons.append(dbc.Button(_(label), id={"type": FIX_STATUS, "status": str(target)}, size="sm",
                                      color="success" if target == "done" else "secondary",
                                      outline=target != "done"))
    if detail["rectification"] is None:
        buttons.append(dbc.Button([html.I(className="bi bi-tools me-1"), _("转为整改")], id=RECT_OPEN, size="sm",
                                  color="primary"))
    return buttons


def register_callbacks(app: dash.Dash) -> None:
    link_townships(app, COUNTY, TOWNSHIP, region_options)
    link_period(app, PERIOD, today)

    @app.callback(Output(FILTERS, "data"), Input(PERIOD, "start_date"), Input(PERIOD, "end_date"),
                  Input(COUNTY, "value"), Input(TOWNSHIP, "value"), Input(SERVICE, "value"),
                  Input(CHANNEL, "value"), Input(STATUS, "value"))
    def collect_filters(start, end, county, township, service, channel, status):
        return q.WalkFilters.from_dict({"date_from": start, "date_to": end, "region_code": township or county,
                                        "service_item": service, "channel": channel, "status": status}).to_dict()

    @app.callback(Output(FUNNEL, "children"), Output(TIME, "children"), Output(BY_SERVICE, "figure"),
                  Output(BY_CHANNEL, "figure"), Input(FILTERS, "data"), Input(VERSION, "data"))
    def show_summary(filters, _version):
        if current_user.role not in ROLES:
            return forbidden(), None, {}, {}
        f, session, view = _filters(filters), db(), scope()
        try:
            counts = q.funnel(session, view, filters=f)
            by_service = q.breakdown(session, view, filters=f, by="service")
            by_channel = q.breakdown(session, view, filters=f, by="channel")
            times = q.time_per_service(session, view, filters=f)
        except OutOfScope:
            return refusal(_(SCOPE_REFUSAL)), refusal(_(SCOPE_REFUSAL)), {}, {}
        names = _service_names()
        channels = {k: _(v) for k, v in labels.WALK_CHANNEL.items()}
        bars = {"walks_label": _("走流程次数"), "findings_label": _("发现条目"), "empty": _("所选期间没有走流程记录")}
        return (funnel_tiles(_, counts), time_table(_, times, names=names),
                breakdown_figure(by_service, names=names, **bars), breakdown_figure(by_channel, names=channels, **bars))

    @app.callback(Output(LISTS, "rowData"), Output(LISTS, "columnDefs"), Input(FILTERS, "data"),
                  Input(TAB, "active_tab"), Input(VERSION, "data"))
    def show_list(filters, tab, _version):
        tab = tab if tab in labels.FINDING_LIST else "issue"
        if current_user.role not in ROLES:
            return [], _columns(tab)
        try:
            return _rows(_filters(filters), tab), _columns(tab)
        except OutOfScope:
            return [], _columns(tab)

    # a click, not the grid's selection (see pages/rectifications.py)
    @app.callback(Output(QUEUE, "children"), Input(FILTERS, "data"), Input(VERSION, "data"))
    def show_queue(filters, _version):
        if not review_service.may_review(current_user.role, "walkthrough"):
            return forbidden()
        try:
            rows, total = q.walks_to_review(db(), scope(), filters=_filters(filters))
        except OutOfScope:
            return refusal(_(SCOPE_REFUSAL))
        return review_queue(_, rows, total, service_names=_service_names(), viewer_id=current_user.id)

    @app.callback(Output({"type": walk_views.REVIEW_STATE, "walk": MATCH}, "children"),
                  Input({"type": walk_views.REVIEW, "walk": MATCH, "act": ALL}, "n_clicks"),
                  State({"type": walk_views.REVIEW_NOTE, "walk": MATCH}, "value"), prevent_initial_call=True)
    def review(clicks, note):
        """审核: accept, or return with the reason written beside the buttons."""
        if not any(clicks or []) or not isinstance(ctx.triggered_id, dict):
            return no_update
        accept = ctx.triggered_id["act"] == "accept"
        session = db()
        try:
            walk = review_service.review(session, actor=actor(), kind="walkthrough",
                                         record_id=int(ctx.triggered_id["walk"]), accept=accept, note=note)
        except DomainError as exc:
            session.rollback()
            return html.Span(_error(exc), className="small text-danger")
        return html.Div([*review_badges(_, {"review_status": walk.review_status, "review_note": walk.review_note}),
                         html.Span(_("走流程人将在手机上看到退回原因") if not accept else "",
                                   className="small text-secondary")], className="mt-1 walk-reviewed")

    @app.callback(Output(SELECTED, "data"), Output(DETAIL, "is_open"), Output(MSG, "children", allow_duplicate=True),
                  Input(LISTS, "cellClicked"), prevent_initial_call=True)
    def select(cell):
        if not cell or cell.get("rowId") in (None, ""):
            return no_update, no_update, no_update
        return int(cell["rowId"]), True, None

    @app.callback(Output(DETAIL_BODY, "children"), Input(SELECTED, "data"), Input(VERSION, "data"))
    def detail(finding_id, _version):
        if not finding_id:
            return None
        if current_user.role not in ROLES:
            return forbidden()
        found = q.get_finding(db(), scope(), int(finding_id))
        if found is None:
            return refusal(_("该条目不存在或不在您的管辖范围内"))
        service = found["service"]
        name = (service.name_en if is_english() and service.name_en else service.name) if service else \
            found["walk"].service_item_code
        return finding_detail(_, found, service_name=name, category=category_names(found["finding"].list_kind)
                              .get(found["finding"].category, found["finding"].category), actions=_actions(found))

    @app.callback(Output(RECT_MODAL, "is_open"), Output(RECT_STATION, "options"), Output(RECT_STATION, "value"),
                  Output(RECT_DAYS, "value"), Output(RECT_ERROR, "children"), Input(RECT_OPEN, "n_clicks"),
                  State(SELECTED, "data"), prevent_initial_call=True)
    def open_rect(n, finding_id):
        if not n or not finding_id or current_user.role not in svc.LEADERS:
            return no_update, no_update, no_update, no_update, no_update
        found = q.get_finding(db(), scope(), int(finding_id))
        if found is None:
            return no_update, no_update, no_update, no_update, no_update
        stations = station_options(db(), scope(), kinds=(StationKind.township_station.value,))
        walk_station = found["station"]
        if walk_station is not None and all(s["id"] != walk_station.id for s in stations) \
                and scope().covers(walk_station.path):
            stations.insert(0, {"id": walk_station.id, "name": walk_station.name, "township": found["region"] or ""})
        options = [{"label": f"{s['name']} · {s['township']}", "value": s["id"]} for s in stations]
        chosen = walk_station.id if walk_station is not None and any(o["value"] == walk_station.id for o in options) \
            else None
        return True, options, chosen, rectification_days(db()), None

    @app.callback(Output(RECT_MODAL, "is_open", allow_duplicate=True),
                  Output(RECT_ERROR, "children", allow_duplicate=True),
                  Output(MSG, "children", allow_duplicate=True), Output(VERSION, "data", allow_duplicate=True),
                  Input(RECT_SUBMIT, "n_clicks"), State(SELECTED, "data"), State(RECT_STATION, "value"),
                  State(RECT_DAYS, "value"), State(VERSION, "data"), prevent_initial_call=True)
    def make_rect(n, finding_id, station_id, days, version):
        if not n or not finding_id:
            return no_update, no_update, no_update, no_update
        if not station_id:
            return True, dbc.Alert(_("请选择整改单位"), color="danger", className="py-2"), no_update, no_update
        try:
            rect = svc.finding_to_rectification(db(), actor=actor(), finding_id=int(finding_id), today=today(),
                                                station_id=int(station_id),
                                                due_days=int(days) if days not in (None, "") else None)
        except (TypeError, ValueError):
            return True, dbc.Alert(_("整改期限须为 1 到 250 个工作日"), color="danger", className="py-2"), \
                no_update, no_update
        except DomainError as exc:
            return True, dbc.Alert(_error(exc), color="danger", className="py-2", id="walk-error"), no_update, no_update
        done = dbc.Alert([_("已转为整改，期限 %(due)s。", due=f"{rect.due_on:%Y-%m-%d}"), " ",
                          html.A(_("查看第 %(id)s 号整改", id=rect.id), href=f"/rectifications?rect={rect.id}",
                                 className="alert-link")], color="success", className="py-2", id="walk-done")
        return False, None, done, (version or 0) + 1

    @app.callback(Output(MSG, "children", allow_duplicate=True), Output(VERSION, "data", allow_duplicate=True),
                  Input({"type": FIX_STATUS, "status": ALL}, "n_clicks"), State(SELECTED, "data"),
                  State(VERSION, "data"), prevent_initial_call=True)
    def set_status(clicks, finding_id, version):
        if not finding_id or not any(clicks or []) or not isinstance(ctx.triggered_id, dict):
            return no_update, no_update
        try:
            svc.set_fix_status(db(), actor=actor(), finding_id=int(finding_id), status=ctx.triggered_id["status"],
                               today=today())
        except DomainError as exc:
            return dbc.Alert(_error(exc), color="danger", className="py-2", id="walk-error"), no_update
        return dbc.Alert(_("已更新"), color="success", className="py-2", id="walk-done"), (version or 0) + 1
