"""Field sync under load: N phones at once, each posting M records over loopback.

    .venv/bin/python bench/sync.py                          # 50 clients × 40 records, fresh SQLite demo city
    .venv/bin/python bench/sync.py --clients 10 --records 20
    .venv/bin/python bench/sync.py --server werkzeug        # the embedded server instead of gunicorn
    .venv/bin/python bench/sync.py --database-url postgresql+psycopg://…/hrss_bench   # filled when empty

Starts the app as deployed — nginx (deploy/nginx's site) in front of gunicorn (gunicorn.conf.py,
threaded workers: --workers × --threads) — or the server alone (--front none; --server werkzeug)
on a fresh copy of the demo city (the city is built
once under bench/out/ and copied per run), adds one seconded cadre account per client, signs every
client in (each its own device session), then lets them all post at once: walkthroughs with
findings and work logs, alternately, in batches as the field app sends its outbox (POST
/api/v1/records, --batch records each; --batch 1: one request per record at its own endpoint), and
then every tenth record again (an identical body, as after a lost answer: it must come back 200).
Prints records per second, latency per request, the CPU each part spent per record, errors (any
answer other than the expected 201/200 for a record, or no answer) and duplicates (rows per UUID
above one), and the records missing from the database.
Two rounds, each of every phone's records: **all at once** (every phone starts together and sends
its next request as soon as the last is answered: the most the server takes in, records per second)
and **at a rate** (--rate records/s offered: the phones start one after another at random moments,
a Poisson stream as many phones syncing through a morning would make, each sending its outbox as
the app does; the latency a phone sees while the server takes in that many). All at once, a phone
waits for the forty-nine before it (closed loop: the wait is the phones' count over the rate), so
the latency goal is measured at the offered rate.
Targets: zero errors, zero duplicates and nothing missing; at least 500 records/s all at once; p95
≤ 300 ms at 500 records/s offered (issue 14's goal, on gunicorn and PostgreSQL); the last line is
`summary: N ok, M miss`. `--rounds burst` or `--rounds rate` runs one.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench._harness import Tally, cpu_seconds, settle, stop_server  # noqa: E402
from data import clock, demo  # noqa: E402
from data.db import is_empty, make_engine, migrate  # noqa: E402
from data.models import Role, Secondment, Station, StationKind, User, UserRegion, Walkthrough, WorkLog  # noqa: E402
from data.security import hash_password  # noqa: E402

PASSWORD = "bench-sync-password"
RATE_GOAL, P95_GOAL_MS = 500, 300  # issue 14: 50 phones × 40 records on gunicorn + PostgreSQL
PREFIX = "bench_sync_"
BATCH = 20  # pwa/api/schemas.BATCH_LIMIT: the most records the field app sends in one request


def database(url: str | None, today: date) -> str:
    """A database with the demo city: the given one (filled when empty), else a fresh copy of
    the SQLite city cached under bench/out/."""
    if url:
        engine = make_engine(url)
        migrate(engine)
        if is_empty(engine):
            print("building the demo city …", flush=True)
            demo.generate(engine, demo.DemoConfig(today=today))
        engine.dispose()
        return url
    OUT.mkdir(parents=True, exist_ok=True)
    template = OUT / f"sync-city-{today.isoformat()}.db"
    if not template.exists():
        print(f"building the demo city in {template} …", flush=True)
        partial = template.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{partial}")
        migrate(engine)
        demo.generate(engine, demo.DemoConfig(today=today))
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        partial.rename(template)
    run = OUT / "sync-run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, run)
    return f"sqlite:///{run}"


def add_cadres(url: str, clients: int, today: date) -> list[tuple[str, int]]:
    """One seconded cadre per client, each at a township station of their own: (username, station id)."""
    engine = make_engine(url)
    password_hash = hash_password(PASSWORD)
    made = []
    with Session(engine) as session:
        stations = session.exec(select(Station).where(Station.kind == StationKind.township_station)
                                .order_by(Station.id).limit(clients)).all()
        for n in range(clients):
            station = stations[n % len(stations)]
            username = f"{PREFIX}{n:03d}"
            user = session.exec(select(User).where(User.username == username)).first()
            if user is None:
                user = User(username=username, display_name=f"压测干部{n}", role=Role.cadre,
                            password_hash=password_hash)
                session.add(user)
                session.flush()
                session.add(UserRegion(user_id=user.id, region_id=station.township_id))
                session.add(Secondment(user_id=user.id, station_id=station.id, path=station.path,
                                       starts_on=today - timedelta(days=200), ends_on=today + timedelta(days=165)))
            made.append((username, station.id))
        session.commit()
    engine.dispose()
    return made


def start_server(kind: str, url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-sync-secret", "PYTHONUNBUFFERED": "1"}
    if kind == "gunicorn":
        command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
                   str(workers), "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning",
                   "app:create_app()"]
    else:
        command = [sys.executable, "-c",
                   "from app import create_app; "
                   f"create_app().run(host='127.0.0.1', port={port}, threaded=True)"]
    # the access log (gunicorn.conf.py, as deployed) goes to a file, not among the figures
    log = open(OUT / "sync-server.log", "w")  # noqa: SIM115 (held while the server runs)
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            raise SystemExit(f"the server stopped (exit {process.returncode})")
        time.sleep(0.3)
    stop_server(process)
    raise SystemExit("the server did not come up in 120 s")


class Server:
    """The app as the phones reach it: nginx in front of gunicorn as deployed (--front nginx:
    tests/test_deploy.Stack with deploy/nginx's site and gunicorn.conf.py; nginx opens a new
    connection to gunicorn for each request, so every worker takes its share), or the server
    alone (--front none: each phone's kept-alive connection stays with the worker that took it)."""

    def __init__(self, args, url: str):
        self.stack = self.process = self.workdir = None
        if args.front == "nginx":
            if args.server != "gunicorn":
                raise SystemExit("--front nginx runs gunicorn behind it")
            from tests.test_deploy import Stack

            OUT.mkdir(parents=True, exist_ok=True)
            self.workdir = Path(tempfile.mkdtemp(prefix="sync-stack-", dir=OUT))
            self.stack = Stack(self.workdir, url, None, workers=args.workers, threads=args.threads)
            self.base, self.which = f"http://127.0.0.1:{self.stack.port}", {"tree": self.stack.gunicorn.pid}
        else:
            self.process = start_server(args.server, url, args.port, args.workers, args.threads)
            self.base, self.which = f"http://127.0.0.1:{args.port}", {"group": self.process.pid}
        settle(**self.which)  # every worker up before the clock starts

    def cpu(self) -> tuple[float, float, float]:
        """CPU seconds so far: the app's processes, PostgreSQL's, nginx's."""
        return cpu_seconds(**self.which), cpu_seconds(command="postgres"), cpu_seconds(command="nginx")

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()
            shutil.rmtree(self.workdir, ignore_errors=True)
        stop_server(self.process)


class Client(threading.Thread):
    """One phone: its own session, M records, a resend of every tenth."""

    def __init__(self, base: str, username: str, station_id: int, records: int, today: date, start: threading.Barrier,
                 seed: int, batch: int, delay: float = 0.0):
        super().__init__(daemon=True)
        self.batch, self.delay = batch, delay  # delay: seconds after the start line before this phone syncs
        self.base, self.username, self.station_id = base, username, station_id
        self.records, self.today, self.start_line = records, today, start
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.sent: dict[str, str] = {}  # uuid → kind
        self.latencies: list[float] = []
        self.errors: Counter = Counter()
        self.resends = 0

    def sign_in(self) -> None:
        response = self.http.post(f"{self.base}/api/v1/session", json={"username": self.username,
                                                                          "password": PASSWORD}, timeout=60)
        response.raise_for_status()

    def body(self, n: int) -> tuple[str, str, dict]:
        day = self.today - timedelta(days=n % 20)
        if n % 2:
            return "work_log", "/api/v1/work-logs", {
                "uuid": str(uuid.uuid4()), "log_date": day.isoformat(),
                "work_types": self.rng.sample(["policy_outreach", "case_handling", "dispute_mediation", "records"], 2),
                "done": f"走访企业 {self.rng.randint(1, 6)} 家，了解用工情况", "people_served": self.rng.randint(0, 30)}
        return "walkthrough", "/api/v1/walkthroughs", {
            "uuid": str(uuid.uuid4()), "service_item_code": "ss_card_apply", "channel": "window", "mode": "in_person",
            "walked_on": day.isoformat(), "station_id": self.station_id, "trips": self.rng.randint(1, 3),
            "steps": [{"name": "咨询", "seconds": self.rng.randint(60, 900)},
                      {"name": "受理", "seconds": self.rng.randint(60, 1800)}],
            "materials_asked": ["居民身份证"],
            "findings": [{"uuid": str(uuid.uuid4()), "list_kind": "issue", "category": "waiting",
                          "text": "高峰时段排队等候时间过长"},
                         {"uuid": str(uuid.uuid4()), "list_kind": "need", "category": "hours",
                          "text": "希望提供错时延时服务"}]}

    def request(self, path: str, body: dict):
        started = time.perf_counter()
        try:
            response = self.http.post(f"{self.base}{path}", json=body, timeout=60,
                                      headers={"X-CSRFToken": self.http.cookies.get("_csrf_token", "")})
        except requests.RequestException as exc:
            self.errors[type(exc).__name__] += 1
            print(f"{self.name}: {exc!r}", file=sys.stderr)
            return None
        self.latencies.append(time.perf_counter() - started)
        return response

    def post(self, path: str, body: dict, expected: int) -> None:
        response = self.request(path, body)
        if response is not None and response.status_code != expected:
            self.errors[f"HTTP {response.status_code}"] += 1

    def post_batch(self, items: list[dict], expected: int) -> None:
        """Records as the field app sends its outbox: up to --batch in one POST /api/v1/records."""
        response = self.request("/api/v1/records", {"records": items})
        if response is None:
            return
        if response.status_code != 200:
            self.errors[f"HTTP {response.status_code}"] += len(items)
            return
        for result in response.json()["results"]:
            if result["status"] != expected:
                self.errors[f"record {result['status']}"] += 1

    def run(self) -> None:
        try:
            self.sign_in()
        except requests.RequestException as exc:
            self.errors[f"sign-in {exc}"] += 1
            self.start_line.abort()
            return
        self.start_line.wait()
        time.sleep(self.delay)
        if self.batch > 1:
            return self.run_batches()
        for n in range(self.records):
            kind, path, body = self.body(n)
            self.sent[body["uuid"]] = kind
            self.post(path, body, 201)
            if n % 10 == 9:
                self.resends += 1
                self.post(path, body, 200)

    def run_batches(self) -> None:
        """The outbox in batches; then every tenth record again, as after a lost answer."""
        items = []
        for n in range(self.records):
            kind, _path, body = self.body(n)
            self.sent[body["uuid"]] = kind
            items.append({"kind": kind, "body": body})
        again = [item for n, item in enumerate(items) if n % 10 == 9]
        for start in range(0, len(items), self.batch):
            self.post_batch(items[start:start + self.batch], 201)
        for start in range(0, len(again), self.batch):
            self.resends += len(again[start:start + self.batch])
            self.post_batch(again[start:start + self.batch], 200)


def count_rows(url: str, sent: dict[str, str]) -> tuple[int, int]:
    """(duplicates, missing): UUIDs with more than one row, and sent UUIDs with none."""
    engine = make_engine(url)
    tables = {"walkthrough": Walkthrough, "work_log": WorkLog}
    rows: Counter = Counter()
    with Session(engine) as session:
        for table in tables.values():
            for value, count in session.exec(select(table.uuid, sa.func.count()).group_by(table.uuid)):
                if str(value) in sent:
                    rows[str(value)] = count
    engine.dispose()
    return sum(1 for c in rows.values() if c > 1), sum(1 for u in sent if u not in rows)


@dataclass
class Round:
    seconds: float
    clients: list[Client]
    cpu: list[float]  # the app's processes, PostgreSQL, nginx, these clients: CPU seconds in the round
    last_start: float  # seconds after the start line at which the last phone began

    @property
    def sent(self) -> dict[str, str]:
        return {u: k for c in self.clients for u, k in c.sent.items()}

    @property
    def posted(self) -> int:
        return sum(len(c.sent) + c.resends for c in self.clients)


def run_round(args, cadres, server: Server, today: date, rate: float | None, seed: int) -> Round:
    """Every phone's records once: all at once (rate None), or the phones starting one after
    another, as a Poisson stream offering `rate` records a second."""
    base = server.base
    start = threading.Barrier(args.clients + 1)
    arrivals, moment = random.Random(seed), 0.0
    delays = []
    for _ in cadres:
        delays.append(moment)
        if rate:
            moment += arrivals.expovariate(rate / args.records)
    clients = [Client(base, name, station, args.records, today, start, seed=seed + n, batch=args.batch,
                      delay=delays[n] if rate else 0.0)
               for n, (name, station) in enumerate(cadres)]
    for client in clients:
        client.start()
    start.wait()
    cpu = (*server.cpu(), time.process_time())
    started = time.perf_counter()
    for client in clients:
        client.join()
    seconds = time.perf_counter() - started
    now = (*server.cpu(), time.process_time())
    return Round(seconds, clients, [after - before for before, after in zip(cpu, now, strict=True)],
                 max(client.delay for client in clients))


def report(title: str, round_: Round, url: str, tally: Tally, *, rate_goal: bool, latency_goal: bool) -> None:
    errors = sum((c.errors for c in round_.clients), Counter())
    latencies = sorted(x for c in round_.clients for x in c.latencies)
    resends = sum(c.resends for c in round_.clients)
    sent, cpu, posted = round_.sent, round_.cpu, round_.posted
    print(f"-- {title}")
    print(f"records      {len(sent)} (+{resends} resends) in {round_.seconds:.1f} s"
          + (f", the last phone starting at {round_.last_start:.1f} s" if round_.last_start else ""))
    per = [f"{seconds * 1000 / posted:.2f}" for seconds in cpu]
    print(f"CPU ms/rec   app {per[0]}" + (f", PostgreSQL {per[1]}" if url.startswith("postgresql") else "")
          + (f", nginx {per[2]}" if cpu[2] else "") + f", these clients {per[3]} "
          f"(every postgres and nginx process here; {os.cpu_count()} cores)")
    rate = len(sent) / round_.seconds
    goal = f"  {tally.check(rate >= RATE_GOAL)}  target ≥ {RATE_GOAL}" if rate_goal else ""
    print(f"records/s    {rate:.1f}{goal}")
    if latencies:
        p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
        print(f"latency      p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms "
              f"(mean {statistics.mean(latencies) * 1000:.0f} ms, {len(latencies)} requests)"
              + (f"  {tally.check(p95 * 1000 <= P95_GOAL_MS)}  target p95 ≤ {P95_GOAL_MS} ms" if latency_goal else ""))
    print(f"errors       {sum(errors.values())}  {tally.check(not errors)}" + (f"  {dict(errors)}" if errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--records", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch", type=int, default=BATCH,
                        help=f"records per request (POST /api/v1/records, at most {BATCH}, as the field app sends "
                             "them); 1: one request per record at its own endpoint")
    parser.add_argument("--rounds", choices=("both", "burst", "rate"), default="both",
                        help="all at once (burst), at --rate records/s offered (rate), or both")
    parser.add_argument("--rate", type=float, default=RATE_GOAL, help="records a second offered in the rate round")
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn")
    parser.add_argument("--front", choices=("nginx", "none"), default="nginx",
                        help="nginx in front of gunicorn, as deployed (default), or the server alone")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8074")))
    args = parser.parse_args()

    today = clock.today()
    url = database(args.database_url, today)
    cadres = add_cadres(url, args.clients, today)
    server = Server(args, url)
    rounds = []
    try:
        if args.rounds in ("both", "burst"):
            rounds.append(("all at once", run_round(args, cadres, server, today, None, seed=0), True, False))
        if args.rounds in ("both", "rate"):
            rounds.append((f"at {args.rate:.0f} records/s offered", run_round(args, cadres, server, today, args.rate,
                                                                            seed=10_000), False, True))
    finally:
        server.stop()

    where = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    front = "nginx → " if args.front == "nginx" else ""
    print(f"{args.clients} clients × {args.records} records on {where}, {front}{args.server} "
          f"({args.workers} workers × {args.threads} threads)" if args.server == "gunicorn" else
          f"{args.clients} clients × {args.records} records on {where}, werkzeug threaded")
    tally = Tally()
    for title, round_, rate_goal, latency_goal in rounds:
        report(title, round_, url, tally, rate_goal=rate_goal, latency_goal=latency_goal)
    sent = {u: k for _title, round_, *_goals in rounds for u, k in round_.sent.items()}
    duplicates, missing = count_rows(url, sent)
    print("-- both rounds" if len(rounds) > 1 else "--")
    print(f"duplicates   {duplicates}  {tally.check(not duplicates)}")
    print(f"missing      {missing}  {tally.check(not missing)}")
    tally.summary()
    sys.exit(1 if tally.miss else 0)


if __name__ == "__main__":
    main()
