"""From a number to its rows in one click: the overview's and /cases' tiles of today's open,
overdue and supervised cases link to /cases filtered to exactly those cases — the table the link
opens has as many rows as the tile says — and /stations' rectification tiles to /rectifications."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from flask_login import login_user
from sqlmodel import Session, select

from data.models import User
from data.queries.cases import list_cases
from data.queries.overview import overview_figures
from data.queries.users import get_user_scope
from tests.conftest import TODAY
from web.auth import _load_user


def walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from walk(child)


def by_id(tree, element_id: str):
    return next(c for c in walk(tree) if getattr(c, "id", None) == element_id)


def links(tree) -> dict[str, str]:
    """The tiles' links by their title or note."""
    out = {}
    for c in walk(tree):
        if getattr(c, "href", None) and "/cases?" in c.href:
            out[getattr(c, "title", None) or str(c.children)] = c.href
    return out


@pytest.fixture(scope="module")
def leader(demo_app, demo_engine):
    with Session(demo_engine) as session:
        user = session.exec(select(User).where(User.username == "leader")).one()
        return user.id, get_user_scope(session, user_id=user.id)


def filters_opened_by(demo_app, href: str):
    """The filters /cases starts with when opened at `href` (its filter bar's initial values)."""
    from pages import cases as page
    query = dict(parse_qsl(urlsplit(href).query))
    with demo_app.test_request_context(href):
        bar = page._filter_bar(query)
        picker = by_id(bar, page.PERIOD)
        values = {"date_from": picker.start_date, "date_to": picker.end_date,
                  "region_code": query.get("township") or query.get("county"),
                  "statuses": by_id(bar, page.STATUS).value or [],
                  "overdue_only": by_id(bar, page.OVERDUE).value, "supervised_only": by_id(bar, page.SUPERVISED).value}
    return page.q.CaseFilters.from_dict(values)


def test_the_overviews_case_tiles_open_exactly_their_cases(demo_app, demo_engine, leader):
    from pages import overview
    user_id, scope = leader
    with Session(demo_engine) as session:
        figures = overview_figures(session, scope=scope, today=TODAY)
        with demo_app.test_request_context("/"):
            user = session.get(User, user_id)
            login_user(_load_user(f"{user.id}:{user.session_version}"))
            tree = overview.kpi_tiles(figures, TODAY)
        hrefs = links(tree)
        expected = {"在办欠薪案件": figures.open_cases, f"超期 {figures.overdue_cases} 件": figures.overdue_cases,
                    "督办案件": figures.supervised_cases, f"{TODAY.year}年受理案件": figures.cases_ytd}
        for label, number in expected.items():
            href = next(h for key, h in hrefs.items() if key == label)
            _rows, total = list_cases(session, scope=scope, filters=filters_opened_by(demo_app, href), today=TODAY,
                                      sort=[], offset=0, limit=1)
            assert total == number, (label, href, total, number)


def test_a_county_chosen_on_the_overview_carries_into_the_link(demo_app, demo_engine, leader):
    from pages import overview
    user_id, scope = leader
    with Session(demo_engine) as session:
        county = "369902000000"
        figures = overview_figures(session, scope=scope.narrow("369900000000/369902000000/"), today=TODAY)
        with demo_app.test_request_context("/"):
            user = session.get(User, user_id)
            login_user(_load_user(f"{user.id}:{user.session_version}"))
            href = links(overview.kpi_tiles(figures, TODAY, county))["在办欠薪案件"]
        assert f"county={county}" in href
        _rows, total = list_cases(session, scope=scope, filters=filters_opened_by(demo_app, href), today=TODAY,
                                  sort=[], offset=0, limit=1)
        assert total == figures.open_cases


def test_the_stations_tiles_open_the_rectifications():
    from components.cards import kpi_card
    from data.queries.stations import StationKpis
    from pages import stations
    tiles = stations._kpi_row(StationKpis(10, 9, 8, 2, 5, 1), {"ratings": 0, "negative": 0, "ratings_last_year": 0,
                                                                  "negative_last_year": 0})
    hrefs = {c.href for c in walk(tiles) if getattr(c, "href", None)}
    assert {"/rectifications?status=active", "/rectifications?status=overdue"} <= hrefs
    assert kpi_card(title="x", value="1").className == "kpi-card h-100 shadow-sm"  # no link, no hover


@pytest.mark.parametrize("county", [None, "369902000000"])
def test_the_walls_desktop_twin_opens_exactly_the_cases_of_its_tiles(demo_app, demo_engine, leader, county):
    """On a leader's own screen the wall's tiles are links (the script adds the county shown, as
    here): each opens /cases filtered to as many cases as the tile says. The wall display's own
    account gets no links."""
    from data.queries.leadership import figures
    from web import wall
    user_id, scope = leader
    with Session(demo_engine) as session:
        shown = scope.narrow(f"369900000000/{county}/") if county else scope
        wall_figures = figures(session, scope=shown, today=TODAY)
        with demo_app.test_request_context("/wall"):
            login_user(_load_user(f"{user_id}:{session.get(User, user_id).session_version}"))
            hrefs = wall._links(TODAY)
            display = session.exec(select(User).where(User.username == "wall")).one()
            login_user(_load_user(f"{display.id}:{display.session_version}"))
            assert wall._links(TODAY) == {}
        expected = {"cases": wall_figures.cases, "overdue": wall_figures.overdue_cases,
                    "supervised": wall_figures.supervised_cases, "campaign": wall_figures.open_cases}
        for tile, number in expected.items():
            href = hrefs[tile] + (f"&county={county}" if county else "")
            _rows, total = list_cases(session, scope=scope, filters=filters_opened_by(demo_app, href), today=TODAY,
                                      sort=[], offset=0, limit=1)
            assert total == number, (tile, href, total, number)
