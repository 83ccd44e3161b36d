"""What all services share: the errors they raise and the audit event they write."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from data.db import held, kept_reads
from data.errors import N_, Conflict, NotAllowed, ServiceError, ValidationError, WorkflowError
from data.models import AuditEvent, Role, User
from data.scope import Scope
from data.types import utcnow

__all__ = ["Actor", "NotAllowed", "ServiceError", "ValidationError", "WorkflowError", "audit", "clean_text"]


@dataclass(frozen=True)
class Actor:
    """Who is acting, as services need to know them: identity, role and regions."""

    id: int
    username: str
    role: Role
    scope: Scope

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


def audit(session: Session, *, actor: User | Actor | None, action: str, target_kind: str | None = None,
          target_id: object = None, details: dict | None = None, ip: str | None = None,
          at=None) -> AuditEvent:
    """Add (not commit) the audit event of a write; the service commits both together (within
    data.db.one_transaction the events wait for its commit, and go in one INSERT)."""
    if "." not in action:
        raise ValueError("audit actions are noun.verb")
    event = AuditEvent(
        at=at or utcnow(),
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else None,
        action=action,
        target_kind=target_kind,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        ip=ip,
    )
    batch = held(session)
    if batch is not None:  # within one transaction: added with the others at its commit, in one INSERT
        batch.audits.append(event)
    else:
        session.add(event)
    return event


def look_up_records(session: Session, model, uuids) -> None:
    """A batch's records of `model`, looked up by their UUIDs in one query before the batch is
    stored (pwa.api.routes.post_records, within data.db.reads_kept); `stored` then answers for them
    without a query each. A record stored by another request since is still stopped by the unique
    UUID at its insert (stored_twin)."""
    kept = kept_reads(session)
    uuids = set(uuids)
    if kept is None or not uuids:
        return
    rows = session.exec(select(model).where(model.uuid.in_(uuids))).all()
    kept[("stored", model)] = (uuids, {row.uuid: row for row in rows})


def stored(session: Session, model, uuid):
    """The record of `model` stored under `uuid`, or None (from look_up_records in a batch). A
    record new at the batch's start answers None once: the batch may store it, so a second copy
    of it in the same batch (an edit, or the same record again) is looked up on its own."""
    kept = kept_reads(session)
    looked = kept.get(("stored", model)) if kept is not None else None
    if looked is not None and uuid in looked[0]:
        row = looked[1].get(uuid)
        if row is None:
            looked[0].discard(uuid)
        return row
    return session.exec(select(model).where(model.uuid == uuid)).first()


def stored_twin(session: Session, model, uuid, error: Exception):
    """After an insert the unique UUID refused — the same record sent twice at once, the other
    request stored it first — that stored record; `error` raised again when there is none (the
    refusal was about something else)."""
    session.rollback()
    twin = session.exec(select(model).where(model.uuid == uuid)).first()
    if twin is None:
        raise error
    return twin


def resent_or_conflict(existing, form, *, sender_id: int | None, actor: Actor, message: str) -> tuple:
    """A record whose UUID is stored already: the same sender with the same body (a phone's retry)
    gets the stored one back, not created; anything else under that UUID is a Conflict."""
    if existing.body_sha256 == form.body_digest() and sender_id == actor.id:
        return existing, False
    raise Conflict(message)


def clean_text(text: str | None, *, field: str, required: bool = False, limit: int = 2000,
               missing: str = N_("请填写理由")) -> str | None:
    """A person's free text, stripped; None when empty. Raises ValidationError naming `field` when
    it is required and missing (`missing` says what to fill in) or longer than `limit`."""
    text = (text or "").strip()
    if required and not text:
        raise ValidationError(missing, field=field)
    if len(text) > limit:
        raise ValidationError(N_("内容过长（最多 %(limit)s 字）"), field=field, limit=limit)
    return text or None
