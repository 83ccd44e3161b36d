"""Walkthrough queries: the funnel, the three lists, by service item and channel, time and trips
per service — scoped, filtered, and on the demo city's seed month."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from data.models import FindingList, FindingStatus, Rectification, RectificationSource, RectificationStatus, Role
from data.queries import walkthroughs as q
from data.scope import OutOfScope, Scope
from tests.factories import make_city, make_station, make_user
from tests.field_factories import make_finding, make_photo_row, make_service_item, make_walkthrough, steps

OCTOBER = q.WalkFilters(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))


@pytest.fixture
def world(session):
    city = make_city(session)
    a, b = make_station(session, township=city["town_a"]), make_station(session, township=city["town_b"])
    walker = make_user(session, username="walker", role=Role.leader, regions=[city["city"]])
    make_service_item(session)
    make_service_item(session, code="pension_transfer", name="养老保险关系转移", name_en="Pension transfer",
                      materials=["居民身份证"])
    w1 = make_walkthrough(session, user=walker, station=a, walked_on=date(2026, 10, 12), steps=steps(300, 120, 900),
                          materials_asked=["居民身份证", "户口簿复印件", "单位证明"])
    w2 = make_walkthrough(session, user=walker, station=a, walked_on=date(2026, 10, 20), channel="online",
                          steps=steps(600, 600), trips=3, materials_asked=[])
    w3 = make_walkthrough(session, user=walker, station=b, walked_on=date(2026, 10, 15), steps=steps(1000, 1000),
                          trips=2)
    w4 = make_walkthrough(session, user=walker, station=b, walked_on=date(2026, 10, 28), service="pension_transfer",
                          channel="phone", steps=[], materials_asked=[], materials_published=["居民身份证"])
    w5 = make_walkthrough(session, user=walker, station=a, walked_on=date(2026, 9, 30))
    findings = {
        "w1": [make_finding(session, walk=w1, list_kind="issue"), make_finding(session, walk=w1, list_kind="issue"),
               make_finding(session, walk=w1, list_kind="need"),
               make_finding(session, walk=w1, list_kind="fix", status=FindingStatus.done, done_on=date(2026, 10, 30)),
               make_finding(session, walk=w1, list_kind="fix")],
        "w2": [make_finding(session, walk=w2, list_kind="need"),
               make_finding(session, walk=w2, list_kind="fix", status=FindingStatus.in_progress)],
        "w3": [make_finding(session, walk=w3, list_kind="issue"),
               make_finding(session, walk=w3, list_kind="fix", status=FindingStatus.done)],
        "w4": [make_finding(session, walk=w4, list_kind="need"), make_finding(session, walk=w4, list_kind="need")],
        "w5": [make_finding(session, walk=w5, list_kind="issue") for _ in range(3)],
    }
    return {"city": city, "walks": (w1, w2, w3, w4, w5), "findings": findings, "stations": (a, b),
            "whole": Scope((city["city"].path,)), "county_a": Scope((city["a"].path,)),
            "county_b": Scope((city["b"].path,))}


def test_funnel_counts_the_four_lists_of_the_walks_in_the_period(session, world):
    assert q.funnel(session, world["whole"], filters=OCTOBER) == {"issues": 3, "needs": 4, "fixes": 4, "done": 2}
    assert q.funnel(session, world["county_a"], filters=OCTOBER) == {"issues": 2, "needs": 2, "fixes": 3, "done": 1}
    everything = q.funnel(session, world["whole"], filters=q.WalkFilters())
    assert everything["issues"] == 6  # September's walk too
    assert q.funnel(session, Scope.nothing(), filters=OCTOBER) == {"issues": 0, "needs": 0, "fixes": 0, "done": 0}


@pytest.mark.parametrize("extra, expected", [
    ({"service_item": "pension_transfer"}, {"issues": 0, "needs": 2, "fixes": 0, "done": 0}),
    ({"channel": "window"}, {"issues": 3, "needs": 1, "fixes": 3, "done": 2}),
    ({"region_code": "369902100000"}, {"issues": 1, "needs": 2, "fixes": 1, "done": 1}),
    # list and status pick rows of the lists, not the funnel's four counts
    ({"list_kind": "issue", "status": "done"}, {"issues": 3, "needs": 4, "fixes": 4, "done": 2}),
])
def test_funnel_filters(session, world, extra, expected):
    filters = q.WalkFilters.from_dict({**OCTOBER.to_dict(), **extra})
    assert q.funnel(session, world["whole"], filters=filters) == expected


def test_a_region_outside_the_scope_is_refused(session, world):
    with pytest.raises(OutOfScope):
        q.funnel(session, world["county_b"], filters=q.WalkFilters(region_code=world["city"]["a"].area_code))
    with pytest.raises(OutOfScope):
        q.list_findings(session, world["county_b"], filters=q.WalkFilters(region_code="369901001000"))
    # narrowing to a township inside the scope works
    inside = q.WalkFilters.from_dict({**OCTOBER.to_dict(), "region_code": "369901001000"})
    assert q.funnel(session, world["county_a"], filters=inside)["issues"] == 2


def test_the_lists_newest_walk_first_with_their_rectification(session, world):
    fix_w3 = world["findings"]["w3"][1]
    station = world["stations"][1]
    rect = Rectification(source=RectificationSource.walkthrough, finding_id=fix_w3.id, station_id=station.id,
                         path=station.path, title=fix_w3.text, due_on=date(2026, 12, 1),
                         status=RectificationStatus.open)
    session.add(rect)
    session.commit()
    rows = q.list_findings(session, world["whole"], filters=OCTOBER, list_kind="fix")
    assert [r["walked_on"] for r in rows] == [date(2026, 10, 20), date(2026, 10, 15), date(2026, 10, 12),
                                             date(2026, 10, 12)]
    assert rows[1]["rectification_id"] == rect.id and rows[0]["rectification_id"] is None
    assert rows[0]["service_name"] == "社保卡申领" and rows[0]["channel"] == "online"
    assert rows[1]["region"] == "青石镇" and rows[2]["measure"] == "高峰时段增开弹性窗口"
    assert len(q.list_findings(session, world["whole"], filters=OCTOBER)) == 11
    done = q.WalkFilters.from_dict({**OCTOBER.to_dict(), "status": "done"})
    assert {r["id"] for r in q.list_findings(session, world["whole"], filters=done)} == \
        {world["findings"]["w1"][3].id, fix_w3.id}
    mine = q.list_findings(session, world["county_b"], filters=OCTOBER)
    assert {r["walkthrough_id"] for r in mine} == {world["walks"][2].id, world["walks"][3].id}


def test_walks_and_findings_by_service_item_and_by_channel(session, world):
    by_service = q.breakdown(session, world["whole"], filters=OCTOBER, by="service")
    assert [(r["key"], r["walks"], r["findings"]) for r in by_service] == [("ss_card_apply", 3, 9),
                                                                           ("pension_transfer", 1, 2)]
    assert by_service[1]["name"] == "养老保险关系转移" and by_service[1]["name_en"] == "Pension transfer"
    assert (by_service[0]["issues"], by_service[0]["needs"], by_service[0]["fixes"]) == (3, 2, 4)
    by_channel = {r["key"]: (r["walks"], r["findings"]) for r in q.breakdown(session, world["whole"], filters=OCTOBER,
                                                                             by="channel")}
    assert by_channel == {"window": (2, 7), "online": (1, 2), "phone": (1, 2)}
    done = q.WalkFilters.from_dict({**OCTOBER.to_dict(), "status": "done"})
    assert [(r["key"], r["walks"], r["findings"]) for r in q.breakdown(session, world["whole"], filters=done)] == \
        [("ss_card_apply", 3, 2), ("pension_transfer", 1, 0)]
    with pytest.raises(ValueError):
        q.breakdown(session, world["whole"], filters=OCTOBER, by="employer")


def test_time_trips_and_extra_materials_per_service(session, world):
    rows = {r["code"]: r for r in q.time_per_service(session, world["whole"], filters=OCTOBER)}
    card = rows["ss_card_apply"]
    # walks of 1320, 1200 and 2000 seconds with 1, 3 and 2 trips
    assert (card["walks"], card["median_seconds"], card["median_trips"]) == (3, 1320, 2)
    assert (card["extra_materials"], card["walks_with_extra"]) == (2, 1)
    pension = rows["pension_transfer"]
    assert (pension["walks"], pension["median_seconds"], pension["median_trips"]) == (1, None, 1)
    even = {r["code"]: r for r in q.time_per_service(session, world["county_a"], filters=OCTOBER)}
    assert (even["ss_card_apply"]["median_seconds"], even["ss_card_apply"]["median_trips"]) == (1260, 2)
    assert set(even) == {"ss_card_apply"}


def test_a_finding_in_full_and_only_in_scope(session, world):
    finding = world["findings"]["w1"][0]
    detail = q.get_finding(session, world["county_a"], finding.id)
    assert detail["walk"].id == world["walks"][0].id and detail["walker"] == "walker"
    assert detail["extra_materials"] == ["户口簿复印件", "单位证明"] and detail["region"] == "望江街道"
    assert detail["rectification"] is None and detail["service"].name == "社保卡申领"
    assert detail["photos"] == []
    walk_photo = make_photo_row(session, owner_kind="walkthrough", owner_uuid=world["walks"][0].uuid,
                                path=finding.path)
    own = make_photo_row(session, owner_kind="finding", owner_uuid=finding.uuid, path=finding.path)
    make_photo_row(session, owner_kind="finding", owner_uuid=world["findings"]["w1"][1].uuid, path=finding.path)
    assert q.get_finding(session, world["county_a"], finding.id)["photos"] == [str(own.uuid), str(walk_photo.uuid)]
    assert q.get_finding(session, world["county_b"], finding.id) is None
    assert q.get_finding(session, world["whole"], 999_999) is None


def test_filters_from_a_store_drop_bad_values():
    filters = q.WalkFilters.from_dict({"date_from": "2026-10-01", "date_to": "nonsense", "region_code": "36990'--",
                                       "channel": "pigeon", "list_kind": "fix", "status": "done", "other": 1})
    assert filters == q.WalkFilters(date_from=date(2026, 10, 1), list_kind="fix", status="done")
    assert q.WalkFilters.from_dict(filters.to_dict()) == filters
    assert q.WalkFilters.from_dict(None) == q.WalkFilters()


def test_the_demo_citys_seed_month_reads_16_17_13_7(demo_engine):
    with Session(demo_engine) as session:
        city = Scope(("369900000000/",))
        assert q.funnel(session, city, filters=OCTOBER) == {"issues": 16, "needs": 17, "fixes": 13, "done": 7}
        lists = q.list_findings(session, city, filters=OCTOBER)
        assert sum(1 for r in lists if r["list_kind"] == FindingList.fix and r["status"] == FindingStatus.done) == 7
        walks = sum(r["walks"] for r in q.breakdown(session, city, filters=OCTOBER, by="channel"))
        assert walks == sum(r["walks"] for r in q.time_per_service(session, city, filters=OCTOBER)) == 8
