"""Who may see which inspections: the one rule every station, audit and rectification query
applies on top of region scope.

A covert audit (暗访) must not tip off the audited station, so an inspection that is not yet
published (circulated) is seen only by inspectors and by city-wide leaders and admins; anyone
else in its regions (the township's cadre, a county admin) sees it, and the rectifications it
produces, once it is published.
"""

from __future__ import annotations

import sqlalchemy as sa

from data.models import Inspection, Role, Station
from data.scope import Scope, city_wide


def sees_unpublished(role: Role | str, scope: Scope) -> bool:
    """Inspectors, and leaders or admins whose regions include a whole city."""
    if role == Role.inspector:
        return True
    return role in (Role.leader, Role.admin) and any(city_wide(p) for p in scope.paths)


def published_clause(inspection, role: Role | str, scope: Scope) -> sa.ColumnElement[bool]:
    """Add to any query over `inspection` (the Inspection class or an alias), beside the
    region clause: true for everyone who may see unpublished work, else published only."""
    if sees_unpublished(role, scope):  # pass the user's own scope, not one narrowed by a filter
        return sa.true()
    return inspection.published_at.is_not(None)


def latest_per_station(*conditions):
    """A subquery of the inspections meeting `conditions` ranked per station, newest first
    (station_id, inspection_id, rank); `stations_with_latest` joins each station to its latest.

    A window (ROW_NUMBER, on SQLite and PostgreSQL alike) that carries only ids through its
    sort: the score, grade, date and category scores are fetched by id afterwards, for one row
    per station instead of every inspection that meets the conditions."""
    rank = sa.func.row_number().over(partition_by=Inspection.station_id,
                                     order_by=(Inspection.inspected_on.desc(), Inspection.id.desc()))
    return (sa.select(Inspection.station_id.label("station_id"), Inspection.id.label("inspection_id"),
                      rank.label("rank"))
            .where(*conditions).subquery("latest"))


def is_latest(latest, station_id) -> sa.ColumnElement[bool]:
    """The join condition to `latest_per_station`: its first row of the station. In the ON
    clause and with a literal 1, so SQLite builds an index on the ranked rows by (station_id,
    rank) for the join (with a bound parameter it scans them all for each station)."""
    return sa.and_(latest.c.station_id == station_id, latest.c.rank == sa.literal_column("1"))


def stations_with_latest(latest, *, outer: bool = True):
    """FROM Station joined to each station's latest inspection in `latest` (Inspection's
    columns; NULL for a station with none when `outer`, else only stations with one)."""
    join = sa.outerjoin if outer else sa.join
    return join(join(Station, latest, is_latest(latest, Station.id)), Inspection,
                Inspection.id == latest.c.inspection_id)


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
        select(Inspection.id, Inspection.uuid, Inspection.kind, Inspection.mode, Inspection.inspected_on,
               Inspection.score, Inspection.grade, Inspection.vetoed, Station.name.label("station"),
               Inspection.lead_auditor_id, Inspection.review_status, Inspection.review_note, Inspection.revision)
        .join(Station, Station.id == Inspection.station_id)
        .where(Inspection.status == InspectionStatus.submitted, scope.clause(Inspection.path))
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]
