"""Reads about accounts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import DeviceSession, Region, User, UserRegion
from data.scope import Scope


def get_user_scope(session: Session, *, user_id: int) -> Scope:
    """The paths of the user's home regions (an empty scope when they have none)."""
    paths = session.exec(
        select(Region.path).join(UserRegion, UserRegion.region_id == Region.id)
        .where(UserRegion.user_id == user_id)
    ).all()
    # a region inside another of the user's regions adds nothing
    kept = tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))
    return Scope(kept)


def get_user(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def open_device_sessions(session: Session, *, now: datetime, kinds: tuple[str, ...] = ("field", "wall", "web"),
                         limit: int = 500) -> list[dict]:
    """Device sign-ins still valid (not revoked, not expired, of the user's current session
    version), newest use first, with their user: for the administrator's list."""
    rows = session.exec(
        select(DeviceSession, User.username, User.display_name)
        .join(User, User.id == DeviceSession.user_id)
        .where(DeviceSession.revoked_at.is_(None), DeviceSession.expires_at > now, DeviceSession.kind.in_(kinds),
               DeviceSession.session_version == User.session_version, User.active.is_(True))
        .order_by(sa.func.coalesce(DeviceSession.last_seen_at, DeviceSession.created_at).desc())
        .limit(limit)).all()
    return [{"id": d.id, "kind": d.kind, "label": d.label, "username": username, "name": name,
             "created_at": d.created_at, "last_seen_at": d.last_seen_at, "expires_at": d.expires_at}
            for d, username, name in rows]
