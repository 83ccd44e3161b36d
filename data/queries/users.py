"""Reads about accounts."""

from __future__ import annotations

from sqlmodel import Session, select

from data.models import Region, User, UserRegion
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
