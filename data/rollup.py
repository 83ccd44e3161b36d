"""The monthly rollup of cases (case_month, issue 14) and the employers' counts: kept, rebuilt and read.

The dashboard's period figures — KPIs, monthly trends, breakdowns by industry, channel and area,
the map's per-township sums — are sums over the cases received in a period. At two million
cases those sums scan millions of rows; case_month holds them per month × township × every value
the filter bar offers (status, source, industry, construction) × the paths that decide who sees a
case (where it happened, the office holding it, a pending transfer's office), a few hundred
thousand rows at two million cases and a few thousand in a city.

Beside it, employer_cases: each employer's cases per year received and in all, the bound by which
the repeat employers are looked for among the few employers that could be among them
(data.queries.cases.repeat_employers) instead of grouping every case of a period by employer. And
repeat_span: the days on which an employer has three or more cases in a township (or a grid cell)
within a year, so the risk grades count the spans holding today instead of grouping a year of
cases (a case's spans move only when it is added or deleted, or its day, place or employer changes).

Kept in the transaction that changes a case: a session listener reads the rows a flush is about
to change (before it), and adds the difference (after it) with one upsert per rollup row, so two
workers changing cases of the same month add, never overwrite. Core inserts and updates (the
demo, imports) call `add_cases` / `remove_cases` for the rows they write; `rebuild` makes the
table again from wage_case (`flask rollups rebuild`, and migration 0013).

Read through data.queries.cases._period_sums (`month_sums` here): the whole months of a period from
case_month, the days at its edges (a period from the 15th, this month so far) from its day grain
when no filter value is chosen, else from wage_case through its date index. Filters the rollup
cannot answer (overdue only, supervised only, a grid cell, a search text) read wage_case as before
(`applies`); what depends on today (open, overdue, supervised now) always reads the open cases, a
few percent of all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import groupby
from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from data.models import CaseMonth, CaseStatus, EmployerCases, Region, RepeatSpan, WageCase
from data.rules.calendar import month_under_way

KEY = ("grain", "month", "region_id", "path", "office_path", "incoming_path", "status", "source", "industry",
       "is_construction", "grid_cell_id")
MEASURES = ("cases", "workers", "amount_claimed_cents", "amount_recovered_cents", "closed", "on_time")
# five grains of the same sums: FULL by every filter value; AREA by month and township only (the
# filter values '' and false), a few rows per township-month, for the figures with no status,
# source, industry or construction chosen (the default view, and the most asked); DAY as AREA, by
# day received (`month` holds the day), for a period's edges (this month so far, from the 15th);
# CITY by every filter value but no place (region_id 0, the paths ''), for a scope that sees every
# case (a city's leader, its wall) with no region chosen: the breakdowns by industry and channel;
# GRID as AREA, by grid cell too, for the grid map. grid_cell_id is 0 in every other grain (and
# for a case in no cell).
FULL, AREA, DAY, CITY, GRID = "f", "a", "d", "c", "g"
GRAINS = (FULL, AREA, DAY, CITY, GRID)
AREA_KEYS = ("month", "region_id", "path")  # what an AREA or DAY row can be grouped by
GRID_KEYS = (*AREA_KEYS, "grid_cell_id")  # and a GRID row
CITY_KEYS = ("month", "industry", "source")  # and a CITY row
FULL_KEYS = ("month", "region_id", "path", "industry", "source")  # and a FULL row
# what the sums read of a case: the key's columns (received_on for the month), the measures' and the
# deadlines that decide on time
READ = ("received_on", "region_id", "grid_cell_id", "path", "office_path", "incoming_path", "status", "source",
        "industry", "is_construction", "workers", "amount_claimed_cents", "amount_recovered_cents", "closed_on",
        "decided_on", "accept_due", "investigate_due", "deleted_at", "employer_id")
# a repeat employer of a township: REPEAT_CASES or more of its cases there received in the last
# REPEAT_DAYS days, today included (the risk grades' input; data.queries.cases.risk_by_area)
REPEAT_CASES, REPEAT_DAYS = 3, 365
SPANNED = ("received_on", "region_id", "grid_cell_id", "employer_id", "deleted_at")  # what its spans depend on
SPAN_LOCK = 0x52455045  # pg_advisory_xact_lock(SPAN_LOCK, employer): one writer respans an employer at a time
CONCLUDED = frozenset({CaseStatus.closed.value, CaseStatus.re_reviewed.value, CaseStatus.rejected.value})
# the sums each period_sums key holds: cases, workers, claimed, recovered, concluded, concluded on time
SUMS = 6

ENABLED = os.environ.get("HRSS_ROLLUPS", "1") != "0"  # 0: every figure from wage_case (a check, a floor)


def _value(v):
    return v.value if hasattr(v, "value") else v


def on_time(status, closed_on, decided_on, accept_due, investigate_due) -> bool:
    """Concluded within its deadline — data.queries.cases._on_time_clause, for one case."""
    if _value(status) not in CONCLUDED:
        return False
    if investigate_due is not None:
        return closed_on is not None and closed_on <= investigate_due
    done = decided_on if decided_on is not None else closed_on
    return done is not None and accept_due is not None and done <= accept_due


def _entries(row: dict) -> list[tuple[tuple, list[int]]]:
    """The rollup rows (key, measures) one case (a mapping of READ) counts in: one of each grain;
    none for a deleted case."""
    if row["deleted_at"] is not None:
        return []
    where = (row["received_on"].replace(day=1), row["region_id"], row["path"], row["office_path"],
             row["incoming_path"] or "")
    measures = [1, int(row["workers"] or 0), int(row["amount_claimed_cents"] or 0),
                int(row["amount_recovered_cents"] or 0), int(_value(row["status"]) in CONCLUDED),
                int(on_time(row["status"], row["closed_on"], row["decided_on"], row["accept_due"],
                            row["investigate_due"]))]
    full = (FULL, *where, _value(row["status"]), _value(row["source"]), row["industry"],
            bool(row["is_construction"]), 0)
    day = (DAY, row["received_on"], *where[1:], "", "", "", False, 0)
    city = (CITY, where[0], 0, "", "", "", *full[6:])
    grid = (GRID, *where, "", "", "", False, row["grid_cell_id"] or 0)
    return [(full, measures), ((AREA, *where, "", "", "", False, 0), measures), (day, measures), (city, measures),
            (grid, measures)]


def _employer_entries(row: dict) -> list[tuple[tuple, list[int]]]:
    """The employer_cases rows (employer, year) one case counts in: its year's and all years' (0)."""
    if row["deleted_at"] is not None or row["employer_id"] is None:
        return []
    return [((row["employer_id"], row["received_on"].year), [1]), ((row["employer_id"], 0), [1])]


def _insert(conn):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _adding(conn, select: sa.Select | None = None):
    """INSERT into case_month (of `select`'s rows, else of the rows given at execution) that adds
    the measures to a row already there: two writers of the same key add, never overwrite."""
    table = CaseMonth.__table__
    stmt = _insert(conn)(table)
    if select is not None:
        stmt = stmt.from_select([*KEY, *MEASURES], select)
    return stmt.on_conflict_do_update(index_elements=list(KEY),
                                      set_={m: table.c[m] + stmt.excluded[m] for m in MEASURES})


def _apply(conn, deltas: dict[tuple, list[int]], employers: dict[tuple, list[int]] | None = None) -> None:
    """Add `deltas` to case_month and `employers` to employer_cases, one upsert per row; rows at zero
    stay (a month with no case left counts 0) until the next rebuild."""
    rows = [dict(zip(KEY, key, strict=True)) | dict(zip(MEASURES, values, strict=True))
            for key, values in deltas.items() if any(values)]
    if rows:
        conn.execute(_adding(conn), rows)
    rows = [{"employer_id": e, "year": y, "cases": n} for (e, y), (n,) in (employers or {}).items() if n]
    if rows:
        conn.execute(_adding_employers(conn), rows)


def _adding_employers(conn, select: sa.Select | None = None):
    """INSERT into employer_cases that adds to a row already there (as _adding)."""
    table = EmployerCases.__table__
    stmt = _insert(conn)(table)
    if select is not None:
        stmt = stmt.from_select(["employer_id", "year", "cases"], select)
    return stmt.on_conflict_do_update(index_elements=["employer_id", "year"],
                                      set_={"cases": table.c.cases + stmt.excluded.cases})


def _add(deltas: dict, entries, sign: int) -> None:
    for key, values in entries:
        total = deltas.setdefault(key, [0] * len(values))
        for i, v in enumerate(values):
            total[i] += sign * v


# --- kept with every flush ---------------------------------------------------------------------

_BEFORE = "_case_month_before"


@event.listens_for(OrmSession, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    """The rows as the database holds them, of the cases this flush changes or deletes."""
    session.info[_BEFORE] = {}  # this flush's only: a flush that failed left nothing to trust
    ids = [obj.id for obj in (*session.dirty, *session.deleted)
           if isinstance(obj, WageCase) and obj.id is not None]
    if not ids:
        return
    table = WageCase.__table__
    rows = session.connection().execute(sa.select(*(table.c[c] for c in READ), table.c.id)
                                        .where(table.c.id.in_(ids))).mappings().all()
    session.info[_BEFORE] = {row["id"]: dict(row) for row in rows}


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session, _context) -> None:
    before = session.info.pop(_BEFORE, {})
    deltas: dict[tuple, list[int]] = {}
    employers: dict[tuple, list[int]] = {}
    pairs: set[tuple[int, int] | None] = set()  # (township, employer) whose repeat spans to make again
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, WageCase):
            continue
        old = before.pop(obj.id, None)
        if old is not None:
            _add(deltas, _entries(old), -1)
            _add(employers, _employer_entries(old), -1)
        now = {c: getattr(obj, c) for c in READ}
        _add(deltas, _entries(now), +1)
        _add(employers, _employer_entries(now), +1)
        if old is None or any(old[c] != now[c] for c in SPANNED):  # an act that moves no span costs nothing
            pairs |= {_pair(old), _pair(now)}
    for obj in session.deleted:
        if isinstance(obj, WageCase) and obj.id in before:
            old = before.pop(obj.id)
            _add(deltas, _entries(old), -1)
            _add(employers, _employer_entries(old), -1)
            pairs.add(_pair(old))
    _apply(session.connection(), deltas, employers)
    pairs.discard(None)
    if pairs:
        respan(session.connection(), pairs)


# --- the repeat employers' spans --------------------------------------------------------------


def _pair(row: dict | None) -> tuple[int, int] | None:
    """The (township, employer) whose spans a case counts in, None for none."""
    if row is None or row["employer_id"] is None or row["region_id"] is None:
        return None
    return row["region_id"], row["employer_id"]


def spans(days: list[date]) -> list[tuple[date, date]]:
    """The days [starts, ends) on which cases received on `days` (sorted) hold REPEAT_CASES or more
    within the last REPEAT_DAYS: a day d counts a case received on t when t ≤ d < t + REPEAT_DAYS,
    so a run of REPEAT_CASES cases from the i-th holds from the last one's day until the i-th drops
    out; runs that touch or overlap are merged, so on any day at most one span holds."""
    out: list[tuple[date, date]] = []
    for first, last in zip(days, days[REPEAT_CASES - 1:], strict=False):
        starts, ends = last, first + timedelta(days=REPEAT_DAYS)
        if starts >= ends:
            continue
        if out and starts <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], ends))
        else:
            out.append((starts, ends))
    return out


def _span_rows(rows) -> list[tuple]:
    """repeat_span's rows (township, cell, employer, starts, ends) of (township, cell, employer,
    received on) rows sorted by all four."""
    return [(*pair, a, b) for pair, group in groupby(rows, key=itemgetter(0, 1, 2))
            for a, b in spans([r[3] for r in group])]


def _spans_of(conn, where, stream: bool = False) -> list[tuple]:
    """The spans of the cases `where` selects, each township's (cell 0) and each grid cell's: their
    cases read in order (`stream`: a few thousand at a time, for a rebuild's every case)."""
    t = WageCase.__table__
    out = []
    for cell, within in ((sa.literal(0), []), (t.c.grid_cell_id, [t.c.grid_cell_id])):
        rows = conn.execute(
            sa.select(t.c.region_id, cell, t.c.employer_id, t.c.received_on)
            .where(t.c.deleted_at.is_(None), t.c.employer_id.is_not(None), *(c.is_not(None) for c in within), where)
            .order_by(t.c.region_id, *within, t.c.employer_id, t.c.received_on)
            .execution_options(stream_results=stream, **({"yield_per": 20_000} if stream else {})))
        out += _span_rows(rows)
    return out


def _insert_spans(conn, made: list[tuple]) -> None:
    names = ("region_id", "grid_cell_id", "employer_id", "starts", "ends")
    for start in range(0, len(made), 10_000):
        conn.execute(sa.insert(RepeatSpan.__table__), [dict(zip(names, row, strict=True))
                                                       for row in made[start:start + 10_000]])


def respan(conn, pairs: Iterable[tuple[int, int]]) -> None:
    """Make the spans of these (township, employer) pairs again from their cases, the township's and
    its cells' — of every pair of their townships and employers, a few cases each. On PostgreSQL
    the employers are locked for the transaction first (in order), so a second writer of the same
    employer reads the first one's cases once committed, never half of them."""
    regions = sorted({r for r, _e in pairs})
    employers = sorted({e for _r, e in pairs})
    if conn.dialect.name == "postgresql":
        for employer in employers:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SPAN_LOCK, employer)))
    t, spans_table = WageCase.__table__, RepeatSpan.__table__
    made = _spans_of(conn, sa.and_(t.c.employer_id.in_(employers), t.c.region_id.in_(regions)))
    conn.execute(sa.delete(spans_table).where(spans_table.c.employer_id.in_(employers),
                                              spans_table.c.region_id.in_(regions)))
    _insert_spans(conn, made)


_PENDING = "repeat_span_pending"


def _pairs_of(conn, where) -> set[tuple[int, int]]:
    t = WageCase.__table__
    return {(r, e) for r, e in conn.execute(sa.select(t.c.region_id, t.c.employer_id).distinct()
                                            .where(t.c.employer_id.is_not(None), where))}


def repeat_counts(session, today: date, level: str = "township") -> dict[int, int]:
    """Township (or grid cell: `level` "grid") id → how many repeat employers it has today, of
    every case (repeats_apply)."""
    c = RepeatSpan.__table__.c
    area, grain = (c.region_id, c.grid_cell_id == 0) if level == "township" else (c.grid_cell_id, c.grid_cell_id != 0)
    return {key: int(n) for key, n in session.execute(
        sa.select(area, sa.func.count()).where(c.ends > today, c.starts <= today, grain).group_by(area))}


def repeats_apply(session, scope, filters) -> bool:
    """Whether repeat_span answers the repeat employers under these CaseFilters in `scope` (already
    narrowed to the filters' region): only when every case counts — no filter value chosen, a
    scope that sees every case (spans are by where a case happened, not who holds it)."""
    return applies(filters) and area_grain(filters, ()) and sees_everything(session, scope)


# --- core writes, rebuild ------------------------------------------------------------------------


def _month_expr(conn):
    day = WageCase.__table__.c.received_on
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.date_trunc("month", day), sa.Date)
    return sa.func.date(day, "start of month", type_=sa.Date)


def _grouped(conn, where, grain: str) -> sa.Select:
    """SELECT of case_month's rows of `grain` from wage_case (the cases `where` selects, deleted
    ones never)."""
    from data.queries.cases import _on_time_clause  # the one definition of on time

    t = WageCase.__table__
    concluded = t.c.status.in_(sorted(CONCLUDED))
    where_keys = [t.c.received_on if grain == DAY else _month_expr(conn), t.c.region_id, t.c.path, t.c.office_path,
                  sa.func.coalesce(t.c.incoming_path, "")]
    values = [t.c.status, t.c.source, t.c.industry, t.c.is_construction]
    cell = sa.literal(0)
    if grain == CITY:  # every filter value, no place
        where_keys = [where_keys[0], sa.literal(0), sa.literal(""), sa.literal(""), sa.literal("")]
        groups = [where_keys[0], *values]
    elif grain == FULL:
        groups = [*where_keys, *values]
    else:  # AREA, DAY, GRID: the place only (GRID: and the cell)
        values, groups = [sa.literal(""), sa.literal(""), sa.literal(""), sa.false()], where_keys
        if grain == GRID:
            cell = sa.func.coalesce(t.c.grid_cell_id, 0)
            groups = [*groups, cell]
    return (sa.select(sa.literal(grain), *where_keys, *values, cell, sa.func.count(), sa.func.sum(t.c.workers),
                      sa.func.sum(t.c.amount_claimed_cents), sa.func.sum(t.c.amount_recovered_cents),
                      sa.func.count().filter(concluded), sa.func.count().filter(sa.and_(concluded, _on_time_clause())))
            .where(t.c.deleted_at.is_(None), where).group_by(*groups))


def _employers_grouped(conn, where) -> list[sa.Select]:
    """SELECTs of employer_cases' rows from wage_case (the cases `where` selects that have an
    employer, deleted ones never): per year received, and in all (year 0)."""
    t = WageCase.__table__
    year = (sa.cast(sa.func.extract("year", t.c.received_on), sa.Integer) if conn.dialect.name == "postgresql"
            else sa.cast(sa.func.strftime("%Y", t.c.received_on), sa.Integer))
    live = [t.c.deleted_at.is_(None), t.c.employer_id.is_not(None), where]
    return [sa.select(t.c.employer_id, year, sa.func.count()).where(*live).group_by(t.c.employer_id, year),
            sa.select(t.c.employer_id, sa.literal(0), sa.func.count()).where(*live).group_by(t.c.employer_id)]


def add_cases(conn, where) -> None:
    """Count the cases `where` selects (a clause on wage_case) into case_month and employer_cases:
    for rows a core insert has just written (imports, the demo). Adds to what is there."""
    for grain in GRAINS:
        conn.execute(_adding(conn, _grouped(conn, where, grain)))
    for select in _employers_grouped(conn, where):
        conn.execute(_adding_employers(conn, select))
    pairs = _pairs_of(conn, where) | conn.info.pop(_PENDING, set())
    if pairs:
        respan(conn, pairs)


def rebuild(conn) -> int:
    """case_month and employer_cases made again from wage_case (after a repair, or to check it).
    Returns case_month's rows."""
    conn.execute(sa.delete(CaseMonth.__table__))
    for grain in GRAINS:
        conn.execute(sa.insert(CaseMonth.__table__).from_select([*KEY, *MEASURES], _grouped(conn, sa.true(), grain)))
    conn.execute(sa.delete(EmployerCases.__table__))
    for select in _employers_grouped(conn, sa.true()):
        conn.execute(sa.insert(EmployerCases.__table__).from_select(["employer_id", "year", "cases"], select))
    conn.execute(sa.delete(RepeatSpan.__table__))
    _insert_spans(conn, _spans_of(conn, sa.true(), stream=True))
    return int(conn.execute(sa.select(sa.func.count()).select_from(CaseMonth.__table__)).scalar_one())


def differences(conn) -> int:
    """How many rollup rows (case_month's and employer_cases') differ from wage_case's sums (0:
    both are right)."""
    expected = {tuple(r[:len(KEY)]): [int(v or 0) for v in r[len(KEY):]]
                for grain in GRAINS for r in conn.execute(_grouped(conn, sa.true(), grain)).all()}
    table = CaseMonth.__table__
    held = {tuple(r[:len(KEY)]): [int(v or 0) for v in r[len(KEY):]]
            for r in conn.execute(sa.select(*(table.c[k] for k in KEY), *(table.c[m] for m in MEASURES))).all()}
    zero = [0] * len(MEASURES)
    wrong = sum(expected.get(k, zero) != held.get(k, zero) for k in set(expected) | set(held))
    counted = {(e, y): int(n) for select in _employers_grouped(conn, sa.true()) for e, y, n in conn.execute(select)}
    e = EmployerCases.__table__.c
    kept = {(i, y): int(n) for i, y, n in conn.execute(sa.select(e.employer_id, e.year, e.cases))}
    wrong += sum(counted.get(k, 0) != kept.get(k, 0) for k in set(counted) | set(kept))
    r = RepeatSpan.__table__.c
    made = set(_spans_of(conn, sa.true(), stream=True))
    held = {tuple(row) for row in conn.execute(sa.select(r.region_id, r.grid_cell_id, r.employer_id, r.starts,
                                                         r.ends))}
    return wrong + len(made ^ held)


def remove_cases(conn, where) -> None:
    """Take the cases `where` selects out of case_month and employer_cases (before a core update
    changes them)."""
    deltas: dict[tuple, list[int]] = {}
    for grain in GRAINS:
        for row in conn.execute(_grouped(conn, where, grain)).all():
            deltas[tuple(row[:len(KEY)])] = [-int(v or 0) for v in row[len(KEY):]]
    employers = {(e, y): [-int(n)] for select in _employers_grouped(conn, where) for e, y, n in conn.execute(select)}
    _apply(conn, deltas, employers)
    # their spans are made again once they are back in (add_cases), from what the update left
    conn.info.setdefault(_PENDING, set()).update(_pairs_of(conn, where))


# --- read ----------------------------------------------------------------------------------------


@contextmanager
def off():
    """Every figure from wage_case while inside (the benches' floor); not for threads serving requests."""
    global ENABLED
    before, ENABLED = ENABLED, False
    try:
        yield
    finally:
        ENABLED = before


def applies(filters) -> bool:
    """Whether case_month can answer these CaseFilters (else read wage_case)."""
    return ENABLED and not (filters.text or filters.overdue_only or filters.supervised_only or filters.grid_code)


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def split(start: date | None, end: date | None) -> tuple[tuple[date | None, date | None] | None, list]:
    """The whole months of [start, end] (first days; None: unbounded) and the day ranges at its
    edges. None instead of months when no whole month lies inside."""
    lo = None if start is None else (start if start.day == 1 else _month_end(start) + timedelta(days=1))
    hi = None if end is None else end.replace(day=1)
    if end is not None and month_under_way(end):  # its month is an edge: the whole ones end before it
        hi = (hi - timedelta(days=1)).replace(day=1)
    if lo is not None and hi is not None and lo > hi:
        return None, [(start, end)]
    edges = []
    if start is not None and lo is not None and start < lo:
        edges.append((start, lo - timedelta(days=1)))
    if end is not None and hi is not None and end > _month_end(hi):
        edges.append((_month_end(hi) + timedelta(days=1), end))
    return (lo, hi), edges


def area_grain(filters, by: Iterable[str], keys: tuple[str, ...] = AREA_KEYS) -> bool:
    """Whether the AREA and DAY grains (`keys` GRID_KEYS: the GRID grain) answer: no filter value
    chosen, grouped by place or time only."""
    chosen = filters.statuses or filters.sources or filters.industries or filters.construction is not None
    return not chosen and set(by) <= set(keys)


def answers(filters, by: Iterable[str]) -> bool:
    """Whether case_month holds the sums per `by` (besides "day") under these filters: FULL's keys
    for any filter values, a grid cell only in the GRID grain (no filter value chosen)."""
    by = set(by) - {"day"}
    return applies(filters) and (by <= set(FULL_KEYS) or area_grain(filters, by, GRID_KEYS))


def first_day(session, scope) -> date | None:
    """The first day a case the scope sees was received, from the DAY grain."""
    c = CaseMonth.__table__.c
    return session.execute(sa.select(sa.func.min(c.month)).where(
        c.grain == DAY, c.cases > 0, scope.clause_any(c.path, c.office_path, c.incoming_path))).scalar()


def sees_everything(session, scope) -> bool:
    """Whether `scope` covers every region at the top of the tree (so every case)."""
    roots = session.execute(sa.select(Region.path).where(Region.parent_id.is_(None))).scalars().all()
    return bool(roots) and all(scope.covers(root) for root in roots)


def month_sums(session, *, scope, filters, months: tuple[date | None, date | None], by: Iterable[str],
               days: bool = False) -> list:
    """Rows (by…, cases, workers, claimed, recovered, concluded, on time) of case_month for the
    months [first, last] (`days`: the days, from the DAY grain, which area_grain must allow) under
    the scope (already narrowed to the filters' region) and filters."""
    c = CaseMonth.__table__.c
    if days:
        grain = DAY
    elif area_grain(filters, by):
        grain = AREA
    elif "grid_cell_id" in by:
        grain = GRID
    elif set(by) <= set(CITY_KEYS) and not filters.region_code and sees_everything(session, scope):
        grain = CITY
    else:
        grain = FULL
    conds = [c.grain == grain]
    if grain != CITY:
        conds.append(scope.clause_any(c.path, c.office_path, c.incoming_path))
    first, last = months
    if first is not None:
        conds.append(c.month >= first)
    if last is not None:
        conds.append(c.month <= last)
    for values, column in ((filters.statuses, c.status), (filters.sources, c.source),
                           (filters.industries, c.industry)):
        if values:
            conds.append(column.in_(list(values)))
    if filters.construction is not None:
        conds.append(c.is_construction == filters.construction)
    keys = [c.month if k == "day" else c[k] for k in by]  # the DAY grain's `month` holds the day

    stmt = sa.select(*keys, *(sa.func.coalesce(sa.func.sum(c[m]), 0) for m in MEASURES)).where(*conds)
    if keys:
        stmt = stmt.group_by(*keys)
    return session.execute(stmt).all()
