"""The demo city: sized like the seeds, tiled boundaries, the seed month of walkthroughs, and
the CLI that fills it."""

from datetime import date

import pytest
import sqlalchemy as sa
from shapely.geometry import shape
from shapely.ops import unary_union
from sqlmodel import Session, func, select

from data import demo
from data import models as m
from data.security import UNUSABLE, verify_password
from tests.conftest import TODAY


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
