"""Test fixtures on real databases.

SQLite by default; with TEST_DATABASE_URL=postgresql+psycopg://… (scripts/test.sh sets it) the
same suite runs on PostgreSQL. Each test that asks for `engine` gets a fresh, migrated, empty
database: a copy of a migrated template file on SQLite, `CREATE DATABASE … TEMPLATE` on
PostgreSQL. The demo city is generated once per run for the tests that need a whole city.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data.db import make_engine, migrate  # noqa: E402
from data.security import hash_password  # noqa: E402
from tests.dash_calls import csrf_header  # noqa: E402, F401 (tests import it from here)

# a fixed "today" so figures, deadlines and the demo city are the same on every run
TODAY = date(2026, 11, 20)
PG_URL = os.environ.get("TEST_DATABASE_URL")
_counter = itertools.count()


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL.rsplit('@', 1)[-1] if PG_URL else 'SQLite'}"


RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex  # one id for the run's workers
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextlib.contextmanager
def run_lock(shared: Path, name: str):
    """An exclusive lock shared by every worker of this run (pytest-xdist), for making a thing once."""
    with open(shared / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Databases:
    """Makes fresh databases from a migrated template, on SQLite or PostgreSQL.

    The template (and the demo city) is made once per run, under a lock the workers share: the
    first worker to need it builds it, the others copy it. Each worker's databases carry its
    process id, so workers never meet; the run's shared ones are dropped when the run ends
    (pytest_sessionfinish in the controlling process)."""

    def __init__(self, workdir: Path, shared: Path):
        self.workdir, self.shared = workdir, shared
        self.created: list[str] = []
        if PG_URL:
            self.admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.template = None
        self.template = self.shared_copy("tpl", self._migrated)

    # --- one per run, shared ---

    def shared_copy(self, label: str, build) -> str:
        """The run's database `label`, made by the first worker that asks: a copy of the migrated
        template (or, for the template itself, an empty database) that `build(url)` fills. On
        PostgreSQL its name, for `CREATE DATABASE … TEMPLATE`; on SQLite its file."""
        name = f"hrss_run_{RUN[:20]}_{label}"
        with run_lock(self.shared, label):
            if PG_URL:
                with self.admin.connect() as conn:
                    exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first()
                if not exists:
                    with run_lock(self.shared, "copy"):
                        self._create(name, self.template)
                    build(self._url(name))
                return name
            path = self.shared / f"{name}.db"
            if not path.exists():
                building = self.shared / f"{name}.building"
                if self.template:
                    shutil.copyfile(self.template, building)
                build(f"sqlite:///{building}")
                building.rename(path)
            return str(path)

    @staticmethod
    def _migrated(url: str) -> None:
        engine = make_engine(url, poolclass=sa.pool.NullPool)
        migrate(engine)
        _settle(engine)

    # --- per test ---

    def _url(self, name: str) -> str:
        return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            # a small template is copied file by file faster than through the WAL (PostgreSQL 15+)
            strategy = " STRATEGY FILE_COPY" if template and conn.dialect.server_version_info >= (15,) else ""
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
                                 + strategy)

    def fresh_url(self, label: str = "t", template: str | None = None) -> str:
        """A new database, a copy of `template` (the migrated empty one unless given)."""
        template = template or self.template
        name = f"hrss_{label}_{os.getpid()}_{next(_counter)}"
        if PG_URL:
            with run_lock(self.shared, "copy"):  # a template may not be copied by two at once
                self._create(name, template)
            self.created.append(name)
            return self._url(name)
        path = self.workdir / f"{name}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    def drop_all(self) -> None:
        """Each test's database dropped at the end; not when the whole server is thrown away after
        the run (scripts/test.sh: TEST_PG_THROWAWAY=1), where hundreds of drops only cost time."""
        if PG_URL and os.environ.get("TEST_PG_THROWAWAY") == "1":
            self.admin.dispose()
        elif PG_URL:
            with self.admin.connect() as conn:
                for name in self.created:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin.dispose()


def _settle(engine) -> None:
    """Everything on disk in the main file (SQLite's WAL folded in), nothing left connected."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def _shared_dir(tmp_path_factory) -> Path:
    """A folder every worker of this run sees (the parent of the workers' own temp folders)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if WORKER != "main" else base


def pytest_sessionfinish(session, exitstatus):
    """The controlling process drops the run's shared PostgreSQL databases once every worker is done."""
    if not PG_URL or hasattr(session.config, "workerinput"):
        return
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        names = conn.exec_driver_sql("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                     (f"hrss_run_{RUN[:20]}_%",)).scalars().all()
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = Databases(tmp_path_factory.mktemp("db"), _shared_dir(tmp_path_factory))
    yield dbs
    dbs.drop_all()


@pytest.fixture
def db_url(databases) -> str:
    return databases.fresh_url()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


def app_config(url: str, **extra) -> dict:
    return {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "TESTING": True, "AUTO_MIGRATE": False,
            "TODAY": TODAY, "UPLOAD_DIR": tempfile.mkdtemp(prefix="hrss-uploads-"), **cache_config(), **extra}


# --- the shared cache: Redis on the PostgreSQL run (as in production), in the process on SQLite ---

REDIS_URL = os.environ.get("TEST_REDIS_URL")  # scripts/test.sh starts a throw-away redis-server


def cache_config(redis_url: str | None = REDIS_URL if PG_URL else None) -> dict:
    """Each app its own key prefix: apps of different tests never read each other's entries."""
    return {"CACHE_REDIS_URL": redis_url, "CACHE_KEY_PREFIX": f"hrss-test-{os.getpid()}-{next(_counter)}:"}


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("needs a redis-server: scripts/test.sh starts one (TEST_REDIS_URL)")
    return REDIS_URL


@pytest.fixture
def app(db_url):
    from app import create_app

    app = create_app(app_config(db_url))
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


# --- the demo city, once per run ---------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_source(databases) -> str:
    """The run's demo city, made once: copy it with `databases.fresh_url(label, demo_source)`."""
    from data import demo

    def build(url: str) -> None:
        engine = make_engine(url, poolclass=sa.pool.NullPool)
        demo.generate(engine, demo.DemoConfig(today=TODAY))
        # the demo accounts' password at the fixtures' low cost (tests.factories.TEST_COST): the
        # browser tests sign in hundreds of times; test_demo checks the generator's own hash
        from tests.factories import TEST_COST
        with engine.begin() as conn:
            conn.execute(sa.text('UPDATE app_user SET password_hash = :hash WHERE username IN :names')
                         .bindparams(sa.bindparam("names", expanding=True)),
                         {"hash": hash_password(demo.DEMO_PASSWORD, cost=TEST_COST), "names": list(demo.DEMO_ACCOUNTS)})
        _settle(engine)

    return databases.shared_copy("demo", build)


@pytest.fixture(scope="session")
def demo_url(databases, demo_source) -> str:
    return databases.fresh_url("demo", demo_source)


@pytest.fixture(scope="session")
def demo_app(demo_url):
    from app import create_app

    app = create_app(app_config(demo_url))
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture(scope="session")
def demo_engine(demo_app):
    return demo_app.extensions["engine"]


def login(client, username: str, password: str = "hrss-demo"):
    """Sign a Flask test client in through the real form."""
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


def contains(document: str, text: str) -> bool:
    """`text` in an HTML or JSON document, where Chinese may be written \\u-escaped."""
    return text in document or json.dumps(text)[1:-1] in document




# --- a live server and a browser, for browser tests -------------------------------------------


def eventually(probe, what: str = "", timeout: float = 60.0, step: float = 0.1):
    """Ask `probe()` until it answers something truthy (returned): for what happens outside the
    test's own thread (a server coming up, a log line written, a phone's background sync reaching
    the database). A condition polled, never a fixed pause; OSError counts as "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if answer := probe():
                return answer
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or probe}: still not true after {timeout:.0f} s")
        time.sleep(step)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, app, port: int | None = None):
        from werkzeug.serving import make_server

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def live_server(demo_app):
    server = LiveServer(demo_app).start()
    yield server
    server.stop()


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")  # or /usr/bin/chromium (scripts/test.sh)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--no-default-browser-check"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: scripts/test.sh installs it "
                    "(apt-get install chromium-headless-shell)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield PatientBrowser(browser)
        browser.close()


# A loaded machine (CI, or two test runs at once on two cores) makes a page slow, not wrong: every
# wait is for a condition, with room for a slow machine before it counts as a failure.
BROWSER_TIMEOUT = 60_000


class PatientBrowser:
    """The browser, whose new contexts wait up to BROWSER_TIMEOUT for what a test waits on."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.set_default_timeout(BROWSER_TIMEOUT)
        context.set_default_navigation_timeout(BROWSER_TIMEOUT)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


ARTIFACTS = ROOT / "test-artifacts" / ("postgresql" if PG_URL else "sqlite")  # both runs may go at once
