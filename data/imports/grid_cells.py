"""grid-cells: the wage-arrears supervision grid (网格) under each township, with its grid worker.

    网格编码,网格名称,乡镇区划代码,网格员姓名,网格员电话

The key is 网格编码; a grid stays in its township (its cases are filed under it). Shapes come
with the boundaries kind when the bureau has them."""

from __future__ import annotations

from sqlmodel import Session, select

from data.errors import N_
from data.imports.cells import area_code, code_of, phone, text
from data.imports.core import Checker, Column, Context, ImportReport, Planned, Record, TableKind, write_planned
from data.models import GridCell, Region, RegionLevel


class GridCells(TableKind):
    name = "grid-cells"
    columns = (
        Column("code", "网格编码", ("grid_code", "code"), example="369801001-01"),
        Column("name", "网格名称", ("grid_name", "name"), example="临湖街道第一网格"),
        Column("township", "乡镇区划代码", ("township_code", "area_code"), example="369801001000"),
        Column("worker", "网格员姓名", ("grid_worker", "worker_name"), required=False, example="周敏"),
        Column("phone", "网格员电话", ("grid_worker_phone", "phone"), required=False, example="13800000001"),
    )

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> list[Planned]:
        by_key = {c.key: c for c in self.columns}
        townships = {r.area_code: r for r in session.exec(
            select(Region).where(Region.level == RegionLevel.township, Region.valid_to.is_(None))).all()}
        existing = {g.code: g for g in session.exec(select(GridCell)).all()}
        seen: dict[str, int] = {}
        rows = []
        for record in records:
            check = Checker(record, by_key, report.errors)
            code = check("code", lambda v: code_of(v, limit=20))
            values = {
                "name": check("name", lambda v: text(v, limit=60)),
                "grid_worker_name": check("worker", lambda v: text(v, limit=40)),
                "grid_worker_phone": check("phone", phone),
            }
            township_code = check("township", area_code)
            if check.failed:
                continue
            if not check.first_in_file("code", code, seen,
                                       N_("网格编码 %(code)s 在文件中重复（第 %(first)s 行）"), code=code):
                continue
            township = townships.get(township_code)
            if township is None:
                check.refuse("township", N_("乡镇（街道）%(code)s 不存在或已停用"), code=township_code)
                continue
            cell = existing.get(code)
            if cell is not None and cell.township_id != township.id:
                check.refuse("township", N_("不能通过导入把网格移到另一个乡镇（街道）"))
                continue
            rows.append(Planned.of(record, {"code": code, **values}, cell, township=township))
        return report.tally(rows)

    def apply(self, session: Session, rows: list[Planned], ctx: Context, report: ImportReport) -> None:
        def make(row: Planned) -> GridCell:
            township = row.extra["township"]
            return GridCell(**row.values, township_id=township.id, path=township.path)

        write_planned(session, rows, ctx, make=make, action="grid_cell.update", target_kind="grid_cell",
                      key=lambda row: row.values["code"])
