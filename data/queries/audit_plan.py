"""暗访计划 as its readers may see it. Confidential (the point of mystery shopping): the plan and
all its assignments are for the inspection leads (an inspector of the city's own staff: whole-city
regions and no home county) and city leaders; a seconded auditor sees their own assignments only,
from NOTICE_DAYS before the day, and only once the plan is published; nobody else sees anything
of it — no station-side page, callback, API answer, export or the wall reads this module."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from data.models import (
    AuditAssignment,
    AuditPlan,
    AuditPlanStatus,
    Inspection,
    Region,
    Role,
    Station,
    User,
)
from data.scope import Scope, city_wide

NOTICE_DAYS = 3


def plan_access(role: Role | str, scope: Scope, home_path: str | None) -> str | None:
    """"lead" (the whole plan), "auditor" (their own assignments, shortly before), or None."""
    whole = any(city_wide(p) for p in scope.paths)
    if role == Role.leader and whole:
        return "lead"
    if role == Role.inspector:
        return "lead" if whole and home_path is None else "auditor"
    return None


def access_of(session: Session, *, user_id: int, role: Role | str, scope: Scope) -> str | None:
    """plan_access for a stored user (their home county read from the database)."""
    user = session.get(User, user_id)
    return plan_access(role, scope, user.home_path if user else None)


def list_plans(session: Session, *, scope: Scope) -> list[dict]:
    """The plans over the lead's regions, newest first, with their assignment counts."""
    counted = (select(AuditAssignment.plan_id, sa.func.count().label("n"),
                      sa.func.count(AuditAssignment.inspection_id).label("done"))
               .group_by(AuditAssignment.plan_id).subquery())
    rows = session.exec(select(AuditPlan, counted.c.n, counted.c.done)
                        .outerjoin(counted, counted.c.plan_id == AuditPlan.id)
                        .where(scope.clause(AuditPlan.path))
                        .order_by(AuditPlan.period_from.desc(), AuditPlan.id.desc())).all()
    return [{"id": p.id, "name": p.name, "period_from": p.period_from, "period_to": p.period_to,
             "status": str(p.status), "seed": p.seed, "modes": list(p.modes or []), "per_station": p.per_station,
             "assignments": int(n or 0), "done": int(d or 0)} for p, n, d in rows]


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.display_name).where(User.id.in_(sorted(ids)))).all())


def _status(row_done: bool, due_on: date, today: date) -> str:
    return "done" if row_done else ("overdue" if due_on < today else "planned")


def assignments(session: Session, *, plan_id: int, scope: Scope, today: date) -> list[dict]:
    """Every assignment of a plan over the lead's regions, by date: [{id, due_on, station, county,
    mode, auditors, status, inspected_on}]."""
    township, county = aliased(Region), aliased(Region)
    rows = session.exec(
        select(AuditAssignment, Station.name, county.name, Inspection.inspected_on)
        .join(AuditPlan, AuditPlan.id == AuditAssignment.plan_id)
        .join(Station, Station.id == AuditAssignment.station_id)
        .join(township, township.id == Station.township_id).join(county, county.id == township.parent_id)
        .outerjoin(Inspection, Inspection.id == AuditAssignment.inspection_id)
        .where(AuditAssignment.plan_id == plan_id, scope.clause(AuditPlan.path))
        .order_by(AuditAssignment.due_on, AuditAssignment.station_id)).all()
    names = _names(session, {u for a, *_rest in rows for u in a.auditor_ids or []})
    return [{"id": a.id, "due_on": a.due_on, "station": station, "county": county_name, "mode": a.mode,
             "auditors": [names.get(u, str(u)) for u in a.auditor_ids or []],
             "status": _status(a.inspection_id is not None, a.due_on, today), "inspected_on": inspected}
            for a, station, county_name, inspected in rows]


def progress(session: Session, *, plan_id: int, scope: Scope, today: date) -> dict:
    """{planned, done, overdue, stations, covered, by_county: [{county, stations, covered, planned,
    done, overdue}]}: covered = stations with at least one audit done."""
    rows = assignments(session, plan_id=plan_id, scope=scope, today=today)
    counties: dict[str, dict] = defaultdict(lambda: {"stations": set(), "covered": set(), "planned": 0, "done": 0,
                                                     "overdue": 0})
    for row in rows:
        c = counties[row["county"]]
        c["stations"].add(row["station"])
        c[row["status"]] += 1
        if row["status"] == "done":
            c["covered"].add(row["station"])
    by_county = [{"county": name, "stations": len(c["stations"]), "covered": len(c["covered"]),
                  "planned": c["planned"], "done": c["done"], "overdue": c["overdue"]}
                 for name, c in sorted(counties.items())]
    return {"planned": sum(c["planned"] for c in by_county), "done": sum(c["done"] for c in by_county),
            "overdue": sum(c["overdue"] for c in by_county), "stations": sum(c["stations"] for c in by_county),
            "covered": sum(c["covered"] for c in by_county), "by_county": by_county}


def my_assignments(session: Session, *, user_id: int, today: date, notice_days: int = NOTICE_DAYS) -> list[dict]:
    """An auditor's own open assignments of published plans, due from the past up to `notice_days`
    ahead: [{id, due_on, station_id, station, mode, partners, overdue}]."""
    rows = session.exec(
        select(AuditAssignment, Station.name)
        .join(AuditPlan, AuditPlan.id == AuditAssignment.plan_id)
        .join(Station, Station.id == AuditAssignment.station_id)
        .where(AuditPlan.status == AuditPlanStatus.published.value, AuditAssignment.inspection_id.is_(None),
               AuditAssignment.due_on <= today + timedelta(days=notice_days),
               AuditAssignment.due_on >= AuditPlan.period_from)
        .order_by(AuditAssignment.due_on)).all()
    mine = [(a, name) for a, name in rows if user_id in (a.auditor_ids or [])]
    names = _names(session, {u for a, _name in mine for u in a.auditor_ids or []})
    return [{"id": a.id, "due_on": a.due_on, "station_id": a.station_id, "station": name, "mode": a.mode,
             "partners": [names.get(u, str(u)) for u in a.auditor_ids if u != user_id],
             "overdue": a.due_on < today} for a, name in mine]
