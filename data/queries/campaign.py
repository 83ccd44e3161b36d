"""The winter campaign's figures and the run of declines, for the user's regions
(data.rules.campaign says which days; these count the cases)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import WageCase
from data.queries.cases import cases_now, first_received, received_sums
from data.rules.calendar import same_day_last_year
from data.rules.campaign import campaign_so_far, declining_run, whole_quarters
from data.rules.campaign import winter_campaign as campaign_window
from data.rules.risk import days_to_spring_festival
from data.scope import Scope

MEASURES = ("cases", "workers", "amount_cents")
YEARS = 6  # whole years looked back for a run of yearly declines


def _visible(scope: Scope):
    return sa.and_(WageCase.deleted_at.is_(None), scope.cases_clause(WageCase))


def _received(session: Session, scope: Scope, start: date, end: date) -> dict[str, int]:
    cases, workers, amount, *_rest = received_sums(session, scope=scope, start=start, end=end).get((), [0, 0, 0])
    return {"cases": cases, "workers": workers, "amount_cents": amount}


def _settled(session: Session, scope: Scope, start: date, end: date) -> dict[str, int]:
    """Cases closed in the days, with the workers they concerned and the money recovered."""
    row = session.exec(select(sa.func.count(), sa.func.coalesce(sa.func.sum(WageCase.workers), 0),
                              sa.func.coalesce(sa.func.sum(WageCase.amount_recovered_cents), 0))
                       .where(_visible(scope), WageCase.closed_on >= start, WageCase.closed_on <= end)).one()
    return {"closed": int(row[0]), "workers_paid": int(row[1]), "recovered_cents": int(row[2])}


def winter_campaign(session: Session, *, scope: Scope, today: date) -> dict | None:
    """The campaign under way (or the last one): its days, the days left to the Spring Festival,
    and what it has received and settled so far against the same days of last year's campaign."""
    days = campaign_so_far(today)
    if days is None:
        return None
    start, upto, last_start, last_upto = days
    this = {**_received(session, scope, start, upto), **_settled(session, scope, start, upto)}
    last = {**_received(session, scope, last_start, last_upto), **_settled(session, scope, last_start, last_upto)}
    end = campaign_window(today)[1]
    under_way = today <= end
    open_now = cases_now(session, scope=scope, today=today).open
    return {"start": start, "upto": upto, "end": end, "under_way": under_way,
            "days_left": days_to_spring_festival(today) if under_way else None,
            "last_start": last_start, "last_upto": last_upto, "this": this, "last": last,
            "open_now": open_now, "daily": _daily(session, scope, start, upto)}


def _daily(session: Session, scope: Scope, start: date, upto: date) -> list[tuple[date, int, int]]:
    """The campaign's days so far: (day, cases received, cases closed) — the daily progress."""
    received = dict(session.exec(select(WageCase.received_on, sa.func.count()).where(
        _visible(scope), WageCase.received_on >= start, WageCase.received_on <= upto)
        .group_by(WageCase.received_on)).all())
    closed = dict(session.exec(select(WageCase.closed_on, sa.func.count()).where(
        _visible(scope), WageCase.closed_on >= start, WageCase.closed_on <= upto)
        .group_by(WageCase.closed_on)).all())
    def of(table: dict, day: date) -> int:  # SQLite hands dates back as text
        return int(table.get(day, table.get(day.isoformat(), 0)))
    days = [start + timedelta(days=n) for n in range((upto - start).days + 1)]
    return [(day, of(received, day), of(closed, day)) for day in days]


def declines(session: Session, *, scope: Scope, today: date) -> dict:
    """The run of declines in cases, workers and amount: by whole year (each year below the one
    before: 四连降 is a run of four), and by the last four whole quarters against the same quarter a
    year earlier (三个明显下降: all three measures down)."""
    first_year = today.year - YEARS
    by_year: dict[int, dict[str, int]] = {}
    months = received_sums(session, scope=scope, start=date(first_year, 1, 1), end=date(today.year - 1, 12, 31),
                           by=("month",))
    for (month,), values in months.items():
        year = by_year.setdefault(month.year, dict.fromkeys(MEASURES, 0))
        for measure, value in zip(MEASURES, values, strict=False):
            year[measure] += value
    by_year = {y: v for y, v in by_year.items() if v["cases"]}
    # whole years only: the year the records begin in (a system adopted in July) is not a year's total
    first = first_received(session, scope=scope) or today
    years = sorted(y for y in by_year if first <= date(y, 1, 31))
    # only an unbroken run of years with cases: a year before the data began is not a "rise"
    while years and any(y not in by_year for y in range(years[0], years[-1] + 1)):
        years = years[1:]
    yearly = {m: {"years": years, "values": [by_year[y][m] for y in years],
                  "run": declining_run([by_year[y][m] for y in years])} for m in MEASURES}
    quarters = []
    for start, end in whole_quarters(today, 4):
        now = _received(session, scope, start, end)
        before = _received(session, scope, same_day_last_year(start), same_day_last_year(end))
        quarters.append({"start": start, "end": end, "this": now, "last": before,
                         "down": {m: now[m] < before[m] for m in MEASURES}})
    return {"yearly": yearly, "quarters": quarters,
            "four_quarters_down": {m: bool(quarters) and all(q["down"][m] for q in quarters) for m in MEASURES}}


def cards(session: Session, *, scope: Scope, today: date) -> tuple[dict | None, dict]:
    """What the two campaign cards of /cases and the overview show: (winter_campaign, declines)."""
    return winter_campaign(session, scope=scope, today=today), declines(session, scope=scope, today=today)
