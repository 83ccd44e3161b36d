"""Case services on a real database: the workflow end to end, transfers and bounces, scope
and role refusals, personal data, and the audit trail."""

from datetime import date

import pytest
from sqlmodel import func, select

from data.errors import NotAllowed, ValidationError, WorkflowError
from data.models import (
    AuditEvent,
    CaseDecision,
    CaseEvent,
    CaseSource,
    CaseStatus,
    CaseTransfer,
    Role,
    SupervisionLevel,
    TransferStatus,
    WageCase,
)
from data.queries.cases import CaseFilters, case_kpis
from data.queries.users import get_user_scope
from data.services import cases as svc
from data.services.common import Actor
from tests.factories import make_case, make_city, make_users

TODAY = date(2026, 11, 20)


def actor(session, user) -> Actor:
    return Actor(id=user.id, username=user.username, role=Role(user.role),
                 scope=get_user_scope(session, user_id=user.id))


@pytest.fixture
def world(session):
    city = make_city(session)
    users = make_users(session, city, a=(Role.case_officer, "a", "officer.a"),
                       a2=(Role.case_officer, "a", "officer.a2"), b=(Role.case_officer, "b", "officer.b"),
                       leader=(Role.leader, "city"), inspector=(Role.inspector, "city"), wall=(Role.wall, "city"))
    actors = {k: actor(session, u) for k, u in users.items()}
    case = make_case(session, township=city["town_a"], county=city["a"], status=CaseStatus.received,
                     accepted_on=None, investigate_due=None, accept_due=date(2026, 11, 25),
                     complainant_name="张三丰", complainant_id_number="369901199003071234",
                     complainant_phone="13812348000")
    return {"city": city, "actors": actors, "case": case}


def events(session, case) -> list[str]:
    return [e.kind for e in session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                         .order_by(CaseEvent.id))]


def audit_actions(session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_whole_lifecycle_with_events_and_audit(session, world):
    a, case = world["actors"]["a"], world["case"]
    svc.accept_case(session, actor=a, case_id=case.id, today=TODAY)
    assert case.status == CaseStatus.accepted and case.accepted_on == TODAY
    # 60 working days from 20 November 2026 reach into 2027, whose schedule is not published yet
    assert case.investigate_due.year == 2027 and case.deadline_provisional
    svc.start_investigation(session, actor=a, case_id=case.id, today=TODAY)
    svc.decide_case(session, actor=a, case_id=case.id, decision=CaseDecision.paid_in_full,
                    amount_recovered_cents=36_000_000, today=date(2026, 12, 1))
    svc.close_case(session, actor=a, case_id=case.id, today=date(2026, 12, 2))
    svc.re_review_case(session, actor=world["actors"]["leader"], case_id=case.id, today=date(2027, 1, 5))
    assert case.status == CaseStatus.re_reviewed
    assert events(session, case) == ["accepted", "investigation_started", "decided", "closed", "re_reviewed"]
    assert audit_actions(session) == ["case.accepted", "case.investigation_started", "case.decided",
                                      "case.closed", "case.re_reviewed"]


def test_a_rejection_is_dated_and_counts_on_time_by_the_acceptance_deadline(session, world):
    a, case = world["actors"]["a"], world["case"]
    late = make_case(session, township=world["city"]["town_a"], county=world["city"]["a"],
                     status=CaseStatus.received, accepted_on=None, investigate_due=None, accept_due=date(2026, 11, 13))
    for rejected in (case, late):
        svc.reject_case(session, actor=a, case_id=rejected.id, reason="超过两年追诉时效", today=TODAY)
    assert (case.status, case.decided_on) == (CaseStatus.rejected, TODAY)
    assert events(session, case) == ["rejected"] and audit_actions(session) == ["case.rejected"] * 2
    # concluded both; on time only the one answered by its acceptance deadline (25 November, not the 13th)
    kpis = case_kpis(session, scope=a.scope, filters=CaseFilters(), today=TODAY)
    assert (kpis.closed, kpis.closed_on_time) == (2, 1)


def test_illegal_transition_refused_and_nothing_written(session, world):
    with pytest.raises(WorkflowError):
        svc.close_case(session, actor=world["actors"]["a"], case_id=world["case"].id, today=TODAY)
    session.rollback()
    assert events(session, world["case"]) == [] and audit_actions(session) == []


def test_other_county_and_read_only_roles_are_refused(session, world):
    case = world["case"]
    for who in ("b", "inspector", "wall"):
        with pytest.raises(NotAllowed):
            svc.accept_case(session, actor=world["actors"][who], case_id=case.id, today=TODAY)
        session.rollback()
    with pytest.raises(NotAllowed):  # a leader approves, but does not do the office's work
        svc.accept_case(session, actor=world["actors"]["leader"], case_id=case.id, today=TODAY)


def test_transfer_return_bounce_then_accept(session, world):
    a, b, case, city = world["actors"]["a"], world["actors"]["b"], world["case"], world["city"]
    svc.transfer_case(session, actor=a, case_id=case.id, to_region_code=city["b"].area_code,
                      reason="发生地在西山县", today=TODAY)
    # while it waits, nobody works on it, and only the receiving office answers
    with pytest.raises(WorkflowError):
        svc.accept_case(session, actor=a, case_id=case.id, today=TODAY)
    session.rollback()
    with pytest.raises(NotAllowed):
        svc.accept_transfer(session, actor=a, case_id=case.id, today=TODAY)
    session.rollback()
    svc.return_transfer(session, actor=b, case_id=case.id, reason="经核查属东湖区管辖", today=TODAY)
    assert case.bounce_count == 1 and case.office_path == city["a"].path

    svc.transfer_case(session, actor=a, case_id=case.id, to_region_code=city["b"].area_code,
                      reason="补充材料后再次流转", today=TODAY)
    svc.accept_transfer(session, actor=b, case_id=case.id, today=TODAY)
    assert case.office_path == city["b"].path and case.transfer_count == 2 and case.bounce_count == 1
    # the new office works it; the old one may no longer
    svc.accept_case(session, actor=b, case_id=case.id, today=TODAY)
    with pytest.raises(NotAllowed):
        svc.start_investigation(session, actor=a, case_id=case.id, today=TODAY)
    session.rollback()
    returned_by_b = session.exec(select(func.count()).select_from(CaseTransfer).where(
        CaseTransfer.to_region_id == city["b"].id, CaseTransfer.status == TransferStatus.returned)).one()
    assert returned_by_b == 1
    assert events(session, case) == ["transfer_sent", "transfer_returned", "transfer_sent", "transfer_accepted",
                                     "accepted"]


def test_transfer_needs_a_reason_and_a_real_other_office(session, world):
    a, case, city = world["actors"]["a"], world["case"], world["city"]
    with pytest.raises(ValidationError):
        svc.transfer_case(session, actor=a, case_id=case.id, to_region_code=city["b"].area_code, reason=" ",
                          today=TODAY)
    with pytest.raises(ValidationError):
        svc.transfer_case(session, actor=a, case_id=case.id, to_region_code=city["a"].area_code, reason="x",
                          today=TODAY)
    with pytest.raises(ValidationError):
        svc.transfer_case(session, actor=a, case_id=case.id, to_region_code=city["town_b"].area_code,
                          reason="x", today=TODAY)


def test_extension_by_leader_once(session, world):
    a, leader, case = world["actors"]["a"], world["actors"]["leader"], world["case"]
    svc.accept_case(session, actor=a, case_id=case.id, today=date(2025, 9, 30))
    svc.start_investigation(session, actor=a, case_id=case.id, today=date(2025, 10, 9))
    assert case.investigate_due == date(2025, 12, 30)
    with pytest.raises(NotAllowed):
        svc.extend_investigation(session, actor=a, case_id=case.id, reason="案情复杂", today=date(2025, 12, 1))
    session.rollback()
    svc.extend_investigation(session, actor=leader, case_id=case.id, reason="案情复杂", today=date(2025, 12, 1))
    assert case.extended and case.investigate_due == date(2026, 2, 11)
    with pytest.raises(WorkflowError):
        svc.extend_investigation(session, actor=leader, case_id=case.id, reason="再延", today=date(2025, 12, 2))


def test_supervision_order_and_response(session, world):
    a, leader, case = world["actors"]["a"], world["actors"]["leader"], world["case"]
    order = svc.supervise_case(session, actor=leader, case_id=case.id, reason="超期未受理", today=TODAY,
                               reasons=["overdue"])
    assert order.level == SupervisionLevel.city and case.supervised and order.due_on == date(2026, 12, 4)
    with pytest.raises(WorkflowError):
        svc.supervise_case(session, actor=leader, case_id=case.id, reason="再督", today=TODAY)
    session.rollback()
    with pytest.raises(NotAllowed):
        svc.respond_supervision(session, actor=world["actors"]["b"], case_id=case.id, response="x", today=TODAY)
    session.rollback()
    svc.respond_supervision(session, actor=a, case_id=case.id, response="已受理并约谈企业", today=TODAY)
    assert "case.supervision_responded" in audit_actions(session)


def test_reveal_personal_field_is_for_the_handling_officer_and_audited(session, world):
    case = world["case"]
    assert svc.reveal_personal_field(session, actor=world["actors"]["a2"], case_id=case.id,
                                     field="id_number") == "369901199003071234"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.reveal")).one()
    assert event.details["field"] == "id_number" and event.actor_name == "officer.a2"
    for who in ("leader", "b", "wall"):
        with pytest.raises(NotAllowed):
            svc.reveal_personal_field(session, actor=world["actors"][who], case_id=case.id, field="phone")
        session.rollback()


def test_case_numbers_run_past_the_ten_thousandth_of_a_year(session, world):
    """A big city takes in more than 9,999 clues a year: the number after 9999号 is 10000号 and
    then 10001号 (the last is found by length, then by text — 9999 sorts after 10000 as text)."""
    a, city = world["actors"]["a"], world["city"]
    for serial in (9998, 9999, 10000):
        make_case(session, township=city["town_a"], county=city["a"], case_no=f"示人社监〔2026〕{serial:04d}号")
    intake = svc.CaseIntake(source=CaseSource.hotline_12333, summary="餐馆拖欠工资",
                            township_code=city["town_a"].area_code)
    assert svc.receive_case(session, actor=a, today=TODAY, intake=intake).case_no == "示人社监〔2026〕10001号"
    # the series' last serial is kept; a number taken meanwhile (a case imported with its number)
    # sends the series past it
    assert svc.receive_case(session, actor=a, today=TODAY, intake=intake).case_no == "示人社监〔2026〕10002号"
    make_case(session, township=city["town_a"], county=city["a"], case_no="示人社监〔2026〕10003号")
    assert svc.receive_case(session, actor=a, today=TODAY, intake=intake).case_no == "示人社监〔2026〕10004号"


def test_receive_routes_by_location_to_the_county(session, world):
    a, city = world["actors"]["a"], world["city"]
    # a point inside 青石镇 (county B), taken in by county A's office: routed to B
    intake = svc.CaseIntake(source=CaseSource.walk_in, summary="项目部拖欠12人工资", workers=12,
                            amount_claimed_cents=24_000_000, lon=116.25, lat=28.55, complainant_name="李四")
    case = svc.receive_case(session, actor=a, intake=intake, today=TODAY)
    assert case.path == city["town_b"].path and case.office_path == city["b"].path
    assert case.accept_due == date(2026, 11, 27) and case.status == CaseStatus.received
    assert session.exec(select(CaseEvent.details).where(CaseEvent.case_id == case.id)).one()["routed"] is True
    by_code = svc.receive_case(session, actor=a, intake=svc.CaseIntake(
        source=CaseSource.hotline_12333, summary="餐馆拖欠工资", township_code=city["town_a"].area_code),
        today=TODAY)
    assert by_code.office_path == city["a"].path and by_code.case_no != case.case_no
    with pytest.raises(ValidationError):
        svc.receive_case(session, actor=a, intake=svc.CaseIntake(source=CaseSource.walk_in, summary="x",
                                                                 lon=100.0, lat=20.0), today=TODAY)
    with pytest.raises(NotAllowed):
        svc.receive_case(session, actor=world["actors"]["wall"], intake=intake, today=TODAY)


def test_case_outside_scope_looks_like_no_case(session, world):
    with pytest.raises(NotAllowed) as outside:
        svc.accept_case(session, actor=world["actors"]["b"], case_id=world["case"].id, today=TODAY)
    session.rollback()
    with pytest.raises(NotAllowed) as missing:
        svc.accept_case(session, actor=world["actors"]["b"], case_id=999_999, today=TODAY)
    assert outside.value.message == missing.value.message
    assert session.get(WageCase, world["case"].id).status == CaseStatus.received


def test_configured_service_level_and_loaded_calendar_are_used(session, world):
    """An admin's settings change the clocks: a faster channel promise, and a newly
    published holiday that chinesecalendar does not know yet."""
    from data.models import CalendarDay, Setting

    session.add(Setting(key="sla.channels", value={"walk_in": {"contact": 2}}))
    session.commit()
    a = world["actors"]["a"]
    intake = svc.CaseIntake(source=CaseSource.walk_in, summary="x", township_code=world["city"]["town_a"].area_code)
    case = svc.receive_case(session, actor=a, intake=intake, today=date(2025, 9, 26))
    assert case.accept_due == date(2025, 9, 29)  # 2 working days (28 Sept worked), not 5

    late = svc.receive_case(session, actor=a, intake=intake, today=date(2026, 12, 30))
    assert late.accept_due == date(2027, 1, 1) and late.deadline_provisional
    session.add(CalendarDay(day=date(2027, 1, 1), is_working=False, name="元旦"))
    session.commit()
    later = svc.receive_case(session, actor=a, intake=intake, today=date(2026, 12, 30))
    assert later.accept_due == date(2027, 1, 4)


def test_cli_loads_an_official_year(app, session, world):
    from data.queries.settings import work_calendar

    runner = app.test_cli_runner()
    result = runner.invoke(args=["load-calendar", "2027", "--holiday", "2027-01-01", "--workday", "2027-01-02"])
    assert result.exit_code == 0, result.output
    assert "open cases:" in result.output and "no longer provisional:" in result.output
    session.expire_all()
    calendar = work_calendar(session)
    assert calendar.is_known(date(2027, 6, 1))
    assert not calendar.is_working_day(date(2027, 1, 1)) and calendar.is_working_day(date(2027, 1, 2))
    bad = runner.invoke(args=["load-calendar", "2027", "--holiday", "2028-01-01"])
    assert bad.exit_code != 0


def test_an_officer_finds_the_clues_they_registered_wherever_they_went(app, session, world):
    """登记并流转 sends a clue to the county where it happened: the officer who took it in no longer
    sees the case, but their own list says where it went and what became of it (no personal data)."""
    from data.queries.cases import registered_by
    from tests.conftest import login
    from tests.dash_calls import call
    from tests.factories import PASSWORD
    a, city = world["actors"]["a"], world["city"]
    routed = svc.receive_case(session, actor=a, intake=svc.CaseIntake(
        source=CaseSource.walk_in, summary="项目部拖欠工资", township_code=city["town_b"].area_code,
        complainant_name="李四", complainant_phone="13900001111"), today=TODAY)
    svc.accept_case(session, actor=world["actors"]["b"], case_id=routed.id, today=TODAY)
    [row] = registered_by(session, user_id=a.id)
    assert row == {"case_no": routed.case_no, "received_on": TODAY, "township": city["town_b"].name,
                   "office": city["b"].name, "status": "accepted", "closed_on": None}
    assert registered_by(session, user_id=world["actors"]["b"].id) == []

    client = app.test_client()
    login(client, "officer.a", PASSWORD)
    shown = str(call(client, [("cases-mine-modal", "is_open"), ("cases-mine-body", "children")],
                     [("cases-mine-open", "n_clicks", 1)]))
    assert routed.case_no in shown and city["b"].name in shown and "李四" not in shown and "13900001111" not in shown
