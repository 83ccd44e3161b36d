"""How fast a bureau's historic cases come in: 200,000 rows of the platform's export (CSV) into
an empty SQLite database (or DATABASE_URL), through the same service as the command line.

    .venv/bin/python bench/import.py                 # 200,000 rows, SQLite in a temporary folder
    .venv/bin/python bench/import.py --rows 50000
    DATABASE_URL=postgresql+psycopg://…/hrss_bench .venv/bin/python bench/import.py   # emptied first

Prints the time of each stage (generating the file is not timed), rows per second, and checks
that a second import of the same file changes nothing. Target: the import in 60 s or less.
Ends with `summary: N ok, M miss`.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, SQLModel  # noqa: E402

from data.db import make_engine, migrate  # noqa: E402
from data.imports import import_file  # noqa: E402
from data.rules.identifiers import org_code_check_char, uscc_check_char  # noqa: E402

TODAY = date(2026, 11, 20)
TARGET_SECONDS = 60.0
COUNTIES, TOWNSHIPS_PER_COUNTY = 8, 12
HEADER = ["案件编号", "受理日期", "来源渠道", "发生地区划代码", "用人单位名称", "统一社会信用代码", "行业", "涉及人数",
          "涉及金额（元）", "状态", "办结日期", "投诉人姓名", "身份证号", "联系电话", "案情摘要"]


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def regions_file() -> tuple[bytes, list[str]]:
    rows = [["区划代码", "名称", "级别", "上级区划代码"], ["369700000000", "基准市", "市", ""]]
    townships = []
    for c in range(1, COUNTIES + 1):
        county = f"3697{c:02d}000000"
        rows.append([county, f"第{c}区", "区", "369700000000"])
        for t in range(1, TOWNSHIPS_PER_COUNTY + 1):
            code = f"3697{c:02d}{t:03d}000"
            rows.append([code, f"第{c}区第{t}街道", "街道", county])
            townships.append(code)
    return _csv(rows), townships


def cases_file(n: int, townships: list[str]) -> bytes:
    rng = random.Random(11)
    employers = []
    for i in range(2000):
        body = f"MB{i:06d}"
        first17 = "91369700" + body + org_code_check_char(body)
        employers.append((f"基准市第{i}号有限公司", first17 + uscc_check_char(first17)))
    sources = ["来访", "12333热线", "12345热线", "全国根治欠薪线索平台", "网格排查", "来信"]
    industries = ["建筑业", "制造业", "住宿和餐饮业", "批发和零售业", "交通运输业", "居民服务业"]
    statuses = ["已办结"] * 7 + ["不予受理", "调查中", "待受理"]
    rows = [HEADER]
    for i in range(n):
        received = TODAY - timedelta(days=rng.randint(0, 3650))
        status = statuses[i % len(statuses)]
        if status == "待受理":
            received = TODAY - timedelta(days=rng.randint(0, 4))
        closed = min(TODAY, received + timedelta(days=rng.randint(1, 80))) if status in ("已办结", "不予受理") else None
        name, code = employers[rng.randrange(len(employers))]
        rows.append([f"基人社监〔{received.year}〕{i:07d}号", received.isoformat(), sources[i % 6],
                     townships[rng.randrange(len(townships))], name, code, industries[i % 6], str(rng.randint(1, 60)),
                     str(rng.randint(1000, 900000)), status, closed.isoformat() if closed else "", f"申诉人{i % 977}",
                     "", f"13{i:09d}"[:11], "拖欠工资"])
    return _csv(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    folder = tempfile.mkdtemp(prefix="hrss-import-bench-")
    engine = make_engine(url or f"sqlite:///{folder}/bench.db")
    if url:
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate(engine)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    regions, townships = regions_file()
    with Session(engine, expire_on_commit=False) as session:
        report = import_file(session, actor=None, kind="regions", data=regions, filename="regions.csv", today=TODAY)
        assert report.ok and report.written, report.errors[:3]
    started = time.perf_counter()
    data = cases_file(args.rows, townships)
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB (generated in {time.perf_counter() - started:.1f} s,"
          " not timed)")
    results = []
    for label, dry in (("dry run (read + check)", True), ("import", False), ("again (nothing changes)", False)):
        stages: dict[str, float] = {}
        last = [time.perf_counter(), None]

        def progress(stage, done, total, stages=stages, last=last):
            now = time.perf_counter()
            if last[1] is not None:
                stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
            last[0], last[1] = now, stage

        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            report = import_file(session, actor=None, kind="cases", data=data, filename="cases.csv", today=TODAY,
                                 dry_run=dry, progress=progress)
        seconds = time.perf_counter() - started
        if last[1] is not None:
            stages[last[1]] = stages.get(last[1], 0.0) + time.perf_counter() - last[0]
        assert report.ok, report.errors[:3]
        split = ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())
        print(f"{label:<26} {seconds:6.1f} s  {args.rows / seconds:9,.0f} rows/s  "
              f"new {report.new:,} changed {report.changed:,} unchanged {report.unchanged:,}  ({split})")
        results.append((label, seconds, report))
    ok = miss = 0
    imported, again = results[1], results[2]
    for passed, what in [(imported[1] <= TARGET_SECONDS, f"import of {args.rows:,} rows in {imported[1]:.1f} s "
                          f"(target {TARGET_SECONDS:.0f} s)"),
                         (again[2].new == 0 and again[2].changed == 0, "a second import changes nothing")]:
        print(("ok   " if passed else "MISS ") + what)
        ok, miss = ok + passed, miss + (not passed)
    print(f"summary: {ok} ok, {miss} miss")
    return 0


if __name__ == "__main__":
    sys.exit(main())
