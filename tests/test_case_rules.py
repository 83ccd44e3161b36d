"""Wage-case rules as tables: transitions, clocks across holidays, extensions, supervision, risk."""

from datetime import date

import pytest

from data.errors import NotAllowed, WorkflowError
from data.models import CaseSource, CaseStatus, Role
from data.rules.case_clock import (
    ClockStage,
    SupervisionReason,
    accept_deadline,
    case_clock,
    investigate_deadline,
    supervision_reasons,
)
from data.rules.risk import RiskFactor, RiskGrade, RiskInputs, days_to_spring_festival, grade_risk
from data.rules.workflow import CaseAct, CaseFacts, allowed_acts, check

S, A, R = CaseStatus, CaseAct, Role


@pytest.mark.parametrize("act, status, role, after", [
    (A.accept, S.received, R.case_officer, S.accepted),
    (A.reject, S.received, R.case_officer, S.rejected),
    (A.investigate, S.accepted, R.case_officer, S.investigating),
    (A.decide, S.investigating, R.case_officer, S.decided),
    (A.decide, S.accepted, R.case_officer, S.decided),
    (A.close, S.decided, R.case_officer, S.closed),
    (A.re_review, S.closed, R.leader, S.re_reviewed),
    (A.reopen, S.closed, R.case_officer, S.investigating),
    (A.reopen, S.re_reviewed, R.leader, S.investigating),
    (A.extend, S.investigating, R.leader, S.investigating),
    (A.transfer, S.received, R.case_officer, S.received),
    (A.transfer, S.investigating, R.admin, S.investigating),
    (A.refer_out, S.investigating, R.case_officer, S.investigating),
    (A.supervise, S.investigating, R.leader, S.investigating),
])
def test_allowed_transitions(act, status, role, after):
    assert check(act, CaseFacts(status), role, reason="理由") == after


@pytest.mark.parametrize("act, status", [
    (A.accept, S.accepted), (A.accept, S.closed), (A.reject, S.investigating), (A.investigate, S.received),
    (A.decide, S.received), (A.decide, S.closed), (A.close, S.investigating), (A.close, S.received),
    (A.re_review, S.decided), (A.reopen, S.investigating), (A.extend, S.accepted), (A.transfer, S.closed),
    (A.transfer, S.decided), (A.refer_out, S.received), (A.supervise, S.closed),
])
def test_illegal_transitions(act, status):
    role = R.admin
    with pytest.raises(WorkflowError):
        check(act, CaseFacts(status), role, reason="理由")


@pytest.mark.parametrize("act, role", [
    (A.accept, R.leader), (A.accept, R.inspector), (A.accept, R.wall), (A.decide, R.cadre),
    (A.extend, R.case_officer), (A.supervise, R.case_officer), (A.transfer, R.wall), (A.close, R.inspector),
])
def test_roles_refused(act, role):
    starts = {A.accept: S.received, A.decide: S.investigating, A.extend: S.investigating,
              A.supervise: S.investigating, A.transfer: S.investigating, A.close: S.decided}
    with pytest.raises(NotAllowed):
        check(act, CaseFacts(starts[act]), role, reason="理由")


def test_reason_required_where_the_law_asks_why():
    for act, status in [(A.reject, S.received), (A.transfer, S.received), (A.extend, S.investigating)]:
        role = R.leader if act is A.extend else R.case_officer
        with pytest.raises(WorkflowError):
            check(act, CaseFacts(status), role, reason="  ")


def test_extension_only_once():
    with pytest.raises(WorkflowError):
        check(A.extend, CaseFacts(S.investigating, extended=True), R.leader, reason="复杂")


def test_pending_transfer_blocks_everything_but_the_receiver():
    pending = CaseFacts(S.investigating, transfer_pending=True)
    with pytest.raises(WorkflowError):
        check(A.decide, pending, R.case_officer)
    with pytest.raises(NotAllowed):
        check(A.accept_transfer, pending, R.case_officer, receiving_office=False)
    assert check(A.accept_transfer, pending, R.case_officer, receiving_office=True) == S.investigating
    assert check(A.return_transfer, pending, R.case_officer, receiving_office=True, reason="不属本辖区") == \
        S.investigating
    with pytest.raises(WorkflowError):
        check(A.accept_transfer, CaseFacts(S.investigating), R.case_officer, receiving_office=True)


def test_allowed_acts_offered_to_roles():
    assert allowed_acts(CaseFacts(S.received), R.case_officer) == [A.accept, A.reject, A.transfer]
    assert allowed_acts(CaseFacts(S.investigating), R.leader) == [A.extend, A.supervise]
    assert allowed_acts(CaseFacts(S.investigating), R.wall) == []
    assert allowed_acts(CaseFacts(S.investigating, transfer_pending=True), R.case_officer,
                        receiving_office=True) == [A.accept_transfer, A.return_transfer]


@pytest.mark.parametrize("received, source, due", [
    (date(2025, 9, 26), CaseSource.walk_in, date(2025, 10, 10)),  # across National Day and 调休
    (date(2025, 12, 30), CaseSource.walk_in, date(2026, 1, 7)),  # across New Year (4 Jan worked)
    (date(2025, 9, 26), CaseSource.national_platform, date(2025, 9, 30)),  # contact within 3
    (date(2026, 2, 13), CaseSource.hotline_12333, date(2026, 2, 27)),  # Spring Festival 2026
])
def test_accept_deadline(received, source, due):
    assert accept_deadline(received, source).due == due


@pytest.mark.parametrize("received, accepted, source, extended, due", [
    # day 1 is 9 October (1–8 off), Saturday 11 October is worked: day 60 is 30 December
    (date(2025, 9, 26), date(2025, 9, 30), CaseSource.walk_in, False, date(2025, 12, 30)),
    # +30 crosses New Year (Sunday 4 January worked) and stops before Spring Festival (15–23 Feb off)
    (date(2025, 9, 26), date(2025, 9, 30), CaseSource.walk_in, True, date(2026, 2, 11)),
    (date(2025, 12, 30), date(2025, 12, 31), CaseSource.walk_in, False, date(2026, 4, 1)),
    # the national platform promises closing within 15 working days of receipt
    (date(2025, 9, 26), date(2025, 9, 29), CaseSource.national_platform, False, date(2025, 10, 23)),
])
def test_investigate_deadline(received, accepted, source, extended, due):
    assert investigate_deadline(received, accepted, source, extended=extended).due == due


def test_deadline_into_unpublished_year_is_provisional_not_an_error():
    result = investigate_deadline(date(2026, 11, 2), date(2026, 11, 3), CaseSource.walk_in)
    assert result.provisional and result.due.year == 2027


@pytest.mark.parametrize("status, today, stage, days_left, overdue", [
    (S.received, date(2025, 10, 9), ClockStage.accept, 1, False),
    (S.received, date(2025, 10, 13), ClockStage.accept, -2, True),  # Saturday 11 October was worked
    (S.investigating, date(2025, 12, 29), ClockStage.investigate, 0, False),
    (S.investigating, date(2025, 12, 31), ClockStage.investigate, -2, True),
    (S.closed, date(2025, 12, 31), None, None, False),
])
def test_case_clock(status, today, stage, days_left, overdue):
    clock = case_clock(status=status, accept_due=date(2025, 10, 10), investigate_due=date(2025, 12, 29),
                       today=today)
    assert (clock.stage, clock.days_left, clock.overdue) == (stage, days_left, overdue)


@pytest.mark.parametrize("kwargs, reasons", [
    (dict(overdue=True, amount_claimed_cents=100, workers=1, mass_incident=False), [SupervisionReason.overdue]),
    (dict(overdue=False, amount_claimed_cents=50_000_000, workers=1, mass_incident=False),
     [SupervisionReason.large_amount]),
    (dict(overdue=False, amount_claimed_cents=100, workers=30, mass_incident=True),
     [SupervisionReason.many_workers, SupervisionReason.mass_incident]),
    (dict(overdue=False, amount_claimed_cents=49_999_999, workers=29, mass_incident=False), []),
])
def test_supervision_proposed(kwargs, reasons):
    assert supervision_reasons(status=S.investigating, **kwargs) == reasons


def test_closed_cases_are_not_proposed():
    assert supervision_reasons(status=S.closed, overdue=True, amount_claimed_cents=10**9, workers=99,
                               mass_incident=True) == []


@pytest.mark.parametrize("inputs, today, grade, factors", [
    (RiskInputs(0, 0, 0, 0, 0), date(2026, 1, 10), RiskGrade.low, []),
    (RiskInputs(2, 0, 2, 2, 0), date(2026, 6, 1), RiskGrade.low, [RiskFactor.open_cases]),
    (RiskInputs(6, 0, 6, 5, 0), date(2026, 6, 1), RiskGrade.yellow, [RiskFactor.open_cases, RiskFactor.rising]),
    (RiskInputs(4, 1, 5, 5, 2), date(2026, 6, 1), RiskGrade.orange,
     [RiskFactor.open_cases, RiskFactor.overdue_cases, RiskFactor.repeat_employers]),
    # the same place in the weeks before Spring Festival turns red
    (RiskInputs(4, 1, 5, 5, 2), date(2026, 1, 5), RiskGrade.red,
     [RiskFactor.open_cases, RiskFactor.overdue_cases, RiskFactor.repeat_employers, RiskFactor.season]),
    (RiskInputs(10, 3, 12, 4, 0), date(2026, 6, 1), RiskGrade.red,
     [RiskFactor.open_cases, RiskFactor.overdue_cases, RiskFactor.rising]),
])
def test_risk_grade_and_its_reasons(inputs, today, grade, factors):
    risk = grade_risk(inputs, today=today)
    assert risk.grade == grade
    assert [f for f, _, _ in risk.factors] == factors


def test_days_to_spring_festival():
    assert days_to_spring_festival(date(2026, 1, 18)) == 30
    assert days_to_spring_festival(date(2026, 2, 18)) == (date(2027, 2, 6) - date(2026, 2, 18)).days


def test_only_the_holding_office_is_offered_office_acts():
    facts = CaseFacts(S.investigating)
    assert allowed_acts(facts, R.case_officer, holding_office=False) == []
    assert allowed_acts(facts, R.admin, holding_office=False) == [A.extend, A.supervise]
