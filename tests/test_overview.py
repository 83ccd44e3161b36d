"""The overview's figures are scoped: in the query, and through a crafted Dash callback."""

import json
from datetime import date

import pytest
from sqlmodel import select

from data.models import CaseStatus, Role, Station, User
from data.queries.overview import overview_figures
from data.scope import Scope
from tests.conftest import TODAY, contains
from tests.dash_calls import call
from tests.factories import PASSWORD, make_case, make_city, make_secondment, make_station, make_user, make_work_log

FIGURES = [("overview-kpis", "children"), ("overview-trend", "figure"), ("overview-asof", "children")]
MAP_AND_RISK = [("overview-map", "src"), ("overview-map-period", "children"), ("overview-risk", "children"),
                ("overview-risk-note", "children")]


@pytest.fixture
def city(session):
    city = make_city(session)
    for _ in range(2):
        make_case(session, township=city["town_a"], county=city["a"])
    make_case(session, township=city["town_a"], county=city["a"], status=CaseStatus.closed)
    for _ in range(5):
        make_case(session, township=city["town_b"], county=city["b"], investigate_due=date(2026, 11, 1))
    station_a = make_station(session, township=city["town_a"])
    make_station(session, township=city["town_b"])
    cadre = make_user(session, username="cadre", role=Role.cadre, regions=[city["town_a"]])
    make_secondment(session, user=cadre, station=station_a)
    for day in (date(2026, 11, 2), date(2026, 11, 3), date(2026, 10, 30)):
        make_work_log(session, user=cadre, station=station_a, log_date=day)
    make_user(session, username="officer", role=Role.case_officer, regions=[city["a"]])
    make_user(session, username="leader", role=Role.leader, regions=[city["city"]])
    return city


def test_figures_are_scoped(session, city):
    county_a = overview_figures(session, scope=Scope((city["a"].path,)), today=TODAY)
    whole = overview_figures(session, scope=Scope((city["city"].path,)), today=TODAY)
    assert (county_a.open_cases, county_a.overdue_cases, county_a.stations) == (2, 0, 1)
    assert (whole.open_cases, whole.overdue_cases, whole.stations) == (7, 5, 2)
    assert county_a.cases_ytd == 3 and county_a.workers_ytd == 36
    # November 2026 up to the 20th has 15 working days, the 20th not due until it is over (as on
    # /logs: data.rules.work_logs.rate); one cadre filed two logs this month
    assert (county_a.logs_this_month, county_a.logs_expected_this_month) == (2, 14)
    assert overview_figures(session, scope=Scope.nothing(), today=TODAY).open_cases == 0


def _find(node, component_id):
    """The component with this id in a Dash JSON tree."""
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == component_id:
            return node
        return next((found for v in node.values() if (found := _find(v, component_id))), None)
    if isinstance(node, list):
        return next((found for v in node if (found := _find(v, component_id))), None)
    return None


def _text(node) -> str:
    if isinstance(node, dict):
        return "".join(_text(v) for k, v in node.items() if k in ("props", "children"))
    if isinstance(node, list):
        return "".join(_text(v) for v in node)
    return node if isinstance(node, str) else ""


def call_overview(client, region):
    return call(client, FIGURES, [("overview-region", "value", region)])


def call_map(client, region, start="2026-11-01", end="2026-11-20", measure="cases"):
    return call(client, MAP_AND_RISK, [("overview-region", "value", region), ("overview-period", "start_date", start),
                                       ("overview-period", "end_date", end), ("overview-measure", "value", measure)])


def sign_in(client, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def test_crafted_callback_cannot_read_another_county(client, city):
    sign_in(client, "officer")
    own = call_overview(client, None)
    assert "2" == _text(_find(own["overview-kpis"]["children"], "kpi-open-cases")).split("在办欠薪案件")[1][:1]
    foreign = call_overview(client, city["b"].area_code)
    text = _text(foreign["overview-kpis"]["children"])
    assert "不在您的管辖范围" in text
    assert _find(foreign["overview-kpis"]["children"], "kpi-open-cases") is None
    assert call_map(client, city["b"].area_code)["overview-map"]["src"] == "about:blank"
    # an unknown code is refused the same way (no probing which codes exist)
    assert "不在您的管辖范围" in _text(call_overview(client, "123456789012")["overview-kpis"]["children"])


def test_leader_sees_the_city_and_can_narrow(client, city):
    sign_in(client, "leader")
    whole = _text(_find(call_overview(client, None)["overview-kpis"]["children"], "kpi-open-cases"))
    county_b = _text(_find(call_overview(client, city["b"].area_code)["overview-kpis"]["children"], "kpi-open-cases"))
    assert whole.startswith("在办欠薪案件7") and county_b.startswith("在办欠薪案件5")


def test_the_map_shows_the_chosen_measure_over_the_period_and_the_risk_names_it(client, city):
    """The leader's landing: the map is the case map of the picked measure and period (the same
    address /cases would use), the risk panel says which days its rising factor compares, and each
    township opens its cases for that period; a cadre, who has no case maps, sees the regions."""
    sign_in(client, "leader")
    answer = call_map(client, None, "2026-11-01", "2026-11-20", "amount")
    src = answer["overview-map"]["src"]
    assert src.startswith("/maps/cases?") and "metric=amount" in src and "level=township" in src
    assert "date_from=2026-11-01" in src and "date_to=2026-11-20" in src
    assert client.get(src).status_code == 200
    assert "2026-11-01 至 2026-11-20" in _text(answer["overview-risk-note"]["children"])
    risk = answer["overview-risk"]["children"]
    links = json.dumps(risk)
    assert "/cases?township=" in links and "from=2026-11-01" in links and "to=2026-11-20" in links
    # the rising factor compares the chosen days with the same days a year earlier (the cases
    # came in on 9 October: five against none), not the last 90 days
    october = json.dumps(call_map(client, None, "2026-10-01", "2026-10-31")["overview-risk"], ensure_ascii=False)
    assert "2026-10-01 至 2026-10-31 案件同比上升 100%" in october and "近90天" not in october
    # a period that starts after today (a tab left open across a month's end, a crafted request)
    # is today alone, not a failure
    ahead = call_map(client, None, "2026-12-01", "2026-12-31")["overview-map"]["src"]
    assert "date_from=2026-11-20" in ahead and "date_to=2026-11-20" in ahead
    # a township picked: its cases as points
    township = call_map(client, city["town_b"].area_code)["overview-map"]["src"]
    assert f"township={city['town_b'].area_code}" in township
    client.get("/logout")
    sign_in(client, "cadre")
    assert call_map(client, None)["overview-map"]["src"] == "/maps/regions"


def test_region_map_route_refuses_foreign_region(client, city):
    sign_in(client, "officer")
    assert client.get(f"/maps/regions?region={city['a'].area_code}").status_code == 200
    assert client.get(f"/maps/regions?region={city['b'].area_code}").status_code == 404
    page = client.get("/maps/regions").get_data(as_text=True)
    assert contains(page, "东湖区") and not contains(page, "西山县")



def test_on_the_3rd_this_month_is_set_beside_the_same_three_days_of_last_year(app, client, session):
    """Year on year that does not lie: on 3 December the month's bar stands beside 1–3 December
    of last year (not last year's whole December), and its label says so; whole months stay whole."""
    from data.queries.overview import cases_by_month
    city = make_city(session)
    for day in (date(2025, 11, 15), date(2025, 12, 2), date(2025, 12, 10), date(2025, 12, 28),
                date(2026, 12, 1), date(2026, 12, 3)):
        make_case(session, township=city["town_a"], county=city["a"], received_on=day, accepted_on=day)
    make_user(session, username="leader", role=Role.leader, regions=[city["city"]])
    whole = Scope((city["city"].path,))
    assert cases_by_month(session, scope=whole, year=2025) == {11: 1, 12: 3}
    assert cases_by_month(session, scope=whole, year=2025, cut=date(2025, 12, 3)) == {11: 1, 12: 1}
    assert cases_by_month(session, scope=whole, year=2025, cut=date(2025, 11, 10)) == {12: 3}

    app.config["TODAY"] = date(2026, 12, 3)
    sign_in(client, "leader")
    figure = call_overview(client, None)["overview-trend"]["figure"]
    last, this = figure["data"]
    assert last["x"][10:] == ["11月", "12月1–3日"] and this["x"][-1] == "12月1–3日"
    assert last["y"][10:] == [1, 1] and this["y"][-1] == 2  # 1–3 Dec 2025: one case; not all three
    kpis = _text(call_overview(client, None)["overview-kpis"]["children"])
    assert "同比：与去年同期（2025-01-01 至 2025-12-03）相比" in kpis

    app.config["TODAY"] = date(2026, 12, 31)  # the month's last day: a whole month beside a whole month
    last, this = call_overview(client, None)["overview-trend"]["figure"]["data"]
    assert last["x"][11] == "12月" and last["y"][11] == 3


def test_a_map_opened_on_its_own_goes_to_its_page(client, city):
    """/maps/regions opened from a bookmark is no bare map without a way back: the browser says it
    is a top-level document (Sec-Fetch-Dest), and goes to the page that shows the map."""
    sign_in(client, "leader")
    for path, page in (("/maps/regions?region=369901000000", "/?region=369901000000"), ("/maps/cases", "/cases"),
                       ("/maps/stations", "/stations")):
        answer = client.get(path, headers={"Sec-Fetch-Dest": "document"})
        assert answer.status_code == 302 and answer.headers["Location"] == page, path
    assert client.get("/maps/regions", headers={"Sec-Fetch-Dest": "iframe"}).status_code == 200


def test_the_landing_names_the_worst_townships_and_why(client, city):
    """Five overdue cases make 青石镇 (county B) red: the leader reads it first, with its reasons,
    and its name opens its cases; the officer of county A does not see it."""
    sign_in(client, "leader")
    risk = json.dumps(call_map(client, None)["overview-risk"], ensure_ascii=False)
    assert city["town_b"].name in risk and "超期案件 5 件" in risk
    assert f"/cases?township={city['town_b'].area_code}" in risk
    sign_in(client, "officer")
    assert city["town_b"].name not in json.dumps(call_map(client, None)["overview-risk"], ensure_ascii=False)


def test_the_case_figures_are_kept_by_their_version_and_the_rest_read_each_time(client, session, city):
    """Fifty leaders opening the overview read its case figures once (web.cache.panel, by the cases'
    data version); a new case shows at once, and so does a work log (not kept: no case changed)."""
    from web import cache

    sign_in(client, "leader")

    def tile(card: str) -> str:
        return _text(_find(call_overview(client, None)["overview-kpis"]["children"], card))

    first = tile("kpi-open-cases")
    before = cache.stats["panel", "hit"]
    assert tile("kpi-open-cases") == first and cache.stats["panel", "hit"] == before + 1
    make_case(session, township=city["town_a"], county=city["a"])
    session.commit()
    assert first.startswith("在办欠薪案件7") and tile("kpi-open-cases").startswith("在办欠薪案件8")
    logs = tile("kpi-logs")
    cadre = session.exec(select(User).where(User.username == "cadre")).one()
    station = session.exec(select(Station).where(Station.township_id == city["town_a"].id)).first()
    make_work_log(session, user=cadre, station=station, log_date=date(2026, 11, 4))
    session.commit()
    assert tile("kpi-logs") != logs
