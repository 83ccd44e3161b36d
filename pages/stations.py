"""/stations — leaders, inspectors, admins and seconded cadres: township-station standardisation
(六个规范). The map of stations by their latest grade, the standardisation rate per county
against the 100% target, the six categories' distance to full marks, the league table, the score trend, and a
station's profile (staff, equipment, seconded cadre, checks, open rectifications, work logs).

Read-only: checks are entered in the field app and rectifications worked on elsewhere. A cadre
sees their own township; covert checks not yet published stay with inspectors and city-wide
leaders (data.queries.inspections.published_clause, applied by every query here).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from flask_login import current_user

from components import labels
from components.cards import kpi_card, refusal
from components.case_views import ranked_list
from components.filter_bar import field, filter_bar, link_period, link_townships, period, regions
from components.format import count, percent
from components.station_views import (
    STATION_COLOUR,
    category_gap_figure,
    rate_figure,
    satisfaction_figure,
    score_trend_figure,
    station_profile,
)
from data.checklists import STANDARDISATION_CATEGORIES, THRESHOLDS
from data.models import Role
from data.queries import stations as q
from data.scope import OutOfScope
from web.context import db, region_options, scope, today
from web.i18n import N_, _, is_english, pgettext
from web.i18n import options as _options
from web.shell import MAP_EVENT, refused_page

ROLES = [Role.admin, Role.leader, Role.inspector, Role.cadre]
dash.register_page(__name__, path="/stations", name=N_("人社所"), title="人社所 · 人社督导一张图", order=20,
                   icon="bi-building", roles=ROLES, group="stations")

P = "stations-"
CALLBACK_PREFIXES = (P, "station-")
PERIOD, COUNTY, TOWNSHIP, KIND = P + "period", P + "county", P + "township", P + "kind"
FILTERS, SELECTED, LEAGUE_PURGE = P + "filters", P + "selected", P + "league-purge"
KPIS, MAP, RATE, RATE_TITLE = P + "kpis", P + "map", P + "rate", P + "rate-title"
RADAR, RADAR_NOTE, LEAGUE, TREND = P + "radar", P + "radar-note", P + "league", P + "trend"
RATINGS, RATINGS_NOTE, NEGATIVES = P + "ratings", P + "ratings-note", P + "negatives"
PROFILE, PROFILE_BODY = "station-profile", "station-profile-body"
OUT_OF_SCOPE = N_("所选区域不在您的管辖范围内。")
NOT_FOUND = N_("人社所不存在或不在您的管辖范围内")


def _card(title, body, *, body_class: str | None = None, class_name: str = "shadow-sm h-100") -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body, className=body_class)], className=class_name)


def _filter_bar(query: dict) -> dbc.Card:
    default = q.StationFilters.default(today())
    return filter_bar(
        period(_, PERIOD, _("检查期间"), start=default.date_from, end=default.date_to, today=today(), query=query,
               clearable=True),
        regions(_, COUNTY, TOWNSHIP, region_options, xs=6, lg=3),
        field(_("站点类型"), dbc.Select(id=KIND, value=default.kind, options=_options(labels.STATION_KIND)),
              for_id=KIND, xs=12, lg=2),
    )


def _league() -> dag.AgGrid:
    columns = [
        {"field": "rank_label", "headerName": _("名次"), "width": 84, "pinned": "left", "sortable": False},
        {"field": "name", "headerName": _("人社所"), "minWidth": 200, "flex": 2, "tooltipField": "name"},
        {"field": "county", "headerName": _("县区"), "width": 90},
        {"field": "township", "headerName": _("乡镇（街道）"), "width": 120},
        {"field": "score", "headerName": _("得分"), "width": 75, "type": "rightAligned"},
        {"field": "grade_label", "headerName": _("等级"), "width": 95,
         "cellClassRules": {f"grade-cell grade-{g}": f"params.data && params.data.grade === '{g}'"
                            for g in labels.GRADE} | {"grade-cell grade-none": "params.data && !params.data.grade"}},
        {"field": "checked_on", "headerName": _("最近检查"), "width": 120},
        {"field": "satisfaction", "headerName": _("好差评满意度"), "width": 115, "type": "rightAligned",
         "valueFormatter": {"function": "params.value == null ? '—' : params.value.toFixed(1) + '%'"},
         "headerTooltip": _("期间内好评（基本满意及以上）占全部评价的比例")},
        {"field": "negative", "headerName": _("差评"), "width": 70, "type": "rightAligned",
         "cellClassRules": {"text-danger fw-semibold": "params.value > 0"}},
        {"field": "open", "headerName": _("未销号整改"), "width": 100, "type": "rightAligned"},
        {"field": "overdue", "headerName": _("超期整改"), "width": 100, "type": "rightAligned",
         "cellClassRules": {"text-danger fw-semibold": "params.value > 0"}},
    ]
    # a province's thousands of stations are not sent whole on every filter change: the grid asks
    # for blocks of LEAGUE_BLOCK rows as it scrolls, in the order chosen (league_rows)
    return dag.AgGrid(
        id=LEAGUE, columnDefs=columns, rowModelType="infinite",
        defaultColDef={"sortable": True, "resizable": True, "filter": False},
        dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                         "animateRows": False, "cacheBlockSize": LEAGUE_BLOCK, "maxBlocksInCache": 20,
                         "infiniteInitialRowCount": 20,
                         "localeText": {"loadingOoo": _("加载中…"), "noRowsToShow": _("没有符合条件的人社所")}},
        getRowId="'' + params.data.id", style={"height": "460px"}, className="ag-theme-quartz")


LEAGUE_BLOCK = 100
# the columns the grid may sort by, and how (None last whichever way)
LEAGUE_SORTS = ("name", "county", "township", "score", "grade_label", "checked_on", "satisfaction", "negative",
                "open", "overdue")


def league_rows(rows: list[dict], request: dict | None) -> dict:
    """One block of the league for the grid's request ({startRow, endRow, sortModel}): the rows
    in the order asked (the league's own, by rank, when none), with the total for the scrollbar."""
    request = request or {}
    ordered = rows
    for item in reversed(request.get("sortModel") or []):
        column, descending = item.get("colId"), item.get("sort") == "desc"
        if column not in LEAGUE_SORTS:
            continue
        present = sorted((r for r in ordered if r.get(column) is not None), key=lambda r: r[column],
                         reverse=descending)
        ordered = present + [r for r in ordered if r.get(column) is None]
    start = max(0, int(request.get("startRow") or 0))
    end = min(start + 500, max(start + 1, int(request.get("endRow") or start + LEAGUE_BLOCK)))
    return {"rowData": ordered[start:end], "rowCount": len(ordered)}


def layout(**_query):
    if (refused := refused_page(ROLES)) is not None:
        return refused
    return html.Div([
        dcc.Store(id=FILTERS), dcc.Store(id=SELECTED), dcc.Store(id=LEAGUE_PURGE),
        html.Div(html.H1(_("人社所标准化建设"), className="h4 mb-0"), className="d-flex align-items-center my-3"),
        _filter_bar(_query),
        dcc.Loading(html.Div(id=KPIS), type="dot", delay_show=300),
        dbc.Row([
            dbc.Col(_card(_("人社所分布（按最近一次检查等级）"), html.Iframe(
                id=MAP, src="about:blank", title=_("人社所地图"), className="map-frame map-frame-lg"),
                body_class="p-0"), lg=7, className="mb-3"),
            dbc.Col(_card(html.Span(id=RATE_TITLE, children=_("各县区标准化率")), html.Div(
                dcc.Graph(id=RATE, config={"displayModeBar": False, "responsive": True}),
                className="rate-scroll")), lg=5, className="mb-3"),
        ]),
        dbc.Row([
            dbc.Col(_card(_("六个规范：各类距满分"), [
                html.Div(id=RADAR_NOTE, className="small text-secondary"),
                dcc.Graph(id=RADAR, config={"displayModeBar": False, "responsive": True}, style={"height": "340px"}),
            ]), lg=5, className="mb-3"),
            dbc.Col(_card(_("平均得分逐月走势"), dcc.Graph(
                id=TREND, config={"displayModeBar": False, "responsive": True}, style={"height": "340px"})),
                lg=7, className="mb-3"),
        ]),
        dbc.Row([
            dbc.Col(_card(_("好差评满意度（逐月）"), [
                html.Div(id=RATINGS_NOTE, className="small text-secondary"),
                dcc.Graph(id=RATINGS, config={"displayModeBar": False, "responsive": True}, style={"height": "300px"}),
            ]), lg=7, className="mb-3"),
            dbc.Col(_card(_("最近的差评与回访整改"), html.Div(id=NEGATIVES, className="side-list")), lg=5,
                    className="mb-3"),
        ]),
        _card([_("人社所排名"), html.Span(_("点击一行查看详情"), className="small text-secondary ms-2")], _league(),
              class_name="shadow-sm mb-3"),
        dbc.Offcanvas(dcc.Loading(html.Div(id=PROFILE_BODY), type="dot"), id=PROFILE, title=_("人社所详情"),
                      placement="end", is_open=False, className="station-profile",
                      style={"width": "min(640px, 100vw)"}),
    ])


def _filters(data: dict | None) -> q.StationFilters:
    return q.StationFilters.from_dict(data or {})


def _categories() -> list[tuple[str, str]]:
    english = is_english()
    return [(code, names[1] if english else names[0]) for code, names in STANDARDISATION_CATEGORIES.items()]


def _kpi_row(k: q.StationKpis, rated: dict) -> dbc.Row:
    last_year = percent(rated["ratings_last_year"] - rated["negative_last_year"], rated["ratings_last_year"])
    gap = max(0, round(k.target * k.stations) - k.standardised)
    tiles = [
        kpi_card(title=_("人社所"), value=count(k.stations), unit=pgettext("stations", "个"), icon="bi-building",
                 tone="primary", note=_("期间内已检查 %(n)s 个", n=count(k.checked)), card_id="stations-kpi-stations"),
        kpi_card(title=_("达标（含示范）"), value=count(k.standardised), unit=pgettext("stations", "个"),
                 icon="bi-patch-check", tone="success", card_id="stations-kpi-standardised"),
        kpi_card(title=_("标准化率"), value=percent(k.standardised, k.stations), icon="bi-bullseye",
                 tone="info" if gap == 0 else "warning",
                 note=_("目标 %(t)s · 差 %(n)s 个", t=f"{k.target:.0%}", n=count(gap)), card_id="stations-kpi-rate"),
        kpi_card(title=_("示范人社所"), value=count(k.model), unit=pgettext("stations", "个"), icon="bi-award",
                 tone="success", card_id="stations-kpi-model"),
        kpi_card(title=_("未销号整改"), value=count(k.open_rectifications), unit=_("项"), icon="bi-tools",
                 tone="secondary", card_id="stations-kpi-open", href="/rectifications?status=active"),
        kpi_card(title=_("超期未销号"), value=count(k.overdue_rectifications), unit=_("项"), icon="bi-alarm",
                 tone="danger", card_id="stations-kpi-overdue", note=_("所选站所的，今日"),
                 href="/rectifications?status=overdue"),
        kpi_card(title=_("好差评满意度"), value=percent(rated["ratings"] - rated["negative"], rated["ratings"]),
                 icon="bi-emoji-smile", tone="info", card_id="stations-kpi-satisfaction",
                 note=_("评价 %(n)s 条 · 差评 %(bad)s 条 · 去年同期 %(r)s", n=count(rated["ratings"]),
                        bad=count(rated["negative"]),
                        r=last_year)),
    ]
    return dbc.Row([dbc.Col(t, xs=6, md=4, xl=True, className="mb-3") for t in tiles], className="g-3")



def _league_rows(rows: list[dict]) -> list[dict]:
    """The rows with their grade's name; the five names translated once, not per row (two
    thousand gettext calls cost as much as the query)."""
    names = {**{grade: _(text) for grade, text in labels.GRADE.items()}, None: _("未检查")}
    shared = Counter(row["rank"] for row in rows if row["rank"] is not None)
    tied = _("并列%(n)s")
    for row in rows:
        row["grade_label"] = names.get(row["grade"], names[None])
        # ten stations on the same score share a place, and say so (not ten plain "1"s)
        if row["rank"] is not None and shared[row["rank"]] > 1:
            row["rank_label"] = tied % {"n": row["rank"]}
        else:
            row["rank_label"] = "" if row["rank"] is None else str(row["rank"])
    return rows


def _query(call, *, out_of_scope: str = OUT_OF_SCOPE, **arguments):
    """Run a query for the signed-in user: (result, None), or (None, why not) when their role
    is not one this page is for or what they asked for is not theirs (crafted requests)."""
    if current_user.role not in ROLES:
        return None, _("您的角色无权查看此页面。")
    try:
        return call(db(), scope=scope(), role=current_user.role, **arguments), None
    except OutOfScope:
        return None, _(out_of_scope)


def register_callbacks(app: dash.Dash) -> None:
    link_townships(app, COUNTY, TOWNSHIP, region_options)
    link_period(app, PERIOD, today)

    @app.callback(Output(FILTERS, "data"), Input(PERIOD, "start_date"), Input(PERIOD, "end_date"),
                  Input(COUNTY, "value"), Input(TOWNSHIP, "value"), Input(KIND, "value"))
    def collect_filters(start, end, county, township, kind):
        return q.StationFilters.from_dict({"date_from": start, "date_to": end, "region_code": township or county,
                                           "kind": kind}).to_dict()

    @app.callback(Output(SELECTED, "data"), Input(LEAGUE, "selectedRows"), prevent_initial_call=True)
    def row_selected(rows):
        return rows[0]["id"] if rows else no_update

    @app.callback(Output(SELECTED, "data", allow_duplicate=True), Input(MAP_EVENT, "data"), prevent_initial_call=True)
    def map_clicked(event):
        if event and event.get("action") == "station" and event.get("id"):
            return int(event["id"])
        return no_update

    @app.callback(Output(KPIS, "children"), Input(FILTERS, "data"))
    def show_kpis(filters):
        f = _filters(filters)
        kpis, refused = _query(q.station_kpis, filters=f, today=today())
        rated, refused = (None, refused) if refused else _query(q.satisfaction, filters=f, today=today())
        return refusal(refused) if refused else _kpi_row(kpis, rated)

    @app.callback(Output(RATINGS, "figure"), Output(RATINGS_NOTE, "children"), Output(NEGATIVES, "children"),
                  Input(FILTERS, "data"))
    def show_ratings(filters):
        rated, refused = _query(q.satisfaction_months, filters=_filters(filters), today=today())
        if refused:
            return {}, None, refusal(refused)
        figure = satisfaction_figure(
            rated["months"], month_label=lambda y, m: _("%(y)s年%(m)s月", y=y, m=m),
            partial_label=_("（至今）"), empty=_("没有好差评数据"),
            hover="%{x}：%{y:.1f}%<br>" + _("评价 %(n)s 条，差评 %(bad)s 条", n="%{customdata[0]}",
                                            bad="%{customdata[1]}"))
        note = _("好评（基本满意及以上）占全部评价的比例；近12个月，当月至今日")
        return figure, note, _negatives(rated["negatives"])

    @app.callback(Output(MAP, "src"), Input(FILTERS, "data"))
    def show_map(filters):
        f = _filters(filters)
        _view, refused = _query(lambda session, scope, role: q.narrowed_scope(session, scope, f))
        if refused:
            return "about:blank"
        return "/maps/stations?" + urlencode({k: v for k, v in f.to_query().items() if k != "kind"})

    @app.callback(Output(RATE, "figure"), Output(RATE_TITLE, "children"), Input(FILTERS, "data"))
    def show_rate(filters):
        rates, refused = _query(q.rate_by_area, filters=_filters(filters), today=today())
        if refused:
            return {}, _("各县区标准化率")
        titles = {"township": _("各乡镇（街道）标准化率"), "city": _("各市标准化率")}
        title = titles.get(rates["level"], _("各县区标准化率"))
        return rate_figure(rates["rows"], target=rates["target"],
                           target_label=_("目标 %(t)s", t=f"{rates['target']:.0%}"),
                           hover="%{y}：%{x:.1f}%<br>" + _("达标 %(n)s / %(of)s 个", n="%{customdata[0]}",
                                                           of="%{customdata[1]}"),
                           empty=_("没有人社所")), title

    @app.callback(Output(TREND, "figure"), Input(FILTERS, "data"))
    def show_trend(filters):
        rows, refused = _query(q.score_trend, filters=_filters(filters), today=today())
        if refused:
            return {}
        return score_trend_figure(rows, month_label=lambda y, m: _("%(y)s年%(m)s月", y=y, m=m),
                                  this_label=_("本期"), last_label=_("上年同期"),
                                  standard_label=_("达标线 %(n)s分", n=THRESHOLDS["standard"]),
                                  standard=THRESHOLDS["standard"], empty=_("期间内没有检查"))

    # new filters: drop the grid's blocks so that it asks again
    app.clientside_callback(
        """function(filters) {
            try { dash_ag_grid.getApi("LEAGUE_ID").purgeInfiniteCache(); } catch (e) { /* not drawn yet */ }
            return window.dash_clientside.no_update;
        }""".replace("LEAGUE_ID", LEAGUE),
        Output(LEAGUE_PURGE, "data"), Input(FILTERS, "data"), prevent_initial_call=True)

    @app.callback(Output(LEAGUE, "getRowsResponse"), Input(LEAGUE, "getRowsRequest"), State(FILTERS, "data"),
                  prevent_initial_call=True)
    def show_league(request, filters):
        if not request:
            return no_update
        rows, refused = _query(q.league_table, filters=_filters(filters), today=today())
        return league_rows([] if refused else _league_rows(rows), request)

    @app.callback(Output(RADAR, "figure"), Output(RADAR_NOTE, "children"), Input(FILTERS, "data"),
                  Input(SELECTED, "data"))
    def show_radar(filters, station_id):
        averages, refused = _query(q.category_averages, filters=_filters(filters),
                                   station_id=_station_id(station_id))
        if refused:
            return {}, refusal(refused)
        series = [(_("辖区平均"), averages["region"], "#1565c0")]
        note = _("所选辖区 %(n)s 个人社所最近一次检查的平均得分", n=count(averages["checked"]))
        if averages["station"] is not None:
            series.append((averages["station_name"], averages["station"], STATION_COLOUR))
            note = _("%(name)s 与辖区平均", name=averages["station_name"])
        figure = category_gap_figure(_categories(), series, gap_label=_("距满分（分）"),
                                     hover=_("得分 %{customdata:.1f}"), empty=_("期间内没有检查"))
        return figure, note

    @app.callback(Output(PROFILE, "is_open"), Output(PROFILE_BODY, "children"), Output(PROFILE, "title"),
                  Input(SELECTED, "data"), prevent_initial_call=True)
    def show_profile(station_id):
        if not station_id:
            return False, None, no_update
        profile, refused = _query(q.get_station_profile, out_of_scope=NOT_FOUND,
                                  station_id=_station_id(station_id) or 0, today=today())
        if refused:
            return True, refusal(refused), _("人社所详情")
        return True, station_profile(_, profile, english=is_english()), profile["facts"]["name"]


def _negatives(rows: list[dict]) -> html.Div:
    """The latest 差评, each with its follow-up's state (its link opens the rectification)."""
    items = []
    for r in rows:
        state = _(labels.RECTIFICATION_STATUS.get(r["status"], r["status"])) if r["status"] else _("未回访")
        late = r["status"] == "open" and r["due_on"] is not None and r["due_on"] < today()
        figure = html.A(state, href=f"/rectifications?rect={r['rectification_id']}",
                        className="text-danger fw-semibold" if late else None) if r["rectification_id"] else state
        what = " · ".join(str(x) for x in (r["rated_on"], r["item"] or r["window"], r["comment"]) if x)
        items.append((r["station"], figure, what))
    return ranked_list(items, empty=_("期间内没有差评"))


def _station_id(value) -> int | None:
    """A station id from the browser; anything else is no station."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
