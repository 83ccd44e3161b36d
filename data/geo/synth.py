"""Geometry of a fictional city: an irregular outline tiled into counties, townships and grid
cells by clipped Voronoi diagrams. Pure: shapes in, shapes out; the caller's random.Random
makes it deterministic.

Work happens in a local plane in kilometres, where Voronoi cells have their true shape, and is
mapped to WGS-84 lon/lat at the end by one affine transform per polygon, so edges shared by two
neighbours stay identical. Voronoi edges are straight, so no simplification is needed: a
township has a handful of vertices and only the city outline is detailed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import shapely
from shapely.affinity import affine_transform
from shapely.geometry import MultiPoint, MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

GRID = 1e-5  # stored coordinates have 5 decimals (about 1 m)

Point2 = tuple[float, float]


@dataclass(frozen=True)
class Frame:
    """A local plane in km (x east, y north) centred on a lon/lat, mapped to WGS-84.

    An equirectangular plane is exact enough over a city of 60 km, and being affine it maps
    straight shared edges to straight shared edges."""

    lon0: float
    lat0: float

    @property
    def _scale(self) -> tuple[float, float]:
        return 1 / (111.320 * math.cos(math.radians(self.lat0))), 1 / 110.574

    def to_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        sx, sy = self._scale
        return affine_transform(geom, [sx, 0, 0, sy, self.lon0, self.lat0])


def outline(rng: random.Random, width_km: float, height_km: float, vertices: int = 64,
            roughness: float = 0.12) -> Polygon:
    """An irregular, star-shaped city outline around (0, 0): an ellipse bent by a few random
    low harmonics (the large bays and bulges of a real boundary) and a little vertex jitter."""
    a, b = width_km / 2, height_km / 2
    harmonics = [(k, rng.uniform(0.4, 1.0) * roughness / k * 2, rng.uniform(0, 2 * math.pi))
                 for k in range(2, 7)]
    points = []
    for i in range(vertices):
        t = 2 * math.pi * i / vertices
        r = a * b / math.hypot(b * math.cos(t), a * math.sin(t))
        r *= 1 + sum(amp * math.cos(k * t + phase) for k, amp, phase in harmonics)
        r *= rng.uniform(0.985, 1.015)
        points.append((r * math.cos(t), r * math.sin(t)))
    return Polygon(points)


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the areal part of a clipping result (an intersection touching an edge can carry
    stray lines or points)."""
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    polys = [p for g in parts for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def label_point(geom: BaseGeometry) -> Point2:
    """The centroid, or a point inside when the centroid falls outside a concave shape."""
    c = geom.centroid
    if not geom.contains(c):
        c = geom.point_on_surface()
    return c.x, c.y


def scatter(rng: random.Random, area: BaseGeometry, n: int, min_distance: float = 0.0,
            exclude: BaseGeometry | None = None) -> list[Point2]:
    """n random points inside `area` (and outside `exclude`), at least `min_distance` apart;
    the spacing is relaxed when the area is too crowded to meet it."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    if exclude is not None:
        shapely.prepare(exclude)
    points: list[Point2] = []
    tries = 0
    while len(points) < n:
        tries += 1
        if tries > 300:
            min_distance *= 0.85
            tries = 0
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shapely.contains_xy(area, x, y):
            continue
        if exclude is not None and shapely.contains_xy(exclude, x, y):
            continue
        if any((x - px) ** 2 + (y - py) ** 2 < min_distance ** 2 for px, py in points):
            continue
        points.append((x, y))
        tries = 0
    return points


def random_points(rng: random.Random, area: BaseGeometry, n: int) -> list[Point2]:
    """n uniformly random points inside `area`, tested in vectorised batches (cases and
    village points need many)."""
    if n <= 0:
        return []
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    points: list[Point2] = []
    for _ in range(50):
        k = max(16, 2 * (n - len(points)))
        xs = np.array([rng.uniform(minx, maxx) for _ in range(k)])
        ys = np.array([rng.uniform(miny, maxy) for _ in range(k)])
        inside = shapely.contains_xy(area, xs, ys)
        points.extend(zip(xs[inside].tolist(), ys[inside].tolist(), strict=True))
        if len(points) >= n:
            return points[:n]
    # a sliver that random darts keep missing: fall back to a point known to be inside
    return points + [label_point(area)] * (n - len(points))


def voronoi_cells(area: BaseGeometry, seeds: Sequence[Point2], lloyd_steps: int = 0,
                  fixed: int = 0) -> list[BaseGeometry]:
    """Voronoi cells of `seeds` clipped to `area`, one per seed and in seed order, after
    `lloyd_steps` rounds of moving each seed (but the first `fixed`) to its cell's centre,
    which evens out the cell sizes the way real boundaries look."""
    seeds = list(seeds)
    for step in range(lloyd_steps + 1):
        if len(seeds) == 1:
            return [area]
        diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area, ordered=True)
        cells = [polygonal(c) for c in shapely.intersection(np.array(diagram.geoms), area)]
        if step == lloyd_steps:
            return cells
        seeds = seeds[:fixed] + [label_point(c) for c in cells[fixed:]]
    raise AssertionError("unreachable")


def snap(geom: BaseGeometry) -> BaseGeometry:
    """Round to the stored 5 decimals, keeping the polygon valid. The result then forgets the
    grid: GEOS would snap every later operation to it (a 3 m inward buffer comes out empty)."""
    snapped = polygonal(shapely.set_precision(geom, GRID))
    return shapely.set_precision(snapped, 0, mode="pointwise")


def geojson(geom: BaseGeometry) -> dict:
    """A GeoJSON geometry dict with coordinates rounded to 5 decimals."""

    def rounded(coords):
        if isinstance(coords[0], (int, float)):
            return [round(coords[0], 5), round(coords[1], 5)]
        return [rounded(c) for c in coords]

    g = mapping(geom)
    return {"type": g["type"], "coordinates": rounded(g["coordinates"])}


class TilingDefects(NamedTuple):
    """Shares of the whole's area: not covered by the parts, covered twice, and outside it."""

    gap: float
    overlap: float
    outside: float


def tiling_defects(whole: BaseGeometry, parts: Sequence[BaseGeometry]) -> TilingDefects:
    union = shapely.union_all(list(parts))
    area = whole.area
    return TilingDefects(
        gap=whole.difference(union).area / area,
        overlap=(sum(p.area for p in parts) - union.area) / area,
        outside=union.difference(whole).area / area,
    )


@dataclass
class TownshipShape:
    shape: BaseGeometry
    grids: list[BaseGeometry]


@dataclass
class CountyShape:
    shape: BaseGeometry
    urban: bool
    townships: list[TownshipShape] = field(default_factory=list)


@dataclass
class CityShape:
    outline: BaseGeometry
    counties: list[CountyShape]


def synth_city(rng: random.Random, township_counts: Sequence[int], urban: Sequence[bool], *,
               centre: Point2 = (116.0, 28.65), size_km: Point2 = (60.0, 50.0),
               grids_per_township: tuple[int, int] = (3, 8)) -> CityShape:
    """The whole city in WGS-84: counties in the order of `township_counts` / `urban`, each
    with that many townships, each with a few grid cells.

    Urban districts tile an irregular core round the centre and the rural counties tile the
    rest, so districts come out small and central, counties large and on the edge.
    """
    frame = Frame(*centre)
    width, height = size_km
    city = outline(rng, width, height)
    n_urban = sum(1 for u in urban if u)
    n_rural = len(urban) - n_urban
    cells: list[BaseGeometry] = []
    rest = city
    if n_urban:
        # about a sixth of the city for three districts, as in a typical prefecture
        share = min(0.4, 0.16 * n_urban / 3)
        radius = math.sqrt(city.area * share / math.pi)
        core = outline(rng, 2 * radius, 1.8 * radius, vertices=24, roughness=0.1).intersection(city)
        rest = city.difference(core)
        seeds = scatter(rng, core, n_urban, min_distance=radius / math.sqrt(n_urban))
        cells += voronoi_cells(core, seeds, lloyd_steps=2)
    if n_rural:
        seeds = scatter(rng, rest, n_rural, min_distance=0.8 * math.sqrt(rest.area / n_rural))
        cells += voronoi_cells(rest, seeds, lloyd_steps=2)
    # cells came urban first: put them back in the caller's order
    order = sorted(range(len(urban)), key=lambda i: not urban[i])
    by_county = dict(zip(order, cells, strict=True))

    counties = []
    for i, n_townships in enumerate(township_counts):
        county = by_county[i]
        spacing = 0.6 * math.sqrt(county.area / n_townships)
        seeds = scatter(rng, county, n_townships, min_distance=spacing)
        townships = []
        for township in voronoi_cells(county, seeds, lloyd_steps=2):
            n_grids = rng.randint(*grids_per_township)
            grid_seeds = scatter(rng, township, n_grids,
                                 min_distance=0.5 * math.sqrt(township.area / n_grids))
            grids = voronoi_cells(township, grid_seeds, lloyd_steps=1)
            townships.append(TownshipShape(snap(frame.to_lonlat(township)),
                                           [snap(frame.to_lonlat(g)) for g in grids]))
        counties.append(CountyShape(snap(frame.to_lonlat(county)), bool(urban[i]), townships))
    return CityShape(snap(frame.to_lonlat(city)), counties)
