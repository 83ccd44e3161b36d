"""/ — everyone signed in: the day's figures for the user's regions at a glance
(open and overdue cases, this year against last, stations, this month's work logs) and the map.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html
from flask_login import current_user

from components.cards import kpi_card, refusal, trend_caption
from components.case_views import risk_list
from components.charts import year_on_year_bars
from components.format import change, count, percent, wan_yuan
from data.models import RegionLevel
from data.queries.cases import CaseFilters, risk_by_area
from data.queries.overview import cases_by_month, overview_figures
from data.queries.regions import get_region_by_code, list_regions
from data.rules.calendar import month_under_way, same_day_last_year
from data.scope import OutOfScope
from web.context import db, scope, today
from web.i18n import N_, _, pgettext

dash.register_page(__name__, path="/", name=N_("总览"), title="人社督导一张图", order=0,
                   icon="bi-speedometer2")

REGION, KPIS, TREND, MAP, ASOF = "overview-region", "overview-kpis", "overview-trend", "overview-map", "overview-asof"
RISK = "overview-risk"


def _region_options() -> list[dict]:
    rows = list_regions(db(), scope=scope(), levels=(RegionLevel.county, RegionLevel.township))
    return [{"label": ("" if r.level == RegionLevel.county else "\u3000") + r.name, "value": r.area_code}
            for r in rows]


def layout(**_query):
    if not current_user.is_authenticated:
        return html.Div()
    return html.Div([
        html.Div([
            html.Div([
                html.H1(_("总览"), className="h4 mb-0"),
                html.Div(id=ASOF, className="text-secondary small"),
            ]),
            html.Div(dcc.Dropdown(id=REGION, options=_region_options(), placeholder=_("全部辖区"),
                                  clearable=True, searchable=True, className="region-picker"),
                     className="ms-auto"),
        ], className="d-flex flex-wrap align-items-center gap-3 my-3"),
        dcc.Loading(html.Div(id=KPIS), type="dot", delay_show=300),
        dbc.Row([
            dbc.Col(dbc.Card([
                dbc.CardHeader(_("欠薪案件逐月同比")),
                dbc.CardBody(dcc.Graph(id=TREND, config={"displayModeBar": False, "responsive": True},
                                       style={"height": "300px"})),
            ], className="shadow-sm h-100"), lg=7, className="mb-3"),
            dbc.Col(dbc.Card([
                dbc.CardHeader(_("辖区网格图")),
                dbc.CardBody(html.Iframe(id=MAP, src="/maps/regions", title=_("辖区网格图"),
                                         className="map-frame"), className="p-0"),
            ], className="shadow-sm h-100"), lg=5, className="mb-3"),
        ], className="mt-1"),
        # the leader's first question: where is it worst now, and why — each township opens its cases
        dbc.Card([
            dbc.CardHeader([_("风险最高的乡镇（当前）"),
                            html.Span(_("按在办、超期、近90天同比、重复欠薪和春节前时段评分；点名称看案件"),
                                      className="small text-secondary ms-2")]),
            dbc.CardBody(dcc.Loading(html.Div(id=RISK), type="dot", delay_show=300), className="py-1"),
        ], className="shadow-sm mb-3"),
    ])


def kpi_tiles(figures, day: date) -> html.Div:
    year = day.year
    tiles = [
        kpi_card(title=_("在办欠薪案件"), value=count(figures.open_cases), unit=_("件"), icon="bi-folder2-open",
                 tone="primary", note=_("超期 %(n)s 件", n=count(figures.overdue_cases)), card_id="kpi-open-cases"),
        kpi_card(title=_("督办案件"), value=count(figures.supervised_cases), unit=_("件"), icon="bi-flag",
                 tone="danger", note=_("在办案件中挂牌督办")),
        kpi_card(title=_("%(year)s年受理案件", year=year), value=count(figures.cases_ytd), unit=_("件"),
                 icon="bi-journal-text", tone="info", trend=change(figures.cases_ytd, figures.cases_ytd_last_year),
                 trend_label=_("同比"), trend_reference=_("去年同期 %(n)s 件", n=count(figures.cases_ytd_last_year))),
        kpi_card(title=_("%(year)s年涉及金额", year=year), value=wan_yuan(figures.amount_ytd_cents), unit=_("万元"),
                 icon="bi-cash-coin", tone="warning", note=_("涉及 %(n)s 人", n=count(figures.workers_ytd))),
        kpi_card(title=_("乡镇人社所"), value=count(figures.stations), unit=pgettext("stations", "个"),
                 icon="bi-building", tone="success",
                 note=_("村（社区）服务点 %(n)s 个", n=count(figures.village_points)),
                 card_id="kpi-stations"),
        kpi_card(title=_("本月工作日志"), value=count(figures.logs_this_month), unit=_("篇"), icon="bi-journal-check",
                 tone="secondary", note=_("应报 %(n)s 篇 · 报送率 %(rate)s", n=count(figures.logs_expected_this_month),
                                          rate=percent(figures.logs_this_month, figures.logs_expected_this_month)),
                 card_id="kpi-logs"),
        kpi_card(title=_("挂职干部"), value=count(figures.cadres), unit=_("人"), icon="bi-people",
                 tone="dark", note=_("第一副所长在岗")),
        kpi_card(title=_("待整改事项"), value=count(figures.open_rectifications), unit=_("项"),
                 icon="bi-tools", tone="danger", note=_("督查、走流程发现")),
    ]
    same = same_day_last_year(day)
    return html.Div([
        dbc.Row([dbc.Col(t, xs=6, md=4, xl=3, className="mb-3") for t in tiles]),
        trend_caption(_("同比：与去年同期（%(start)s 至 %(end)s）相比", start=date(same.year, 1, 1).isoformat(),
                        end=same.isoformat()) + _("；绿色为向好，红色为变差")),
    ])


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(KPIS, "children"), Output(TREND, "figure"), Output(MAP, "src"), Output(ASOF, "children"),
                  Output(RISK, "children"), Input(REGION, "value"))
    def show_figures(region_code):
        day = today()
        asof = _("截至 %(date)s", date=day.isoformat())
        try:
            view = scope().narrow(_region_path(region_code))
        except OutOfScope:
            return refusal(_("所选区域不在您的管辖范围内。")), {}, "about:blank", asof, None
        figures = overview_figures(db(), scope=view, today=day)
        # the month under way beside the same days of last year's month, and named so
        partial = month_under_way(day)
        months = [_("%(m)d月", m=m) for m in range(1, 13)]
        if partial:
            months[day.month - 1] = _("%(m)d月1–%(d)d日", m=day.month, d=day.day)
        trend = year_on_year_bars(
            this_year=cases_by_month(db(), scope=view, year=day.year),
            last_year=cases_by_month(db(), scope=view, year=day.year - 1,
                                     cut=same_day_last_year(day) if partial else None),
            months_label=months, this_label=_("%(year)s年", year=day.year),
            last_label=_("%(year)s年", year=day.year - 1), upto_month=day.month)
        src = "/maps/regions" + (f"?{urlencode({'region': region_code})}" if region_code else "")
        risks = risk_by_area(db(), scope=view, filters=CaseFilters(), today=day, level="township")
        worst = risk_list(_, risks, empty=_("当前没有黄色以上风险的乡镇"),
                          link=lambda code: "/cases?" + urlencode({"township": code}))
        return kpi_tiles(figures, day), trend, src, asof, worst


def _region_path(region_code: str | None) -> str | None:
    """The path of a picked region; an unknown code is treated like one outside the scope."""
    if not region_code:
        return None
    return get_region_by_code(db(), scope=scope(), area_code=str(region_code)).path
