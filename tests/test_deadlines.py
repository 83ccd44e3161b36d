"""Stored deadlines follow their rules: loading a year's official calendar or changing the service
levels counts the open cases' deadlines again (and drops the provisional mark), closed cases keep
theirs, and the act is audited with its counts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from data.errors import ValidationError
from data.models import AuditEvent, CaseSource, CaseStatus, Role, Setting, WageCase
from data.rules.calendar import add_working_days
from data.services.settings import load_official_calendar, set_service_levels
from tests.factories import make_case, make_city, make_user

# 2027 as an admin would load it (a sample: New Year, and the Spring Festival week with its 调休 Saturday)
HOLIDAYS_2027 = [date(2027, 1, 1), *[date(2027, 2, d) for d in range(8, 13)]]
WORKDAYS_2027 = [date(2027, 2, 6)]


@pytest.fixture
def world(session):
    city = make_city(session)
    admin = make_user(session, username="admin", role=Role.admin, regions=[city["city"]])
    where = {"township": city["town_a"], "county": city["a"]}
    # received 28 December 2026 by walk-in (5 working days: 29, 30, 31 Dec, then 1 and 4 Jan 2027
    # counted as weekdays while 2027 is unknown)
    received = make_case(session, **where, status=CaseStatus.received, source=CaseSource.walk_in,
                         received_on=date(2026, 12, 28), accepted_on=None, investigate_due=None,
                         accept_due=date(2027, 1, 4), deadline_provisional=True)
    # accepted 20 November 2026: 60 working days run into February 2027
    investigating = make_case(session, **where, status=CaseStatus.investigating, source=CaseSource.walk_in,
                              received_on=date(2026, 11, 19), accepted_on=date(2026, 11, 20),
                              investigate_due=add_working_days(date(2026, 11, 20), 60).due,
                              deadline_provisional=True)
    closed = make_case(session, **where, status=CaseStatus.closed, received_on=date(2026, 11, 19),
                       accepted_on=date(2026, 11, 20), investigate_due=date(2027, 2, 15), deadline_provisional=True,
                       closed_on=date(2026, 11, 30))
    return {"admin": admin, "received": received.id, "investigating": investigating.id, "closed": closed.id}


def reload(session, case_id) -> WageCase:
    session.expire_all()
    return session.get(WageCase, case_id)


def test_a_calendar_load_moves_open_deadlines_to_the_official_dates(session, world):
    before = reload(session, world["investigating"]).investigate_due
    counts = load_official_calendar(session, actor=world["admin"], year=2027, holidays=HOLIDAYS_2027,
                                    workdays=WORKDAYS_2027)
    assert counts == {"days": 7, "open": 2, "changed": 2, "settled": 2}
    received = reload(session, world["received"])
    # New Year's Day is off: the fifth working day is Tuesday 5 January, and it is settled
    assert (received.accept_due, received.deadline_provisional) == (date(2027, 1, 5), False)
    investigating = reload(session, world["investigating"])
    assert investigating.investigate_due > before and not investigating.deadline_provisional
    closed = reload(session, world["closed"])
    assert (closed.investigate_due, closed.deadline_provisional) == (date(2027, 2, 15), True)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.deadlines_recomputed")).one()
    assert event.details == {"reason": "calendar 2027", "open": 2, "changed": 2, "settled": 2}
    assert event.actor_name == "admin"


def test_loading_the_same_year_again_changes_nothing(session, world):
    load_official_calendar(session, actor=world["admin"], year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
    again = load_official_calendar(session, actor=world["admin"], year=2027, holidays=HOLIDAYS_2027,
                                   workdays=WORKDAYS_2027)
    assert (again["changed"], again["settled"]) == (0, 0)


def test_a_service_level_change_recomputes_open_cases_only(session, world):
    counts = set_service_levels(session, actor=world["admin"], levels={"walk_in": {"contact": 1, "close": 30}})
    assert counts["open"] == 2 and counts["changed"] == 2
    received = reload(session, world["received"])
    assert received.accept_due == date(2026, 12, 29)  # one working day after the 28th
    investigating = reload(session, world["investigating"])
    # 30 working days from receipt on 19 November come before the statutory 60 from acceptance
    assert investigating.investigate_due == add_working_days(date(2026, 11, 19), 30).due
    assert reload(session, world["closed"]).investigate_due == date(2027, 2, 15)
    setting = session.get(Setting, "sla.channels")
    assert setting.value == {"walk_in": {"contact": 1, "close": 30}}
    update = session.exec(select(AuditEvent).where(AuditEvent.action == "settings.update")).one()
    assert update.details["after"] == {"walk_in": {"contact": 1, "close": 30}}


@pytest.mark.parametrize("levels, field", [
    ({"fax": {"contact": 1}}, "fax"),
    ({"walk_in": {"contact": 0}}, "walk_in"),
    ({"walk_in": {"contact": 5, "close": 3}}, "walk_in"),
    ({"walk_in": {"contact": "2"}}, "walk_in"),
    ({"walk_in": {"answer": 2}}, "walk_in"),
])
def test_bad_service_levels_are_refused_and_change_nothing(session, world, levels, field):
    before = reload(session, world["received"]).accept_due
    with pytest.raises(ValidationError) as refused:
        set_service_levels(session, actor=world["admin"], levels=levels)
    assert refused.value.field == field
    session.rollback()
    assert reload(session, world["received"]).accept_due == before
    assert session.get(Setting, "sla.channels") is None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "case.deadlines_recomputed")).first() is None
