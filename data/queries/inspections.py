"""Who may see which inspections: the one rule every station, audit and rectification query
applies on top of region scope.

A covert audit (暗访) must not tip off the audited station, so an inspection that is not yet
published (circulated) is seen only by inspectors and by city-wide leaders and admins; anyone
else in its regions (the township's cadre, a county admin) sees it, and the rectifications it
produces, once it is published.
"""

from __future__ import annotations

import sqlalchemy as sa

from data.models import Role
from data.scope import Scope


def sees_unpublished(role: Role | str, scope: Scope) -> bool:
    """Inspectors, and leaders or admins whose regions include a whole city."""
    if role == Role.inspector:
        return True
    return role in (Role.leader, Role.admin) and any(p.count("/") <= 1 for p in scope.paths)


def published_clause(inspection, role: Role | str, scope: Scope) -> sa.ColumnElement[bool]:
    """Add to any query over `inspection` (the Inspection class or an alias), beside the
    region clause: true for everyone who may see unpublished work, else published only."""
    if sees_unpublished(role, scope):  # pass the user's own scope, not one narrowed by a filter
        return sa.true()
    return inspection.published_at.is_not(None)


def station_options(session, scope: Scope, *, kinds: tuple[str, ...] | None = None) -> list[dict]:
    """Active stations in the user's regions for a picker: [{"id", "name", "township", "path"}]."""
    from sqlmodel import select

    from data.models import Region, Station
    query = (select(Station.id, Station.name, Station.path, Region.name.label("township"))
             .join(Region, Region.id == Station.township_id)
             .where(Station.active.is_(True), scope.clause(Station.path)).order_by(Station.path, Station.kind,
                                                                                 Station.name))
    if kinds:
        query = query.where(Station.kind.in_(kinds))
    return [dict(row._mapping) for row in session.exec(query)]


def auditor_options(session) -> list[dict]:
    """People who can take part in an inspection (inspectors and leaders), for a picker."""
    from sqlmodel import select

    from data.models import User
    rows = session.exec(select(User.id, User.display_name, User.role).where(
        User.active.is_(True), User.role.in_([Role.inspector, Role.leader])).order_by(User.role, User.display_name))
    return [dict(row._mapping) for row in rows]


def awaiting_publication(session, scope: Scope, role, *, limit: int = 50) -> list[dict]:
    """Submitted inspections not yet circulated, newest first (for those who may see them)."""
    from sqlmodel import select

    from data.models import Inspection, InspectionStatus, Station
    if not sees_unpublished(role, scope):
        return []
    rows = session.exec(
        select(Inspection.id, Inspection.kind, Inspection.mode, Inspection.inspected_on, Inspection.score,
               Inspection.grade, Inspection.vetoed, Station.name.label("station"))
        .join(Station, Station.id == Inspection.station_id)
        .where(Inspection.status == InspectionStatus.submitted, scope.clause(Inspection.path))
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]
