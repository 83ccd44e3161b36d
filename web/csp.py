"""Content-Security-Policy on every answer, per route where a route needs more than the rest.

The policy everywhere:

    default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';
    img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src 'self';
    worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self';
    form-action 'self'; frame-ancestors 'none'

Nothing loads from another host and no script runs unless it is a file served here — with these
exceptions, each limited to its route:

- Dash's pages (its index route) run a few inline scripts Dash writes itself: the renderer's start
  (`new DashRenderer()`) and the clientside callbacks' code. They are allowed by their SHA-256
  hashes (Dash's own csp_hashes()), computed from the app, never from the answer. Dash's
  `_dash-config` block is JSON (type application/json), which is not run.
- The maps (/maps/…, folium documents shown in iframes) are one HTML document each with the map's
  own inline scripts (the Leaflet set-up with the map's data). Their hashes are computed from the
  document as it is served; the names in it are escaped by the map builder (components/maps.py
  safe_text, folium's JSON encoding), so text cannot start a script of its own, and the policy
  still refuses inline event handlers, javascript: URLs, eval and every other host. The maps may
  be framed by our own pages (frame-ancestors 'self').
- With TILE_URL set to another host (an internal tile server), the maps and the wall may load
  images from that origin.
- Styles: 'unsafe-inline' everywhere. Leaflet, folium, Plotly and Dash's table write <style>
  elements and style attributes; a style cannot run code, and everything else stays strict.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from flask import Flask, current_app, request

HEADER = "Content-Security-Policy"
BASE = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:", "blob:"),
    "font-src": ("'self'", "data:"),
    "connect-src": ("'self'",),
    "frame-src": ("'self'",),
    "worker-src": ("'self'",),
    "manifest-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
MAP_PREFIX = "/maps/"
TILE_ROUTES = (MAP_PREFIX, "/wall")
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)


def script_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def inline_script_hashes(document: str) -> list[str]:
    """The hashes of a document's inline scripts, in order, each once."""
    return list(dict.fromkeys(script_hash(source) for source in _INLINE_SCRIPT.findall(document)))


def tile_origin(tile_url: str | None) -> str | None:
    """The origin of an external tile server's URL template; None for none or our own host."""
    parts = urlsplit(tile_url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _dash_index_endpoints(dash_app) -> set[str]:
    """Dash's page routes: its prefix and the catch-all under it (Dash names endpoints by their rule)."""
    prefix = dash_app.config.routes_pathname_prefix
    return {prefix, prefix + "<path:path>"}


def render(policy: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


def policy_for(response) -> dict[str, tuple[str, ...]]:
    """The policy of one answer (see the module's notes for each exception)."""
    policy = dict(BASE)
    path = request.path
    dash_app = current_app.extensions.get("dash")
    if dash_app is not None and response.status_code == 200 and request.endpoint in _dash_index_endpoints(dash_app):
        policy["script-src"] = BASE["script-src"] + tuple(dash_app.csp_hashes())
    if path.startswith(MAP_PREFIX):
        policy["frame-ancestors"] = ("'self'",)
        if response.mimetype == "text/html" and not response.direct_passthrough:
            policy["script-src"] = BASE["script-src"] + tuple(inline_script_hashes(response.get_data(as_text=True)))
    origin = tile_origin(current_app.config.get("TILE_URL"))
    if origin and path.startswith(TILE_ROUTES):
        policy["img-src"] = BASE["img-src"] + (origin,)
    return policy


def init_app(server: Flask) -> None:
    """Register after every other after-request hook that changes the body (compression), so that
    this one, which runs first, sees the document as written."""

    @server.after_request
    def _content_security_policy(response):
        response.headers[HEADER] = render(policy_for(response))
        return response
