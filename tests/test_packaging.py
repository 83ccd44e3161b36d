"""`pip install .` gives a working app: the wheel, built from a copy of this checkout, installed
into a fresh venv (its dependencies are this venv's, through a .pth line: no download, no build
isolation), then used only through its console script from a folder with no source in it:
`hrss-ops init-db`, `create-user`, `serve` (gunicorn) answering /healthz, the sign-in, a signed-in
page, a map, the wall's script, the field app and the front-end libraries; the English catalog
compiled at first start into the instance folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from data.models import Role
from tests.conftest import ROOT, eventually, free_port, login
from tests.factories import PASSWORD, make_city, make_user
from tests.test_deploy import Client

SKIP = shutil.ignore_patterns(".venv", "node_modules", ".git", "build", "instance", "test-artifacts", "__pycache__",
                              ".ruff_cache", "*.egg-info", "bench", "tests")


def run(argv: list[str], **kw) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kw)
    assert done.returncode == 0, (argv, done.stdout[-2000:], done.stderr[-3000:])
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel of this checkout in it; the dependencies come from ours."""
    if not (ROOT / "static" / "vendor" / "bootstrap").is_dir():
        pytest.fail("static/vendor is missing: scripts/setup.sh fetches it (the wheel carries it)")
    work = tmp_path_factory.mktemp("packaging")
    source, wheels, target = work / "source", work / "wheels", work / "venv"
    shutil.copytree(ROOT, source, ignore=SKIP)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", str(wheels), str(source)])
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip())
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")  # our venv's packages, after its own
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index",
         str(next(wheels.glob("hrss_ops-*.whl")))])
    return target


def test_the_installed_wheel_serves_the_app(installed, tmp_path, databases, session):
    home = tmp_path / "srv"  # the working folder of a deployment: no source in it
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUTO_MIGRATE", "GUNICORN_CONFIG")}
    env.update(DATABASE_URL=databases.fresh_url("wheel"), HRSS_INSTANCE_DIR=str(home / "var"), SECRET_KEY="wheel",
               GUNICORN_BIND=f"127.0.0.1:{free_port()}", GUNICORN_WORKERS="1", GUNICORN_THREADS="4",
               PATH=f"{installed / 'bin'}:{env['PATH']}")
    hrss_ops = str(installed / "bin" / "hrss-ops")
    where = run([str(installed / "bin" / "python"), "-c", "import app, web; print(app.__file__, web.__file__)"],
                cwd=home, env=env)
    assert all(path.startswith(str(installed)) for path in where.split()), where

    assert "schema is current" in run([hrss_ops, "init-db"], cwd=home, env=env)
    from sqlmodel import Session

    from data.db import make_engine

    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as own:
        make_city(own)
    engine.dispose()
    out = run([hrss_ops, "create-user", "lead", "--name", "测试", "--role", "leader", "--region", "369900000000",
               "--password", "wheel-password-1"], cwd=home, env=env)
    assert "created user lead" in out

    server = subprocess.Popen([hrss_ops, "serve"], cwd=home, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
        client = Client(port)
        eventually(lambda: client.get("/healthz")[0] == 200, "the installed app answers /healthz", timeout=90)
        status, _h, _b = client.request("POST", "/login", b"username=lead&password=wheel-password-1",
                                        {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302
        status, _h, page = client.get("/")
        assert status == 200 and b"_dash-config" in page  # a signed-in Dash page
        for path, length in (("/maps/regions", 1000), ("/wall/static/wall.js", 1000), ("/field/", 500),
                             ("/vendor/bootstrap/css/bootstrap.min.css", 100_000),
                             ("/vendor/leaflet.markercluster/leaflet.markercluster.js", 10_000),
                             ("/favicon.svg", 100)):
            status, _h, body = client.get(path)
            assert status == 200 and len(body) > length, (path, status, len(body))
        assert (home / "var" / "build" / "translations" / "en" / "LC_MESSAGES" / "messages.mo").is_file()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # nothing written into site-packages (the catalogs went to the instance folder)
    assert not list(installed.glob("lib/python*/site-packages/build")) and not list(home.glob("*.py"))


def test_the_wheel_ships_the_deployment_files(installed):
    share = installed / "share" / "hrss-ops"
    for name in ("gunicorn.conf.py", "deploy/nginx/hrss-ops.conf", "deploy/systemd/hrss-ops.service",
                 "deploy/systemd/hrss-ops-migrate.service", "deploy/hrss-ops.env"):
        assert (share / name).read_bytes() == (ROOT / name).read_bytes(), name


def test_pyproject_declares_every_package_the_app_imports():
    import ast
    import re
    import tomllib
    from importlib.metadata import packages_distributions

    declared = {re.split(r"[<>=!\[; ]", dep, maxsplit=1)[0].lower().replace("_", "-")
                for dep in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    ours = {"app", "data", "pages", "components", "web", "pwa"}
    imported = set()
    for path in [ROOT / "app.py", *(p for top in ours - {"app"} for p in (ROOT / top).rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = imported - ours - set(sys.stdlib_module_names) - {"__future__"}
    distributions = packages_distributions()
    missing = {module: distributions.get(module) for module in third_party
               if not {d.lower().replace("_", "-") for d in distributions.get(module, [])} & declared}
    assert not missing, missing
    assert {"reportlab", "pillow", "flask-caching", "redis"} <= declared


def test_the_dashboard_draws_with_the_vendored_basic_plotly():
    """Dash pages load plotly.js's basic bundle from /vendor (not Dash's full 4.8 MB one): it must
    be the plotly.js the plotly package writes figures for, and hold every trace type we draw."""
    import re

    from plotly.offline import get_plotlyjs_version

    from app import PLOTLY_JS

    bundle = ROOT / "static" / PLOTLY_JS.lstrip("/")
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in bundle.read_text()[:200]
    drawn = set()
    for path in [*ROOT.glob("components/*.py"), *ROOT.glob("pages/*.py")]:
        drawn |= set(re.findall(r"\bgo\.([A-Z][A-Za-z]+)\(", path.read_text()))
    assert drawn - {"Figure"} <= {"Bar", "Scatter", "Pie"}, drawn


def test_dash_pages_name_the_vendored_plotly(client, session):
    from app import PLOTLY_JS

    city = make_city(session)
    make_user(session, username="leader", role=Role.leader, regions=[city["city"]])
    login(client, "leader", PASSWORD)
    page = client.get("/cases").get_data(as_text=True)
    assert f'src="{PLOTLY_JS}"' in page and "package_data/plotly.min.js" not in page
