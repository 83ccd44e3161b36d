"""Cache hit rates across two gunicorn workers: the deployment as committed (nginx in front of
gunicorn with gunicorn.conf.py, two workers; tests/test_deploy.py's Stack), once with the cache
in each worker (SimpleCache) and once on Redis (CACHE_REDIS_URL).

    .venv/bin/python bench/cache.py                 # the demo city in SQLite, built once under bench/out/
    .venv/bin/python bench/cache.py --rounds 10
    DATABASE_URL=postgresql+psycopg://…/hrss_bench .venv/bin/python bench/cache.py   # filled when empty
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/cache.py             # else a throw-away redis-server

Load: the leader, an officer, an inspector and the wall screen each open their maps and the
wall's panels, `--rounds` times, eight requests at a time, each on a new connection (so both
workers serve); halfway, a case changes (as a service's write does: a new data version). Every
answer's X-Cache header and the worker that sent it come from gunicorn's access log. Printed:
per mode and worker, hits and misses; last, `summary: N ok, M miss` for the Redis run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import throwaway_redis  # noqa: E402
from data import demo  # noqa: E402
from data.db import is_empty, make_engine, migrate  # noqa: E402
from tests.conftest import eventually as wait_until  # noqa: E402
from tests.test_deploy import Client, Stack  # noqa: E402

TODAY = date(2026, 11, 20)
MAPS = ["/maps/regions", "/maps/cases", "/maps/cases?level=grid", "/maps/cases?metric=amount&risk=1",
        "/maps/stations"]
WALL = [f"/wall/data/{panel}" for panel in ("kpis", "map", "supervised", "ticker", "trends", "areas")]
USERS = {"leader": MAPS, "officer": MAPS[:4], "inspector": MAPS, "wall": WALL}


def database(url: str | None, path: Path) -> str:
    url = url or f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    if is_empty(engine):
        print(f"building the demo city in {engine.url.render_as_string()} …", flush=True)
        demo.generate(engine, demo.DemoConfig(today=TODAY))
    engine.dispose()
    return url


def touch_a_case(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE wage_case SET updated_at = :now WHERE id = (SELECT min(id) FROM wage_case)"),
                     {"now": datetime.now(UTC)})
    engine.dispose()


def run(mode: str, url: str, redis_url: str | None, rounds: int) -> tuple[int, int]:
    with tempfile.TemporaryDirectory(prefix=f"hrss-bench-cache-{mode}-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o755)
        stack = Stack(workdir, url, redis_url)
        try:
            clients = {}
            for username in USERS:
                clients[username] = Client(stack.port)
                assert clients[username].sign_in(username, demo.DEMO_PASSWORD) == 302, username
            work = [(username, path) for username, paths in USERS.items() for path in paths]

            def one(item) -> int:
                username, path = item
                return clients[username].get(path)[0]

            started, statuses = time.perf_counter(), Counter()
            with ThreadPoolExecutor(8) as pool:
                for n in range(rounds):
                    if n == rounds // 2:
                        touch_a_case(url)  # a new data version: the case maps are built again, once
                    statuses.update(pool.map(one, work))
            seconds = time.perf_counter() - started
            total = len(work) * rounds
            wait_until(lambda: len([x for x in stack.log() if x[2] in {p for _u, p in work}]) >= total,
                       "the access log", timeout=30)
            lines = [x for x in stack.log() if x[2] in {p for _u, p in work}]
        finally:
            stack.stop()
    per_worker = Counter((pid, cached) for pid, _m, _p, _s, cached in lines)
    hits, misses = sum(1 for x in lines if x[4] == "hit"), sum(1 for x in lines if x[4] == "miss")
    print(f"{mode:>12}: {total} requests in {seconds:.1f} s, {dict(statuses)}; "
          f"hits {hits}, misses {misses}: hit rate {hits / (hits + misses):.1%}", flush=True)
    for pid in sorted({pid for pid, _c in per_worker}):
        print(f"{'':>14}worker {pid}: {per_worker[pid, 'hit']} hits, {per_worker[pid, 'miss']} misses", flush=True)
    return statuses[200], misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / f"cache-demo-{TODAY}.db")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    url = database(os.environ.get("DATABASE_URL"), args.db)
    redis_server = None
    with tempfile.TemporaryDirectory(prefix="hrss-bench-redis-") as tmp:
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            redis_url, redis_server = throwaway_redis(Path(tmp))
        try:
            distinct = sum(len(paths) for paths in USERS.values())
            print(f"{distinct} distinct views (user × path) × {args.rounds} rounds through nginx, "
                  f"2 gunicorn workers; a case changes after round {args.rounds // 2}\n", flush=True)
            run("SimpleCache", url, None, args.rounds)
            ok, missed = run("Redis", url, redis_url, args.rounds)
        finally:
            if redis_server is not None:
                redis_server.terminate()
                redis_server.wait()
    print(f"\nsummary: {ok} ok, {missed} miss")


if __name__ == "__main__":
    main()
