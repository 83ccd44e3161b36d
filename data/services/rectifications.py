"""The rectification loop (整改): open → reported with evidence → re-checked → closed (销号).

- A station's side (its seconded cadre, a county or township admin) reports the fix with a
  text and photos of the evidence (attachments owned by the rectification's UUID).
- Someone other than the reporter re-checks (复查): an inspector, a leader or an admin. A failed
  re-check sends it back to open and counts the rejection.
- Closing (销号) needs a passed re-check, and is never done by the reporter either.
- A leader may turn any finding (of an inspection or a walkthrough, or seen on a visit) into a
  rectification with a deadline in working days.
Overdue is not a state: an item not closed by its due date is overdue (see the queries).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from data.errors import N_, NotAllowed, ValidationError, WorkflowError
from data.models import Rectification, RectificationSource, RectificationStatus, Role
from data.queries.settings import rectification_days, work_calendar
from data.rules.calendar import add_working_days
from data.services.common import Actor, audit, clean_text
from data.services.inspections import responsible, station_in_scope
from data.types import utcnow

REPORTERS = (Role.cadre, Role.admin)
CHECKERS = (Role.inspector, Role.leader, Role.admin)
ASSIGNERS = (Role.leader, Role.inspector, Role.admin)
TEXT_LIMIT = 4000


def _text(value: str | None, *, field: str, required: str | None = None) -> str | None:
    return clean_text(value, field=field, required=bool(required), limit=TEXT_LIMIT, missing=required or "")


def _load(session: Session, actor: Actor, rectification_id: int) -> Rectification:
    rect = session.get(Rectification, rectification_id, with_for_update=True)
    if rect is None or not actor.scope.covers(rect.path):
        raise NotAllowed(N_("整改事项不存在或不在您的管辖范围内"))
    return rect


def _checked_by(session: Session, actor: Actor, rectification_id: int, status: RectificationStatus, *,
                refused: str, too_early: str, own: str) -> Rectification:
    """The rectification a checker acts on in `status`: never by whom reported it (the messages
    say why not: a role that does not check, the wrong status, their own report)."""
    if actor.role not in CHECKERS:
        raise NotAllowed(refused)
    rect = _load(session, actor, rectification_id)
    if rect.status != status:
        raise WorkflowError(too_early)
    if rect.reported_by == actor.id:
        raise NotAllowed(own)
    return rect


def _record(session: Session, actor: Actor, rect: Rectification, action: str, now: datetime, **details) -> None:
    audit(session, actor=actor, action=f"rectification.{action}", target_kind="rectification",
          target_id=rect.id, details={"status": str(rect.status), **details}, at=now)
    session.commit()


def assign(session: Session, *, actor: Actor, station_id: int, title: str, detail: str | None = None,
           today: date, due_days: int | None = None, source: RectificationSource = RectificationSource.leader,
           inspection_id: int | None = None, finding_id: int | None = None,
           now: datetime | None = None) -> Rectification:
    """A finding a leader marks becomes a rectification of a station (交办)."""
    if actor.role not in ASSIGNERS:
        raise NotAllowed(N_("您无权交办整改事项"))
    station = station_in_scope(session, actor, station_id)
    title = _text(title, field="title", required=N_("请填写整改事项"))
    if len(title) > 200:
        raise ValidationError(N_("内容过长（最多 %(limit)s 字）"), field="title", limit=200)
    days = rectification_days(session) if due_days is None else due_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 250:
        raise ValidationError(N_("整改期限须为 1 到 250 个工作日"), field="due_days")
    now = now or utcnow()
    person, user_id = responsible(session, station, today)
    rect = Rectification(source=source, inspection_id=inspection_id, finding_id=finding_id, station_id=station.id,
                         path=station.path, title=title, detail=_text(detail, field="detail"),
                         responsible_person=person, responsible_user_id=user_id,
                         due_on=add_working_days(today, days, work_calendar(session)).due,
                         status=RectificationStatus.open, created_by=actor.id, created_at=now)
    session.add(rect)
    session.flush()
    _record(session, actor, rect, "created", now, station_id=station.id, source=str(source),
            due_on=rect.due_on.isoformat())
    return rect


def report(session: Session, *, actor: Actor, rectification_id: int, text: str,
           now: datetime | None = None) -> Rectification:
    """The station reports the fix (整改报告); photos are attachments of the rectification."""
    if actor.role not in REPORTERS:
        raise NotAllowed(N_("整改情况由被检查单位报送"))
    rect = _load(session, actor, rectification_id)
    if rect.status != RectificationStatus.open:
        raise WorkflowError(N_("该整改事项当前不能报送"))
    now = now or utcnow()
    rect.report = _text(text, field="report", required=N_("请填写整改情况"))
    rect.status, rect.reported_at, rect.reported_by = RectificationStatus.reported, now, actor.id
    _record(session, actor, rect, "reported", now)
    return rect


def recheck(session: Session, *, actor: Actor, rectification_id: int, passed: bool, note: str | None = None,
            close: bool = False, now: datetime | None = None) -> Rectification:
    """Re-check a reported fix (复查). Passed: re-checked (and closed at once when `close`);
    not passed: back to open with the reason, counted as a rejection."""
    rect = _checked_by(session, actor, rectification_id, RectificationStatus.reported, refused=N_("您无权复查整改"),
                       too_early=N_("该整改事项还没有报送，不能复查"), own=N_("整改报送人不能复查自己报送的整改"))
    now = now or utcnow()
    rect.recheck_note = _text(note, field="note", required=None if passed else N_("请写明复查未通过的原因"))
    rect.rechecked_at, rect.rechecked_by = now, actor.id
    if passed:
        rect.status = RectificationStatus.rechecked
        if close:
            rect.status, rect.closed_at = RectificationStatus.closed, now
        _record(session, actor, rect, "rechecked", now, passed=True, closed=close)
    else:
        rect.status, rect.rejections = RectificationStatus.open, rect.rejections + 1
        rect.reported_at = rect.reported_by = None
        _record(session, actor, rect, "rejected", now, passed=False, rejections=rect.rejections)
    return rect


def close(session: Session, *, actor: Actor, rectification_id: int, now: datetime | None = None) -> Rectification:
    """Close a re-checked item (销号)."""
    rect = _checked_by(session, actor, rectification_id, RectificationStatus.rechecked, refused=N_("您无权销号"),
                       too_early=N_("整改须经复查通过后才能销号"), own=N_("整改报送人不能为自己的整改销号"))
    now = now or utcnow()
    rect.status, rect.closed_at = RectificationStatus.closed, now
    _record(session, actor, rect, "closed", now)
    return rect
