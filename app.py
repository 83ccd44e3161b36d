"""hrss-ops (人社督导一张图): the application factory and its command line.

    python app.py                      # the embedded default: SQLite + demo city, port 8050
    gunicorn "app:create_app()"        # production (DATABASE_URL=postgresql+psycopg://…)
    flask --app app demo --reset       # refill the demo city
    flask --app app demo --cities 3    # a demo province of three cities instead
    flask --app app create-user …      # accounts (no default password outside the demo)

Environment: DATABASE_URL, SECRET_KEY, HOST, PORT, TILE_URL, UPLOAD_DIR, SESSION_COOKIE_SECURE,
PROXY_HOPS, TIME_ZONE, LOG_FORMAT, LOG_LEVEL, CACHE_REDIS_URL, AUTO_MIGRATE.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import click
import dash
from flask import Flask, jsonify, send_from_directory
from flask_compress import Compress
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from data import clock
from data.db import default_sqlite, default_url, instance_dir, is_empty, make_engine, migrate, session_scope

ROOT = Path(__file__).resolve().parent
VENDOR_DIR = ROOT / "static" / "vendor"
VENDOR_CSS = [
    "/vendor/bootstrap/css/bootstrap.min.css",
    "/vendor/bootstrap-icons/font/bootstrap-icons.min.css",
]
# plotly.js with only the trace types the dashboard draws (scripts/vendor.py)
PLOTLY_JS = "/vendor/plotly/plotly-basic.min.js"
log = logging.getLogger("hrss")
# Dash's page, with our icon and the language of the page (Chinese first)
INDEX_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
{%metas%}
<title>{%title%}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
{%css%}
</head>
<body>
{%app_entry%}
<footer>{%config%}{%scripts%}{%renderer%}</footer>
</body>
</html>"""


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one kept in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_dir() / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def default_config() -> dict:
    return {
        "DATABASE_URL": default_url(),
        "SECRET_KEY": None,
        "TILE_URL": os.environ.get("TILE_URL") or None,
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance_dir() / "uploads"),
        "TILE_ATTRIBUTION": os.environ.get("TILE_ATTRIBUTION") or "internal tiles",
        # logging (web/logs.py): text or json (one object a line), and the level
        "LOG_FORMAT": os.environ.get("LOG_FORMAT") or "text",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL") or "INFO",
        "SESSION_COOKIE_NAME": "hrss_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # the sign-in throttle (data/services/login_throttle.py): failures per (account, address) and
        # per address before the first delay, which doubles with each further failure up to the window
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
        "LOGIN_WINDOW": timedelta(minutes=15),
        "LOGIN_FIRST_DELAY": timedelta(minutes=1),
        # migrate at start: the embedded server and tests; under gunicorn (gunicorn.conf.py sets
        # AUTO_MIGRATE=0) workers never do, the one-shot `init-db` does before they start
        "AUTO_MIGRATE": (os.environ.get("AUTO_MIGRATE") or "1").lower() not in ("0", "false", "no", "off"),
        # trusted reverse proxies in front (nginx: 1): their X-Forwarded-For/-Proto/-Host name the
        # real client, as the throttle, the logs and the audit trail see it; 0 trusts no such header
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS") or 0),
        # the bureau's zone: "today" for deadlines, logs and pages (data/clock.py), whatever the host's zone
        "TIME_ZONE": os.environ.get("TIME_ZONE") or clock.DEFAULT_ZONE,
        # a fixed date for tests and demos; None means the real date on the bureau's clock
        "TODAY": None,
        # the shared cache (web/cache.py): Redis when CACHE_REDIS_URL is set, else in the process
        "CACHE_REDIS_URL": os.environ.get("CACHE_REDIS_URL") or None,
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX") or "hrss:",
        "CACHE_DEFAULT_TIMEOUT": int(os.environ.get("CACHE_DEFAULT_TIMEOUT") or 3600),
        "CACHE_THRESHOLD": 300,  # in-process entries per worker (a map is up to ~500 KB)
        # the daily to-do digest (web/digest.py): by mail and/or to an intranet group robot, at DIGEST_AT
        # on the bureau's clock; nothing is sent when neither channel is set
        "DIGEST_SMTP_HOST": os.environ.get("DIGEST_SMTP_HOST") or None,
        "DIGEST_SMTP_PORT": int(os.environ.get("DIGEST_SMTP_PORT") or 25),
        "DIGEST_SMTP_FROM": os.environ.get("DIGEST_SMTP_FROM") or "hrss-ops@localhost",
        "DIGEST_WEBHOOK_URL": os.environ.get("DIGEST_WEBHOOK_URL") or None,
        "DIGEST_AT": os.environ.get("DIGEST_AT") or "08:30",
        # the address people open the product at (links in the digest)
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or "http://127.0.0.1:8050",
    }


def create_app(config: dict | None = None) -> Flask:
    """Build the server: Flask with login, the Dash dashboard, maps, vendor files and the CLI."""
    from pwa import shell as field_shell
    from pwa.api import routes as api_routes
    from web import (
        admin,
        auth,
        brief,
        cache,
        circular,
        context,
        csp,
        digest,
        documents,
        errors,
        i18n,
        logs,
        maps,
        photos,
        shell,
        wall,
    )

    server = Flask(__name__, static_folder=None, template_folder=str(ROOT / "web" / "templates"))
    server.config.update(default_config())
    server.config.update(config or {})
    logs.init_app(server)  # first: every later hook and log line has the request id
    if not server.config["SECRET_KEY"]:
        server.config["SECRET_KEY"] = _secret_key()
    clock.configure(server.config["TIME_ZONE"])

    engine = make_engine(server.config["DATABASE_URL"])
    if server.config["AUTO_MIGRATE"]:
        migrate(engine)
    server.extensions["engine"] = engine
    hops = int(server.config["PROXY_HOPS"])
    if hops:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    context.init_app(server)
    cache.init_app(server)
    i18n.init_app(server)
    # the guard must run before Dash's own before_request hooks, so it is registered first
    auth.init_app(server)
    maps.init_app(server)
    photos.init_app(server)
    wall.init_app(server)
    circular.init_app(server)
    brief.init_app(server)
    documents.init_app(server)
    digest.init_app(server)
    admin.init_app(server)
    field_shell.init_app(server)
    api_routes.init_app(server)
    errors.init_app(server)
    Compress(server)
    csp.init_app(server)  # after Compress: it runs before it, on the uncompressed document

    @server.get("/healthz")
    def healthz():
        with session_scope(engine) as session:
            session.exec(text("SELECT 1"))
        return jsonify(status="ok")

    @server.get("/favicon.ico")
    @server.get("/favicon.svg")
    def favicon():
        return send_from_directory(ROOT / "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)

    if not (VENDOR_DIR / "bootstrap").is_dir():
        log.warning("no front-end libraries in %s: run scripts/setup.sh (npm ci by package-lock.json), "
                    "or build the wheel from a set-up checkout (README: Deploying)", VENDOR_DIR)

    @server.get("/vendor/<path:filename>")
    def vendor(filename):
        return send_from_directory(VENDOR_DIR, filename, max_age=7 * 24 * 3600)

    dash_app = dash.Dash(
        __name__,
        index_string=INDEX_HTML,
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        external_stylesheets=VENDOR_CSS,
        # window.Plotly from here, so dcc.Graph never fetches Dash's full plotly.js (4.8 MB)
        external_scripts=[PLOTLY_JS],
        suppress_callback_exceptions=True,
        title="人社督导一张图",
        update_title=None,
        serve_locally=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    dash_app.layout = shell.layout
    shell.register_callbacks(dash_app)
    callback_roles = []
    for page in dash.page_registry.values():
        module = sys.modules.get(page["module"])
        if module is not None and hasattr(module, "register_callbacks"):
            module.register_callbacks(dash_app)
        for prefix in getattr(module, "CALLBACK_PREFIXES", ()):
            callback_roles.append((prefix, frozenset(module.ROLES)))
    server.extensions["callback_roles"] = tuple(callback_roles)
    server.extensions["dash"] = dash_app
    _register_cli(server)
    # Dash sets itself up in its first request and marks that done before it has (Dash 4.4): the
    # requests a new gunicorn worker gets at once would find it half ready (its scripts answer 500,
    # "dash is not a registered library", and the page never starts). Its setup hooks run now,
    # before the server serves anyone (a request context, not a request: routes may still be added).
    with server.test_request_context("/"):
        for hook in server.before_request_funcs.get(None, []):
            if getattr(hook, "__qualname__", "").startswith("Dash."):
                hook()
    return server


def _register_cli(server: Flask) -> None:
    from data.imports import KINDS as IMPORT_KINDS
    from data.models import Role
    from data.services import ServiceError
    from data.services import users as user_service

    engine = server.extensions["engine"]

    def today() -> date:
        return server.config["TODAY"] or clock.today()

    @server.cli.command("init-db")
    @click.option("--demo-if-empty", is_flag=True, help="Fill the demo city into an empty database.")
    def init_db(demo_if_empty):
        """Migrate the database to the newest schema."""
        migrate(engine)
        click.echo("schema is current")
        if demo_if_empty and is_empty(engine):
            _fill_demo(engine, today=today(), seed=None, case_scale=1.0, station_scale=1.0, inspection_scale=1.0)

    @server.cli.command("demo")
    @click.option("--reset", is_flag=True, help="Drop every table first (all data is lost).")
    @click.option("--seed", type=int, default=None)
    @click.option("--case-scale", type=float, default=1.0, help="Multiply the number of wage cases.")
    @click.option("--station-scale", type=float, default=1.0, help="Multiply townships and stations.")
    @click.option("--inspection-scale", type=float, default=1.0, help="Multiply inspections.")
    @click.option("--cities", type=int, default=1, show_default=True,
                  help="Cities: 1 is the city alone; more make a province (示范省) of that many.")
    def demo_command(reset, seed, case_scale, station_scale, inspection_scale, cities):
        """Fill the synthetic demo city (示范市), or a province of several cities, into an empty database."""
        from data.demo import CITIES

        if not 1 <= cities <= len(CITIES):  # before --reset has dropped anything
            raise click.BadParameter(f"{cities} is not from 1 to {len(CITIES)}", param_hint="'--cities'")
        if reset:
            _drop_all(engine)
            migrate(engine)
        elif not is_empty(engine):
            raise click.ClickException("the database is not empty; use --reset to replace it")
        _fill_demo(engine, today=today(), seed=seed, case_scale=case_scale, station_scale=station_scale,
                   inspection_scale=inspection_scale, cities=cities)

    @server.cli.command("rollups")
    @click.argument("action", type=click.Choice(["rebuild", "check"]))
    def rollups_command(action):
        """The rollups (case_month, employer_cases, repeat_span): rebuild them from wage_case, or check them."""
        from data import rollup

        with engine.begin() as conn:
            if action == "rebuild":
                click.echo(f"rollups rebuilt: case_month {rollup.rebuild(conn)} rows")
                return
            wrong = rollup.differences(conn)
        if wrong:
            raise click.ClickException(f"the rollups differ from wage_case in {wrong} rows: `flask rollups rebuild`")
        click.echo("the rollups agree with wage_case")

    @server.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", "display_name", required=True, help="Name shown in the app.")
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--region", "regions", multiple=True, required=True, help="12-digit area code (repeatable).")
    @click.option("--language", default="zh-CN", type=click.Choice(["zh-CN", "en"]))
    @click.password_option(help="At least 10 characters.")
    def create_user(username, display_name, role, regions, language, password):
        """Create an account."""
        with session_scope(engine) as session:
            try:
                user = user_service.create_user(session, actor=None, username=username,
                                                display_name=display_name, role=role,
                                                region_codes=list(regions), password=password,
                                                language=language)
            except ServiceError as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(f"created user {user.username} ({user.role})")

    @server.cli.command("load-calendar")
    @click.argument("year", type=int)
    @click.option("--holiday", "holidays", multiple=True, help="A day off, YYYY-MM-DD (repeatable).")
    @click.option("--workday", "workdays", multiple=True, help="A make-up working day (调休), YYYY-MM-DD.")
    def load_calendar(year, holidays, workdays):
        """Load a year's official holiday schedule once the State Council publishes it."""
        from data.services.settings import load_official_calendar

        try:
            parsed = [[date.fromisoformat(d) for d in days] for days in (holidays, workdays)]
        except ValueError as exc:
            raise click.ClickException(f"dates are YYYY-MM-DD: {exc}") from None
        with session_scope(engine) as session:
            try:
                counts = load_official_calendar(session, actor=None, year=year, holidays=parsed[0],
                                                workdays=parsed[1])
            except ServiceError as exc:
                raise click.ClickException(str(exc)) from None
        click.echo(f"{year}: {counts['days']} days loaded; deadlines in {year} are no longer provisional")
        click.echo(f"open cases: {counts['open']}, deadlines moved: {counts['changed']}, "
                   f"no longer provisional: {counts['settled']}")

    @server.cli.command("send-digest")
    @click.option("--again", is_flag=True, help="Send even if today's digest was sent.")
    def send_digest(again):
        """Send today's to-do digests now (mail and/or the group robot, as configured)."""
        from web.digest import configured, send_day

        if not configured(server.config):
            raise click.ClickException("no channel: set DIGEST_SMTP_HOST or DIGEST_WEBHOOK_URL")
        with session_scope(engine) as session:
            counts = send_day(session, server.config, today=today(), now=clock.now(), again=again)
        if not counts["people"] and not again:
            click.echo(f"{today()}: already sent (use --again to send once more)")
        else:
            click.echo(f"{today()}: {counts['people']} people, {counts['mail']} mails, "
                       f"{counts['webhook']} webhook messages, {counts['failed']} failed")

    @server.cli.command("import")
    @click.argument("kind", type=click.Choice(list(IMPORT_KINDS)))
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check and count; write nothing.")
    @click.option("--crs", type=click.Choice(["wgs84", "cgcs2000", "gcj02"]), default="wgs84",
                  help="boundaries: the file's coordinate system (gcj02: 高德/腾讯 maps).")
    @click.option("--passwords", "passwords_file", type=click.Path(dir_okay=False, path_type=Path),
                  help="users: where to write the new accounts' one-time passwords (mode 600).")
    def import_command(kind, file, dry_run, crs, passwords_file):
        """Import a CSV/XLSX (or GeoJSON for boundaries) file of the bureau's own data."""
        from data.imports import ImportFileError, import_file

        def progress(stage: str, done: int, total: int) -> None:
            if total and sys.stderr.isatty():
                click.echo(f"\r  {stage} {done}/{total}", nl=False, err=True)

        def run(dry: bool):
            with session_scope(engine) as session:
                try:
                    return import_file(session, actor=None, kind=kind, data=file.read_bytes(), filename=file.name,
                                       today=today(), dry_run=dry, progress=progress, options={"crs": crs})
                except ImportFileError as exc:
                    raise click.ClickException(exc.message % exc.params if exc.params else exc.message) from None

        if kind == "users" and not dry_run and passwords_file is None and run(True).new:
            raise click.ClickException("users: new accounts get one-time passwords; say where with --passwords FILE")
        report = run(dry_run)
        if sys.stderr.isatty():
            click.echo("", err=True)
        for error in report.errors[:200]:
            where = f"第 {error.row} 行" + (f"「{error.column}」" if error.column else "")
            click.echo(f"{where}: {error.text()}", err=True)
        if len(report.errors) > 200:
            click.echo(f"… {len(report.errors) - 200} more", err=True)
        counts = report.counts()
        summary = (f"{kind}: {counts['rows']} rows — {counts['new']} new, {counts['changed']} changed, "
                   f"{counts['unchanged']} unchanged, {counts['refused']} refused")
        if not report.ok:
            click.echo(f"{summary}; nothing written", err=True)
            sys.exit(1)
        if report.passwords:
            passwords_file.touch(mode=0o600)
            passwords_file.chmod(0o600)
            with passwords_file.open("a", encoding="utf-8") as out:
                out.writelines(f"{name}\t{password}\n" for name, password in report.passwords)
            summary += f"; one-time passwords of {len(report.passwords)} new accounts in {passwords_file}"
        click.echo(summary + ("; dry run, nothing written" if dry_run else ""))

    @server.cli.command("revoke-sessions")
    @click.argument("username")
    def revoke(username):
        """Sign a user out on every device."""
        with session_scope(engine) as session:
            try:
                user_service.revoke_sessions(session, actor=None, username=username)
            except ServiceError as exc:
                raise click.ClickException(str(exc)) from None
        click.echo(f"sessions of {username} revoked")


    @server.cli.command("throttles")
    @click.option("--user", "username", default=None, help="Only this username.")
    @click.option("--address", default=None, help="Only this client address.")
    @click.option("--clear", is_flag=True, help="Forget the failures shown (all, unless --user/--address).")
    def throttles(username, address, clear):
        """List sign-in throttles (failures in the window; locked ones first), or clear them."""
        from data.services import login_throttle as throttle
        from web.auth import throttle_policy

        with session_scope(engine) as session:
            policy = throttle_policy()
            if clear:
                count = throttle.clear(session, actor=None, username=username, address=address)
                click.echo(f"cleared {count} failed sign-in attempts")
                return
            rows = throttle.current(session, policy=policy, username=username, address=address)
        if not rows:
            click.echo("no failed sign-ins in the last " + _minutes(policy.window))
            return
        now = clock.now()
        for row in rows:
            until = (f"locked until {clock.local(row.locked_until):%Y-%m-%d %H:%M:%S}"
                     if row.locked_until and row.locked_until > now else "not locked")
            click.echo(f"{row.kind:16} {row.username or '-':24} {row.address:40} {row.failures:4} failures  "
                       f"last {clock.local(row.last_failure):%H:%M:%S}  {until}")


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} minutes"


def _drop_all(engine) -> None:
    from sqlmodel import SQLModel

    import data.models  # noqa: F401

    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def _fill_demo(engine, *, today, seed, case_scale, station_scale, inspection_scale, cities=1) -> dict:
    from data import demo

    config = demo.DemoConfig(today=today, case_scale=case_scale, station_scale=station_scale,
                             inspection_scale=inspection_scale, cities=cities,
                             **({"seed": seed} if seed is not None else {}))
    started = time.perf_counter()
    counts = demo.generate(engine, config, progress=lambda step: click.echo(f"  … {step}"))
    seconds = time.perf_counter() - started
    made = "demo city" if cities == 1 else f"demo province of {cities} cities"
    click.echo(f"{made} generated in {seconds:.1f} s: {json.dumps(counts, ensure_ascii=False)}")
    return counts


def main() -> None:
    """The embedded default: migrate, fill the demo city on first run, serve."""
    from web import logs

    logs.configure(os.environ.get("LOG_FORMAT") or "text", os.environ.get("LOG_LEVEL") or "INFO")
    clock.configure(os.environ.get("TIME_ZONE"))
    url = default_url()
    engine = make_engine(url)
    migrate(engine)
    if is_empty(engine):
        if url == f"sqlite:///{default_sqlite()}":
            print("first run: generating the demo city (示范市) …", flush=True)
            _fill_demo(engine, today=clock.today(), seed=None, case_scale=1.0, station_scale=1.0,
                       inspection_scale=1.0)
        else:
            print("the database is empty: create users with `flask --app app create-user` "
                  "or fill the demo city with `flask --app app demo`", flush=True)
    engine.dispose()
    app = create_app({"AUTO_MIGRATE": False})
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8050"))
    print(f"hrss-ops serving at http://{host}:{port}", flush=True)
    app.run(host=host, port=port, threaded=True)


# --- `hrss-ops`: the console script of an installed wheel (and of a checkout's venv) -----------


def gunicorn_config() -> Path:
    """gunicorn.conf.py: $GUNICORN_CONFIG, else the checkout's, else the copy the wheel installs
    under <prefix>/share/hrss-ops (the venv's, or the user's for `pip install --user`)."""
    import sysconfig

    if os.environ.get("GUNICORN_CONFIG"):
        return Path(os.environ["GUNICORN_CONFIG"])
    candidates = [ROOT / "gunicorn.conf.py"] + [
        Path(sysconfig.get_path("data", scheme)) / "share" / "hrss-ops" / "gunicorn.conf.py"
        for scheme in (sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user"))]
    found = next((path for path in candidates if path.is_file()), None)
    if found is None:
        raise click.ClickException("gunicorn.conf.py not found: set GUNICORN_CONFIG")
    return found


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve_command(gunicorn_args):
    """Serve with gunicorn (gunicorn.conf.py: GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS;
    workers do not migrate: run `hrss-ops init-db` first). Extra arguments go to gunicorn."""
    argv = [sys.executable, "-m", "gunicorn", "-c", str(gunicorn_config()), *gunicorn_args, "app:create_app()"]
    os.execv(sys.executable, argv)  # gunicorn takes this process's place (systemd's main pid)


@click.command("embedded")
def embedded_command():
    """The embedded default (`python app.py`): migrate, the demo city on a first SQLite run, serve
    on HOST:PORT (127.0.0.1:8050) with the development server."""
    main()


def cli() -> None:
    """hrss-ops serve | embedded | init-db | demo | create-user | revoke-sessions | load-calendar | …:
    the flask commands of create_app() (settings from the environment), plus gunicorn."""
    from flask.cli import FlaskGroup

    group = FlaskGroup(name="hrss-ops", create_app=create_app, add_version_option=False, help=cli.__doc__)
    group.add_command(serve_command)
    group.add_command(embedded_command)
    group.main(prog_name="hrss-ops")


if __name__ == "__main__":
    main()
