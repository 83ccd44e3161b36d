"""Rectifications (整改) as people work them: a scoped list with overdue days, and one in full.

A rectification from an inspection exists only once the inspection is published, so region
scope alone decides who sees it; the join to Inspection is kept for the list's context.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import Attachment, Inspection, Rectification, RectificationStatus, Region, Station, User
from data.scope import Scope

OPEN_STATES = (RectificationStatus.open, RectificationStatus.reported, RectificationStatus.rechecked)


def overdue_clause(today: date) -> sa.ColumnElement[bool]:
    """SQL, the one definition of an overdue rectification (超期未整改) on every page, the wall and
    the brief: not closed (销号) and its deadline (a calendar date) before `today` — a fix reported
    and waiting for its re-check still counts until it is closed."""
    return sa.and_(Rectification.status.in_([s.value for s in OPEN_STATES]), Rectification.due_on < today)
LIST_LIMIT = 1000


def list_rectifications(session: Session, scope: Scope, *, today: date, status: str | None = None,
                        source: str | None = None, station_id: int | None = None,
                        limit: int = LIST_LIMIT) -> list[dict]:
    """Rows for the rectification table, most urgent first. status: a RectificationStatus, or
    "overdue" (not closed, past due), or "active" (not closed)."""
    township = sa.orm.aliased(Region)
    query = (select(Rectification.id, Rectification.title, Rectification.source, Rectification.status,
                    Rectification.due_on, Rectification.responsible_person, Rectification.rejections,
                    Rectification.created_at, Rectification.item_code, Station.name.label("station"),
                    township.name.label("township"), Inspection.mode.label("mode"),
                    Inspection.inspected_on.label("inspected_on"))
             .join(Station, Station.id == Rectification.station_id, isouter=True)
             .join(township, township.id == Station.township_id, isouter=True)
             .join(Inspection, Inspection.id == Rectification.inspection_id, isouter=True)
             .where(scope.clause(Rectification.path)))
    if status == "overdue":
        query = query.where(overdue_clause(today))
    elif status == "active":
        query = query.where(Rectification.status.in_(OPEN_STATES))
    elif status:
        query = query.where(Rectification.status == status)
    if source:
        query = query.where(Rectification.source == source)
    if station_id:
        query = query.where(Rectification.station_id == station_id)
    closed_last = sa.case((Rectification.status == RectificationStatus.closed, 1), else_=0)
    query = query.order_by(closed_last, Rectification.due_on, Rectification.id).limit(limit)
    rows = []
    for row in session.exec(query):
        item = dict(row._mapping)
        late = (today - item["due_on"]).days if item["status"] != RectificationStatus.closed else 0
        item["overdue_days"] = max(0, late)
        rows.append(item)
    return rows


def status_counts(session: Session, scope: Scope, *, today: date) -> dict[str, int]:
    """How many rectifications are in each state, plus "overdue" (not closed, past due)."""
    counts = dict(session.exec(select(Rectification.status, sa.func.count()).where(scope.clause(Rectification.path))
                               .group_by(Rectification.status)).all())
    overdue = session.exec(select(sa.func.count()).select_from(Rectification).where(
        scope.clause(Rectification.path), overdue_clause(today))).one()
    return {**{str(s): counts.get(s, 0) for s in RectificationStatus}, "overdue": overdue}


def get_rectification(session: Session, scope: Scope, rectification_id: int) -> dict | None:
    """One rectification with its station, inspection, the people on it and its photos."""
    rect = session.get(Rectification, rectification_id)
    if rect is None or not scope.covers(rect.path):
        return None
    station = session.get(Station, rect.station_id) if rect.station_id else None
    inspection = session.get(Inspection, rect.inspection_id) if rect.inspection_id else None
    people = {u.id: u.display_name for u in session.exec(select(User).where(User.id.in_(
        [i for i in (rect.reported_by, rect.rechecked_by, rect.created_by, rect.responsible_user_id) if i])))}
    photos = session.exec(select(Attachment.uuid, Attachment.uploaded_by, Attachment.created_at).where(
        Attachment.owner_uuid == rect.uuid).order_by(Attachment.created_at)).all()
    evidence = []
    if inspection is not None and rect.item_code:
        evidence = (inspection.answers.get(rect.item_code) or {}).get("photos", [])
    return {"rect": rect, "station": station, "inspection": inspection, "people": people,
            "photos": [str(p.uuid) for p in photos], "finding_photos": evidence}
