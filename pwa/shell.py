"""/field/ — the field app's shell (人社督导): cadres, leaders and inspectors on phones.

The shell is static (pwa/static/) and holds no data, so it is public
(web.auth.PUBLIC_PREFIXES); everything the app knows comes through /api/v1 after sign-in.
Every file is served `no-cache` (revalidated by ETag): the service worker's cache is what
works offline, and it must see a changed file at once. The service worker gets a version —
a digest of the shell files — written into it, so changing any shell file installs a new one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, redirect, request, send_file

FIELD_DIR = Path(__file__).resolve().parent / "static"
SHELL = ("index.html", "app.js", "core.js", "app.css", "manifest.webmanifest", "icons/icon-192.png")
FILES = {
    "app.js": "text/javascript", "core.js": "text/javascript", "app.css": "text/css",
    "manifest.webmanifest": "application/manifest+json", "icons/icon-192.png": "image/png",
    "icons/icon-512.png": "image/png", "icons/maskable-512.png": "image/png",
}
VERSION_MARK = "__SHELL_VERSION__"

bp = Blueprint("field", __name__)
_version_cache: dict[tuple, str] = {}


def shell_version() -> str:
    """A short digest of the shell and the service worker, recomputed when a file changes."""
    paths = [FIELD_DIR / name for name in (*SHELL, "sw.js")]
    key = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    if key not in _version_cache:
        digest = hashlib.sha256()
        for path in paths:
            digest.update(path.read_bytes())
        _version_cache.clear()
        _version_cache[key] = digest.hexdigest()[:12]
    return _version_cache[key]


def _no_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/field")
def bare():
    return redirect("/field/", code=301)


@bp.get("/field/")
@bp.get("/field/index.html")
def index():
    return _no_cache(send_file(FIELD_DIR / "index.html", mimetype="text/html", conditional=True, etag=True,
                               max_age=0))


@bp.get("/field/sw.js")
def service_worker():
    source = (FIELD_DIR / "sw.js").read_text(encoding="utf-8").replace(VERSION_MARK, shell_version())
    response = Response(source, mimetype="text/javascript")
    response.add_etag()
    return _no_cache(response.make_conditional(request))


@bp.get("/field/<path:name>")
def asset(name: str):
    if name not in FILES:
        abort(404)
    return _no_cache(send_file(FIELD_DIR / name, mimetype=FILES[name], conditional=True, etag=True, max_age=0))


def init_app(server: Flask) -> None:
    server.register_blueprint(bp)
