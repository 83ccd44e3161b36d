"""secondments: cadres posted to township stations (挂职, usually a year as 第一副所长).

    用户名,站点编码,职务,派出单位,开始日期,结束日期

The user (a 挂职干部 account, from the users import) and the station must exist. The key is
(用户名, 站点编码, 开始日期): the same posting again changes its title, home unit or end date."""

from __future__ import annotations

from sqlmodel import Session, select

from data.errors import N_
from data.imports.cells import day, text
from data.imports.core import Checker, Column, Context, ImportReport, Planned, Record, TableKind, write_planned
from data.models import Role, Secondment, Station, User


class Secondments(TableKind):
    name = "secondments"
    columns = (
        Column("username", "用户名", ("username", "user"), example="liu.yang"),
        Column("station", "站点编码", ("station_code",), example="YL-0001"),
        Column("title", "职务", ("title",), required=False, example="第一副所长"),
        Column("home_unit", "派出单位", ("home_unit",), required=False, example="市人社局就业科"),
        Column("starts", "开始日期", ("starts_on", "start"), example="2026-03-01"),
        Column("ends", "结束日期", ("ends_on", "end"), example="2027-02-28"),
    )

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> list[Planned]:
        by_key = {c.key: c for c in self.columns}
        users = {u.username: u for u in session.exec(select(User)).all()}
        stations = {s.code: s for s in session.exec(select(Station).where(Station.code.is_not(None))).all()}
        existing = {(s.user_id, s.station_id, s.starts_on): s for s in session.exec(select(Secondment)).all()}
        seen: dict[tuple, int] = {}
        rows = []
        for record in records:
            check = Checker(record, by_key, report.errors)
            username, station_code = check("username"), check("station")
            values = {
                "title": check("title", lambda v: text(v, limit=30)) or "第一副所长",
                "home_unit": check("home_unit", lambda v: text(v, limit=80)),
                "starts_on": check("starts", day),
                "ends_on": check("ends", day),
            }
            if check.failed:
                continue
            user, station = users.get(username), stations.get(station_code)
            if user is None:
                check.refuse("username", N_("用户 %(name)s 不存在，请先导入用户"), name=username)
            elif user.role != Role.cadre:
                check.refuse("username", N_("用户 %(name)s 不是挂职干部"), name=username)
            if station is None:
                check.refuse("station", N_("站点编码 %(code)s 不存在，请先导入站点"), code=station_code)
            if values["ends_on"] < values["starts_on"]:
                check.refuse("ends", N_("结束日期不能早于开始日期"))
            if check.failed:
                continue
            key = (username, station_code, values["starts_on"])
            if not check.first_in_file("starts", key, seen,
                                       N_("同一人同一站点同一开始日期重复（第 %(first)s 行）")):
                continue
            stored = existing.get((user.id, station.id, values["starts_on"]))
            rows.append(Planned.of(record, values, stored, user=user, station=station))
        return report.tally(rows)

    def apply(self, session: Session, rows: list[Planned], ctx: Context, report: ImportReport) -> None:
        def make(row: Planned) -> Secondment:
            station = row.extra["station"]
            return Secondment(**row.values, user_id=row.extra["user"].id, station_id=station.id, path=station.path)

        write_planned(session, rows, ctx, make=make, action="secondment.update", target_kind="secondment",
                      key=lambda row: [row.extra["user"].username, row.extra["station"].code,
                                       row.values["starts_on"].isoformat()])
