"""The blacklist's entries (data.services.blacklist) as people read them, scoped by the proposing
office's region, and the employers an office may propose (those with cases it holds)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from data.models import BlacklistEntry, BlacklistStatus, Employer, User, WageCase
from data.scope import Scope


def list_entries(session: Session, *, scope: Scope, today: date, status: str | None = None,
                 entry_id: int | None = None) -> list[dict]:
    """Entries newest first: [{id, status, employer_id, employer, uscc, grounds, cases, proposed_by,
    proposed_at, proposer_id, decided_by, decision_note, published_on, expires_on, removed_on,
    removal_reason, due_for_removal}] — due_for_removal: published and its period over."""
    proposer, decider = aliased(User), aliased(User)
    query = (select(BlacklistEntry, Employer.name, Employer.uscc, proposer.display_name, decider.display_name)
             .join(Employer, Employer.id == BlacklistEntry.employer_id)
             .outerjoin(proposer, proposer.id == BlacklistEntry.proposed_by)
             .outerjoin(decider, decider.id == BlacklistEntry.decided_by)
             .where(scope.clause(BlacklistEntry.path))
             .order_by(BlacklistEntry.proposed_at.desc(), BlacklistEntry.id.desc()))
    if entry_id is not None:  # one entry (the page's record of it)
        query = query.where(BlacklistEntry.id == entry_id)
    if status == "due":
        query = query.where(BlacklistEntry.status == BlacklistStatus.published.value,
                            BlacklistEntry.expires_on <= today)
    elif status:
        query = query.where(BlacklistEntry.status == status)
    return [{"id": e.id, "status": str(e.status), "employer_id": e.employer_id, "employer": name, "uscc": uscc,
             "grounds": e.grounds, "cases": len(e.case_ids or []), "case_ids": list(e.case_ids or []),
             "proposed_by": who, "proposer_id": e.proposed_by, "proposed_at": e.proposed_at,
             "decided_by": decided, "decision_note": e.decision_note, "published_on": e.published_on,
             "expires_on": e.expires_on, "removed_on": e.removed_on, "removal_reason": e.removal_reason,
             "due_for_removal": e.status == BlacklistStatus.published and bool(e.expires_on and e.expires_on <= today)}
            for e, name, uscc, who, decided in session.exec(query).all()]


def proposable_employers(session: Session, *, scope: Scope, limit: int = 200) -> list[dict]:
    """Employers with cases held in the scope, most cases first: [{id, name, uscc, cases}]."""
    rows = session.exec(
        select(Employer.id, Employer.name, Employer.uscc, sa.func.count(WageCase.id))
        .join(WageCase, WageCase.employer_id == Employer.id)
        .where(WageCase.deleted_at.is_(None), scope.clause(WageCase.office_path))
        .group_by(Employer.id, Employer.name, Employer.uscc)
        .order_by(sa.func.count(WageCase.id).desc(), Employer.name).limit(limit)).all()
    return [{"id": i, "name": n, "uscc": u, "cases": int(c)} for i, n, u, c in rows]


def employer_cases(session: Session, *, scope: Scope, employer_id: int) -> list[dict]:
    """An employer's cases held in the scope, newest first: [{id, case_no, received_on, workers, amount_cents}]."""
    rows = session.exec(
        select(WageCase.id, WageCase.case_no, WageCase.received_on, WageCase.workers, WageCase.amount_claimed_cents)
        .where(WageCase.employer_id == employer_id, WageCase.deleted_at.is_(None), scope.clause(WageCase.office_path))
        .order_by(WageCase.received_on.desc())).all()
    return [{"id": i, "case_no": no, "received_on": on, "workers": w, "amount_cents": a} for i, no, on, w, a in rows]
