"""The one filter bar (components/filter_bar.py) on every dashboard page: its county → township
cascade through Dash's HTTP endpoint, within the user's own regions, and the bar's layout."""

from __future__ import annotations

import json
from datetime import date

import pytest

from components.filter_bar import dropdown, filter_bar, period, regions
from data.models import RegionLevel, Role
from tests.dash_calls import dash
from tests.factories import PASSWORD, make_city, make_region, make_users

CASCADING = ["cases-", "stations-", "audits-", "walk-"]  # /logs has a county and no township


@pytest.fixture
def world(app, session):
    city = make_city(session)
    city["town_a2"] = make_region(session, code="369901002000", name="东湖街道", level=RegionLevel.township,
                                  parent=city["a"], kind="street")
    make_users(session, city, leader=(Role.leader, "city"), leader_a=(Role.leader, "a"))
    return city


def sign_in(client, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    client.get("/")  # the CSRF cookie


def townships(client, app, prefix, county, township=None) -> tuple[list[str], str | None]:
    answer = dash(client, app, prefix + "township", {prefix + "county.value": county,
                                                     prefix + "township.value": township})[prefix + "township"]
    return [o["value"] for o in answer["options"]], answer["value"]


@pytest.mark.parametrize("prefix", CASCADING)
def test_a_county_lists_its_townships_and_keeps_the_township_only_if_it_is_one(app, client, world, prefix):
    sign_in(client, "leader")
    town_a, town_a2, town_b = (world[k].area_code for k in ("town_a", "town_a2", "town_b"))
    assert townships(client, app, prefix, world["a"].area_code, town_a2) == ([town_a, town_a2], town_a2)
    assert townships(client, app, prefix, world["b"].area_code, town_a2) == ([town_b], None)
    assert townships(client, app, prefix, None, town_b) == ([town_a, town_a2, town_b], town_b)


@pytest.mark.parametrize("prefix", CASCADING)
def test_the_cascade_lists_only_the_users_own_townships(app, client, world, prefix):
    sign_in(client, "leader_a")
    mine = [world["town_a"].area_code, world["town_a2"].area_code]
    assert townships(client, app, prefix, None)[0] == mine
    assert townships(client, app, prefix, world["b"].area_code, world["town_b"].area_code) == ([], None)


def _ids(node) -> list[str]:
    found = json.loads(json.dumps(node.to_plotly_json(), default=lambda c: c.to_plotly_json()))
    out, stack = [], [found]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("props"), dict) and "id" in item["props"]:
                out.append(item["props"]["id"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(out)


def test_the_bar_holds_the_fields_given_and_hides_a_county_list_with_nothing_in_it():
    def options(level, parent):
        return [{"label": "东湖区", "value": "369901000000"}] if level == RegionLevel.county else []

    bar = filter_bar(period(str, "p-period", "期间", start=None, end=None, today=date(2026, 11, 20)),
                     regions(str, "p-county", "p-township", options), dropdown(str, "p-kind", "类型", [], multi=True,
                                                                              xs=6, lg=2))
    assert _ids(bar) == ["p-county", "p-kind", "p-period", "p-period-address", "p-period-preset", "p-township"]
    assert "filter-bar" in bar.className
    county, township = regions(str, "p-county", "p-township", options)
    assert county.className is None and (county.xs, county.lg) == (6, 2)
    assert regions(str, "p-county", None, lambda level, parent: [])[0].className == "d-none"
    assert township.children[1].placeholder == "全部"


def test_the_period_names_its_preset_and_the_address_wins():
    """本月, 本季… name the days they stand for; a link's ?from=…&to= reopens its period (a bookmark,
    the circular's link), a bad one falls back to the page's default."""
    from data.rules.calendar import period_from_query, preset_of, preset_period
    day = date(2026, 12, 3)  # a Thursday
    assert preset_period("week", day) == (date(2026, 11, 30), day)
    assert preset_period("month", day) == (date(2026, 12, 1), day)
    assert preset_period("quarter", day) == (date(2026, 10, 1), day)
    assert preset_period("year", day) == (date(2026, 1, 1), day)
    assert preset_period("12m", day) == (date(2025, 12, 4), day)
    assert preset_of(date(2026, 10, 1), day, day) == "quarter" and preset_of(date(2026, 10, 2), day, day) == "custom"
    default = (date(2026, 1, 1), day)
    assert period_from_query({"from": "2026-07-01", "to": "2026-09-30"}, default) == (date(2026, 7, 1),
                                                                                      date(2026, 9, 30))
    assert period_from_query({"from": "2026-09-30", "to": "2026-07-01"}, default) == (date(2026, 7, 1),
                                                                                      date(2026, 9, 30))
    assert period_from_query({"from": "2026-13-01"}, default) == default
    assert period_from_query({}, default) == default
    col = period(str, "p-period", "期间", start=date(2026, 1, 1), end=day, today=day,
                 query={"from": "2026-10-01", "to": "2026-12-03"})
    assert col[0].children[1].value == "quarter" and col[1].children[1].start_date == date(2026, 10, 1)


def test_a_link_chooses_the_county_and_township():
    """/cases?township=… (the landing's worst townships) opens with that township chosen."""
    def options(level, parent):
        return [{"label": "东湖区", "value": "369901000000"}] if level == RegionLevel.county else []

    county, township = regions(str, "p-county", "p-township", options, township="369901001000")
    assert township.children[1].value == "369901001000" and county.children[1].value is None
