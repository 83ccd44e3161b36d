"""boundaries: the regions' shapes, from a GeoJSON FeatureCollection.

Each feature is a Polygon or MultiPolygon whose property 区划代码 (or area_code) names a
region already imported. Coordinates are WGS-84 or CGCS2000; a file in GCJ-02 (高德, 腾讯) is
converted with the option crs=gcj02. An invalid ring (self-crossing, a bow tie) is repaired
when the repair leaves an area, else the feature is refused with its code. Shapes are
simplified (about 10 m) and rounded (about 1 m) for the maps; the centroid is kept too."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from sqlmodel import Session, select

from data.errors import N_
from data.geo import round_geometry
from data.geo.crs import CRS
from data.imports.core import Column, Context, ImportFileError, ImportReport, Record, RowError
from data.models import Region
from data.services.common import audit

TOLERANCE = 0.0001  # degrees: about 10 m, invisible on a county map
CHINA = shapely.box(73.0, 3.0, 136.0, 54.0)


@dataclass
class _Row:
    region: Region
    boundary: dict
    centroid: tuple[float, float]


def _polygons(geometry):
    """The polygonal part of a (repaired) geometry, or None."""
    if isinstance(geometry, shapely.Polygon | shapely.MultiPolygon):
        return geometry
    if isinstance(geometry, shapely.GeometryCollection):
        parts = [g for g in geometry.geoms if isinstance(g, shapely.Polygon | shapely.MultiPolygon)]
        if parts:
            return shapely.union_all(parts)
    return None


class Boundaries:
    name = "boundaries"
    columns = (Column("code", "区划代码", ("area_code",)),)

    def read(self, data: bytes, filename: str, report: ImportReport) -> list[Record]:
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ImportFileError(N_("不是有效的 GeoJSON 文件")) from None
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise ImportFileError(N_("GeoJSON 应为 FeatureCollection"))
        found = []
        for number, feature in enumerate(document.get("features") or [], start=1):
            record = Record(feature=feature)
            record.row = number  # the feature's number in the file
            found.append(record)
        return found

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> list[_Row]:
        convert = CRS.get(ctx.options.get("crs") or "wgs84", False)
        if convert is False:
            raise ImportFileError(N_("不支持的坐标系：%(crs)s"), crs=ctx.options.get("crs"))
        regions = {r.area_code: r for r in session.exec(select(Region).order_by(Region.valid_to.is_(None),
                                                                                Region.id)).all()}
        rows, seen = [], set()
        for record in records:
            feature = record["feature"]
            props = feature.get("properties") if isinstance(feature, dict) else None
            code = str((props or {}).get("区划代码") or (props or {}).get("area_code") or "").strip()

            def refuse(message, _record=record, **params):
                report.errors.append(RowError(_record.row, "区划代码", message, params))

            if not code:
                refuse(N_("第 %(n)s 个要素没有“区划代码”属性"), n=record.row)
                continue
            region = regions.get(code)
            if region is None:
                refuse(N_("区划 %(code)s 尚未导入"), code=code)
                continue
            if code in seen:
                refuse(N_("区划 %(code)s 在文件中出现了两次"), code=code)
                continue
            seen.add(code)
            geometry = (feature.get("geometry") or {}) if isinstance(feature, dict) else {}
            if geometry.get("type") not in ("Polygon", "MultiPolygon"):
                refuse(N_("区划 %(code)s 的图形应为 Polygon 或 MultiPolygon"), code=code)
                continue
            try:
                geom = shape(geometry)
                if convert is not None:
                    geom = shapely.transform(geom, _pointwise(convert))
            except (ValueError, TypeError, shapely.errors.GEOSException):
                refuse(N_("区划 %(code)s 的坐标无法读取"), code=code)
                continue
            if not geom.is_valid:
                geom = _polygons(shapely.make_valid(geom))
                if geom is None or geom.is_empty or geom.area == 0:
                    refuse(N_("区划 %(code)s 的边界无效且无法修复"), code=code)
                    continue
            if not CHINA.contains(geom):
                refuse(N_("区划 %(code)s 的坐标不在中国境内，请检查坐标系"), code=code)
                continue
            simple = geom.simplify(TOLERANCE, preserve_topology=True)
            boundary = round_geometry(mapping(simple))
            centre = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
            rows.append(_Row(region, boundary, (round(centre.x, 5), round(centre.y, 5))))
        for row in rows:
            if row.region.boundary is None:
                report.new += 1
            elif _same(row.region.boundary, row.boundary):
                report.unchanged += 1
            else:
                report.changed += 1
        return rows

    def apply(self, session: Session, rows: list[_Row], ctx: Context, report: ImportReport) -> None:
        for n, row in enumerate(rows, start=1):
            if row.region.boundary is not None and _same(row.region.boundary, row.boundary):
                continue
            changed = row.region.boundary is not None
            row.region.boundary = row.boundary
            row.region.centroid_lon, row.region.centroid_lat = row.centroid
            session.add(row.region)
            if changed:
                audit(session, actor=ctx.actor, action="region.boundary", target_kind="region",
                      target_id=row.region.id, details={"code": row.region.area_code})
            ctx.step("write", n, len(rows))


def _pointwise(convert):
    """shapely.transform's function over an (N, 2) array of coordinates: a point at a time (the
    offset is not vectorised)."""
    def each(coords):
        return np.array([convert(x, y) for x, y in coords], dtype=float).reshape(-1, 2)
    return each


def _same(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
