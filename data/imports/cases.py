"""cases: a historic export of the provincial / national wage-arrears platform.

    案件编号,受理日期,来源渠道,发生地区划代码,用人单位名称,统一社会信用代码,行业,涉及人数,
    涉及金额（元）,状态,办结日期,投诉人姓名,身份证号,联系电话,案情摘要

状态 is 待受理 / 调查中 / 已办结 / 不予受理 (办结日期 is required for the last two). The statutory
clocks are computed as for a case taken in here (the per-channel service levels and the loaded
working-day calendar). The key is 案件编号; an employer is found by its credit code or created.
The township may be a retired one (its old cases keep it); the holding office is its county.

Built for volume: every row is checked in memory against lookups read once, and the rows are
written with bulk statements in chunks (200,000 rows in well under a minute on SQLite)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from data import rollup
from data.errors import N_
from data.imports.cells import Refuse, area_code, choice, day, header_key, lookup, text, whole, yuan_to_cents
from data.imports.core import Checker, Column, Context, ImportReport, Record, TableKind
from data.models import CaseEvent, CaseEventKind, CaseSource, CaseStatus, Employer, Region, RegionLevel, WageCase
from data.queries.settings import service_levels, work_calendar
from data.rules.calendar import WorkingDays
from data.rules.case_clock import accept_deadline, investigate_deadline
from data.rules.identifiers import valid_id_number, valid_uscc
from data.services.common import audit
from data.types import utcnow

SOURCES = lookup([
    (("来访", "窗口来访", "walk_in"), CaseSource.walk_in),
    (("12333", "12333热线", "12333电话", "hotline_12333"), CaseSource.hotline_12333),
    (("12345", "12345热线", "12345政务服务便民热线", "hotline_12345"), CaseSource.hotline_12345),
    (("来信", "信件", "letter"), CaseSource.letter),
    (("全国根治欠薪线索平台", "全国根治欠薪线索反映平台", "线索平台", "national_platform"),
     CaseSource.national_platform),
    (("网格排查", "网格员排查", "grid_screening"), CaseSource.grid_screening),
    (("领导批示", "leader_instruction"), CaseSource.leader_instruction),
    (("媒体反映", "媒体", "media"), CaseSource.media),
    (("部门移交", "移交", "referral"), CaseSource.referral),
])
STATUSES = lookup([
    (("待受理", "received"), CaseStatus.received),
    (("调查中", "已受理", "办理中", "investigating", "accepted"), CaseStatus.investigating),
    (("已办结", "已结案", "办结", "closed"), CaseStatus.closed),
    (("不予受理", "rejected"), CaseStatus.rejected),
])
# the product's industry codes by their names, the GB/T 4754 sections' among them; others: "other"
INDUSTRIES = lookup([
    (("建筑业", "建筑", "construction"), "construction"),
    (("制造业", "manufacturing"), "manufacturing"),
    (("餐饮业", "住宿和餐饮业", "餐饮", "catering"), "catering"),
    (("批发零售业", "批发和零售业", "wholesale_retail"), "wholesale_retail"),
    (("交通运输业", "交通运输、仓储和邮政业", "transport"), "transport"),
    (("居民服务业", "居民服务、修理和其他服务业", "resident_services"), "resident_services"),
])
NEEDS_END = {CaseStatus.closed, CaseStatus.rejected}
# what an import sets on a case, and so compares with a case already there
COMPARED = ("source", "status", "received_on", "accepted_on", "decided_on", "closed_on", "accept_due",
            "investigate_due", "deadline_provisional", "region_id", "path", "office_region_id", "office_path",
            "employer_id", "industry", "is_construction", "workers", "amount_claimed_cents", "complainant_name",
            "complainant_id_number", "complainant_phone", "summary")
PERSONAL = {"complainant_name", "complainant_id_number", "complainant_phone"}
CHUNK = 2000


def _uscc(value: str) -> str:
    value = value.upper()
    if not valid_uscc(value):
        raise Refuse(N_("统一社会信用代码无效：%(value)s"), value=value)
    return value


def _id_number(value: str) -> str:
    value = value.upper()
    if "*" in value and len(value) == 18:
        return value  # masked already by the platform: kept as it came
    if not valid_id_number(value):
        raise Refuse(N_("身份证号无效"))
    return value


@dataclass
class _Plan:
    rows: list[dict]  # the case columns of every good row, in file order
    new: list[int]  # indexes into rows
    changed: list[tuple[int, int, dict]]  # (index, case id, {column: (before, after)})
    employers: dict[str, dict]  # credit code → a new employer's columns


class Cases(TableKind):
    name = "cases"
    columns = (
        Column("case_no", "案件编号", ("case_no", "case_number"), example="云人社监〔2025〕0001号"),
        Column("received_on", "受理日期", ("received_on", "accepted_on", "date"), example="2025-03-01"),
        Column("source", "来源渠道", ("source", "channel"),
               choices=("来访", "12333热线", "12345热线", "来信", "全国根治欠薪线索平台", "网格排查", "领导批示",
                        "媒体反映", "部门移交"), example="12345热线"),
        Column("township", "发生地区划代码", ("area_code", "township_code"), example="369801001000"),
        Column("employer", "用人单位名称", ("employer", "employer_name"), example="云岭市某某建设有限公司"),
        Column("uscc", "统一社会信用代码", ("uscc", "credit_code"), example="91369801MA0000000X"),
        Column("industry", "行业", ("industry",), example="建筑业"),
        Column("workers", "涉及人数", ("workers",), example="12"),
        Column("amount", "涉及金额（元）", ("amount", "amount_yuan", "涉及金额", "涉及金额(元)"), example="186000"),
        Column("status", "状态", ("status",), choices=("待受理", "调查中", "已办结", "不予受理"), example="已办结"),
        Column("closed_on", "办结日期", ("closed_on", "finished_on"), required=False, example="2025-04-18"),
        Column("name", "投诉人姓名", ("complainant_name", "complainant"), required=False, example="王某某"),
        Column("id_number", "身份证号", ("id_number", "complainant_id_number"), required=False, example=""),
        Column("phone", "联系电话", ("phone", "complainant_phone"), required=False, example=""),
        Column("summary", "案情摘要", ("summary",), required=False, example="拖欠 12 名农民工 2024 年工资"),
    )

    def plan(self, session: Session, records: list[Record], ctx: Context, report: ImportReport) -> _Plan:
        by_key = {c.key: c for c in self.columns}
        townships = {r.area_code: r for r in session.exec(select(Region).where(
            Region.level == RegionLevel.township).order_by(Region.valid_to.is_(None), Region.id)).all()}
        counties = {r.id: r for r in session.exec(select(Region).where(Region.level == RegionLevel.county)).all()}
        employers = dict(session.exec(select(Employer.uscc, Employer.id)).all())
        levels, calendar = service_levels(session), work_calendar(session)
        days = WorkingDays(date(2000, 1, 1), ctx.today + timedelta(days=400), calendar)
        valid_codes: set[str] = set()
        accept_dues: dict[tuple, object] = {}
        investigate_dues: dict[tuple, object] = {}
        new_employers: dict[str, dict] = {}
        seen: dict[str, int] = {}
        rows: list[dict] = []
        for n, record in enumerate(records, start=1):
            check = Checker(record, by_key, report.errors)
            case_no = check("case_no", lambda v: text(v, limit=30))
            received_on = check("received_on", day)
            source = check("source", lambda v: choice(v, SOURCES, "来源渠道"))
            township_code = check("township", area_code)
            employer_name = check("employer", lambda v: text(v, limit=120))
            uscc = check("uscc", lambda v: v if v in valid_codes else _uscc(v))
            if uscc:
                valid_codes.add(uscc)
            industry_name = check("industry", lambda v: text(v, limit=30))
            workers = check("workers", lambda v: whole(v, low=1, high=100_000))
            amount = check("amount", yuan_to_cents)
            status = check("status", lambda v: choice(v, STATUSES, "状态"))
            closed_on = check("closed_on", day, required=False)
            name = check("name", lambda v: text(v, limit=40))
            id_number = check("id_number", _id_number)
            phone = check("phone", lambda v: text(v, limit=20))
            summary = check("summary", lambda v: text(v, limit=4000))
            if n % 5000 == 0:
                ctx.step("check", n, len(records))
            if check.failed:
                continue
            if not check.first_in_file("case_no", case_no, seen,
                                       N_("案件编号 %(no)s 在文件中重复（第 %(first)s 行）"), no=case_no):
                continue
            township = townships.get(township_code)
            if township is None:
                check.refuse("township", N_("区划代码 %(code)s 不是已导入的乡镇（街道）"), code=township_code)
                continue
            if not date(2000, 1, 1) <= received_on <= ctx.today:
                check.refuse("received_on", N_("受理日期不能晚于今天，也不能早于 2000 年"))
                continue
            if status in NEEDS_END and closed_on is None:
                check.refuse("closed_on", N_("状态为“%(status)s”时须填写办结日期"), status=record["status"])
                continue
            if closed_on is not None and status not in NEEDS_END:
                check.refuse("closed_on", N_("尚未办结的案件不应有办结日期"))
                continue
            if closed_on is not None and not received_on <= closed_on <= ctx.today:
                check.refuse("closed_on", N_("办结日期应在受理日期和今天之间"))
                continue
            industry = INDUSTRIES.get(header_key(industry_name), "other")
            if uscc not in employers and uscc not in new_employers:
                new_employers[uscc] = {"uscc": uscc, "name": employer_name, "industry": industry,
                                       "is_construction": industry == "construction", "region_id": township.id,
                                       "path": township.path}
            key = (received_on, source)
            if key not in accept_dues:
                accept_dues[key] = accept_deadline(received_on, source, levels=levels, calendar=calendar,
                                                   days=days)
            accept = accept_dues[key]
            investigate = None
            if status in (CaseStatus.investigating, CaseStatus.closed):
                if key not in investigate_dues:
                    investigate_dues[key] = investigate_deadline(received_on, received_on, source, levels=levels,
                                                                 calendar=calendar, days=days)
                investigate = investigate_dues[key]
            county = counties[township.parent_id]
            rows.append({
                "case_no": case_no, "source": source, "status": status, "received_on": received_on,
                "accepted_on": received_on if status in (CaseStatus.investigating, CaseStatus.closed) else None,
                "decided_on": closed_on, "closed_on": closed_on if status is CaseStatus.closed else None,
                "accept_due": accept.due, "investigate_due": investigate.due if investigate else None,
                "deadline_provisional": accept.provisional or bool(investigate and investigate.provisional),
                "region_id": township.id, "path": township.path, "office_region_id": county.id,
                "office_path": county.path, "employer_uscc": uscc, "industry": industry,
                "is_construction": industry == "construction", "workers": workers,
                "amount_claimed_cents": amount, "complainant_name": name, "complainant_id_number": id_number,
                "complainant_phone": phone, "summary": summary or "",
            })
        plan = _Plan(rows, [], [], new_employers)
        if report.errors:
            return plan
        self._compare(session, plan, employers)
        report.new, report.changed = len(plan.new), len(plan.changed)
        report.unchanged = len(rows) - report.new - report.changed
        return plan

    @staticmethod
    def _compare(session: Session, plan: _Plan, employers: dict[str, int]) -> None:
        numbers = [row["case_no"] for row in plan.rows]
        existing: dict[str, tuple] = {}
        columns = [WageCase.id, WageCase.case_no, *(getattr(WageCase, c) for c in COMPARED)]
        for i in range(0, len(numbers), CHUNK):
            for found in session.exec(select(*columns).where(WageCase.case_no.in_(numbers[i:i + CHUNK]))).all():
                existing[found[1]] = found
        for index, row in enumerate(plan.rows):
            found = existing.get(row["case_no"])
            if found is None:
                plan.new.append(index)
                continue
            wanted = {**row, "employer_id": employers.get(row["employer_uscc"])}
            before = dict(zip(COMPARED, found[2:], strict=True))
            diff = {c: (before[c], wanted[c]) for c in COMPARED if _plain(before[c]) != _plain(wanted[c])}
            if diff:
                plan.changed.append((index, found[0], diff))

    def apply(self, session: Session, plan: _Plan, ctx: Context, report: ImportReport) -> None:
        now = utcnow()
        if plan.employers:
            session.execute(sa.insert(Employer.__table__), list(plan.employers.values()))
        employers = dict(session.exec(select(Employer.uscc, Employer.id)).all())
        table, events = WageCase.__table__, CaseEvent.__table__
        total = len(plan.new) + len(plan.changed)
        for start in range(0, len(plan.new), CHUNK):
            chunk = [plan.rows[i] for i in plan.new[start:start + CHUNK]]
            session.execute(sa.insert(table), [
                {**{k: v for k, v in row.items() if k != "employer_uscc"}, "uuid": uuid.uuid4(),
                 "employer_id": employers[row["employer_uscc"]], "created_at": now, "updated_at": now}
                for row in chunk])
            ids = dict(session.exec(select(WageCase.case_no, WageCase.id).where(
                WageCase.case_no.in_([row["case_no"] for row in chunk]))).all())
            rollup.add_cases(session.connection(), table.c.id.in_(list(ids.values())))
            session.execute(sa.insert(events), [
                {"uuid": uuid.uuid4(), "case_id": ids[row["case_no"]], "kind": CaseEventKind.received.value,
                 "at": now, "on_date": row["received_on"], "to_region_id": row["office_region_id"],
                 "details": {"imported": True, "status": row["status"].value}}
                for row in chunk])
            ctx.step("write", start + len(chunk), total)
        changed = [case_id for _index, case_id, _diff in plan.changed]
        for start in range(0, len(changed), CHUNK):  # out of the monthly sums before, back in after
            rollup.remove_cases(session.connection(), table.c.id.in_(changed[start:start + CHUNK]))
        for n, (index, case_id, diff) in enumerate(plan.changed, start=1):
            values = {c: after for c, (_before, after) in diff.items()}
            if "employer_id" in values:
                values["employer_id"] = employers[plan.rows[index]["employer_uscc"]]
            session.execute(sa.update(table).where(table.c.id == case_id).values(**values, updated_at=now))
            audit(session, actor=ctx.actor, action="case.import_update", target_kind="case", target_id=case_id,
                  details={"case_no": plan.rows[index]["case_no"],
                           "before": {c: _logged(c, b) for c, (b, _a) in diff.items()},
                           "after": {c: _logged(c, a) for c, (_b, a) in diff.items()}})
            if n % 1000 == 0:
                ctx.step("write", len(plan.new) + n, total)
        for start in range(0, len(changed), CHUNK):
            rollup.add_cases(session.connection(), table.c.id.in_(changed[start:start + CHUNK]))
        ctx.step("write", total, total)


def _logged(column: str, value):
    """A value as the operation log keeps it: personal data only as changed, never in clear."""
    return "***" if column in PERSONAL and value else _plain(value)


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value
