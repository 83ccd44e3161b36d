"""Geometry helpers. Boundaries are GeoJSON geometry dicts in WGS-84 (as stored in
Region.boundary and GridCell.boundary); points are (lon, lat) floats."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

import shapely
from shapely.geometry import shape

K = TypeVar("K", bound=Hashable)


class Locator(Generic[K]):
    """Which of a set of areas holds a point: the township or grid cell of a phone's WGS-84
    fix. Build it once per set of boundaries ({key: GeoJSON geometry}) and reuse it.

    A point on an edge shared by two areas goes to the one given first, so the answer is
    stable."""

    def __init__(self, areas: Mapping[K, dict]):
        self._keys = list(areas)
        self._tree = shapely.STRtree([shape(areas[k]) for k in self._keys])

    def locate(self, lon: float, lat: float) -> K | None:
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self._keys[min(hits)] if len(hits) else None


def round_geometry(geometry: dict, digits: int = 5) -> dict:
    """A GeoJSON geometry with its coordinates rounded (Point, Polygon, MultiPolygon …); 5
    decimals is about a metre, plenty for maps and a third of the bytes of full floats.

    round(x * 10⁵) / 10⁵ gives the same float as round(x, 5), which is three times slower:
    a city of grid cells has tens of thousands of numbers."""
    scale = 10 ** digits

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            return [round(c * scale) / scale for c in coords]
        return [walk(c) for c in coords]
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}
