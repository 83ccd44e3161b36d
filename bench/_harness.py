"""What the benchmarks share: the benchmark city, the statement recorder, timing against the SQL
floor, the rows they print and the closing `summary: N ok, M miss` every benchmark ends with.

A timed row is "ok" under TARGET_RATIO × its floor (the very statements the call issues reading
the cases themselves — the rollup off, data.rollup — run bare on the driver's cursor) and under
TARGET_MS; the call and its floor are timed in turns, so a busy machine slows both alike. A call
the rollup serves shows its gain as a ratio below 1.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from data import demo, rollup  # noqa: E402
from data.db import is_empty, make_engine, migrate  # noqa: E402
from data.queries.regions import top_region  # noqa: E402
from data.scope import Scope  # noqa: E402

TODAY = date(2026, 11, 20)
TARGET_RATIO, TARGET_MS = 1.5, 300.0
HEADER = f"{'':<34} {'median':>9} {'floor':>9} {'ratio':>6} {'sql':>4}\n{'':<34} {'ms':>9} {'ms':>9}"


class Tally:
    """Counts the targets met and missed; `summary()` prints the closing line."""

    def __init__(self):
        self.ok = self.miss = 0

    def check(self, met: bool) -> str:
        """Count one target; "ok" or "MISS" to print beside it."""
        if met:
            self.ok += 1
        else:
            self.miss += 1
        return "ok" if met else "MISS"

    def summary(self) -> None:
        print(f"summary: {self.ok} ok, {self.miss} miss", flush=True)


def database(url: str | None, path: Path, config: demo.DemoConfig, knobs: str) -> sa.Engine:
    """The benchmark city: the given database, or the cached SQLite file, filled when empty
    (`knobs` says how it was scaled)."""
    engine = make_engine(url or f"sqlite:///{path}")
    migrate(engine)
    if is_empty(engine):
        print(f"building the benchmark city ({knobs}) in {engine.url.render_as_string()} …", flush=True)
        started = time.perf_counter()
        demo.generate(engine, config, progress=lambda step: print(f"  … {step}", flush=True))
        # the planner's statistics, as a database in service has them (the demo loads in one
        # transaction, which autovacuum only sees afterwards)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    if engine.dialect.name == "postgresql":
        # psycopg prepares a statement it has run five times, and a prepared (generic) plan can
        # differ from a fresh one: plan every statement afresh on both sides of the ratio
        sa.event.listen(engine, "connect", lambda dbapi_conn, _record: setattr(dbapi_conn, "prepare_threshold", None))
        engine.dispose()
    return engine


def leader_scope(session: Session) -> Scope:
    """The whole bench database as its leader sees it: its top region, the city or the province
    over the cities (--cities), whichever the database was built with."""
    top = top_region(session)
    if top is None:
        raise SystemExit("bench: the database has no regions")
    return Scope((top.path,))


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


class Bench:
    """One benchmark run: the engine, its recorder and the tally of targets."""

    def __init__(self, engine: sa.Engine, runs: int):
        self.engine, self.runs = engine, runs
        self.recorder, self.tally = Recorder(engine), Tally()

    def row(self, name: str, call, note: str = "", *, to_floor: bool = True) -> None:
        """Time `call` (warmed once) against its floor and print the row with its verdict
        (to_floor=False: only TARGET_MS counts, for calls of a few milliseconds whose Python is
        most of their time)."""
        with rollup.off():  # the floor stays the SQL over the cases, so the ratio shows the rollup's gain
            call()
            statements = self.recorder.capture(call)
        call()
        ms, floor = measure(self.engine, call, statements, self.runs)
        ratio = ms / floor if floor else float("inf")
        verdict = self.tally.check((ratio < TARGET_RATIO or not to_floor) and ms < TARGET_MS)
        print(f"{name:<34} {ms:9.1f} {floor:9.1f} {ratio:6.2f} {len(statements):4d}  {verdict}  {note}", flush=True)

    def queries(self, calls: dict[str, Callable[[Session], object]], *, to_floor: bool = True,
                note: str = "") -> None:
        """A row per query, each run in a fresh session, as each request has."""
        for name, call in calls.items():
            def once(call=call):
                with Session(self.engine) as session:
                    call(session)
            self.row(name, once, note, to_floor=to_floor)

    def size(self, name: str, size: int, limit_kb: int = 500) -> None:
        print(f"{name}: {size / 1024:.0f} KB ({self.tally.check(size < limit_kb * 1024)}: < {limit_kb} KB)")


def signed_in_app(engine: sa.Engine, url: str, username: str = "leader"):
    """The app on the benchmark engine (the recorder listens on it) and a test client signed in."""
    from app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True, "AUTO_MIGRATE": False,
                      "TODAY": TODAY})
    app.extensions["engine"].dispose()
    app.extensions["engine"] = engine
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, "the benchmark city has the demo accounts"
    return app, client


def get(client, url: str, before: Callable[[], None] = lambda: None):
    """A GET that must answer 200; `before` runs first (a cache cleared)."""
    def once():
        before()
        answer = client.get(url)
        assert answer.status_code == 200, answer.data[:300]
        return answer
    return once


def throwaway_redis(directory: Path, timeout: float = 20) -> tuple[str, subprocess.Popen]:
    """A redis-server on a free loopback port that keeps nothing on disk, once it answers PING:
    its URL and process (stop it with stop_server). SystemExit when there is none to start."""
    import redis

    from tests.conftest import eventually, free_port

    if not shutil.which("redis-server"):
        raise SystemExit("no redis-server here: apt-get install redis-server")
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(directory)], stdout=subprocess.DEVNULL,
                               start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        try:
            return bool(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping())
        except redis.ConnectionError:
            if process.poll() is not None:
                raise SystemExit(f"redis-server stopped (exit {process.returncode})") from None
            return False

    eventually(answers, f"redis-server on 127.0.0.1:{port}", timeout=timeout)
    return url, process


def stop_server(process: subprocess.Popen | None) -> None:
    """Stop a server started in a session of its own (start_new_session=True) and its children."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def cpu_seconds(*, group: int | None = None, command: str | None = None, tree: int | None = None) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group, by
    those whose command name is `command`, or by a process and its children (`tree`) (Linux:
    /proc). A process that ends takes its seconds with it, so sample around a window in which the
    processes live on (a server's workers, the database's backends held by its pool)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        # fields[0] is the state (the stat file's 3rd field): pgrp is the 5th, utime/stime the 14th/15th
        pid = int(stat.parent.name)
        if ((group is not None and int(fields[2]) == group) or (command is not None and name == command)
                or (tree is not None and tree in (pid, int(fields[1])))):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def settle(quiet: float = 0.1, seconds: float = 60, **which) -> None:
    """Wait until a server's processes (cpu_seconds(**which)) are idle: every worker has booted (a
    server answers once its first worker is up, while the others may still import the app)."""
    deadline, before = time.monotonic() + seconds, cpu_seconds(**which)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(**which)
        if now - before < quiet:
            return
        before = now

