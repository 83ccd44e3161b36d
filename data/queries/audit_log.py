"""The operation log (操作日志): audit events read back, filtered, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data import clock
from data.models import AuditEvent, Region, User, UserRegion


@dataclass(frozen=True)
class LogFilters:
    person: str | None = None  # a username or display name, or part of one
    actor_id: int | None = None  # one person's own events ("my activity")
    action: str | None = None  # an action, or its noun ("case" finds case.*)
    target: str | None = None  # a target kind, or kind:id
    date_from: date | None = None  # Beijing dates, both ends included
    date_to: date | None = None
    region: str | None = None  # an area code: the people acting, or the accounts acted on, are in it

    @classmethod
    def parse(cls, person=None, action=None, target=None, start=None, end=None, region=None) -> LogFilters:
        """From what a form or a query string holds: blanks and unreadable dates are no filter."""
        def day(value):
            try:
                return date.fromisoformat(str(value)[:10]) if value else None
            except ValueError:
                return None
        return cls(person=(person or "").strip() or None, action=(action or "").strip() or None,
                   target=(target or "").strip() or None, date_from=day(start), date_to=day(end),
                   region=(region or "").strip() or None)


def _where(filters: LogFilters) -> list:
    where = []
    if filters.actor_id is not None:
        where.append(AuditEvent.actor_id == filters.actor_id)
    if filters.person:
        like = f"%{filters.person.strip().lower()}%"
        where.append(sa.or_(sa.func.lower(AuditEvent.actor_name).like(like), sa.func.lower(User.username).like(like),
                            sa.func.lower(User.display_name).like(like)))
    if filters.action:
        action = filters.action.strip()
        where.append(AuditEvent.action == action if "." in action else AuditEvent.action.like(f"{action}.%"))
    if filters.target:
        kind, _sep, ident = filters.target.strip().partition(":")
        where.append(AuditEvent.target_kind == kind)
        if ident:
            where.append(AuditEvent.target_id == ident)
    if filters.region:
        where.append(_in_region(filters.region))
    if filters.date_from:
        where.append(AuditEvent.at >= clock.start_of(filters.date_from))
    if filters.date_to:
        where.append(AuditEvent.at < clock.start_of(filters.date_to + timedelta(days=1)))
    return where


def _in_region(area_code: str) -> sa.ColumnElement[bool]:
    """An event is in a region when the person who acted has a home region inside it (the region
    or below), or when it was done to a user account with a home region inside it. Other targets
    (cases, stations, settings…) count where the person who acted belongs: an event stores only
    its target's kind and id, and ids of different kinds are written differently."""
    chosen = (select(Region.path).where(Region.area_code == area_code, Region.valid_to.is_(None))
              .limit(1).scalar_subquery())
    people = (select(UserRegion.user_id).join(Region, Region.id == UserRegion.region_id)
              .where(Region.path.startswith(chosen)))
    accounts = (select(sa.cast(UserRegion.user_id, sa.String(60))).join(Region, Region.id == UserRegion.region_id)
                .where(Region.path.startswith(chosen)))
    return sa.or_(AuditEvent.actor_id.in_(people),
                  sa.and_(AuditEvent.target_kind == "user", AuditEvent.target_id.in_(accounts)))


def audit_events(session: Session, filters: LogFilters, *, limit: int = 500) -> tuple[list[dict], int]:
    """The matching events (at most `limit`, newest first) and how many match in all."""
    where = _where(filters)
    base = select(AuditEvent, User.username, User.display_name).join(User, User.id == AuditEvent.actor_id,
                                                                      isouter=True)
    total = session.exec(select(sa.func.count()).select_from(AuditEvent)
                         .join(User, User.id == AuditEvent.actor_id, isouter=True).where(*where)).one()
    rows = session.exec(base.where(*where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    return [{"id": e.id, "at": e.at, "username": username or e.actor_name or "", "name": name or e.actor_name or "",
             "action": e.action, "target_kind": e.target_kind, "target_id": e.target_id, "details": e.details or {},
             "ip": e.ip} for e, username, name in rows], total


def audit_actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all())
