"""Recording a seconded cadre's daily work log (工作日志), as the field app sends it.

A cadre files for the station of the secondment (挂职) that covers the log's date; an admin may
file for a station in their regions. Idempotent on the client UUID: the same body again returns
the stored log; a different body (or another user) under a used UUID is a Conflict. A check-in
point is kept only when the user tapped it, once; cadres are never tracked.

`record_work_log` raises NotAllowed (role, no secondment on that day, a station outside the
actor's regions), ValidationError, Conflict.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_lib
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from data.db import read_once
from data.errors import N_, NotAllowed, ValidationError
from data.models import Role, Secondment, WorkLog
from data.queries.settings import work_types
from data.services.common import Actor, audit, resent_or_conflict, stored, stored_twin
from data.services.inspections import station_in_scope
from data.services.review import is_edit, revise
from data.services.walkthroughs import Location, adopt_photos, check_location
from data.types import utcnow

FILERS = (Role.cadre, Role.admin)
OLDEST_DAYS = 30
TEXT_LIMIT = 4000
MAX_PEOPLE = 100_000


@dataclass
class WorkLogForm:
    """A work log as the field app sends it (see docs/field-api.md)."""

    uuid: uuid_lib.UUID
    log_date: date
    work_types: list[str]
    done: str
    solved: str | None = None
    people_served: int = 0
    station_id: int | None = None
    location: Location | None = None

    def body_digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
                              .encode()).hexdigest()


def _text(value: str | None, field_name: str, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(N_("此项必填"), field=field_name)
    if len(value) > TEXT_LIMIT:
        raise ValidationError(N_("内容过长（最多 %(limit)s 字）"), field=field_name, limit=TEXT_LIMIT)
    return value or None


def _checked(session: Session, actor: Actor, form: WorkLogForm, today: date) -> dict:
    """The log's values from the form, every rule checked (raises NotAllowed, ValidationError)."""
    if form.log_date > today:
        raise ValidationError(N_("日期不能晚于今天"), field="log_date")
    if (today - form.log_date).days > OLDEST_DAYS:
        raise ValidationError(N_("只能补填 %(days)s 天内的日志"), field="log_date", days=OLDEST_DAYS)
    known = {t["code"] for t in work_types(session)}
    if not form.work_types:
        raise ValidationError(N_("请至少选择一项工作类型"), field="work_types")
    for n, code in enumerate(form.work_types):
        if code not in known:
            raise ValidationError(N_("取值无效"), field=f"work_types[{n}]")
    people = form.people_served
    if isinstance(people, bool) or not isinstance(people, int) or not 0 <= people <= MAX_PEOPLE:
        raise ValidationError(N_("超出允许范围"), field="people_served")
    values = {"log_date": form.log_date, "work_types": list(dict.fromkeys(form.work_types)),
              "done": _text(form.done, "done", required=True), "solved": _text(form.solved, "solved"),
              "people_served": people}
    location = check_location(form.location)
    values.update(lon=location.lon if location else None, lat=location.lat if location else None,
                  accuracy_m=location.accuracy_m if location else None)
    if actor.role == Role.cadre:
        secondment = next((s for s in _secondments(session, actor)
                           if s.starts_on <= form.log_date <= s.ends_on), None)
        if secondment is None:
            raise NotAllowed(N_("该日期不在您的挂职期内"))
        if form.station_id is not None and form.station_id != secondment.station_id:
            raise NotAllowed(N_("只能为挂职的站点填写工作日志"))
        values.update(secondment_id=secondment.id, station_id=secondment.station_id, path=secondment.path)
    else:
        if form.station_id is None:
            raise ValidationError(N_("请选择站点"), field="station_id")
        station = station_in_scope(session, actor, form.station_id)
        values.update(secondment_id=None, station_id=station.id, path=station.path)
    return values


def _secondments(session: Session, actor: Actor) -> list[Secondment]:
    """The cadre's secondments, the latest first: a handful, read whole so that a batch of logs
    of many days reads them once (data.db.reads_kept)."""
    return read_once(session, ("secondments", actor.id), lambda: list(session.exec(
        select(Secondment).where(Secondment.user_id == actor.id).order_by(Secondment.starts_on.desc()))))


EDITABLE = ("log_date", "work_types", "done", "solved", "people_served", "station_id")


def record_work_log(session: Session, *, actor: Actor, form: WorkLogForm, today: date,
                    now: datetime | None = None) -> tuple[WorkLog, bool]:
    """Check and store a work log; returns (work_log, created). Its author edits it by sending it
    again under its number until a leader accepts it (data.services.review)."""
    if actor.role not in FILERS:
        raise NotAllowed(N_("只有挂职干部可以填写工作日志"))
    existing = stored(session, WorkLog, form.uuid)
    if existing is not None:
        if is_edit(existing, form, actor, "work_log"):
            return _edited(session, existing, actor, form, today, now or utcnow()), False
        return _same_or_conflict(existing, form, actor)
    values = _checked(session, actor, form, today)
    now = now or utcnow()
    log = WorkLog(uuid=form.uuid, user_id=actor.id, created_at=now, body_sha256=form.body_digest(), **values)
    try:
        session.add(log)
        session.flush()
        adopt_photos(session, owners=[form.uuid], actor=actor, path=log.path)
        audit(session, actor=actor, action="work_log.recorded", target_kind="work_log", target_id=log.id,
              details={"uuid": str(log.uuid), "station_id": log.station_id, "log_date": form.log_date.isoformat(),
                       "work_types": log.work_types}, at=now)
        session.commit()
    except IntegrityError as refused:  # the same log sent twice at once: the other request stored it first
        return _same_or_conflict(stored_twin(session, WorkLog, form.uuid, refused), form, actor)
    return log, True


def _edited(session: Session, log: WorkLog, actor: Actor, form: WorkLogForm, today: date,
            now: datetime) -> WorkLog:
    """The log as its author changed it: the version before goes to its history, the review starts
    again."""
    changed = revise(session, log, "work_log", _checked(session, actor, form, today), form.body_digest(),
                     fields=EDITABLE, actor=actor, now=now)
    adopt_photos(session, owners=[form.uuid], actor=actor, path=log.path)
    audit(session, actor=actor, action="work_log.edited", target_kind="work_log", target_id=log.id,
          details={"uuid": str(log.uuid), "revision": log.revision, "changed": changed}, at=now)
    session.commit()
    return log


def _same_or_conflict(existing: WorkLog, form: WorkLogForm, actor: Actor) -> tuple[WorkLog, bool]:
    return resent_or_conflict(existing, form, sender_id=existing.user_id, actor=actor,
                              message=N_("该编号已用于另一条记录"))
