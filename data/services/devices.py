"""Device sessions: the long-lived, revocable sign-in of a field phone (kind "field") or a
situation-room wall screen (kind "wall"), and the server side of every browser sign-in at /login
(kind "web": as long as the browser session, ended by signing out).

The device keeps a random token in a cookie; the table keeps only the token's SHA-256, so
reading the table signs no one in. A device session ends when it expires, when it is revoked
(by the device itself, an admin, or `flask revoke-sessions`), when its user is deactivated, or
when the user's session_version changes (a new password, revoke-sessions).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data.errors import N_, NotAllowed, ValidationError
from data.models import DeviceSession, Role, User
from data.services.common import Actor, audit
from data.types import utcnow

LIFETIMES = {"field": timedelta(days=60), "wall": timedelta(days=365), "web": timedelta(hours=12)}
# a browser's session is audited as user.login and user.logout, not as a device of its own
QUIET_KINDS = {"web"}
# last_seen_at is a hint for admins ("last used"), not a clock: write it at most this often
SEEN_EVERY = timedelta(minutes=5)
LABEL_LIMIT = 80


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_device_session(session: Session, *, user: User, kind: str, label: str | None = None,
                        ip: str | None = None, now: datetime | None = None,
                        lifetime: timedelta | None = None) -> tuple[DeviceSession, str]:
    """Start a device session for a user who has just proved who they are; returns the row and
    the raw token for the cookie (never stored). Raises ValidationError for an unknown kind."""
    if kind not in LIFETIMES:
        raise ValidationError(N_("取值无效"), field="kind")
    now = now or utcnow()
    label = (label or "").strip()[:LABEL_LIMIT] or None
    token = secrets.token_urlsafe(32)
    if kind in QUIET_KINDS:  # the user's ended browser sessions are of no more use
        session.exec(sa.delete(DeviceSession).where(
            DeviceSession.user_id == user.id, DeviceSession.kind == kind,
            sa.or_(DeviceSession.revoked_at.is_not(None), DeviceSession.expires_at <= now)))
    device = DeviceSession(user_id=user.id, kind=kind, label=label, token_hash=token_hash(token),
                           session_version=user.session_version, created_at=now,
                           expires_at=now + (lifetime or LIFETIMES[kind]), last_seen_at=now)
    session.add(device)
    session.flush()
    if kind not in QUIET_KINDS:
        audit(session, actor=user, action="device_session.opened", target_kind="device_session",
              target_id=device.uuid, details={"kind": kind, "label": label,
                                              "expires_at": device.expires_at.isoformat()}, ip=ip, at=now)
    session.commit()
    return device, token


def _usable(device: DeviceSession | None, user: User | None, now: datetime) -> bool:
    return (device is not None and user is not None and device.revoked_at is None and device.expires_at > now
            and user.active and user.session_version == device.session_version)


def device_by_token(session: Session, *, token: str | None, kind: str,
                    now: datetime | None = None) -> tuple[DeviceSession, User] | None:
    """The live device session a cookie's token names, with its user; None when there is none.

    Touches last_seen_at now and then (the one write a read does here, committed on its own).
    """
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    device = session.exec(select(DeviceSession).where(DeviceSession.token_hash == token_hash(token),
                                                      DeviceSession.kind == kind)).first()
    user = session.get(User, device.user_id) if device is not None else None
    if not _usable(device, user, now):
        return None
    _seen(session, device, now)
    return device, user


def device_is_live(session: Session, *, device_id: int, user_id: int, now: datetime | None = None) -> bool:
    """Whether a device session a browser session was restored from still holds."""
    now = now or utcnow()
    device = session.get(DeviceSession, device_id)
    if device is None or device.user_id != user_id:
        return False
    user = session.get(User, user_id)
    if not _usable(device, user, now):
        return False
    _seen(session, device, now)
    return True


def _seen(session: Session, device: DeviceSession, now: datetime) -> None:
    if device.last_seen_at is None or now - device.last_seen_at >= SEEN_EVERY:
        device.last_seen_at = now
        session.commit()


def revoke_device_session(session: Session, *, actor: Actor | User, device_id: int, ip: str | None = None,
                          now: datetime | None = None) -> DeviceSession:
    """End one device session: its own user may, and an admin. Raises NotAllowed."""
    device = session.get(DeviceSession, device_id)
    if device is None or (device.user_id != actor.id and actor.role != Role.admin):
        raise NotAllowed(N_("设备登录不存在或无权操作"))
    if device.revoked_at is None:
        now = now or utcnow()
        device.revoked_at = now
        if device.kind not in QUIET_KINDS or device.user_id != actor.id:  # signing out is user.logout
            audit(session, actor=actor, action="device_session.revoked", target_kind="device_session",
                  target_id=device.uuid, details={"user_id": device.user_id, "kind": device.kind}, ip=ip, at=now)
        session.commit()
    return device


def revoke_all(session: Session, *, user_id: int, now: datetime | None = None) -> int:
    """Mark every open device session of a user revoked (added to the caller's transaction)."""
    now = now or utcnow()
    devices = session.exec(select(DeviceSession).where(DeviceSession.user_id == user_id,
                                                       DeviceSession.revoked_at.is_(None))).all()
    for device in devices:
        device.revoked_at = now
    return len(devices)
