"""The API's request and response bodies (pydantic v2): what docs/field-api.md describes, and what
the OpenAPI document at /api/v1/openapi.json is generated from.

Limits that are business rules (the date window, the station's scope, known service items and
categories) live in the services, which check them again whoever calls; the bounds here are
the shape of the body.
"""

from __future__ import annotations

import uuid as uuid_lib
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from data.models import FindingList, InspectionKind, InspectionMode, WalkChannel, WalkMode
from data.services import photos, walkthroughs, work_logs

# --- what any input must be, whatever the field: storable on both databases -------------------

# row ids are INTEGER on PostgreSQL: a larger number names no row and must not reach the database
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# a number in an answer: what JSON carries exactly, never infinite
Number = Annotated[int, Field(ge=-(2**53), le=2**53)] | Annotated[float, Field(allow_inf_nan=False)]


def _storable_time(moment: datetime) -> datetime:
    """A moment that converts to UTC inside years 1–9999 (9999-12-31T23:59-12:00 does not)."""
    try:
        (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None
    return moment


Moment = Annotated[datetime, AfterValidator(_storable_time)]


def _storable_text(value):
    """Text PostgreSQL and SQLite can store: no NUL character, no lone surrogate (a JSON "\\ud800")."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError("NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("not valid text") from None
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return value


class In(BaseModel):
    """A request body or query: every field's text is storable (the field names the bad input)."""

    @field_validator("*")
    @classmethod
    def _text(cls, value):
        return _storable_text(value)


class ErrorDetail(BaseModel):
    code: Literal["unauthenticated", "csrf", "forbidden", "not_found", "method_not_allowed", "conflict",
                  "validation", "too_large", "throttled", "server_error"]
    message: str
    fields: dict[str, str] = Field(default_factory=dict, description='e.g. {"findings[2].text": "此项必填"}')
    request_id: str = Field(description="this request's id, as in the X-Request-ID header and the server's logs")


class ErrorBody(BaseModel):
    """Every non-2xx answer."""

    error: ErrorDetail


# --- sign-in ---------------------------------------------------------------------------------


class SessionIn(In):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)
    device_label: str | None = Field(default=None, max_length=80, description="e.g. the phone's name")


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    language: str
    must_change_password: bool = Field(default=False, description="a one-time password: only /password until changed")


class PasswordIn(In):
    current: str = Field(min_length=1, max_length=200)
    new: str = Field(min_length=1, max_length=200)
    repeat: str = Field(min_length=1, max_length=200)


class SessionOut(BaseModel):
    user: UserOut
    device_expires_at: datetime


class MeOut(BaseModel):
    user: UserOut


# --- records ---------------------------------------------------------------------------------


class LocationIn(In):
    """A one-off check-in point the user tapped (WGS-84)."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class StepIn(In):
    name: str = Field(min_length=1, max_length=walkthroughs.NAME_LIMIT)
    seconds: int = Field(ge=0, le=walkthroughs.MAX_STEP_SECONDS)
    started_at: Moment | None = None


class FindingIn(In):
    uuid: uuid_lib.UUID
    list_kind: FindingList
    category: str = Field(min_length=1, max_length=30)
    text: str = Field(min_length=1, max_length=walkthroughs.TEXT_LIMIT)
    measure: str | None = Field(default=None, max_length=walkthroughs.TEXT_LIMIT, description="fix only")
    owner: str | None = Field(default=None, max_length=walkthroughs.OWNER_LIMIT, description="fix only")
    due_on: date | None = Field(default=None, description="fix only")
    done_on: date | None = Field(default=None, description="fix only; makes it done")


class WalkthroughIn(In):
    """走流程: one walk through a service, with its issues, needs and fixes."""

    uuid: uuid_lib.UUID
    service_item_code: str = Field(min_length=1, max_length=40)
    channel: WalkChannel
    mode: WalkMode
    place: str | None = Field(default=None, max_length=walkthroughs.PLACE_LIMIT)
    walked_on: date
    station_id: Id | None = None
    steps: list[StepIn] = Field(default_factory=list, max_length=walkthroughs.MAX_STEPS)
    trips: int = Field(default=1, ge=walkthroughs.TRIPS[0], le=walkthroughs.TRIPS[1])
    materials_asked: list[str] = Field(default_factory=list, max_length=walkthroughs.MAX_MATERIALS)
    note: str | None = Field(default=None, max_length=walkthroughs.NOTE_LIMIT)
    location: LocationIn | None = None
    findings: list[FindingIn] = Field(default_factory=list, max_length=walkthroughs.MAX_FINDINGS)


class StepOut(BaseModel):
    name: str
    seconds: int
    started_at: str | None = None


class FindingOut(BaseModel):
    uuid: uuid_lib.UUID
    list_kind: str
    category: str
    text: str
    status: str
    measure: str | None
    owner: str | None
    due_on: date | None
    done_on: date | None


class WalkthroughOut(BaseModel):
    id: int
    uuid: uuid_lib.UUID
    service_item_code: str
    channel: str
    mode: str
    place: str | None
    walked_on: date
    station_id: int | None
    steps: list[StepOut]
    trips: int
    materials_asked: list[str]
    materials_published: list[str]
    note: str | None
    location: LocationIn | None
    findings: list[FindingOut]
    created_at: datetime


class WorkLogIn(In):
    """工作日志: a seconded cadre's log of one day."""

    uuid: uuid_lib.UUID
    log_date: date
    work_types: list[str] = Field(min_length=1, max_length=10)
    done: str = Field(min_length=1, max_length=work_logs.TEXT_LIMIT)
    solved: str | None = Field(default=None, max_length=work_logs.TEXT_LIMIT)
    people_served: int = Field(default=0, ge=0, le=work_logs.MAX_PEOPLE)
    station_id: Id | None = None
    location: LocationIn | None = None


class WorkLogOut(BaseModel):
    id: int
    uuid: uuid_lib.UUID
    log_date: date
    work_types: list[str]
    done: str
    solved: str | None
    people_served: int
    station_id: int | None
    location: LocationIn | None
    created_at: datetime


class AnswerIn(In):
    value: str | bool | Number | None = None
    note: str | None = Field(default=None, max_length=1000)
    photos: list[uuid_lib.UUID] = Field(default_factory=list, max_length=20)


class InspectionIn(In):
    """Exactly data.services.inspections.InspectionForm."""

    uuid: uuid_lib.UUID
    kind: InspectionKind
    mode: InspectionMode
    station_id: Id
    template_id: Id
    inspected_on: date
    auditor_ids: list[Id] = Field(max_length=20)
    answers: dict[str, AnswerIn]
    summary: str | None = Field(default=None, max_length=4000)
    started_at: Moment | None = None


class InspectionOut(BaseModel):
    id: int
    uuid: uuid_lib.UUID
    kind: str
    mode: str
    status: str
    station_id: int
    template_id: int
    inspected_on: date
    auditor_ids: list[int]
    score: float | None
    grade: str | None
    vetoed: bool
    created_at: datetime


class PhotoQuery(In):
    owner_kind: Literal[photos.OWNER_KINDS]  # type: ignore[valid-type]
    owner_uuid: uuid_lib.UUID
    taken_at: Moment | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class PhotoOut(BaseModel):
    uuid: uuid_lib.UUID
    width: int
    height: int
    bytes: int


class RecordsQuery(In):
    kind: Literal["walkthrough", "work_log", "inspection", "photo"] | None = None
    since: Moment | None = None


class RecordOut(BaseModel):
    uuid: uuid_lib.UUID
    kind: str
    created_at: datetime
    status: str


class RecordsOut(BaseModel):
    records: list[RecordOut]



BATCH_LIMIT = 20  # records per POST /api/v1/records: a weak link's request stays short


class BatchItemIn(In):
    kind: Literal["walkthrough", "work_log", "inspection"]
    body: dict[str, Any] = Field(description="the record, as its own endpoint takes it")


class BatchIn(In):
    """Records from a phone's outbox in one request, each stored (or refused) on its own."""

    records: list[BatchItemIn] = Field(min_length=1, max_length=BATCH_LIMIT)


class BatchResultOut(BaseModel):
    """One record's answer, as its own endpoint would give it: `status` 201, 200, 403, 409 or 422,
    with the stored `record` on 201/200 and the `error` otherwise."""

    kind: str
    uuid: uuid_lib.UUID | None = Field(description="the record's UUID (none when the body has no valid one)")
    status: int
    record: WalkthroughOut | WorkLogOut | InspectionOut | None = None
    error: ErrorDetail | None = None


class BatchOut(BaseModel):
    results: list[BatchResultOut] = Field(description="in the order sent")

# --- reference data --------------------------------------------------------------------------


class Option(BaseModel):
    value: str
    label: str


class StationOut(BaseModel):
    id: int
    name: str
    township: str


class ServiceItemOut(BaseModel):
    code: str
    name: str
    name_en: str | None
    published_materials: list[str]


class TemplateItemOut(BaseModel):
    code: str
    category: str
    text: str
    answer_type: str
    weight: float
    veto: bool
    evidence: dict[str, Any]
    rule: dict[str, Any]


class TemplateOut(BaseModel):
    id: int
    code: str
    kind: str
    version: int
    name: str
    thresholds: dict[str, float]
    categories: dict[str, str]
    items: list[TemplateItemOut]


class AuditorOut(BaseModel):
    id: int
    name: str


class CommentOut(BaseModel):
    uuid: uuid_lib.UUID
    work_log_uuid: uuid_lib.UUID
    author: str
    text: str
    created_at: datetime


class FindingCategoriesOut(BaseModel):
    issue: list[Option]
    need: list[Option]
    fix: list[Option]


class TodoOut(BaseModel):
    """One item of the person's to-do list (data.queries.todo), its kind's title translated."""

    kind: str
    title: str
    record: str
    reason: str = ""
    link: str
    due: date | None = None
    late: bool = False


class ReferenceOut(BaseModel):
    """What the field app keeps for offline use."""

    model_config = ConfigDict(title="Reference")

    user: UserOut
    server_date: date
    stations: list[StationOut]
    service_items: list[ServiceItemOut]
    channels: list[Option]
    modes: list[Option]
    finding_categories: FindingCategoriesOut
    work_types: list[Option]
    templates: list[TemplateOut]
    auditors: list[AuditorOut]
    comments: list[CommentOut]
    todo: list[TodoOut] = []  # what waits for the person when the reference was fetched
