"""What all services share: the errors they raise and the audit event they write."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

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
    """Add (not commit) the audit event of a write; the service commits both together."""
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
    session.add(event)
    return event


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
