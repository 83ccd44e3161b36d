"""Station standardisation queries on a real database: the latest grade per station (period,
drafts, window audits, same-day ties), the rate against the target, the radar, the league
table with rectification counts, the trend, a station's profile, scope and the rule that a
covert check stays with inspectors and city-wide leaders until it is published."""

from datetime import UTC, date, datetime

import pytest

from data.errors import ValidationError
from data.models import Inspection, InspectionStatus, Role
from data.queries import stations as q
from data.scope import OutOfScope, Scope
from tests.stations_world import add_inspection, station_world

TODAY = date(2026, 11, 20)
YEAR = q.StationFilters(date_from=date(2025, 11, 21), date_to=TODAY)


@pytest.fixture
def world(session):
    return station_world(session)


def scope_of(world, *names) -> Scope:
    return Scope(tuple(world[n].path for n in names))


def league(session, world, role, *regions, filters=YEAR):
    rows = q.league_table(session, scope=scope_of(world, *regions), role=role, filters=filters, today=TODAY)
    return {r["id"]: r for r in rows}


def test_latest_grade_is_the_newest_counting_check(session, world):
    rows = league(session, world, Role.inspector, "city")
    a, b = rows[world["a_station"].id], rows[world["b_station"].id]
    # the covert October check (not the November draft, not the window audit) for an inspector
    assert (a["score"], a["grade"], a["checked_on"]) == (95, "model", "2026-10-15")
    # two checks on one day: the one entered last
    assert (b["score"], b["grade"]) == (92, "model")
    assert rows[world["c_station"].id]["grade"] is None and rows[world["c_station"].id]["rank"] is None
    assert world["point"].id not in rows  # a village service point is not a township station
    # ranked by score, ties share a rank, never checked last
    assert [r["id"] for r in q.league_table(session, scope=scope_of(world, "city"), role=Role.inspector,
                                            filters=YEAR, today=TODAY)] == [
        world["a_station"].id, world["b_station"].id, world["a2_station"].id, world["c_station"].id]


def test_the_period_bounds_which_checks_count(session, world):
    september = q.StationFilters(date_from=date(2026, 1, 1), date_to=date(2026, 9, 30))
    a = league(session, world, Role.leader, "city", filters=september)[world["a_station"].id]
    assert (a["score"], a["grade"]) == (85, "standard")
    summer = q.StationFilters(date_from=date(2026, 6, 1), date_to=date(2026, 8, 31))
    rows = league(session, world, Role.leader, "city", filters=summer)
    assert rows[world["a_station"].id]["grade"] is None  # not checked in those months
    assert rows[world["b_station"].id]["grade"] == "model"


def test_a_covert_check_is_hidden_from_the_cadre_until_published(session, world):
    cadre = league(session, world, Role.cadre, "town_a")
    assert list(cadre) == [world["a_station"].id]  # their township only
    a = cadre[world["a_station"].id]
    assert (a["score"], a["grade"], a["checked_on"]) == (85, "standard", "2026-09-01")
    # its rectifications too: the cadre sees the published check's two (past due: one open, one
    # reported and not re-checked — overdue until closed, data.queries.rectifications.overdue_clause)
    # and the walkthrough's, the inspector also the covert check's two (one overdue)
    assert (a["open"], a["overdue"]) == (3, 2)
    inspector = league(session, world, Role.inspector, "city")[world["a_station"].id]
    assert (inspector["open"], inspector["overdue"]) == (5, 3)
    # a county admin is not city-wide: no unpublished work either
    assert league(session, world, Role.admin, "a")[world["a_station"].id]["grade"] == "standard"
    # a city-wide leader sees it
    assert league(session, world, Role.leader, "city")[world["a_station"].id]["grade"] == "model"
    # once published, the cadre sees it too
    covert = session.get(Inspection, world["a_covert"].id)
    covert.status, covert.published_at = InspectionStatus.published, datetime(2026, 11, 10, tzinfo=UTC)
    session.commit()
    assert league(session, world, Role.cadre, "town_a")[world["a_station"].id]["grade"] == "model"


def test_kpis_and_the_rate_against_the_target(session, world):
    city = q.station_kpis(session, scope=scope_of(world, "city"), role=Role.leader, filters=YEAR, today=TODAY)
    assert (city.stations, city.checked, city.standardised, city.model) == (4, 3, 2, 2)
    assert city.rate == 0.5 and city.target == 1.0
    # A: 5 open (3 overdue, the reported one among them); B: 1 open, overdue since August
    assert (city.open_rectifications, city.overdue_rectifications) == (6, 4)
    cadre = q.station_kpis(session, scope=scope_of(world, "town_a"), role=Role.cadre, filters=YEAR, today=TODAY)
    assert (cadre.stations, cadre.standardised, cadre.model, cadre.rate) == (1, 1, 0, 1.0)
    assert (cadre.open_rectifications, cadre.overdue_rectifications) == (3, 2)
    points = q.station_kpis(session, scope=scope_of(world, "city"), role=Role.leader, today=TODAY,
                            filters=q.StationFilters(kind="village_point", date_to=TODAY))
    assert (points.stations, points.checked, points.rate) == (1, 0, 0.0)


def test_rate_per_county_then_per_township(session, world):
    rates = q.rate_by_area(session, scope=scope_of(world, "city"), role=Role.leader, filters=YEAR, today=TODAY)
    assert rates["level"] == "county" and rates["target"] == 1.0
    assert [(r["code"], r["name"], r["stations"], r["standardised"], r["rate"]) for r in rates["rows"]] == [
        ("369901000000", "东湖区", 2, 1, 0.5), ("369902000000", "西山县", 2, 1, 0.5)]
    county_a = q.StationFilters(region_code="369901000000", date_from=YEAR.date_from, date_to=TODAY)
    rates = q.rate_by_area(session, scope=scope_of(world, "city"), role=Role.leader, filters=county_a, today=TODAY)
    assert rates["level"] == "township"
    assert [(r["name"], r["standardised"], r["stations"]) for r in rates["rows"]] == \
        [("望江街道", 1, 1), ("临江镇", 0, 1)]


def test_radar_averages_the_latest_checks(session, world):
    radar = q.category_averages(session, scope=scope_of(world, "city"), role=Role.leader, filters=YEAR,
                                station_id=world["a_station"].id)
    # latest checks: A covert (100 …), A2 (60 …), B same-day second (90 …)
    assert radar["checked"] == 3
    assert radar["region"]["appearance"] == round((100 + 60 + 90) / 3, 1)
    assert radar["region"]["staffing"] == round((100 + 80 + 100) / 3, 1)
    assert radar["station"] == {"appearance": 100, "facilities": 92, "conduct": 95, "process": 96, "rules": 90,
                                "staffing": 100}
    assert radar["station_name"] == "望江街道人社所"
    cadre = q.category_averages(session, scope=scope_of(world, "town_a"), role=Role.cadre, filters=YEAR,
                                station_id=world["a_station"].id)
    assert cadre["station"]["appearance"] == 80 and cadre["region"]["appearance"] == 80
    with pytest.raises(OutOfScope):
        q.category_averages(session, scope=scope_of(world, "town_a"), role=Role.cadre, filters=YEAR,
                            station_id=world["b_station"].id)


def test_trend_compares_each_month_with_last_year(session, world):
    rows = q.score_trend(session, scope=scope_of(world, "city"), role=Role.leader, filters=YEAR, today=TODAY)
    assert (rows[0]["year"], rows[0]["month"], rows[-1]["year"], rows[-1]["month"]) == (2025, 11, 2026, 11)
    by_month = {(r["year"], r["month"]): r for r in rows}
    assert by_month[(2026, 8)]["checks"] == 2 and by_month[(2026, 8)]["average"] == 83.5
    assert by_month[(2026, 9)]["average_last_year"] == 81 and by_month[(2026, 9)]["average"] == 85
    assert by_month[(2026, 11)]["checks"] == 0  # the draft does not count
    cadre = q.score_trend(session, scope=scope_of(world, "town_a"), role=Role.cadre, filters=YEAR, today=TODAY)
    assert {(r["year"], r["month"]): r["checks"] for r in cadre}[(2026, 10)] == 0  # the covert check


def test_profile(session, world):
    profile = q.get_station_profile(session, scope=scope_of(world, "town_a"), role=Role.cadre,
                                    station_id=world["a_station"].id, today=TODAY)
    assert profile["facts"]["township"] == "望江街道" and profile["facts"]["county"] == "东湖区"
    assert profile["staff"] == [{"name": "郑芳", "post": "所长", "phone": "139****8000", "backup": False},
                                {"name": "谢斌", "post": "经办员", "phone": "179****3992", "backup": True}]
    assert profile["equipment"] == {"pc": 3, "self_service_terminal": True}
    assert [(c["name"], c["phone"], c["home_unit"]) for c in profile["cadres"]] == \
        [("马博", "160****6436", "市人社局就业科")]
    assert [(c["inspected_on"], c["kind"]) for c in profile["checks"]] == [
        ("2026-10-20", "window_audit"), ("2026-09-01", "station_check"), ("2026-03-10", "station_check")]
    assert profile["latest"]["score"] == 85
    assert [(r["title"], r["overdue"]) for r in profile["rectifications"]] == [
        ("公示栏未更新", True), ("值班表未公开", False), ("走流程：导办指引不清", False)]
    assert [log["log_date"] for log in profile["logs"]] == ["2026-11-19", "2026-11-18"]
    inspector = q.get_station_profile(session, scope=scope_of(world, "city"), role=Role.inspector,
                                      station_id=world["a_station"].id, today=TODAY)
    covert = [c for c in inspector["checks"] if c["inspected_on"] == "2026-10-15"]
    assert covert and covert[0]["published"] is False and covert[0]["mode"] == "covert"
    assert len(inspector["rectifications"]) == 5
    point = q.get_station_profile(session, scope=scope_of(world, "town_a"), role=Role.cadre,
                                  station_id=world["point"].id, today=TODAY)
    assert (point["facts"]["township"], point["facts"]["village"], point["latest"]) == ("望江街道", "柳溪村", None)
    assert profile["facts"]["village"] is None
    with pytest.raises(OutOfScope):
        q.get_station_profile(session, scope=scope_of(world, "town_a"), role=Role.cadre,
                              station_id=world["b_station"].id, today=TODAY)
    with pytest.raises(OutOfScope):
        q.get_station_profile(session, scope=scope_of(world, "city"), role=Role.leader, station_id=99999, today=TODAY)


def test_a_region_outside_the_scope_is_refused(session, world):
    county_b = q.StationFilters(region_code="369902000000", date_to=TODAY)
    for call in (q.station_kpis, q.league_table, q.rate_by_area, q.score_trend):
        with pytest.raises(OutOfScope):
            call(session, scope=scope_of(world, "a"), role=Role.admin, filters=county_b, today=TODAY)
    with pytest.raises(OutOfScope):
        q.map_stations(session, scope=scope_of(world, "a"), role=Role.admin, filters=county_b)
    # a county admin's league has their county's stations only
    assert set(league(session, world, Role.admin, "a")) == {world["a_station"].id, world["a2_station"].id}


def test_map_stations_and_service_points(session, world):
    stations = q.map_stations(session, scope=scope_of(world, "city"), role=Role.cadre, filters=YEAR)
    assert len(stations) == 4 and all(s["lon"] and s["lat"] for s in stations)
    assert {s["id"]: s["grade"] for s in stations}[world["a_station"].id] == "standard"
    points, truncated = q.service_points(session, scope=scope_of(world, "city"), role=Role.leader, filters=YEAR,
                                         bbox=(116.0, 28.5, 116.1, 28.6))
    assert [(p["name"], p["kind"]) for p in points] == [("柳溪村便民服务站", "village_point")] and not truncated
    assert q.service_points(session, scope=scope_of(world, "b"), role=Role.leader, filters=YEAR,
                            bbox=(116.0, 28.5, 116.1, 28.6)) == ([], False)


def test_data_version_moves_when_a_grade_can(session, world):
    before = q.data_version(session)
    assert q.data_version(session) == before
    covert = session.get(Inspection, world["a_covert"].id)
    covert.status, covert.published_at = InspectionStatus.published, datetime(2026, 11, 10, tzinfo=UTC)
    session.commit()
    published = q.data_version(session)
    assert published != before
    add_inspection(session, world["c_station"], on=date(2026, 11, 19), score=88, grade="standard")
    assert q.data_version(session) != published


@pytest.mark.parametrize("data, field", [
    ({"date_from": "2026-13-01"}, "date_from"), ({"region_code": "36990"}, "region_code"),
    ({"kind": "castle"}, "kind"), ({"date_from": "2026-11-01", "date_to": "2026-01-01"}, "date_from"),
])
def test_filters_refuse_bad_values_when_strict(data, field):
    with pytest.raises(ValidationError) as raised:
        q.StationFilters.from_dict(data, strict=True)
    assert raised.value.field == field
    forgiving = q.StationFilters.from_dict(data)
    assert forgiving.kind in q.KINDS


def test_filters_round_trip():
    filters = q.StationFilters(region_code="369901000000", kind="community_point", date_from=date(2026, 1, 1),
                               date_to=TODAY)
    assert q.StationFilters.from_dict(filters.to_dict()) == filters
    assert q.StationFilters.from_dict({k: [v] for k, v in filters.to_query().items()}, strict=True) == filters
    assert q.StationFilters.default(TODAY) == q.StationFilters(date_from=date(2025, 11, 21), date_to=TODAY)
