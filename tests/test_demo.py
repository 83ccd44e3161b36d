"""The demo city: sized like the seeds, tiled boundaries, the seed month of walkthroughs, and
the CLI that fills it; a demo province of several cities (issue 14)."""

from datetime import date

import pytest
import sqlalchemy as sa
from shapely.geometry import shape
from shapely.ops import unary_union
from sqlmodel import Session, func, select

from data import demo
from data import models as m
from data.db import make_engine
from data.imports.regions import code_fits_level
from data.queries.regions import abbreviation
from data.security import UNUSABLE, verify_password
from tests.conftest import TODAY, app_config


@pytest.fixture(scope="module")
def city(demo_engine):
    with Session(demo_engine) as session:
        yield session


def count(session, model, *where):
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_sized_like_the_seeds(city):
    assert count(city, m.Region, m.Region.level == m.RegionLevel.county) == 7
    assert count(city, m.Region, m.Region.level == m.RegionLevel.township) == 199
    assert count(city, m.Station, m.Station.kind == m.StationKind.township_station) == 199
    assert count(city, m.StationStaff) == 561
    assert count(city, m.Secondment) == 163
    assert count(city, m.User, m.User.role == m.Role.cadre) == 163


def test_area_codes_are_valid(city):
    townships = city.exec(select(m.Region.area_code, m.Region.kind)
                          .where(m.Region.level == m.RegionLevel.township)).all()
    for code, kind in townships:
        assert len(code) == 12 and code.startswith("3699") and code.endswith("000")
        block = int(code[6:9])
        expected = "street" if block < 100 else "town" if block < 200 else "township"
        assert kind == expected, code


def test_township_boundaries_tile_each_county(city):
    counties = city.exec(select(m.Region).where(m.Region.level == m.RegionLevel.county)).all()
    for county in counties:
        towns = [shape(r.boundary) for r in city.exec(select(m.Region).where(m.Region.parent_id == county.id,
                                                                             m.Region.level == m.RegionLevel.township))]
        outline = shape(county.boundary)
        union = unary_union(towns)
        assert abs(union.area - outline.area) / outline.area < 0.001
        overlap = sum(a.intersection(b).area for i, a in enumerate(towns) for b in towns[i + 1:])
        assert overlap / outline.area < 1e-6


def test_only_demo_accounts_can_sign_in(city):
    users = city.exec(select(m.User)).all()
    usable = {u.username for u in users if u.password_hash != UNUSABLE}
    assert usable == set(demo.DEMO_ACCOUNTS)
    admin = next(u for u in users if u.username == "admin")
    assert verify_password("hrss-demo", admin.password_hash)


def test_demo_accounts_scopes(city):
    def levels(username):
        return city.exec(select(m.Region.level).join(m.UserRegion, m.UserRegion.region_id == m.Region.id)
                         .join(m.User, m.User.id == m.UserRegion.user_id).where(m.User.username == username)).all()

    assert levels("officer") == [m.RegionLevel.county]
    assert levels("cadre") == [m.RegionLevel.township]
    assert levels("leader") == levels("wall") == [m.RegionLevel.city]


def test_seed_month_of_walkthroughs(city):
    # the last complete month before TODAY (2026-11-20) is October 2026: 16 / 17 / 13, 7 done
    month = sa.and_(m.Walkthrough.walked_on >= date(2026, 10, 1), m.Walkthrough.walked_on <= date(2026, 10, 31))
    rows = city.exec(select(m.WalkthroughFinding.list_kind, m.WalkthroughFinding.status)
                     .join(m.Walkthrough, m.Walkthrough.id == m.WalkthroughFinding.walkthrough_id).where(month)).all()
    by_list = {kind: [status for k, status in rows if k == kind] for kind in m.FindingList}
    assert [len(by_list[k]) for k in (m.FindingList.issue, m.FindingList.need, m.FindingList.fix)] == [16, 17, 13]
    assert by_list[m.FindingList.fix].count(m.FindingStatus.done) == 7


def test_cases_decline_year_on_year_with_a_winter_peak(city):
    def cases(start, end):
        return count(city, m.WageCase, m.WageCase.received_on >= start, m.WageCase.received_on <= end)

    this_year = cases(date(2025, 11, 21), TODAY)
    last_year = cases(date(2024, 11, 21), date(2025, 11, 20))
    assert this_year < last_year
    # January (before Spring Festival) is busier than the summer months
    assert cases(date(2026, 1, 1), date(2026, 1, 31)) > 2 * cases(date(2026, 7, 1), date(2026, 7, 31))


def test_rejected_cases_are_dated_as_the_service_dates_them(city):
    rejected = city.exec(select(m.WageCase.decided_on, func.min(m.CaseEvent.on_date))
                         .join(m.CaseEvent, sa.and_(m.CaseEvent.case_id == m.WageCase.id,
                                                    m.CaseEvent.kind == "rejected"))
                         .where(m.WageCase.status == m.CaseStatus.rejected).group_by(m.WageCase.id)).all()
    assert rejected and all(str(decided) == str(on) for decided, on in rejected)  # min() is text on SQLite


def test_refusals_for_the_limitation_are_borne_out_by_the_dates(city):
    """A case refused as past the two years was owed for more than two years before it came in, and
    no other refusal is (data.rules.limitation on the case's own dates)."""
    from data.rules.limitation import limitation
    rows = city.exec(select(m.WageCase.owed_from, m.WageCase.owed_to, m.WageCase.received_on, m.CaseEvent.reason)
                     .join(m.CaseEvent, sa.and_(m.CaseEvent.case_id == m.WageCase.id,
                                                m.CaseEvent.kind == "rejected"))).all()
    stale = [limitation(owed_from=f, owed_to=t, received_on=r).expired for f, t, r, reason in rows
             if reason == demo.STALE_REASON]
    others = [limitation(owed_from=f, owed_to=t, received_on=r).expired for f, t, r, reason in rows
              if reason != demo.STALE_REASON]
    assert stale and all(stale) and not any(others)


def test_service_ratings_with_every_bad_one_followed_up(city):
    total = count(city, m.ServiceRating)
    bad = count(city, m.ServiceRating, m.ServiceRating.negative.is_(True))
    assert total > 20_000 and 0.95 < 1 - bad / total < 0.995  # satisfaction as the provincial systems report it
    assert count(city, m.ServiceRating, m.ServiceRating.negative.is_(True),
                 m.ServiceRating.rectification_id.is_(None)) == 0
    assert count(city, m.Rectification, m.Rectification.source == m.RectificationSource.rating) == bad
    assert count(city, m.ServiceRating, m.ServiceRating.rated_on > TODAY) == 0


def test_supervision_ends_and_some_cases_are_reopened_after_review(city):
    """Supervised cases are decided under supervision within months (the wall said "超期 919 天" of
    cases left open for years); a few closed cases are reopened at their 复查, on a new clock from
    that day, as data.services.cases.reopen_case does."""
    from data.queries.leadership import supervised_cases
    from data.scope import Scope
    whole = city.exec(select(m.Region).where(m.Region.level == m.RegionLevel.city)).one()
    rows = supervised_cases(city, scope=Scope((whole.path,)), today=TODAY)
    late = [-r["days_left"] for r in rows if r["days_left"] is not None and r["days_left"] < 0]
    assert late and max(late) <= 200, late
    from data.rules.workflow import OPEN_STATES
    open_states = [s.value for s in OPEN_STATES]
    assert count(city, m.WageCase, m.WageCase.status.in_(open_states), m.WageCase.received_on < date(2025, 6, 1)) == 0
    reopened = city.exec(select(m.WageCase).join(m.CaseEvent, sa.and_(m.CaseEvent.case_id == m.WageCase.id,
                                                                       m.CaseEvent.kind == "reopened"))).all()
    assert len(reopened) >= 5
    for case in reopened:
        assert case.re_reviewed_on is not None
        assert case.closed_on is None or case.closed_on > case.re_reviewed_on
        assert case.investigate_due > case.re_reviewed_on


def test_refuses_a_database_that_is_not_empty(demo_engine):
    with pytest.raises(demo.DatabaseNotEmpty):
        demo.generate(demo_engine, demo.DemoConfig(today=TODAY))


def test_cli_demo_refuses_then_resets(app):
    runner = app.test_cli_runner()
    small = ["--station-scale", "0.1", "--case-scale", "0.02", "--inspection-scale", "0.05"]
    result = runner.invoke(args=["demo", *small])
    assert result.exit_code == 0, result.output
    assert "demo city generated in" in result.output
    again = runner.invoke(args=["demo", *small])
    assert again.exit_code != 0 and "not empty" in again.output
    reset = runner.invoke(args=["demo", "--reset", *small])
    assert reset.exit_code == 0, reset.output
    with Session(app.extensions["engine"]) as session:
        assert count(session, m.Region, m.Region.level == m.RegionLevel.city) == 1


# --- a province (issue 14): `demo --cities N` ---------------------------------------------------

PROVINCE_SCALES = ["--station-scale", "0.05", "--case-scale", "0.05", "--inspection-scale", "0.05"]


@pytest.fixture(scope="module")
def province_app(databases):
    """A small province of three cities, made once for the module through the CLI; the CLI's
    output is kept on the app for the progress test."""
    from app import create_app

    app = create_app(app_config(databases.fresh_url("province")))
    result = app.test_cli_runner().invoke(args=["demo", "--cities", "3", *PROVINCE_SCALES])
    assert result.exit_code == 0, result.output
    app.config["DEMO_OUTPUT"] = result.output
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture(scope="module")
def province(province_app):
    with Session(province_app.extensions["engine"]) as session:
        yield session


def regions(session, level):
    return session.exec(select(m.Region).where(m.Region.level == level).order_by(m.Region.id)).all()


def test_province_over_three_cities(province):
    [top] = regions(province, m.RegionLevel.province)
    assert (top.area_code, top.name, top.path, top.parent_id) == ("360000000000", "示范省", "360000000000/", None)
    cities = regions(province, m.RegionLevel.city)
    assert len(cities) == 3
    assert (cities[0].area_code, cities[0].name) == (demo.CITY_CODE, demo.CITY_NAME)
    assert len({c.area_code for c in cities}) == len({c.name for c in cities}) == 3
    for c in cities:
        assert c.parent_id == top.id and code_fits_level(c.area_code, m.RegionLevel.city)
        assert c.area_code[:2] == "36" and c.name.endswith("市") and c.name_en
    # far enough apart that their shapes never meet, and the province's outline holds them all
    shapes = [shape(c.boundary) for c in cities]
    assert all(not a.intersects(b) for i, a in enumerate(shapes) for b in shapes[i + 1:])
    assert shape(top.boundary).buffer(1e-4).contains(unary_union(shapes))
    assert top.population == sum(c.population for c in cities)


def test_the_demo_provinces_cities_read_apart_in_their_numbers():
    """Every city `flask demo --cities N` can make has an abbreviation of its own: their case and
    document numbers never share a series (示人社监…, 东人社监…)."""
    marks = [abbreviation(spec) for spec in demo.CITIES]
    assert len(set(marks)) == len(marks) and all(marks)


def test_province_regions_nest_within_their_own_city(province):
    """Every region hangs from a parent of its own city (its code shares the parent's digits) and
    its path is the parent's path and its own code."""
    from data.imports.regions import SHARED

    by_id = {r.id: r for r in province.exec(select(m.Region)).all()}
    assert len(by_id) > 100
    for r in by_id.values():
        assert r.path.startswith("360000000000/") and r.path.endswith(f"{r.area_code}/")
        if r.level == m.RegionLevel.province:
            continue
        parent = by_id[r.parent_id]
        assert r.path == f"{parent.path}{r.area_code}/", r.area_code
        assert r.area_code[:SHARED[m.RegionLevel(r.level)]] == parent.area_code[:SHARED[m.RegionLevel(r.level)]]
    counties = regions(province, m.RegionLevel.county)
    assert {by_id[c.parent_id].level for c in counties} == {m.RegionLevel.city}
    assert len({c.parent_id for c in counties}) == 3


def test_province_rows_lie_in_the_province_and_cases_in_one_city(province):
    from sqlmodel import SQLModel

    with_path = [t for t in SQLModel.metadata.sorted_tables if "path" in t.c and t.name != "case_month"]
    filled = 0
    for table in with_path:
        rows = province.exec(select(func.count()).select_from(table)).one()
        outside = province.exec(select(func.count()).select_from(table)
                                .where(sa.not_(table.c.path.startswith("360000000000/")))).one()
        assert outside == 0, table.name
        filled += rows > 0
    assert filled >= 10
    cities = {c.area_code: c for c in regions(province, m.RegionLevel.city)}
    cases = province.exec(select(m.WageCase.case_no, m.WageCase.path, m.WageCase.office_path,
                                 m.WageCase.incoming_path)).all()
    seen = set()
    for case_no, path, office, incoming in cases:
        city = path.split("/")[1]
        seen.add(city)
        # held and routed within the city where it happened, numbered with that city's mark
        assert office.split("/")[1] == city and (incoming is None or incoming.split("/")[1] == city)
        assert case_no.startswith(f"{abbreviation(cities[city])}人社监〔")
    assert seen == set(cities)
    # the employer, the grid cell and both ends of every transfer in the case's city as well
    sender, receiver = sa.orm.aliased(m.Region), sa.orm.aliased(m.Region)
    paths = province.exec(
        select(m.WageCase.path, m.Employer.path, m.GridCell.path, sender.path, receiver.path)
        .join(m.Employer, m.Employer.id == m.WageCase.employer_id)
        .join(m.GridCell, m.GridCell.id == m.WageCase.grid_cell_id)
        .outerjoin(m.CaseTransfer, m.CaseTransfer.case_id == m.WageCase.id)
        .outerjoin(sender, sender.id == m.CaseTransfer.from_region_id)
        .outerjoin(receiver, receiver.id == m.CaseTransfer.to_region_id)).all()
    assert len(paths) >= len(cases) and any(row[3] for row in paths)
    for case_path, *others in paths:
        city = case_path.split("/")[1]
        assert all(other is None or other.split("/")[1] == city for other in others), (case_path, others)


def test_province_accounts_and_configuration_exist_once(province):
    from data import checklists

    users = province.exec(select(m.User)).all()
    assert {u.username for u in users if u.password_hash != UNUSABLE} == set(demo.DEMO_ACCOUNTS)
    # each city has its own leaders, inspectors, officers and cadres
    cities = regions(province, m.RegionLevel.city)
    for c in cities:
        staff = province.exec(select(m.User.role).join(m.UserRegion, m.UserRegion.user_id == m.User.id)
                              .join(m.Region, m.Region.id == m.UserRegion.region_id)
                              .where(m.Region.path.startswith(c.path))).all()
        assert {m.Role.leader, m.Role.inspector, m.Role.case_officer, m.Role.cadre} <= set(staff), c.name
    assert count(province, m.ChecklistTemplate) == len(checklists.TEMPLATES)
    assert count(province, m.ServiceItem) == len(checklists.SERVICE_ITEMS)
    assert count(province, m.Setting) == 8
    assert count(province, m.AuditEvent, m.AuditEvent.action == "demo.generate") == 1


def test_province_scopes(province):
    """The leader (and admin, inspector, wall) see the whole province; the officer one county and
    the cadre one township, both in the first city."""
    from data.queries.users import get_user_scope

    def scope_of(username):
        user = province.exec(select(m.User).where(m.User.username == username)).one()
        return get_user_scope(province, user_id=user.id)

    cities = regions(province, m.RegionLevel.city)
    all_cases = count(province, m.WageCase)
    for username in ("leader", "admin", "inspector", "wall"):
        scope = scope_of(username)
        assert scope.paths == ("360000000000/",), username
        assert all(scope.covers(c.path) for c in cities)
    leader = scope_of("leader")
    assert count(province, m.WageCase, leader.cases_clause(m.WageCase)) == all_cases
    officer = scope_of("officer")
    [county] = officer.paths
    assert county.count("/") == 3 and county.startswith(cities[0].path)
    assert not any(officer.covers(c.path) for c in cities)
    seen = count(province, m.WageCase, officer.cases_clause(m.WageCase))
    in_city = count(province, m.WageCase, m.WageCase.path.startswith(cities[0].path))
    assert 0 < seen < in_city
    [township] = scope_of("cadre").paths
    assert township.count("/") == 4 and township.startswith(cities[0].path)


def test_province_rollup_agrees_for_every_city(province, province_app):
    from data import rollup

    result = province_app.test_cli_runner().invoke(args=["rollups", "check"])
    assert result.exit_code == 0 and "agree with" in result.output, result.output
    assert rollup.differences(province.connection()) == 0
    for c in regions(province, m.RegionLevel.city):
        summed = province.exec(select(func.sum(m.CaseMonth.cases)).where(
            m.CaseMonth.grain == rollup.AREA, m.CaseMonth.path.startswith(c.path))).one()
        assert summed == count(province, m.WageCase, m.WageCase.path.startswith(c.path)) > 0, c.name


def test_province_progress_names_each_city(province_app):
    output = province_app.config["DEMO_OUTPUT"]
    assert "城市 1/3 示范市: geography" in output and "城市 3/3" in output
    assert "demo province of 3 cities generated in" in output


def test_the_first_city_of_a_province_is_the_city_alone(province, databases):
    """cities=1 makes no province (the city is the top); the province's first city is that city,
    from the same seed, under the province's path."""
    engine = make_engine(databases.fresh_url("city"))
    demo.generate(engine, demo.DemoConfig(today=TODAY, station_scale=0.05, case_scale=0.05, inspection_scale=0.05))
    with Session(engine) as alone:
        assert count(alone, m.Region, m.Region.level == m.RegionLevel.province) == 0
        [city] = regions(alone, m.RegionLevel.city)
        assert (city.parent_id, city.path) == (None, f"{demo.CITY_CODE}/")

        def townships(session, under):
            return session.exec(select(m.Region.area_code, m.Region.name).where(
                m.Region.level == m.RegionLevel.township, m.Region.path.startswith(under))
                .order_by(m.Region.area_code)).all()

        def case_numbers(session, under):
            return set(session.exec(select(m.WageCase.case_no).where(m.WageCase.path.startswith(under))).all())

        first = regions(province, m.RegionLevel.city)[0]
        assert townships(alone, city.path) == townships(province, first.path)
        assert case_numbers(alone, city.path) == case_numbers(province, first.path)
    engine.dispose()


@pytest.mark.parametrize("cities", [0, len(demo.CITIES) + 1])
def test_demo_refuses_a_number_of_cities_out_of_range(app, engine, cities):
    result = app.test_cli_runner().invoke(args=["demo", "--cities", str(cities)])
    assert result.exit_code != 0 and "--cities" in result.output and f"1 to {len(demo.CITIES)}" in result.output
    with pytest.raises(ValueError, match="cities"):
        demo.generate(engine, demo.DemoConfig(today=TODAY, cities=cities))
