"""暗访计划: drawing a plan (and drawing it again while it is a draft), publishing it, and closing
an assignment when its audit is recorded. Only the inspection leads and city leaders
(data.queries.audit_plan.plan_access) act on plans; every act is audited with the seed, so the
draw can be reproduced."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data.errors import N_, NotAllowed, ValidationError, WorkflowError
from data.models import (
    AuditAssignment,
    AuditPlan,
    AuditPlanStatus,
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    Rectification,
    Region,
    RegionLevel,
    Role,
    Station,
    StationKind,
    TemplateKind,
    User,
)
from data.queries import ratings
from data.queries.audit_plan import access_of
from data.queries.leadership import latest_grades
from data.queries.regions import county_path_length
from data.queries.settings import get_setting, work_calendar
from data.queries.stations import OPEN_RECTIFICATION
from data.rules.audit_plan import DEFAULT_WEIGHTS, MODES, Auditor, Candidate, DrawError, draw_plan
from data.rules.calendar import same_day_last_year
from data.scope import city_wide
from data.services.common import Actor, audit
from data.types import utcnow

MAX_PER_STATION = 12


def _lead(session: Session, actor: Actor) -> None:
    if access_of(session, user_id=actor.id, role=actor.role, scope=actor.scope) != "lead":
        raise NotAllowed(N_("只有督查负责人和市级领导可以编制暗访计划"))


def _plan_region(session: Session, actor: Actor) -> Region:
    """The region the lead's plan covers: their city, or their province when their regions are above
    the cities (plan_access makes a province's leader a lead too; its plan spans its cities, each
    auditor still kept from their own county)."""
    region = session.exec(select(Region).where(
        Region.path.in_([p for p in actor.scope.paths if city_wide(p)]), Region.valid_to.is_(None),
        Region.level.in_([RegionLevel.city.value, RegionLevel.province.value]))
        .order_by(sa.func.length(Region.path), Region.area_code)).first()
    if region is None:
        raise NotAllowed(N_("只有督查负责人和市级领导可以编制暗访计划"))
    return region


def weights(session: Session) -> dict:
    value = get_setting(session, key="audit_plan.weights")
    return value if isinstance(value, dict) else DEFAULT_WEIGHTS


def candidates(session: Session, *, path: str, today: date) -> list[Candidate]:
    """The region's township stations with what weighs on them: the latest grade, the open
    rectifications and the 差评 of the last year."""
    from data.scope import Scope
    scope = Scope((path,))
    grades = latest_grades(session, scope, as_of=today)
    open_counts = dict(session.exec(
        select(Rectification.station_id, sa.func.count()).where(
            scope.clause(Rectification.path), Rectification.status.in_(OPEN_RECTIFICATION),
            Rectification.station_id.is_not(None)).group_by(Rectification.station_id)).all())
    complaints = ratings.by_station(session, scope=scope, start=same_day_last_year(today), end=today)
    stations = session.exec(select(Station.id, Station.path).where(
        Station.active.is_(True), Station.kind == StationKind.township_station.value, scope.clause(Station.path))
        .order_by(Station.id)).all()
    county = county_path_length(session)
    return [Candidate(sid, spath[:county], str(grades[sid]) if grades.get(sid) else None,
                      int(open_counts.get(sid, 0)), complaints.get(sid, (0, 0))[1]) for sid, spath in stations]


def auditors(session: Session, *, path: str) -> list[Auditor]:
    """Active inspectors whose regions reach into the plan's region, with the county they come from."""
    from data.models import UserRegion
    rows = session.exec(select(User.id, User.home_path).join(UserRegion, UserRegion.user_id == User.id)
                        .join(Region, Region.id == UserRegion.region_id)
                        .where(User.role == Role.inspector.value, User.active.is_(True),
                               sa.or_(Region.path.startswith(path), sa.literal(path).startswith(Region.path)))
                        .distinct().order_by(User.id)).all()
    county = county_path_length(session)
    return [Auditor(uid, home[:county] if home and len(home) >= county else None)
            for uid, home in rows]


def draw(session: Session, *, actor: Actor, name: str, period_from: date, period_to: date, modes: list[str],
         per_station: int, today: date, seed: int | None = None, plan_id: int | None = None,
         now: datetime | None = None) -> AuditPlan:
    """Draw a plan (or draw a draft again, with a new seed unless one is given). Raises NotAllowed
    (not a lead), WorkflowError (the plan is published), ValidationError (the form)."""
    now = now or utcnow()
    _lead(session, actor)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError(N_("请填写计划名称（80 字以内）"), field="name")
    if not isinstance(period_from, date) or not isinstance(period_to, date) or period_from > period_to:
        raise ValidationError(N_("请填写计划期间"), field="period")
    if (period_to - period_from).days > 366:
        raise ValidationError(N_("计划期间不能超过一年"), field="period")
    modes = [m for m in MODES if m in set(modes or [])]
    if not modes:
        raise ValidationError(N_("请至少选择一种督查方式"), field="modes")
    if isinstance(per_station, bool) or not isinstance(per_station, int) or not 1 <= per_station <= MAX_PER_STATION:
        raise ValidationError(N_("每站次数应为 1 到 12 之间的整数"), field="per_station")
    template = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.kind == TemplateKind.window_audit.value,
                                                            ChecklistTemplate.is_current.is_(True))).first()
    if template is None:
        raise ValidationError(N_("没有在用的窗口督查模板"), field="template")
    region = _plan_region(session, actor)
    plan = None
    if plan_id is not None:
        plan = session.get(AuditPlan, plan_id, with_for_update=True)
        if plan is None or not actor.scope.covers(plan.path):
            raise NotAllowed(N_("计划不存在或不在您的管辖范围内"))
        if plan.status != AuditPlanStatus.draft:
            raise WorkflowError(N_("已发布的计划不能重新抽取"))
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else secrets.randbits(48)
    calendar = work_calendar(session)
    days = [period_from + timedelta(days=n) for n in range((period_to - period_from).days + 1)]
    workdays = [d for d in days if calendar.is_working_day(d)]
    used = weights(session)
    try:
        drawn = draw_plan(candidates(session, path=region.path, today=today), auditors(session, path=region.path),
                          workdays=workdays, modes=modes, per_station=per_station, seed=seed, weights=used)
    except DrawError:
        raise ValidationError(N_("回避本县后可派的督查人员不足两名，或期间内没有工作日"), field="period") from None
    if plan is None:
        plan = AuditPlan(name=name, path=region.path, period_from=period_from, period_to=period_to,
                         template_id=template.id, modes=modes, per_station=per_station, weights=used, seed=seed,
                         status=AuditPlanStatus.draft, created_by=actor.id, created_at=now)
        session.add(plan)
        session.flush()
    else:
        session.exec(sa.delete(AuditAssignment).where(AuditAssignment.plan_id == plan.id))
        plan.name, plan.period_from, plan.period_to, plan.modes = name, period_from, period_to, modes
        plan.per_station, plan.weights, plan.seed, plan.template_id = per_station, used, seed, template.id
    paths = dict(session.exec(select(Station.id, Station.path).where(
        Station.id.in_(sorted({d.station_id for d in drawn})))).all()) if drawn else {}
    session.add_all([AuditAssignment(plan_id=plan.id, station_id=d.station_id, path=paths[d.station_id],
                                     due_on=d.due_on, mode=d.mode, auditor_ids=list(d.auditor_ids)) for d in drawn])
    audit(session, actor=actor, action="audit_plan.draw", target_kind="audit_plan", target_id=plan.id,
          details={"seed": seed, "assignments": len(drawn), "period": [period_from.isoformat(), period_to.isoformat()],
                   "modes": modes, "per_station": per_station, "redraw": plan_id is not None}, at=now)
    session.commit()
    return plan


def publish(session: Session, *, actor: Actor, plan_id: int, now: datetime | None = None) -> AuditPlan:
    """Fix the plan: from now on it is never drawn again, and the auditors see their assignments."""
    now = now or utcnow()
    _lead(session, actor)
    plan = session.get(AuditPlan, plan_id, with_for_update=True)
    if plan is None or not actor.scope.covers(plan.path):
        raise NotAllowed(N_("计划不存在或不在您的管辖范围内"))
    if plan.status != AuditPlanStatus.draft:
        raise WorkflowError(N_("计划已经发布"))
    plan.status, plan.published_by, plan.published_at = AuditPlanStatus.published, actor.id, now
    audit(session, actor=actor, action="audit_plan.publish", target_kind="audit_plan", target_id=plan.id,
          details={"seed": plan.seed}, at=now)
    session.commit()
    return plan


def close_assignment(session: Session, *, inspection: Inspection, actor: Actor) -> AuditAssignment | None:
    """An audit recorded for a station closes the published plan's open assignment for that station
    the recording auditors hold, the nearest in date within the plan's period. Added, not committed."""
    if inspection.kind != InspectionKind.window_audit:
        return None
    rows = session.exec(
        select(AuditAssignment).join(AuditPlan, AuditPlan.id == AuditAssignment.plan_id)
        .where(AuditPlan.status == AuditPlanStatus.published.value, AuditAssignment.station_id == inspection.station_id,
               AuditAssignment.inspection_id.is_(None), AuditPlan.period_from <= inspection.inspected_on,
               AuditPlan.period_to >= inspection.inspected_on)).all()
    team = set(inspection.auditor_ids or [])
    mine = [a for a in rows if team & set(a.auditor_ids or [])]
    if not mine:
        return None
    chosen = min(mine, key=lambda a: (abs((a.due_on - inspection.inspected_on).days), a.id))
    chosen.inspection_id = inspection.id
    session.add(chosen)
    audit(session, actor=actor, action="audit_assignment.done", target_kind="audit_assignment",
          target_id=chosen.id, details={"inspection_id": inspection.id, "plan_id": chosen.plan_id})
    return chosen


def release_assignment(session: Session, *, inspection: Inspection) -> None:
    """An audit edited to another station, day or team no longer fulfils the assignment it closed
    (close_assignment then finds the one it fulfils now, if any). Added, not committed."""
    for held in session.exec(select(AuditAssignment).where(AuditAssignment.inspection_id == inspection.id)):
        held.inspection_id = None
        session.add(held)
    session.flush()
