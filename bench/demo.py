"""Time the demo city generator.

    .venv/bin/python bench/demo.py                    # default city on a fresh SQLite file
    .venv/bin/python bench/demo.py --case-scale 33    # ~200,000 cases (the cases benchmark city)
    .venv/bin/python bench/demo.py --cities 3         # a province of three cities
    DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/demo.py   # an empty PostgreSQL database

Prints the time of each step and the counts. The default city must take under 30 s here; the
last line is `summary: N ok, M miss`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import Tally  # noqa: E402
from data import demo  # noqa: E402
from data.db import make_engine, migrate  # noqa: E402

TARGET_SECONDS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case-scale", type=float, default=1.0)
    parser.add_argument("--station-scale", type=float, default=1.0)
    parser.add_argument("--inspection-scale", type=float, default=1.0)
    parser.add_argument("--cities", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 20))
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='hrss-bench-')}/demo.db"
    engine = make_engine(url)
    migrate(engine)
    last = [time.perf_counter()]
    started = last[0]

    def progress(step: str) -> None:
        now = time.perf_counter()
        print(f"{now - started:7.2f} s  (+{now - last[0]:5.2f})  {step}", flush=True)
        last[0] = now

    counts = demo.generate(engine, demo.DemoConfig(today=args.today, case_scale=args.case_scale,
                                                   station_scale=args.station_scale,
                                                   inspection_scale=args.inspection_scale, cities=args.cities),
                           progress=progress)
    total = time.perf_counter() - started
    print(json.dumps(counts, ensure_ascii=False, indent=1))
    print(f"demo city generated in {total:.1f} s on {engine.dialect.name}")
    tally = Tally()
    if (args.case_scale, args.station_scale, args.inspection_scale, args.cities) == (1.0, 1.0, 1.0, 1):
        print(f"default city under {TARGET_SECONDS} s: {tally.check(total < TARGET_SECONDS)}")
    tally.summary()


if __name__ == "__main__":
    main()
