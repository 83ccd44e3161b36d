"""失信联合惩戒名单 (DOMAIN.md §1; 拖欠农民工工资失信联合惩戒对象名单管理暂行办法): an office proposes an
employer with grounds and the cases behind them → a leader approves or refuses (never their own
proposal) → a leader publishes it on a date, which puts the employer on the list for the
configured years (blacklist.years, 3 by default: Employer.blacklisted_until) → a leader removes it
when the period is over, or earlier with a reason (信用修复). Every act is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from data.errors import N_, NotAllowed, ValidationError, WorkflowError
from data.models import BlacklistEntry, BlacklistStatus, Employer, Role, WageCase
from data.queries.settings import blacklist_years
from data.rules.limitation import years_later
from data.services.common import Actor, audit, clean_text
from data.types import utcnow

ACTIVE = (BlacklistStatus.proposed, BlacklistStatus.approved, BlacklistStatus.published)
PUBLISH_AHEAD_DAYS = 30  # a publication may be set for a day up to a month ahead


def _text(value: str | None, *, field: str, required: bool, missing: str = N_("请填写理由")) -> str | None:
    return clean_text(value, field=field, required=required, missing=missing)


def _entry(session: Session, actor: Actor, entry_id: int) -> BlacklistEntry:
    entry = session.get(BlacklistEntry, entry_id, with_for_update=True)
    if entry is None or not actor.scope.covers(entry.path):
        raise NotAllowed(N_("名单记录不存在或不在您的管辖范围内"))
    return entry


def _leader_entry(session: Session, actor: Actor, entry_id: int, status: BlacklistStatus,
                  wrong_state: str) -> BlacklistEntry:
    """The entry a leader acts on, in the state the act needs."""
    if actor.role not in (Role.leader, Role.admin):
        raise NotAllowed(N_("您的角色不能执行此操作"))
    entry = _entry(session, actor, entry_id)
    if entry.status != status:
        raise WorkflowError(wrong_state)
    return entry


def propose(session: Session, *, actor: Actor, employer_id: int, grounds: str, case_ids: list[int],
            now: datetime | None = None) -> BlacklistEntry:
    """拟列入: an office names the employer, the grounds and at least one of its cases in the office's
    regions. Refused while the employer has an entry under way or on the list."""
    now = now or utcnow()
    if actor.role not in (Role.case_officer, Role.admin):
        raise NotAllowed(N_("您的角色不能执行此操作"))
    grounds = _text(grounds, field="grounds", required=True, missing=N_("请填写列入事由"))
    employer = session.get(Employer, employer_id) if isinstance(employer_id, int) else None
    if employer is None:
        raise ValidationError(N_("请选择用人单位"), field="employer")
    wanted = sorted({int(i) for i in case_ids or []})
    cases = session.exec(select(WageCase).where(WageCase.id.in_(wanted), WageCase.deleted_at.is_(None))).all()
    cases = [c for c in cases if c.employer_id == employer.id and actor.scope.covers(c.office_path)]
    if not cases or len(cases) != len(wanted):
        raise ValidationError(N_("请选择该单位在本辖区的案件作为依据"), field="cases")
    if session.exec(select(BlacklistEntry.id).where(BlacklistEntry.employer_id == employer.id,
                                                    BlacklistEntry.status.in_([s.value for s in ACTIVE]))).first():
        raise WorkflowError(N_("该单位已在名单流程中或已列入名单"))
    entry = BlacklistEntry(employer_id=employer.id, path=cases[0].office_path, status=BlacklistStatus.proposed,
                           grounds=grounds, case_ids=[c.id for c in cases], proposed_by=actor.id, proposed_at=now)
    session.add(entry)
    session.flush()
    audit(session, actor=actor, action="blacklist.propose", target_kind="blacklist_entry", target_id=entry.id,
          details={"employer": employer.name, "uscc": employer.uscc, "cases": entry.case_ids}, at=now)
    session.commit()
    return entry


def decide(session: Session, *, actor: Actor, entry_id: int, approve: bool, note: str | None = None,
           now: datetime | None = None) -> BlacklistEntry:
    """A leader approves a proposal, or refuses it with a reason. Nobody decides their own."""
    now = now or utcnow()
    entry = _leader_entry(session, actor, entry_id, BlacklistStatus.proposed, N_("只能审批拟列入的记录"))
    if entry.proposed_by == actor.id:
        raise NotAllowed(N_("不能审批自己提出的申请"))
    note = _text(note, field="note", required=not approve)
    entry.status = BlacklistStatus.approved if approve else BlacklistStatus.rejected
    entry.decided_by, entry.decided_at, entry.decision_note = actor.id, now, note
    audit(session, actor=actor, action="blacklist.approve" if approve else "blacklist.reject",
          target_kind="blacklist_entry", target_id=entry.id, details={"note": note} if note else {}, at=now)
    session.commit()
    return entry


def publish(session: Session, *, actor: Actor, entry_id: int, published_on: date, today: date,
            now: datetime | None = None) -> BlacklistEntry:
    """公布: the employer is on the list from `published_on` for the configured years."""
    now = now or utcnow()
    entry = _leader_entry(session, actor, entry_id, BlacklistStatus.approved, N_("只能公布已批准的记录"))
    if not isinstance(published_on, date) or published_on < today - timedelta(days=7) \
            or published_on > today + timedelta(days=PUBLISH_AHEAD_DAYS):
        raise ValidationError(N_("公布日期应在近一周至未来一个月之间"), field="published_on")
    entry.status, entry.published_on = BlacklistStatus.published, published_on
    entry.expires_on = years_later(published_on, blacklist_years(session))
    employer = session.get(Employer, entry.employer_id)
    employer.blacklisted_until = entry.expires_on
    audit(session, actor=actor, action="blacklist.publish", target_kind="blacklist_entry", target_id=entry.id,
          details={"published_on": published_on.isoformat(), "expires_on": entry.expires_on.isoformat()}, at=now)
    session.commit()
    return entry


def remove(session: Session, *, actor: Actor, entry_id: int, today: date, reason: str | None = None,
           now: datetime | None = None) -> BlacklistEntry:
    """移出: when the period is over; before that only with a reason (信用修复: paid in full and no new
    arrears)."""
    now = now or utcnow()
    entry = _leader_entry(session, actor, entry_id, BlacklistStatus.published, N_("只能移出已公布的记录"))
    early = entry.expires_on is not None and today < entry.expires_on
    reason = _text(reason, field="reason", required=early, missing=N_("期满前移出须填写理由（如信用修复）"))
    entry.status, entry.removed_on, entry.removed_by = BlacklistStatus.removed, today, actor.id
    entry.removal_reason = reason or "期满移出"
    employer = session.get(Employer, entry.employer_id)
    employer.blacklisted_until = today if early else entry.expires_on
    audit(session, actor=actor, action="blacklist.remove", target_kind="blacklist_entry", target_id=entry.id,
          details={"early": early, "reason": entry.removal_reason}, at=now)
    session.commit()
    return entry
