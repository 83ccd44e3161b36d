"""The deployment as committed: nginx (Debian's package) with deploy/nginx/hrss-ops.conf in front of
gunicorn with gunicorn.conf.py, two workers, the shared cache on Redis and the run's database
(PostgreSQL in the README's test command). Only ports and paths are filled in. Distinct loopback
source addresses (127.0.0.2, 127.0.0.3) are distinct clients.

Checked: /healthz through nginx; the real client address reaches the app (PROXY_HOPS=1), not a
forged X-Forwarded-For; a session opened through one worker works in the other; a map built
by one worker is a hit in the other (Redis); gunicorn's access log; the front-end libraries
come from nginx with long caching; the site takes a photo's size. And: workers never migrate
at start; on PostgreSQL simultaneous migrations wait for each other."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.db import make_engine, migrate
from tests.conftest import PG_URL, ROOT, eventually, free_port
from tests.factories import PASSWORD

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "hrss-ops.conf"
# gunicorn's access log for this test: the worker's pid first, to tell the workers apart
ACCESS_FORMAT = '%(p)s "%(r)s" %(s)s %({x-cache}o)s'
LINE = re.compile(r'^<(\d+)> "(\S+) (\S+) [^"]*" (\d{3}) (\S*)$')


class Client:
    """One browser: its own loopback source address and its cookies."""

    def __init__(self, port: int, source: str = "127.0.0.1"):
        self.port, self.source, self.cookies = port, source, {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=(self.source, 0))
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            answer = conn.getresponse()
            data = answer.read()
        finally:
            conn.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _eq, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return answer.status, answer.headers, data

    def get(self, path: str, **headers):
        return self.request("GET", path, headers=headers)

    def sign_in(self, username: str, password: str = PASSWORD, **headers) -> int:
        form = f"username={username}&password={password}".encode()
        status, _headers, _data = self.request("POST", "/login", form, {
            "Content-Type": "application/x-www-form-urlencoded", **headers})
        return status


def render_site(gunicorn_port: int, nginx_port: int) -> str:
    """The committed site with this test's ports and this checkout's paths."""
    site = SITE.read_text()
    for old, new in (("server 127.0.0.1:8000;", f"server 127.0.0.1:{gunicorn_port};"),
                     ("/opt/hrss-ops/", f"{ROOT}/"), ("listen 80;", f"listen 127.0.0.1:{nginx_port};")):
        assert old in site, old
        site = site.replace(old, new)
    return site


class Stack:
    """nginx and gunicorn (two workers × four threads unless told) as committed; the cache on
    Redis, or in each worker when `redis_url` is None (bench/cache.py compares the two;
    bench/sync.py sends the field phones through it)."""

    def __init__(self, workdir: Path, db_url: str, redis_url: str | None, workers: int = 2, threads: int = 4):
        self.workdir, self.redis_url, self.prefix = workdir, redis_url, f"hrss-deploy-{os.getpid()}:"
        self.worker_count = workers
        self.gunicorn_port, self.port = free_port(), free_port()
        self.access_log = workdir / "access.log"
        env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "deploy-test", "CACHE_REDIS_URL": redis_url or "",
               "CACHE_KEY_PREFIX": self.prefix, "PROXY_HOPS": "1", "GUNICORN_BIND": f"127.0.0.1:{self.gunicorn_port}",
               "GUNICORN_WORKERS": str(workers), "GUNICORN_THREADS": str(threads),
               "UPLOAD_DIR": str(workdir / "uploads")}
        env.pop("AUTO_MIGRATE", None)  # gunicorn.conf.py's default: workers do not migrate
        self.gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--access-logfile",
             str(self.access_log), "--access-logformat", ACCESS_FORMAT, "--error-logfile",
             str(workdir / "gunicorn.log"), "app:create_app()"], cwd=ROOT, env=env)
        (workdir / "site.conf").write_text(render_site(self.gunicorn_port, self.port))
        temp = "".join(f"{kind}_temp_path {workdir}/{kind};\n" for kind in
                       ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (workdir / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "") +
            f"worker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\ndaemon off;\n"
            "events { worker_connections 256; }\n"
            f"http {{\ninclude /etc/nginx/mime.types;\ndefault_type application/octet-stream;\n"
            f"access_log {workdir}/nginx-access.log;\n{temp}include {workdir}/site.conf;\n}}\n")
        test = subprocess.run([NGINX, "-t", "-p", str(workdir), "-c", str(workdir / "nginx.conf"),
                               "-e", str(workdir / "error.log")], capture_output=True, text=True)
        assert test.returncode == 0, test.stderr
        self.nginx = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf"),
                                       "-e", str(workdir / "error.log")])
        eventually(lambda: Client(self.gunicorn_port).get("/healthz")[0] == 200, "gunicorn answers /healthz",
                   timeout=90)
        eventually(lambda: self.workers() == workers, f"gunicorn has {workers} workers", timeout=90)
        eventually(lambda: Client(self.port).get("/healthz")[0] == 200, "nginx answers /healthz", timeout=90)

    def workers(self) -> int:
        out = subprocess.run(["pgrep", "-P", str(self.gunicorn.pid)], capture_output=True, text=True).stdout
        return len(out.split())

    def log(self) -> list[tuple[int, str, str, int, str]]:
        """gunicorn's access log: (worker pid, method, path with query, status, X-Cache)."""
        lines = self.access_log.read_text().split("\n")[:-1]  # whole lines only
        out = []
        for line in lines:
            match = LINE.match(line)
            assert match, line
            pid, method, path, status, cached = match.groups()
            out.append((int(pid), method, path, int(status), cached))
        return out

    def stop(self) -> None:
        for process, sig in ((self.nginx, signal.SIGQUIT), (self.gunicorn, signal.SIGTERM)):
            if process.poll() is None:
                process.send_signal(sig)
        for process in (self.nginx, self.gunicorn):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def world_url(databases) -> str:
    from sqlmodel import Session

    from tests.stations_world import station_world

    url = databases.fresh_url("deploy")
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        station_world(session)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def stack(tmp_path_factory, world_url, redis_url):
    if not Path(NGINX).exists():
        pytest.fail("nginx not found: scripts/test.sh installs it (apt-get install nginx)")
    workdir = tmp_path_factory.mktemp("deploy")
    os.chmod(workdir, 0o755)
    stack = Stack(workdir, world_url, redis_url)
    yield stack
    stack.stop()


def test_health_through_nginx(stack):
    status, headers, body = Client(stack.port).get("/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert headers["Server"].startswith("nginx")


def test_the_real_client_address_arrives_not_a_forged_one(stack, world_url):
    forged = {"X-Forwarded-For": "203.0.113.7"}  # what a client may send: nginx appends the real one
    assert Client(stack.port, "127.0.0.2").sign_in("leader", **forged) == 302
    assert Client(stack.port, "127.0.0.3").sign_in("nobody", **forged) != 302  # refused
    engine = make_engine(world_url)
    with engine.connect() as conn:
        rows = set(conn.execute(sa.text("SELECT action, ip FROM audit_event WHERE action LIKE 'user.login%' "
                                        "AND ip <> '127.0.0.4'")).all())
    engine.dispose()
    assert rows == {("user.login", "127.0.0.2"), ("user.login_failed", "127.0.0.3")}


def test_sessions_and_the_cache_are_shared_by_the_workers(stack):
    browser = Client(stack.port, "127.0.0.4")
    assert browser.sign_in("leader") == 302
    status, headers, built = browser.get("/maps/regions")
    assert status == 200 and headers["X-Cache"] == "miss"
    # then the same map (an unknown parameter does not split the cache) from both workers, until
    # the log shows both served it: every answer signed in, every one a hit
    seen: set[int] = set()
    lock = threading.Lock()

    def probe(n: int) -> None:
        status, headers, body = browser.get(f"/maps/regions?probe={n}")
        assert status == 200 and headers["X-Cache"] == "hit" and body == built
        with lock:
            seen.add(n)

    def probes() -> list[tuple[int, int, str]]:
        return [(pid, status, cached) for pid, _m, path, status, cached in stack.log() if "probe=" in path]

    for batch in range(20):
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(probe, range(batch * 16, batch * 16 + 16)))
        eventually(lambda: len(probes()) == len(seen), "a line in the access log for each request", timeout=10)
        if len({pid for pid, _s, _c in probes()}) == 2:
            break
    builder = next(pid for pid, _m, path, _s, cached in stack.log() if path == "/maps/regions" and cached == "miss")
    assert len({pid for pid, _s, _c in probes()}) == 2, "only one worker answered"
    assert all(status == 200 and cached == "hit" for _pid, status, cached in probes())
    # a worker that did not build the map served it from the shared cache, signed in
    assert [pid for pid, _s, _c in probes() if pid != builder]

    import redis

    keys = list(redis.Redis.from_url(stack.redis_url).scan_iter(match=f"{stack.prefix}map:*"))
    assert len(keys) == 1


def test_the_access_log_has_every_request_to_the_app(stack):
    client = Client(stack.port)
    before = len(stack.log())
    for _ in range(3):
        assert client.get("/healthz")[0] == 200
    assert client.get("/no-such-page")[0] in (302, 404)  # not signed in: to the sign-in page
    eventually(lambda: len(stack.log()) >= before + 4, "four lines in the access log", timeout=10)
    lines = stack.log()[before:]
    assert [(m, p, s) for _pid, m, p, s, _c in lines if p == "/healthz"] == [("GET", "/healthz", 200)] * 3


def test_front_end_files_come_from_nginx_with_long_caching(stack):
    client = Client(stack.port)
    status, headers, body = client.get("/vendor/bootstrap/css/bootstrap.min.css")
    assert status == 200 and body == (ROOT / "static/vendor/bootstrap/css/bootstrap.min.css").read_bytes()
    assert "max-age=604800" in headers["Cache-Control"] and headers["Content-Type"].startswith("text/css")
    status, headers, body = client.get("/favicon.svg")
    assert status == 200 and body == (ROOT / "static/favicon.svg").read_bytes()
    status, _headers, body = client.get("/wall/static/wall.js")
    assert status == 200 and body == (ROOT / "web/static/wall/wall.js").read_bytes()
    assert not [path for _pid, _m, path, _s, _c in stack.log()
                if path.startswith(("/vendor/", "/favicon", "/wall/static/"))]  # none reached gunicorn


def test_the_site_takes_a_photo():
    from data.services.photos import MAX_BYTES

    limit = re.search(r"^\s*client_max_body_size (\d+)m;", SITE.read_text(), re.M)
    # the field app's photo, or the desktop's through a Dash callback (base64: a third more)
    assert limit and int(limit.group(1)) * 1024 * 1024 >= MAX_BYTES * 4 / 3


# --- migrations: once, before the workers ---------------------------------------------------


def test_workers_do_not_migrate_under_gunicorn(tmp_path):
    script = ("import os, runpy; c = runpy.run_path('gunicorn.conf.py'); "
              "print(c['bind'], c['workers'], c['threads'], os.environ['AUTO_MIGRATE'])")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "WEB_CONCURRENCY", "AUTO_MIGRATE"))}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['127.0.0.1:8000']", "2", "8", "0"]
    env.update(GUNICORN_BIND="0.0.0.0:9000,unix:/run/hrss.sock", GUNICORN_WORKERS="5", GUNICORN_THREADS="3",
               AUTO_MIGRATE="1")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['0.0.0.0:9000',", "'unix:/run/hrss.sock']", "5", "3", "1"]

    # a worker's create_app with AUTO_MIGRATE=0 leaves an empty database empty
    empty = tmp_path / "empty.db"
    script = ("import sys; sys.path.insert(0, '.'); from app import create_app; import sqlalchemy as sa; "
              f"app = create_app({{'DATABASE_URL': 'sqlite:///{empty}', 'SECRET_KEY': 'x'}}); "
              "print(sa.inspect(app.extensions['engine']).get_table_names())")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, "AUTO_MIGRATE": "0"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.skipif(not PG_URL, reason="SQLite is one host's file: only PostgreSQL is migrated from several hosts")
def test_simultaneous_migrations_wait_for_each_other(databases):
    url = databases.fresh_url("migrate")
    engine = make_engine(url)
    with engine.begin() as conn:  # an empty database, as a new deployment's
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    errors: list[BaseException] = []

    def one() -> None:
        own = make_engine(url)
        try:
            migrate(own)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM region")).scalar_one() == 0
    engine.dispose()


def test_dash_is_set_up_before_a_worker_serves_anyone(app):
    """Dash sets itself up in its first request and marks that done before it has (Dash 4.4): a new
    gunicorn worker's first requests at once found it half ready (its scripts answered 500). The app
    is set up whole when it is made, before any request."""
    dash_app = app.extensions["dash"]
    assert dash_app._got_first_request == {"pages": True, "setup_server": True}
