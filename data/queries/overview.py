"""The overview page's figures: one aggregate query each, scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import (
    Rectification,
    RectificationStatus,
    Secondment,
    Station,
    StationKind,
)
from data.queries.cases import cases_now, received_sums  # one definition of open, overdue, supervised
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


def case_figures(session: Session, *, scope: Scope, today: date) -> dict[str, int]:
    """The overview's figures of cases alone (open, overdue and supervised now; received this year
    and last year to the same day, workers and money): what changes only when a case does, so a
    page may keep it by the cases' data version (web.cache.panel)."""
    now = cases_now(session, scope=scope, today=today)

    def ytd(start: date, end: date) -> list[int]:
        return received_sums(session, scope=scope, start=start, end=end).get((), [0, 0, 0])

    this_year = ytd(date(today.year, 1, 1), today)
    last_year = ytd(date(today.year - 1, 1, 1), same_day_last_year(today))
    return {"open_cases": now.open, "overdue_cases": now.overdue, "supervised_cases": now.supervised,
            "cases_ytd": this_year[0], "cases_ytd_last_year": last_year[0], "workers_ytd": int(this_year[1]),
            "amount_ytd_cents": int(this_year[2])}


def overview_figures(session: Session, *, scope: Scope, today: date, calendar: WorkCalendar = DEFAULT_CALENDAR,
                     cases: dict[str, int] | None = None) -> OverviewFigures:
    """Every figure of the overview's tiles; `cases`: case_figures already read (kept by the page)."""
    cases = cases if cases is not None else case_figures(session, scope=scope, today=today)

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
        **cases, stations=station_counts[0], village_points=station_counts[1],
        logs_this_month=logs["filed"], logs_expected_this_month=logs["due"], cadres=cadres,
        open_rectifications=open_rect,
    )


def cases_by_month(session: Session, *, scope: Scope, year: int, cut: date | None = None) -> dict[int, int]:
    """Cases received per month of `year` ({month: count}, months with none left out). `cut`: the
    month of that day counts only up to it (last year's month set beside this one's first days)."""
    sums = received_sums(session, scope=scope, start=date(year, 1, 1), end=date(year, 12, 31), by=("month",))
    out = {month.month: values[0] for (month,), values in sums.items() if values[0]}
    if cut is not None and cut.year == year:
        out.pop(cut.month, None)
        if n := received_sums(session, scope=scope, start=cut.replace(day=1), end=cut).get((), [0])[0]:
            out[cut.month] = n
    return out
