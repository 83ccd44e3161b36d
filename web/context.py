"""Per-request helpers for pages and routes: the database session, today's date, the user."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, g
from flask_login import current_user
from sqlmodel import Session

from data import clock
from data.db import DbSession
from data.models import RegionLevel
from data.queries.regions import list_regions
from data.scope import Scope
from data.services.common import Actor


def init_app(server: Flask) -> None:
    @server.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def db() -> Session:
    """The request's session (opened on first use, closed when the request ends)."""
    if "db_session" not in g:
        g.db_session = DbSession(current_app.extensions["engine"], expire_on_commit=False)
    return g.db_session


def today() -> date:
    """The bureau's date (data/clock.py: TIME_ZONE, never the host's local date); TODAY pins it
    for tests and demos."""
    fixed = current_app.config.get("TODAY")
    return fixed if fixed else clock.today()


def now() -> datetime:
    """The moment now on the bureau's clock (aware, in TIME_ZONE)."""
    return clock.now()


def scope() -> Scope:
    """The signed-in user's scope; nothing at all for anyone else."""
    if current_user and current_user.is_authenticated:
        return current_user.scope
    return Scope.nothing()


def actor() -> Actor:
    """The signed-in user as services take them (data.services.common.Actor)."""
    return Actor(id=current_user.id, username=current_user.username, role=current_user.role, scope=scope())


def region_options(level: RegionLevel, parent_code: str | None = None) -> list[dict]:
    """Dropdown options for the user's regions of one level, those under `parent_code` if given
    (a county's townships, or a city's). The counties of several cities (a province's leader) come
    under their cities, each city a choice of its own: "东湖市", "　临湖区", …"""
    rows = list_regions(db(), scope=scope(), levels=(level,))
    if parent_code:
        rows = [r for r in rows if f"/{parent_code}/" in f"/{r.path}"[:-13]]
    if level == RegionLevel.county and not parent_code:
        cities = list_regions(db(), scope=scope(), levels=(RegionLevel.city,))
        if len(cities) > 1:
            rows = sorted([*cities, *rows], key=lambda r: r.path)
            return [{"label": r.name if r.level == RegionLevel.city else "\u3000" + r.name, "value": r.area_code}
                    for r in rows]
    return [{"label": r.name, "value": r.area_code} for r in rows]
