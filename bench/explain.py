"""The plans behind the dashboards at province scale: does a page load scan every case?

    DATABASE_URL=postgresql+psycopg://…/hrss_bench .venv/bin/python bench/explain.py   # filled when empty
    DATABASE_URL=… .venv/bin/python bench/explain.py --cases 2000000 --verbose

Runs every query a /cases load, the overview, the wall and the brief make (the same calls as
bench/cases.py, for the whole city, this year and all years), captures the statements each
issues, and asks PostgreSQL for the plan of each (EXPLAIN, with the very parameters). A row per
call: its statements, and the ones whose plan reads wage_case whole (a Seq Scan or Parallel Seq
Scan of it); `--verbose` prints those statements. The target: no such scan on a page load
(issue 14), one `ok`/`MISS` per call; last, `summary: N ok, M miss`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import ROOT, TODAY, Recorder, Tally, database  # noqa: E402
from bench.cases import CASE_SCALE, CASES_AT_SCALE_1  # noqa: E402
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
    from datetime import timedelta

    from data.queries import brief, campaign, leadership
    from data.queries.overview import cases_by_month, overview_figures

    monday = TODAY - timedelta(days=TODAY.weekday())
    out = {}
    for label, filters in (("this year", q.CaseFilters.default(TODAY)), ("all years", q.CaseFilters())):
        args = {"scope": scope, "filters": filters, "today": TODAY}
        out.update({
            f"case_kpis ({label})": lambda s, a=args: q.case_kpis(s, **a),
            f"monthly_trend ({label})": lambda s, a=args: q.monthly_trend(s, **a),
            **{f"breakdown({by}) ({label})": lambda s, a=args, by=by: q.breakdown(s, **a, by=by)
               for by in q.BREAKDOWNS},
            f"list_cases ({label})": lambda s, a=args: q.list_cases(s, **a, sort=[("received_on", "desc")], limit=50),
            f"map_aggregates ({label})": lambda s, a=args: q.map_aggregates(s, **a),
            f"risk_by_area ({label})": lambda s, a=args: q.risk_by_area(s, **a),
            f"repeat_employers ({label})": lambda s, a=args: q.repeat_employers(s, **a),
            f"supervision_candidates ({label})": lambda s, a=args: q.supervision_candidates(s, **a),
        })
    out.update({
        "campaign (winter, declines)": lambda s: (campaign.winter_campaign(s, scope=scope, today=TODAY),
                                                  campaign.declines(s, scope=scope, today=TODAY)),
        "overview figures and months": lambda s: (overview_figures(s, scope=scope, today=TODAY),
                                                  cases_by_month(s, scope=scope, year=TODAY.year)),
        "wall: kpis, trends, areas, supervised": lambda s: (
            leadership.figures(s, scope=scope, today=TODAY), leadership.monthly_series(s, scope=scope, today=TODAY),
            leadership.by_area(s, scope=scope, today=TODAY), leadership.supervised_cases(s, scope=scope, today=TODAY)),
        "weekly brief": lambda s: brief.weekly_brief(s, scope=scope, monday=monday, today=TODAY),
        "data version (every map load)": lambda s: q.map_versions(s),
    })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=None, help="the bench city's size, as bench/cases.py")
    parser.add_argument("--verbose", action="store_true", help="print the statements that scan every case")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("explain: set DATABASE_URL=postgresql+psycopg://… (the plans that matter are PostgreSQL's)")
    scale = CASE_SCALE if args.cases is None else round(args.cases / CASES_AT_SCALE_1, 3)
    engine = database(url, ROOT / "bench" / "out" / "unused.db", demo.DemoConfig(today=TODAY, case_scale=scale),
                      f"case_scale={scale:g}")
    from sqlmodel import Session

    recorder, tally = Recorder(engine), Tally()
    raw = engine.raw_connection()
    print(f"{'call':<44} {'sql':>4} {'scans of every case':>20}")
    try:
        for name, call in calls(Scope(("369900000000/",))).items():
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
