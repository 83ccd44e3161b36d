"""Many readers at once: fifty leaders on gunicorn (four workers), the shared cache on Redis.

    .venv/bin/pip install -r requirements-bench.txt                       # Locust, once
    DATABASE_URL=postgresql+psycopg://…/hrss_bench .venv/bin/python bench/load.py   # the goal's setting
    .venv/bin/python bench/load.py                                        # SQLite demo city under bench/out/
    .venv/bin/python bench/load.py --users 50 --time 120 --workers 4 --think 5-15
    REDIS_URL=redis://127.0.0.1:6379/0 …                                  # else a throw-away redis-server

Starts gunicorn with gunicorn.conf.py on a loopback port (the database as given, filled with the
demo city when empty; the cache on Redis), records once in a headless Chromium what the browser
sends when a leader opens /cases, the overview and /stations and changes /cases' county (every
Dash callback's body, in order: bench/out/load-script.json), then lets Locust (headless, bounded
in users and time) replay those acts for `--users` leaders at once, each pausing `--think` seconds
between acts (bench/locustfile.py). Printed: per request name — each callback by its outputs, the
pages and map frames — the requests, failures, p50 and p95; then errors and throughput.
Targets: p95 ≤ 1 s for every callback and map frame, no error. Last: `summary: N ok, M miss`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import ROOT, TODAY, Tally, database, stop_server, throwaway_redis  # noqa: E402
from data import demo  # noqa: E402
from tests.conftest import eventually, free_port  # noqa: E402

PAGES = ("/cases", "/", "/stations")
P95_MS = 1000.0
FILTERS = "cases-filters"  # the /cases filter bar's store (pages/cases.py FILTERS)
COUNTY = "cases-county"


def shared_cache(workdir: Path) -> tuple[str | None, subprocess.Popen | None]:
    """REDIS_URL, else a throw-away redis-server, else none (each worker its own cache)."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], None
    if not shutil.which("redis-server"):
        print("no redis-server (apt-get install redis-server): each worker caches on its own", flush=True)
        return None, None
    return throwaway_redis(workdir)


def start_gunicorn(workdir: Path, url: str, redis_url: str | None, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-load", "CACHE_REDIS_URL": redis_url or "",
           "CACHE_KEY_PREFIX": f"hrss-load-{os.getpid()}:", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_WORKERS": str(workers), "UPLOAD_DIR": str(workdir / "uploads"), "AUTO_MIGRATE": "0",
           "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                               "--access-logfile", str(workdir / "access.log"),
                               "--error-logfile", str(workdir / "gunicorn.log"), "app:create_app()"],
                              cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    eventually(lambda: urlopen(base + "/healthz", timeout=5).status == 200, "gunicorn answers /healthz", timeout=120)
    return server, base


def record(base: str, counties: list[str], out: Path) -> dict:
    """What the browser sends for each page and for a change of /cases' county (LOAD_SCRIPT)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.steps import dash_settled, frames_loaded, sign_in

    bodies: list[dict] = []
    script: dict = {"username": "leader", "pages": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            page.on("request", lambda r: bodies.append({**r.post_data_json, "url": r.url[len(base):]})
                    if urlsplit(r.url).path == "/_dash-update-component" else None)
            sign_in(page, base, "leader", demo.DEMO_PASSWORD, lands="/todo")
            for path in PAGES:
                bodies.clear()
                page.goto(base + path)
                dash_settled(page, timeout=120_000)
                frames_loaded(page, timeout=120_000)
                script["pages"][path] = {"path": path, "callbacks": list(bodies)}
        finally:
            browser.close()
    calls = script["pages"]["/cases"]["callbacks"]
    bar = next((b for b in calls if f"{FILTERS}.data" in b["output"]), None)
    if bar is None:
        raise SystemExit("load: no filter bar callback recorded on /cases, only: "
                         + ", ".join(b["output"] for b in calls))
    panels = [b for b in calls if any(i["id"] == FILTERS for i in b["inputs"] + b.get("state", []))
              and f"{FILTERS}.data" not in b["output"]]
    if not any(i["id"] == COUNTY for i in bar["inputs"]):
        raise SystemExit(f"load: the filter bar's callback has no {COUNTY} input: pages/cases.py changed?")
    script["change"] = {"bar": bar, "panels": panels, "store": FILTERS, "county_input": COUNTY,
                        "counties": counties}
    out.write_text(json.dumps(script, ensure_ascii=False, indent=1), encoding="utf-8")
    return script


def run_locust(base: str, script: Path, workdir: Path, users: int, seconds: int, think: str) -> Path:
    prefix = workdir / "locust"
    env = {**os.environ, "LOAD_SCRIPT": str(script), "LOAD_THINK": think, "LOAD_PASSWORD": demo.DEMO_PASSWORD}
    command = [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile.py"),
               "--headless", "--users", str(users), "--spawn-rate", str(max(1, users // 10)),
               "--run-time", f"{seconds}s", "--stop-timeout", "30", "--host", base, "--csv", str(prefix),
               "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    with open(workdir / "locust.log", "w") as log:
        done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 180)
    if done.returncode != 0:
        raise SystemExit(f"load: locust ended with {done.returncode}: {(workdir / 'locust.log').read_text()[-2000:]}")
    return Path(f"{prefix}_stats.csv")


def report(stats: Path, seconds: int) -> None:
    tally = Tally()
    rows = list(csv.DictReader(stats.open(encoding="utf-8")))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"{'request':<58} {'n':>6} {'fail':>5} {'p50':>6} {'p95':>6}\n{'':<58} {'':>6} {'':>5} {'ms':>6} {'ms':>6}")
    for r in sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: r["Name"]):
        timed = r["Name"].startswith("cb ") or r["Name"].endswith("(frame)")
        p95 = float(r["95%"] or 0)
        verdict = tally.check(p95 <= P95_MS) if timed else ""
        print(f"{r['Name'][:58]:<58} {r['Request Count']:>6} {r['Failure Count']:>5} {float(r['50%'] or 0):6.0f} "
              f"{p95:6.0f}  {verdict}", flush=True)
    failures = int(total["Failure Count"])
    print(f"\nall requests: {total['Request Count']} in {seconds} s, {float(total['Requests/s']):.1f}/s; "
          f"p50 {float(total['50%']):.0f} ms, p95 {float(total['95%']):.0f} ms; "
          f"errors {failures} ({tally.check(failures == 0)}: none)")
    tally.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--time", type=int, default=90, help="seconds of load after the users are up")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--think", default="5-15", help="seconds a leader reads between two acts, min-max")
    args = parser.parse_args()
    if not 1 <= args.users <= 200 or not 10 <= args.time <= 900:
        parser.error("1 ≤ --users ≤ 200 and 10 ≤ --time ≤ 900 (a bounded bench)")
    if not Path(sys.executable).with_name("locust").exists():
        raise SystemExit("load: Locust is not installed: .venv/bin/pip install -r requirements-bench.txt")
    url = os.environ.get("DATABASE_URL")
    engine = database(url, ROOT / "bench" / "out" / f"load-{TODAY}.db", demo.DemoConfig(today=TODAY), "the demo city")
    url = url or engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        cases = conn.execute(sa.text("SELECT count(*) FROM wage_case")).scalar_one()
        counties = list(conn.execute(sa.text("SELECT area_code FROM region WHERE level = 'county' ORDER BY 1"))
                        .scalars())
    engine.dispose()
    with tempfile.TemporaryDirectory(prefix="hrss-bench-load-") as tmp:
        workdir = Path(tmp)
        redis_url, redis = shared_cache(workdir)
        server, base = start_gunicorn(workdir, url, redis_url, args.workers)
        try:
            print(f"{engine.dialect.name}: {cases:,} wage cases; gunicorn {args.workers} workers; cache "
                  f"{'Redis' if redis_url else 'per worker'}; {args.users} leaders, {args.think} s between acts, "
                  f"{args.time} s\n", flush=True)
            script = ROOT / "bench" / "out" / "load-script.json"
            recorded = record(base, counties, script)
            print("recorded: " + ", ".join(f"{p} {len(v['callbacks'])} callbacks" for p, v in recorded["pages"].items())
                  + f"; a county change: 1 + {len(recorded['change']['panels'])} callbacks\n", flush=True)
            stats = run_locust(base, script, workdir, args.users, args.time, args.think)
            report(stats, args.time)
        finally:
            for process in (server, redis):
                stop_server(process)


if __name__ == "__main__":
    main()
