"""The overview page's figures: one aggregate query each, scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import (
    CaseStatus,
    Rectification,
    RectificationStatus,
    Secondment,
    Station,
    StationKind,
    WageCase,
    WorkLog,
)
from data.rules.calendar import DEFAULT_CALENDAR, WorkCalendar
from data.scope import Scope

OPEN_CASE_STATES = (CaseStatus.received, CaseStatus.accepted, CaseStatus.investigating)


@dataclass(frozen=True)
class OverviewFigures:
    open_cases: int
    overdue_cases: int
    supervised_cases: int
    cases_ytd: int
    cases_ytd_last_year: int
    workers_ytd: int
    amount_ytd_cents: int
    stations: int
    village_points: int
    logs_this_month: int
    logs_expected_this_month: int
    cadres: int
    open_rectifications: int


def _count(session: Session, stmt) -> int:
    return int(session.exec(stmt).one() or 0)


def same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def overview_figures(session: Session, *, scope: Scope, today: date,
                     calendar: WorkCalendar = DEFAULT_CALENDAR) -> OverviewFigures:
    live = sa.and_(WageCase.deleted_at.is_(None), scope.cases_clause(WageCase))
    is_open = WageCase.status.in_([s.value for s in OPEN_CASE_STATES])
    overdue = sa.or_(
        sa.and_(WageCase.status == CaseStatus.received.value, WageCase.accept_due < today),
        sa.and_(WageCase.status.in_([CaseStatus.accepted.value, CaseStatus.investigating.value]),
                WageCase.investigate_due < today),
    )
    case_counts = session.exec(
        select(
            sa.func.count().filter(is_open),
            sa.func.count().filter(overdue),
            sa.func.count().filter(sa.and_(is_open, WageCase.supervised.is_(True))),
        ).where(live)
    ).one()

    def ytd(start: date, end: date):
        return session.exec(
            select(sa.func.count(), sa.func.coalesce(sa.func.sum(WageCase.workers), 0),
                   sa.func.coalesce(sa.func.sum(WageCase.amount_claimed_cents), 0))
            .where(live, WageCase.received_on >= start, WageCase.received_on <= end)
        ).one()

    this_year = ytd(date(today.year, 1, 1), today)
    last_year = ytd(date(today.year - 1, 1, 1), same_day_last_year(today))

    station_counts = session.exec(
        select(
            sa.func.count().filter(Station.kind == StationKind.township_station.value),
            sa.func.count().filter(Station.kind != StationKind.township_station.value),
        ).where(Station.active.is_(True), scope.clause(Station.path))
    ).one()

    month_start = today.replace(day=1)
    logs = _count(session, select(sa.func.count()).select_from(WorkLog)
                  .where(scope.clause(WorkLog.path), WorkLog.log_date >= month_start, WorkLog.log_date <= today))
    cadres = _count(session, select(sa.func.count()).select_from(Secondment)
                    .where(scope.clause(Secondment.path), Secondment.starts_on <= today, Secondment.ends_on >= today))
    working_days = sum(1 for i in range((today - month_start).days + 1)
                       if calendar.is_working_day(month_start + timedelta(days=i)))
    open_rect = _count(session, select(sa.func.count()).select_from(Rectification)
                       .where(scope.clause(Rectification.path),
                              Rectification.status != RectificationStatus.closed.value))
    return OverviewFigures(
        open_cases=case_counts[0], overdue_cases=case_counts[1], supervised_cases=case_counts[2],
        cases_ytd=this_year[0], cases_ytd_last_year=last_year[0],
        workers_ytd=int(this_year[1]), amount_ytd_cents=int(this_year[2]),
        stations=station_counts[0], village_points=station_counts[1],
        logs_this_month=logs, logs_expected_this_month=cadres * working_days, cadres=cadres,
        open_rectifications=open_rect,
    )


def cases_by_month(session: Session, *, scope: Scope, year: int, cut: date | None = None) -> dict[int, int]:
    """Cases received per month of `year` ({month: count}, months with none left out). `cut`: the
    month of that day counts only up to it (last year's month set beside this one's first days)."""
    month = sa.extract("month", WageCase.received_on)
    conds = [WageCase.deleted_at.is_(None), scope.cases_clause(WageCase),
             WageCase.received_on >= date(year, 1, 1), WageCase.received_on <= date(year, 12, 31)]
    if cut is not None:
        month_end = date(cut.year + cut.month // 12, cut.month % 12 + 1, 1) - timedelta(days=1)
        conds.append(sa.or_(WageCase.received_on <= cut, WageCase.received_on > month_end))
    rows = session.exec(select(month, sa.func.count()).where(*conds).group_by(month)).all()
    return {int(m): int(n) for m, n in rows}
