"""/audits — leaders, inspectors and seconded cadres: what window audits and station checks
(明察暗访, 标准化检查) found — by checklist item and category, problems recurring across stations,
stations not audited for months, the pass rate by month, rectification status and what is
overdue — and a printable circular (通报) of the chosen period (/audits/circular, web/circular.py).

Covert audits not yet published stay with inspectors and city-wide leaders (the queries apply
`published_clause` with the user's own role and scope).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html
from flask_login import current_user

from components import labels
from components.audit_views import category_figure, items_figure, pass_rate_figure, recurring_list, status_figure
from components.cards import kpi_card, refusal
from components.filter_bar import dropdown, field, filter_bar, link_period, link_townships, period, regions
from components.format import count, percent
from data.models import Role
from data.queries import audits as q
from data.scope import OutOfScope
from web.context import db, region_options, scope, today
from web.i18n import N_, _, is_english, pgettext
from web.i18n import options as _options
from web.shell import forbidden, refused_page

ROLES = [Role.admin, Role.leader, Role.inspector, Role.cadre]
dash.register_page(__name__, path="/audits", name=N_("明察暗访"), title="明察暗访 · 人社督导一张图", order=30,
                   icon="bi-clipboard-check", roles=ROLES, group="stations")

P = "audits-"
CALLBACK_PREFIXES = (P,)
PERIOD, COUNTY, TOWNSHIP, KIND, MODE, FILTERS = (P + "period", P + "county", P + "township", P + "kind", P + "mode",
                                                 P + "filters")
KPIS, BY_CATEGORY, TOP_ITEMS, PASS_RATE = P + "kpis", P + "by-category", P + "top-items", P + "pass-rate"
RECURRING, MIN_STATIONS = P + "recurring", P + "min-stations"
COVERAGE, COVERAGE_NOTE, COVERAGE_MONTHS = P + "coverage", P + "coverage-note", P + "coverage-months"
RECT_STATUS, OVERDUE, OVERDUE_NOTE = P + "rect-status", P + "overdue", P + "overdue-note"
CIRCULAR_LINK = P + "circular-link"
TOP_N = 10
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def _card(title, body, *, class_name: str = "shadow-sm h-100", tools=None) -> dbc.Card:
    header = dbc.CardHeader(html.Div([html.Span(title, className="me-auto"), tools],
                                     className="d-flex align-items-center gap-2 flex-wrap"))
    return dbc.Card([header, dbc.CardBody(body)], className=class_name)


def _filter_bar(query: dict) -> dbc.Card:
    default = q.AuditFilters.default(today())
    return filter_bar(
        period(_, PERIOD, _("督查期间"), start=default.date_from, end=default.date_to, today=today(), query=query),
        regions(_, COUNTY, TOWNSHIP, region_options),
        field(_("检查类型"), dbc.Select(id=KIND, value=default.kind, options=[
            *_options(labels.INSPECTION_KIND), {"label": _("全部"), "value": "all"}]), for_id=KIND, xs=6, lg=2),
        dropdown(_, MODE, _("方式"), _options(labels.INSPECTION_MODE), xs=6, lg=2),
    )


def _plan_progress() -> html.Div | None:
    """The latest published 暗访计划's progress, for those who may see the plan (data.queries.audit_plan)."""
    from data.queries import audit_plan
    if audit_plan.access_of(db(), user_id=current_user.id, role=current_user.role, scope=scope()) != "lead":
        return None
    plans = [p for p in audit_plan.list_plans(db(), scope=scope()) if p["status"] == "published"]
    if not plans:
        return None
    p = audit_plan.progress(db(), plan_id=plans[0]["id"], scope=scope(), today=today())
    return dbc.Alert([
        html.I(className="bi bi-calendar2-check me-2"),
        _("%(name)s：待执行 %(planned)s 次，已完成 %(done)s 次，已逾期 %(overdue)s 次，"
          "覆盖 %(covered)s / %(of)s 个人社所", name=plans[0]["name"], planned=count(p["planned"]),
          done=count(p["done"]), overdue=count(p["overdue"]), covered=count(p["covered"]), of=count(p["stations"])),
        html.A(_("查看计划"), href="/audit-plan", className="ms-2")], color="light", className="py-2 small border",
        id="audits-plan-progress")


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    return html.Div([
        dcc.Store(id=FILTERS),
        html.Div([
            html.H1(_("明察暗访"), className="h4 mb-0"),
            html.A([html.I(className="bi bi-printer me-1"), _("通报")], id=CIRCULAR_LINK, href="/audits/circular",
                   target="_blank", rel="noopener", className="btn btn-sm btn-outline-danger ms-auto",
                   title=_("生成所选期间的明察暗访情况通报（可打印）")),
        ], className="d-flex align-items-center my-3"),
        _filter_bar(_query),
        _plan_progress(),
        dcc.Loading(html.Div(id=KPIS), type="dot", delay_show=300),
        dbc.Row([
            dbc.Col(_card(_("问题分类"), html.Div(id=BY_CATEGORY)), lg=6, className="mb-3"),
            dbc.Col(_card(_("合格率（示范、达标）逐月"), html.Div(id=PASS_RATE)), lg=6, className="mb-3"),
        ]),
        dbc.Row([
            dbc.Col(_card(_("问题最多的检查项目"), html.Div(id=TOP_ITEMS)), lg=5, className="mb-3"),
            dbc.Col(_card(_("共性问题（多个站所出现）"), html.Div(id=RECURRING, className="side-list"),
                          tools=dbc.Select(id=MIN_STATIONS, value="3", size="sm", className="w-auto", options=[
                    {"label": _("≥%(n)s个站所", n=n), "value": str(n)} for n in (2, 3, 5, 10)])),
                    lg=7, className="mb-3"),
        ]),
        dbc.Row([
            dbc.Col(_card(_("整改情况"), html.Div(id=RECT_STATUS)), lg=4, className="mb-3"),
            dbc.Col(_card(_("超期未整改"), [html.Div(id=OVERDUE_NOTE, className="small text-secondary mb-2"),
                                       _overdue_grid()]), lg=8, className="mb-3"),
        ]),
        _card(_("督查覆盖"), [html.Div(id=COVERAGE_NOTE, className="small text-secondary mb-2"), _coverage_grid()],
              class_name="shadow-sm mb-3", tools=dbc.Select(
                  id=COVERAGE_MONTHS, value="6", size="sm", className="w-auto", options=[
                      {"label": _("%(n)s个月未督查", n=n), "value": str(n)} for n in (3, 6, 12)])),
    ])


def _grid(grid_id: str, columns: list[dict], empty: str, height: str) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id, columnDefs=columns, columnSize="responsiveSizeToFit",
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "minWidth": 80},
        dashGridOptions={"localeText": {"noRowsToShow": empty}, "animateRows": False},
        getRowId="String(params.data.id)", style={"height": height}, className="ag-theme-quartz")


def _overdue_grid() -> dag.AgGrid:
    return _grid(OVERDUE, [
        {"field": "station", "headerName": _("站所"), "minWidth": 150, "flex": 1, "tooltipField": "where"},
        {"field": "item", "headerName": _("问题"), "minWidth": 160, "flex": 1, "tooltipField": "title"},
        {"field": "due_on", "headerName": _("整改期限"), "minWidth": 124, "maxWidth": 124},
        {"field": "days_overdue", "headerName": _("超期天数"), "type": "rightAligned", "minWidth": 112, "maxWidth": 112,
         "sort": "desc", "cellClass": "text-danger fw-semibold"},
        {"field": "responsible_person", "headerName": _("责任人"), "minWidth": 96, "maxWidth": 110},
        {"field": "status_label", "headerName": _("状态"), "minWidth": 96, "maxWidth": 110},
    ], _("没有超期未整改的问题"), "360px")


def _coverage_grid() -> dag.AgGrid:
    return _grid(COVERAGE, [
        {"field": "name", "headerName": _("站所"), "minWidth": 200, "flex": 1, "tooltipField": "name"},
        {"field": "county", "headerName": _("县区"), "width": 110},
        {"field": "township", "headerName": _("乡镇（街道）"), "width": 130},
        {"field": "last", "headerName": _("最近一次督查"), "width": 130},
        {"field": "days_since", "headerName": _("距今天数"), "type": "rightAligned", "width": 110},
    ], _("所有站所都在期限内督查过"), "320px")


def _filters(data: dict | None) -> q.AuditFilters:
    return q.AuditFilters.from_dict(data or {})


def _refused():
    return refusal(_("所选区域不在您的管辖范围内。"))


def _allowed() -> bool:
    return current_user.is_authenticated and current_user.role in ROLES


def _common(data: dict | None) -> dict:
    """The arguments every audit query takes: the user's own scope and role, and the filters."""
    return {"scope": scope(), "role": current_user.role, "filters": _filters(data)}


def _item_text(f: q.ItemFinding) -> str:
    return _in_language(f.text, f.text_en)


def _in_language(chinese: str, english: str | None) -> str:
    return (english or chinese) if is_english() else chinese


def register_callbacks(app: dash.Dash) -> None:
    link_townships(app, COUNTY, TOWNSHIP, region_options)
    link_period(app, PERIOD, today)

    @app.callback(Output(FILTERS, "data"), Input(PERIOD, "start_date"), Input(PERIOD, "end_date"),
                  Input(COUNTY, "value"), Input(TOWNSHIP, "value"), Input(KIND, "value"), Input(MODE, "value"))
    def collect_filters(start, end, county, township, kind, mode):
        return q.AuditFilters.from_dict({"date_from": start, "date_to": end, "region_code": township or county,
                                         "kind": None if kind == "all" else kind, "mode": mode}).to_dict()

    @app.callback(Output(CIRCULAR_LINK, "href"), Input(FILTERS, "data"))
    def circular_link(data):
        f, day = _filters(data), today()
        params = {"from": (f.date_from or date(day.year, 1, 1)).isoformat(), "to": (f.date_to or day).isoformat()}
        params.update({k: v for k, v in (("region", f.region_code), ("mode", f.mode)) if v})
        return "/audits/circular?" + urlencode(params)

    @app.callback(Output(KPIS, "children"), Input(FILTERS, "data"), Input(COVERAGE_MONTHS, "value"))
    def show_kpis(data, months):
        if not _allowed():
            return forbidden()
        session, args, day = db(), _common(data), today()
        try:
            counts = q.audit_counts(session, **args)
            items = q.findings_by_item(session, **args)
            rect = q.rectification_totals(q.rectification_status(session, today=day, **args))
            cover = q.coverage(session, today=day, months=_months(months), **args)
        except OutOfScope:
            return _refused()
        return _kpi_row(counts, sum(f.fails for f in items), rect, cover)

    @app.callback(Output(BY_CATEGORY, "children"), Output(TOP_ITEMS, "children"), Output(RECURRING, "children"),
                  Input(FILTERS, "data"), Input(MIN_STATIONS, "value"))
    def show_findings(data, min_stations):
        if not _allowed():
            return (forbidden(),) * 3
        try:
            items, recurring = q.findings_with_recurring(db(), min_stations=_int(min_stations, 3, 2, 50),
                                                         **_common(data))
        except OutOfScope:
            return (_refused(),) * 3
        return _category_chart(items), _items_chart(items), _recurring(recurring)

    @app.callback(Output(PASS_RATE, "children"), Input(FILTERS, "data"))
    def show_pass_rate(data):
        if not _allowed():
            return forbidden()
        try:
            months = q.pass_rate_by_month(db(), today=today(), **_common(data))
        except OutOfScope:
            return _refused()
        if not any(m["audits"] for m in months):
            return _nothing()
        return dcc.Graph(figure=pass_rate_figure(months, month_label=lambda y, m: _("%(y)s年%(m)s月", y=y, m=m),
                                                 audits_label=_("督查次数"), rate_label=_("合格率")),
                         config=GRAPH_CONFIG, style={"height": "280px"})

    @app.callback(Output(RECT_STATUS, "children"), Output(OVERDUE, "rowData"), Output(OVERDUE_NOTE, "children"),
                  Input(FILTERS, "data"))
    def show_rectifications(data):
        if not _allowed():
            return forbidden(), [], None
        day = today()
        try:
            rows = q.rectification_status(db(), today=day, **_common(data))
            overdue = q.overdue_rectifications(db(), today=day, **_common(data))
        except OutOfScope:
            return _refused(), [], _refused()
        note = _("本期督查发现问题的整改：超期 %(n)s 项（按自然日计）", n=count(len(overdue)))
        return _status_chart(rows), [_overdue_row(r) for r in overdue], note

    @app.callback(Output(COVERAGE, "rowData"), Output(COVERAGE_NOTE, "children"), Input(FILTERS, "data"),
                  Input(COVERAGE_MONTHS, "value"))
    def show_coverage(data, months):
        if not _allowed():
            return [], forbidden()
        try:
            cover = q.coverage(db(), today=today(), months=_months(months), **_common(data))
        except OutOfScope:
            return [], _refused()
        note = _("乡镇人社所 %(total)s 个，%(since)s 以来未督查 %(n)s 个", total=count(cover.stations),
                 since=cover.since.isoformat(), n=count(len(cover.uncovered)))
        return [_coverage_row(s) for s in cover.uncovered], note


def _int(value, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def _months(value) -> int:
    return _int(value, 6, 1, 36)


def _nothing() -> html.Div:
    return html.Div(_("所选期间没有督查记录"), className="text-secondary small py-5 text-center")


def _kpi_row(counts: q.AuditCounts, fails: int, rect: dict, cover: q.Coverage) -> dbc.Row:
    modes = _("、").join(f"{_(labels.INSPECTION_MODE[m])} {count(n)}"
                         for m, n in sorted(counts.by_mode.items(), key=lambda kv: -kv[1]))
    tiles = [
        kpi_card(title=_("督查次数"), value=count(counts.audits), unit=_("次"), icon="bi-clipboard-check",
                 tone="primary", note=modes or None, card_id="audits-kpi-audits"),
        kpi_card(title=_("合格率"), value=percent(counts.passed, counts.graded), icon="bi-award", tone="success",
                 note=_("示范、达标 %(n)s 次", n=count(counts.passed)), card_id="audits-kpi-pass-rate"),
        kpi_card(title=_("发现问题"), value=count(fails), unit=_("项"), icon="bi-exclamation-triangle", tone="warning",
                 note=_("不合格 %(n)s 次", n=count(counts.negative)), card_id="audits-kpi-findings"),
        kpi_card(title=_("待整改 / 超期"), value=f"{count(rect['total'] - rect['closed'])} / {count(rect['overdue'])}",
                 unit=_("项"), icon="bi-tools", tone="danger",
                 note=_("本期督查发现的；已销号 %(n)s 项", n=count(rect["closed"])),
                 card_id="audits-kpi-rectifications"),
        kpi_card(title=_("未覆盖站所"), value=count(len(cover.uncovered)), unit=pgettext("stations", "个"),
                 icon="bi-geo", tone="secondary", note=_("%(n)s个月未督查", n=cover.months),
                 card_id="audits-kpi-uncovered"),
    ]
    return dbc.Row([dbc.Col(t, xs=6, md=4, xl=True, className="mb-3") for t in tiles], className="g-3")


def _category_chart(items: list[q.ItemFinding]):
    categories = q.category_totals(items)
    if not categories:
        return _nothing()
    figure = category_figure([{"name": _in_language(c.name, c.name_en), "fails": c.fails, "applicable": c.applicable}
                              for c in categories],
                             fails_label=_("问题数"), rate_label=_("不合格率"), judged_label=_("检查项次"))
    return dcc.Graph(figure=figure, config=GRAPH_CONFIG, style={"height": "280px"})


def _items_chart(items: list[q.ItemFinding]):
    worst = sorted((f for f in items if f.fails), key=lambda f: (-(f.rate or 0), -f.fails, f.code))[:TOP_N]
    if not worst:
        return _nothing()
    figure = items_figure([{"code": f.code, "text": _item_text(f), "fails": f.fails, "applicable": f.applicable}
                           for f in worst], rate_label=_("不合格率"), fails_label=_("问题数"),
                          judged_label=_("检查项次"), label_limit=26 if is_english() else 13)
    return dcc.Graph(figure=figure, config=GRAPH_CONFIG)


def _recurring(problems: list[q.RecurringProblem]):
    rows = [{"code": p.item.code, "text": _item_text(p.item),
             "category": _in_language(p.item.category_name, p.item.category_name_en),
             "stations": [s["name"] for s in p.stations], "fails": p.item.fails} for p in problems]
    return recurring_list(rows, figures=lambda n, fails: _("%(n)s个站所 · %(fails)s次", n=n, fails=fails),
                          more=lambda n: _("等，另 %(n)s 个", n=n), empty=_("暂无共性问题"), separator=_("、"))


def _status_chart(rows: list[dict]):
    if not rows:
        return _nothing()
    figure = status_figure(rows, labels={k: _(v) for k, v in labels.RECTIFICATION_STATUS.items()},
                           overdue_label=_("超期"))
    return dcc.Graph(figure=figure, config=GRAPH_CONFIG, style={"height": "300px"})


def _overdue_row(r: dict) -> dict:
    return {"id": r["id"], "station": r["station"], "where": f"{r['county']} {r['township']} {r['station']}",
            "title": r["title"],
            "item": f"{r['item_code']} {r['title']}".strip(), "due_on": r["due_on"].isoformat(),
            "days_overdue": r["days_overdue"], "responsible_person": r["responsible_person"],
            "status_label": _(labels.RECTIFICATION_STATUS.get(r["status"], r["status"]))}


def _coverage_row(s: dict) -> dict:
    return {"id": s["id"], "name": s["name"], "county": s["county"], "township": s["township"],
            "last": s["last_inspected"].isoformat() if s["last_inspected"] else _("从未督查"),
            "days_since": s["days_since"]}
