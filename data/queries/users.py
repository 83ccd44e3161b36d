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


def list_users(session: Session, *, search: str | None = None, role: str | None = None, status: str | None = None,
               limit: int = 500, offset: int = 0) -> tuple[list[dict], int]:
    """Accounts for the administrator's list, by username: each with its home regions (code and
    name). `search` is part of a username or name; `status` "active", "disabled" or
    "must_change". Returns the rows (at most `limit`, from `offset`) and how many match in all."""
    where = []
    if search and search.strip():
        like = f"%{search.strip().lower()}%"
        where.append(sa.or_(sa.func.lower(User.username).like(like), sa.func.lower(User.display_name).like(like)))
    if role:
        where.append(User.role == role)
    if status == "active":
        where.append(User.active.is_(True))
    elif status == "disabled":
        where.append(User.active.is_(False))
    elif status == "must_change":
        where.append(User.must_change_password.is_(True))
    total = session.exec(select(sa.func.count()).select_from(User).where(*where)).one()
    users = session.exec(select(User).where(*where).order_by(User.username).offset(max(0, offset))
                         .limit(limit)).all()
    homes: dict[int, list[tuple[str, str]]] = {}
    if users:
        for user_id, code, name in session.exec(
                select(UserRegion.user_id, Region.area_code, Region.name)
                .join(Region, Region.id == UserRegion.region_id)
                .where(UserRegion.user_id.in_([u.id for u in users])).order_by(Region.path)).all():
            homes.setdefault(user_id, []).append((code, name))
    return [{"id": u.id, "username": u.username, "name": u.display_name, "role": str(u.role), "active": u.active,
             "must_change_password": u.must_change_password, "last_login_at": u.last_login_at,
             "regions": homes.get(u.id, [])} for u in users], total


def region_tree(session: Session, *, scope: Scope) -> list[dict]:
    """The current regions inside the scope down to the townships, in tree order, for pickers:
    each with its code, name, depth (0 for the top) and its parent's name (None at the top)."""
    rows = session.exec(select(Region.area_code, Region.name, Region.path)
                        .where(Region.valid_to.is_(None), Region.level.in_(["city", "county", "township"]),
                               scope.clause(Region.path))
                        .order_by(Region.path)).all()
    top = min((path.count("/") for _code, _name, path in rows), default=1)
    names = {path: name for _code, name, path in rows}
    return [{"code": code, "name": name, "depth": path.count("/") - top,
             "parent": names.get(path[:-1].rpartition("/")[0] + "/")} for code, name, path in rows]


def home_region_codes(session: Session, *, user_id: int) -> list[str]:
    """The area codes of the user's home regions, in tree order."""
    return list(session.exec(select(Region.area_code).join(UserRegion, UserRegion.region_id == Region.id)
                             .where(UserRegion.user_id == user_id).order_by(Region.path)).all())
