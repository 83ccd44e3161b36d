"""Every act on a wage case: receive and route, accept, investigate, extend, decide, close,
re-review, transfer, refer out, supervise, and revealing a masked field.

Each service loads the case, checks the actor's role and regions and the workflow rules
(data.rules.workflow), changes it, writes a case event and an audit event, and commits.
Raises NotAllowed (role or regions), WorkflowError (state), ValidationError (input).

Who may act where: the office holding a case acts on it (its officers' scope covers the
case's office_path); a pending transfer is answered by the receiving office; leaders act
anywhere in their regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from data.errors import N_, NotAllowed, ValidationError, WorkflowError
from data.geo import Locator
from data.models import (
    CaseDecision,
    CaseEvent,
    CaseEventKind,
    CaseNumberSeries,
    CaseReferral,
    CaseSource,
    CaseStatus,
    CaseTransfer,
    GridCell,
    Region,
    RegionLevel,
    Role,
    SupervisionLevel,
    SupervisionOrder,
    SupervisionStatus,
    TransferStatus,
    WageCase,
)
from data.queries.regions import abbreviation, city_of, home_cities, issuing_region
from data.queries.settings import service_levels, work_calendar
from data.rules.calendar import WorkCalendar, add_working_days
from data.rules.case_clock import accept_deadline, investigate_deadline
from data.rules.masking import PersonalField
from data.rules.workflow import HOLDING_OFFICE_ACTS, CaseAct, CaseFacts, check
from data.services.common import Actor, audit, clean_text
from data.types import utcnow

SUPERVISION_DAYS = 10  # default deadline of a supervision order, in working days
REFERRAL_AGENCIES = ("police", "housing_construction", "arbitration", "procuratorate", "court", "other")


# --- loading and checking ----------------------------------------------------------------------


def _case(session: Session, case_id: int, actor: Actor) -> WageCase:
    case = session.get(WageCase, case_id, with_for_update=True)
    if case is None or case.deleted_at is not None or not (
            actor.scope.covers(case.path) or actor.scope.covers(case.office_path)
            or actor.scope.covers(case.incoming_path)):
        # unknown and out of scope look the same: no probing which cases exist
        raise NotAllowed(N_("案件不存在或不在您的管辖范围内"))
    return case


def _pending_transfer(session: Session, case: WageCase) -> CaseTransfer | None:
    return session.exec(select(CaseTransfer).where(CaseTransfer.case_id == case.id,
                                                   CaseTransfer.status == TransferStatus.pending)).first()


def _open_order(session: Session, case: WageCase) -> SupervisionOrder | None:
    return session.exec(select(SupervisionOrder).where(
        SupervisionOrder.case_id == case.id,
        SupervisionOrder.status.in_([SupervisionStatus.open, SupervisionStatus.proposed]))).first()


EXTENSION_EVENTS = (CaseEventKind.extension_requested, CaseEventKind.extended, CaseEventKind.extension_declined)


def extension_pending(session: Session, case_id: int) -> bool:
    """The office asked for the extension and no leader has answered yet (granted or declined)."""
    last = session.exec(select(CaseEvent.kind).where(CaseEvent.case_id == case_id,
                                                     CaseEvent.kind.in_([k.value for k in EXTENSION_EVENTS]))
                        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())).first()
    return last == CaseEventKind.extension_requested


def _region_path(session: Session, region_id: int) -> str:
    return session.get(Region, region_id).path


@dataclass
class _Loaded:
    case: WageCase
    transfer: CaseTransfer | None
    order: SupervisionOrder | None
    after: CaseStatus


def _load(session: Session, *, actor: Actor, case_id: int, act: CaseAct, reason: str | None = None) -> _Loaded:
    """The case, checked for this act by this actor: regions first, then role and state."""
    case = _case(session, case_id, actor)
    transfer = _pending_transfer(session, case)
    order = _open_order(session, case)
    receiving = bool(transfer and actor.scope.covers(_region_path(session, transfer.to_region_id)))
    if act in HOLDING_OFFICE_ACTS:
        if not actor.scope.covers(case.office_path):
            raise NotAllowed(N_("只有承办单位可以办理此案件"))
    facts = CaseFacts(status=CaseStatus(case.status), extended=case.extended, transfer_pending=transfer is not None,
                      supervision_open=order is not None, extension_requested=extension_pending(session, case.id))
    after = check(act, facts, actor.role, receiving_office=receiving, reason=reason)
    return _Loaded(case, transfer, order, after)


def _record(session: Session, *, case: WageCase, kind: CaseEventKind, actor: Actor, today: date, now: datetime,
            reason: str | None = None, from_region_id: int | None = None, to_region_id: int | None = None,
            details: dict | None = None) -> None:
    case.updated_at = now
    session.add(CaseEvent(case_id=case.id, kind=kind, at=now, on_date=today, actor_id=actor.id, reason=reason,
                          from_region_id=from_region_id, to_region_id=to_region_id, details=details or {}))
    audit(session, actor=actor, action=f"case.{kind.value}", target_kind="wage_case", target_id=case.id,
          details={"case_no": case.case_no, **({"reason": reason} if reason else {}), **(details or {})}, at=now)


_clean = clean_text  # every act's free text: stripped, required where the act must say why, bounded


# --- receiving and routing ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaseIntake:
    """A clue as an office takes it in (一点受理): where it happened decides who handles it."""

    source: CaseSource
    summary: str
    employer_id: int | None = None
    industry: str = "other"
    is_construction: bool = False
    workers: int = 1
    amount_claimed_cents: int = 0
    township_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    complainant_name: str | None = None
    complainant_id_number: str | None = None
    complainant_phone: str | None = None
    mass_incident: bool = False
    public_opinion: bool = False
    received_on: date | None = None
    owed_from: date | None = None  # the period the wages are owed for: its end starts the limitation
    owed_to: date | None = None


def _locate(session: Session, lon: float, lat: float) -> tuple[Region, GridCell | None]:
    townships = session.exec(select(Region.id, Region.boundary).where(
        Region.level == RegionLevel.township, Region.valid_to.is_(None), Region.boundary.is_not(None))).all()
    township_id = Locator({rid: boundary for rid, boundary in townships}).locate(lon, lat)
    if township_id is None:
        raise ValidationError(N_("该位置不在本市范围内"), field="location")
    cells = session.exec(select(GridCell.id, GridCell.boundary).where(GridCell.township_id == township_id,
                                                                      GridCell.boundary.is_not(None))).all()
    cell_id = Locator({cid: boundary for cid, boundary in cells}).locate(lon, lat) if cells else None
    return session.get(Region, township_id), (session.get(GridCell, cell_id) if cell_id else None)


def _next_case_no(session: Session, year: int, path: str) -> str:
    """The next case number of the city `path` lies in: its abbreviation (示范市 → 示人社监, 南京市 →
    宁人社监), counted per abbreviation and year — the regions import keeps a province's cities'
    abbreviations apart, so in a province each city numbers its own. At least four digits, more
    after the 9,999th case of a year.

    The series' last serial is kept in case_number_series (locked for the transaction on
    PostgreSQL, so intakes at once take turns); it is worked out from the year's numbers when the
    series is new, or when the next number is taken already (cases imported with their numbers)."""
    prefix = f"{abbreviation(issuing_region(session, path))}人社监〔{year}〕"
    series = session.exec(select(CaseNumberSeries).where(CaseNumberSeries.prefix == prefix).with_for_update()).first()
    if series is None:
        series = CaseNumberSeries(prefix=prefix, last=_last_serial(session, prefix))
        session.add(series)
    series.last += 1
    if session.exec(select(WageCase.id).where(WageCase.case_no == f"{prefix}{series.last:04d}号")).first():
        series.last = _last_serial(session, prefix) + 1
    return f"{prefix}{series.last:04d}号"


def _last_serial(session: Session, prefix: str) -> int:
    """The highest serial of the series' numbers: the longest number, then the highest (as text
    9999 comes after 10000)."""
    last = session.exec(select(WageCase.case_no).where(WageCase.case_no.startswith(prefix))
                        .order_by(sa.func.length(WageCase.case_no).desc(), WageCase.case_no.desc())).first()
    return int(last[len(prefix):].removesuffix("号")) if last else 0


def receive_case(session: Session, *, actor: Actor, intake: CaseIntake, today: date, now: datetime | None = None,
                 calendar: WorkCalendar | None = None) -> WageCase:
    """Any office takes in a clue and routes it to the county where it happened.

    Raises NotAllowed (not an office role), ValidationError (no place, bad figures)."""
    now = now or utcnow()
    if actor.role not in (Role.case_officer, Role.admin):
        raise NotAllowed(N_("您的角色不能执行此操作"))
    summary = _clean(intake.summary, field="summary", required=True, limit=4000, missing=N_("请填写案情"))
    if intake.workers < 1 or intake.workers > 100_000:
        raise ValidationError(N_("涉及人数应在 1 到 100000 之间"), field="workers")
    if intake.amount_claimed_cents < 0:
        raise ValidationError(N_("金额不能为负"), field="amount")
    grid = None
    if intake.lon is not None and intake.lat is not None:
        township, grid = _locate(session, intake.lon, intake.lat)
    elif intake.township_code:
        township = session.exec(select(Region).where(Region.area_code == intake.township_code,
                                                     Region.level == RegionLevel.township,
                                                     Region.valid_to.is_(None))).first()
        if township is None:
            raise ValidationError(N_("未知的乡镇（街道）代码"), field="township")
    else:
        raise ValidationError(N_("请选择发生地乡镇或定位"), field="location")
    # 一点受理 is a city's: an office takes in a clue for any place of its own city (a province's office
    # for any); a place in another city is that city's bureau's to take in (属地管辖)
    if not home_cities(session, actor.scope).covers(township.path):
        raise ValidationError(N_("发生地不在本市：请引导投诉人向发生地人社部门反映"), field="township")
    county = session.get(Region, township.parent_id)
    received_on = intake.received_on or today
    for field, day in (("owed_from", intake.owed_from), ("owed_to", intake.owed_to)):
        if day is not None and day > received_on:
            raise ValidationError(N_("欠薪期间不能晚于登记日期"), field=field)
    if intake.owed_from and intake.owed_to and intake.owed_from > intake.owed_to:
        raise ValidationError(N_("欠薪起始日期不能晚于截止日期"), field="owed_to")
    due = accept_deadline(received_on, intake.source, levels=service_levels(session),
                          calendar=calendar or work_calendar(session))
    case = WageCase(
        case_no=_next_case_no(session, received_on.year, township.path), source=intake.source,
        status=CaseStatus.received,
        received_on=received_on, accept_due=due.due, deadline_provisional=due.provisional,
        employer_id=intake.employer_id, industry=intake.industry, is_construction=intake.is_construction,
        workers=intake.workers, amount_claimed_cents=intake.amount_claimed_cents, owed_from=intake.owed_from,
        owed_to=intake.owed_to, region_id=township.id,
        grid_cell_id=grid.id if grid else None, path=township.path, office_region_id=county.id,
        office_path=county.path, lon=intake.lon, lat=intake.lat, lead_officer_id=actor.id,
        complainant_name=_clean(intake.complainant_name, field="name", limit=40),
        complainant_id_number=_clean(intake.complainant_id_number, field="id_number", limit=18),
        complainant_phone=_clean(intake.complainant_phone, field="phone", limit=20),
        summary=summary, mass_incident=intake.mass_incident, public_opinion=intake.public_opinion,
        created_at=now, updated_at=now,
    )
    session.add(case)
    session.flush()
    routed = not actor.scope.covers(county.path)
    _record(session, case=case, kind=CaseEventKind.received, actor=actor, today=today, now=now,
            to_region_id=county.id, details={"source": intake.source.value, "routed": routed})
    session.commit()
    return case


# --- the state acts ------------------------------------------------------------------------------


def accept_case(session: Session, *, actor: Actor, case_id: int, today: date, now: datetime | None = None,
                calendar: WorkCalendar | None = None) -> WageCase:
    """受理/立案: starts the 60-working-day investigation clock."""
    now = now or utcnow()
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.accept)
    case = loaded.case
    due = investigate_deadline(case.received_on, today, case.source, levels=service_levels(session),
                               calendar=calendar or work_calendar(session))
    case.status, case.accepted_on = loaded.after, today
    case.investigate_due, case.deadline_provisional = due.due, due.provisional
    case.lead_officer_id = case.lead_officer_id or actor.id
    _record(session, case=case, kind=CaseEventKind.accepted, actor=actor, today=today, now=now)
    session.commit()
    return case


def reject_case(session: Session, *, actor: Actor, case_id: int, reason: str, today: date,
                now: datetime | None = None) -> WageCase:
    """不予受理: the clue is not taken up. The day of that decision is the case's decided_on,
    which the on-time figures hold against its acceptance deadline."""
    now = now or utcnow()
    reason = _clean(reason, field="reason", required=True)
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.reject, reason=reason)
    loaded.case.status, loaded.case.decided_on = loaded.after, today
    _record(session, case=loaded.case, kind=CaseEventKind.rejected, actor=actor, today=today, now=now, reason=reason)
    session.commit()
    return loaded.case


def start_investigation(session: Session, *, actor: Actor, case_id: int, today: date,
                        now: datetime | None = None) -> WageCase:
    now = now or utcnow()
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.investigate)
    loaded.case.status = loaded.after
    _record(session, case=loaded.case, kind=CaseEventKind.investigation_started, actor=actor, today=today, now=now)
    session.commit()
    return loaded.case


def extend_investigation(session: Session, *, actor: Actor, case_id: int, reason: str, today: date,
                         now: datetime | None = None, calendar: WorkCalendar | None = None) -> WageCase:
    """延期: a leader approves 30 more working days (90 in all), once."""
    now = now or utcnow()
    reason = _clean(reason, field="reason", required=True)
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.extend, reason=reason)
    case = loaded.case
    due = investigate_deadline(case.received_on, case.accepted_on or today, case.source, extended=True,
                               levels=service_levels(session), calendar=calendar or work_calendar(session))
    before = case.investigate_due
    case.extended, case.investigate_due, case.deadline_provisional = True, due.due, due.provisional
    _record(session, case=case, kind=CaseEventKind.extended, actor=actor, today=today, now=now, reason=reason,
            details={"from": before.isoformat() if before else None, "to": due.due.isoformat()})
    session.commit()
    return case


def _extension_event(session: Session, *, actor: Actor, case_id: int, reason: str, today: date,
                     now: datetime | None, act: CaseAct, kind: CaseEventKind) -> WageCase:
    now = now or utcnow()
    reason = _clean(reason, field="reason", required=True)
    loaded = _load(session, actor=actor, case_id=case_id, act=act, reason=reason)
    _record(session, case=loaded.case, kind=kind, actor=actor, today=today, now=now, reason=reason)
    session.commit()
    return loaded.case


def request_extension(session: Session, *, actor: Actor, case_id: int, reason: str, today: date,
                      now: datetime | None = None) -> WageCase:
    """申请延期: the holding office asks a leader for the 30 more working days, saying why."""
    return _extension_event(session, actor=actor, case_id=case_id, reason=reason, today=today, now=now,
                            act=CaseAct.request_extension, kind=CaseEventKind.extension_requested)


def decline_extension(session: Session, *, actor: Actor, case_id: int, reason: str, today: date,
                      now: datetime | None = None) -> WageCase:
    """不予延期: a leader refuses the office's request, saying why; the clock stays."""
    return _extension_event(session, actor=actor, case_id=case_id, reason=reason, today=today, now=now,
                            act=CaseAct.decline_extension, kind=CaseEventKind.extension_declined)


def decide_case(session: Session, *, actor: Actor, case_id: int, decision: CaseDecision | str,
                amount_recovered_cents: int, today: date, note: str | None = None,
                now: datetime | None = None) -> WageCase:
    now = now or utcnow()
    try:
        decision = CaseDecision(decision)
    except ValueError:
        raise ValidationError(N_("请选择处理结果"), field="decision") from None
    if amount_recovered_cents < 0:
        raise ValidationError(N_("金额不能为负"), field="amount_recovered")
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.decide)
    case = loaded.case
    case.status, case.decision, case.decided_on = loaded.after, decision, today
    case.amount_recovered_cents = amount_recovered_cents
    _record(session, case=case, kind=CaseEventKind.decided, actor=actor, today=today, now=now,
            reason=_clean(note, field="note"), details={"decision": decision.value,
                                                        "amount_recovered_cents": amount_recovered_cents})
    session.commit()
    return case


def close_case(session: Session, *, actor: Actor, case_id: int, today: date, now: datetime | None = None) -> WageCase:
    now = now or utcnow()
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.close)
    case = loaded.case
    case.status, case.closed_on = loaded.after, today
    on_time = case.investigate_due is None or today <= case.investigate_due
    _record(session, case=case, kind=CaseEventKind.closed, actor=actor, today=today, now=now,
            details={"on_time": on_time})
    session.commit()
    return case


def re_review_case(session: Session, *, actor: Actor, case_id: int, today: date, note: str | None = None,
                   now: datetime | None = None) -> WageCase:
    """复查 that upholds the outcome."""
    now = now or utcnow()
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.re_review)
    loaded.case.status, loaded.case.re_reviewed_on = loaded.after, today
    _record(session, case=loaded.case, kind=CaseEventKind.re_reviewed, actor=actor, today=today, now=now,
            reason=_clean(note, field="note"))
    session.commit()
    return loaded.case


def reopen_case(session: Session, *, actor: Actor, case_id: int, reason: str, today: date,
                now: datetime | None = None, calendar: WorkCalendar | None = None) -> WageCase:
    """复查 that finds the case not settled: the investigation starts again with a new clock."""
    now = now or utcnow()
    reason = _clean(reason, field="reason", required=True)
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.reopen, reason=reason)
    case = loaded.case
    due = investigate_deadline(today, today, CaseSource.referral, levels={},
                               calendar=calendar or work_calendar(session))
    case.status, case.re_reviewed_on, case.closed_on, case.decided_on, case.decision = (
        loaded.after, today, None, None, None)
    case.extended, case.investigate_due, case.deadline_provisional = False, due.due, due.provisional
    _record(session, case=case, kind=CaseEventKind.reopened, actor=actor, today=today, now=now, reason=reason)
    session.commit()
    return case


# --- overlays: transfers, referrals, supervision -------------------------------------------------


def transfer_case(session: Session, *, actor: Actor, case_id: int, to_region_code: str, reason: str, today: date,
                  now: datetime | None = None) -> CaseTransfer:
    """流转: hand the case to another jurisdiction (a county of its city, or the city). It stays with
    us until the receiving office accepts it. Raises NotAllowed, WorkflowError, ValidationError."""
    now = now or utcnow()
    reason = _clean(reason, field="reason", required=True)
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.transfer, reason=reason)
    case = loaded.case
    target = session.exec(select(Region).where(Region.area_code == to_region_code, Region.valid_to.is_(None),
                                               Region.level.in_([RegionLevel.county, RegionLevel.city]))).first()
    if target is None:
        raise ValidationError(N_("请选择接收单位（县区）"), field="to_region")
    if target.id == case.office_region_id:
        raise ValidationError(N_("接收单位不能是当前承办单位"), field="to_region")
    # 全市联动: a case moves within the city where it happened (its number and its notices are that
    # city's), to one of its counties or the city's own office — never to another city of a province
    city = city_of(session, case.path)
    if city is not None and not target.path.startswith(city.path):
        raise ValidationError(N_("只能流转至本市的县区或市本级"), field="to_region")
    transfer = CaseTransfer(case_id=case.id, from_region_id=case.office_region_id, to_region_id=target.id,
                            reason=reason, status=TransferStatus.pending, sent_at=now, sent_by=actor.id)
    session.add(transfer)
    case.transfer_count += 1
    case.incoming_path = target.path
    _record(session, case=case, kind=CaseEventKind.transfer_sent, actor=actor, today=today, now=now, reason=reason,
            from_region_id=case.office_region_id, to_region_id=target.id)
    session.commit()
    return transfer


def accept_transfer(session: Session, *, actor: Actor, case_id: int, today: date,
                    now: datetime | None = None) -> WageCase:
    """The receiving office takes the case over: from now on it holds it."""
    now = now or utcnow()
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.accept_transfer)
    case, transfer = loaded.case, loaded.transfer
    transfer.status, transfer.answered_at, transfer.answered_by = TransferStatus.accepted, now, actor.id
    from_region = case.office_region_id
    case.office_region_id = transfer.to_region_id
    case.office_path, case.incoming_path = _region_path(session, transfer.to_region_id), None
    case.lead_officer_id, case.second_officer_id = actor.id, None
    _record(session, case=case, kind=CaseEventKind.transfer_accepted, actor=actor, today=today, now=now,
            from_region_id=from_region, to_region_id=transfer.to_region_id)
    session.commit()
    return case


def return_transfer(session: Session, *, actor: Actor, case_id: int, reason: str, today: date,
                    now: datetime | None = None) -> WageCase:
    """退回: the receiving office sends the case back; counted as a bounce (推诿) of the case."""
    now = now or utcnow()
    reason = _clean(reason, field="reason", required=True)
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.return_transfer, reason=reason)
    case, transfer = loaded.case, loaded.transfer
    transfer.status, transfer.answered_at, transfer.answered_by = TransferStatus.returned, now, actor.id
    transfer.return_reason = reason
    case.bounce_count += 1
    case.incoming_path = None
    _record(session, case=case, kind=CaseEventKind.transfer_returned, actor=actor, today=today, now=now,
            reason=reason, from_region_id=transfer.to_region_id, to_region_id=transfer.from_region_id)
    session.commit()
    return case


def refer_case(session: Session, *, actor: Actor, case_id: int, agency: str, reason: str, today: date,
               litigation_support: bool = False, now: datetime | None = None) -> CaseReferral:
    """移送: e.g. to the procuratorate for litigation support (支持起诉)."""
    now = now or utcnow()
    reason = _clean(reason, field="reason", required=True)
    if agency not in REFERRAL_AGENCIES:
        raise ValidationError(N_("请选择移送机关"), field="agency")
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.refer_out, reason=reason)
    referral = CaseReferral(case_id=case_id, to_agency=agency, litigation_support=litigation_support, reason=reason,
                            referred_on=today, referred_by=actor.id)
    session.add(referral)
    _record(session, case=loaded.case, kind=CaseEventKind.referred_out, actor=actor, today=today, now=now,
            reason=reason, details={"agency": agency, "litigation_support": litigation_support})
    session.commit()
    return referral


def _supervision_level(actor: Actor, session: Session) -> SupervisionLevel:
    levels = {session.exec(select(Region.level).where(Region.path == path)).first() for path in actor.scope.paths}
    if RegionLevel.province in levels:
        return SupervisionLevel.province
    return SupervisionLevel.city if RegionLevel.city in levels else SupervisionLevel.county


def supervise_case(session: Session, *, actor: Actor, case_id: int, reason: str, today: date,
                   reasons: list[str] | None = None, due_on: date | None = None, now: datetime | None = None,
                   calendar: WorkCalendar | None = None) -> SupervisionOrder:
    """督办: a leader orders the case handled by a deadline (10 working days unless given)."""
    now = now or utcnow()
    reason = _clean(reason, field="reason", required=True)
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.supervise, reason=reason)
    due = due_on or add_working_days(today, SUPERVISION_DAYS, calendar or work_calendar(session)).due
    if due < today:
        raise ValidationError(N_("督办期限不能早于今天"), field="due_on")
    order = SupervisionOrder(case_id=case_id, level=_supervision_level(actor, session), status=SupervisionStatus.open,
                             reasons=list(reasons or ["leader"]), issued_by=actor.id, issued_at=now, due_on=due)
    session.add(order)
    loaded.case.supervised = True
    _record(session, case=loaded.case, kind=CaseEventKind.supervision_ordered, actor=actor, today=today, now=now,
            reason=reason, details={"level": order.level.value, "due_on": due.isoformat(), "reasons": order.reasons})
    session.commit()
    return order


def respond_supervision(session: Session, *, actor: Actor, case_id: int, response: str, today: date,
                        now: datetime | None = None) -> SupervisionOrder:
    """The handling office reports back on a supervision order."""
    now = now or utcnow()
    response = _clean(response, field="response", required=True)
    loaded = _load(session, actor=actor, case_id=case_id, act=CaseAct.respond_supervision)
    order = loaded.order
    order.response, order.responded_at, order.responded_by = response, now, actor.id
    order.status = SupervisionStatus.responded
    _record(session, case=loaded.case, kind=CaseEventKind.supervision_responded, actor=actor, today=today, now=now,
            reason=response)
    session.commit()
    return order


# --- personal data --------------------------------------------------------------------------------

_PERSONAL_COLUMNS = {PersonalField.name: "complainant_name", PersonalField.id_number: "complainant_id_number",
                     PersonalField.phone: "complainant_phone"}


def reveal_personal_field(session: Session, *, actor: Actor, case_id: int, field: PersonalField | str,
                          now: datetime | None = None) -> str:
    """The unmasked value, for a case officer of the office handling the case; audited."""
    now = now or utcnow()
    try:
        field = PersonalField(field)
    except ValueError:
        raise ValidationError(N_("未知字段"), field="field") from None
    if field not in _PERSONAL_COLUMNS:
        raise ValidationError(N_("未知字段"), field="field")
    case = _case(session, case_id, actor)
    if actor.role not in (Role.case_officer, Role.admin) or not actor.scope.covers(case.office_path):
        raise NotAllowed(N_("只有承办案件的监察员可以查看完整个人信息"))
    audit(session, actor=actor, action="case.reveal", target_kind="wage_case", target_id=case.id,
          details={"case_no": case.case_no, "field": field.value}, at=now)
    session.commit()
    return getattr(case, _PERSONAL_COLUMNS[field]) or ""


__all__ = [
    "CaseIntake", "accept_case", "accept_transfer", "close_case", "decide_case", "extend_investigation",
    "receive_case", "refer_case", "reject_case", "request_extension", "decline_extension", "reopen_case",
    "re_review_case", "respond_supervision",
    "return_transfer", "reveal_personal_field", "start_investigation", "supervise_case", "transfer_case",
    "WorkflowError",
]
