"""/cases — case officers and leaders: wage-arrears cases on the grid map, with their statutory
clocks; filter, drill into a township, open a case and act on it (accept, transfer, decide …).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from components import labels
from components.brief_pdf import NoCjkFont
from components.cards import kpi_card, refusal, trend_caption
from components.case_map import case_map_address
from components.case_views import (
    breakdown_figure,
    campaign_cards,
    case_detail,
    limitation_note,
    ranked_list,
    risk_list,
    trend_figure,
)
from components.export import file_name, workbook_bytes
from components.filter_bar import dropdown, field, filter_bar, link_period, link_townships, period, regions
from components.format import change, count, percent, wan_yuan
from components.notice_pdf import notice_pdf
from data.errors import DomainError
from data.filters import narrowed
from data.models import CaseSource, RegionLevel, Role
from data.queries import campaign as campaign_queries
from data.queries import cases as q
from data.queries.regions import home_cities, list_regions, spans_cities
from data.queries.settings import limitation_years, supervision_thresholds, work_calendar
from data.rules.limitation import limitation
from data.rules.masking import PersonalField
from data.rules.workflow import OPEN_STATES, CaseAct, CaseFacts, allowed_acts
from data.scope import OutOfScope, Scope
from data.services import cases as svc
from data.services import documents
from web import cache
from web.context import actor, db, region_options, scope, today
from web.documents import document_href
from web.i18n import N_, _
from web.i18n import error_text as _error
from web.i18n import options as _options
from web.shell import MAP_EVENT, refused_page

ROLES = [Role.admin, Role.leader, Role.case_officer]
dash.register_page(__name__, path="/cases", name=N_("欠薪案件"), title="欠薪案件 · 人社督导一张图", order=10,
                   icon="bi-cash-stack", roles=ROLES)

P = "cases-"
CALLBACK_PREFIXES = (P, "case-")  # page ids, and its pattern ids (case-act, case-reveal)
PERIOD, COUNTY, TOWNSHIP, GRID_CELL = P + "period", P + "county", P + "township", P + "grid-cell"
STATUS, SOURCE, INDUSTRY, KIND, OVERDUE, TEXT = (P + "status", P + "source", P + "industry", P + "kind",
                                                 P + "overdue", P + "text")
SUPERVISED = P + "supervised"
FILTERS, VERSION, SELECTED = P + "filters", P + "version", P + "selected"
MAP_LEVEL_NAMES = {"county": N_("按县区"), "township": N_("按乡镇"), "grid": N_("按网格")}
KPIS, MAP, MAP_METRIC, MAP_LEVEL, CRUMB = P + "kpis", P + "map", P + "map-metric", P + "map-level", P + "crumb"
TREND, TREND_METRIC = P + "trend", P + "trend-metric"
BY_WHAT, BREAKDOWN = P + "by-what", P + "breakdown"
REPEAT, RISK, CANDIDATES = P + "repeat", P + "risk", P + "candidates"
CAMPAIGN = P + "campaign-row"
TABLE_PURGE, TABLE = P + "table-purge", P + "table"
DETAIL, DETAIL_BODY, DETAIL_MSG = P + "detail", P + "detail-body", P + "detail-msg"
ACT_MODAL, ACT_TITLE, ACT_STORE, ACT_SUBMIT, ACT_ERROR = (P + "act-modal", P + "act-title", P + "act-store",
                                                          P + "act-submit", P + "act-error")
ACT_REASON, ACT_DECISION, ACT_AMOUNT, ACT_REGION, ACT_AGENCY, ACT_LITIGATION = (
    P + "act-reason", P + "act-decision", P + "act-amount", P + "act-region", P + "act-agency", P + "act-litigation")
EXPORT, DOWNLOAD = P + "export", P + "download"
INTAKE_OPEN, INTAKE_MODAL, INTAKE_SUBMIT, INTAKE_ERROR, INTAKE_DONE = (
    P + "intake-open", P + "intake-modal", P + "intake-submit", P + "intake-error", P + "intake-done")
MINE_OPEN, MINE_MODAL, MINE_BODY = P + "mine-open", P + "mine-modal", P + "mine-body"
IN_SOURCE, IN_TOWNSHIP, IN_INDUSTRY, IN_WORKERS, IN_AMOUNT, IN_SUMMARY, IN_NAME, IN_ID, IN_PHONE, IN_MASS = (
    P + "in-source", P + "in-township", P + "in-industry", P + "in-workers", P + "in-amount", P + "in-summary",
    P + "in-name", P + "in-id", P + "in-phone", P + "in-mass")
IN_OWED_FROM, IN_OWED_TO, IN_LIMITATION = P + "in-owed-from", P + "in-owed-to", P + "in-limitation"

# acts whose form asks for a reason, and the extra fields some need
REASON_ACTS = {CaseAct.reject, CaseAct.extend, CaseAct.request_extension, CaseAct.decline_extension,
               CaseAct.transfer, CaseAct.return_transfer, CaseAct.refer_out,
               CaseAct.reopen, CaseAct.supervise, CaseAct.respond_supervision, CaseAct.re_review}


def _card(title: str, body, *, body_class: str | None = None, class_name: str = "shadow-sm h-100") -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body, className=body_class)], className=class_name)


def _code(value) -> str | None:
    """An area code from a link (12 digits), else nothing: the page's own checks do the rest."""
    return value if isinstance(value, str) and value.isdigit() and len(value) == 12 else None


def _filter_bar(query: dict) -> dbc.Card:
    default = q.CaseFilters.default(today())
    return filter_bar(
        period(_, PERIOD, _("受理期间"), start=default.date_from, end=default.date_to, today=today(), query=query,
               clearable=True),
        regions(_, COUNTY, TOWNSHIP, region_options, county=_code(query.get("county")),
                township=_code(query.get("township"))),
        dropdown(_, GRID_CELL, _("网格"), [], xs=6, lg=2),
        dropdown(_, STATUS, _("状态"), _options(labels.CASE_STATUS), multi=True, xs=6, lg=2,
                 value=[v for v in str(query.get("status") or "").split(",") if v in labels.CASE_STATUS] or None),
        dropdown(_, SOURCE, _("来源渠道"), _options(labels.CASE_SOURCE), multi=True, xs=6, lg=3),
        dropdown(_, INDUSTRY, _("行业"), _options(labels.INDUSTRY), multi=True, xs=6, lg=2),
        field(_("工程类别"), dbc.RadioItems(id=KIND, value="all", inline=True, options=[
            {"label": _("全部"), "value": "all"}, {"label": _("工程建设"), "value": "construction"},
            {"label": _("其他"), "value": "other"}]), xs=12, md=6, lg=3),
        field(_("案件编号或单位"), dbc.Input(id=TEXT, type="search", debounce=True, placeholder=_("输入后回车")),
              for_id=TEXT, xs=8, lg=2),
        field(None, html.Div([
            dbc.Switch(id=OVERDUE, label=_("仅看超期"), value=query.get("overdue") == "1", className="mb-0"),
            dbc.Switch(id=SUPERVISED, label=_("仅看督办"), value=query.get("supervised") == "1", className="mb-0"),
        ], className="mt-3"), xs=4, lg=2),
    )


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    office = current_user.role in (Role.case_officer, Role.admin)
    # ?case=<id> (a to-do item, a link from elsewhere) opens that case; the detail checks the scope
    opened = int(_query["case"]) if str(_query.get("case", "")).isdigit() else None
    return html.Div([
        dcc.Store(id=FILTERS), dcc.Store(id=VERSION, data=0), dcc.Store(id=SELECTED, data=opened),
        dcc.Store(id=ACT_STORE),
        dcc.Download(id=DOWNLOAD),
        html.Div([
            html.H1(_("欠薪案件"), className="h4 mb-0"),
            html.Div([
                dbc.Button([html.I(className="bi bi-plus-lg me-1"), _("登记线索")], id=INTAKE_OPEN, color="primary",
                           size="sm", className="me-2") if office else None,
                dbc.Button([html.I(className="bi bi-inbox me-1"), _("我登记的线索")], id=MINE_OPEN, color="primary",
                           outline=True, size="sm", className="me-2") if office else None,
                dbc.Button([html.I(className="bi bi-file-earmark-spreadsheet me-1"), _("导出Excel")], id=EXPORT,
                           color="secondary", outline=True, size="sm"),
            ], className="ms-auto"),
        ], className="d-flex align-items-center my-3"),
        html.Div(id=INTAKE_DONE),
        _filter_bar(_query),
        dcc.Loading(html.Div(id=KPIS), type="dot", delay_show=300),
        dbc.Row([
            dbc.Col(_card(_("网格地图"), [
                html.Div([
                    html.Div(id=CRUMB, className="small me-auto"),
                    dbc.Select(id=MAP_METRIC, value="cases", size="sm", className="w-auto", options=[
                        {"label": _("案件数"), "value": "cases"}, {"label": _("涉及人数"), "value": "workers"},
                        {"label": _("涉及金额"), "value": "amount"}, {"label": _("超期案件"), "value": "overdue"}]),
                    # a province's leader starts by county (its cities' thousands of townships are no map)
                    dbc.Select(id=MAP_LEVEL, value="county" if spans_cities(db(), scope=scope()) else "township",
                               size="sm", className="w-auto", options=[
                                   {"label": _(name), "value": value} for value, name in MAP_LEVEL_NAMES.items()]),
                ], className="d-flex gap-2 align-items-center p-2"),
                html.Iframe(id=MAP, src="about:blank", title=_("网格地图"), className="map-frame map-frame-lg"),
            ], body_class="p-0"), lg=7, className="mb-3"),
            dbc.Col(_card(_("案件、人数、金额逐月同比"), [
                dbc.RadioItems(id=TREND_METRIC, value="cases", inline=True, className="small", options=[
                    {"label": _("案件数"), "value": "cases"}, {"label": _("涉及人数"), "value": "workers"},
                    {"label": _("涉及金额（万元）"), "value": "amount"}]),
                dcc.Graph(id=TREND, config={"displayModeBar": False, "responsive": True}, style={"height": "300px"}),
            ]), lg=5, className="mb-3"),
        ]),
        # the winter campaign and the run of declines: their own periods, the region of the filters
        dbc.Row(id=CAMPAIGN, className="g-3 mb-3"),
        dbc.Row([
            dbc.Col(_card(_("风险网格"), html.Div(id=RISK, className="side-list")), md=6, xl=3, className="mb-3"),
            dbc.Col(_card(_("建议督办"), html.Div(id=CANDIDATES, className="side-list")), md=6, xl=3,
                    className="mb-3"),
            dbc.Col(_card(_("重复欠薪企业（失信惩戒候选）"), [
                html.Div(id=REPEAT, className="side-list"),
                html.A([_("失信联合惩戒名单"), html.I(className="bi bi-chevron-right ms-1")], href="/blacklist",
                       className="small d-inline-block mt-2", id=P + "blacklist-link")]), md=6, xl=3, className="mb-3"),
            dbc.Col(_card(_("分布"), [
                dbc.RadioItems(id=BY_WHAT, value="industry", inline=True, className="small", options=[
                    {"label": _("行业"), "value": "industry"}, {"label": _("渠道"), "value": "source"},
                    {"label": _("县区"), "value": "county"}]),
                dcc.Graph(id=BREAKDOWN, config={"displayModeBar": False}),
            ]), md=6, xl=3, className="mb-3"),
        ]),
        _card(_("案件列表"), [_grid(), dcc.Store(id=TABLE_PURGE)], class_name="shadow-sm mb-3"),
        # the detail stays readable while it is drawn again (an act, a notice issued): dimmed, not blanked
        dbc.Offcanvas([html.Div(id=DETAIL_MSG),
                       dcc.Loading(html.Div(id=DETAIL_BODY), type="dot", delay_show=300,
                                   overlay_style={"visibility": "visible", "opacity": 0.6})],
                      id=DETAIL, title=_("案件详情"), placement="end", is_open=False, className="case-detail",
                      style={"width": "min(640px, 100vw)"}),
        _act_modal(),
        _intake_modal() if office else None,
        dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(_("我登记的线索"))), dbc.ModalBody(id=MINE_BODY)], id=MINE_MODAL,
                   is_open=False, size="lg", scrollable=True) if office else None,
    ])


def _act_modal() -> dbc.Modal:
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(id=ACT_TITLE)),
        dbc.ModalBody([
            html.Div(id=ACT_ERROR),
            html.Div([dbc.Label(_("处理结果"), html_for=ACT_DECISION),
                      dbc.Select(id=ACT_DECISION, options=_options(labels.CASE_DECISION))],
                     id=ACT_DECISION + "-row", className="mb-3"),
            html.Div([dbc.Label(_("追回金额（元）"), html_for=ACT_AMOUNT),
                      dbc.Input(id=ACT_AMOUNT, type="number", min=0, step=0.01)], id=ACT_AMOUNT + "-row",
                     className="mb-3"),
            html.Div([dbc.Label(_("接收单位"), html_for=ACT_REGION),
                      dcc.Dropdown(id=ACT_REGION, options=[])], id=ACT_REGION + "-row", className="mb-3"),
            html.Div([dbc.Label(_("移送机关"), html_for=ACT_AGENCY),
                      dbc.Select(id=ACT_AGENCY, options=_options(labels.REFERRAL_AGENCY)),
                      dbc.Checkbox(id=ACT_LITIGATION, label=_("支持起诉"), value=False, className="mt-2")],
                     id=ACT_AGENCY + "-row", className="mb-3"),
            html.Div([dbc.Label(_("理由 / 说明"), html_for=ACT_REASON),
                      dbc.Textarea(id=ACT_REASON, rows=3, maxLength=2000)], id=ACT_REASON + "-row"),
        ]),
        dbc.ModalFooter(dbc.Button(_("确定"), id=ACT_SUBMIT, color="primary")),
    ], id=ACT_MODAL, is_open=False)


def _intake_modal() -> dbc.Modal:
    city = list_regions(db(), scope=_city_scope(), levels=(RegionLevel.township,))
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(_("登记欠薪线索（一点受理、全市联动）"))),
        dbc.ModalBody([
            html.Div(id=INTAKE_ERROR),
            dbc.Row([
                dbc.Col([dbc.Label(_("来源渠道")), dbc.Select(id=IN_SOURCE, value=CaseSource.walk_in.value,
                                                             options=_options(labels.CASE_SOURCE))], md=6),
                dbc.Col([dbc.Label(_("发生地乡镇（街道）")),
                         dcc.Dropdown(id=IN_TOWNSHIP, options=[{"label": r.name, "value": r.area_code} for r in city])],
                        md=6),
                dbc.Col([dbc.Label(_("行业")), dbc.Select(id=IN_INDUSTRY, value="construction",
                                                         options=_options(labels.INDUSTRY))], md=4),
                dbc.Col([dbc.Label(_("涉及人数")), dbc.Input(id=IN_WORKERS, type="number", min=1, value=1)], md=4),
                dbc.Col([dbc.Label(_("涉及金额（元）")), dbc.Input(id=IN_AMOUNT, type="number", min=0)], md=4),
                *[dbc.Col([dbc.Label(label), dbc.Input(id=key, type="date", max=today().isoformat())], md=4)
                  for key, label in ((IN_OWED_FROM, _("欠薪起始日期")), (IN_OWED_TO, _("欠薪截止日期")))],
                dbc.Col(html.Div(id=IN_LIMITATION, className="small pt-md-4", role="status"), md=4),
                dbc.Col([dbc.Label(_("投诉人")), dbc.Input(id=IN_NAME, maxLength=40)], md=4),
                dbc.Col([dbc.Label(_("身份证号")), dbc.Input(id=IN_ID, maxLength=18)], md=4),
                dbc.Col([dbc.Label(_("联系电话")), dbc.Input(id=IN_PHONE, maxLength=20)], md=4),
                dbc.Col([dbc.Label(_("案情")), dbc.Textarea(id=IN_SUMMARY, rows=3, maxLength=4000)], md=12),
                dbc.Col(dbc.Checkbox(id=IN_MASS, label=_("群体性事件"), value=False), md=12),
            ], className="g-2"),
        ]),
        dbc.ModalFooter(dbc.Button(_("登记并流转"), id=INTAKE_SUBMIT, color="primary")),
    ], id=INTAKE_MODAL, is_open=False, size="lg")


def _city_scope() -> Scope:
    """Any office takes in a clue for any place in its city (一点受理) and routes it to the county
    where it happened: the intake picker lists the whole city (names only) — in a province, the
    user's own city."""
    return home_cities(db(), scope())


def _filters(filters: dict | None) -> q.CaseFilters:
    return q.CaseFilters.from_dict(filters or {})


def _grid() -> dag.AgGrid:
    columns = [
        # a name too long for its column is shown whole in a tooltip (and the case number never cut)
        {"field": "case_no", "headerName": _("案件编号"), "minWidth": 205, "pinned": "left"},
        {"field": "status_label", "headerName": _("状态"), "colId": "status", "width": 90},
        {"field": "deadline", "headerName": _("时限"), "colId": "due", "width": 125,
         "cellClassRules": {"text-danger fw-semibold": "params.data && params.data.overdue",
                            "text-warning": "params.data && !params.data.overdue && params.data.days_left <= 3"}},
        {"field": "township", "headerName": _("发生地"), "sortable": False, "width": 100, "tooltipField": "township"},
        {"field": "employer", "headerName": _("用人单位"), "sortable": False, "minWidth": 170, "flex": 1,
         "tooltipField": "employer"},
        {"field": "industry_label", "headerName": _("行业"), "colId": "industry", "width": 90,
         "tooltipField": "industry_label"},
        {"field": "source_label", "headerName": _("来源"), "colId": "source", "width": 120,
         "tooltipField": "source_label"},
        {"field": "workers", "headerName": _("人数"), "type": "rightAligned", "width": 70},
        {"field": "amount", "headerName": _("金额（元）"), "type": "rightAligned", "width": 105,
         "valueFormatter": {"function": "params.value == null ? '' : d3.format(',.0f')(params.value)"}},
        {"field": "received_on", "headerName": _("受理日期"), "width": 125, "sort": "desc"},
        {"field": "complainant", "headerName": _("投诉人"), "sortable": False, "width": 80},
    ]
    return dag.AgGrid(
        id=TABLE, columnDefs=columns, rowModelType="infinite",
        defaultColDef={"sortable": True, "resizable": True, "filter": False},
        dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                         "cacheBlockSize": 50, "maxBlocksInCache": 10, "infiniteInitialRowCount": 50,
                         "tooltipShowDelay": 300,
                         "localeText": {"loadingOoo": _("加载中…"), "noRowsToShow": _("没有符合条件的案件")}},
        getRowId="`${params.data.id}`", style={"height": "460px"}, className="ag-theme-quartz",
    )


def register_callbacks(app: dash.Dash) -> None:
    link_townships(app, COUNTY, TOWNSHIP, region_options)
    link_period(app, PERIOD, today)

    @app.callback(Output(GRID_CELL, "options"), Output(GRID_CELL, "value"), Input(TOWNSHIP, "value"))
    def grid_cells_of_township(township_code):
        if not township_code:
            return [], None
        cells = q.grid_cells(db(), scope=scope(), township_code=township_code)
        return [{"label": c["name"], "value": c["code"]} for c in cells], None

    @app.callback(Output(FILTERS, "data"),
                  Input(PERIOD, "start_date"), Input(PERIOD, "end_date"), Input(COUNTY, "value"),
                  Input(TOWNSHIP, "value"), Input(GRID_CELL, "value"), Input(STATUS, "value"),
                  Input(SOURCE, "value"), Input(INDUSTRY, "value"), Input(KIND, "value"), Input(OVERDUE, "value"),
                  Input(SUPERVISED, "value"), Input(TEXT, "value"))
    def collect_filters(start, end, county, township, grid, statuses, sources, industries, kind, overdue, supervised,
                        text):
        return q.CaseFilters.from_dict({
            "date_from": start, "date_to": end, "region_code": township or county, "grid_code": grid,
            "statuses": statuses or [], "sources": sources or [], "industries": industries or [],
            "construction": {"construction": True, "other": False}.get(kind), "overdue_only": bool(overdue),
            "supervised_only": bool(supervised), "text": text,
        }).to_dict()

    @app.callback(Output(COUNTY, "value"), Output(TOWNSHIP, "value", allow_duplicate=True),
                  Output(SELECTED, "data", allow_duplicate=True), Input(MAP_EVENT, "data"), prevent_initial_call=True)
    def map_clicked(event):
        """A township clicked on the map drills into it; a case point opens the case."""
        if not event:
            return no_update, no_update, no_update
        if event.get("action") == "select-township" and event.get("code"):
            code = str(event["code"])
            if code[6:] == "000000":  # a county, on a province's map by county
                return code, None, no_update
            return code[:6] + "000000", code, no_update
        if event.get("action") == "open-case" and event.get("id"):
            return no_update, no_update, int(event["id"])
        return no_update, no_update, no_update

    @app.callback(Output(KPIS, "children"), Input(FILTERS, "data"), Input(VERSION, "data"))
    def show_kpis(filters, _version):
        try:
            kpis = q.case_kpis(db(), scope=scope(), filters=_filters(filters), today=today())
        except OutOfScope:
            return refusal(_("所选区域不在您的管辖范围内。"))
        return _kpi_row(kpis, _filters(filters))

    @app.callback(Output(MAP, "src"), Output(CRUMB, "children"), Input(FILTERS, "data"), Input(MAP_METRIC, "value"),
                  Input(MAP_LEVEL, "value"), Input(VERSION, "data"))
    def show_map(filters, metric, level, version):
        f = _filters(filters)
        crumb = [html.I(className="bi bi-geo-alt me-1"), _("全部辖区")]
        if f.region_code:
            crumb = [html.I(className="bi bi-geo-alt me-1"), q.region_label(db(), area_code=f.region_code)]
        if level in ("township", "grid"):  # the map route draws several cities by county: the page says so
            try:
                if spans_cities(db(), scope=narrowed(db(), scope(), f)):
                    note = _("（多个市：按县区显示，请先选择市）")
                    crumb = [*crumb, html.Span(note, className="text-secondary ms-1")]
            except OutOfScope:
                pass  # the map route answers that itself
        return case_map_address(f, metric=metric, level=level, version=version), crumb

    @app.callback(Output(TREND, "figure"), Input(FILTERS, "data"), Input(TREND_METRIC, "value"),
                  Input(VERSION, "data"))
    def show_trend(filters, metric, _version):
        try:
            rows = q.monthly_trend(db(), scope=scope(), filters=_filters(filters), today=today())
        except OutOfScope:
            return {}
        return trend_figure(rows, metric=metric, this_label=_("本期"), last_label=_("上年同期"),
                            month_label=lambda y, m: _("%(y)s年%(m)s月", y=y, m=m),
                            part_label=lambda y, m, d: _("%(y)s年%(m)s月1–%(d)s日", y=y, m=m, d=d))

    @app.callback(Output(BREAKDOWN, "figure"), Input(FILTERS, "data"), Input(BY_WHAT, "value"),
                  Input(VERSION, "data"))
    def show_breakdown(filters, by, _version):
        try:
            rows = q.breakdown(db(), scope=scope(), filters=_filters(filters), today=today(), by=by)
        except OutOfScope:
            return {}
        names = {"industry": labels.INDUSTRY, "source": labels.CASE_SOURCE}.get(by, {})
        return breakdown_figure([(r["key"], r["cases"]) for r in rows],
                                names={**{r["key"]: r["name"] for r in rows}, **{k: _(v) for k, v in names.items()}})

    @app.callback(Output(CAMPAIGN, "children"), Input(FILTERS, "data"), Input(VERSION, "data"))
    def show_campaign(filters, _version):
        """The winter campaign so far and the run of declines, for the region chosen (their own periods)."""
        try:
            view = narrowed(db(), scope(), _filters(filters))
        except OutOfScope:
            return None
        day, session = today(), db()
        figures = cache.panel("campaign", (view.paths, day.isoformat()),
                              lambda: campaign_queries.cards(session, scope=view, today=day))
        return [dbc.Col(card, lg=6) for card in campaign_cards(_, *figures)]

    @app.callback(Output(RISK, "children"), Output(CANDIDATES, "children"), Output(REPEAT, "children"),
                  Input(FILTERS, "data"), Input(VERSION, "data"))
    def show_lists(filters, _version):
        try:
            f, session, view, day = _filters(filters), db(), scope(), today()
            risks, candidates, repeat = cache.panel("lists", (view.paths, f.to_dict(), day.isoformat()), lambda: (
                q.risk_by_area(session, scope=view, filters=f, today=day, level="township"),
                q.supervision_candidates(session, scope=view, filters=f, today=day, limit=8,
                                         thresholds=supervision_thresholds(session)),
                q.repeat_employers(session, scope=view, filters=f, today=day, limit=8)))
        except OutOfScope:
            return (refusal(_("所选区域不在您的管辖范围内。")),) * 3
        return risk_list(_, risks, empty=_("暂无风险网格")), _candidate_list(candidates), ranked_list(
            [(r["name"], _("%(n)s 件", n=r["cases"]), _("涉及 %(w)s 人 · %(a)s 万元", w=count(r["workers"]),
                                                        a=wan_yuan(r["amount_cents"]))) for r in repeat],
            empty=_("暂无"))

    # new filters or an act on a case: drop the grid's cached blocks so it asks the server again
    app.clientside_callback(
        """function(filters, version) {
            try {
                dash_ag_grid.getApi("TABLE_ID").purgeInfiniteCache();
            } catch (e) {
                // not drawn yet: its first request will carry the current filters anyway
            }
            return window.dash_clientside.no_update;
        }""".replace("TABLE_ID", TABLE),
        Output(TABLE_PURGE, "data"), Input(FILTERS, "data"), Input(VERSION, "data"), prevent_initial_call=True)

    @app.callback(Output(TABLE, "getRowsResponse"), Input(TABLE, "getRowsRequest"), State(FILTERS, "data"),
                  prevent_initial_call=True)
    def table_rows(request, filters):
        if not request:
            return no_update
        sort = [(s["colId"], s["sort"]) for s in request.get("sortModel") or []]
        start, end = int(request.get("startRow", 0)), int(request.get("endRow", 50))
        try:
            rows, total = q.list_cases(db(), scope=scope(), filters=_filters(filters), today=today(), sort=sort,
                                       offset=start, limit=max(1, min(end - start, 200)),
                                       calendar=work_calendar(db()))
        except OutOfScope:
            return {"rowData": [], "rowCount": 0}
        return {"rowData": [_table_row(r) for r in rows], "rowCount": total}

    @app.callback(Output(SELECTED, "data"), Input(TABLE, "selectedRows"), prevent_initial_call=True)
    def row_selected(rows):
        return rows[0]["id"] if rows else no_update

    @app.callback(Output(DETAIL, "is_open"), Output(DETAIL_BODY, "children"), Output(DETAIL_MSG, "children"),
                  Input(SELECTED, "data"), Input(VERSION, "data"), State(DETAIL, "is_open"))
    def show_detail(case_id, _version, is_open):
        if not case_id:
            return False, None, None
        if ctx.triggered_id == VERSION and not is_open:
            return no_update, no_update, no_update
        try:
            detail = q.get_case_detail(db(), scope=scope(), case_id=int(case_id), today=today(),
                                       calendar=work_calendar(db()))
        except OutOfScope:
            return True, refusal(_("案件不存在或不在您的管辖范围内")), None
        return True, case_detail(_, detail, acts=_acts_for(detail), may_reveal=_may_reveal(detail),
                                 documents=_documents_for(detail), document_href=document_href), None

    @app.callback(Output(VERSION, "data", allow_duplicate=True),
                  Output(DETAIL_MSG, "children", allow_duplicate=True),
                  Input({"type": "case-doc", "kind": ALL}, "n_clicks"), State(SELECTED, "data"),
                  State(VERSION, "data"), prevent_initial_call=True)
    def issue_document(clicks, case_id, version):
        """出具文书: numbered, stored and listed in the case's history; the detail then links it."""
        if not ctx.triggered_id or not any(clicks) or not case_id:
            return no_update, no_update
        try:
            document = documents.issue_document(db(), actor=actor(), case_id=int(case_id),
                                                kind=ctx.triggered_id["kind"], today=today(), render=notice_pdf)
        except DomainError as exc:
            db().rollback()
            return no_update, dbc.Alert(_error(exc), color="warning", className="py-2")
        except NoCjkFont:
            return no_update, dbc.Alert(_("服务器没有中文字体，无法生成PDF（请运行 scripts/setup.sh）"), color="danger",
                                        className="py-2")
        return (version or 0) + 1, dbc.Alert(
            [_("已出具 %(no)s", no=document.doc_no), " ",
             html.A(_("打开PDF"), href=document_href(int(case_id), document.id), target="_blank")],
            color="success", dismissable=True, className="py-2")

    @app.callback(Output(ACT_MODAL, "is_open"), Output(ACT_TITLE, "children"), Output(ACT_STORE, "data"),
                  Output(ACT_REASON, "value"), Output(ACT_ERROR, "children", allow_duplicate=True),
                  Output(ACT_REGION, "options"),
                  *[Output(f + "-row", "style")
                    for f in (ACT_DECISION, ACT_AMOUNT, ACT_REGION, ACT_AGENCY, ACT_REASON)],
                  Input({"type": "case-act", "act": ALL}, "n_clicks"), State(SELECTED, "data"),
                  prevent_initial_call=True)
    def open_act(clicks, case_id):
        if not ctx.triggered_id or not any(clicks):
            return (no_update,) * 11
        act = CaseAct(ctx.triggered_id["act"])
        show = lambda on: None if on else {"display": "none"}  # noqa: E731
        regions = _transfer_targets(case_id) if act is CaseAct.transfer else []
        return (True, _(labels.CASE_ACT[act.value]), act.value, "", None, regions,
                show(act is CaseAct.decide), show(act is CaseAct.decide), show(act is CaseAct.transfer),
                show(act is CaseAct.refer_out), show(act in REASON_ACTS or act is CaseAct.decide))

    @app.callback(Output(ACT_MODAL, "is_open", allow_duplicate=True), Output(ACT_ERROR, "children"),
                  Output(VERSION, "data"),
                  Input(ACT_SUBMIT, "n_clicks"),
                  State(ACT_STORE, "data"), State(SELECTED, "data"), State(ACT_REASON, "value"),
                  State(ACT_DECISION, "value"), State(ACT_AMOUNT, "value"), State(ACT_REGION, "value"),
                  State(ACT_AGENCY, "value"), State(ACT_LITIGATION, "value"), State(VERSION, "data"),
                  prevent_initial_call=True)
    def submit_act(_n, act, case_id, reason, decision, amount, region, agency, litigation, version):
        if not act or not case_id:
            return no_update, no_update, no_update
        try:
            _perform(CaseAct(act), int(case_id), reason=reason, decision=decision, amount=amount, region=region,
                     agency=agency, litigation=bool(litigation))
        except DomainError as exc:
            return True, dbc.Alert(_error(exc), color="danger", className="py-2"), no_update
        return False, None, (version or 0) + 1

    @app.callback(Output({"type": "case-reveal", "field": ALL}, "children"), Output(DETAIL_MSG, "children",
                                                                                    allow_duplicate=True),
                  Input({"type": "case-reveal", "field": ALL}, "n_clicks"), State(SELECTED, "data"),
                  prevent_initial_call=True)
    def reveal(clicks, case_id):
        """Shows the full value in the button's place; every reveal is audited."""
        outputs = [no_update] * len(clicks)
        if not ctx.triggered_id or not any(clicks) or not case_id:
            return outputs, no_update
        field = ctx.triggered_id["field"]
        try:
            value = svc.reveal_personal_field(db(), actor=actor(), case_id=int(case_id), field=PersonalField(field))
        except DomainError as exc:
            return outputs, dbc.Alert(_error(exc), color="warning", className="py-2")
        index = [i["id"]["field"] for i in ctx.inputs_list[0]].index(field)
        outputs[index] = html.Span(value, className="revealed-value")
        return outputs, None

    @app.callback(Output(DOWNLOAD, "data"), Input(EXPORT, "n_clicks"), State(FILTERS, "data"),
                  prevent_initial_call=True)
    def export(_n, filters):
        f = _filters(filters)
        try:
            rows, _total = q.list_cases(db(), scope=scope(), filters=f, today=today(), sort=[("received_on", "desc")],
                                        offset=0, limit=q.EXPORT_LIMIT)
        except OutOfScope:
            return no_update
        data = workbook_bytes(title=_("欠薪案件"), columns=_export_columns(),
                              rows=[_table_row(r) for r in rows],
                              note=_("导出时间 %(d)s · 个人信息已脱敏 · 共 %(n)s 件", d=today().isoformat(),
                                     n=len(rows)))
        return dcc.send_bytes(data, file_name(_("欠薪案件"), f.label(), today()))

    @app.callback(Output(INTAKE_MODAL, "is_open"), Input(INTAKE_OPEN, "n_clicks"), prevent_initial_call=True)
    def open_intake(_n):
        return True

    @app.callback(Output(IN_LIMITATION, "children"), Input(IN_OWED_FROM, "value"), Input(IN_OWED_TO, "value"))
    def show_limitation(owed_from, owed_to):
        """The limitation as the dates are entered: in time (until when) or past it."""
        return limitation_note(_, limitation(owed_from=_day(owed_from), owed_to=_day(owed_to), received_on=today(),
                                             years=limitation_years(db())))

    @app.callback(Output(MINE_MODAL, "is_open"), Output(MINE_BODY, "children"), Input(MINE_OPEN, "n_clicks"),
                  prevent_initial_call=True)
    def my_clues(clicks):
        """An officer's own intake stays findable after it was routed to another office: where it
        went and what became of it (no personal data: the case may be out of their sight now)."""
        if not clicks or current_user.role not in (Role.case_officer, Role.admin):
            return no_update, no_update
        rows = q.registered_by(db(), user_id=current_user.id)
        if not rows:
            return True, html.Div(_("您还没有登记过线索"), className="text-secondary")
        head = html.Thead(html.Tr([html.Th(t) for t in (_("案件编号"), _("受理日期"), _("发生地"), _("现承办单位"),
                                                        _("状态"), _("办结日期"))]))
        body = html.Tbody([html.Tr([html.Td(r["case_no"], className="text-nowrap"),
                                    html.Td(r["received_on"].isoformat()), html.Td(r["township"]), html.Td(r["office"]),
                                    html.Td(_(labels.CASE_STATUS.get(r["status"], r["status"]))),
                                    html.Td(r["closed_on"].isoformat() if r["closed_on"] else "—")]) for r in rows])
        return True, [html.Div(_("共 %(n)s 条（最近的在前）", n=len(rows)), className="small text-secondary mb-2"),
                      dbc.Table([head, body], size="sm", hover=True, responsive=True, className="small")]

    @app.callback(Output(INTAKE_MODAL, "is_open", allow_duplicate=True), Output(INTAKE_ERROR, "children"),
                  Output(VERSION, "data", allow_duplicate=True), Output(SELECTED, "data", allow_duplicate=True),
                  Output(INTAKE_DONE, "children"),
                  Input(INTAKE_SUBMIT, "n_clicks"),
                  State(IN_SOURCE, "value"), State(IN_TOWNSHIP, "value"), State(IN_INDUSTRY, "value"),
                  State(IN_WORKERS, "value"), State(IN_AMOUNT, "value"), State(IN_SUMMARY, "value"),
                  State(IN_NAME, "value"), State(IN_ID, "value"), State(IN_PHONE, "value"), State(IN_MASS, "value"),
                  State(IN_OWED_FROM, "value"), State(IN_OWED_TO, "value"),
                  State(VERSION, "data"), prevent_initial_call=True)
    def submit_intake(_n, source, township, industry, workers, amount, summary, name, id_number, phone, mass,
                      owed_from, owed_to, version):
        try:
            intake = svc.CaseIntake(
                owed_from=_day(owed_from), owed_to=_day(owed_to),
                source=CaseSource(source), summary=summary or "", township_code=township, industry=industry or "other",
                is_construction=industry == "construction", workers=int(workers or 0),
                amount_claimed_cents=int(round(float(amount or 0) * 100)), complainant_name=name,
                complainant_id_number=id_number, complainant_phone=phone, mass_incident=bool(mass))
            case = svc.receive_case(db(), actor=actor(), intake=intake, today=today())
        except DomainError as exc:
            return True, dbc.Alert(_error(exc), color="danger", className="py-2"), no_update, no_update, no_update
        except (TypeError, ValueError):
            return (True, dbc.Alert(_("请检查人数和金额"), color="danger", className="py-2"), no_update, no_update,
                    no_update)
        if scope().covers(case.office_path):
            return False, None, (version or 0) + 1, case.id, None
        # routed to the county where it happened (一点受理、全市联动): it is theirs to see now
        done = dbc.Alert(_("已登记 %(no)s，已按发生地流转至 %(office)s", no=case.case_no,
                           office=q.region_label(db(), area_code=case.office_path.rstrip("/").split("/")[-1])),
                         color="success", dismissable=True, className="py-2")
        return False, None, (version or 0) + 1, no_update, done


def _day(value) -> date | None:
    """A date input's value (YYYY-MM-DD), else nothing."""
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# the acts that take the case and nothing else, and those that take the form's reason too
PLAIN_ACTS = {CaseAct.accept: svc.accept_case, CaseAct.investigate: svc.start_investigation,
              CaseAct.close: svc.close_case, CaseAct.accept_transfer: svc.accept_transfer}
REASONED_ACTS = {CaseAct.reject: svc.reject_case, CaseAct.extend: svc.extend_investigation,
                 CaseAct.request_extension: svc.request_extension, CaseAct.decline_extension: svc.decline_extension,
                 CaseAct.reopen: svc.reopen_case, CaseAct.return_transfer: svc.return_transfer,
                 CaseAct.supervise: svc.supervise_case}


def _perform(act: CaseAct, case_id: int, *, reason, decision, amount, region, agency, litigation) -> None:
    session, who, day = db(), actor(), today()
    common = {"actor": who, "case_id": case_id, "today": day}
    if act in PLAIN_ACTS:
        PLAIN_ACTS[act](session, **common)
    elif act in REASONED_ACTS:
        REASONED_ACTS[act](session, reason=reason, **common)
    elif act is CaseAct.decide:
        try:
            cents = int(round(float(amount or 0) * 100))
        except (TypeError, ValueError):
            cents = -1
        svc.decide_case(session, decision=decision or "", amount_recovered_cents=cents, note=reason, **common)
    elif act is CaseAct.re_review:
        svc.re_review_case(session, note=reason, **common)
    elif act is CaseAct.transfer:
        svc.transfer_case(session, to_region_code=region or "", reason=reason, **common)
    elif act is CaseAct.refer_out:
        svc.refer_case(session, agency=agency or "", reason=reason, litigation_support=litigation, **common)
    elif act is CaseAct.respond_supervision:
        svc.respond_supervision(session, response=reason, **common)


def _acts_for(detail: dict) -> list[str]:
    """What this user may do to the case now (the services check all of it again)."""
    facts, view = detail["facts"], scope()
    incoming = detail.get("pending_transfer_to_path")
    acts = allowed_acts(CaseFacts(status=facts["status"], extended=facts["extended"], transfer_pending=bool(incoming),
                                  supervision_open=bool(detail.get("supervision_open")),
                                  extension_requested=bool(detail.get("extension_requested"))),
                        current_user.role, receiving_office=bool(incoming and view.covers(incoming)),
                        holding_office=view.covers(facts["office_path"]))
    return [a.value for a in acts]


def _documents_for(detail: dict) -> list[str]:
    """The notices this user may issue for the case now (the service checks all of it again)."""
    facts, role = detail["facts"], current_user.role
    issued = {d["kind"] for d in detail.get("documents", [])}
    offered = []
    for kind, (_title, _mark, statuses) in documents.KINDS.items():
        if not documents.may_issue(role, kind) or facts["status"] not in statuses:
            continue
        if kind == "supervision_notice":
            if detail.get("supervision_orders") and (kind not in issued or _newer_order(detail)):
                offered.append(kind)
        elif kind not in issued and scope().covers(facts["office_path"]):
            offered.append(kind)
    return offered


def _newer_order(detail: dict) -> bool:
    notices = [d["issued_at"] for d in detail["documents"] if d["kind"] == "supervision_notice"]
    return max(o["issued_at"] for o in detail["supervision_orders"]) > max(notices)


def _may_reveal(detail: dict) -> bool:
    return current_user.role in (Role.case_officer, Role.admin) and scope().covers(detail["facts"]["office_path"])


def _transfer_targets(case_id) -> list[dict]:
    """The case's own city and its counties (names only), whatever the user's scope."""
    try:
        offices = q.transfer_targets(db(), scope=scope(), case_id=int(case_id))
    except (OutOfScope, TypeError, ValueError):
        return []
    return [{"label": r.name, "value": r.area_code} for r in offices]


def _table_row(row: dict) -> dict:
    days = row.get("days_left")
    if days is None:
        deadline = ""
    elif days < 0:
        deadline = _("超期%(n)s个工作日", n=-days)
    else:
        deadline = _("剩%(n)s个工作日", n=days)
    if row.get("provisional") and deadline:
        deadline += "*"
    return {**row, "deadline": deadline,
            "status_label": _(labels.CASE_STATUS.get(row["status"], row["status"])),
            "source_label": _(labels.CASE_SOURCE.get(row["source"], row["source"])),
            "industry_label": _(labels.INDUSTRY.get(row["industry"], row["industry"]))}


def _export_columns() -> list[tuple[str, str, int]]:
    return [("case_no", _("案件编号"), 22), ("status_label", _("状态"), 10), ("deadline", _("时限"), 16),
            ("township", _("发生地"), 14), ("employer", _("用人单位"), 30), ("industry_label", _("行业"), 12),
            ("source_label", _("来源"), 18), ("workers", _("人数"), 8), ("amount", _("金额（元）"), 14),
            ("received_on", _("受理日期"), 12), ("complainant", _("投诉人（脱敏）"), 12)]


def _kpi_row(k, f: q.CaseFilters | None = None) -> dbc.Row:
    """The tiles; today's open, overdue and supervised (whatever the period) open those rows."""
    region = {}
    if f is not None and f.region_code:
        region = {"county" if f.region_code.endswith("000000") else "township": f.region_code}

    def rows(**query) -> str:
        return "/cases?" + urlencode({"period": "all", **query, **region})
    tiles = [
        kpi_card(title=_("案件数"), value=count(k.cases), unit=_("件"), icon="bi-journal-text", tone="primary",
                 trend=change(k.cases, k.cases_last_year), trend_label=_("同比"), card_id="cases-kpi-cases",
                 trend_reference=_("去年同期 %(n)s 件", n=count(k.cases_last_year))),
        kpi_card(title=_("涉及人数"), value=count(k.workers), unit=_("人"), icon="bi-people", tone="info",
                 trend=change(k.workers, k.workers_last_year), trend_label=_("同比"),
                 trend_reference=_("去年同期 %(n)s 人", n=count(k.workers_last_year))),
        kpi_card(title=_("涉及金额"), value=wan_yuan(k.amount_claimed_cents), unit=_("万元"), icon="bi-cash-coin",
                 tone="warning", trend=change(k.amount_claimed_cents, k.amount_claimed_cents_last_year),
                 trend_label=_("同比"),
                 trend_reference=_("去年同期 %(n)s 万元", n=wan_yuan(k.amount_claimed_cents_last_year))),
        kpi_card(title=_("已追回"), value=wan_yuan(k.amount_recovered_cents), unit=_("万元"), icon="bi-piggy-bank",
                 tone="success", note=_("追回率 %(r)s", r=percent(k.amount_recovered_cents, k.amount_claimed_cents))),
        kpi_card(title=_("结案率"), value=percent(k.closed, k.cases), icon="bi-check2-circle", tone="success",
                 note=_("结案 %(n)s 件", n=count(k.closed))),
        kpi_card(title=_("按时办结率"), value=percent(k.closed_on_time, k.closed), icon="bi-stopwatch",
                 tone="secondary", note=_("按时 %(n)s 件", n=count(k.closed_on_time))),
        kpi_card(title=_("当前在办 / 超期"), value=f"{count(k.open)} / {count(k.overdue)}", unit=_("件"),
                 icon="bi-hourglass-split", tone="danger", card_id="cases-kpi-open",
                 note=_("今日状态，不限受理日期"), href=rows(status=",".join(s.value for s in OPEN_STATES))),
        kpi_card(title=_("当前督办"), value=count(k.supervised), unit=_("件"), icon="bi-flag", tone="dark",
                 note=_("在办案件中挂牌督办"), href=rows(supervised="1")),
    ]
    start, end = k.last_year_period
    reference = _("同比：与去年同期（%(start)s 至 %(end)s）相比", start=start.isoformat(), end=end.isoformat())
    return html.Div([
        dbc.Row([dbc.Col(t, xs=6, md=3, xxl=True, className="mb-3") for t in tiles], className="g-3"),
        trend_caption(reference + _("；绿色为向好，红色为变差")),
    ])


def _candidate_list(candidates: list[dict]) -> html.Div:
    return ranked_list([
        (c["case_no"], _("%(w)s 人 · %(a)s 万元", w=count(c["workers"]), a=wan_yuan(c["amount_claimed_cents"])),
         "、".join(_(labels.SUPERVISION_REASON.get(r, r)) for r in c["reasons"]))
        for c in candidates], empty=_("暂无"))

