"""The numbered notices of case work (DOMAIN.md §1): 受理通知书 to the complainant once a case is
accepted, 不予受理告知书 once it is refused, 限期整改指令书 to the employer while it is
investigated or decided, 督办通知 to the holding office once a case is supervised.

A notice is issued once per case and kind (a supervision notice once per order) with the next
number of its issuing bureau's yearly series of its kind (the case's city's: 宁人社监受〔2026〕1号
in 南京, 通人社监受〔2026〕1号 in 南通), rendered by the caller's `render` (the PDF layout lives in
components.notice_pdf: data does not draw), stored exactly as issued, listed in the case's
history (a case event) and audited. Printing it again serves the stored copy."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from data.errors import N_, NotAllowed, WorkflowError
from data.models import (
    CaseDocument,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Employer,
    Region,
    RegionLevel,
    Role,
    SupervisionOrder,
    WageCase,
)
from data.queries.regions import abbreviation, issuing_region
from data.queries.settings import work_calendar
from data.rules.calendar import add_working_days
from data.services.cases import _case, _record
from data.services.common import Actor
from data.types import utcnow

# kind → (title, the series' mark in the number, the statuses it may be issued in)
ACCEPTED = {CaseStatus.accepted, CaseStatus.investigating, CaseStatus.decided, CaseStatus.closed,
            CaseStatus.re_reviewed}
KINDS: dict[str, tuple[str, str, frozenset]] = {
    "accept_notice": (N_("劳动保障监察投诉受理通知书"), "监受", frozenset(ACCEPTED)),
    "reject_notice": (N_("劳动保障监察投诉不予受理告知书"), "监不受", frozenset({CaseStatus.rejected})),
    "rectify_order": (N_("劳动保障监察限期整改指令书"), "监令", frozenset({CaseStatus.investigating,
                                                                     CaseStatus.decided})),
    "supervision_notice": (N_("欠薪案件督办通知"), "督", frozenset(set(CaseStatus))),
}
ORDER_WORKING_DAYS = 5  # the employer's time to pay under a 限期整改指令书


@dataclass(frozen=True)
class Notice:
    """What a notice says: the renderer lays it out."""

    kind: str
    title: str
    doc_no: str
    bureau: str
    issued_on: date
    case_no: str
    addressee: str
    facts: dict  # the case's facts the text cites (employer, workers, amount, dates, reasons …)


def bureau_name(session: Session, path: str | None = None) -> tuple[str, str]:
    """The issuing bureau's name and its mark in document numbers, the city's abbreviation (示范市 →
    示, 南京市 → 宁): the bureau of the city `path` (a case's office) lies in — in a province each
    city's bureau issues its own; a province's office is its department (厅)."""
    return _bureau(issuing_region(session, path))


def _bureau(region: Region | None) -> tuple[str, str]:
    name = region.name if region else ""
    province = region is not None and region.level == RegionLevel.province
    office = "人力资源和社会保障厅" if province else "人力资源和社会保障局"
    return f"{name}{office}", abbreviation(region)


def may_issue(role: Role, kind: str) -> bool:
    """The holding office prints its notices; a supervision notice is the supervising leader's."""
    if kind == "supervision_notice":
        return role in (Role.leader, Role.admin)
    return role in (Role.case_officer, Role.admin)


def issue_document(session: Session, *, actor: Actor, case_id: int, kind: str, today: date,
                   render: Callable[[Notice], bytes], now: datetime | None = None) -> CaseDocument:
    """Issues the case's notice of `kind`, or returns the one already issued. Raises NotAllowed
    (role, regions), WorkflowError (the case is not at a stage for this notice)."""
    now = now or utcnow()
    if kind not in KINDS:
        raise WorkflowError(N_("未知的文书"))
    if not may_issue(actor.role, kind):
        raise NotAllowed(N_("您的角色不能执行此操作"))
    case = _case(session, case_id, actor)
    if kind != "supervision_notice" and not actor.scope.covers(case.office_path):
        raise NotAllowed(N_("只有承办单位可以办理此案件"))
    title, mark, statuses = KINDS[kind]
    if CaseStatus(case.status) not in statuses:
        raise WorkflowError(N_("案件当前状态不能出具此文书"))
    order = None
    if kind == "supervision_notice":
        order = session.exec(select(SupervisionOrder).where(SupervisionOrder.case_id == case.id)
                             .order_by(SupervisionOrder.issued_at.desc(), SupervisionOrder.id.desc())).first()
        if order is None:
            raise WorkflowError(N_("案件尚未督办"))
    issued = session.exec(select(CaseDocument).where(CaseDocument.case_id == case.id, CaseDocument.kind == kind)
                          .order_by(CaseDocument.id.desc())).first()
    if issued is not None and (order is None or issued.issued_at >= order.issued_at):
        return issued
    issuer = issuing_region(session, case.office_path)
    issuer_path = issuer.path if issuer else ""
    bureau, initial = _bureau(issuer)
    year = today.year
    series = f"{initial}人社{mark}〔{year}〕"
    serial = _next_serial(session, issuer_path=issuer_path, kind=kind, year=year, series=series)
    doc_no = f"{series}{serial}号"
    notice = Notice(kind=kind, title=title, doc_no=doc_no, bureau=bureau, issued_on=today, case_no=case.case_no,
                    addressee=_addressee(session, case, kind), facts=_facts(session, case, kind, order, today))
    pdf = render(notice)
    document = CaseDocument(case_id=case.id, issuer_path=issuer_path, kind=kind, year=year, serial=serial,
                            doc_no=doc_no, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), issued_by=actor.id,
                            issued_at=now)
    session.add(document)
    session.flush()
    _record(session, case=case, kind=CaseEventKind.document_issued, actor=actor, today=today, now=now,
            details={"document_id": document.id, "doc_no": doc_no, "document": kind})
    session.commit()
    return document


def _next_serial(session: Session, *, issuer_path: str, kind: str, year: int, series: str) -> int:
    """The next number of the issuing bureau's series of `kind` in `year` (read from the unique
    index). A series two cities still share — an abbreviation not yet told apart, or given up and
    taken by another city within the year — runs on from the highest either issued: no number is
    issued twice."""
    serial = (session.exec(select(sa.func.max(CaseDocument.serial)).where(
        CaseDocument.issuer_path == issuer_path, CaseDocument.kind == kind, CaseDocument.year == year)).one() or 0) + 1
    if session.exec(select(CaseDocument.id).where(CaseDocument.doc_no == f"{series}{serial}号")).first() is None:
        return serial
    return (session.exec(select(sa.func.max(CaseDocument.serial)).where(
        CaseDocument.kind == kind, CaseDocument.year == year, CaseDocument.doc_no.startswith(series))).one() or 0) + 1


def get_document(session: Session, *, actor: Actor, case_id: int, document_id: int) -> CaseDocument:
    """A stored notice of a case the actor sees. Raises NotAllowed (unknown looks the same)."""
    case = _case(session, case_id, actor)
    document = session.get(CaseDocument, document_id)
    if document is None or document.case_id != case.id:
        raise NotAllowed(N_("文书不存在或不在您的管辖范围内"))
    return document


def _addressee(session: Session, case: WageCase, kind: str) -> str:
    if kind in ("accept_notice", "reject_notice"):
        return case.complainant_name or "投诉人"
    if kind == "rectify_order":
        employer = session.get(Employer, case.employer_id) if case.employer_id else None
        return employer.name if employer else "用人单位"
    office = session.get(Region, case.office_region_id)
    return f"{office.name}人力资源和社会保障局" if office else ""


def _facts(session: Session, case: WageCase, kind: str, order: SupervisionOrder | None, today: date) -> dict:
    employer = session.get(Employer, case.employer_id) if case.employer_id else None
    township = session.get(Region, case.region_id)
    facts = {"employer": employer.name if employer else "（未登记用人单位）",
             "uscc": employer.uscc if employer else None, "township": township.name if township else "",
             "workers": case.workers, "amount_yuan": case.amount_claimed_cents / 100,
             "received_on": case.received_on, "accepted_on": case.accepted_on,
             "investigate_due": case.investigate_due, "owed_from": case.owed_from, "owed_to": case.owed_to}
    if kind == "reject_notice":
        facts["reason"] = session.exec(select(CaseEvent.reason).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == CaseEventKind.rejected)
            .order_by(CaseEvent.at.desc())).first() or ""
    if kind == "rectify_order":
        facts["pay_by"] = add_working_days(today, ORDER_WORKING_DAYS, calendar=work_calendar(session)).due
    if order is not None:
        facts.update(level=str(order.level), reasons=list(order.reasons or []), due_on=order.due_on)
    return facts
