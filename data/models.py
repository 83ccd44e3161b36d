"""The whole product's tables (SQLModel), so later work adds behaviour, not tables.

Conventions:
- every table has an integer `id`; what the field app creates also has a client-made `uuid`
  (unique), so a resend of the same record is recognised;
- `path` is the region path of what a row belongs to ("369900000000/369901000000/…/"): a user's
  scope is a set of such paths and every query filters by prefix;
- timestamps are UTC-aware (`UTCDateTime`); dates of legal clocks are local dates;
- money is integer cents (分) to keep sums exact on both SQLite and PostgreSQL;
- geometry is GeoJSON (WGS-84) in JSON columns; points as lon/lat floats.
"""

from __future__ import annotations

import uuid as uuid_lib
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from data.types import UTCDateTime, utcnow


def _ts(nullable: bool = True, **kw) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, **kw)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _json(default=None) -> Any:
    factory = (lambda: type(default)()) if default is not None else (lambda: None)
    # none_as_null: None is SQL NULL (not the JSON text 'null'), so IS NULL finds it
    return Field(default_factory=factory, sa_type=sa.JSON(none_as_null=True), nullable=default is None)


def _uuid() -> Any:
    return Field(default_factory=uuid_lib.uuid4, unique=True, nullable=False)


def _path() -> Any:
    return Field(max_length=200, index=True)


# --- enumerations ---------------------------------------------------------------------------


class RegionLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    township = "township"
    village = "village"


class Role(StrEnum):
    admin = "admin"
    leader = "leader"
    case_officer = "case_officer"
    inspector = "inspector"
    cadre = "cadre"
    wall = "wall"


class StationKind(StrEnum):
    township_station = "township_station"
    community_point = "community_point"
    village_point = "village_point"


class CaseSource(StrEnum):
    walk_in = "walk_in"
    hotline_12333 = "hotline_12333"
    hotline_12345 = "hotline_12345"
    letter = "letter"
    national_platform = "national_platform"
    grid_screening = "grid_screening"
    leader_instruction = "leader_instruction"
    media = "media"
    referral = "referral"


class CaseStatus(StrEnum):
    received = "received"
    accepted = "accepted"
    rejected = "rejected"
    investigating = "investigating"
    decided = "decided"
    closed = "closed"
    re_reviewed = "re_reviewed"


class CaseDecision(StrEnum):
    paid_in_full = "paid_in_full"
    order_to_pay = "order_to_pay"
    administrative_decision = "administrative_decision"
    penalty = "penalty"
    withdrawn = "withdrawn"
    referred = "referred"


class CaseEventKind(StrEnum):
    received = "received"
    accepted = "accepted"
    rejected = "rejected"
    investigation_started = "investigation_started"
    extension_requested = "extension_requested"
    extension_declined = "extension_declined"
    extended = "extended"
    decided = "decided"
    closed = "closed"
    re_reviewed = "re_reviewed"
    reopened = "reopened"
    transfer_sent = "transfer_sent"
    transfer_accepted = "transfer_accepted"
    transfer_returned = "transfer_returned"
    referred_out = "referred_out"
    supervision_ordered = "supervision_ordered"
    supervision_responded = "supervision_responded"
    document_issued = "document_issued"  # a numbered notice printed from the case (data.services.documents)
    note = "note"


class TransferStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    returned = "returned"


class SupervisionLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"


class SupervisionStatus(StrEnum):
    proposed = "proposed"
    open = "open"
    responded = "responded"
    closed = "closed"


class TemplateKind(StrEnum):
    standardisation = "standardisation"
    window_audit = "window_audit"


class AnswerType(StrEnum):
    pass_fail = "pass_fail"
    number = "number"
    choice = "choice"


class InspectionKind(StrEnum):
    station_check = "station_check"
    window_audit = "window_audit"


class InspectionMode(StrEnum):
    announced = "announced"
    overt = "overt"
    covert = "covert"
    phone = "phone"
    online = "online"


class InspectionStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    published = "published"


class Grade(StrEnum):
    model = "model"  # 示范 ≥90
    standard = "standard"  # 达标 80–89
    rectify = "rectify"  # 限期整改 60–79
    fail = "fail"  # 不达标 <60


class RectificationSource(StrEnum):
    inspection = "inspection"
    walkthrough = "walkthrough"
    leader = "leader"
    rating = "rating"  # 差评回访整改: a negative service rating followed up


class BlacklistStatus(StrEnum):
    proposed = "proposed"  # 拟列入: an office proposes, with grounds
    approved = "approved"  # a leader approved: to be published
    published = "published"  # on the list (列入), until expires_on
    removed = "removed"  # 移出: after the period, or early on credit repair (信用修复)
    rejected = "rejected"  # a leader did not approve


class RectificationStatus(StrEnum):
    open = "open"
    reported = "reported"
    rechecked = "rechecked"
    closed = "closed"


class WalkChannel(StrEnum):
    window = "window"
    online = "online"
    app = "app"
    self_service = "self_service"
    phone = "phone"


class WalkMode(StrEnum):
    in_person = "in_person"  # 亲身办
    accompany = "accompany"  # 陪同办


class FindingList(StrEnum):
    issue = "issue"
    need = "need"
    fix = "fix"


class FindingStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"


# --- geography ------------------------------------------------------------------------------


class Region(SQLModel, table=True):
    """A statistical area (统计用区划代码). Codes are reissued yearly, hence validity dates."""

    __tablename__ = "region"
    __table_args__ = (sa.UniqueConstraint("area_code", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(max_length=12, min_length=12, index=True)
    name: str = Field(max_length=60)
    name_en: str | None = Field(default=None, max_length=80)
    # a city's 简称 in its case and document numbers (南京市 → 宁); none: its name's first character
    short_name: str | None = Field(default=None, max_length=4)
    level: RegionLevel = Field(sa_type=sa.String(10), index=True)
    # street / town / township for townships, community / village for villages (from the code)
    kind: str | None = Field(default=None, max_length=12)
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    path: str = _path()
    valid_from: date = Field(default=date(2000, 1, 1))
    valid_to: date | None = None
    boundary: dict | None = _json()
    centroid_lon: float | None = None
    centroid_lat: float | None = None
    population: int | None = None


class GridCell(SQLModel, table=True):
    """A wage-arrears supervision grid (网格) under a township, with its grid worker."""

    __tablename__ = "grid_cell"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=60)
    township_id: int = Field(foreign_key="region.id", index=True)
    path: str = _path()
    boundary: dict | None = _json()
    centroid_lon: float | None = None
    centroid_lat: float | None = None
    grid_worker_name: str | None = Field(default=None, max_length=40)
    grid_worker_phone: str | None = Field(default=None, max_length=20)


class Station(SQLModel, table=True):
    """A township HRSS station (乡镇人社所) or a village / community service point."""

    __tablename__ = "station"

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=30, unique=True)  # 站点编码 (the bureau's own)
    kind: StationKind = Field(sa_type=sa.String(20), index=True)
    name: str = Field(max_length=80)
    region_id: int = Field(foreign_key="region.id", index=True)
    township_id: int = Field(foreign_key="region.id", index=True)
    path: str = _path()
    address: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    lon: float | None = None
    lat: float | None = None
    floor_area_m2: float | None = None
    windows: int | None = None
    opened_on: date | None = None
    equipment: dict = _json({})
    active: bool = True


class StationStaff(SQLModel, table=True):
    """A person working at a station (not necessarily a user of this product)."""

    __tablename__ = "station_staff"

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    path: str = _path()
    name: str = Field(max_length=40)
    post: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=20)
    is_backup_post: bool = False
    active: bool = True


# --- people and access ----------------------------------------------------------------------


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    display_name: str = Field(max_length=60)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=sa.String(20), index=True)
    language: str = Field(default="zh-CN", max_length=10)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=120)  # where the daily to-do digest goes
    active: bool = True
    # a one-time password (imported or reset by an admin): changed at the next sign-in
    must_change_password: bool = False
    # bumped to revoke every session of this user at once
    session_version: int = 1
    created_at: datetime = _created()
    last_login_at: datetime | None = _ts()
    # the unit a person comes from (the city's or a county's path): an auditor never audits a
    # station of their own county (回避, data.rules.audit_plan); None: the city's own staff
    home_path: str | None = Field(default=None, max_length=200)


class UserRegion(SQLModel, table=True):
    """A user's home regions: their scope is these regions and everything below them."""

    __tablename__ = "user_region"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    region_id: int = Field(foreign_key="region.id", primary_key=True)


class LoginAttempt(SQLModel, table=True):
    """Kept in the database so throttling holds across server processes."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, index=True)
    ip: str = Field(max_length=45, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    success: bool = False


class DeviceSession(SQLModel, table=True):
    """A revocable sign-in kept on the server: a field phone's or a wall screen's (long-lived, with
    a cookie token), or a browser's at /login (kind "web", as long as the browser session)."""

    __tablename__ = "device_session"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=10)  # field | wall | web
    label: str | None = Field(default=None, max_length=80)
    # the cookie holds a random token; only its SHA-256 is kept, so a copy of the table signs no one in
    token_hash: str = Field(max_length=64, unique=True, index=True)
    # the user's session_version when signed in: bumping it (revoke-sessions, a new password) ends this too
    session_version: int = 1
    created_at: datetime = _created()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()


# --- employers and cases --------------------------------------------------------------------


class Employer(SQLModel, table=True):
    __tablename__ = "employer"

    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, min_length=18, unique=True)  # 统一社会信用代码
    name: str = Field(max_length=120, index=True)
    industry: str = Field(max_length=30, index=True)
    is_construction: bool = False
    region_id: int | None = Field(default=None, foreign_key="region.id")
    path: str = _path()
    address: str | None = Field(default=None, max_length=200)
    legal_representative: str | None = Field(default=None, max_length=40)
    blacklisted_until: date | None = None


class BlacklistEntry(SQLModel, table=True):
    """失信联合惩戒名单: an employer proposed with grounds and the cases behind them, approved or
    rejected by a leader, published for a period (Employer.blacklisted_until), then removed."""

    __tablename__ = "blacklist_entry"

    id: int | None = Field(default=None, primary_key=True)
    employer_id: int = Field(foreign_key="employer.id", index=True)
    path: str = _path()  # the proposing office's region: whose officers and leaders see the entry
    status: BlacklistStatus = Field(sa_type=sa.String(10), index=True)
    grounds: str = Field(sa_type=sa.Text)
    case_ids: list = _json([])
    proposed_by: int | None = Field(default=None, foreign_key="app_user.id")
    proposed_at: datetime = _created()
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = _ts()
    decision_note: str | None = Field(default=None, sa_type=sa.Text)
    published_on: date | None = None
    expires_on: date | None = None
    removed_on: date | None = None
    removed_by: int | None = Field(default=None, foreign_key="app_user.id")
    removal_reason: str | None = Field(default=None, sa_type=sa.Text)


class Project(SQLModel, table=True):
    """A construction (or other) project: wage disputes cluster on these."""

    __tablename__ = "project"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    employer_id: int = Field(foreign_key="employer.id", index=True)
    general_contractor: str | None = Field(default=None, max_length=120)
    subcontractor: str | None = Field(default=None, max_length=120)
    crew_leader: str | None = Field(default=None, max_length=40)
    grid_cell_id: int | None = Field(default=None, foreign_key="grid_cell.id", index=True)
    path: str = _path()
    lon: float | None = None
    lat: float | None = None
    started_on: date | None = None
    finished_on: date | None = None


OPEN_CASES = "status IN ('received', 'accepted', 'investigating')"  # a statutory clock runs


class WageCase(SQLModel, table=True):
    """A wage-arrears case (欠薪案件), from clue to re-review.

    `path` is where it happened (township); `office_region_id` is the jurisdiction holding it.
    Deadlines are stored when the clock starts so overdue lists are plain SQL.
    """

    __tablename__ = "wage_case"
    # the table sorted by amount (/cases' largest first) reads the index from its end: at two
    # million cases the first page comes in a millisecond instead of a scan and sort of them all
    # partial indexes (migration 0013): the open cases, and the supervised, by the day received — the
    # figures of today's state read a few percent of the cases, not a period's every row
    __table_args__ = (
        sa.Index("ix_wage_case_amount_id", "amount_claimed_cents", "id"),
        sa.Index("ix_wage_case_open_received", "received_on", postgresql_where=sa.text(OPEN_CASES),
                 sqlite_where=sa.text(OPEN_CASES)),
        sa.Index("ix_wage_case_supervised_received", "received_on", postgresql_where=sa.text("supervised"),
                 sqlite_where=sa.text("supervised = 1")),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    case_no: str = Field(max_length=30, unique=True)
    source: CaseSource = Field(sa_type=sa.String(20), index=True)
    status: CaseStatus = Field(sa_type=sa.String(20), index=True)
    decision: CaseDecision | None = Field(default=None, sa_type=sa.String(30))
    received_on: date = Field(index=True)
    accepted_on: date | None = None
    decided_on: date | None = None
    closed_on: date | None = Field(default=None, index=True)
    re_reviewed_on: date | None = None
    accept_due: date | None = None
    investigate_due: date | None = Field(default=None, index=True)
    extended: bool = False
    deadline_provisional: bool = False
    employer_id: int | None = Field(default=None, foreign_key="employer.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id")
    industry: str = Field(max_length=30, index=True)
    is_construction: bool = Field(default=False, index=True)
    workers: int = 1
    amount_claimed_cents: int = Field(default=0, sa_type=sa.BigInteger)
    amount_recovered_cents: int = Field(default=0, sa_type=sa.BigInteger)
    owed_from: date | None = None
    owed_to: date | None = None
    region_id: int = Field(foreign_key="region.id", index=True)  # township
    grid_cell_id: int | None = Field(default=None, foreign_key="grid_cell.id", index=True)
    path: str = _path()
    office_region_id: int = Field(foreign_key="region.id", index=True)
    office_path: str = _path()  # the holding office's path: its officers see the case too
    # while a transfer is pending, the receiving office's path: they see it to answer it
    incoming_path: str | None = Field(default=None, max_length=200, index=True)
    lon: float | None = None
    lat: float | None = None
    lead_officer_id: int | None = Field(default=None, foreign_key="app_user.id")
    second_officer_id: int | None = Field(default=None, foreign_key="app_user.id")
    complainant_name: str | None = Field(default=None, max_length=40)
    complainant_id_number: str | None = Field(default=None, max_length=18)
    complainant_phone: str | None = Field(default=None, max_length=20)
    summary: str = Field(default="", sa_type=sa.Text)
    mass_incident: bool = False
    public_opinion: bool = False
    supervised: bool = Field(default=False, index=True)
    transfer_count: int = 0
    bounce_count: int = 0
    created_at: datetime = _created()
    # indexed: max(updated_at) is the data version that keys the map cache, asked on every map load
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    deleted_at: datetime | None = _ts()


GRID_INDEX = ("month", "grid_cell_id", "path", "office_path", "incoming_path", "cases", "workers",
              "amount_claimed_cents", "amount_recovered_cents", "closed", "on_time")


class CaseMonth(SQLModel, table=True):
    """The cases received in a month, summed per township and per value of every filter the
    dashboard's period figures offer (a rollup, issue 14): KPIs, trends, breakdowns and the map
    read a few thousand of these rows instead of every case. Kept by `data.rollup` in the
    transaction that changes a case; `flask rollups rebuild` makes it again from wage_case.

    Five grains of the same sums (data.rollup): "f" by every filter value, "a" by month and
    township only (status, source and industry '', construction false) for the figures no such
    filter narrows, "d" as "a" by day (`month` holds the day), "c" by every filter value and no
    place (region_id 0, paths '') for a scope that sees every case, "g" as "a" by grid cell too.
    `incoming_path` is '' when no transfer is pending (a key column cannot be NULL). A deleted case counts nowhere.
    `on_time`: concluded within the deadline (as data.queries.cases counts)."""

    __tablename__ = "case_month"
    # the GRID grain read from the index alone (migration 0015): its rows are a few percent of the
    # table, too many for the key's index and a table read, too few for a scan of every grain
    __table_args__ = (sa.Index("ix_case_month_grid", *GRID_INDEX, postgresql_where=sa.text("grain = 'g'"),
                               sqlite_where=sa.text("grain = 'g'")),)

    grain: str = Field(primary_key=True, max_length=1)  # "f", "a", "d" or "c" (below)
    month: date = Field(primary_key=True)  # the first day of the month of received_on
    region_id: int = Field(primary_key=True)  # the township where the cases happened
    path: str = Field(primary_key=True, max_length=200)
    office_path: str = Field(primary_key=True, max_length=200)
    incoming_path: str = Field(primary_key=True, max_length=200)
    status: str = Field(primary_key=True, max_length=20)
    source: str = Field(primary_key=True, max_length=20)
    industry: str = Field(primary_key=True, max_length=30)
    is_construction: bool = Field(primary_key=True)
    grid_cell_id: int = Field(default=0, primary_key=True)  # the GRID grain's cell; 0 in the others
    cases: int = 0
    workers: int = Field(default=0, sa_type=sa.BigInteger)
    amount_claimed_cents: int = Field(default=0, sa_type=sa.BigInteger)
    amount_recovered_cents: int = Field(default=0, sa_type=sa.BigInteger)
    closed: int = 0  # concluded (办结): closed, re-reviewed or not accepted
    on_time: int = 0


class CaseNumberSeries(SQLModel, table=True):
    """The last serial given in a series of case numbers (a city's abbreviation and a year:
    示人社监〔2026〕), so that taking in a case does not look through the year's numbers."""

    __tablename__ = "case_number_series"

    prefix: str = Field(primary_key=True, max_length=40)
    last: int = 0


class EmployerCases(SQLModel, table=True):
    """How many cases each employer has, per year received and in all (`year` 0): an upper bound of
    its cases under any filter, by which the repeat employers are looked for among the employers
    that could be among them (data.queries.cases.repeat_employers). Kept with case_month by
    data.rollup; a deleted case or one with no employer counts nowhere."""

    __tablename__ = "employer_cases"
    __table_args__ = (sa.Index("ix_employer_cases_year_cases", "year", "cases"),)

    employer_id: int = Field(primary_key=True)
    year: int = Field(primary_key=True)
    cases: int = 0


class RepeatSpan(SQLModel, table=True):
    """The days on which an employer is a repeat employer of a township, or of a grid cell — three or
    more of its cases there received in the last 365 days (data.rollup.REPEAT_CASES, REPEAT_DAYS):
    [starts, ends), merged, so on any day at most one span of a pair holds. The risk grades count the
    spans that hold today instead of grouping a year of cases (data.queries.cases.risk_by_area). Kept
    with case_month by data.rollup; a deleted case or one with no employer counts nowhere."""

    __tablename__ = "repeat_span"
    __table_args__ = (sa.Index("ix_repeat_span_ends", "ends", "starts", "grid_cell_id", "region_id"),)

    region_id: int = Field(primary_key=True)  # the township
    grid_cell_id: int = Field(primary_key=True)  # 0: the township's spans, else the cell's
    employer_id: int = Field(primary_key=True)
    starts: date = Field(primary_key=True)
    ends: date  # the first day it no longer holds


class CaseEvent(SQLModel, table=True):
    """The case's timeline: every state change and overlay act, who did it and when."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    case_id: int = Field(foreign_key="wage_case.id", index=True)
    kind: CaseEventKind = Field(sa_type=sa.String(30), index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    on_date: date  # the local date the act counts for in legal clocks
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    from_region_id: int | None = Field(default=None, foreign_key="region.id")
    to_region_id: int | None = Field(default=None, foreign_key="region.id")
    reason: str | None = Field(default=None, sa_type=sa.Text)
    details: dict = _json({})


class CaseDocument(SQLModel, table=True):
    """A numbered notice printed from a case (受理通知书, 不予受理告知书, 限期整改指令书, 督办通知),
    kept exactly as issued; the number runs per issuing bureau, kind and year."""

    __tablename__ = "case_document"
    __table_args__ = (sa.UniqueConstraint("issuer_path", "kind", "year", "serial",
                                          name="uq_case_document_issuer_kind_year_serial"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wage_case.id", index=True)
    issuer_path: str = Field(max_length=200)  # the issuing bureau's region: the case's city
    kind: str = Field(max_length=20)
    year: int
    serial: int
    doc_no: str = Field(max_length=60, unique=True)
    pdf: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    sha256: str = Field(max_length=64)
    issued_by: int | None = Field(default=None, foreign_key="app_user.id")
    issued_at: datetime = _created()


class CaseTransfer(SQLModel, table=True):
    """A hand-over to another jurisdiction (流转); a returned one is a bounce (推诿)."""

    __tablename__ = "case_transfer"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wage_case.id", index=True)
    from_region_id: int = Field(foreign_key="region.id", index=True)
    to_region_id: int = Field(foreign_key="region.id", index=True)
    reason: str = Field(sa_type=sa.Text)
    status: TransferStatus = Field(sa_type=sa.String(10), index=True)
    sent_at: datetime = _created()
    sent_by: int | None = Field(default=None, foreign_key="app_user.id")
    answered_at: datetime | None = _ts()
    answered_by: int | None = Field(default=None, foreign_key="app_user.id")
    return_reason: str | None = Field(default=None, sa_type=sa.Text)


class CaseReferral(SQLModel, table=True):
    """A referral out (移送): housing & construction, police, arbitration, procuratorate."""

    __tablename__ = "case_referral"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wage_case.id", index=True)
    to_agency: str = Field(max_length=30)
    litigation_support: bool = False  # 支持起诉
    reason: str = Field(sa_type=sa.Text)
    referred_on: date
    referred_by: int | None = Field(default=None, foreign_key="app_user.id")
    outcome: str | None = Field(default=None, sa_type=sa.Text)


class SupervisionOrder(SQLModel, table=True):
    """督办: a higher level orders a case handled by a deadline; may be proposed automatically."""

    __tablename__ = "supervision_order"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="wage_case.id", index=True)
    level: SupervisionLevel = Field(sa_type=sa.String(10))
    status: SupervisionStatus = Field(sa_type=sa.String(10), index=True)
    reasons: list = _json([])  # overdue / large_amount / many_workers / mass_incident / leader
    issued_by: int | None = Field(default=None, foreign_key="app_user.id")
    issued_at: datetime = _created()
    due_on: date | None = None
    response: str | None = Field(default=None, sa_type=sa.Text)
    responded_at: datetime | None = _ts()
    responded_by: int | None = Field(default=None, foreign_key="app_user.id")


# --- checklists, inspections, rectifications ------------------------------------------------


class ChecklistTemplate(SQLModel, table=True):
    """A versioned checklist. Editing makes a new version; inspections keep theirs."""

    __tablename__ = "checklist_template"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, index=True)
    kind: TemplateKind = Field(sa_type=sa.String(20))
    version: int
    name: str = Field(max_length=80)
    name_en: str | None = Field(default=None, max_length=120)
    is_current: bool = True
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _created()
    # grade thresholds and other per-version scoring settings
    settings: dict = _json({})


class ChecklistItem(SQLModel, table=True):
    __tablename__ = "checklist_item"
    __table_args__ = (sa.UniqueConstraint("template_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="checklist_template.id", index=True)
    code: str = Field(max_length=20)  # stable across versions
    category: str = Field(max_length=30)
    text: str = Field(sa_type=sa.Text)
    text_en: str | None = Field(default=None, sa_type=sa.Text)
    answer_type: AnswerType = Field(sa_type=sa.String(10))
    weight: float = 0.0
    veto: bool = False
    # e.g. {"photo_on_fail": true}; for numbers {"max_ok": 10}; for choices [{"value", "score"}]
    evidence: dict = _json({})
    rule: dict = _json({})
    sort_order: int = 0


class Reviewed(SQLModel):
    """What the field sends is reviewed (审核, data.services.review): accepted, or returned with the
    reason its author reads on the phone; the author edits it under its number until it is accepted
    (revision + 1, the version before kept in record_revision)."""

    review_status: str | None = Field(default=None, max_length=10)  # None: not yet; accepted; returned
    review_note: str | None = Field(default=None, sa_type=sa.Text)
    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = _ts()
    revision: int = 1


class Inspection(Reviewed, table=True):
    """A station check (标准化检查) or a window audit (窗口督查 / 暗访)."""

    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    kind: InspectionKind = Field(sa_type=sa.String(20), index=True)
    mode: InspectionMode = Field(sa_type=sa.String(10))
    status: InspectionStatus = Field(sa_type=sa.String(10), index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    path: str = _path()
    template_id: int = Field(foreign_key="checklist_template.id")
    inspected_on: date = Field(index=True)
    started_at: datetime | None = _ts()
    auditor_ids: list = _json([])
    lead_auditor_id: int | None = Field(default=None, foreign_key="app_user.id")
    answers: dict = _json({})  # {item_code: {"value": …, "note": …, "photos": [uuid…]}}
    category_scores: dict = _json({})
    score: float | None = None
    grade: Grade | None = Field(default=None, sa_type=sa.String(10), index=True)
    vetoed: bool = False
    summary: str | None = Field(default=None, sa_type=sa.Text)
    published_at: datetime | None = _ts()  # covert audits stay hidden from the station until set
    created_at: datetime = _created()
    body_sha256: str | None = Field(default=None, max_length=64)


class AuditPlanStatus(StrEnum):
    draft = "draft"  # drawn, may be drawn again
    published = "published"  # fixed: the auditors see their assignments; never drawn again


class AuditPlan(SQLModel, table=True):
    """暗访计划: the year's unannounced window audits, drawn at random from a recorded seed
    (data.rules.audit_plan). Confidential: data.queries.audit_plan says who may see it."""

    __tablename__ = "audit_plan"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    path: str = _path()  # the region it covers (a city)
    period_from: date
    period_to: date
    template_id: int = Field(foreign_key="checklist_template.id")
    modes: list = _json([])  # the modes drawn from: covert, overt, phone, online
    per_station: int = 1  # every station at least this many times
    weights: dict = _json({})  # the weights in force when drawn
    seed: int = Field(sa_type=sa.BigInteger)
    status: AuditPlanStatus = Field(sa_type=sa.String(10), index=True)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _created()
    published_by: int | None = Field(default=None, foreign_key="app_user.id")
    published_at: datetime | None = _ts()


class AuditAssignment(SQLModel, table=True):
    """One drawn audit: a station, a day, a mode and a pair of auditors from another county (回避);
    closed by the audit recorded for it."""

    __tablename__ = "audit_assignment"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="audit_plan.id", index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    path: str = _path()
    due_on: date = Field(index=True)
    mode: str = Field(max_length=10)
    auditor_ids: list = _json([])
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id")


class Rectification(SQLModel, table=True):
    """整改: a failed item or a finding, with owner, deadline, evidence and sign-off."""

    __tablename__ = "rectification"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    source: RectificationSource = Field(sa_type=sa.String(20), index=True)
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    item_code: str | None = Field(default=None, max_length=20)
    finding_id: int | None = Field(default=None, foreign_key="walkthrough_finding.id")
    station_id: int | None = Field(default=None, foreign_key="station.id", index=True)
    path: str = _path()
    title: str = Field(max_length=200)
    detail: str | None = Field(default=None, sa_type=sa.Text)
    responsible_person: str | None = Field(default=None, max_length=40)
    responsible_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    due_on: date = Field(index=True)
    status: RectificationStatus = Field(sa_type=sa.String(10), index=True)
    report: str | None = Field(default=None, sa_type=sa.Text)
    reported_at: datetime | None = _ts()
    reported_by: int | None = Field(default=None, foreign_key="app_user.id")
    recheck_note: str | None = Field(default=None, sa_type=sa.Text)
    rechecked_at: datetime | None = _ts()
    rechecked_by: int | None = Field(default=None, foreign_key="app_user.id")
    closed_at: datetime | None = _ts()
    rejections: int = 0
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _created()


class ServiceRating(SQLModel, table=True):
    """好差评: one rating of a station's window service, as the provincial 政务服务好差评 system
    exports it. A 差评 (不满意 / 非常不满意, levels 1–2, or 差) is followed up by a rectification
    (回访整改) whose id it keeps."""

    __tablename__ = "service_rating"
    # a period's ratings counted per station from this index alone (migration 0014): a year of a
    # province's 200,000 ratings without reading the table
    __table_args__ = (sa.Index("ix_service_rating_counts", "rated_on", "path", "station_id", "negative"),)

    id: int | None = Field(default=None, primary_key=True)
    rating_no: str = Field(max_length=40, unique=True)  # 评价编号: a re-import of the same rating is recognised
    rated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    rated_on: date = Field(index=True)  # the bureau's date of rated_at
    station_id: int = Field(foreign_key="station.id", index=True)
    path: str = _path()
    window: str | None = Field(default=None, max_length=40)
    item: str | None = Field(default=None, max_length=80)
    score: int | None = None  # 1–5 when the system gives a level; None when it says only 好 or 差
    negative: bool = Field(default=False, index=True)
    comment: str | None = Field(default=None, sa_type=sa.Text)
    channel: str | None = Field(default=None, max_length=20)
    rectification_id: int | None = Field(default=None, foreign_key="rectification.id")
    created_at: datetime = _created()


# --- field work: walkthroughs, secondments, work logs ---------------------------------------


class ServiceItem(SQLModel, table=True):
    """The configurable list of services a walkthrough can follow (社保卡申领, 失业金 …)."""

    __tablename__ = "service_item"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=60)
    name_en: str | None = Field(default=None, max_length=80)
    published_materials: list = _json([])
    sort_order: int = 0
    active: bool = True


class Walkthrough(Reviewed, table=True):
    """走流程: one walk through a service as a citizen would, with timed steps and trips."""

    __tablename__ = "walkthrough"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    user_id: int = Field(foreign_key="app_user.id", index=True)
    station_id: int | None = Field(default=None, foreign_key="station.id", index=True)
    path: str = _path()
    service_item_code: str = Field(max_length=40, index=True)
    channel: WalkChannel = Field(sa_type=sa.String(15))
    mode: WalkMode = Field(sa_type=sa.String(10))
    place: str | None = Field(default=None, max_length=120)
    walked_on: date = Field(index=True)
    steps: list = _json([])  # [{"name", "started_at", "seconds"}]
    trips: int = 1
    materials_asked: list = _json([])
    materials_published: list = _json([])
    note: str | None = Field(default=None, sa_type=sa.Text)
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    created_at: datetime = _created()
    body_sha256: str | None = Field(default=None, max_length=64)


class WalkthroughFinding(SQLModel, table=True):
    """An item on one of the three lists: issue (问题), need (需求) or fix (整改)."""

    __tablename__ = "walkthrough_finding"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    walkthrough_id: int = Field(foreign_key="walkthrough.id", index=True)
    path: str = _path()
    list_kind: FindingList = Field(sa_type=sa.String(10), index=True)
    category: str = Field(max_length=30)
    text: str = Field(sa_type=sa.Text)
    status: FindingStatus = Field(sa_type=sa.String(12), index=True)
    measure: str | None = Field(default=None, sa_type=sa.Text)
    owner: str | None = Field(default=None, max_length=40)
    due_on: date | None = None
    done_on: date | None = None
    signed_off_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _created()


class Secondment(SQLModel, table=True):
    """挂职: a cadre posted to a township station for about a year (第一副所长)."""

    __tablename__ = "secondment"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    path: str = _path()
    title: str = Field(default="第一副所长", max_length=30)
    home_unit: str | None = Field(default=None, max_length=80)
    starts_on: date
    ends_on: date


class WorkLog(Reviewed, table=True):
    """工作日志: a seconded cadre's daily log. A check-in point is optional and one-off."""

    __tablename__ = "work_log"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    user_id: int = Field(foreign_key="app_user.id", index=True)
    secondment_id: int | None = Field(default=None, foreign_key="secondment.id")
    station_id: int | None = Field(default=None, foreign_key="station.id", index=True)
    path: str = _path()
    log_date: date = Field(index=True)
    work_types: list = _json([])
    done: str = Field(default="", sa_type=sa.Text)
    solved: str | None = Field(default=None, sa_type=sa.Text)
    people_served: int = 0
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    created_at: datetime = _created()
    body_sha256: str | None = Field(default=None, max_length=64)


class RecordRevision(SQLModel, table=True):
    """A field record (work log, walkthrough, inspection) as it was before its author edited it:
    its history (who changed what, when), with the review that returned it."""

    __tablename__ = "record_revision"
    __table_args__ = (sa.Index("ix_record_revision_record", "record_kind", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    record_kind: str = Field(max_length=20)  # work_log, walkthrough, inspection
    record_id: int
    revision: int
    body: dict = _json({})  # the fields as they were, and the review that returned them
    changed_by: int | None = Field(default=None, foreign_key="app_user.id")
    changed_at: datetime = _created()


class WorkLogComment(SQLModel, table=True):
    """A leader's comment on a log (察看工作日志); the cadre sees it in the field app."""

    __tablename__ = "work_log_comment"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    work_log_id: int = Field(foreign_key="work_log.id", index=True)
    author_id: int = Field(foreign_key="app_user.id")
    text: str = Field(sa_type=sa.Text)
    created_at: datetime = _created()
    read_at: datetime | None = _ts()


class Attachment(SQLModel, table=True):
    """A photo (or other evidence). It may arrive before or after the record it belongs to,
    so it names its owner by the owner's client UUID."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    uuid: uuid_lib.UUID = _uuid()
    owner_kind: str = Field(max_length=20, index=True)
    owner_uuid: uuid_lib.UUID = Field(index=True)
    path: str = _path()
    content_type: str = Field(max_length=40)
    size_bytes: int
    sha256: str = Field(max_length=64)
    width: int | None = None
    height: int | None = None
    storage_key: str = Field(max_length=200)
    taken_at: datetime | None = _ts()
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    uploaded_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _created()


# --- configuration and audit ----------------------------------------------------------------


class Setting(SQLModel, table=True):
    """A configurable rule value (thresholds, service levels), as JSON under a key."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(sa_type=sa.JSON)
    updated_at: datetime = _created()
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")


class CalendarDay(SQLModel, table=True):
    """An official holiday or make-up working day loaded by an admin, for years that
    chinesecalendar does not know yet. Overrides the package where both have a day."""

    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    is_working: bool
    name: str | None = Field(default=None, max_length=30)
    loaded_at: datetime = _created()


class ImportJob(SQLModel, table=True):
    """An import started on the admin screen: the file, its check (preview) and its import,
    with progress, counts and the refused rows, readable from any worker."""

    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    filename: str = Field(max_length=200)
    data: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    options: dict = _json({})
    # checking → checked (or refused) → importing → done (or failed)
    status: str = Field(max_length=12, index=True)
    stage: str | None = Field(default=None, max_length=12)
    done: int = 0
    total: int = 0
    counts: dict = _json({})
    errors: list = _json([])  # the first refused rows: [{row, column, message, params}]
    error_count: int = 0
    # one-time passwords of new accounts until the admin has seen them once: [[username, password]]
    passwords: list = _json([])
    message: str | None = Field(default=None, sa_type=sa.Text)
    created_by: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    created_at: datetime = _created()
    finished_at: datetime | None = _ts()


class AuditEvent(SQLModel, table=True):
    """Every write, as `noun.verb` by whom on what."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    actor_name: str | None = Field(default=None, max_length=60)
    action: str = Field(max_length=60, index=True)
    target_kind: str | None = Field(default=None, max_length=30)
    target_id: str | None = Field(default=None, max_length=60, index=True)
    details: dict = _json({})
    ip: str | None = Field(default=None, max_length=45)
