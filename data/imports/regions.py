"""regions: the bureau's area codes (GB/T 2260 and its 12-digit township extension).

    区划代码,名称,级别,上级区划代码[,启用日期,停用日期,英文名称,简称]

级别 is 市/县/乡 (区 and 县级市 count as 县, 镇 and 街道 as 乡; 省 and 村/社区 are accepted too). A
parent must exist or come earlier in the file, one level up, and the codes must agree on the
parent's digits. 停用日期 retires a region (撤乡并镇): its old cases keep it, maps show the
current ones. A region's level and parent are not changed by an import (that would move every
record under it): such a row is refused.

简称 is a city's abbreviation in its case and document numbers (南京市 → 宁人社监…; empty: the
name's first character, or the one it has). The current cities of a province must read apart:
a city whose abbreviation another of them already has is refused — 南通市 beside 南京市 needs
its own (通)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from data.errors import N_
from data.imports.cells import Refuse, area_code, choice, day, lookup, text
from data.imports.core import Checker, Column, Context, ImportReport, Record, RowError, TableKind
from data.models import Region, RegionLevel
from data.queries.regions import abbreviation
from data.services.common import audit

# the level each word names, and the kind of region it is
LEVEL_WORDS = lookup([
    (("省", "province"), (RegionLevel.province, "province")),
    (("市", "地级市", "city"), (RegionLevel.city, "city")),
    (("县", "county"), (RegionLevel.county, "county")),
    (("区", "市辖区", "district"), (RegionLevel.county, "district")),
    (("县级市",), (RegionLevel.county, "county_city")),
    (("乡", "township"), (RegionLevel.township, "township")),
    (("镇", "town"), (RegionLevel.township, "town")),
    (("街道", "street"), (RegionLevel.township, "street")),
    (("村", "village"), (RegionLevel.village, "village")),
    (("社区", "community"), (RegionLevel.village, "community")),
])
PARENT_LEVEL = {RegionLevel.city: RegionLevel.province, RegionLevel.county: RegionLevel.city,
                RegionLevel.township: RegionLevel.county, RegionLevel.village: RegionLevel.township}
# digits a region shares with its parent; the shape of its own code
SHARED = {RegionLevel.city: 2, RegionLevel.county: 4, RegionLevel.township: 6, RegionLevel.village: 9}
SHORT_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{1,4}$")  # one to four Chinese characters
LEVEL_NAME = {RegionLevel.province: N_("省"), RegionLevel.city: N_("市"), RegionLevel.county: N_("县（区）"),
              RegionLevel.township: N_("乡镇（街道）"), RegionLevel.village: N_("村（社区）")}


def code_fits_level(code: str, level: RegionLevel) -> bool:
    """GB/T 2260: a province's code ends in ten zeros, a city's in eight, a county's in six, a
    township's in three; a village's does not."""
    if level is RegionLevel.province:
        return code[2:] == "0" * 10
    if level is RegionLevel.city:
        return code[2:4] != "00" and code[4:] == "0" * 8
    if level is RegionLevel.county:
        return code[4:6] != "00" and code[6:] == "0" * 6
    if level is RegionLevel.township:
        return code[6:9] != "000" and code[9:] == "000"
    return code[9:] != "000"


def short_name(value: str) -> str:
    if not SHORT_NAME.match(value):
        raise Refuse(N_("简称应为 1 到 4 个汉字：%(value)s"), value=value)
    return value


@dataclass
class _Row:
    record: Record
    code: str
    name: str
    level: RegionLevel
    kind: str
    parent_code: str | None
    valid_from: object
    valid_to: object
    short_name: str | None = None  # as it will be: the file's, else the one the region has
    existing: Region | None = None
    changes: dict | None = None


class Regions(TableKind):
    name = "regions"
    columns = (
        Column("code", "区划代码", ("area_code", "code"), example="369801000000"),
        Column("name", "名称", ("name",), example="临湖区"),
        Column("level", "级别", ("level",), choices=("市", "县", "区", "乡", "镇", "街道", "村", "社区"), example="区"),
        Column("parent", "上级区划代码", ("parent_code", "parent"), required=False, example="369800000000"),
        Column("valid_from", "启用日期", ("valid_from",), required=False, example="2020-01-01"),
        Column("valid_to", "停用日期", ("valid_to",), required=False, example=""),
        Column("name_en", "英文名称", ("name_en", "english_name"), required=False, example="Linhu District"),
        Column("short_name", "简称", ("short_name", "abbreviation"), required=False, example=""),
    )

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> list[_Row]:
        by_key = {c.key: c for c in self.columns}
        known: dict[str, Region] = {}
        codes: dict[int, str] = {}
        for region in session.exec(select(Region).order_by(Region.valid_to.is_(None), Region.id)).all():
            known[region.area_code] = region  # the current one wins over a retired one
            codes[region.id] = region.area_code
        in_file: dict[str, _Row] = {}
        rows = []
        for record in records:
            check = Checker(record, by_key, report.errors)
            code = check("code", area_code)
            name = check("name", lambda v: text(v, limit=60))
            level_kind = check("level", lambda v: choice(v, LEVEL_WORDS, "级别"))
            parent = check("parent", area_code, required=False)
            valid_from = check("valid_from", day, required=False)
            valid_to = check("valid_to", day, required=False)
            name_en = check("name_en", lambda v: text(v, limit=80), required=False)
            short = check("short_name", short_name, required=False)
            if check.failed:
                continue
            level, kind = level_kind
            if short and level not in (RegionLevel.province, RegionLevel.city):
                check.refuse("short_name", N_("只有省、市可以填写简称"))
                continue
            if code in in_file:
                check.refuse("code", N_("区划代码 %(code)s 在文件中重复（第 %(first)s 行）"), code=code,
                             first=in_file[code].record.row)
                continue
            if not code_fits_level(code, level):
                check.refuse("code", N_("区划代码 %(code)s 与级别“%(level)s”不符"), code=code,
                             level=LEVEL_NAME[level])
                continue
            if valid_from and valid_to and valid_to < valid_from:
                check.refuse("valid_to", N_("停用日期早于启用日期"))
                continue
            if not self._parent_ok(check, code, level, parent, in_file, known):
                continue
            row = _Row(record, code, name, level, kind, parent, valid_from, valid_to)
            row.existing = known.get(code)
            row.short_name = short or (row.existing.short_name if row.existing is not None else None)
            if row.existing is not None:
                if not self._compare(check, row, name_en, short, codes.get(row.existing.parent_id)):
                    continue
            else:
                row.changes = {k: v for k, v in (("name_en", name_en), ("short_name", short)) if v}
            in_file[code] = row
            rows.append(row)
        refused = self._abbreviations_apart(rows, known, codes, report.errors)
        return report.tally([row for row in rows if row.record.row not in refused])

    @staticmethod
    def _abbreviations_apart(rows: list[_Row], known: dict[str, Region], codes: dict[int, str],
                             errors: list[RowError]) -> set[int]:
        """The rows (by number) of cities whose abbreviation comes new (a new city, a new short name
        or name, a city back in use) but is another current city's of the same province once the
        file is in; each refused at its 简称. A clash already in the database is left as it is."""
        header = next(c.header for c in Regions.columns if c.key == "short_name")
        in_file = {row.code for row in rows}
        taken: dict[tuple[str | None, str], str] = {}
        for region in known.values():  # the cities the file leaves as they are
            if region.level == RegionLevel.city and region.valid_to is None and region.area_code not in in_file:
                taken.setdefault((codes.get(region.parent_id), abbreviation(region)), region.name)
        cities = [row for row in rows if row.level is RegionLevel.city and row.valid_to is None]
        arriving = []
        for row in cities:
            old = row.existing
            if old is not None and old.valid_to is None and abbreviation(old) == abbreviation(row):
                taken.setdefault((row.parent_code, abbreviation(row)), row.name)
            else:
                arriving.append(row)
        refused = set()
        for row in arriving:
            key = (row.parent_code, abbreviation(row))
            if key in taken:
                errors.append(RowError(row.record.row, header, N_("简称“%(value)s”已被本省的%(city)s使用：请另填简称"),
                                       {"value": key[1], "city": taken[key]}))
                refused.add(row.record.row)
            else:
                taken[key] = row.name
        return refused

    @staticmethod
    def _parent_ok(check: Checker, code: str, level: RegionLevel, parent: str | None,
                   in_file: dict[str, _Row], known: dict[str, Region]) -> bool:
        if level is RegionLevel.province:
            if parent:
                check.refuse("parent", N_("省级区划没有上级"))
                return False
            return True
        if not parent:
            if level is RegionLevel.city:
                return True
            check.refuse("parent", N_("“%(column)s”不能为空"), column="上级区划代码")
            return False
        parent_level = in_file[parent].level if parent in in_file else (
            RegionLevel(known[parent].level) if parent in known else None)
        if parent_level is None:
            check.refuse("parent", N_("上级区划 %(code)s 不存在，也不在文件的前面行中"), code=parent)
            return False
        if parent_level is not PARENT_LEVEL[level]:
            check.refuse("parent", N_("上级区划 %(code)s 应是%(level)s"), code=parent,
                         level=LEVEL_NAME[PARENT_LEVEL[level]])
            return False
        if code[:SHARED[level]] != parent[:SHARED[level]]:
            check.refuse("code", N_("区划代码 %(code)s 的前 %(n)s 位应与上级 %(parent)s 一致"), code=code,
                         n=SHARED[level], parent=parent)
            return False
        return True

    @staticmethod
    def _compare(check: Checker, row: _Row, name_en: str | None, short: str | None,
                 current_parent: str | None) -> bool:
        region = row.existing
        if RegionLevel(region.level) is not row.level:
            check.refuse("level", N_("不能通过导入更改已有区划的级别"))
            return False
        if (row.parent_code or None) != current_parent:
            check.refuse("parent", N_("不能通过导入更改已有区划的上级"))
            return False
        wanted = {"name": row.name, "kind": row.kind, "valid_to": row.valid_to}
        if row.valid_from:
            wanted["valid_from"] = row.valid_from
        if name_en:
            wanted["name_en"] = name_en
        if short:
            wanted["short_name"] = short
        row.changes = {k: v for k, v in wanted.items() if getattr(region, k) != v}
        return True

    def apply(self, session: Session, rows: list[_Row], ctx: Context, report: ImportReport) -> None:
        regions = {r.area_code: r for r in session.exec(select(Region).order_by(Region.valid_to.is_(None),
                                                                                Region.id)).all()}
        for n, row in enumerate(rows, start=1):
            if row.existing is None:
                parent = regions.get(row.parent_code) if row.parent_code else None
                region = Region(area_code=row.code, name=row.name, level=row.level, kind=row.kind,
                                parent_id=parent.id if parent else None,
                                path=(parent.path if parent else "") + row.code + "/",
                                valid_to=row.valid_to, **(row.changes or {}),
                                **({"valid_from": row.valid_from} if row.valid_from else {}))
                session.add(region)
                session.flush()
                regions[row.code] = region
            elif row.changes:
                before = {k: _plain(getattr(row.existing, k)) for k in row.changes}
                for key, value in row.changes.items():
                    setattr(row.existing, key, value)
                session.add(row.existing)
                audit(session, actor=ctx.actor, action="region.update", target_kind="region",
                      target_id=row.existing.id, details={"code": row.code, "before": before,
                                                          "after": {k: _plain(v) for k, v in row.changes.items()}})
            if n % 500 == 0:
                ctx.step("write", n, len(rows))
        ctx.step("write", len(rows), len(rows))


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value

