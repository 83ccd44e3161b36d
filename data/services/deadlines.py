"""Stored deadlines follow their rules: when the working-day calendar or the per-channel service
levels change, the open cases' deadlines are counted again (data.rules.case_clock.stored_deadlines)
and the provisional mark goes where the new calendar settles it. Closed cases keep theirs: they
were judged against the rules of their day."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from data.models import User, WageCase
from data.queries.settings import service_levels, work_calendar
from data.rules.calendar import WorkingDays
from data.rules.case_clock import OPEN_STATUSES, stored_deadlines
from data.services.common import Actor, audit
from data.types import utcnow


def recompute_open_deadlines(session: Session, *, actor: Actor | User | None, reason: str) -> dict[str, int]:
    """Count the open cases' deadlines again with the calendar and service levels now stored (in
    this transaction: the caller has just changed them and commits). One audit event with the
    counts; the changed cases' updated_at moves, so the caches keyed on it see the new dates.
    Returns {"open", "changed", "settled"} — settled: no longer provisional."""
    cases = session.exec(select(WageCase).where(WageCase.status.in_(OPEN_STATUSES))).all()
    counts = {"open": len(cases), "changed": 0, "settled": 0}
    if cases:
        calendar, levels = work_calendar(session), service_levels(session)
        first = min(c.received_on for c in cases)
        days = WorkingDays(first, max(c.received_on for c in cases) + timedelta(days=400), calendar)
        now = utcnow()
        for case in cases:
            new = stored_deadlines(status=case.status, source=case.source, received_on=case.received_on,
                                   accepted_on=case.accepted_on, re_reviewed_on=case.re_reviewed_on,
                                   extended=case.extended, accept_due=case.accept_due, levels=levels,
                                   calendar=calendar, days=days)
            if (new.accept_due, new.investigate_due, new.provisional) == (
                    case.accept_due, case.investigate_due, case.deadline_provisional):
                continue
            counts["changed"] += 1
            counts["settled"] += case.deadline_provisional and not new.provisional
            case.accept_due, case.investigate_due = new.accept_due, new.investigate_due
            case.deadline_provisional, case.updated_at = new.provisional, now
            session.add(case)
    audit(session, actor=actor, action="case.deadlines_recomputed", target_kind="wage_case",
          details={"reason": reason, **counts})
    return counts
