"""Time the /cases page's queries and its map route on a city with ~200,000 wage cases.

    .venv/bin/python bench/cases.py                  # SQLite, built once under bench/out/ (~2 min)
    .venv/bin/python bench/cases.py --db /tmp/x.db   # another SQLite file (built when missing)
    .venv/bin/python bench/cases.py --runs 15
    DATABASE_URL=postgresql+psycopg://…/hrss_bench .venv/bin/python bench/cases.py   # filled when empty

For each query it prints the median latency over N runs and the ratio to its SQL floor: the
very statements the function issued (captured from the engine), run bare on the driver's
cursor the same N times. The map route goes through Flask's test client with the map cache
cleared before every run, so it measures building the map for a new data version, not the
cache; its floor is every statement of the request (the signed-in user's scope and the data
version included). What a new data version does not change stays, as it does in service: the
map's skeleton (the folium page with the areas' shapes, kept per process until regions or
grid cells change); the first build of each view, skeleton included, is noted once beside it.
Targets: under 1.5× the floor and under 300 ms. Last, the size of the city-view map HTML.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import demo  # noqa: E402
from data.db import is_empty, make_engine, migrate  # noqa: E402
from data.queries import cases as q  # noqa: E402
from data.scope import Scope  # noqa: E402

TODAY = date(2026, 11, 20)
CASE_SCALE = 33
TARGET_RATIO, TARGET_MS = 1.5, 300.0


def database(url: str | None, path: Path) -> sa.Engine:
    """The benchmark city: the given database, or the cached SQLite file, filled when empty."""
    engine = make_engine(url or f"sqlite:///{path}")
    migrate(engine)
    if is_empty(engine):
        print(f"building the benchmark city (case_scale={CASE_SCALE}) in {engine.url.render_as_string()} …",
              flush=True)
        started = time.perf_counter()
        demo.generate(engine, demo.DemoConfig(today=TODAY, case_scale=CASE_SCALE),
                      progress=lambda step: print(f"  … {step}", flush=True))
        # the planner's statistics, as a database in service has them (the demo loads in one
        # transaction, which autovacuum only sees afterwards)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return engine


class Recorder:
    """Captures the statements an engine sends to the driver while `on` is set."""

    def __init__(self, engine: sa.Engine):
        self.on, self.statements = False, []
        sa.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, executemany):
        if self.on and not executemany:
            self.statements.append((statement, parameters))

    def capture(self, call) -> list:
        self.statements, self.on = [], True
        try:
            call()
        finally:
            self.on = False
        return list(self.statements)


def median_ms(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def floor_ms(engine: sa.Engine, statements: list, runs: int) -> float:
    """The captured statements, bare: execute and fetch every row on the driver's cursor."""
    raw = engine.raw_connection()
    try:
        def run():
            cursor = raw.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()
        run()
        return median_ms(run, runs)
    finally:
        raw.rollback()
        raw.close()


def row(name: str, ms: float, floor: float, statements: int, note: str = "") -> str:
    ratio = ms / floor if floor else float("inf")
    ok = "ok" if ratio < TARGET_RATIO and ms < TARGET_MS else "MISS"
    return f"{name:<34} {ms:9.1f} {floor:9.1f} {ratio:6.2f} {statements:4d}  {ok}  {note}"


HEADER = f"{'':<34} {'median':>9} {'floor':>9} {'ratio':>6} {'sql':>4}\n{'':<34} {'ms':>9} {'ms':>9}"


def bench_queries(engine: sa.Engine, recorder: Recorder, scope: Scope, filters: q.CaseFilters, runs: int) -> None:
    calls = {
        "case_kpis": lambda s: q.case_kpis(s, scope=scope, filters=filters, today=TODAY),
        "monthly_trend": lambda s: q.monthly_trend(s, scope=scope, filters=filters, today=TODAY),
        "breakdown(industry)": lambda s: q.breakdown(s, scope=scope, filters=filters, today=TODAY, by="industry"),
        "breakdown(source)": lambda s: q.breakdown(s, scope=scope, filters=filters, today=TODAY, by="source"),
        "breakdown(county)": lambda s: q.breakdown(s, scope=scope, filters=filters, today=TODAY, by="county"),
        "repeat_employers": lambda s: q.repeat_employers(s, scope=scope, filters=filters, today=TODAY),
        "list_cases(first page)": lambda s: q.list_cases(s, scope=scope, filters=filters, today=TODAY,
                                                         sort=[("received_on", "desc")], offset=0, limit=50),
        "list_cases(by amount)": lambda s: q.list_cases(s, scope=scope, filters=filters, today=TODAY,
                                                        sort=[("amount", "desc")], offset=0, limit=50),
        "risk_by_area(township)": lambda s: q.risk_by_area(s, scope=scope, filters=filters, today=TODAY),
        "map_aggregates(township)": lambda s: q.map_aggregates(s, scope=scope, filters=filters, today=TODAY),
        "map_aggregates(grid)": lambda s: q.map_aggregates(s, scope=scope, filters=filters, today=TODAY,
                                                           level="grid"),
        "supervision_candidates": lambda s: q.supervision_candidates(s, scope=scope, filters=filters, today=TODAY),
    }
    for name, call in calls.items():
        def once(call=call):
            with Session(engine) as session:  # a fresh session, as each request has
                call(session)
        once()  # warm: compiled-statement cache, page cache
        statements = recorder.capture(once)
        print(row(name, median_ms(once, runs), floor_ms(engine, statements, runs), len(statements)), flush=True)


def bench_route(engine: sa.Engine, recorder: Recorder, url: str, runs: int) -> list[tuple[str, int]]:
    from app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "AUTO_MIGRATE": False,
                      "TODAY": TODAY})
    app.extensions["engine"].dispose()
    app.extensions["engine"] = engine  # the recorder listens on this engine
    client = app.test_client()
    response = client.post("/login", data={"username": "leader", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, "the benchmark city has the demo accounts"
    cache, skeletons = app.extensions["map_cache"], app.extensions["map_skeletons"]
    this_year = q.CaseFilters.default(TODAY).to_query()
    routes = {
        "/maps/cases (townships)": {**this_year},
        "/maps/cases (grid cells)": {**this_year, "level": "grid"},
        "/maps/cases (townships, risk)": {**this_year, "risk": "1"},
        "/maps/cases (one township)": {**this_year, "township": "369902001000"},
    }
    sizes = []
    for name, params in routes.items():
        path = "/maps/cases?" + q.urlencode(params)

        def once(path=path):
            cache.clear()
            answer = client.get(path)
            assert answer.status_code == 200, answer.data[:300]
            return answer
        skeletons.clear()
        started = time.perf_counter()
        body = once().get_data()
        first = (time.perf_counter() - started) * 1000
        statements = recorder.capture(once)
        print(row(name, median_ms(once, runs), floor_ms(engine, statements, runs), len(statements),
                  f"{len(body) / 1024:.0f} KB; first build {first:.0f} ms"), flush=True)
        sizes.append((name, len(body)))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / f"cases-{TODAY}-x{CASE_SCALE}.db",
                        help="SQLite file (built when missing); ignored when DATABASE_URL is set")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    engine = database(url, args.db)
    with Session(engine) as session:
        total = session.exec(sa.select(sa.func.count()).select_from(sa.table("wage_case"))).one()[0]
    print(f"{engine.dialect.name}: {total:,} wage cases; today {TODAY}; median of {args.runs} runs; "
          f"scope: the whole city (leader)\n", flush=True)
    if engine.dialect.name == "postgresql":
        # psycopg prepares a statement it has run five times, and a prepared (generic) plan
        # can differ from a fresh one: plan every statement afresh on both sides of the ratio
        sa.event.listen(engine, "connect", lambda dbapi_conn, _record: setattr(dbapi_conn, "prepare_threshold", None))
        engine.dispose()
    recorder = Recorder(engine)
    city = Scope(("369900000000/",))
    for title, filters in (("this year to today (the page's default)", q.CaseFilters.default(TODAY)),
                           ("all three years", q.CaseFilters())):
        print(f"queries, {title}\n{HEADER}", flush=True)
        bench_queries(engine, recorder, city, filters, args.runs)
        print()
    print(f"map route, this year to today\n{HEADER}", flush=True)
    sizes = bench_route(engine, recorder, url or f"sqlite:///{args.db}", args.runs)
    print()
    for name, size in sizes:
        if "one township" not in name:
            print(f"city view HTML {name[len('/maps/cases '):]}: {size / 1024:.0f} KB "
                  f"({'ok' if size < 500 * 1024 else 'MISS'}: < 500 KB)")


if __name__ == "__main__":
    main()
