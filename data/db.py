"""Engine and sessions from DATABASE_URL; migrations through Alembic.

The embedded default is one SQLite file under instance/ (WAL, busy timeout); set
DATABASE_URL=postgresql+psycopg://… for real deployments.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
# a checkout (scripts/setup.sh), not an installed wheel: writable places live inside it
CHECKOUT = (ROOT / "pyproject.toml").exists()


def instance_dir() -> Path:
    """Where the app writes (the default SQLite file, the secret key, uploads, compiled
    catalogs): $HRSS_INSTANCE_DIR; else instance/ in a checkout; else ./instance, under the
    working directory of an installed wheel (never site-packages)."""
    if os.environ.get("HRSS_INSTANCE_DIR"):
        return Path(os.environ["HRSS_INSTANCE_DIR"])
    return (ROOT if CHECKOUT else Path.cwd()) / "instance"


def default_sqlite() -> Path:
    return instance_dir() / "hrss.db"


def default_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{default_sqlite()}"


def make_engine(url: str | None = None, **kw) -> sa.Engine:
    url = url or default_url()
    # a database error's message must not carry the row's values (names, phone numbers) into logs
    kw.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kw.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kw)


class DbSession(Session):
    """The app's session: a Session whose commit, within one_transaction(), only flushes (the
    writes wait for that transaction's own commit), and whose rollback, within it, marks it
    broken."""

    def commit(self) -> None:
        if self.info.get(_HELD) is not None:
            self.flush()
            return
        super().commit()

    def rollback(self) -> None:
        held = self.info.get(_HELD)
        if held is not None:
            held.broken = True
        super().rollback()


_HELD = "one_transaction"


class Held:
    """One transaction for several services' writes (one_transaction)."""

    def __init__(self, session: Session):
        self.session, self.broken, self.committed = session, False, False
        self.audits: list = []  # the writes' audit rows, added together at the commit (one INSERT)

    def commit(self) -> None:
        """Commit everything written since one_transaction began (raises as Session.commit)."""
        if self.broken:
            raise RuntimeError("a rollback within one_transaction took its writes: store them again")
        self.session.info.pop(_HELD, None)
        self.session.add_all(self.audits)
        Session.commit(self.session)
        self.committed = True


def held(session: Session) -> Held | None:
    """The one_transaction the session is in, if any."""
    return session.info.get(_HELD)


@contextmanager
def one_transaction(session: Session) -> Iterator[Held]:
    """Within: the services' commits on `session` (a DbSession) only flush, so that several
    writes, each checked and audited by its service as always, are committed together by
    held.commit() — one transaction, one round trip and one flush to disk for them all, where each
    would have had its own; their audit rows (data.services.common.audit) wait for that commit and
    go in one INSERT. A rollback within (a service's, after a refusal by the database) marks
    held.broken: what was written before it is gone, and the caller must do its writes again on
    their own. Leaving without held.commit() rolls everything back."""
    if _HELD in session.info:
        raise RuntimeError("one_transaction is not reentrant")
    held = Held(session)
    session.info[_HELD] = held
    try:
        yield held
    finally:
        session.info.pop(_HELD, None)
        if not held.committed:
            Session.rollback(session)


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """A session that rolls back on error; services commit themselves."""
    session = DbSession(engine, expire_on_commit=False)
    try:
        yield session
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


_KEPT = "reads_kept"


@contextmanager
def reads_kept(session: Session) -> Iterator[None]:
    """Within: what every record of a batch (POST /api/v1/records) reads alike and no record
    writes — the settings, the stations and service items records name, the sender's secondments
    — is read once (read_once) instead of once a record: twenty records, one read. Only for the
    batch's moment (an admin's change shows from the next request on); outside it, every read
    goes to the database."""
    if _KEPT in session.info:  # already keeping: the outer batch's
        yield
        return
    session.info[_KEPT] = {}
    try:
        yield
    finally:
        session.info.pop(_KEPT, None)


def read_once(session: Session, key: tuple, load):
    """`load()`, kept under `key` while reads_kept(session) holds, else read every time. A kept
    row is held (the session's identity map alone keeps none) and refreshed by the session as any
    other after a rollback."""
    kept = kept_reads(session)
    if kept is None:
        return load()
    if key not in kept:
        kept[key] = load()
    return kept[key]


def keep(session: Session, key: tuple, value) -> None:
    """What a write just made and read_once(key) will be asked for, kept for the rest of a batch
    (nothing outside one); a later write that changes it must forget(key)."""
    kept = kept_reads(session)
    if kept is not None:
        kept[key] = value


def forget(session: Session, key: tuple) -> None:
    kept = kept_reads(session)
    if kept is not None:
        kept.pop(key, None)


def kept_reads(session: Session) -> dict | None:
    """What reads_kept(session) keeps (key → value), or None outside a batch."""
    return session.info.get(_KEPT)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# pg_advisory_xact_lock's key for migrations: b"hrss-ops" as a number
MIGRATION_LOCK = int.from_bytes(b"hrss-ops", "big")


REBUILD_ROLLUPS = "rollups.rebuild"  # a migration that changes the rollups' shape leaves this setting


def ask_rollups_rebuild(op) -> None:
    """For a migration that changes what the rollups hold: they are made again from wage_case by
    today's code once the schema is the newest (migrate), not by the migration itself — the code
    it would call moves on with later migrations, the schema it ran on does not."""
    op.execute(sa.text("DELETE FROM setting WHERE key = :key").bindparams(key=REBUILD_ROLLUPS))
    op.execute(sa.text("INSERT INTO setting (key, value, updated_at) VALUES (:key, 'true', CURRENT_TIMESTAMP)")
               .bindparams(key=REBUILD_ROLLUPS))


def _rebuild_rollups_if_asked(conn) -> None:
    setting = sa.table("setting", sa.column("key"))
    if conn.execute(sa.select(setting.c.key).where(setting.c.key == REBUILD_ROLLUPS)).first() is None:
        return
    from data import rollup

    rollup.rebuild(conn)
    conn.execute(sa.delete(setting).where(setting.c.key == REBUILD_ROLLUPS))


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`, the newest by default (idempotent).

    On PostgreSQL the migration holds a transaction-level advisory lock: one-shot migrations
    started at once on several hosts run one after the other, and the later ones find the
    schema current. (Workers do not migrate at start under gunicorn: AUTO_MIGRATE.) Brought to the
    newest, the rollups are made again when a migration asked for it (ask_rollups_rebuild)."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # SQLite alters a table by copying it; with foreign keys on, dropping the old copy
            # fails while other tables point at it. The pragma only works outside a transaction.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if revision == "head":
                    _rebuild_rollups_if_asked(conn)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left dangling references: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def is_empty(engine: sa.Engine) -> bool:
    """True when the database has no regions yet (a fresh install)."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM region")).scalar_one() == 0
