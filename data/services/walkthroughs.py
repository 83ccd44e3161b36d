"""Recording a walkthrough (走流程) with its findings, as the field app sends it.

A walkthrough and its findings (issues 问题, needs 需求, fixes 整改) are one unit: stored
together or not at all, idempotent on the walkthrough's client UUID. The same body sent again
returns the stored walkthrough; a different body (or another user) under a used UUID, or a
finding UUID already used elsewhere, is a Conflict.

`record_walkthrough` raises NotAllowed (role, or a station outside the actor's regions),
ValidationError (field names the input, e.g. "findings[2].text"), Conflict.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_lib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from data.db import forget, keep, kept_reads, read_once
from data.errors import N_, Conflict, NotAllowed, ValidationError
from data.models import (
    Attachment,
    FindingList,
    FindingStatus,
    Rectification,
    Role,
    ServiceItem,
    WalkChannel,
    WalkMode,
    Walkthrough,
    WalkthroughFinding,
)
from data.queries.settings import finding_categories
from data.services.common import Actor, audit, resent_or_conflict, stored
from data.services.inspections import station_in_scope
from data.services.review import is_edit, revise
from data.types import utcnow

WALKERS = (Role.leader, Role.cadre, Role.inspector, Role.admin)
MAX_STEP_SECONDS = 8 * 3600
MAX_STEPS, MAX_FINDINGS, MAX_MATERIALS = 30, 100, 50
TRIPS = (1, 20)
NAME_LIMIT, PLACE_LIMIT, MATERIAL_LIMIT, OWNER_LIMIT = 40, 120, 60, 40
TEXT_LIMIT = 2000
NOTE_LIMIT = 4000
OLDEST_DAYS = 366


@dataclass
class Location:
    lon: float
    lat: float
    accuracy_m: float | None = None


@dataclass
class Step:
    name: str
    seconds: int
    started_at: datetime | None = None


@dataclass
class FindingForm:
    uuid: uuid_lib.UUID
    list_kind: str
    category: str
    text: str
    measure: str | None = None
    owner: str | None = None
    due_on: date | None = None
    done_on: date | None = None


@dataclass
class WalkthroughForm:
    """A walkthrough as the field app sends it (see docs/field-api.md)."""

    uuid: uuid_lib.UUID
    service_item_code: str
    channel: str
    mode: str
    walked_on: date
    steps: list[Step] = field(default_factory=list)
    trips: int = 1
    materials_asked: list[str] = field(default_factory=list)
    place: str | None = None
    station_id: int | None = None
    note: str | None = None
    location: Location | None = None
    findings: list[FindingForm] = field(default_factory=list)

    def body_digest(self) -> str:
        """SHA-256 of the body in a canonical JSON form: a resend matches it, an edit does not."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
                              .encode()).hexdigest()


def _text(value: str | None, limit: int, field_name: str, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(N_("此项必填"), field=field_name)
    if len(value) > limit:
        raise ValidationError(N_("内容过长（最多 %(limit)s 字）"), field=field_name, limit=limit)
    return value or None


def _enum(cls, value, field_name: str):
    try:
        return cls(value)
    except ValueError:
        raise ValidationError(N_("取值无效"), field=field_name) from None


def check_location(location: Location | None) -> Location | None:
    if location is None:
        return None
    for name, value, low, high in (("lon", location.lon, -180, 180), ("lat", location.lat, -90, 90),
                                   ("accuracy_m", location.accuracy_m, 0, 100_000)):
        if value is None and name == "accuracy_m":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValidationError(N_("位置坐标无效"), field=f"location.{name}")
    return location


def _steps(steps: list[Step]) -> list[dict]:
    if len(steps) > MAX_STEPS:
        raise ValidationError(N_("条目过多（最多 %(limit)s 条）"), field="steps", limit=MAX_STEPS)
    cleaned = []
    for n, step in enumerate(steps):
        name = _text(step.name, NAME_LIMIT, f"steps[{n}].name", required=True)
        seconds = step.seconds
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_STEP_SECONDS:
            raise ValidationError(N_("用时应在 0 到 8 小时之间"), field=f"steps[{n}].seconds")
        item = {"name": name, "seconds": seconds}
        if step.started_at is not None:
            item["started_at"] = step.started_at.isoformat()
        cleaned.append(item)
    return cleaned


def _findings(session: Session, form: WalkthroughForm, today: date) -> list[dict]:
    if len(form.findings) > MAX_FINDINGS:
        raise ValidationError(N_("条目过多（最多 %(limit)s 条）"), field="findings", limit=MAX_FINDINGS)
    categories = {kind: {c["code"] for c in table} for kind, table in finding_categories(session).items()}
    seen: set[uuid_lib.UUID] = {form.uuid}
    cleaned = []
    for n, finding in enumerate(form.findings):
        where = f"findings[{n}]"
        if finding.uuid in seen:
            raise ValidationError(N_("编号重复"), field=f"{where}.uuid")
        seen.add(finding.uuid)
        kind = _enum(FindingList, finding.list_kind, f"{where}.list_kind")
        if finding.category not in categories.get(kind.value, set()):
            raise ValidationError(N_("取值无效"), field=f"{where}.category")
        row = {"uuid": finding.uuid, "list_kind": kind, "category": finding.category,
               "text": _text(finding.text, TEXT_LIMIT, f"{where}.text", required=True),
               "measure": None, "owner": None, "due_on": None, "done_on": None, "status": FindingStatus.open}
        if kind == FindingList.fix:
            row["measure"] = _text(finding.measure, TEXT_LIMIT, f"{where}.measure")
            row["owner"] = _text(finding.owner, OWNER_LIMIT, f"{where}.owner")
            if finding.due_on is not None and finding.due_on < form.walked_on:
                raise ValidationError(N_("整改期限不能早于走流程日期"), field=f"{where}.due_on")
            row["due_on"] = finding.due_on
            if finding.done_on is not None:
                if not form.walked_on <= finding.done_on <= today:
                    raise ValidationError(N_("完成日期应在走流程日期与今天之间"), field=f"{where}.done_on")
                row["done_on"], row["status"] = finding.done_on, FindingStatus.done
        elif any(v is not None for v in (finding.measure, finding.owner, finding.due_on, finding.done_on)):
            raise ValidationError(N_("只有整改清单的条目有措施、责任人和期限"), field=f"{where}.list_kind")
        cleaned.append(row)
    return cleaned


def _checked(session: Session, actor: Actor, form: WalkthroughForm, today: date) -> tuple[dict, list[dict]]:
    """The walk's fields as stored and its findings, checked (raises ValidationError, NotAllowed)."""
    item = read_once(session, ("service_item", form.service_item_code), lambda: session.exec(
        select(ServiceItem).where(ServiceItem.code == form.service_item_code)).first())
    if item is None or not item.active:
        raise ValidationError(N_("没有这个服务事项"), field="service_item_code")
    channel = _enum(WalkChannel, form.channel, "channel")
    mode = _enum(WalkMode, form.mode, "mode")
    if form.walked_on > today:
        raise ValidationError(N_("日期不能晚于今天"), field="walked_on")
    if (today - form.walked_on).days > OLDEST_DAYS:
        raise ValidationError(N_("日期太早"), field="walked_on")
    steps = _steps(form.steps)
    trips = form.trips
    if isinstance(trips, bool) or not isinstance(trips, int) or not TRIPS[0] <= trips <= TRIPS[1]:
        raise ValidationError(N_("跑动次数应在 %(low)s 到 %(high)s 之间"), field="trips", low=TRIPS[0], high=TRIPS[1])
    if len(form.materials_asked) > MAX_MATERIALS:
        raise ValidationError(N_("条目过多（最多 %(limit)s 条）"), field="materials_asked", limit=MAX_MATERIALS)
    materials = [_text(m, MATERIAL_LIMIT, f"materials_asked[{n}]", required=True)
                 for n, m in enumerate(form.materials_asked)]
    location = check_location(form.location)
    if form.station_id is not None:
        station = station_in_scope(session, actor, form.station_id)
        station_id, path = station.id, station.path
    elif actor.scope.paths:
        station_id, path = None, actor.scope.paths[0]
    else:
        raise NotAllowed(N_("您没有管辖区域"))
    values = dict(station_id=station_id, path=path, service_item_code=item.code, channel=channel, mode=mode,
                  place=_text(form.place, PLACE_LIMIT, "place"), walked_on=form.walked_on, steps=steps, trips=trips,
                  materials_asked=materials, materials_published=list(item.published_materials or []),
                  note=_text(form.note, NOTE_LIMIT, "note"), lon=location.lon if location else None,
                  lat=location.lat if location else None, accuracy_m=location.accuracy_m if location else None)
    return values, _findings(session, form, today)


def record_walkthrough(session: Session, *, actor: Actor, form: WalkthroughForm, today: date,
                       now: datetime | None = None) -> tuple[Walkthrough, bool]:
    """Check and store a walkthrough with its findings; returns (walkthrough, created). Its walker
    edits it by sending it again under its number until a leader accepts it."""
    if actor.role not in WALKERS:
        raise NotAllowed(N_("您无权记录走流程"))
    existing = stored(session, Walkthrough, form.uuid)
    if existing is not None:
        if is_edit(existing, form, actor, "walkthrough"):
            values, findings = _checked(session, actor, form, today)
            return _edited(session, existing, actor, form, values, findings, now or utcnow()), False
        return _same_or_conflict(existing, form, actor)
    values, findings = _checked(session, actor, form, today)
    now = now or utcnow()
    walk = Walkthrough(uuid=form.uuid, user_id=actor.id, created_at=now, body_sha256=form.body_digest(), **values)
    try:
        session.add(walk)
        session.flush()
        made = [WalkthroughFinding(walkthrough_id=walk.id, path=walk.path, created_at=now, **finding)
                for finding in findings]
        session.add_all(made)
        counts = {kind.value: sum(f["list_kind"] == kind for f in findings) for kind in FindingList}
        audit(session, actor=actor, action="walkthrough.recorded", target_kind="walkthrough", target_id=walk.id,
              details={"uuid": str(walk.uuid), "service_item_code": walk.service_item_code,
                       "station_id": walk.station_id, "findings": counts}, at=now)
        adopt_photos(session, owners=[form.uuid, *(f["uuid"] for f in findings)], actor=actor, path=walk.path)
        session.commit()
    except IntegrityError:
        # a UUID is taken (the unique indexes stop the insert, or the commit; no look-up first,
        # which a new walkthrough would pay for nothing): by the same walkthrough sent twice at
        # once, stored first by the other request — its findings are then its own and this copy
        # is the same record again (200) — or by another record, a conflict
        session.rollback()
        return _stored_or_conflict(session, form, actor)
    keep(session, ("findings", walk.id), made)  # made in order: their ids rise as findings_of sorts them
    return walk, True


FINDING_FIELDS = ("list_kind", "category", "text", "measure", "owner", "due_on", "done_on", "status")


def _edited(session: Session, walk: Walkthrough, actor: Actor, form: WalkthroughForm, values: dict,
            findings: list[dict], now: datetime) -> Walkthrough:
    """The walk as its walker changed it: the version before (with its findings) goes to its history
    and the review starts again. Findings are matched by their number: changed, added or dropped —
    except one a leader has acted on (made a rectification of, or moved on the fix list), which
    must come back as it is."""
    stored = {f.uuid: f for f in session.exec(select(WalkthroughFinding)
                                              .where(WalkthroughFinding.walkthrough_id == walk.id))}
    sent = {f["uuid"]: f for f in findings}
    acted = set(session.exec(select(Rectification.finding_id).where(
        Rectification.finding_id.in_([f.id for f in stored.values()]))).all()) if stored else set()
    touched = {key for key, f in stored.items()
               if f.id in acted or f.signed_off_by is not None or f.status == FindingStatus.in_progress}
    for key in touched:
        finding = stored[key]
        if key not in sent or any(sent[key][k] != getattr(finding, k) for k in FINDING_FIELDS if k != "status"):
            raise Conflict(N_("条目“%(text)s”已在办理，不能修改或删去"), text=finding.text[:30])
    other = session.exec(select(WalkthroughFinding.uuid).where(WalkthroughFinding.uuid.in_(list(sent)),
                                                               WalkthroughFinding.walkthrough_id != walk.id)).first()
    if other is not None:
        raise Conflict(N_("该编号已用于另一条记录"))
    was = [{"uuid": str(f.uuid), **{k: getattr(f, k) for k in FINDING_FIELDS}} for f in stored.values()]
    changed = revise(session, walk, "walkthrough", values, form.body_digest(),
                     fields=[k for k in values if k != "path"], actor=actor, now=now, also={"findings": was})
    for key, finding in stored.items():
        if key not in sent:
            session.delete(finding)
    session.flush()
    for key, row in sent.items():
        if key in stored:
            if key not in touched:  # one under way came back as it is (checked above)
                for name, value in row.items():
                    setattr(stored[key], name, value)
            stored[key].path = walk.path
        else:
            session.add(WalkthroughFinding(walkthrough_id=walk.id, path=walk.path, created_at=now, **row))
    adopt_photos(session, owners=[form.uuid, *sent], actor=actor, path=walk.path)
    audit(session, actor=actor, action="walkthrough.edited", target_kind="walkthrough", target_id=walk.id,
          details={"uuid": str(walk.uuid), "revision": walk.revision, "changed": changed,
                   "findings": {"added": sum(k not in stored for k in sent),
                                "dropped": sum(k not in sent for k in stored)}}, at=now)
    session.commit()
    forget(session, ("findings", walk.id))
    return walk


def _stored_or_conflict(session: Session, form: WalkthroughForm, actor: Actor) -> tuple[Walkthrough, bool]:
    stored = session.exec(select(Walkthrough).where(Walkthrough.uuid == form.uuid)).first()
    if stored is None:
        raise Conflict(N_("该编号已用于另一条记录"))
    return _same_or_conflict(stored, form, actor)


def _same_or_conflict(existing: Walkthrough, form: WalkthroughForm, actor: Actor) -> tuple[Walkthrough, bool]:
    return resent_or_conflict(existing, form, sender_id=existing.user_id, actor=actor,
                              message=N_("该编号已用于另一条记录"))


def adopt_photos(session: Session, *, owners: list[uuid_lib.UUID], actor: Actor, path: str) -> None:
    """Photos sent before their record were filed under the sender's region; the record, once
    here, says where they belong (who may see them). In a batch they were looked up for all its
    records at once (look_up_photos)."""
    kept = kept_reads(session)
    looked = kept.get(("photos", actor.id)) if kept is not None else None
    if looked is not None and looked[0].issuperset(owners):
        photos = [photo for owner in owners for photo in looked[1].get(owner, ())]
    else:
        photos = session.exec(select(Attachment).where(Attachment.owner_uuid.in_(owners),
                                                       Attachment.uploaded_by == actor.id))
    for photo in photos:
        photo.path = path


def look_up_photos(session: Session, *, actor_id: int, owners) -> None:
    """A batch's photos sent before their records, looked up at once for every record and finding
    it names (pwa.api.routes.post_records, within data.db.reads_kept). The field app sends a
    record's photos after its body, so these are rare; one sent while the batch is stored is filed
    by its own request (data.services.photos.attach_photo) once the record is there."""
    kept, owners = kept_reads(session), {owner for owner in owners if owner is not None}
    if kept is None or not owners:
        return
    photos: dict = {}
    for photo in session.exec(select(Attachment).where(Attachment.owner_uuid.in_(owners),
                                                       Attachment.uploaded_by == actor_id)):
        photos.setdefault(photo.owner_uuid, []).append(photo)
    kept[("photos", actor_id)] = (owners, photos)
