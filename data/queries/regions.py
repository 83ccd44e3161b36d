"""Reads about regions: pickers and map shapes, within a scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import Region, RegionLevel
from data.scope import OutOfScope, Scope


@dataclass(frozen=True)
class RegionRow:
    id: int
    area_code: str
    name: str
    level: str
    path: str
    parent_id: int | None


def list_regions(session: Session, *, scope: Scope, levels: tuple[RegionLevel, ...]) -> list[RegionRow]:
    """Current regions of the given levels inside the scope, in code order."""
    rows = session.exec(
        select(Region.id, Region.area_code, Region.name, Region.level, Region.path, Region.parent_id)
        .where(Region.level.in_([lv.value for lv in levels]), Region.valid_to.is_(None),
               scope.clause(Region.path))
        .order_by(Region.path)
    ).all()
    return [RegionRow(*r) for r in rows]


def spans_cities(session: Session, *, scope: Scope) -> bool:
    """More than one city lies inside the scope (a province's leader, nothing narrower chosen): its
    maps go by county, not by the thousands of townships of several cities, and its areas are cities."""
    return session.exec(select(sa.func.count()).select_from(Region).where(
        Region.level == RegionLevel.city.value, Region.valid_to.is_(None), scope.clause(Region.path))).one() > 1


def county_path_length(session: Session) -> int:
    """The length of a county's path: a county's part of any path below it is its first this many
    characters — "<city>/<county>/" (26) in a city, "<province>/<city>/<county>/" (39) under a
    province (twelve-digit codes, one tree: every county at the same depth)."""
    length = session.exec(select(sa.func.length(Region.path)).where(
        Region.level == RegionLevel.county.value, Region.valid_to.is_(None)).limit(1)).first()
    return int(length) if length else 26


def get_region_by_code(session: Session, *, scope: Scope, area_code: str) -> Region:
    """Raises OutOfScope when the region is unknown or outside the scope (indistinguishable)."""
    region = session.exec(select(Region).where(Region.area_code == area_code, Region.valid_to.is_(None))).first()
    if region is None or not (scope.covers(region.path) or any(p.startswith(region.path) for p in scope.paths)):
        raise OutOfScope(area_code)
    return region


def region_shapes(session: Session, *, scope: Scope, levels: tuple[RegionLevel, ...]) -> list[dict]:
    """Boundaries (GeoJSON) of the current regions of these levels that the scope touches.

    The parent of a county officer's county is not included: a boundary shows no figures,
    but a region outside the scope is not theirs to browse.
    """
    rows = session.exec(
        select(Region.area_code, Region.name, Region.level, Region.path, Region.boundary,
               Region.centroid_lon, Region.centroid_lat)
        .where(Region.level.in_([lv.value for lv in levels]), Region.valid_to.is_(None),
               Region.boundary.is_not(None), scope.clause(Region.path))
        .order_by(Region.path)
    ).all()
    return [dict(area_code=c, name=n, level=lv, path=p, boundary=b, centroid=(lat, lon) if lon else None)
            for c, n, lv, p, b, lon, lat in rows]


def city_of(session: Session, path: str | None) -> Region | None:
    """The city a path lies in (the region of its codes that is a city), None above the cities."""
    codes = [code for code in (path or "").split("/") if code]
    if not codes:
        return None
    return session.exec(select(Region).where(Region.area_code.in_(codes), Region.level == RegionLevel.city.value,
                                             Region.valid_to.is_(None))).first()


class Named(Protocol):
    """What an abbreviation is read from: a Region, an import's row, the demo's city."""

    name: str
    short_name: str | None


def abbreviation(region: Named | None) -> str:
    """The character(s) a city's bureau puts in its case and document numbers (简称: 南京市 → 宁,
    南通市 → 通): its short name when set, else its name's first character (示范市 → 示)."""
    if region is None:
        return ""
    return region.short_name or region.name[:1]


def issuing_region(session: Session, path: str | None) -> Region | None:
    """The region whose bureau numbers the cases and notices of `path`: its city; above the cities
    (a province's office) or without a path, the tree's top."""
    return city_of(session, path) or top_region(session)


def home_cities(session: Session, scope: Scope) -> Scope:
    """The cities a scope's paths lie in — each path's city; a path above the cities (a province's
    office) stays itself and so covers them all: where an office takes in clues (一点受理)."""
    return Scope(tuple(sorted({(city.path if (city := city_of(session, path)) else path) for path in scope.paths})))


def top_region(session: Session, scope: Scope | None = None) -> Region | None:
    """The region a scope lies in as one: its city when every path is in the same city, else the
    region all its paths share (a province). Without a scope: the tree's top (the first city, or the
    province above them)."""
    if scope is None or not scope.paths:
        return session.exec(select(Region).where(Region.parent_id.is_(None), Region.valid_to.is_(None))
                            .order_by(Region.id)).first()
    cities = {city.id: city for city in (city_of(session, path) for path in scope.paths) if city is not None}
    if len(cities) == 1 and all(city_of(session, p) is not None for p in scope.paths):
        return next(iter(cities.values()))
    shared = scope.paths[0].split("/")[:-1]
    for path in scope.paths[1:]:
        parts = path.split("/")[:-1]
        n = 0
        while n < min(len(shared), len(parts)) and shared[n] == parts[n]:
            n += 1
        shared = shared[:n]
    if not shared:
        return None
    return session.exec(select(Region).where(Region.area_code == shared[-1], Region.valid_to.is_(None))).first()


def city_name(session: Session, scope: Scope | None = None) -> str:
    """The name a user's place goes by (the header, a circular): their city, or their province when
    they see several cities; without a scope, the first city."""
    if scope is not None:
        region = top_region(session, scope)
        return region.name if region else ""
    name = session.exec(select(Region.name).where(Region.level == RegionLevel.city.value,
                                                  Region.valid_to.is_(None)).order_by(Region.id)).first()
    return name or ""


__all__ = ["Named", "OutOfScope", "RegionRow", "abbreviation", "city_name", "city_of", "county_path_length",
           "get_region_by_code", "home_cities", "issuing_region", "list_regions", "region_shapes", "spans_cities",
           "top_region"]
