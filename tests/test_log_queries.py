"""Work-log completeness over the official calendar (a holiday week and a make-up working
Saturday), secondment boundaries and scope; the feed with search, photos and comments."""

from __future__ import annotations

from datetime import date

import pytest

from data.models import Role
from data.queries import logs as q
from data.rules.calendar import WorkCalendar
from data.rules.work_logs import DayState, day_state, rate, working_days
from data.scope import OutOfScope, Scope
from tests.conftest import TODAY
from tests.factories import make_city, make_secondment, make_station, make_user, make_work_log
from tests.field_factories import make_comment, make_photo_row

CAL = WorkCalendar()
# National Day 2026: 1–7 October off, Saturday 10 October a make-up working day (调休)
PERIOD = q.LogFilters(date_from=date(2026, 9, 28), date_to=date(2026, 10, 12))
WORKING = [date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9),
           date(2026, 10, 10), date(2026, 10, 12)]

F, M, P, O = DayState.filed, DayState.missing, DayState.pending, DayState.off  # noqa: E741 (square tables)


def test_working_days_skip_the_holiday_and_keep_the_make_up_saturday():
    assert working_days(PERIOD.date_from, PERIOD.date_to, CAL) == WORKING


@pytest.mark.parametrize("day, filed, posted, state", [
    (date(2026, 11, 19), True, True, F),
    (date(2026, 11, 19), False, True, M),
    (date(2026, 11, 20), False, True, P),  # today: not due until the day is over
    (date(2026, 11, 20), True, True, F),
    (date(2026, 11, 23), False, True, P),
    (date(2026, 11, 19), True, False, O),  # outside the secondment, even with a log
    (date(2026, 11, 19), False, False, O),
])
def test_day_state(day, filed, posted, state):
    assert day_state(day, today=TODAY, filed=filed, posted=posted) == state


@pytest.mark.parametrize("states, expected", [
    ([F, F, M, O], (2, 3)), ([P, P], (0, 0)), ([F, P], (1, 1)), ([O, O, M], (0, 1)), ([], (0, 0)),
])
def test_rate_counts_only_days_that_are_due_or_filed(states, expected):
    assert rate(states) == expected


@pytest.fixture
def world(session):
    city = make_city(session)
    a, b = make_station(session, township=city["town_a"]), make_station(session, township=city["town_b"])
    cadre_a = make_user(session, username="cadre_a", role=Role.cadre, regions=[city["town_a"]], display_name="甲")
    cadre_b = make_user(session, username="cadre_b", role=Role.cadre, regions=[city["town_b"]], display_name="乙")
    leader = make_user(session, username="leader", role=Role.leader, regions=[city["city"]])
    # A is posted from Wednesday 30 September; B leaves after Friday 9 October
    make_secondment(session, user=cadre_a, station=a, starts_on=date(2026, 9, 30), ends_on=date(2027, 9, 29))
    make_secondment(session, user=cadre_b, station=b, starts_on=date(2025, 10, 10), ends_on=date(2026, 10, 9))
    logs = {}
    for day in (date(2026, 9, 30), date(2026, 10, 3), date(2026, 10, 8), date(2026, 10, 10)):
        logs[("a", day)] = make_work_log(session, user=cadre_a, station=a, log_date=day,
                                         work_types=["arrears_screening"], done=f"{day:%m-%d} 排查在建项目欠薪隐患")
    for day in WORKING[:5]:
        logs[("b", day)] = make_work_log(session, user=cadre_b, station=b, log_date=day, work_types=["training"],
                                         done="组织协理员业务培训", solved="帮助3名群众办结社保卡申领")
    return {"city": city, "cadres": (cadre_a, cadre_b), "leader": leader, "logs": logs, "stations": (a, b),
            "whole": Scope((city["city"].path,)), "county_a": Scope((city["a"].path,))}


def test_matrix_across_a_holiday_a_make_up_day_and_secondment_boundaries(session, world):
    matrix = q.completeness(session, world["whole"], filters=PERIOD, today=TODAY, calendar=CAL)
    assert matrix["days"] == WORKING and not matrix["clipped"]
    rows = {r["name"]: r for r in matrix["rows"]}
    # A: off before the posting; the holiday Saturday's log is no column; the make-up Saturday is filed
    assert rows["甲"]["states"] == [O, O, F, F, M, F, M]
    assert (rows["甲"]["filed"], rows["甲"]["due"], rows["甲"]["rate"]) == (3, 5, 0.6)
    assert rows["乙"]["states"] == [F, F, F, F, F, O, O] and rows["乙"]["rate"] == 1.0
    assert [r["name"] for r in matrix["rows"]] == ["甲", "乙"]  # the lowest rate first
    assert rows["甲"]["township"] == "望江街道" and rows["甲"]["county"] == "东湖区"
    assert (matrix["filed"], matrix["due"], matrix["cadres"]) == (8, 10, 2)
    assert [(c["name"], c["filed"], c["due"]) for c in matrix["counties"]] == [("东湖区", 3, 5), ("西山县", 5, 5)]


def test_matrix_is_scoped_and_filtered(session, world):
    mine = q.completeness(session, world["county_a"], filters=PERIOD, today=TODAY, calendar=CAL)
    assert [r["name"] for r in mine["rows"]] == ["甲"]
    one = q.LogFilters.from_dict({**PERIOD.to_dict(), "user_id": world["cadres"][1].id})
    assert [r["name"] for r in q.completeness(session, world["whole"], filters=one, today=TODAY,
                                              calendar=CAL)["rows"]] == ["乙"]
    # another region's cadre asked for by id: nothing
    assert q.completeness(session, world["county_a"], filters=one, today=TODAY, calendar=CAL)["rows"] == []
    with pytest.raises(OutOfScope):
        q.completeness(session, world["county_a"], filters=q.LogFilters(region_code=world["city"]["b"].area_code),
                       today=TODAY, calendar=CAL)
    assert q.completeness(session, Scope.nothing(), filters=PERIOD, today=TODAY, calendar=CAL)["rows"] == []


def test_this_month_by_default_with_today_not_yet_due(session, world):
    cadre_a, station_a = world["cadres"][0], world["stations"][0]
    make_work_log(session, user=cadre_a, station=station_a, log_date=date(2026, 11, 19))
    matrix = q.completeness(session, world["whole"], filters=q.LogFilters(), today=TODAY, calendar=CAL)
    assert matrix["days"][0] == date(2026, 11, 2) and matrix["days"][-1] == TODAY and len(matrix["days"]) == 15
    row = matrix["rows"][0]
    assert row["name"] == "甲" and row["states"][-2:] == [F, P] and (row["filed"], row["due"]) == (1, 14)
    assert matrix["missing_today"] == 1  # B's secondment is over


def test_a_long_period_shows_its_last_working_days(session, world):
    year = q.LogFilters(date_from=date(2026, 1, 1), date_to=date(2026, 10, 31))
    matrix = q.completeness(session, world["whole"], filters=year, today=TODAY, calendar=CAL)
    assert matrix["clipped"] and len(matrix["days"]) == q.MATRIX_MAX_DAYS and matrix["days"][-1] == date(2026, 10, 30)


def test_feed_newest_first_with_photos_and_comments(session, world):
    log = world["logs"][("a", date(2026, 10, 10))]
    photo = make_photo_row(session, owner_kind="work_log", owner_uuid=log.uuid, path=log.path)
    make_photo_row(session, owner_kind="inspection", owner_uuid=log.uuid, path=log.path)  # not the log's
    make_comment(session, log=log, author=world["leader"], text="注意台账留痕")
    rows, total = q.list_logs(session, world["whole"], filters=PERIOD, today=TODAY)
    assert total == 9 and rows[0]["id"] == log.id and rows[0]["cadre"] == "甲"
    assert [r["log_date"] for r in rows] == sorted((r["log_date"] for r in rows), reverse=True)
    assert rows[0]["photos"] == [str(photo.uuid)]
    assert [(c["author"], c["text"], c["read_at"]) for c in rows[0]["comments"]] == [("leader", "注意台账留痕", None)]
    page, total = q.list_logs(session, world["whole"], filters=PERIOD, today=TODAY, offset=8, limit=5)
    assert total == 9 and len(page) == 1


@pytest.mark.parametrize("extra, expected", [
    ({"text": "培训"}, 5), ({"text": "社保卡"}, 5), ({"text": "100%_"}, 0), ({"work_type": "arrears_screening"}, 4),
    ({"work_type": "training", "text": "欠薪"}, 0), ({"region_code": "369901000000"}, 4), ({"user_key": "b"}, 5),
])
def test_feed_search_and_filters(session, world, extra, expected):
    if extra.pop("user_key", None):
        extra["user_id"] = world["cadres"][1].id
    filters = q.LogFilters.from_dict({**PERIOD.to_dict(), **extra})
    assert q.list_logs(session, world["whole"], filters=filters, today=TODAY)[1] == expected


def test_feed_is_scoped(session, world):
    rows, total = q.list_logs(session, world["county_a"], filters=PERIOD, today=TODAY)
    assert total == 4 and {r["cadre"] for r in rows} == {"甲"}
    with pytest.raises(OutOfScope):
        q.list_logs(session, world["county_a"], filters=q.LogFilters(region_code="369902100000"), today=TODAY)
    log_b = world["logs"][("b", date(2026, 9, 28))]
    assert q.log_comments(session, world["county_a"], work_log_id=log_b.id) is None
    assert q.log_comments(session, world["whole"], work_log_id=log_b.id) == {"user_id": world["cadres"][1].id,
                                                                             "comments": []}


def test_cadre_options_and_unread_comments(session, world):
    options = q.cadre_options(session, world["whole"])
    assert [o["name"] for o in options] == ["甲", "乙"] and options[0]["township"] == "望江街道"
    assert [o["name"] for o in q.cadre_options(session, world["county_a"])] == ["甲"]
    log = world["logs"][("a", date(2026, 10, 8))]
    first = make_comment(session, log=log, author=world["leader"])
    make_comment(session, log=log, author=world["leader"], read_at=first.created_at)
    assert q.unread_comments(session, user_id=world["cadres"][0].id) == [first.id]
    assert q.unread_comments(session, user_id=world["cadres"][1].id) == []


def test_work_types_come_from_the_setting(session):
    from data.checklists import WORK_TYPES
    from data.models import Setting
    from data.queries.settings import work_types
    assert [t["code"] for t in work_types(session)] == list(WORK_TYPES)  # none configured: the built-in list
    session.add(Setting(key="worklog.work_types",
                        value=[{"code": "training", "name": "培训指导", "name_en": "Training"},
                               {"code": "records", "name": "台账", "retired": True}, {"name": "no code"}, "junk"]))
    session.commit()
    assert work_types(session) == [{"code": "training", "name": "培训指导", "name_en": "Training", "retired": False},
                                   {"code": "records", "name": "台账", "name_en": "", "retired": True}]
    assert [t["code"] for t in work_types(session, offered=True)] == ["training"]
