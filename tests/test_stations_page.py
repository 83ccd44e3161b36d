"""The /stations page's callbacks through Dash's HTTP endpoint, as the browser calls them:
figures for the user's regions, a refusal and no figures for a region (or station) that is
not theirs, a role the page is not for, masked phones and the covert check in the profile."""

import pytest

from tests.dash_calls import call
from tests.factories import PASSWORD
from tests.stations_world import station_world
from tests.test_overview import _find, _text

FILTERS = {"date_from": "2025-11-21", "date_to": "2026-11-20", "kind": "township_station"}


@pytest.fixture
def world(session):
    return station_world(session)


def sign_in(client, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    client.get("/stations")  # the CSRF cookie
    return client


def kpis(client, filters):
    return call(client, [("stations-kpis", "children")], [("stations-filters", "data", filters)])["stations-kpis"][
        "children"]


def figures(client, filters, selected=None) -> dict:
    answer = {}
    answer.update(call(client, [("stations-rate", "figure"), ("stations-rate-title", "children")],
                       [("stations-filters", "data", filters)]))
    answer.update(call(client, [("stations-trend", "figure")], [("stations-filters", "data", filters)]))
    answer["stations-league"] = league(client, filters)
    answer.update(call(client, [("stations-map", "src")], [("stations-filters", "data", filters)]))
    answer.update(call(client, [("stations-radar", "figure"), ("stations-radar-note", "children")],
                       [("stations-filters", "data", filters), ("stations-selected", "data", selected)]))
    return answer


def league(client, filters, start=0, end=100, sort=()) -> dict:
    """One block of the league table as the grid asks for it (its infinite row model)."""
    request = {"startRow": start, "endRow": end, "sortModel": list(sort)}
    return call(client, [("stations-league", "getRowsResponse")], [("stations-league", "getRowsRequest", request)],
                [("stations-filters", "data", filters)])["stations-league"]["getRowsResponse"]


def test_the_league_comes_in_blocks_in_the_order_asked(client, world):
    sign_in(client, "leader")
    whole = league(client, FILTERS)
    assert whole["rowCount"] == 4 and len(whole["rowData"]) == 4
    ranked = [r["id"] for r in whole["rowData"]]
    block = league(client, FILTERS, start=1, end=3)
    assert block["rowCount"] == 4 and [r["id"] for r in block["rowData"]] == ranked[1:3]
    by_name = league(client, FILTERS, sort=[{"colId": "name", "sort": "asc"}])["rowData"]
    assert [r["name"] for r in by_name] == sorted(r["name"] for r in whole["rowData"])
    # the stations never checked have no score: last whichever way
    low_first = [r["score"] for r in league(client, FILTERS, sort=[{"colId": "score", "sort": "asc"}])["rowData"]]
    checked = [s for s in low_first if s is not None]
    assert checked == sorted(checked) and low_first[:len(checked)] == checked
    # a column the grid cannot sort by is no way in
    assert [r["id"] for r in league(client, FILTERS, sort=[{"colId": "__class__", "sort": "asc"}])["rowData"]] == ranked


def profile(client, station_id):
    return call(client, [("station-profile", "is_open"), ("station-profile-body", "children"),
                         ("station-profile", "title")], [("stations-selected", "data", station_id)])


def test_a_leader_sees_the_city(client, world):
    sign_in(client, "leader")
    tiles = kpis(client, FILTERS)
    assert _text(_find(tiles, "stations-kpi-stations")).startswith("人社所4")
    assert "50.0%" in _text(_find(tiles, "stations-kpi-rate"))
    answer = figures(client, FILTERS, selected=world["a_station"].id)
    bars = answer["stations-rate"]["figure"]["data"][0]
    assert (bars["y"], bars["x"]) == (["东湖区", "西山县"], [50.0, 50.0])
    assert answer["stations-rate-title"]["children"] == "各县区标准化率"
    assert len(answer["stations-league"]["rowData"]) == 4
    first = answer["stations-league"]["rowData"][0]
    assert (first["name"], first["grade_label"], first["score"]) == ("望江街道人社所", "示范", 95.0)
    assert answer["stations-map"]["src"].startswith("/maps/stations?")
    assert "kind" not in answer["stations-map"]["src"]
    radar = answer["stations-radar"]["figure"]["data"]
    assert [trace["type"] for trace in radar] == ["bar", "bar"]
    assert radar[0]["y"] == ["形象外观", "环境设施", "服务行为", "业务流程", "管理制度", "工作岗位"]
    # each bar is the category's distance to full marks: 100 minus the score shown on hover
    assert all(gap == round(100 - score, 1) for trace in radar
               for gap, score in zip(trace["x"], trace["customdata"], strict=True) if score is not None)
    assert "望江街道人社所" in _text(answer["stations-radar-note"]["children"])
    assert answer["stations-trend"]["figure"]["data"]


def test_a_crafted_region_outside_the_scope_is_refused(client, world):
    sign_in(client, "admin_a")
    own = kpis(client, {**FILTERS, "region_code": "369901000000"})
    assert _text(_find(own, "stations-kpi-stations")).startswith("人社所2")
    foreign = {**FILTERS, "region_code": "369902000000"}
    tiles = kpis(client, foreign)
    assert "不在您的管辖范围" in _text(tiles) and _find(tiles, "stations-kpi-stations") is None
    answer = figures(client, foreign)
    assert answer["stations-rate"]["figure"] == {} and answer["stations-trend"]["figure"] == {}
    assert answer["stations-league"]["rowData"] == [] and answer["stations-map"]["src"] == "about:blank"
    assert answer["stations-radar"]["figure"] == {} and "不在您的管辖范围" in _text(answer["stations-radar-note"])
    # an unknown code is refused the same way
    assert "不在您的管辖范围" in _text(kpis(client, {**FILTERS, "region_code": "369999999000"}))
    # and a station of another county
    answer = profile(client, world["b_station"].id)
    assert answer["station-profile"]["is_open"]
    assert "不在您的管辖范围" in _text(answer["station-profile-body"]["children"])


def test_a_role_the_page_is_not_for_gets_nothing(app, client, world):
    # the page's own check, behind the guard's refusal of other roles' callbacks (test_guard.py)
    app.extensions["callback_roles"] = ()
    sign_in(client, "officer")
    tiles = kpis(client, FILTERS)
    assert "无权" in _text(tiles) and _find(tiles, "stations-kpi-stations") is None
    assert figures(client, FILTERS)["stations-league"]["rowData"] == []
    assert "无权" in _text(profile(client, world["a_station"].id)["station-profile-body"]["children"])


def test_the_cadre_sees_their_station_with_masked_phones_and_no_covert_check(app, world):
    cadre = sign_in(app.test_client(), "cadre")
    answer = profile(cadre, world["a_station"].id)
    text = _text(answer["station-profile-body"]["children"])
    assert answer["station-profile"]["is_open"] and answer["station-profile"]["title"] == "望江街道人社所"
    assert "139****8000" in text and "13912348000" not in text and "离职者" not in text
    assert "马博" in text and "160****6436" in text and "前任" not in text
    assert "公示栏未更新" in text and "走流程：导办指引不清" in text
    assert "暗访" not in text and "未通报" not in text  # the covert check and its findings
    league = figures(cadre, FILTERS)["stations-league"]["rowData"]
    assert [(r["name"], r["grade_label"], r["open"], r["overdue"]) for r in league] == \
        [("望江街道人社所", "达标", 3, 2)]
    inspector = sign_in(app.test_client(), "inspector")
    text = _text(profile(inspector, world["a_station"].id)["station-profile-body"]["children"])
    assert "暗访：未落实一次性告知" in text and "未通报" in text


def test_the_navigation_offers_the_page_to_its_roles(app, world):
    for username, allowed in (("leader", True), ("cadre", True), ("inspector", True), ("officer", False)):
        client = sign_in(app.test_client(), username)
        layout = client.get("/_dash-layout").get_data(as_text=True)
        assert ('"href":"\\u002fstations"' in layout) == allowed, username


def test_tied_stations_say_they_share_a_place(app):
    """Ten stations on the same score share a place and say so, not ten plain 1s."""
    from pages.stations import _league_rows
    with app.test_request_context("/stations"):
        rows = _league_rows([{"rank": 1, "grade": "model"}, {"rank": 1, "grade": "model"},
                             {"rank": 3, "grade": "standard"}, {"rank": None, "grade": None}])
    assert [r["rank_label"] for r in rows] == ["并列1", "并列1", "3", ""]
    assert rows[3]["grade_label"] == "未检查"


def test_the_rate_bars_tell_a_near_miss_from_a_far_one():
    """With a 100% target every county misses it: the colour still says by how much (orange within
    ten points, red further down), green only at the target."""
    from components.station_views import AT_TARGET, BELOW_TARGET, FAR_BELOW, rate_figure
    rates = (("甲", 1.0), ("乙", 0.95), ("丙", 0.8))
    rows = [{"name": n, "rate": r, "standardised": 1, "stations": 1} for n, r in rates]
    bar = rate_figure(rows, target=1.0, target_label="目标", hover="", empty="").data[0]
    assert dict(zip(bar.y, bar.marker.color, strict=True)) == {"甲": AT_TARGET, "乙": BELOW_TARGET, "丙": FAR_BELOW}
