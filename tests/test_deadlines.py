"""Stored deadlines follow their rules: loading a year's official calendar or changing the service
levels counts the open cases' deadlines again (and drops the provisional mark), closed cases keep
theirs, and the act is audited with its counts."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from data.errors import ValidationError
from data.models import AuditEvent, CaseSource, CaseStatus, Role, Setting, WageCase
from data.rules.calendar import add_working_days
from data.services.settings import load_official_calendar, set_service_levels
from tests.conftest import csrf_header, login
from tests.factories import PASSWORD, make_case, make_city, make_user

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
    return {"admin": admin, "city": city["city"], "received": received.id, "investigating": investigating.id,
            "closed": closed.id}


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


# --- /admin/calendar -------------------------------------------------------------------------------

def calendar_call(client, *, year=2027, holidays="", workdays=""):
    body = {"output": "..adm-cal-load-msg.children...adm-cal-years.children..",
            "outputs": [{"id": "adm-cal-load-msg", "property": "children"},
                        {"id": "adm-cal-years", "property": "children"}],
            "inputs": [{"id": "adm-cal-load", "property": "n_clicks", "value": 1}],
            "state": [{"id": "adm-cal-year", "property": "value", "value": year},
                      {"id": "adm-cal-holidays", "property": "value", "value": holidays},
                      {"id": "adm-cal-workdays", "property": "value", "value": workdays}],
            "changedPropIds": ["adm-cal-load.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def levels_call(client, levels: dict):
    from data.models import CaseSource

    def group(key):
        return [{"id": {"source": s.value, "type": f"adm-cal-{key}"}, "property": "value",
                 "value": levels.get(s.value, {}).get(key)} for s in CaseSource]
    body = {"output": "adm-cal-levels-msg.children", "outputs": {"id": "adm-cal-levels-msg", "property": "children"},
            "inputs": [{"id": "adm-cal-levels-save", "property": "n_clicks", "value": 1}],
            "state": [group("contact"), group("close")], "changedPropIds": ["adm-cal-levels-save.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def shown(response) -> str:
    assert response.status_code == 200, response.data[:300]
    return json.dumps(response.json["response"], ensure_ascii=False)


def test_the_admin_loads_a_year_on_the_screen_and_reads_the_counts(app, session, world):
    client = app.test_client()
    login(client, "admin", PASSWORD)
    page = client.get("/admin/calendar")
    assert page.status_code == 200
    refused = shown(calendar_call(client, holidays="2027-01-01\n2027-13-40"))
    assert "无法识别的日期：2027-13-40" in refused
    assert reload(session, world["received"]).deadline_provisional  # nothing loaded
    text = shown(calendar_call(client, holidays="2027-01-01, 2027-02-08、2027-02-09", workdays="2027-02-06"))
    assert "已重新计算 2 件在办案件的期限：2 件期限有变化，2 件不再是临时期限" in text
    assert "官方（管理员已导入）" in text
    assert reload(session, world["received"]).accept_due == date(2027, 1, 5)


def test_the_admin_sets_service_levels_on_the_screen(app, session, world):
    client = app.test_client()
    login(client, "admin", PASSWORD)
    client.get("/admin/calendar")
    refused = shown(levels_call(client, {"walk_in": {"contact": 5, "close": 3}}))
    assert "来访：联系时限不能晚于办结时限" in refused
    assert session.get(Setting, "sla.channels") is None
    text = shown(levels_call(client, {"walk_in": {"contact": 1, "close": 30}}))
    assert "2 件期限有变化" in text
    assert reload(session, world["received"]).accept_due == date(2026, 12, 29)


def test_only_the_admin_reaches_the_calendar_screen(app, session, world):
    make_user(session, username="boss", role=Role.leader, regions=[world["city"]])
    client = app.test_client()
    login(client, "boss", PASSWORD)
    assert calendar_call(client, holidays="2027-01-01").status_code == 403
    assert levels_call(client, {"walk_in": {"contact": 1}}).status_code == 403
    assert reload(session, world["received"]).deadline_provisional
