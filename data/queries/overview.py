"""The overview page's figures: one aggregate query each, scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import (
    Rectification,
    RectificationStatus,
    Secondment,
    Station,
    StationKind,
    WageCase,
)
from data.queries.cases import cases_now  # one definition of open, overdue and supervised
from data.queries.logs import filing  # one rule of work-log filing
from data.rules.calendar import DEFAULT_CALENDAR, WorkCalendar, same_day_last_year
from data.scope import Scope


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


def overview_figures(session: Session, *, scope: Scope, today: date,
                     calendar: WorkCalendar = DEFAULT_CALENDAR) -> OverviewFigures:
    live = sa.and_(WageCase.deleted_at.is_(None), scope.cases_clause(WageCase))
    now = cases_now(session, scope=scope, today=today)

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

    logs = filing(session, scope, first=today.replace(day=1), last=today, today=today, calendar=calendar)
    cadres = _count(session, select(sa.func.count()).select_from(Secondment)
                    .where(scope.clause(Secondment.path), Secondment.starts_on <= today, Secondment.ends_on >= today))
    open_rect = _count(session, select(sa.func.count()).select_from(Rectification)
                       .where(scope.clause(Rectification.path),
                              Rectification.status != RectificationStatus.closed.value))
    return OverviewFigures(
        open_cases=now.open, overdue_cases=now.overdue, supervised_cases=now.supervised,
        cases_ytd=this_year[0], cases_ytd_last_year=last_year[0],
        workers_ytd=int(this_year[1]), amount_ytd_cents=int(this_year[2]),
        stations=station_counts[0], village_points=station_counts[1],
        logs_this_month=logs["filed"], logs_expected_this_month=logs["due"], cadres=cadres,
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
