"""One number per measure: the overview, the measure's own page, the wall and the weekly brief
give the same figure for the same day and scope (issue: open 200 / 11 overdue on the overview
against 191 / 2 on /cases; supervised 18 against 72; filing 74.8% against 92.0%)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from data.filters import CaseFilters, LogFilters
from data.models import Region, RegionLevel
from data.queries import brief, cases, leadership, logs, overview
from data.queries.settings import work_calendar
from data.scope import Scope
from tests.conftest import TODAY

SUNDAY = date(2026, 11, 15)  # a brief's week ends on a Sunday: the same day for every reader


@pytest.fixture(scope="module")
def demo(demo_engine):
    with Session(demo_engine) as session:
        city = session.exec(select(Region).where(Region.level == RegionLevel.city)).one()
        # the first county with an overdue and a supervised case today, so that no figure compared is a bare 0
        counties = session.exec(select(Region).where(Region.level == RegionLevel.county).order_by(Region.area_code))
        county = next(c for c in counties.all() if (lambda f: f.overdue_cases and f.supervised_cases)(
            overview.overview_figures(session, scope=Scope((c.path,)), today=TODAY)))
        yield session, {"city": Scope((city.path,)), "county": Scope((county.path,))}


@pytest.mark.parametrize("area", ["city", "county"])
@pytest.mark.parametrize("day", [TODAY, SUNDAY])
def test_open_overdue_and_supervised_are_one_figure_everywhere(demo, area, day):
    session, scopes = demo
    scope = scopes[area]
    front = overview.overview_figures(session, scope=scope, today=day)
    page = cases.case_kpis(session, scope=scope, filters=CaseFilters(), today=day)  # /cases, default period
    narrow = cases.case_kpis(session, scope=scope, filters=CaseFilters(date_from=date(day.year, 11, 1),
                                                                       date_to=day), today=day)
    wall = leadership.figures(session, scope=scope, today=day)
    assert front.open_cases > 0 and front.overdue_cases > 0 and front.supervised_cases > 0
    assert (page.open, page.overdue, page.supervised) == (front.open_cases, front.overdue_cases,
                                                          front.supervised_cases)
    # the tiles are today's state whatever the received period chosen (the tile says so)
    assert (narrow.open, narrow.overdue, narrow.supervised) == (page.open, page.overdue, page.supervised)
    assert (wall.overdue_cases, wall.supervised_cases) == (front.overdue_cases, front.supervised_cases)
    if day == SUNDAY:
        weekly = brief.weekly_brief(session, scope=scope, monday=date(2026, 11, 9)).figures
        assert (weekly["overdue"], weekly["supervised"]) == (front.overdue_cases, front.supervised_cases)


@pytest.mark.parametrize("area", ["city", "county"])
def test_the_filing_rate_is_one_figure_on_the_overview_and_logs(demo, area):
    """Today's logs are not due until the day is over: the overview counts them as /logs does."""
    session, scopes = demo
    scope, calendar = scopes[area], work_calendar(session)
    front = overview.overview_figures(session, scope=scope, today=TODAY, calendar=calendar)
    matrix = logs.completeness(session, scope, filters=LogFilters(), today=TODAY, calendar=calendar)  # this month
    assert front.logs_expected_this_month == matrix["due"] > 0
    assert front.logs_this_month == matrix["filed"] > 0


@pytest.mark.parametrize("area", ["city", "county"])
def test_the_briefs_filing_is_the_logs_pages_for_its_week(demo, area):
    """The weekly brief's logs (its figures and its table by area) are /logs' for the same seven days."""
    session, scopes = demo
    scope, calendar = scopes[area], work_calendar(session)
    weekly = brief.weekly_brief(session, scope=scope, monday=date(2026, 11, 9), calendar=calendar)
    matrix = logs.completeness(session, scope, filters=LogFilters(date_from=date(2026, 11, 9), date_to=SUNDAY),
                               today=TODAY, calendar=calendar)
    assert (weekly.figures["logs_filed"], weekly.figures["logs_expected"]) == (matrix["filed"], matrix["due"])
    assert matrix["due"] > matrix["filed"] > 0
    assert sum(row["expected"] for row in weekly.tables["logs"]) == matrix["due"]
    # the week under way: its days to come are not due yet
    under_way = brief.weekly_brief(session, scope=scope, monday=date(2026, 11, 16), calendar=calendar, today=TODAY)
    to_date = logs.completeness(session, scope, filters=LogFilters(date_from=date(2026, 11, 16), date_to=TODAY),
                                today=TODAY, calendar=calendar)
    assert under_way.figures["logs_expected"] == to_date["due"] > 0


@pytest.mark.parametrize("area", ["city", "county"])
def test_overdue_rectifications_are_one_figure_on_the_wall_and_the_list(demo, area):
    """Not closed (销号) and past due, a reported fix still waiting for its re-check included; /stations
    counts its stations' (its tile says so), /audits the period's audits'."""
    from data.queries import rectifications
    session, scopes = demo
    listed = rectifications.status_counts(session, scopes[area], today=TODAY)["overdue"]
    wall = leadership.figures(session, scope=scopes[area], today=TODAY)
    assert wall.rectifications_overdue == listed > 0
    rows = rectifications.list_rectifications(session, scopes[area], today=TODAY, status="overdue")
    assert len(rows) == listed and all(r["overdue_days"] > 0 for r in rows)
