"""The plans behind the dashboards at province scale: does a page load scan every case?

    DATABASE_URL=postgresql+psycopg://…/hrss_bench .venv/bin/python bench/explain.py   # filled when empty
    DATABASE_URL=… .venv/bin/python bench/explain.py --cases 2000000 --verbose
    DATABASE_URL=… .venv/bin/python bench/explain.py --cities 5   # a province of five cities, when empty

Runs every query a /cases load, the overview, the wall and the brief make (bench/cases.py's
calls, for the whole database as its leader sees it — the city, or the province over the cities —
this year and all years, and the campaign cards), captures the statements each issues, and asks
PostgreSQL for the plan of each (EXPLAIN, with the very parameters). A row per call: its
statements, and the ones whose plan reads wage_case whole (a Seq Scan or Parallel Seq Scan of it);
`--verbose` prints those statements. The target: no such scan on a page load (issue 14), one
`ok`/`MISS` per call; last, `summary: N ok, M miss`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import ROOT, TODAY, Recorder, Tally, database, leader_scope  # noqa: E402
from bench.cases import CASE_SCALE, CASES_AT_SCALE_1, query_calls, wall_calls  # noqa: E402
from data import demo  # noqa: E402
from data.queries import cases as q  # noqa: E402
from data.scope import Scope  # noqa: E402

SCANNED = "wage_case"


def _scans(plan: dict) -> list[str]:
    """The relations a plan reads whole (sequential scans), every node down."""
    found = []
    if plan.get("Node Type") in ("Seq Scan", "Parallel Seq Scan"):
        found.append(plan.get("Relation Name", "?"))
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


def calls(scope: Scope) -> dict:
    """bench/cases.py's calls (this year and all years, the wall, the overview, the brief), the
    campaign cards and the data version every map load asks."""
    from data.queries import campaign

    out = {f"{name} ({label})": call for label, filters in (("this year", q.CaseFilters.default(TODAY)),
                                                            ("all years", q.CaseFilters()))
           for name, call in query_calls(scope, filters).items()}
    return {**out, **wall_calls(scope),
            "campaign cards": lambda s: campaign.cards(s, scope=scope, today=TODAY),
            "data version (every map load)": lambda s: q.map_versions(s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=None, help="the bench city's size, as bench/cases.py")
    parser.add_argument("--cities", type=int, default=1,
                        help=f"a demo province of this many cities sharing the cases, when the database is empty "
                             f"(1 to {len(demo.CITIES)}, as bench/cases.py)")
    parser.add_argument("--verbose", action="store_true", help="print the statements that scan every case")
    args = parser.parse_args()
    if not 1 <= args.cities <= len(demo.CITIES):
        parser.error(f"--cities must be from 1 to {len(demo.CITIES)}")
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("explain: set DATABASE_URL=postgresql+psycopg://… (the plans that matter are PostgreSQL's)")
    scale = round((CASE_SCALE * CASES_AT_SCALE_1 if args.cases is None else args.cases)
                  / CASES_AT_SCALE_1 / args.cities, 3)
    engine = database(url, ROOT / "bench" / "out" / "unused.db",
                      demo.DemoConfig(today=TODAY, case_scale=scale, cities=args.cities),
                      f"case_scale={scale:g}, cities={args.cities}")
    from sqlmodel import Session

    with Session(engine) as session:
        # whatever the database holds (it is filled only when empty): its city, or its province
        scope = leader_scope(session)
    recorder, tally = Recorder(engine), Tally()
    print(f"scope: {scope.paths[0]} (the leader's)")
    raw = engine.raw_connection()
    print(f"{'call':<44} {'sql':>4} {'scans of every case':>20}")
    try:
        for name, call in calls(scope).items():
            with Session(engine) as session:
                statements = recorder.capture(lambda c=call, s=session: c(s))
            scanning = []
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                cursor = raw.cursor()
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                plan = cursor.fetchone()[0]
                cursor.close()
                plan = plan if isinstance(plan, list) else json.loads(plan)
                if SCANNED in _scans(plan[0]["Plan"]):
                    scanning.append(statement)
            print(f"{name:<44} {len(statements):4d} {len(scanning):20d}  {tally.check(not scanning)}", flush=True)
            if args.verbose:
                for statement in scanning:
                    print("    " + " ".join(statement.split())[:400], flush=True)
    finally:
        raw.rollback()
        raw.close()
    tally.summary()


if __name__ == "__main__":
    main()
