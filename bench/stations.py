"""Time the /stations page on a city with 2,000 township stations and ~50,000 inspections.

    .venv/bin/python bench/stations.py                  # SQLite, built once under bench/out/ (~1 min)
    .venv/bin/python bench/stations.py --db /tmp/x.db   # another SQLite file (built when missing)
    .venv/bin/python bench/stations.py --runs 15
    .venv/bin/python bench/stations.py --stations 5000 --inspections 200000   # another scale
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
Targets: under 1.5× the floor and under 300 ms; the city view under 500 KB. Last,
`summary: N ok, M miss`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import HEADER, ROOT, TODAY, Bench, database, get, signed_in_app  # noqa: E402
from data import demo  # noqa: E402
from data.models import Role  # noqa: E402
from data.queries import stations as q  # noqa: E402
from data.scope import Scope  # noqa: E402
from tests.dash_calls import callback_body, csrf_header  # noqa: E402
from web import cache  # noqa: E402

# 199 townships × 10.05 = 2,000 stations; about six checks a station at scale 1, so 4.1 gives
# ~49,000 station checks and ~1,800 window audits
STATION_SCALE, INSPECTION_SCALE = 10.05, 4.1
TOWNSHIPS, INSPECTIONS_PER_STATION = 199, 6.2  # a station per township at scale 1; checks a station per unit
CITY, COUNTY = "369900000000/", "369900000000/369902000000/"
ZOOMED_IN = "116.0,28.6,116.12,28.66"  # about what a 1366-pixel map shows at zoom 12


def bench_queries(bench: Bench, scope: Scope, role: Role, station_id: int) -> None:
    args = {"scope": scope, "role": role, "filters": q.StationFilters.default(TODAY)}
    bench.queries({
        "station_kpis": lambda s: q.station_kpis(s, **args, today=TODAY),
        "rate_by_area": lambda s: q.rate_by_area(s, **args, today=TODAY),
        "category_averages(region)": lambda s: q.category_averages(s, **args),
        "category_averages(+station)": lambda s: q.category_averages(s, **args, station_id=station_id),
        "league_table": lambda s: q.league_table(s, **args, today=TODAY),
        "score_trend": lambda s: q.score_trend(s, **args, today=TODAY),
        "map_stations": lambda s: q.map_stations(s, **args),
        "service_points(zoom 12)": lambda s: q.service_points(
            s, **args, bbox=tuple(float(v) for v in ZOOMED_IN.split(","))),
        "get_station_profile": lambda s: q.get_station_profile(s, scope=scope, role=role, station_id=station_id,
                                                               today=TODAY),
        "data_version": lambda s: q.data_version(s),
    })


def bench_callbacks(bench: Bench, client, station_id: int) -> None:
    client.get("/stations")  # the CSRF cookie
    by_filters = [("stations-filters", "data", q.StationFilters.default(TODAY).to_dict())]
    calls = {
        "kpis": callback_body([("stations-kpis", "children")], by_filters),
        "rate": callback_body([("stations-rate", "figure"), ("stations-rate-title", "children")], by_filters),
        "radar (region)": callback_body([("stations-radar", "figure"), ("stations-radar-note", "children")],
                                    by_filters + [("stations-selected", "data", None)]),
        "radar (+station)": callback_body([("stations-radar", "figure"), ("stations-radar-note", "children")],
                                      by_filters + [("stations-selected", "data", station_id)]),
        # the grid's first block (pages/stations.LEAGUE_BLOCK rows); scrolling asks for the next
        "league (first block)": callback_body([("stations-league", "getRowsResponse")],
                                              [("stations-league", "getRowsRequest",
                                                {"startRow": 0, "endRow": 100, "sortModel": []})], by_filters),
        "trend": callback_body([("stations-trend", "figure")], by_filters),
        "map src": callback_body([("stations-map", "src")], by_filters),
        "profile": callback_body([("station-profile", "is_open"), ("station-profile-body", "children"),
                              ("station-profile", "title")], [("stations-selected", "data", station_id)]),
    }
    headers = csrf_header(client)
    for name, body in calls.items():
        def once(body=body):
            answer = client.post("/_dash-update-component", json=body, headers=headers)
            assert answer.status_code == 200, answer.data[:300]
            return answer
        # what goes over the wire: the browser asks for gzip and the app compresses (flask-compress)
        sent = client.post("/_dash-update-component", json=body, headers={**headers, "Accept-Encoding": "gzip"})
        bench.row(f"callback {name}", once, f"{len(once().data) / 1024:.0f} KB, sent {len(sent.data) / 1024:.0f} KB")


def bench_maps(bench: Bench, app, client) -> list[tuple[str, int]]:
    def clear() -> None:
        with app.app_context():
            cache.clear("map")

    period = {k: v for k, v in q.StationFilters.default(TODAY).to_query().items() if k != "kind"}
    routes = {
        "/maps/stations (city)": ("/maps/stations", period),
        "/maps/stations (one county)": ("/maps/stations", {**period, "region_code": "369902000000"}),
        "/maps/stations/points (zoom 12)": ("/maps/stations/points", {**period, "bbox": ZOOMED_IN}),
    }
    sizes = []
    for name, (path, params) in routes.items():
        once = get(client, path + "?" + "&".join(f"{k}={v}" for k, v in params.items()), before=clear)
        body = once().get_data()
        bench.row(name, once, f"{len(body) / 1024:.0f} KB")
        sizes.append((name, len(body)))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=None, help="about how many township stations (default 2,000)")
    parser.add_argument("--inspections", type=int, default=None,
                        help="about how many inspections in all (default about 51,000)")
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite file (built when missing); ignored when DATABASE_URL is set")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    station_scale = STATION_SCALE if args.stations is None else round(args.stations / TOWNSHIPS, 3)
    inspection_scale = INSPECTION_SCALE if args.inspections is None else \
        round(args.inspections / (station_scale * TOWNSHIPS * INSPECTIONS_PER_STATION), 3)
    if station_scale <= 0 or inspection_scale <= 0:
        parser.error("--stations and --inspections must be positive")
    args.db = args.db or ROOT / "bench" / "out" / f"stations-{TODAY}-s{station_scale:g}-i{inspection_scale:g}.db"
    url = os.environ.get("DATABASE_URL")
    engine = database(url, args.db, demo.DemoConfig(today=TODAY, station_scale=station_scale,
                                                    inspection_scale=inspection_scale),
                      f"station_scale={station_scale:g}, inspection_scale={inspection_scale:g}")
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
    bench = Bench(engine, args.runs)
    for title, scope, role in (("a city-wide leader (sees unpublished checks)", Scope((CITY,)), Role.leader),
                               ("a county admin (published checks only)", Scope((COUNTY,)), Role.admin)):
        print(f"queries, {title}\n{HEADER}", flush=True)
        bench_queries(bench, scope, role, station_id)
        print()
    app, client = signed_in_app(engine, url or f"sqlite:///{args.db}")
    print(f"callbacks through /_dash-update-component, the leader\n{HEADER}", flush=True)
    bench_callbacks(bench, client, station_id)
    print()
    print(f"map routes, cache cleared each run, the leader\n{HEADER}", flush=True)
    sizes = bench_maps(bench, app, client)
    print()
    for name, size in sizes:
        if "city" in name:
            bench.size("city view HTML", size)
    bench.tally.summary()


if __name__ == "__main__":
    main()
