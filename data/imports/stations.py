"""stations: township HRSS stations and village / community service points.

    站点编码,名称,类型,区划代码,地址,经度,纬度,电话

类型 is 乡镇人社所 (in a township), 村服务站 or 社区服务站 (in a village or community, or
directly in a township). The key is 站点编码; a station does not move to another region by an
import (its checks and rectifications are filed under the old one)."""

from __future__ import annotations

from sqlmodel import Session, select

from data.errors import N_
from data.imports.cells import area_code, choice, code_of, lookup, number, text
from data.imports.core import Checker, Column, Context, ImportReport, Planned, Record, TableKind, write_planned
from data.models import Region, RegionLevel, Station, StationKind

KINDS = lookup([
    (("乡镇人社所", "乡镇（街道）人社所", "人社所", "township_station"), StationKind.township_station),
    (("村服务站", "村服务点", "村级服务站", "village_point"), StationKind.village_point),
    (("社区服务站", "社区服务点", "community_point"), StationKind.community_point),
])


class Stations(TableKind):
    name = "stations"
    columns = (
        Column("code", "站点编码", ("station_code", "code"), example="YL-0001"),
        Column("name", "名称", ("name",), example="临湖街道人社所"),
        Column("kind", "类型", ("kind", "type"), choices=("乡镇人社所", "村服务站", "社区服务站"),
               example="乡镇人社所"),
        Column("region", "区划代码", ("area_code", "region_code"), example="369801001000"),
        Column("address", "地址", ("address",), required=False, example="临湖大道 8 号"),
        Column("lon", "经度", ("lon", "longitude"), required=False, example="112.95"),
        Column("lat", "纬度", ("lat", "latitude"), required=False, example="28.21"),
        Column("phone", "电话", ("phone", "telephone"), required=False, example="0731-5550001"),
    )

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> list[Planned]:
        by_key = {c.key: c for c in self.columns}
        regions = {r.area_code: r for r in session.exec(select(Region).where(Region.valid_to.is_(None))).all()}
        existing = {s.code: s for s in session.exec(select(Station).where(Station.code.is_not(None))).all()}
        seen: dict[str, int] = {}
        rows = []
        for record in records:
            check = Checker(record, by_key, report.errors)
            code = check("code", lambda v: code_of(v, limit=30))
            values = {
                "name": check("name", lambda v: text(v, limit=80)),
                "kind": check("kind", lambda v: choice(v, KINDS, "类型")),
                "address": check("address", lambda v: text(v, limit=200)),
                "lon": check("lon", lambda v: number(v, low=73.0, high=136.0)),
                "lat": check("lat", lambda v: number(v, low=3.0, high=54.0)),
                "phone": check("phone", lambda v: text(v, limit=30)),
            }
            region_code = check("region", area_code)
            if check.failed:
                continue
            if not check.first_in_file("code", code, seen,
                                       N_("站点编码 %(code)s 在文件中重复（第 %(first)s 行）"), code=code):
                continue
            if (values["lon"] is None) != (values["lat"] is None):
                check.refuse("lat" if values["lat"] is None else "lon", N_("经度和纬度要么都填，要么都不填"))
                continue
            region = regions.get(region_code)
            if region is None:
                check.refuse("region", N_("区划代码 %(code)s 不存在或已停用"), code=region_code)
                continue
            level = RegionLevel(region.level)
            if values["kind"] is StationKind.township_station and level is not RegionLevel.township:
                check.refuse("region", N_("乡镇人社所应建在乡镇（街道）一级"))
                continue
            if level not in (RegionLevel.township, RegionLevel.village):
                check.refuse("region", N_("服务站应建在乡镇（街道）或村（社区）一级"))
                continue
            station = existing.get(code)
            if station is not None and station.region_id != region.id:
                check.refuse("region", N_("不能通过导入更改已有站点所在的区划"))
                continue
            rows.append(Planned.of(record, {"code": code, **values}, station, region=region))
        return report.tally(rows)

    def apply(self, session: Session, rows: list[Planned], ctx: Context, report: ImportReport) -> None:
        townships = {r.id: r for r in session.exec(select(Region).where(Region.level == RegionLevel.township)).all()}

        def make(row: Planned) -> Station:
            region = row.extra["region"]
            township = region if region.level == RegionLevel.township else townships[region.parent_id]
            return Station(**row.values, region_id=region.id, township_id=township.id, path=region.path)

        write_planned(session, rows, ctx, make=make, action="station.update", target_kind="station",
                      key=lambda row: row.values["code"])
