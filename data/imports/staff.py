"""staff: the people working at each station (not necessarily users of this product).

    站点编码,姓名,岗位,电话,AB岗,在岗

The key is (站点编码, 姓名). AB岗 and 在岗 are 是/否 (在岗 defaults to 是): someone who left
stays on file with 在岗 否, so the station's history keeps its names."""

from __future__ import annotations

from sqlmodel import Session, select

from data.errors import N_
from data.imports.cells import phone, text, yes_no
from data.imports.core import Checker, Column, Context, ImportReport, Planned, Record, TableKind, write_planned
from data.models import Station, StationStaff


class Staff(TableKind):
    name = "staff"
    columns = (
        Column("station", "站点编码", ("station_code",), example="YL-0001"),
        Column("name", "姓名", ("name",), example="郑芳"),
        Column("post", "岗位", ("post", "position"), example="所长"),
        Column("phone", "电话", ("phone",), required=False, example="13912348000"),
        Column("backup", "AB岗", ("backup_post", "is_backup_post"), required=False, choices=("是", "否"),
               example="否"),
        Column("active", "在岗", ("active",), required=False, choices=("是", "否"), example="是"),
    )

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> list[Planned]:
        by_key = {c.key: c for c in self.columns}
        stations = {s.code: s for s in session.exec(select(Station).where(Station.code.is_not(None))).all()}
        existing = {(p.station_id, p.name): p for p in session.exec(select(StationStaff)).all()}
        seen: dict[tuple[str, str], int] = {}
        rows = []
        for record in records:
            check = Checker(record, by_key, report.errors)
            station_code = check("station")
            values = {
                "name": check("name", lambda v: text(v, limit=40)),
                "post": check("post", lambda v: text(v, limit=40)),
                "phone": check("phone", phone),
                "is_backup_post": bool(check("backup", yes_no)),
                "active": check("active", yes_no) is not False,
            }
            if check.failed:
                continue
            station = stations.get(station_code)
            if station is None:
                check.refuse("station", N_("站点编码 %(code)s 不存在，请先导入站点"), code=station_code)
                continue
            key = (station_code, values["name"])
            if not check.first_in_file("name", key, seen,
                                       N_("%(name)s 在站点 %(code)s 下重复（第 %(first)s 行）"), name=key[1],
                                       code=station_code):
                continue
            rows.append(Planned.of(record, values, existing.get((station.id, values["name"])), station=station))
        return report.tally(rows)

    def apply(self, session: Session, rows: list[Planned], ctx: Context, report: ImportReport) -> None:
        def make(row: Planned) -> StationStaff:
            station = row.extra["station"]
            return StationStaff(**row.values, station_id=station.id, path=station.path)

        write_planned(session, rows, ctx, make=make, action="station_staff.update", target_kind="station_staff",
                      key=lambda row: [row.extra["station"].code, row.values["name"]])
