"""Every read about wage cases (欠薪案件): the /cases page's figures, table and detail, its map
route and the risk grades. Keyword-only arguments, always a `scope`; aggregates run in SQL.

A case is visible where it happened, to the office holding it and to the office a pending
transfer is addressed to (`Scope.cases_clause`), and only while not deleted. Every query
below starts from `case_conditions`, so the filter bar means the same thing for the figures,
the map and the table. Results are plain dicts and dataclasses; money stays in integer cents
except the table's `amount`, in yuan for the grid.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from data import rollup
from data.filters import CaseFilters, narrowed
from data.geo import round_geometry
from data.models import (
    CaseDocument,
    CaseEvent,
    CaseEventKind,
    CaseMonth,
    CaseReferral,
    CaseStatus,
    CaseTransfer,
    Employer,
    EmployerCases,
    GridCell,
    Project,
    Region,
    RegionLevel,
    SupervisionOrder,
    SupervisionStatus,
    TransferStatus,
    User,
    WageCase,
)
from data.queries.regions import (
    RegionRow,
    city_of,
    county_path_length,
    get_region_by_code,
    list_regions,
    region_shapes,
)
from data.queries.settings import data_generation, limitation_years
from data.rules.calendar import DEFAULT_CALENDAR, WorkCalendar, month_under_way, same_day_last_year
from data.rules.case_clock import CaseClock, SupervisionThresholds, case_clock, supervision_reasons
from data.rules.limitation import limitation
from data.rules.masking import mask_id_number, mask_name, mask_phone
from data.rules.risk import Risk, RiskGrade, RiskInputs, RiskPolicy, grade_risk, typical_grade
from data.scope import OutOfScope, Scope

S = CaseStatus
OPEN_STATES = (S.received, S.accepted, S.investigating)
# 办结: closed or re-reviewed, or a clue not accepted (不予受理) — each ends the handling
CONCLUDED_STATES = (S.closed, S.re_reviewed, S.rejected)
UNDER_INVESTIGATION = (S.accepted, S.investigating)

BREAKDOWNS = ("industry", "source", "county")
MAP_LEVELS = ("county", "township", "grid")  # county: a province's view (spans_cities)
MAP_METRICS = ("cases", "workers", "amount", "overdue")
EXPORT_LIMIT = 20_000  # rows in one export; the grid asks for pages of at most a few hundred
MAX_TREND_MONTHS = 36


# --- shared SQL pieces ------------------------------------------------------------------------


def overdue_clause(today: date) -> sa.ColumnElement[bool]:
    """SQL: the running statutory clock has passed its deadline."""
    return sa.or_(
        sa.and_(WageCase.status == S.received.value, WageCase.accept_due < today),
        sa.and_(WageCase.status.in_([s.value for s in UNDER_INVESTIGATION]), WageCase.investigate_due < today),
    )


def _due_expression():
    """SQL: the deadline of the clock that runs (acceptance, then investigation), else NULL."""
    return sa.case(
        (WageCase.status == S.received.value, WageCase.accept_due),
        (WageCase.status.in_([s.value for s in UNDER_INVESTIGATION]), WageCase.investigate_due),
        else_=sa.null(),
    )


def _on_time_clause():
    """SQL, for a concluded case: within its deadline. An accepted case closes by its
    investigation deadline; a clue never accepted is answered (rejected, which sets
    decided_on) by its acceptance deadline."""
    return sa.case(
        (WageCase.investigate_due.is_not(None), WageCase.closed_on <= WageCase.investigate_due),
        else_=sa.func.coalesce(WageCase.decided_on, WageCase.closed_on) <= WageCase.accept_due,
    )


def _plain(session: Session, column):
    """`column` as an expression no index serves, on SQLite only.

    SQLite keeps no histograms: it takes a filter column's index (most cases are 'closed')
    or a grouping column's index even when that fetches 200,000 rows one by one, three to
    ten times slower than one scan and a sort, and it then cannot walk the date index for
    ORDER BY received_on … LIMIT either. PostgreSQL's planner knows better: the column stays."""
    if session.get_bind().dialect.name != "sqlite":
        return column
    if isinstance(column.type, sa.Boolean):
        return sa.type_coerce(column, sa.Integer) + 0
    if isinstance(column.type, sa.Integer):
        return column + 0
    return column.concat("")


def _visible(scope: Scope) -> sa.ColumnElement[bool]:
    return sa.and_(WageCase.deleted_at.is_(None), scope.cases_clause(WageCase))


def _grid(session: Session, scope: Scope, code: str) -> GridCell:
    grid = session.exec(select(GridCell).where(GridCell.code == code)).first()
    if grid is None or not scope.covers(grid.path):
        raise OutOfScope(code)  # unknown or not theirs: the same answer
    return grid


def _conditions(session: Session, *, scope: Scope, filters: CaseFilters, today: date,
                period: bool = True) -> list[sa.ColumnElement[bool]]:
    conds = [_visible(narrowed(session, scope, filters))]
    if filters.grid_code:
        conds.append(WageCase.grid_cell_id == _grid(session, scope, filters.grid_code).id)
    if period and filters.date_from:
        conds.append(WageCase.received_on >= filters.date_from)
    if period and filters.date_to:
        conds.append(WageCase.received_on <= filters.date_to)
    for values, column in ((filters.statuses, WageCase.status), (filters.sources, WageCase.source),
                           (filters.industries, WageCase.industry)):
        if values:
            conds.append(_plain(session, column).in_(list(values)))
    if filters.construction is not None:
        conds.append(_plain(session, WageCase.is_construction) == filters.construction)
    if filters.overdue_only:
        conds.append(overdue_clause(today))
    if filters.supervised_only:  # as cases_now counts them: supervised among the open
        conds.append(sa.and_(WageCase.supervised.is_(True), is_open()))
    if filters.text:
        employers = select(Employer.id).where(Employer.name.icontains(filters.text, autoescape=True))
        conds.append(sa.or_(WageCase.case_no.contains(filters.text, autoescape=True),
                            WageCase.employer_id.in_(employers)))
    return conds


def case_conditions(session: Session, *, scope: Scope, filters: CaseFilters,
                    today: date) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of the filter bar, visibility included.

    Raises OutOfScope when the region or grid asked for is unknown or outside the scope."""
    return _conditions(session, scope=scope, filters=filters, today=today)


def _cases(session: Session, select_stmt, conds) -> Any:
    """`select_stmt` over the cases `conds` select."""
    return session.exec(select_stmt.where(*conds))


def _sum(column):
    return sa.func.coalesce(sa.func.sum(column), 0)


# --- figures ----------------------------------------------------------------------------------

SUMMED = ("cases", "workers", "amount_claimed_cents", "amount_recovered_cents", "closed", "closed_on_time")


@dataclass(frozen=True)
class CaseKpis:
    """The figures of the cases received in `period`, the summed ones also for the same period a
    year earlier (`…_last_year`); concluded is as the cases stand today for both periods (no
    history of states is kept). Open, overdue and supervised are today's state of every case the
    other filters select, whenever received (CasesNow): a year-ago "open" would only count last
    year's cases still open now, which no reader compares."""

    period: tuple[date, date]
    last_year_period: tuple[date, date]
    cases: int
    workers: int
    amount_claimed_cents: int
    amount_recovered_cents: int
    closed: int  # 办结: closed, re-reviewed or not accepted
    closed_on_time: int
    cases_last_year: int
    workers_last_year: int
    amount_claimed_cents_last_year: int
    amount_recovered_cents_last_year: int
    closed_last_year: int
    closed_on_time_last_year: int
    open: int
    overdue: int
    supervised: int

    @property
    def closure_rate(self) -> float | None:
        """办结率: concluded of those received."""
        return self.closed / self.cases if self.cases else None

    @property
    def on_time_rate(self) -> float | None:
        """时限办结率: concluded within their deadline, of those concluded."""
        return self.closed_on_time / self.closed if self.closed else None

    @property
    def closure_rate_last_year(self) -> float | None:
        return self.closed_last_year / self.cases_last_year if self.cases_last_year else None

    @property
    def on_time_rate_last_year(self) -> float | None:
        return self.closed_on_time_last_year / self.closed_last_year if self.closed_last_year else None


def _raw_key(session: Session, name: str):
    return _plain(session, {"region_id": WageCase.region_id, "grid_cell_id": WageCase.grid_cell_id,
                            "path": WageCase.path, "industry": WageCase.industry, "source": WageCase.source}[name])


def _period_sums(session: Session, *, scope: Scope, filters: CaseFilters, today: date, start: date | None,
                 end: date | None, by: tuple[str, ...] = ()) -> dict[tuple, list[int]]:
    """Per value of `by` (a tuple; "month" is the first day of the month received, "day" the day):
    cases, workers, amount claimed, amount recovered, concluded and concluded on time, of the cases
    received in [start, end] (None: unbounded) that the scope and the other filters select.

    The whole months come from the rollup when it can answer the filters (data.rollup), the
    days at the edges from its DAY grain when no filter value is chosen, else (and everything
    the rollup cannot answer) from wage_case: the same figures either way."""
    out: dict[tuple, list[int]] = {}

    def add(key: tuple, values) -> None:
        total = out.setdefault(key, [0] * rollup.SUMS)
        for i, v in enumerate(values):
            total[i] += int(v or 0)

    def key(row) -> tuple:  # "month" the month's first day, "day" the day
        return tuple(_as_date(v).replace(day=1) if k == "month" else _as_date(v) if k == "day" else v
                     for k, v in zip(by, row, strict=False))

    edges = [(start, end)]
    places = tuple(k for k in by if k != "day")
    if rollup.answers(filters, by):
        if "day" in by:  # by day: the DAY grain for every day when no filter value is chosen, else the cases
            ranges, edges = ([((start, end), True)], []) if rollup.area_grain(filters, places) else ([], edges)
        else:
            months, edges = rollup.split(start, end)
            ranges = [(months, False)] if months is not None else []
            if rollup.area_grain(filters, by):  # the edges' days from the rollup's DAY grain too
                ranges, edges = ranges + [(edge, True) for edge in edges], []
        view = narrowed(session, scope, filters)
        for period, days in ranges:
            for row in rollup.month_sums(session, scope=view, filters=filters, months=period, by=by, days=days):
                add(key(row), row[len(by):])
    conds = _conditions(session, scope=scope, filters=filters, today=today, period=False)
    concluded = WageCase.status.in_([s.value for s in CONCLUDED_STATES])
    keys = [WageCase.received_on if k in ("month", "day") else _raw_key(session, k) for k in by]
    for lo, hi in edges:
        stmt = select(*keys, sa.func.count(), _sum(WageCase.workers), _sum(WageCase.amount_claimed_cents),
                      _sum(WageCase.amount_recovered_cents), sa.func.count().filter(concluded),
                      sa.func.count().filter(sa.and_(concluded, _on_time_clause())))
        if keys:
            stmt = stmt.group_by(*keys)
        period = ([WageCase.received_on >= lo] if lo else []) + ([WageCase.received_on <= hi] if hi else [])
        for row in _cases(session, stmt, [*conds, *period]).all():
            add(key(row), row[len(by):])
    return out


def received_sums(session: Session, *, scope: Scope, start: date | None, end: date | None,
                  by: tuple[str, ...] = ()) -> dict[tuple, list[int]]:
    """Cases, workers, amount claimed, recovered, concluded and concluded on time of every case
    received in [start, end] in the scope, per `by` ("month", "day", "region_id", "path"): the
    overview's, the wall's and the brief's figures, from the rollup like /cases'."""
    return _period_sums(session, scope=scope, filters=CaseFilters(), today=end or date.max, start=start, end=end,
                        by=by)


def first_received(session: Session, *, scope: Scope) -> date | None:
    """The day the first case the scope sees was received (None: no case)."""
    if rollup.ENABLED:
        return _as_date(rollup.first_day(session, scope))
    return _as_date(session.exec(select(sa.func.min(WageCase.received_on)).where(_visible(scope))).one())


def is_open():
    """SQL: a statutory clock runs (the open states), written as the partial index on the open cases
    states it (data.models.OPEN_CASES), its values inline: SQLite uses a partial index only for a
    WHERE that states its condition in constants, not in bound parameters."""
    return WageCase.status.in_([sa.literal_column(f"'{s.value}'") for s in OPEN_STATES])


@dataclass(frozen=True)
class CasesNow:
    """The cases as they stand today, whenever they were received — one definition for the
    overview, /cases, the wall and the brief: open (a statutory clock runs: received, accepted,
    investigating), overdue (the running clock is past its deadline, overdue_clause) and
    supervised (督办) among the open ones."""

    open: int
    overdue: int
    supervised: int


def _now(session: Session, conds: list, today: date) -> CasesNow:
    # all three are open cases (a running clock is an open case's): the status index reads the
    # open ones only, not every case of every year
    row = _cases(session, select(sa.func.count(), sa.func.count().filter(overdue_clause(today)),
                                 sa.func.count().filter(WageCase.supervised.is_(True))), [*conds, is_open()]).one()
    return CasesNow(*(int(v or 0) for v in row))


def cases_now(session: Session, *, scope: Scope, today: date) -> CasesNow:
    """Open, overdue and supervised cases in the scope today (CasesNow)."""
    return _now(session, [_visible(scope)], today)


def case_kpis(session: Session, *, scope: Scope, filters: CaseFilters, today: date) -> CaseKpis:
    """Cases, workers, money, concluded and on time for the filters' period (default: this year to
    today) and the same period last year (_period_sums: the rollup where it answers); open,
    overdue and supervised today (CasesNow)."""
    end = filters.date_to or today
    start = filters.date_from or date(end.year, 1, 1)
    last = (same_day_last_year(start), same_day_last_year(end))
    now, before = (_period_sums(session, scope=scope, filters=filters, today=today, start=a, end=b)
                   .get((), [0] * rollup.SUMS) for a, b in ((start, end), last))
    current = _now(session, _conditions(session, scope=scope, filters=filters, today=today, period=False), today)
    return CaseKpis(period=(start, end), last_year_period=last, **dict(zip(SUMMED, now, strict=True)),
                    **{f"{name}_last_year": value for name, value in zip(SUMMED, before, strict=True)},
                    open=current.open, overdue=current.overdue, supervised=current.supervised)


def _month_add(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def monthly_trend(session: Session, *, scope: Scope, filters: CaseFilters, today: date,
                  months: int = 12) -> list[dict]:
    """Per month, oldest first: cases, workers, amount (cents), recovered, closed and closed
    on time of the cases received that month, with cases / workers / amount of the same month
    a year earlier (`…_last_year`).

    The months end with the filters' end date (default today) and start with the month of
    their start date, or `months` back (at most 36). An unfinished last month is compared
    with last year's month up to the same day (`partial`, `through` its last day so far).

    Whole months from the rollup, this month so far (and last year's month to the same day)
    from the cases, grouped by day and summed into months here (_period_sums)."""
    end = min(filters.date_to or today, today)
    if filters.date_from and filters.date_from <= end:
        first = (filters.date_from.year, filters.date_from.month)
        if (end.year - first[0]) * 12 + end.month - first[1] >= MAX_TREND_MONTHS:
            first = _month_add(end.year, end.month, -(MAX_TREND_MONTHS - 1))
    else:
        first = _month_add(end.year, end.month, -(max(1, min(months, MAX_TREND_MONTHS)) - 1))
    last_year_end = same_day_last_year(end)
    partial = month_under_way(end)
    since = date(first[0] - 1, first[1], 1)  # a year before the first month, for last year's figures
    sums = _period_sums(session, scope=scope, filters=filters, today=today, start=since, end=end, by=("month",))
    by_month = {(m.year, m.month): values for (m,), values in sums.items()}
    upto: dict[tuple[int, int], list[int]] = {}  # last year's month cut at the same day
    if partial:
        cut = _period_sums(session, scope=scope, filters=filters, today=today,
                           start=last_year_end.replace(day=1), end=last_year_end)
        upto[(last_year_end.year, last_year_end.month)] = cut.get((), [0] * rollup.SUMS)
    out = []
    ym = first
    while ym <= (end.year, end.month):
        now = by_month.get(ym, [0] * 6)
        current = partial and ym == (end.year, end.month)
        before = (upto if current else by_month).get((ym[0] - 1, ym[1]), [0] * 6)
        out.append({"year": ym[0], "month": ym[1], "cases": now[0], "workers": now[1], "amount": now[2],
                    "recovered": now[3], "closed": now[4], "closed_on_time": now[5], "cases_last_year": before[0],
                    "workers_last_year": before[1], "amount_last_year": before[2], "partial": current,
                    "through": end.day if current else None})
        ym = _month_add(ym[0], ym[1], 1)
    return out


def breakdown(session: Session, *, scope: Scope, filters: CaseFilters, today: date,
              by: str = "industry") -> list[dict]:
    """Cases, workers and money by industry, source channel or county, most cases first:
    [{key, name, cases, workers, amount_cents}]. `key` is the industry or source code (the
    page names them) or the county's area code (`name` is the county's name).

    A county's figures are those of its townships, where the cases happened: grouped by
    township in SQL and summed up here (two hundred rows, not a join over every case)."""
    if by not in BREAKDOWNS:
        raise ValueError(f"breakdown by one of {BREAKDOWNS}")
    key = {"industry": "industry", "source": "source", "county": "region_id"}[by]
    sums = _period_sums(session, scope=scope, filters=filters, today=today, start=filters.date_from,
                        end=filters.date_to, by=(key,))
    rows = [(k, n, w, a) for (k,), (n, w, a, *_rest) in sums.items() if n]
    if by == "county":
        county = aliased(Region)
        parents = {township: (code, name) for township, code, name in session.exec(
            select(Region.id, county.area_code, county.name).join(county, county.id == Region.parent_id)
            .where(Region.id.in_([r[0] for r in rows])))} if rows else {}
        keyed = [(parents.get(k, ("", "")), n, w, a) for k, n, w, a in rows]
    else:
        keyed = [((str(k), str(k)), n, w, a) for k, n, w, a in rows]
    totals: dict[tuple[str, str], list[int]] = {}
    for name_key, n, w, a in keyed:
        total = totals.setdefault(name_key, [0, 0, 0])
        total[0], total[1], total[2] = total[0] + int(n), total[1] + int(w), total[2] + int(a)
    out = [{"key": k, "name": name, "cases": n, "workers": w, "amount_cents": a}
           for (k, name), (n, w, a) in totals.items()]
    return sorted(out, key=lambda r: (-r["cases"], -r["amount_cents"], r["key"]))


def repeat_employers(session: Session, *, scope: Scope, filters: CaseFilters, today: date, min_cases: int = 3,
                     limit: int = 20) -> list[dict]:
    """Employers with at least `min_cases` cases under the filters, most first (then the larger sum
    claimed, then the employer's id): candidates for the arrears blacklist (失信联合惩戒名单).
    [{employer_id, name, uscc, cases, workers, amount_cents, latest_received_on, blacklisted_until}]

    Counted among the employers that could be among them (_repeat_by_bounds) when the filters
    select many cases (the rollup on), else (and when that would look at too many) by grouping
    every case of the filters by employer: the same list either way."""
    conds = case_conditions(session, scope=scope, filters=filters, today=today)
    limit = max(1, min(limit, 500))
    many = rollup.ENABLED and _many_cases(session, scope, filters, today)
    counted = _repeat_by_bounds(session, conds, filters, min_cases, limit) if many else None
    if counted is None:
        counted = session.exec(
            _employer_counts(session, [*conds, WageCase.employer_id.is_not(None)], min_cases)
            .order_by(sa.func.count().desc(), _sum(WageCase.amount_claimed_cents).desc(),
                      _plain(session, WageCase.employer_id))
            .limit(limit)).all()
    counted = [(int(e), int(n), int(w or 0), int(a or 0), d) for e, n, w, a, d in counted]
    employers = {i: (name, uscc, until) for i, name, uscc, until in session.exec(
        select(Employer.id, Employer.name, Employer.uscc, Employer.blacklisted_until)
        .where(Employer.id.in_([row[0] for row in counted])))} if counted else {}
    return [{"employer_id": e, "name": employers[e][0], "uscc": employers[e][1], "cases": n, "workers": w,
             "amount_cents": a, "latest_received_on": _as_date(d), "blacklisted_until": employers[e][2]}
            for e, n, w, a, d in counted if e in employers]


def _employer_counts(session: Session, conds: list, min_cases: int):
    """SELECT employer id, cases, workers, sum claimed, last day received, per employer with at
    least `min_cases` of the cases `conds` selects: what repeat_employers counts, either way."""
    employer = _plain(session, WageCase.employer_id)
    return (select(employer, sa.func.count(), _sum(WageCase.workers), _sum(WageCase.amount_claimed_cents),
                   sa.func.max(WageCase.received_on))
            .where(*conds).group_by(employer).having(sa.func.count() >= min_cases))


REPEAT_BATCH, REPEAT_BUDGET = 100, 500  # candidates per look, and at most before grouping every case
REPEAT_MANY = 20_000  # cases under the filters from which grouping them by employer is dearer than the bounds


def _many_cases(session: Session, scope: Scope, filters: CaseFilters, today: date) -> bool:
    """Whether the filters select REPEAT_MANY cases or more (counted from the rollup; filters it
    cannot answer: whether the scope sees every case and no region is chosen)."""
    if not rollup.applies(filters):
        return not (filters.region_code or filters.grid_code) and rollup.sees_everything(session, scope)
    sums = _period_sums(session, scope=scope, filters=filters, today=today, start=filters.date_from,
                        end=filters.date_to)
    return sums.get((), [0])[0] >= REPEAT_MANY


def _repeat_by_bounds(session: Session, conds: list, filters: CaseFilters, min_cases: int,
                      limit: int) -> list[tuple] | None:
    """The top `limit` repeat employers under `conds`, counted only among the employers whose count
    could place them: employer_cases holds each employer's cases in a year and in all, which no
    filter can exceed, so the employers are looked at in the order of that bound — the year's when
    the period lies in one year, else all years' — a hundred at a time, and the look stops once
    the last place is held by more cases than any employer not yet looked at can have. None when
    that takes more than REPEAT_BUDGET employers (a filter that few of the most frequent employers
    pass, where grouping the cases it selects is quicker)."""
    start, end = filters.date_from, filters.date_to
    year = start.year if start is not None and end is not None and start.year == end.year else 0
    bounds = EmployerCases.__table__.c
    found: list[tuple] = []
    after: tuple[int, int] | None = None  # (bound, employer id) of the last employer looked at
    looked = 0
    while True:
        page = sa.select(bounds.employer_id, bounds.cases).where(bounds.year == year, bounds.cases >= min_cases)
        if after is not None:
            page = page.where(sa.or_(bounds.cases < after[0],
                                     sa.and_(bounds.cases == after[0], bounds.employer_id > after[1])))
        candidates = session.execute(page.order_by(bounds.cases.desc(), bounds.employer_id)
                                     .limit(REPEAT_BATCH)).all()
        if candidates:
            found += session.exec(_employer_counts(
                session, [*conds, WageCase.employer_id.in_([c[0] for c in candidates])], min_cases)).all()
            found.sort(key=lambda r: (-int(r[1]), -int(r[3] or 0), int(r[0])))
            del found[limit:]
            after = (int(candidates[-1][1]), int(candidates[-1][0]))
        # done when no employer is left, or none left can reach the last place (a tie on cases
        # could still win on the sum claimed: strictly more)
        if len(candidates) < REPEAT_BATCH or (len(found) == limit and int(found[-1][1]) > after[0]):
            return found
        looked += len(candidates)
        if looked >= REPEAT_BUDGET:
            return None


def _as_date(value) -> date | None:
    # max() of a date column comes back as text on SQLite
    return date.fromisoformat(value) if isinstance(value, str) else value


# --- the case table ---------------------------------------------------------------------------

# what AG Grid may sort by: column id → SQL (None: the running clock's deadline). Nothing
# else reaches ORDER BY.
SORTABLE = {
    "case_no": WageCase.case_no,
    "received_on": WageCase.received_on,
    "status": WageCase.status,
    "source": WageCase.source,
    "industry": WageCase.industry,
    "workers": WageCase.workers,
    "amount": WageCase.amount_claimed_cents,
    "due": None,
    "days_left": None,
    "supervised": WageCase.supervised,
    "township": WageCase.path,  # in code order, which keeps a county's townships together
}


def _order_by(sort: Iterable | None) -> list:
    order = []
    for item in sort or ():
        try:
            column, direction = item
        except (TypeError, ValueError):
            continue
        if not isinstance(column, str) or column not in SORTABLE or direction not in ("asc", "desc"):
            continue
        expr = SORTABLE[column]
        if expr is None:
            expr = _due_expression()
            order.append(expr.is_(None))  # no running clock: last either way
        order.append(expr.desc() if direction == "desc" else expr.asc())
    if not order:
        order.append(WageCase.received_on.desc())
    order.append(WageCase.id.desc())  # a total order, so pages neither repeat nor skip rows
    return order


_INVESTIGATING = frozenset(s.value for s in UNDER_INVESTIGATION)


def clock_of(status: str, accept_due: date | None, investigate_due: date | None, provisional: bool,
             today: date, calendar: WorkCalendar, memo: dict) -> CaseClock:
    """A case's running clock (data.rules.case_clock), each distinct deadline worked out once per
    `memo` (the table, the map's points, the to-do list)."""
    # many cases share a deadline and most run no clock: count each deadline's working days once
    if status == S.received.value:
        key = (status, accept_due, None, bool(provisional and accept_due))
    elif status in _INVESTIGATING:
        key = (status, None, investigate_due, bool(provisional and investigate_due))
    else:
        key = (status, None, None, False)  # no clock runs (case_clock reads neither date)
    if key not in memo:
        memo[key] = case_clock(status=CaseStatus(status), accept_due=key[1], investigate_due=key[2],
                               today=today, provisional=key[3], calendar=calendar)
    return memo[key]


def _row_columns():
    return (WageCase.id, WageCase.case_no, WageCase.status, WageCase.source, WageCase.industry,
            WageCase.is_construction, WageCase.workers, WageCase.amount_claimed_cents, WageCase.received_on,
            WageCase.accept_due, WageCase.investigate_due, WageCase.deadline_provisional, WageCase.supervised,
            WageCase.mass_incident, WageCase.public_opinion, WageCase.complainant_name,
            Region.name.label("township"), Region.area_code.label("township_code"), Employer.name.label("employer"))


def _row(r, today: date, calendar: WorkCalendar, memo: dict) -> dict:
    clock = clock_of(r.status, r.accept_due, r.investigate_due, r.deadline_provisional, today, calendar, memo)
    return {
        "id": r.id, "case_no": r.case_no, "status": r.status, "source": r.source, "industry": r.industry,
        "is_construction": bool(r.is_construction), "township": r.township or "",
        "township_code": r.township_code, "employer": r.employer or "", "workers": r.workers,
        "amount": r.amount_claimed_cents / 100, "amount_claimed_cents": r.amount_claimed_cents,
        "received_on": r.received_on.isoformat(), "due": clock.due.isoformat() if clock.due else None,
        "days_left": clock.days_left, "overdue": clock.overdue, "provisional": clock.provisional,
        "stage": clock.stage.value if clock.stage else None, "supervised": bool(r.supervised),
        "mass_incident": bool(r.mass_incident), "public_opinion": bool(r.public_opinion),
        "complainant": mask_name(r.complainant_name),
    }


def _table(conds: list):
    return (select(*_row_columns()).join(Region, Region.id == WageCase.region_id)
            .outerjoin(Employer, Employer.id == WageCase.employer_id).where(*conds))


def list_cases(session: Session, *, scope: Scope, filters: CaseFilters, today: date,
               sort: Iterable[tuple[str, str]] | None = None, offset: int = 0, limit: int = 50,
               calendar: WorkCalendar = DEFAULT_CALENDAR) -> tuple[list[dict], int]:
    """One page of cases for AG Grid's server-side paging, and how many match in all.

    `sort` is AG Grid's sort model as (column id, "asc"|"desc") pairs; columns outside
    SORTABLE are ignored. Rows are JSON-safe dicts: dates ISO, `amount` in yuan (and
    `amount_claimed_cents`), the deadline (`due`, `days_left`, `overdue`, `provisional`)
    counted for this page's rows only, the complainant's name masked."""
    conds = case_conditions(session, scope=scope, filters=filters, today=today)
    offset, limit = max(0, int(offset)), max(1, min(int(limit), EXPORT_LIMIT))
    order = _order_by(sort)
    # the page's ids first, then the names for those rows only: sorting 200,000 narrow rows
    # beats joining every case to its township and employer before the sort
    page = select(WageCase.id).where(*conds).order_by(*order).offset(offset).limit(limit).subquery()
    rows = session.exec(_table([]).join(page, page.c.id == WageCase.id).order_by(*order)).all()
    if offset == 0 and len(rows) < limit:
        total = len(rows)  # the whole result is on this page: no need to count it again
    elif rollup.applies(filters):  # the count from the rollup: at two million cases, no count of every row
        total = _period_sums(session, scope=scope, filters=filters, today=today, start=filters.date_from,
                             end=filters.date_to).get((), [0])[0]
    else:
        total = int(session.exec(select(sa.func.count()).select_from(WageCase).where(*conds)).one())
    memo: dict = {}
    return [_row(r, today, calendar, memo) for r in rows], total


def supervision_candidates(session: Session, *, scope: Scope, filters: CaseFilters, today: date,
                           thresholds: SupervisionThresholds = SupervisionThresholds(), limit: int = 100,
                           calendar: WorkCalendar = DEFAULT_CALENDAR) -> list[dict]:
    """Open cases not yet supervised that the rules would put under a supervision order
    (督办), as table rows with their `reasons`: the nearest (most overdue) deadline first,
    then the largest amount. The rules' conditions are repeated in SQL so that only the
    candidates are read."""
    conds = case_conditions(session, scope=scope, filters=filters, today=today)
    due = _due_expression()
    rows = session.exec(_table(conds).where(
        is_open(), WageCase.supervised.is_(False),
        sa.or_(overdue_clause(today), WageCase.amount_claimed_cents >= thresholds.large_amount_cents,
               WageCase.workers >= thresholds.many_workers, WageCase.mass_incident.is_(True),
               WageCase.public_opinion.is_(True)),
    ).order_by(due.is_(None), due, WageCase.amount_claimed_cents.desc(), WageCase.id).limit(max(1, min(limit, 500)))
    ).all()
    memo: dict = {}
    out = []
    for r in rows:
        row = _row(r, today, calendar, memo)
        row["reasons"] = [reason.value for reason in supervision_reasons(
            status=CaseStatus(r.status), overdue=row["overdue"], amount_claimed_cents=r.amount_claimed_cents,
            workers=r.workers, mass_incident=bool(r.mass_incident), public_opinion=bool(r.public_opinion),
            thresholds=thresholds)]
        out.append(row)
    return out


# --- one case ---------------------------------------------------------------------------------

FACT_FIELDS = ("case_no", "status", "decision", "source", "industry", "is_construction", "workers",
               "amount_claimed_cents", "amount_recovered_cents", "owed_from", "owed_to", "received_on", "accepted_on",
               "decided_on", "closed_on", "re_reviewed_on", "accept_due", "investigate_due", "extended",
               "deadline_provisional", "summary", "mass_incident", "public_opinion", "supervised", "transfer_count",
               "bounce_count", "lon", "lat", "path", "office_path", "incoming_path", "updated_at")


def _visible_case(case: WageCase | None, scope: Scope) -> bool:
    return (case is not None and case.deleted_at is None
            and any(scope.covers(p) for p in (case.path, case.office_path, case.incoming_path)))


def _load_visible(session: Session, scope: Scope, case_id: int) -> WageCase:
    """The case, or OutOfScope when it is unknown, deleted or outside the scope (one answer for all
    three, so nobody can probe which cases exist)."""
    case = session.get(WageCase, case_id) if isinstance(case_id, int) and not isinstance(case_id, bool) else None
    if not _visible_case(case, scope):
        raise OutOfScope(str(case_id))
    return case


def get_case_detail(session: Session, *, scope: Scope, case_id: int, today: date,
                    calendar: WorkCalendar = DEFAULT_CALENDAR) -> dict:
    """Everything about one case, as a dict:
    - facts: the case's fields with personal data masked, and the names of its employer,
      project, county, township, grid, holding office and officers;
    - employer, project, township, grid, office: small dicts (or None);
    - clock: {stage, due, days_left, overdue, provisional};
    - timeline: its events in order, with actor and region names;
    - transfers, supervision_orders, referrals;
    - holders: who held it when — the office at receipt, then each that accepted a transfer:
      [{office_code, office_name, start, end (the handover day, None: still), days}];
    - pending_transfer_to_path, supervision_open, extension_requested: what the workflow rules need.

    Raises OutOfScope when the case is unknown, deleted or outside the scope (one answer for
    all three, so nobody can probe which cases exist)."""
    case = _load_visible(session, scope, case_id)
    township = session.get(Region, case.region_id)
    county = session.get(Region, township.parent_id) if township and township.parent_id else None
    office = session.get(Region, case.office_region_id)
    employer = session.get(Employer, case.employer_id) if case.employer_id else None
    project = session.get(Project, case.project_id) if case.project_id else None
    grid = session.get(GridCell, case.grid_cell_id) if case.grid_cell_id else None
    officers = dict(session.exec(select(User.id, User.display_name).where(
        User.id.in_([i for i in (case.lead_officer_id, case.second_officer_id) if i]))).all())

    facts = {name: getattr(case, name) for name in FACT_FIELDS}
    facts.update(
        id=case.id, status=str(case.status), source=str(case.source),
        decision=str(case.decision) if case.decision else None,
        complainant_name=mask_name(case.complainant_name),
        complainant_id_number=mask_id_number(case.complainant_id_number),
        complainant_phone=mask_phone(case.complainant_phone),
        employer_name=employer.name if employer else None, employer_uscc=employer.uscc if employer else None,
        project_name=project.name if project else None, county_name=county.name if county else None,
        township_name=township.name if township else None, grid_name=grid.name if grid else None,
        office_name=office.name if office else None,
        lead_officer=officers.get(case.lead_officer_id), second_officer=officers.get(case.second_officer_id))
    clock = case_clock(status=CaseStatus(case.status), accept_due=case.accept_due,
                       investigate_due=case.investigate_due, today=today, provisional=case.deadline_provisional,
                       calendar=calendar)

    actor, source, target = aliased(User), aliased(Region), aliased(Region)
    timeline = [{"id": e.id, "kind": str(e.kind), "at": e.at, "on_date": e.on_date, "actor_name": name,
                 "from_region_code": fc, "from_region_name": fn, "to_region_code": tc, "to_region_name": tn,
                 "reason": e.reason, "details": e.details or {}}
                for e, name, fc, fn, tc, tn in session.exec(
                    select(CaseEvent, actor.display_name, source.area_code, source.name, target.area_code, target.name)
                    .outerjoin(actor, actor.id == CaseEvent.actor_id)
                    .outerjoin(source, source.id == CaseEvent.from_region_id)
                    .outerjoin(target, target.id == CaseEvent.to_region_id)
                    .where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id)).all()]

    sender, answerer = aliased(User), aliased(User)
    transfers = [{"id": t.id, "status": str(t.status), "from_region_code": fc, "from_region_name": fn,
                  "to_region_code": tc, "to_region_name": tn, "to_region_path": tp, "reason": t.reason,
                  "sent_at": t.sent_at, "sent_by": sn, "answered_at": t.answered_at, "answered_by": an,
                  "return_reason": t.return_reason}
                 for t, fc, fn, tc, tn, tp, sn, an in session.exec(
                     select(CaseTransfer, source.area_code, source.name, target.area_code, target.name, target.path,
                            sender.display_name, answerer.display_name)
                     .join(source, source.id == CaseTransfer.from_region_id)
                     .join(target, target.id == CaseTransfer.to_region_id)
                     .outerjoin(sender, sender.id == CaseTransfer.sent_by)
                     .outerjoin(answerer, answerer.id == CaseTransfer.answered_by)
                     .where(CaseTransfer.case_id == case.id).order_by(CaseTransfer.sent_at, CaseTransfer.id)).all()]
    issuer = aliased(User)
    orders = [{"id": o.id, "level": str(o.level), "status": str(o.status), "reasons": list(o.reasons or []),
               "issued_by": name, "issued_at": o.issued_at, "due_on": o.due_on, "response": o.response,
               "responded_at": o.responded_at}
              for o, name in session.exec(
                  select(SupervisionOrder, issuer.display_name)
                  .outerjoin(issuer, issuer.id == SupervisionOrder.issued_by)
                  .where(SupervisionOrder.case_id == case.id)
                  .order_by(SupervisionOrder.issued_at, SupervisionOrder.id)).all()]
    referrals = [{"id": r.id, "to_agency": r.to_agency, "litigation_support": r.litigation_support,
                  "reason": r.reason, "referred_on": r.referred_on, "outcome": r.outcome}
                 for r in session.exec(select(CaseReferral).where(CaseReferral.case_id == case.id)
                                       .order_by(CaseReferral.referred_on, CaseReferral.id)).all()]
    pending = next((t for t in transfers if t["status"] == TransferStatus.pending.value), None)
    documents = [{"id": d.id, "kind": d.kind, "doc_no": d.doc_no, "issued_at": d.issued_at, "issued_by": name}
                 for d, name in session.exec(
                     select(CaseDocument, issuer.display_name).outerjoin(issuer, issuer.id == CaseDocument.issued_by)
                     .where(CaseDocument.case_id == case.id).order_by(CaseDocument.issued_at, CaseDocument.id)).all()]
    return {
        "id": case.id, "facts": facts,
        "employer": None if employer is None else {
            "id": employer.id, "name": employer.name, "uscc": employer.uscc, "industry": employer.industry,
            "is_construction": employer.is_construction, "address": employer.address,
            "legal_representative": mask_name(employer.legal_representative),
            "blacklisted_until": employer.blacklisted_until},
        "project": None if project is None else {
            "id": project.id, "name": project.name, "general_contractor": project.general_contractor,
            "subcontractor": project.subcontractor, "crew_leader": mask_name(project.crew_leader),
            "started_on": project.started_on, "finished_on": project.finished_on},
        "township": _region_brief(township), "county": _region_brief(county), "office": _region_brief(office),
        "grid": None if grid is None else {"id": grid.id, "code": grid.code, "name": grid.name,
                                           "grid_worker": mask_name(grid.grid_worker_name)},
        "clock": {"stage": clock.stage.value if clock.stage else None, "due": clock.due,
                  "days_left": clock.days_left, "overdue": clock.overdue, "provisional": clock.provisional},
        "timeline": timeline, "transfers": transfers, "supervision_orders": orders, "referrals": referrals,
        "documents": documents,
        "limitation": limitation(owed_from=case.owed_from, owed_to=case.owed_to, received_on=case.received_on,
                                 years=limitation_years(session)),
        "holders": _holders(case, office, timeline, today),
        "pending_transfer_to_path": pending["to_region_path"] if pending else None,
        "extension_requested": next((e["kind"] for e in reversed(timeline) if e["kind"] in (
            "extension_requested", "extended", "extension_declined")), None) == "extension_requested",
        "supervision_open": any(o["status"] in (SupervisionStatus.open.value, SupervisionStatus.proposed.value)
                                for o in orders),
    }


def transfer_targets(session: Session, *, scope: Scope, case_id: int) -> list[RegionRow]:
    """The offices a case may be transferred to (流转, 全市联动): the city where it happened and its
    counties, in code order — in a province never another city's (data.services.cases.transfer_case
    refuses those). Raises OutOfScope as get_case_detail does."""
    city = city_of(session, _load_visible(session, scope, case_id).path)
    if city is None:
        return []
    return list_regions(session, scope=Scope((city.path,)), levels=(RegionLevel.city, RegionLevel.county))


def _region_brief(region: Region | None) -> dict | None:
    return None if region is None else {"id": region.id, "code": region.area_code, "name": region.name,
                                        "level": str(region.level), "path": region.path}


def _holders(case: WageCase, office: Region | None, timeline: list[dict], today: date) -> list[dict]:
    """Who held the case each day: the office at receipt, then each office that accepted a
    transfer, from the day it accepted it (the day of a handover counts for the new office)."""
    handovers = [e for e in timeline if e["kind"] == CaseEventKind.transfer_accepted.value and e["to_region_code"]]
    if handovers and handovers[0]["from_region_code"]:
        first = (handovers[0]["from_region_code"], handovers[0]["from_region_name"])
    else:  # never handed over: the office holding it now has had it from the start
        first = (office.area_code, office.name) if office else ("", "")
    starts = [(first, case.received_on)] + [((e["to_region_code"], e["to_region_name"]), e["on_date"])
                                            for e in handovers]
    out = []
    for i, ((code, name), start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else None
        out.append({"office_code": code, "office_name": name, "start": start, "end": end,
                    "days": max(0, ((end or today) - start).days)})
    return out


# --- pickers ----------------------------------------------------------------------------------


def grid_cells(session: Session, *, scope: Scope, township_code: str) -> list[dict]:
    """The grid cells of a township the user may see, for the filter bar: [{code, name}].
    Raises OutOfScope for a township that is unknown or not theirs."""
    township = get_region_by_code(session, scope=scope, area_code=township_code)
    if not scope.covers(township.path):
        raise OutOfScope(township_code)
    rows = session.exec(select(GridCell.code, GridCell.name).where(GridCell.township_id == township.id)
                        .order_by(GridCell.code)).all()
    return [{"code": c, "name": n} for c, n in rows]


def region_label(session: Session, *, area_code: str) -> str:
    """"County / township" for a breadcrumb (the city's geography is no secret; the figures
    beside it are what the scope guards)."""
    region = session.exec(select(Region).where(Region.area_code == area_code, Region.valid_to.is_(None))).first()
    if region is None:
        return area_code
    parent = session.get(Region, region.parent_id) if region.level == RegionLevel.township else None
    return f"{parent.name} / {region.name}" if parent else region.name


# --- maps and risk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MapData:
    """A choropleth's data: per area code the chosen metric (`values`), all four figures for
    the tooltips (`figures`: cases, workers, amount in cents, overdue) and the shapes of the
    areas in the scope (`areas`: code, name, boundary, township code, centroid). `shapes_key`
    names `areas`: the same key, the same shapes in the same order (what is drawn from them
    alone, a map's skeleton, can be kept under it)."""

    level: str
    metric: str
    values: dict[str, int]
    figures: dict[str, dict[str, int]]
    areas: list[dict]
    shapes_key: tuple = ()


_SHAPES: OrderedDict = OrderedDict()
_SHAPES_LOCK = threading.Lock()
_SHAPES_SIZE = 64


def shapes_version(session: Session) -> tuple:
    """Changes when regions or grid cells are added, or an import edits them in place (it
    moves the data generation), so cached shapes are dropped then."""
    counts = (tuple(session.exec(select(sa.func.count(), sa.func.max(model.id))).one()) for model in (Region, GridCell))
    return (*counts, data_generation(session))


def area_shapes(session: Session, *, scope: Scope, level: str, version: tuple | None = None) -> list[dict]:
    """The shapes of the townships or grid cells in the scope: [{code, name, boundary,
    township (code), centroid ((lat, lon) or None), rounded}], in code order.

    Boundaries hardly ever change but are the heaviest part of a map (a city's grid cells are
    thousands of polygons to decode and round), so they are kept per process, rounded.
    `version`: shapes_version, when the caller has read it already (map_versions)."""
    return _area_shapes(session, scope=scope, level=level, version=version)[1]


def _area_shapes(session: Session, *, scope: Scope, level: str,
                 version: tuple | None = None) -> tuple[tuple, list[dict]]:
    """area_shapes, with the key it is kept under (database, level, scope, shapes_version)."""
    key = (str(session.get_bind().url), level, scope.paths, version or shapes_version(session))
    with _SHAPES_LOCK:
        if key in _SHAPES:
            _SHAPES.move_to_end(key)
            return key, _SHAPES[key]
    shapes = _load_shapes(session, scope=scope, level=level)
    with _SHAPES_LOCK:
        _SHAPES[key] = shapes
        while len(_SHAPES) > _SHAPES_SIZE:
            _SHAPES.popitem(last=False)
    return key, shapes


def _load_shapes(session: Session, *, scope: Scope, level: str) -> list[dict]:
    if level in ("county", "township"):
        rows = [(s["area_code"], s["name"], s["boundary"], s["area_code"], s["centroid"])
                for s in region_shapes(session, scope=scope, levels=(RegionLevel(level),))]
    else:
        township = aliased(Region)
        rows = [(c, n, b, t, (lat, lon) if lon else None) for c, n, b, t, lat, lon in session.exec(
            select(GridCell.code, GridCell.name, GridCell.boundary, township.area_code, GridCell.centroid_lat,
                   GridCell.centroid_lon)
            .join(township, township.id == GridCell.township_id)
            .where(scope.clause(GridCell.path), GridCell.boundary.is_not(None)).order_by(GridCell.code)
        ).all()]
    return [{"code": code, "name": name, "boundary": round_geometry(boundary), "township": town,
             "centroid": centroid, "rounded": True} for code, name, boundary, town, centroid in rows]


def _area_names(session: Session, level: str, ids: Iterable) -> dict:
    """id → (code, name) of the areas that have figures: township or grid cell ids, or for
    counties the county's path (_area_key)."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    if level == "county":
        rows = session.exec(select(Region.path, Region.area_code, Region.name).where(
            Region.path.in_(ids), Region.level == RegionLevel.county.value, Region.valid_to.is_(None))).all()
    elif level == "township":
        rows = session.exec(select(Region.id, Region.area_code, Region.name).where(Region.id.in_(ids))).all()
    else:
        rows = session.exec(select(GridCell.id, GridCell.code, GridCell.name).where(GridCell.id.in_(ids))).all()
    return {i: (code, name) for i, code, name in rows}


def _area_key(session: Session, level: str, county_length: int | None = None):
    """SQL: the area of a case at `level` — its township's or grid cell's id, or its county's path
    (the first county_path_length characters of its own; `county_length` when already read)."""
    if level not in MAP_LEVELS:
        raise ValueError(f"level is one of {MAP_LEVELS}")
    if level == "county":
        return sa.func.substr(WageCase.path, 1, county_length or county_path_length(session))
    return _plain(session, WageCase.region_id if level == "township" else WageCase.grid_cell_id)


def _sums_by_area(session: Session, *, scope: Scope, filters: CaseFilters, today: date, start: date | None,
                  end: date | None, level: str, county_length: int | None = None) -> dict:
    """_period_sums per area (keys as _area_key's): counties summed from their townships' paths."""
    if level != "county":
        by = "region_id" if level == "township" else "grid_cell_id"
        return {k: v for (k,), v in _period_sums(session, scope=scope, filters=filters, today=today, start=start,
                                                   end=end, by=(by,)).items()}
    length = county_length or county_path_length(session)
    out: dict[str, list[int]] = {}
    for (path,), values in _period_sums(session, scope=scope, filters=filters, today=today, start=start, end=end,
                                        by=("path",)).items():
        if path:
            into = out.setdefault(path[:length], [0] * len(values))
            into[:] = [a + b for a, b in zip(into, values, strict=True)]
    return out


def map_aggregates(session: Session, *, scope: Scope, filters: CaseFilters, today: date, level: str = "township",
                   metric: str = "cases", shapes_version: tuple | None = None) -> MapData:
    """Cases, workers, money and overdue cases per township or grid cell (_period_sums, and the
    overdue among the open cases), with the shapes of the areas in the scope, narrowed by the filters' region
    (`shapes_version` as for area_shapes)."""
    if metric not in MAP_METRICS:
        raise ValueError(f"metric is one of {MAP_METRICS}")
    length = county_path_length(session) if level == "county" else None  # read once for both
    key = _area_key(session, level, length)
    sums = _sums_by_area(session, scope=scope, filters=filters, today=today, start=filters.date_from,
                         end=filters.date_to, level=level, county_length=length)
    conds = case_conditions(session, scope=scope, filters=filters, today=today)
    overdue = dict(_cases(session, select(key, sa.func.count()).group_by(key),
                          [*conds, is_open(), overdue_clause(today)]).all())
    rows = [(k, n, w, a, overdue.get(k, 0)) for k, (n, w, a, *_rest) in sums.items() if n]
    names = _area_names(session, level, (r[0] for r in rows))
    figures = {names[i][0]: {"cases": int(n), "workers": int(w), "amount": int(a), "overdue": int(o)}
               for i, n, w, a, o in rows if i in names}
    shapes_key, areas = _area_shapes(session, scope=narrowed(session, scope, filters), level=level,
                                     version=shapes_version)
    return MapData(level=level, metric=metric, values={code: f[metric] for code, f in figures.items()},
                   figures=figures, areas=areas, shapes_key=shapes_key)


def case_points(session: Session, *, scope: Scope, filters: CaseFilters, today: date, township_code: str,
                limit: int = 2000, calendar: WorkCalendar = DEFAULT_CALENDAR) -> list[dict]:
    """The located cases of one township under the filters, newest first, at most `limit`:
    [{id, case_no, lon, lat, status, workers, amount_cents, employer, received_on, due,
    days_left, overdue, supervised}].

    Raises OutOfScope for a township that is unknown or not the user's."""
    township = get_region_by_code(session, scope=scope, area_code=township_code)
    if township.level != RegionLevel.township or not scope.covers(township.path):
        raise OutOfScope(township_code)
    conds = case_conditions(session, scope=scope.narrow(township.path), filters=filters, today=today)
    rows = session.exec(
        select(WageCase.id, WageCase.case_no, WageCase.lon, WageCase.lat, WageCase.status, WageCase.workers,
               WageCase.amount_claimed_cents, WageCase.received_on, WageCase.accept_due, WageCase.investigate_due,
               WageCase.deadline_provisional, WageCase.supervised, Employer.name)
        .outerjoin(Employer, Employer.id == WageCase.employer_id)
        .where(*conds, WageCase.region_id == township.id, WageCase.lon.is_not(None), WageCase.lat.is_not(None))
        .order_by(WageCase.received_on.desc(), WageCase.id.desc()).limit(max(1, min(limit, 10_000)))
    ).all()
    memo: dict = {}
    out = []
    for (case_id, case_no, lon, lat, status, workers, amount, received_on, accept_due, investigate_due,
         provisional, supervised, employer) in rows:
        clock = clock_of(status, accept_due, investigate_due, provisional, today, calendar, memo)
        out.append({"id": case_id, "case_no": case_no, "lon": lon, "lat": lat, "status": status,
                    "workers": workers, "amount_cents": amount, "employer": employer or "",
                    "received_on": received_on.isoformat(), "due": clock.due.isoformat() if clock.due else None,
                    "days_left": clock.days_left, "overdue": clock.overdue, "supervised": bool(supervised)})
    return out


def risk_by_area(session: Session, *, scope: Scope, filters: CaseFilters, today: date, level: str = "township",
                 policy: RiskPolicy = RiskPolicy(), window: tuple[date, date] | None = None) -> dict[str, dict]:
    """The risk grade of each township or grid cell with cases: {code: {code, name, risk,
    inputs}}, `risk` a data.rules.risk.Risk (grade, score, factors for the explanation).

    Inputs: open and overdue cases now, cases received in the recent window (the last 90 days,
    or `window`, e.g. the overview's 本月) against the same days a year earlier, and employers
    with three or more cases in the last 365 days. The filters' period is ignored (risk has its
    own windows); the others apply, e.g. construction only. A few aggregate queries whatever the
    number of areas: the open cases through their partial index, the windows through
    _period_sums (the rollup where it answers), the repeat employers from the spans that hold today
    (rollup.repeat_counts) where they answer, else over the last year's cases."""
    if level == "county":
        return _county_risks(session, scope=scope, filters=filters, today=today, policy=policy, window=window)
    key = _area_key(session, level)
    conds = _conditions(session, scope=scope, filters=filters, today=today, period=False)
    recent_start, recent_end = window or (today - timedelta(days=89), today)
    inputs: dict[Any, list[int]] = {}
    for area, n, late in _cases(session, select(key, sa.func.count(), sa.func.count().filter(overdue_clause(today)))
                                .group_by(key), [*conds, is_open()]).all():
        inputs.setdefault(area, [0] * 5)[:2] = [int(n), int(late)]
    # the windows' cases from the rollup (whole months and the days at the edges) where it answers
    for i, (start, end) in enumerate(((recent_start, recent_end),
                                      (same_day_last_year(recent_start), same_day_last_year(recent_end))), start=2):
        for area, values in _sums_by_area(session, scope=scope, filters=filters, today=today, start=start,
                                          end=end, level=level).items():
            if values[0]:
                inputs.setdefault(area, [0] * 5)[i] = values[0]
    if rollup.repeats_apply(session, narrowed(session, scope, filters), filters):
        repeats = rollup.repeat_counts(session, today, level)
    else:
        employer = _plain(session, WageCase.employer_id)
        repeat = (select(key.label("area"), employer.label("employer"))
                  .where(*conds, WageCase.employer_id.is_not(None), WageCase.received_on <= today,
                         WageCase.received_on > today - timedelta(days=rollup.REPEAT_DAYS))
                  .group_by(key, employer).having(sa.func.count() >= rollup.REPEAT_CASES).subquery())
        repeats = dict(session.exec(select(repeat.c.area, sa.func.count()).group_by(repeat.c.area)).all())
    for area, n in repeats.items():
        inputs.setdefault(area, [0] * 5)[4] = int(n)
    names = _area_names(session, level, inputs)
    out = {}
    for area, values in inputs.items():
        if area in names:
            code, name = names[area]
            given = RiskInputs(*values)
            out[code] = {"code": code, "name": name, "inputs": given,
                         "risk": grade_risk(given, today=today, policy=policy)}
    return out


def _county_risks(session: Session, *, scope: Scope, filters: CaseFilters, today: date, policy: RiskPolicy,
                  window: tuple[date, date] | None) -> dict[str, dict]:
    """risk_by_area by county: each county graded as its typical township (data.rules.risk.
    typical_grade; townships without cases count as low), its inputs its townships' sums."""
    towns = risk_by_area(session, scope=scope, filters=filters, today=today, level="township", policy=policy,
                         window=window)
    view = narrowed(session, scope, filters)
    length = county_path_length(session)
    members: dict[str, list[dict | None]] = {}
    for town in list_regions(session, scope=view, levels=(RegionLevel.township,)):
        members.setdefault(town.path[:length], []).append(towns.get(town.area_code))
    out = {}
    for county in list_regions(session, scope=view, levels=(RegionLevel.county,)):
        items = members.get(county.path, [])
        graded = [item for item in items if item]
        if not graded:
            continue
        grades = [item["risk"].grade if item else RiskGrade.low for item in items]
        inputs = RiskInputs(*(sum(getattr(item["inputs"], name) for item in graded)
                              for name in RiskInputs.__dataclass_fields__))
        grade = typical_grade(grades)
        out[county.area_code] = {"code": county.area_code, "name": county.name, "inputs": inputs,
                                 "risk": Risk(grade, 0.0, ())}
    return out


def _case_count():
    """SQL (a scalar subquery): how many cases there are — from the rollup's township rows (a few
    thousand, at any scale) when it is kept, else a count of the table."""
    if rollup.ENABLED:
        c = CaseMonth.__table__.c
        return select(sa.func.coalesce(sa.func.sum(c.cases), 0)).where(c.grain == rollup.AREA).scalar_subquery()
    return select(sa.func.count()).select_from(WageCase).scalar_subquery()


def data_version(session: Session) -> tuple[str, int]:
    """A cheap fingerprint of the case table for caches: its last change and how many cases
    there are (accepting a transfer, any other act and a deletion all move `updated_at`).

    Two scalar subqueries, not one SELECT of both: each then has its own plan — the maximum from
    the index on updated_at (one lookup), the count from the rollup (_case_count)."""
    latest, count = session.exec(select(select(sa.func.max(WageCase.updated_at)).scalar_subquery(),
                                        _case_count())).one()
    return str(latest), int(count)


def map_versions(session: Session) -> tuple[tuple[str, int], tuple]:
    """data_version and shapes_version in one statement: a map route needs both on every load."""
    latest, count, regions, last_region, grids, last_grid = session.exec(select(
        select(sa.func.max(WageCase.updated_at)).scalar_subquery(),
        _case_count(),
        select(sa.func.count()).select_from(Region).scalar_subquery(),
        select(sa.func.max(Region.id)).scalar_subquery(),
        select(sa.func.count()).select_from(GridCell).scalar_subquery(),
        select(sa.func.max(GridCell.id)).scalar_subquery())).one()
    return (str(latest), int(count)), ((regions, last_region), (grids, last_grid), data_generation(session))


__all__ = ["BREAKDOWNS", "EXPORT_LIMIT", "MAP_LEVELS", "MAP_METRICS", "SORTABLE", "CaseFilters", "CaseKpis", "MapData",
           "OutOfScope", "area_shapes", "breakdown", "case_conditions", "case_kpis", "case_points", "data_version",
           "first_received", "get_case_detail", "grid_cells", "is_open", "list_cases", "map_aggregates", "map_versions",
           "monthly_trend", "overdue_clause", "received_sums", "region_label", "repeat_employers", "risk_by_area",
           "shapes_version", "supervision_candidates", "transfer_targets", "urlencode"]


def registered_by(session: Session, *, user_id: int, limit: int = 200) -> list[dict]:
    """The clues this person took in (the case's "received" event is theirs), newest first,
    wherever they went: [{case_no, received_on, township, office, status, closed_on}]. Read only
    and without personal data — after a transfer the person may no longer see the case itself,
    only where it went and what became of it."""
    township, office = aliased(Region), aliased(Region)
    rows = session.exec(
        select(WageCase.case_no, WageCase.received_on, township.name, office.name, WageCase.status,
               WageCase.closed_on)
        .join(CaseEvent, CaseEvent.case_id == WageCase.id)
        .join(township, township.id == WageCase.region_id).join(office, office.id == WageCase.office_region_id)
        .where(CaseEvent.kind == CaseEventKind.received.value, CaseEvent.actor_id == user_id,
               WageCase.deleted_at.is_(None))
        .order_by(WageCase.received_on.desc(), WageCase.id.desc()).limit(limit)).all()
    return [{"case_no": no, "received_on": _as_date(received), "township": town, "office": held,
             "status": str(status), "closed_on": _as_date(closed) if closed else None}
            for no, received, town, held, status, closed in rows]
