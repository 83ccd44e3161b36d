"""Reads about regions: pickers and map shapes, within a scope."""

from __future__ import annotations

from dataclasses import dataclass

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
        Region.level == RegionLevel.county.value).limit(1)).first()
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


def city_name(session: Session) -> str:
    name = session.exec(select(Region.name).where(Region.level == RegionLevel.city.value,
                                                  Region.valid_to.is_(None)).order_by(Region.id)).first()
    return name or ""


__all__ = ["OutOfScope", "RegionRow", "city_name", "county_path_length", "get_region_by_code", "list_regions",
           "region_shapes", "spans_cities"]
