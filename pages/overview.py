"""/ — everyone signed in: the day's figures for the user's regions at a glance
(open and overdue cases, this year against last, stations, this month's work logs), the map
coloured by a chosen measure over a chosen period, and the riskiest townships with their reasons.

The period (本月 unless the address names one) drives the map and the risk panel's "rising"
window; the tiles keep their own periods (now, and this year to date), each named on its tile.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from flask_login import current_user

from components.cards import kpi_card, refusal, trend_caption
from components.case_map import case_map_address
from components.case_views import campaign_cards, risk_list
from components.charts import year_on_year_bars
from components.filter_bar import field, filter_bar, link_period, period
from components.format import change, count, percent, wan_yuan
from data.models import RegionLevel
from data.queries import campaign as campaign_queries
from data.queries.cases import CaseFilters, risk_by_area
from data.queries.overview import case_figures, cases_by_month, overview_figures
from data.queries.regions import get_region_by_code, list_regions, spans_cities
from data.rules.calendar import month_under_way, preset_period, same_day_last_year
from data.rules.workflow import OPEN_STATES
from data.scope import OutOfScope
from web import cache
from web.context import db, scope, today
from web.i18n import N_, _, pgettext
from web.maps import CASE_MAP_ROLES
from web.shell import MAP_EVENT

dash.register_page(__name__, path="/", name=N_("总览"), title="人社督导一张图", order=0,
                   icon="bi-speedometer2")

REGION, KPIS, TREND, MAP, ASOF = "overview-region", "overview-kpis", "overview-trend", "overview-map", "overview-asof"
RISK, PERIOD, MEASURE = "overview-risk", "overview-period", "overview-measure"
CAMPAIGN = "overview-campaign"
MEASURES = {"cases": N_("案件数"), "workers": N_("涉及人数"), "amount": N_("涉及金额"), "overdue": N_("超期案件")}


def _region_options() -> list[dict]:
    """Counties with their townships beneath; over several cities (a province), cities with their
    counties (a province's thousands of townships are no list to pick from)."""
    levels = (RegionLevel.county, RegionLevel.township)
    if spans_cities(db(), scope=scope()):
        levels = (RegionLevel.city, RegionLevel.county)
    rows = list_regions(db(), scope=scope(), levels=levels)
    return [{"label": ("" if r.level == levels[0] else "\u3000") + r.name, "value": r.area_code} for r in rows]


def layout(**query):
    if not current_user.is_authenticated:
        return html.Div()
    day = today()
    first, last = preset_period("month", day)
    case_maps = current_user.role in CASE_MAP_ROLES
    measure = query.get("measure") if query.get("measure") in MEASURES else "cases"
    # the measure is for roles with case maps; the others see the regions (the picker stays, hidden)
    map_head = [html.Span([_("辖区网格图"), html.Span(id=MAP + "-period", className="small text-secondary ms-2")],
                          className="me-auto"),
                dbc.Select(id=MEASURE, value=measure, size="sm", className="w-auto" if case_maps else "d-none",
                           options=[{"label": _(label), "value": key} for key, label in MEASURES.items()])]
    return html.Div([
        html.Div([
            html.H1(_("总览"), className="h4 mb-0"),
            html.Div(id=ASOF, className="text-secondary small"),
        ], className="my-3"),
        filter_bar(
            period(_, PERIOD, _("地图与风险的期间"), start=first, end=last, today=day, query=query),
            field(_("辖区"), dcc.Dropdown(id=REGION, options=_region_options(), placeholder=_("全部辖区"),
                                          clearable=True, searchable=True, value=query.get("region")),
                  for_id=REGION, xs=12, lg=3),
        ),
        dcc.Loading(html.Div(id=KPIS), type="dot", delay_show=300),
        dbc.Row([
            dbc.Col(dbc.Card([
                dbc.CardHeader(_("欠薪案件逐月同比")),
                dbc.CardBody(dcc.Graph(id=TREND, config={"displayModeBar": False, "responsive": True},
                                       style={"height": "300px"})),
            ], className="shadow-sm h-100"), lg=6, className="mb-3"),
            dbc.Col(dbc.Card([
                dbc.CardHeader(map_head, className="d-flex align-items-center gap-2 py-1"),
                dbc.CardBody(html.Iframe(id=MAP, src="about:blank", title=_("辖区网格图"),
                                         className="map-frame"), className="p-0"),
            ], className="shadow-sm h-100"), lg=6, className="mb-3"),
        ], className="mt-1"),
        # the winter campaign and the run of declines (四连降), for those who see cases
        dbc.Row(id=CAMPAIGN, className="g-3 mb-3"),
        # the leader's first question: where is it worst now, and why — each township opens its cases
        dbc.Card([
            dbc.CardHeader([_("风险最高的乡镇"),
                            html.Span(id=RISK + "-note", className="small text-secondary ms-2")]),
            dbc.CardBody(dcc.Loading(html.Div(id=RISK), type="dot", delay_show=300), className="py-1"),
        ], className="shadow-sm mb-3"),
    ])


def kpi_tiles(figures, day: date, region_code: str | None = None) -> html.Div:
    """The tiles; each opens the rows behind its figure (cases for those who see them)."""
    year = day.year
    region = {"county" if region_code and region_code.endswith("000000") else "township": region_code} \
        if region_code else {}
    cases = current_user.role in CASE_MAP_ROLES

    def case_rows(**query) -> str | None:
        return "/cases?" + urlencode({**query, **region}) if cases else None
    open_states = ",".join(s.value for s in OPEN_STATES)
    tiles = [
        kpi_card(title=_("在办欠薪案件"), value=count(figures.open_cases), unit=_("件"), icon="bi-folder2-open",
                 tone="primary", note=_("超期 %(n)s 件", n=count(figures.overdue_cases)), card_id="kpi-open-cases",
                 href=case_rows(period="all", status=open_states),
                 note_href=case_rows(period="all", overdue="1")),
        kpi_card(title=_("督办案件"), value=count(figures.supervised_cases), unit=_("件"), icon="bi-flag",
                 tone="danger", note=_("在办案件中挂牌督办"), href=case_rows(period="all", supervised="1")),
        kpi_card(title=_("%(year)s年受理案件", year=year), value=count(figures.cases_ytd), unit=_("件"),
                 icon="bi-journal-text", tone="info", trend=change(figures.cases_ytd, figures.cases_ytd_last_year),
                 trend_label=_("同比"), trend_reference=_("去年同期 %(n)s 件", n=count(figures.cases_ytd_last_year)),
                 href=case_rows(**{"from": date(year, 1, 1).isoformat(), "to": day.isoformat()})),
        kpi_card(title=_("%(year)s年涉及金额", year=year), value=wan_yuan(figures.amount_ytd_cents), unit=_("万元"),
                 icon="bi-cash-coin", tone="warning", note=_("涉及 %(n)s 人", n=count(figures.workers_ytd)),
                 href=case_rows(**{"from": date(year, 1, 1).isoformat(), "to": day.isoformat()})),
        kpi_card(title=_("乡镇人社所"), value=count(figures.stations), unit=pgettext("stations", "个"),
                 icon="bi-building", tone="success",
                 note=_("村（社区）服务点 %(n)s 个", n=count(figures.village_points)),
                 card_id="kpi-stations", href="/stations"),
        kpi_card(title=_("本月工作日志"), value=count(figures.logs_this_month), unit=_("篇"), icon="bi-journal-check",
                 tone="secondary", note=_("应报 %(n)s 篇 · 报送率 %(rate)s", n=count(figures.logs_expected_this_month),
                                          rate=percent(figures.logs_this_month, figures.logs_expected_this_month)),
                 card_id="kpi-logs", href="/logs"),
        kpi_card(title=_("挂职干部"), value=count(figures.cadres), unit=_("人"), icon="bi-people",
                 tone="dark", note=_("第一副所长在岗"), href="/logs"),
        kpi_card(title=_("待整改事项"), value=count(figures.open_rectifications), unit=_("项"),
                 icon="bi-tools", tone="danger", note=_("督查、走流程发现"), href="/rectifications"),
    ]
    same = same_day_last_year(day)
    return html.Div([
        dbc.Row([dbc.Col(t, xs=6, md=4, xl=3, className="mb-3") for t in tiles]),
        trend_caption(_("同比：与去年同期（%(start)s 至 %(end)s）相比", start=date(same.year, 1, 1).isoformat(),
                        end=same.isoformat()) + _("；绿色为向好，红色为变差")),
    ])


def register_callbacks(app: dash.Dash) -> None:
    link_period(app, PERIOD, today)

    @app.callback(Output(KPIS, "children"), Output(TREND, "figure"), Output(ASOF, "children"),
                  Input(REGION, "value"))
    def show_figures(region_code):
        day = today()
        asof = _("截至 %(date)s", date=day.isoformat())
        try:
            view = scope().narrow(_region_path(region_code))
        except OutOfScope:
            return refusal(_("所选区域不在您的管辖范围内。")), {}, asof
        session = db()
        # the month under way beside the same days of last year's month, and named so
        partial = month_under_way(day)
        # the cases' part kept by their data version: fifty leaders opening the overview read it once
        cases, this_year, last_year = cache.panel("overview-cases", (view.paths, day.isoformat()), lambda: (
            case_figures(session, scope=view, today=day), cases_by_month(session, scope=view, year=day.year),
            cases_by_month(session, scope=view, year=day.year - 1, cut=same_day_last_year(day) if partial else None)))
        figures = overview_figures(session, scope=view, today=day, cases=cases)
        months = [_("%(m)d月", m=m) for m in range(1, 13)]
        if partial:
            months[day.month - 1] = _("%(m)d月1–%(d)d日", m=day.month, d=day.day)
        trend = year_on_year_bars(
            this_year=this_year, last_year=last_year,
            months_label=months, this_label=_("%(year)s年", year=day.year),
            last_label=_("%(year)s年", year=day.year - 1), upto_month=day.month)
        return kpi_tiles(figures, day, region_code), trend, asof

    @app.callback(Output(CAMPAIGN, "children"), Input(REGION, "value"))
    def show_campaign(region_code):
        """The same two cards as /cases (their own periods: the campaign's days, whole quarters)."""
        if current_user.role not in CASE_MAP_ROLES:
            return []
        try:
            view = scope().narrow(_region_path(region_code))
        except OutOfScope:
            return []
        day, session = today(), db()
        figures = cache.panel("campaign", (view.paths, day.isoformat()),
                              lambda: campaign_queries.cards(session, scope=view, today=day))
        return [dbc.Col(card, lg=6) for card in campaign_cards(_, *figures)]

    @app.callback(Output(MAP, "src"), Output(MAP + "-period", "children"), Output(RISK, "children"),
                  Output(RISK + "-note", "children"),
                  Input(REGION, "value"), Input(PERIOD, "start_date"), Input(PERIOD, "end_date"),
                  Input(MEASURE, "value"))
    def show_map_and_risk(region_code, start, end, measure):
        """The map (the chosen measure over the period, or the bare regions for a role without
        case maps) and the riskiest townships: open and overdue now, rising over the period."""
        day = today()
        try:
            view = scope().narrow(_region_path(region_code))
        except OutOfScope:
            return "about:blank", None, refusal(_("所选区域不在您的管辖范围内。")), None
        first, last = (date.fromisoformat(v[:10]) if v else None for v in (start, end))
        last = min(last or day, day)  # no days yet to come; a period that starts after them is today alone
        first = min(first or preset_period("month", day)[0], last)
        filters = CaseFilters(date_from=first, date_to=last, region_code=region_code or None)
        if current_user.role in CASE_MAP_ROLES:
            # by township; the map route itself draws several cities (a province) by county
            src = case_map_address(filters, metric=measure or "cases", level="township")
        else:
            src = "/maps/regions" + (f"?{urlencode({'region': region_code})}" if region_code else "")
        session = db()
        risks = cache.panel("risks", (view.paths, first.isoformat(), last.isoformat(), day.isoformat()), lambda: (
            risk_by_area(session, scope=view, filters=CaseFilters(), today=day, level="township",
                         window=(first, last))))
        named = _("%(start)s 至 %(end)s", start=first.isoformat(), end=last.isoformat())
        worst = risk_list(_, risks, empty=_("当前没有黄色以上风险的乡镇"), period=named,
                          link=lambda code: "/cases?" + urlencode({"township": code, "from": first.isoformat(),
                                                                   "to": last.isoformat()}))
        note = _("按在办与超期（当前）、%(period)s 案件同比、重复欠薪和春节前时段评分；点名称看案件", period=named)
        return src, named if current_user.role in CASE_MAP_ROLES else None, worst, note

    @app.callback(Output(REGION, "value"), Input(MAP_EVENT, "data"), State(REGION, "options"),
                  prevent_initial_call=True)
    def region_clicked(event, options):
        """A township clicked on the map narrows the page to it (one of the picker's own choices)."""
        code = (event or {}).get("code")
        if (event or {}).get("action") != "select-township" or not any(o["value"] == code for o in options or []):
            return no_update
        return code


def _region_path(region_code: str | None) -> str | None:
    """The path of a picked region; an unknown code is treated like one outside the scope."""
    if not region_code:
        return None
    return get_region_by_code(db(), scope=scope(), area_code=str(region_code)).path
