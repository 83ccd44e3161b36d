"""审核: what the field sends is reviewed, as ODK Central and Kobo review submissions.

A work log or a walkthrough is reviewed by a leader of its regions, an audit (inspection) by an
inspector or a leader: accepted (通过), or returned (退回) with the reason its author reads in the
to-do list and on the phone. Nobody reviews their own record. Accepting an inspection is its
circular (通报, `data.services.inspections.publish`): only then does the station see it.

Its author edits a record by sending it again under its number with another body — on the phone
the same record, opened again — whether it was returned or not, until it is accepted (an
inspection: until it is circulated). The version before is kept in `record_revision` with the
review that returned it; the edit starts the review again. It is never a second record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from data.errors import N_, Conflict, NotAllowed, WorkflowError
from data.models import Inspection, InspectionStatus, RecordRevision, Role, Walkthrough, WorkLog
from data.services.common import Actor, audit, clean_text
from data.types import utcnow

RETURNED, ACCEPTED = "returned", "accepted"


@dataclass(frozen=True)
class Kind:
    model: type
    author: str  # the attribute naming the record's author
    reviewers: tuple[Role, ...]
    missing: str  # the refusal when it is not there or not in the reviewer's regions


KINDS = {
    "work_log": Kind(WorkLog, "user_id", (Role.leader, Role.admin), N_("日志不存在或不在您的管辖范围内")),
    "walkthrough": Kind(Walkthrough, "user_id", (Role.leader, Role.admin), N_("走流程记录不存在或不在您的管辖范围内")),
    "inspection": Kind(Inspection, "lead_auditor_id", (Role.inspector, Role.leader, Role.admin),
                       N_("检查记录不存在或不在您的管辖范围内")),
}


def may_review(role: Role | str, kind: str) -> bool:
    return role in KINDS[kind].reviewers


def settled(record) -> bool:
    """Accepted: no more edits under its number (an inspection once circulated)."""
    return record.review_status == ACCEPTED or getattr(record, "status", None) == InspectionStatus.published


def is_edit(existing, form, actor: Actor, kind: str) -> bool:
    """A record sent again under its number: True when it is its author's edit (another body);
    False for the same body again or for anyone else (the caller's resend-or-conflict rule).
    Raises Conflict when the record is accepted and so no longer changes."""
    if getattr(existing, KINDS[kind].author) != actor.id or existing.body_sha256 == form.body_digest():
        return False
    if settled(existing):
        raise Conflict(N_("这条记录已审核通过，不能再修改"))
    return True


def revise(session: Session, record, kind: str, values: dict, digest: str, *, fields, actor: Actor,
           now: datetime, also: dict | None = None) -> list[str]:
    """Its author's edit of a record: `fields` as they were (with `also`, e.g. a walk's findings)
    and the review that returned them go to its history, `values` become the record's and `digest`
    its body's; the revision goes up and the review starts again. Returns the fields that changed."""
    before = {key: getattr(record, key) for key in fields}
    body = json.loads(json.dumps({**before, **(also or {}), "review_note": record.review_note}, default=_plain))
    session.add(RecordRevision(record_kind=kind, record_id=record.id, revision=record.revision, changed_by=actor.id,
                               changed_at=now, body=body))
    record.revision += 1
    record.review_status = record.review_note = record.reviewed_by = record.reviewed_at = None
    for key, value in values.items():
        setattr(record, key, value)
    record.body_sha256 = digest
    return sorted(key for key in fields if before[key] != getattr(record, key))


def _plain(value) -> str:
    """A version's value as JSON text: dates ISO 8601, anything else (a UUID) as its string."""
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def review(session: Session, *, actor: Actor, kind: str, record_id: int, accept: bool, note: str | None = None,
           today: date | None = None, now: datetime | None = None):
    """Accept a record or return it with the reason its author will read. An inspection accepted
    is circulated (needs `today` for its rectifications' deadlines). Raises NotAllowed,
    ValidationError, WorkflowError."""
    spec = KINDS[kind]
    if actor.role not in spec.reviewers:
        raise NotAllowed(N_("您的角色不能执行此操作"))
    record = session.get(spec.model, record_id, with_for_update=True)
    if record is None or not actor.scope.covers(record.path):
        raise NotAllowed(spec.missing)
    note = clean_text(note, field="note", required=not accept, limit=1000, missing=N_("退回时请写明原因"))
    if kind == "inspection" and accept:
        from data.services.inspections import publish  # 通报 is how an audit is accepted
        publish(session, actor=actor, inspection_id=record.id, today=today, now=now)
        return record
    if getattr(record, spec.author) == actor.id:
        raise NotAllowed(N_("不能审核自己的记录"))
    if settled(record):
        raise WorkflowError(N_("这条记录已审核通过"))
    now = now or utcnow()
    record.review_status, record.review_note = (ACCEPTED if accept else RETURNED), note
    record.reviewed_by, record.reviewed_at = actor.id, now
    audit(session, actor=actor, action=f"{kind}.{record.review_status}", target_kind=kind, target_id=record.id,
          details={"note": note} if note else {}, at=now)
    session.commit()
    return record

