"""Time the /stations page on a city with 2,000 township stations and ~50,000 inspections.

    .venv/bin/python bench/stations.py                  # SQLite, built once under bench/out/ (~1 min)
    .venv/bin/python bench/stations.py --db /tmp/x.db   # another SQLite file (built when missing)
    .venv/bin/python bench/stations.py --runs 15
    DATABASE_URL=postgresql+psycopg://…/hrss_bench .venv/bin/python bench/stations.py   # filled when empty

Three parts, each printing the median latency over N runs and the ratio to its SQL floor (the
very statements issued, captured from the engine and run bare on the driver's cursor; the two
are timed in turns, so a busy machine slows both alike):
1. the queries behind the page (data.queries.stations), for a city-wide leader and for a
   county admin, who sees published checks only;
2. the page's callbacks through Dash's HTTP endpoint, as the browser calls them: the query,
   the figure or components and the JSON together; the floor also holds the statements that
   load the signed-in user;
3. the map route with its cache cleared before every run (building the map, not the cache),
   and the service points of a zoomed-in view; then the size of the city-view HTML.
Targets: under 1.5× the floor and under 300 ms; the city view under 500 KB.
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

from bench.cases import HEADER, Recorder, row  # noqa: E402
from data import demo  # noqa: E402
from data.db import is_empty, make_engine, migrate  # noqa: E402
from data.models import Role  # noqa: E402
from data.queries import stations as q  # noqa: E402
from data.scope import Scope  # noqa: E402

TODAY = date(2026, 11, 20)
# 199 townships × 10.05 = 2,000 stations; about six checks a station at scale 1, so 4.1 gives
# ~49,000 station checks and ~1,800 window audits
STATION_SCALE, INSPECTION_SCALE = 10.05, 4.1
CITY, COUNTY = "369900000000/", "369900000000/369902000000/"
ZOOMED_IN = "116.0,28.6,116.12,28.66"  # about what a 1366-pixel map shows at zoom 12


def database(url: str | None, path: Path) -> sa.Engine:
    engine = make_engine(url or f"sqlite:///{path}")
    migrate(engine)
    if is_empty(engine):
        print(f"building the benchmark city (station_scale={STATION_SCALE}, inspection_scale={INSPECTION_SCALE}) "
              f"in {engine.url.render_as_string()} …", flush=True)
        started = time.perf_counter()
        demo.generate(engine, demo.DemoConfig(today=TODAY, station_scale=STATION_SCALE,
                                              inspection_scale=INSPECTION_SCALE),
                      progress=lambda step: print(f"  … {step}", flush=True))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")  # the planner's statistics, as a database in service has them
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return engine


def measure(engine: sa.Engine, call, statements: list, runs: int) -> tuple[float, float]:
    """Median milliseconds of `call` and of its statements run bare on the driver's cursor,
    taken in turns, so that both sides see the same load (the machine is shared)."""
    raw = engine.raw_connection()

    def bare():
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        cursor.close()

    def timed(fn) -> float:
        started = time.perf_counter()
        fn()
        return (time.perf_counter() - started) * 1000

    try:
        bare()
        pairs = [(timed(call), timed(bare)) for _ in range(runs)]
    finally:
        raw.rollback()
        raw.close()
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def bench_queries(engine: sa.Engine, recorder: Recorder, scope: Scope, role: Role, station_id: int,
                  runs: int) -> None:
    f = q.StationFilters.default(TODAY)
    calls = {
        "station_kpis": lambda s: q.station_kpis(s, scope=scope, role=role, filters=f, today=TODAY),
        "rate_by_area": lambda s: q.rate_by_area(s, scope=scope, role=role, filters=f, today=TODAY),
        "category_averages(region)": lambda s: q.category_averages(s, scope=scope, role=role, filters=f),
        "category_averages(+station)": lambda s: q.category_averages(s, scope=scope, role=role, filters=f,
                                                                     station_id=station_id),
        "league_table": lambda s: q.league_table(s, scope=scope, role=role, filters=f, today=TODAY),
        "score_trend": lambda s: q.score_trend(s, scope=scope, role=role, filters=f, today=TODAY),
        "map_stations": lambda s: q.map_stations(s, scope=scope, role=role, filters=f),
        "service_points(zoom 12)": lambda s: q.service_points(
            s, scope=scope, role=role, filters=f, bbox=tuple(float(v) for v in ZOOMED_IN.split(","))),
        "get_station_profile": lambda s: q.get_station_profile(s, scope=scope, role=role, station_id=station_id,
                                                               today=TODAY),
        "data_version": lambda s: q.data_version(s),
    }
    for name, call in calls.items():
        def once(call=call):
            with Session(engine) as session:  # a fresh session, as each request has
                call(session)
        once()  # warm: compiled-statement cache, page cache
        statements = recorder.capture(once)
        print(row(name, *measure(engine, once, statements, runs), len(statements)), flush=True)


def _app(engine: sa.Engine, url: str):
    from app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "AUTO_MIGRATE": False,
                      "TODAY": TODAY})
    app.extensions["engine"].dispose()
    app.extensions["engine"] = engine  # the recorder listens on this engine
    client = app.test_client()
    response = client.post("/login", data={"username": "leader", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, "the benchmark city has the demo accounts"
    client.get("/stations")  # the CSRF cookie
    return app, client


def _callback(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]]) -> dict:
    if len(outputs) == 1:
        output, spec = f"{outputs[0][0]}.{outputs[0][1]}", {"id": outputs[0][0], "property": outputs[0][1]}
    else:
        output = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        spec = [{"id": i, "property": p} for i, p in outputs]
    return {"output": output, "outputs": spec, "state": [],
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}


def bench_callbacks(engine: sa.Engine, recorder: Recorder, client, station_id: int, runs: int) -> None:
    filters = q.StationFilters.default(TODAY).to_dict()
    by_filters = [("stations-filters", "data", filters)]
    calls = {
        "kpis": _callback([("stations-kpis", "children")], by_filters),
        "rate": _callback([("stations-rate", "figure"), ("stations-rate-title", "children")], by_filters),
        "radar (region)": _callback([("stations-radar", "figure"), ("stations-radar-note", "children")],
                                    by_filters + [("stations-selected", "data", None)]),
        "radar (+station)": _callback([("stations-radar", "figure"), ("stations-radar-note", "children")],
                                      by_filters + [("stations-selected", "data", station_id)]),
        "league (2,000 rows)": _callback([("stations-league", "rowData")], by_filters),
        "trend": _callback([("stations-trend", "figure")], by_filters),
        "map src": _callback([("stations-map", "src")], by_filters),
        "profile": _callback([("station-profile", "is_open"), ("station-profile-body", "children"),
                              ("station-profile", "title")], [("stations-selected", "data", station_id)]),
    }
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    for name, body in calls.items():
        def once(body=body):
            answer = client.post("/_dash-update-component", json=body, headers=headers)
            assert answer.status_code == 200, answer.data[:300]
            return answer
        size = len(once().data)
        statements = recorder.capture(once)
        print(row(f"callback {name}", *measure(engine, once, statements, runs), len(statements),
                  f"{size / 1024:.0f} KB"), flush=True)


def bench_maps(engine: sa.Engine, recorder: Recorder, app, client, runs: int) -> list[tuple[str, int]]:
    cache = app.extensions["map_cache"]
    period = {k: v for k, v in q.StationFilters.default(TODAY).to_query().items() if k != "kind"}
    routes = {
        "/maps/stations (city)": ("/maps/stations", period),
        "/maps/stations (one county)": ("/maps/stations", {**period, "region_code": "369902000000"}),
        "/maps/stations/points (zoom 12)": ("/maps/stations/points", {**period, "bbox": ZOOMED_IN}),
    }
    sizes = []
    for name, (path, params) in routes.items():
        url = path + "?" + "&".join(f"{k}={v}" for k, v in params.items())

        def once(url=url):
            cache.clear()
            answer = client.get(url)
            assert answer.status_code == 200, answer.data[:300]
            return answer
        body = once().get_data()
        statements = recorder.capture(once)
        print(row(name, *measure(engine, once, statements, runs), len(statements),
                  f"{len(body) / 1024:.0f} KB"), flush=True)
        sizes.append((name, len(body)))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" /
                        f"stations-{TODAY}-s{STATION_SCALE}-i{INSPECTION_SCALE}.db",
                        help="SQLite file (built when missing); ignored when DATABASE_URL is set")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    engine = database(url, args.db)
    with Session(engine) as session:
        stations, inspections = session.exec(sa.text(
            "SELECT (SELECT count(*) FROM station WHERE kind = 'township_station'), "
            "(SELECT count(*) FROM inspection)")).one()
        # a station in the county of the second benchmark scope
        station_id = session.exec(sa.text(
            "SELECT min(id) FROM station WHERE kind = 'township_station' AND path LIKE :p").bindparams(
                p=COUNTY + "%")).one()[0]
    print(f"{engine.dialect.name}: {stations:,} township stations, {inspections:,} inspections; today {TODAY}; "
          f"median of {args.runs} runs; the last twelve months\n", flush=True)
    if engine.dialect.name == "postgresql":
        # plan every statement afresh on both sides of the ratio (psycopg prepares after five runs)
        sa.event.listen(engine, "connect", lambda dbapi_conn, _record: setattr(dbapi_conn, "prepare_threshold", None))
        engine.dispose()
    recorder = Recorder(engine)
    for title, scope, role in (("a city-wide leader (sees unpublished checks)", Scope((CITY,)), Role.leader),
                               ("a county admin (published checks only)", Scope((COUNTY,)), Role.admin)):
        print(f"queries, {title}\n{HEADER}", flush=True)
        bench_queries(engine, recorder, scope, role, station_id, args.runs)
        print()
    app, client = _app(engine, url or f"sqlite:///{args.db}")
    print(f"callbacks through /_dash-update-component, the leader\n{HEADER}", flush=True)
    bench_callbacks(engine, recorder, client, station_id, args.runs)
    print()
    print(f"map routes, cache cleared each run, the leader\n{HEADER}", flush=True)
    sizes = bench_maps(engine, recorder, app, client, args.runs)
    print()
    for name, size in sizes:
        if "city" in name:
            print(f"city view HTML: {size / 1024:.0f} KB ({'ok' if size < 500 * 1024 else 'MISS'}: < 500 KB)")


if __name__ == "__main__":
    main()
