"""我的待办: what waits for a person, derived from the data (a query, not a second copy of state).

Each item says what waits (its kind), which record, why, its deadline or its age, and the
address of the place to act (the case, the rectification, the log form). Acting there changes
the record, and the item is gone from the next answer: there is nothing to tick.

Scoped like every read: a person sees the items of their regions only (`scope`), and the items
of their role:
- case officer: transfers addressed to the office, clues not yet accepted, cases whose clock ends
  within three working days or has ended, supervision orders to answer, cases returned (推诿) to
  the office in the last 30 days;
- leader: supervision proposed by the rules, supervision orders past their deadline, extension
  requests, walkthrough fixes in progress to sign off, blacklist proposals to decide and listings
  whose period is over, overdue rectifications;
- inspector: fixes reported and waiting for a re-check (never the reporter's own), their own audits
  not yet published after three days, their planned audits from a few days before the day;
- cadre: today's work log on a working day, leaders' comments not yet read, logs a leader returned
  (to edit on the phone and send again), the station's open and overdue rectifications;
- admin: imports that failed, accounts held back by the sign-in throttle, wall screens silent for
  more than a day;
- and whoever records walkthroughs or audits (leader, inspector, cadre): their own a reviewer
  returned (审核: 退回), until they send them again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from data import clock
from data.errors import N_
from data.models import (
    BlacklistEntry,
    BlacklistStatus,
    CaseEvent,
    CaseTransfer,
    DeviceSession,
    Employer,
    FindingList,
    FindingStatus,
    ImportJob,
    Inspection,
    InspectionStatus,
    Rectification,
    RectificationStatus,
    Role,
    Secondment,
    ServiceItem,
    Station,
    SupervisionOrder,
    SupervisionStatus,
    TransferStatus,
    User,
    WageCase,
    Walkthrough,
    WalkthroughFinding,
    WorkLog,
    WorkLogComment,
)
from data.models import CaseStatus as S
from data.queries.cases import clock_of, is_open
from data.queries.rectifications import overdue_clause as rectification_overdue
from data.rules.calendar import DEFAULT_CALENDAR, WorkCalendar
from data.scope import Scope

# kinds, in the order a list shows them, with their titles (translated by the page)
KINDS = {
    "transfer_in": N_("流转来的案件待接收"),
    "clue": N_("线索待受理"),
    "overdue_case": N_("已超期的案件"),
    "due_soon": N_("3个工作日内到期的案件"),
    "supervision_answer": N_("督办待回复"),
    "returned": N_("被退回的案件"),
    "supervision_proposed": N_("待决定的督办建议"),
    "supervision_late": N_("督办已过期限"),
    "extension_request": N_("待审批的延期申请"),
    "fix_signoff": N_("走流程整改待销号"),
    "blacklist_proposed": N_("待审批的失信名单申请"),
    "blacklist_due": N_("失信名单期满待移出"),
    "recheck": N_("整改待复查"),
    "unpublished": N_("督查结果待发布"),
    "planned_audit": N_("即将执行的暗访任务"),
    "log_today": N_("今日工作日志待报"),
    "comment": N_("领导点评待阅"),
    "log_returned": N_("被退回待修改的工作日志"),
    "walk_returned": N_("被退回待修改的走流程记录"),
    "audit_returned": N_("被退回待修改的检查记录"),
    "rectification_overdue": N_("超期未整改"),
    "rectification_open": N_("待整改"),
    "import_failed": N_("导入失败"),
    "throttled": N_("登录受限的账户"),
    "wall_silent": N_("超过一天未联网的大屏"),
}
SOON_WORKING_DAYS = 3
RETURNED_DAYS = 30
UNPUBLISHED_DAYS = 3


@dataclass(frozen=True)
class TodoItem:
    kind: str
    record: str  # what it is about: a case number, a station and item, a log's date
    reason: str  # why it waits (data, in Chinese as stored; the page shows it as written)
    link: str  # where to act
    due: date | None = None  # its deadline, when it has one
    since: date | None = None  # when it began to wait (its age)
    late: bool = False


def _case_link(case_id: int) -> str:
    return f"/cases?case={int(case_id)}"  # a number needs no quoting (a leader's list holds a thousand)


def _rectification_link(rectification_id: int) -> str:
    return f"/rectifications?rect={int(rectification_id)}"


def _officer(session: Session, scope: Scope, today: date, calendar: WorkCalendar) -> list[TodoItem]:
    items: list[TodoItem] = []
    live = WageCase.deleted_at.is_(None)
    incoming = session.exec(
        select(WageCase.id, WageCase.case_no, CaseTransfer.reason, CaseTransfer.sent_at)
        .join(CaseTransfer, sa.and_(CaseTransfer.case_id == WageCase.id,
                                    CaseTransfer.status == TransferStatus.pending.value))
        .where(live, WageCase.incoming_path.is_not(None), scope.clause(WageCase.incoming_path))
        .order_by(CaseTransfer.sent_at)).all()
    items += [TodoItem("transfer_in", no, reason or "", _case_link(cid), since=_day(sent)) for cid, no, reason, sent
              in incoming]
    held = [live, scope.clause(WageCase.office_path), is_open()]
    # clues all; of the cases under investigation only those due within a month (SOON_WORKING_DAYS
    # working days are never more calendar days than that, the longest holiday included) or past
    # it: not every open case's clock worked out (59,000 of them at two million cases)
    horizon = today + timedelta(days=31)
    rows = session.exec(select(WageCase.id, WageCase.case_no, WageCase.status, WageCase.accept_due,
                               WageCase.investigate_due, WageCase.deadline_provisional, WageCase.received_on)
                        .where(*held, sa.or_(WageCase.status == S.received.value, WageCase.investigate_due <= horizon))
                        .order_by(WageCase.received_on)).all()
    memo: dict = {}
    for cid, no, status, accept_due, investigate_due, provisional, received in rows:
        running = clock_of(status, accept_due, investigate_due, provisional, today, calendar, memo)
        if status == S.received.value:  # a clue: listed once, with its acceptance deadline
            items.append(TodoItem("clue", no, "", _case_link(cid), due=running.due, since=received,
                                  late=bool(running.overdue)))
            continue
        if running.due is None or running.days_left is None:
            continue
        if running.overdue:
            items.append(TodoItem("overdue_case", no, "", _case_link(cid), due=running.due, since=received, late=True))
        elif running.days_left <= SOON_WORKING_DAYS:
            items.append(TodoItem("due_soon", no, "", _case_link(cid), due=running.due, since=received))
    orders = session.exec(
        select(WageCase.id, WageCase.case_no, SupervisionOrder.due_on, SupervisionOrder.issued_at)
        .join(SupervisionOrder, SupervisionOrder.case_id == WageCase.id)
        .where(*held[:2], SupervisionOrder.status == SupervisionStatus.open.value)
        .order_by(SupervisionOrder.due_on)).all()
    items += [TodoItem("supervision_answer", no, "", _case_link(cid), due=due, since=_day(issued),
                       late=bool(due and due < today)) for cid, no, due, issued in orders]
    since = clock.start_of(today - timedelta(days=RETURNED_DAYS))  # stored moments compare as moments
    returned = session.exec(
        select(WageCase.id, WageCase.case_no, CaseTransfer.return_reason, CaseTransfer.answered_at)
        .join(CaseTransfer, CaseTransfer.case_id == WageCase.id)
        .where(*held, CaseTransfer.status == TransferStatus.returned.value, CaseTransfer.answered_at >= since,
               WageCase.incoming_path.is_(None))
        .order_by(CaseTransfer.answered_at.desc())).all()
    items += [TodoItem("returned", no, reason or "", _case_link(cid), since=_day(at))
              for cid, no, reason, at in returned]
    return items


def _leader(session: Session, scope: Scope, today: date) -> list[TodoItem]:
    items: list[TodoItem] = []
    visible = sa.and_(WageCase.deleted_at.is_(None), scope.cases_clause(WageCase))
    proposed = session.exec(
        select(WageCase.id, WageCase.case_no, SupervisionOrder.reasons, SupervisionOrder.issued_at)
        .join(SupervisionOrder, SupervisionOrder.case_id == WageCase.id)
        .where(visible, SupervisionOrder.status == SupervisionStatus.proposed.value)
        .order_by(SupervisionOrder.issued_at)).all()
    items += [TodoItem("supervision_proposed", no, "、".join(reasons or []), _case_link(cid), since=_day(at))
              for cid, no, reasons, at in proposed]
    late = session.exec(
        select(WageCase.id, WageCase.case_no, SupervisionOrder.due_on, SupervisionOrder.issued_at)
        .join(SupervisionOrder, SupervisionOrder.case_id == WageCase.id)
        .where(visible, SupervisionOrder.status == SupervisionStatus.open.value, SupervisionOrder.due_on < today)
        .order_by(SupervisionOrder.due_on)).all()
    items += [TodoItem("supervision_late", no, "", _case_link(cid), due=due, since=_day(at), late=True)
              for cid, no, due, at in late]
    kinds = ("extension_requested", "extended", "extension_declined")
    # a request no answer (or later request) followed: from the few requests, not a grouping of every
    # extension event of every case
    later = aliased(CaseEvent)
    asked = session.exec(
        select(WageCase.id, WageCase.case_no, CaseEvent.reason, CaseEvent.at, WageCase.investigate_due)
        .join(CaseEvent, CaseEvent.case_id == WageCase.id)
        .where(visible, CaseEvent.kind == "extension_requested", WageCase.status == S.investigating.value,
               WageCase.extended.is_(False),
               ~sa.exists().where(later.case_id == CaseEvent.case_id, later.kind.in_(kinds), later.id > CaseEvent.id))
        .order_by(CaseEvent.at)).all()
    items += [TodoItem("extension_request", no, reason or "", _case_link(cid), due=due, since=_day(at),
                       late=bool(due and due < today)) for cid, no, reason, at, due in asked]
    fixes = session.exec(
        select(WalkthroughFinding.id, WalkthroughFinding.text, WalkthroughFinding.owner, WalkthroughFinding.due_on,
               WalkthroughFinding.created_at)
        .where(scope.clause(WalkthroughFinding.path), WalkthroughFinding.list_kind == FindingList.fix.value,
               WalkthroughFinding.status == FindingStatus.in_progress.value)
        .order_by(WalkthroughFinding.due_on.nulls_last(), WalkthroughFinding.id)).all()
    items += [TodoItem("fix_signoff", text[:60], owner or "", "/walkthroughs?" + urlencode({"finding": fid}), due=due,
                       since=_day(created), late=bool(due and due < today)) for fid, text, owner, due, created in fixes]
    listed = session.exec(
        select(BlacklistEntry.id, BlacklistEntry.status, BlacklistEntry.proposed_at, BlacklistEntry.expires_on,
               BlacklistEntry.grounds, Employer.name)
        .join(Employer, Employer.id == BlacklistEntry.employer_id)
        .where(scope.clause(BlacklistEntry.path), sa.or_(
            BlacklistEntry.status == BlacklistStatus.proposed.value,
            sa.and_(BlacklistEntry.status == BlacklistStatus.published.value, BlacklistEntry.expires_on <= today))))
    for eid, status, proposed_at, expires_on, grounds, employer in listed.all():
        link = "/blacklist?" + urlencode({"entry": eid})
        if status == BlacklistStatus.proposed.value:
            items.append(TodoItem("blacklist_proposed", employer, grounds, link, since=_day(proposed_at)))
        else:
            items.append(TodoItem("blacklist_due", employer, "", link, due=expires_on, since=expires_on))
    items += _rectifications(session, scope, today, overdue_only=True)
    return items


def _rectifications(session: Session, scope: Scope, today: date, *, overdue_only: bool) -> list[TodoItem]:
    overdue = rectification_overdue(today)  # not closed and past due
    # the station's own: every fix still to make, and whatever of theirs is past its deadline
    wanted = overdue if overdue_only else sa.or_(Rectification.status == RectificationStatus.open.value, overdue)
    query = (select(Rectification.id, Rectification.title, Rectification.due_on, Rectification.created_at, Station.name)
             .join(Station, Station.id == Rectification.station_id, isouter=True)
             .where(scope.clause(Rectification.path), wanted).order_by(Rectification.due_on))
    items = []
    for rid, title, due, created, station in session.exec(query).all():
        late = due < today
        items.append(TodoItem("rectification_overdue" if late else "rectification_open", f"{station or ''} · {title}",
                              "", _rectification_link(rid), due=due, since=_day(created), late=late))
    return items


def _inspector(session: Session, scope: Scope, today: date, user_id: int) -> list[TodoItem]:
    items: list[TodoItem] = []
    reported = session.exec(
        select(Rectification.id, Rectification.title, Rectification.reported_at, Station.name)
        .join(Station, Station.id == Rectification.station_id, isouter=True)
        .where(scope.clause(Rectification.path), Rectification.status == RectificationStatus.reported.value,
               sa.or_(Rectification.reported_by.is_(None), Rectification.reported_by != user_id))
        .order_by(Rectification.reported_at)).all()
    items += [TodoItem("recheck", f"{station or ''} · {title}", "", _rectification_link(rid), since=_day(at))
              for rid, title, at, station in reported]
    cutoff = today - timedelta(days=UNPUBLISHED_DAYS)
    mine = session.exec(
        select(Inspection.inspected_on, Station.name)
        .join(Station, Station.id == Inspection.station_id)
        .where(scope.clause(Inspection.path), Inspection.status == InspectionStatus.submitted.value,
               Inspection.published_at.is_(None), Inspection.inspected_on <= cutoff,
               sa.or_(Inspection.review_status.is_(None), Inspection.review_status != "returned"),
               Inspection.lead_auditor_id == user_id)
        .order_by(Inspection.inspected_on)).all()
    items += [TodoItem("unpublished", f"{station} · {on.isoformat()}", "", "/inspect", since=on)
              for on, station in mine]
    from data.queries.audit_plan import my_assignments  # the plan's own confidentiality rule
    items += [TodoItem("planned_audit", a["station"], "、".join(a["partners"]), "/audit-plan", due=a["due_on"],
                       late=a["overdue"]) for a in my_assignments(session, user_id=user_id, today=today)]
    return items


def _cadre(session: Session, scope: Scope, today: date, user_id: int, calendar: WorkCalendar) -> list[TodoItem]:
    items: list[TodoItem] = []
    posted = session.exec(select(Secondment.id).where(Secondment.user_id == user_id, Secondment.starts_on <= today,
                                                      Secondment.ends_on >= today)).first()
    if posted is not None and calendar.is_working_day(today):
        filed = session.exec(select(WorkLog.id).where(WorkLog.user_id == user_id, WorkLog.log_date == today)).first()
        if filed is None:
            items.append(TodoItem("log_today", today.isoformat(), "", "/field/#/new/work_log", due=today, since=today))
    unread = session.exec(
        select(WorkLogComment.id, WorkLogComment.text, WorkLogComment.created_at, WorkLog.log_date, User.display_name)
        .join(WorkLog, WorkLog.id == WorkLogComment.work_log_id).join(User, User.id == WorkLogComment.author_id)
        .where(WorkLog.user_id == user_id, WorkLogComment.read_at.is_(None))
        .order_by(WorkLogComment.created_at)).all()
    items += [TodoItem("comment", f"{log_date.isoformat()} · {author}", text[:80], "/field/#/",
                       since=_day(at)) for _cid, text, at, log_date, author in unread]
    returned = session.exec(select(WorkLog.uuid, WorkLog.log_date, WorkLog.review_note, WorkLog.reviewed_at)
                            .where(WorkLog.user_id == user_id, WorkLog.review_status == "returned")
                            .order_by(WorkLog.log_date)).all()
    items += [TodoItem("log_returned", log_date.isoformat(), note or "", f"/field/#/r/{uuid}", since=_day(at))
              for uuid, log_date, note, at in returned]
    items += _rectifications(session, scope, today, overdue_only=False)
    return items


def _returned(session: Session, user_id: int) -> list[TodoItem]:
    """The person's walkthroughs and audits a reviewer returned (审核: 退回), each link ending with the
    record's number: the phone opens its own copy from it; an audit opens on /inspect as well."""
    walks = session.exec(select(Walkthrough.uuid, Walkthrough.walked_on, ServiceItem.name,
                                Walkthrough.review_note, Walkthrough.reviewed_at)
                         .join(ServiceItem, ServiceItem.code == Walkthrough.service_item_code)
                         .where(Walkthrough.user_id == user_id, Walkthrough.review_status == "returned")
                         .order_by(Walkthrough.walked_on)).all()
    items = [TodoItem("walk_returned", f"{on.isoformat()} · {item}", note or "", f"/field/#/r/{uuid}",
                      since=_day(at)) for uuid, on, item, note, at in walks]
    audits = session.exec(select(Inspection.uuid, Inspection.inspected_on, Inspection.review_note,
                                 Inspection.reviewed_at, Station.name)
                          .join(Station, Station.id == Inspection.station_id)
                          .where(Inspection.lead_auditor_id == user_id, Inspection.review_status == "returned",
                                 Inspection.status == InspectionStatus.submitted.value)
                          .order_by(Inspection.inspected_on)).all()
    items += [TodoItem("audit_returned", f"{station} · {on.isoformat()}", note or "",
                       "/inspect?" + urlencode({"edit": str(uuid)}), since=_day(at))
              for uuid, on, note, at, station in audits]
    return items


def _admin(session: Session, now: datetime, throttled: list[str]) -> list[TodoItem]:
    items: list[TodoItem] = []
    week = now - timedelta(days=7)
    for kind, name, at in session.exec(
            select(ImportJob.kind, ImportJob.filename, ImportJob.created_at)
            .where(ImportJob.status == "failed", ImportJob.created_at >= week).order_by(ImportJob.created_at)).all():
        items.append(TodoItem("import_failed", f"{kind} · {name}", "", "/admin/import", since=_day(at)))
    items += [TodoItem("throttled", username, "", "/admin/access") for username in throttled]
    silent = now - timedelta(days=1)
    for label, username, seen in session.exec(
            select(DeviceSession.label, User.username, sa.func.coalesce(DeviceSession.last_seen_at,
                                                                      DeviceSession.created_at))
            .join(User, User.id == DeviceSession.user_id)
            .where(DeviceSession.kind == "wall", DeviceSession.revoked_at.is_(None), DeviceSession.expires_at > now,
                   sa.func.coalesce(DeviceSession.last_seen_at, DeviceSession.created_at) < silent)).all():
        items.append(TodoItem("wall_silent", label or username, "", "/admin/access", since=_day(seen)))
    return items


def todo_items(session: Session, *, role: Role | str, user_id: int, scope: Scope, today: date,
               now: datetime | None = None, calendar: WorkCalendar = DEFAULT_CALENDAR,
               throttled: list[str] | None = None) -> list[TodoItem]:
    """Everything waiting for this person, late first and then by deadline and age, within a kind
    in the order of KINDS. `throttled`: usernames held back by the sign-in throttle now (the
    admin's; the caller asks data.services.login_throttle)."""
    role = Role(role)
    if role == Role.case_officer:
        items = _officer(session, scope, today, calendar)
    elif role == Role.leader:
        items = _leader(session, scope, today) + _returned(session, user_id)
    elif role == Role.inspector:
        items = _inspector(session, scope, today, user_id) + _returned(session, user_id)
    elif role == Role.cadre:
        items = _cadre(session, scope, today, user_id, calendar) + _returned(session, user_id)
    elif role == Role.admin:
        items = _admin(session, now or clock.now(), throttled or [])
    else:
        items = []
    order = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(items, key=lambda i: (order[i.kind], not i.late, i.due or date.max, i.since or date.max))


def todo_counts(items: list[TodoItem]) -> dict[str, int]:
    """How many of each kind, in the order of KINDS."""
    counted = Counter(i.kind for i in items)
    return {kind: counted[kind] for kind in KINDS if counted[kind]}


def _day(moment) -> date | None:
    """A stored moment (UTC) as its Beijing date."""
    if moment is None:
        return None
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return moment
    return clock.local(moment).date()

