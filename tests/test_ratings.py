"""好差评: the rating system's export comes in (levels as numbers, names or 好/差; the station by its
code or its township's area code), every new 差评 opens its follow-up in the station's rectification
loop and to-do list, and the satisfaction rate is the same on /stations, the station's profile
and the wall."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from data.filters import StationFilters
from data.imports import import_file
from data.models import Rectification, RectificationSource, Role, ServiceRating
from data.queries import leadership
from data.queries import stations as station_queries
from data.queries.todo import todo_items
from data.queries.users import get_user_scope
from tests.conftest import login
from tests.dash_calls import dash
from tests.factories import PASSWORD, make_city, make_secondment, make_station, make_user

TODAY = date(2026, 11, 20)
HEADER = "评价编号,评价时间,站点编码,区划代码,窗口,事项,评价等级,评价内容,渠道\n"
ROWS = [
    "HCP001,2026-11-02 09:31,WJ-01,,1号窗口,社保卡申领,非常满意,,窗口评价器",
    "HCP002,2026-11-03 10:00,,369901001000,2号窗口,失业保险金申领,2,等了一个多小时,二维码",
    "HCP003,2026-11-04,WJ-01,,1号窗口,就业登记,好,,短信",
    "HCP004,2026/11/05 15:20:00,QS-01,,1号窗口,社保卡挂失补换,差,材料说了三次才说全,窗口评价器",
    "HCP005,2026-11-06 11:00,QS-01,,1号窗口,就业登记,基本满意,,窗口评价器",
]


def csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


@pytest.fixture
def world(session):
    city = make_city(session)
    a = make_station(session, township=city["town_a"], code="WJ-01")
    b = make_station(session, township=city["town_b"], code="QS-01")
    cadre_a = make_user(session, username="cadre.a", role=Role.cadre, regions=[city["town_a"]])
    cadre_b = make_user(session, username="cadre.b", role=Role.cadre, regions=[city["town_b"]])
    make_secondment(session, user=cadre_a, station=a)
    leader = make_user(session, username="leader", role=Role.leader, regions=[city["city"]])
    return {"city": city, "a": a, "b": b, "cadre_a": cadre_a, "cadre_b": cadre_b, "leader": leader}


def test_the_export_comes_in_and_each_bad_rating_is_followed_up(session, world):
    report = import_file(session, actor=None, kind="ratings", data=csv(*ROWS), filename="hcp.csv", today=TODAY)
    assert report.ok and report.written and report.new == 5, [e.text() for e in report.errors]
    rows = {r.rating_no: r for r in session.exec(select(ServiceRating)).all()}
    assert [(n, rows[n].score, rows[n].negative) for n in sorted(rows)] == [
        ("HCP001", 5, False), ("HCP002", 2, True), ("HCP003", None, False), ("HCP004", None, True),
        ("HCP005", 3, False)]
    assert rows["HCP002"].station_id == world["a"].id  # by its township's area code
    assert rows["HCP001"].rated_on == date(2026, 11, 2)
    follow_ups = session.exec(select(Rectification).where(Rectification.source == RectificationSource.rating)).all()
    assert sorted(f.station_id for f in follow_ups) == sorted([world["a"].id, world["b"].id])
    first = next(f for f in follow_ups if f.station_id == world["a"].id)
    # 15 working days from the import: it came in late, the station is not made late by it
    assert first.id == rows["HCP002"].rectification_id and first.due_on == date(2026, 12, 11)
    assert "等了一个多小时" in first.detail and first.responsible_user_id == world["cadre_a"].id
    again = import_file(session, actor=None, kind="ratings", data=csv(*ROWS), filename="hcp.csv", today=TODAY)
    assert (again.new, again.unchanged) == (0, 5)
    assert len(session.exec(select(Rectification)).all()) == 2  # nothing followed up twice


def test_refused_rows_name_their_column_and_nothing_is_written(session, world):
    report = import_file(session, actor=None, kind="ratings", filename="hcp.csv", today=TODAY, data=csv(
        "HCP101,2026-11-02 09:31,NOPE,,1号窗口,就业登记,满意,,",
        "HCP102,2026-11-02 09:31,,,1号窗口,就业登记,满意,,",
        "HCP103,2026-11-02 25:99,WJ-01,,1号窗口,就业登记,满意,,",
        "HCP104,2026-11-02,WJ-01,,1号窗口,就业登记,还行,,",
        "HCP105,2026-11-02,WJ-01,,1号窗口,就业登记,满意,,",
        "HCP105,2026-11-03,WJ-01,,1号窗口,就业登记,满意,,"))
    assert not report.written
    assert {(e.row, e.column) for e in report.errors} == {(2, "站点编码"), (3, None), (4, "评价时间"), (5, "评价等级"),
                                                          (7, "评价编号")}
    assert session.exec(select(ServiceRating)).all() == []


def test_the_follow_up_waits_in_the_stations_to_do_list(session, world):
    import_file(session, actor=None, kind="ratings", data=csv(*ROWS), filename="hcp.csv", today=TODAY)

    def titles(user):
        return [i.record for i in todo_items(session, role=user.role, user_id=user.id,
                                             scope=get_user_scope(session, user_id=user.id), today=TODAY)
                if i.kind.startswith("rectification")]
    assert titles(world["cadre_a"]) == [f"{world['a'].name} · 差评回访：2号窗口 · 失业保险金申领"]
    assert titles(world["cadre_b"]) == [f"{world['b'].name} · 差评回访：1号窗口 · 社保卡挂失补换"]


def test_one_rate_on_stations_the_profile_and_the_wall(session, world):
    import_file(session, actor=None, kind="ratings", data=csv(*ROWS), filename="hcp.csv", today=TODAY)
    scope = get_user_scope(session, user_id=world["leader"].id)
    filters = StationFilters(date_from=date(2026, 1, 1), date_to=TODAY)
    summary = station_queries.satisfaction(session, scope=scope, role=Role.leader, filters=filters, today=TODAY)
    assert (summary["ratings"], summary["negative"], summary["rate"]) == (5, 2, 0.6)
    league = {r["id"]: r for r in station_queries.league_table(session, scope=scope, role=Role.leader,
                                                               filters=filters, today=TODAY)}
    assert (league[world["a"].id]["satisfaction"], league[world["a"].id]["negative"]) == (66.7, 1)
    profile = station_queries.get_station_profile(session, scope=scope, role=Role.leader, station_id=world["b"].id,
                                                  today=TODAY)
    assert (profile["ratings"]["ratings"], profile["ratings"]["negative"]) == (2, 1)
    assert [n["comment"] for n in profile["ratings"]["negatives"]] == ["材料说了三次才说全"]
    figures = leadership.figures(session, scope=scope, today=TODAY)
    assert (figures.ratings, figures.ratings_negative, figures.satisfaction_rate) == (5, 2, 0.6)
    months = station_queries.satisfaction_months(session, scope=scope, role=Role.leader, filters=filters,
                                                 today=TODAY)["months"]
    assert months[-1] == {"year": 2026, "month": 11, "ratings": 5, "negative": 2, "rate": 0.6, "partial": True}


def test_the_stations_page_shows_it(app, session, world):
    import_file(session, actor=None, kind="ratings", data=csv(*ROWS), filename="hcp.csv", today=TODAY)
    client = app.test_client()
    login(client, "leader", PASSWORD)
    client.get("/stations")
    filters = StationFilters(date_from=date(2026, 1, 1), date_to=TODAY).to_dict()
    kpis = dash(client, app, "stations-kpis", {"stations-filters.data": filters})
    assert "好差评满意度" in str(kpis) and "60.0%" in str(kpis)
    shown = dash(client, app, "stations-negatives", {"stations-filters.data": filters})
    assert "材料说了三次才说全" in str(shown) and "等了一个多小时" in str(shown)
