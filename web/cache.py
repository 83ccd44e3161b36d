"""The shared cache: rendered maps, their skeletons, the station map's outlines, the wall's panels,
the dashboards' slowest panels' figures (`panel`: data, keyed by the data version like a map).

Flask-Caching, one backend per app: SimpleCache in the process by default (one worker, tests,
the embedded server); Redis when CACHE_REDIS_URL is set, so that every worker on every host reads
and fills the same entries and a map is built once for all of them.

Keys carry what a value is made from — the scope, the language, the filters and the data
version (a count and a last change of the rows a map shows, read on every load) — so a write
shows at once in every worker: the next load asks for a key nobody has filled yet, and the old
entries are never read again (they expire after CACHE_DEFAULT_TIMEOUT; Redis also evicts the
least recently used when it reaches its maxmemory). The wall's panels have no data version:
they are kept for a few seconds, one entry for every screen and every worker.

Values are pickled (Redis is trusted like the database: never point CACHE_REDIS_URL at a shared,
untrusted server). A cache that cannot be reached counts as a miss: the page is built and
served, and the failure is logged, never shown.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g
from flask_caching import Cache

log = logging.getLogger(__name__)
T = TypeVar("T")
KINDS = ("map", "skeleton", "outlines", "wall", "panel")
# per process, for tests and benchmarks: (kind, "hit" | "miss") → count
stats: Counter = Counter()
_last_warning = [0.0]


def init_app(server: Flask) -> None:
    config = server.config
    redis_url = config.get("CACHE_REDIS_URL")
    settings = {
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_DEFAULT_TIMEOUT": config["CACHE_DEFAULT_TIMEOUT"],
        # SimpleCache only: the number of entries a worker keeps (a map is up to ~500 KB)
        "CACHE_THRESHOLD": config["CACHE_THRESHOLD"],
    }
    if redis_url:
        # a prefix always: clearing deletes only our keys (without one, cachelib would FLUSHDB)
        settings.update(CACHE_REDIS_URL=redis_url, CACHE_KEY_PREFIX=config["CACHE_KEY_PREFIX"] or "hrss:",
                        CACHE_OPTIONS={"socket_connect_timeout": 2, "socket_timeout": 5})
    server.extensions["hrss_cache"] = Cache(server, config=settings)

    @server.after_request
    def _cache_header(response):
        status = g.get("cache_status")
        if status:
            response.headers["X-Cache"] = status
        return response


def _backend():
    return current_app.extensions["hrss_cache"].cache


def _canonical(value: Any) -> Any:
    """The same key in every process: sets sorted (their order follows each process's hash seed)."""
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted((_canonical(v) for v in value), key=repr)))
    if isinstance(value, tuple | list):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, dict):
        return ("dict", tuple(sorted(((k, _canonical(v)) for k, v in value.items()), key=repr)))
    return value


def digest(key: Any) -> str:
    """A short, stable name for a key: the same in every worker and on every host."""
    return hashlib.sha256(repr(_canonical(key)).encode()).hexdigest()[:32]


def _warn(action: str, exc: Exception) -> None:
    now = time.monotonic()
    if now - _last_warning[0] > 60:
        _last_warning[0] = now
        log.warning("cache unavailable (%s: %s): building without it", action, exc)


def get_or_build(kind: str, key: Any, build: Callable[[], T], timeout: int | None = None) -> T:
    """The value under (kind, key), built and kept (for `timeout` seconds, else the default)
    when missing. The request's first lookup names its outcome in the X-Cache header."""
    name = f"{kind}:{digest(key)}"
    backend = _backend()
    try:
        value = backend.get(name)
    except Exception as exc:  # noqa: BLE001 — a broken cache is a slow page, not a broken one
        _warn("get", exc)
        value = None
    outcome = "miss" if value is None else "hit"
    stats[kind, outcome] += 1
    if "cache_status" not in g:
        g.cache_status = outcome
    if value is not None:
        return value
    value = build()
    try:
        backend.set(name, value, timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        _warn("set", exc)
    return value


def panel(name: str, key: Any, build: Callable[[], T]) -> T:
    """The figures of a dashboard's slow panel (`name`: the campaign, the risks, the lists — whole
    scans of a year's cases at province scale) under `key` (the scope's paths, the filters, the
    day) and the data version: fifty leaders with the same view compute them once, on every
    worker, and any write to a case or a setting shows at once (a new version, a new key)."""
    from data.queries.cases import map_versions
    from web.context import db

    return get_or_build("panel", (name, key, map_versions(db())), build)


def entries(kind: str) -> int:
    """How many entries of `kind` the cache holds now (tests, benchmarks)."""
    backend, pattern = _backend(), f"{kind}:"
    if hasattr(backend, "_read_client"):  # Redis: this app's keys only
        return sum(1 for _ in backend._read_client.scan_iter(match=f"{backend.key_prefix}{pattern}*", count=500))
    now = time.time()
    return sum(1 for name, (expires, _value) in list(backend._cache.items())
               if name.startswith(pattern) and (expires == 0 or expires > now))


def clear(*kinds: str) -> None:
    """Forget every entry of these kinds (all kinds if none are named): for benchmarks of a
    cold build and for tests; a deployment never needs it (keys carry their data versions)."""
    backend = _backend()
    if not kinds:
        backend.clear()
        return
    for kind in kinds:
        if hasattr(backend, "_read_client"):
            names = [n.decode()[len(backend.key_prefix):]
                     for n in backend._read_client.scan_iter(match=f"{backend.key_prefix}{kind}:*", count=500)]
        else:
            names = [n for n in list(backend._cache) if n.startswith(f"{kind}:")]
        if names:
            backend.delete_many(*names)
