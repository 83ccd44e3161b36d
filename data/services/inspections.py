"""Recording and publishing inspections: station checks (标准化检查) and window audits (明察暗访).

`record_inspection` takes a filled-in form (from the desktop or the field app), checks who may
record it, where, against which template version and with which answers, scores it with the
pure rules and stores it as submitted. `publish` circulates it (通报): only then does the audited
station see it, and every failed item becomes a rectification with a deadline in working days.
A covert audit therefore never tips off the station before the circular.

Recording is idempotent on the client's UUID: the same body sent again returns the stored
inspection; a different body under a used UUID is a Conflict.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_lib
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from data.db import read_once
from data.errors import N_, NotAllowed, ValidationError, WorkflowError
from data.models import (
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    InspectionMode,
    InspectionStatus,
    Rectification,
    RectificationSource,
    RectificationStatus,
    Role,
    Secondment,
    Station,
    StationStaff,
    User,
)
from data.queries.settings import grade_thresholds, rectification_days, work_calendar
from data.queries.templates import KIND_FOR_INSPECTION, template_items
from data.rules.calendar import add_working_days
from data.rules.scoring import Score, item_fraction, score_checklist
from data.services.common import Actor, audit, resent_or_conflict, stored, stored_twin
from data.services.review import ACCEPTED, RETURNED, is_edit, revise
from data.types import utcnow

RECORDERS = (Role.inspector, Role.admin)
AUDITOR_ROLES = (Role.inspector, Role.leader, Role.admin)
PUBLISHERS = (Role.inspector, Role.leader, Role.admin)
MODES = {InspectionKind.station_check: (InspectionMode.announced, InspectionMode.overt),
         InspectionKind.window_audit: (InspectionMode.overt, InspectionMode.covert, InspectionMode.phone,
                                       InspectionMode.online)}
NOTE_LIMIT = 1000


@dataclass
class InspectionForm:
    """A filled-in checklist as the forms send it.

    answers: {item_code: {"value": …, "note": "…", "photos": ["<uuid>", …]}}; an item whose
    rule limits it to other modes is stored as not applicable whatever was sent.
    """

    kind: InspectionKind
    mode: InspectionMode
    station_id: int
    template_id: int
    inspected_on: date
    auditor_ids: list[int]
    answers: dict
    summary: str | None = None
    uuid: uuid_lib.UUID | None = None
    started_at: datetime | None = None
    extra: dict = field(default_factory=dict)

    def body_digest(self) -> str:
        body = {"kind": str(self.kind), "mode": str(self.mode), "station_id": self.station_id,
                "template_id": self.template_id, "inspected_on": self.inspected_on.isoformat(),
                "auditor_ids": sorted(self.auditor_ids), "answers": self.answers, "summary": self.summary}
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
                              .encode()).hexdigest()


def station_in_scope(session: Session, actor: Actor, station_id: int) -> Station:
    station = read_once(session, ("station", station_id), lambda: session.get(Station, station_id))
    if station is None or not station.active or not actor.scope.covers(station.path):
        raise NotAllowed(N_("站点不存在或不在您的管辖范围内"))
    return station


def _enum(cls, value, field_name: str):
    try:
        return cls(value)
    except ValueError:
        raise ValidationError(N_("取值无效"), field=field_name) from None


def _check_answers(items, answers: dict, mode: InspectionMode) -> dict:
    if not isinstance(answers, dict):
        raise ValidationError(N_("检查结果格式不对"), field="answers")
    known = {item.code for item in items}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValidationError(N_("模板中没有检查项 %(code)s"), field=f"answers.{unknown[0]}", code=unknown[0])
    cleaned: dict[str, dict] = {}
    for item in items:
        code = item.code
        raw = answers.get(code)
        modes = (item.rule or {}).get("modes")
        if modes and mode not in modes:
            cleaned[code] = {"value": "na"}
            continue
        if raw is None or not isinstance(raw, dict) or "value" not in raw or raw["value"] in (None, ""):
            raise ValidationError(N_("第 %(code)s 项还没有填写"), field=f"answers.{code}", code=code)
        try:
            fraction = item_fraction(item, raw["value"])
        except ValueError:
            raise ValidationError(N_("第 %(code)s 项的取值无效"), field=f"answers.{code}", code=code) from None
        note = str(raw.get("note") or "").strip()
        if len(note) > NOTE_LIMIT:
            raise ValidationError(N_("内容过长（最多 %(limit)s 字）"), field=f"answers.{code}.note", limit=NOTE_LIMIT)
        photos = raw.get("photos") or []
        try:
            photos = [str(uuid_lib.UUID(str(p))) for p in photos]
        except ValueError:
            raise ValidationError(N_("照片编号无效"), field=f"answers.{code}.photos") from None
        failed = fraction is not None and fraction < 1
        if failed and (item.evidence or {}).get("photo_on_fail") and not photos:
            raise ValidationError(N_("第 %(code)s 项不合格，需要拍照留证"), field=f"answers.{code}.photos", code=code)
        answer = {"value": raw["value"]}
        if note:
            answer["note"] = note
        if photos:
            answer["photos"] = photos
        cleaned[code] = answer
    return cleaned


def preview(session: Session, *, template_id: int, answers: dict, mode: str | None = None) -> Score:
    """The live score of a half-filled form (invalid answers count as unanswered), as the entry
    forms show it while the inspector types; items the `mode` does not apply to are not
    applicable, as on submission, so a form is whole once its applicable items are answered."""
    items = template_items(session, template_id)
    usable = {}
    for item in items:
        modes = (item.rule or {}).get("modes")
        if mode and modes and mode not in modes:
            usable[item.code] = {"value": "na"}
            continue
        raw = answers.get(item.code)
        value = raw.get("value") if isinstance(raw, dict) else None
        try:
            item_fraction(item, value)
        except ValueError:
            continue
        if value not in (None, ""):
            usable[item.code] = {"value": value}
    return score_checklist(items, usable, grade_thresholds(session))


def _checked(session: Session, actor: Actor, form: InspectionForm, today: date) -> tuple[dict, Score]:
    """The form's fields as stored, checked and scored (raises ValidationError, NotAllowed)."""
    kind = _enum(InspectionKind, form.kind, "kind")
    mode = _enum(InspectionMode, form.mode, "mode")
    if mode not in MODES[kind]:
        raise ValidationError(N_("这种检查不能用该方式进行"), field="mode")
    station = station_in_scope(session, actor, form.station_id)
    template = session.get(ChecklistTemplate, form.template_id)
    if template is None or template.kind != KIND_FOR_INSPECTION[kind]:
        raise ValidationError(N_("检查模板与检查类型不符"), field="template_id")
    if not isinstance(form.inspected_on, date) or form.inspected_on > today:
        raise ValidationError(N_("检查日期不能晚于今天"), field="inspected_on")
    if (today - form.inspected_on).days > 366:
        raise ValidationError(N_("检查日期太早"), field="inspected_on")
    auditors = list(dict.fromkeys([actor.id, *[int(a) for a in form.auditor_ids]]))
    if len(auditors) < 2:
        raise ValidationError(N_("明察暗访至少需要两名检查人员"), field="auditor_ids")
    found = session.exec(select(User.id).where(User.id.in_(auditors), User.active.is_(True),
                                               User.role.in_(AUDITOR_ROLES))).all()
    if len(set(found)) != len(auditors):
        raise ValidationError(N_("检查人员须为在岗的督查人员或领导"), field="auditor_ids")
    items = template_items(session, template.id)
    answers = _check_answers(items, form.answers, mode)
    score = score_checklist(items, answers, grade_thresholds(session))
    summary = (form.summary or "").strip() or None
    if summary and len(summary) > 4000:
        raise ValidationError(N_("内容过长（最多 %(limit)s 字）"), field="summary", limit=4000)
    return dict(kind=kind, mode=mode, station_id=station.id, path=station.path, template_id=template.id,
                inspected_on=form.inspected_on, started_at=form.started_at, auditor_ids=auditors, answers=answers,
                category_scores=score.category_scores, score=score.total, grade=score.grade, vetoed=score.vetoed,
                summary=summary), score


def record_inspection(session: Session, *, actor: Actor, form: InspectionForm, today: date,
                      now: datetime | None = None) -> tuple[Inspection, bool]:
    """Check, score and store a filled-in checklist as submitted; returns (inspection, created).
    Its lead auditor edits it by sending it again under its number until it is circulated."""
    if actor.role not in RECORDERS:
        raise NotAllowed(N_("只有督查人员可以录入检查"))
    existing = None
    if form.uuid is not None:
        existing = stored(session, Inspection, form.uuid)
        if existing is not None and not is_edit(existing, form, actor, "inspection"):
            return _same_or_conflict(existing, form, actor)
    values, score = _checked(session, actor, form, today)
    now = now or utcnow()
    if existing is not None:
        return _edited(session, existing, actor, values, form.body_digest(), now), False
    inspection = Inspection(uuid=form.uuid or uuid_lib.uuid4(), status=InspectionStatus.submitted,
                            lead_auditor_id=actor.id, created_at=now, body_sha256=form.body_digest(), **values)
    try:
        session.add(inspection)
        session.flush()
        audit(session, actor=actor, action="inspection.recorded", target_kind="inspection",
              target_id=inspection.id, details={"uuid": str(inspection.uuid), "station_id": inspection.station_id,
                                                "kind": values["kind"].value, "mode": values["mode"].value,
                                                "score": score.total, "grade": score.grade,
                                                "failed": list(score.failed)}, at=now)
        from data.services.audit_plan import close_assignment  # the plan's assignment it fulfils
        close_assignment(session, inspection=inspection, actor=actor)
        session.commit()
    except IntegrityError as refused:  # sent twice at once (the UUID stops the second at insert or commit)
        return _same_or_conflict(stored_twin(session, Inspection, form.uuid, refused), form, actor)
    return inspection, True


PLAN_FIELDS = ("kind", "station_id", "inspected_on", "auditor_ids")  # what ties an audit to the plan


def _edited(session: Session, inspection: Inspection, actor: Actor, values: dict, digest: str,
            now: datetime) -> Inspection:
    """The audit as its lead auditor changed it before the circular: the version before goes to its
    history, the review starts again, and the plan's assignment follows a changed station or date."""
    changed = revise(session, inspection, "inspection", values, digest, fields=[k for k in values if k != "path"],
                     actor=actor, now=now)
    if set(changed) & set(PLAN_FIELDS):
        from data.services.audit_plan import close_assignment, release_assignment
        release_assignment(session, inspection=inspection)
        close_assignment(session, inspection=inspection, actor=actor)
    audit(session, actor=actor, action="inspection.edited", target_kind="inspection", target_id=inspection.id,
          details={"uuid": str(inspection.uuid), "revision": inspection.revision, "changed": changed,
                   "score": inspection.score, "grade": inspection.grade}, at=now)
    session.commit()
    return inspection


def _same_or_conflict(existing: Inspection, form: InspectionForm, actor: Actor) -> tuple[Inspection, bool]:
    return resent_or_conflict(existing, form, sender_id=existing.lead_auditor_id, actor=actor,
                              message=N_("该编号已用于另一份检查记录"))


def responsible(session: Session, station: Station, on: date) -> tuple[str | None, int | None]:
    """Who answers for a station's rectifications: its head (所长) by name, and the seconded
    first deputy director in post, whose account sees them in the field app."""
    head = session.exec(select(StationStaff.name).where(StationStaff.station_id == station.id,
                                                       StationStaff.active.is_(True))
                        .order_by((StationStaff.post != "所长"), StationStaff.id)).first()
    cadre = session.exec(select(Secondment.user_id).where(Secondment.station_id == station.id,
                                                          Secondment.starts_on <= on, Secondment.ends_on >= on)
                         .order_by(Secondment.starts_on.desc())).first()
    return head, cadre


def publish(session: Session, *, actor: Actor, inspection_id: int, today: date,
            now: datetime | None = None) -> list[Rectification]:
    """Circulate an inspection (通报): the station sees it from now on, and each failed item
    becomes a rectification due in the configured number of working days."""
    if actor.role not in PUBLISHERS:
        raise NotAllowed(N_("您无权通报检查结果"))
    inspection = session.get(Inspection, inspection_id, with_for_update=True)
    if inspection is None or not actor.scope.covers(inspection.path):
        raise NotAllowed(N_("检查记录不存在或不在您的管辖范围内"))
    if inspection.status != InspectionStatus.submitted:
        raise WorkflowError(N_("这份检查记录已经通报过了"))
    if inspection.review_status == RETURNED:
        raise WorkflowError(N_("这份检查记录已退回修改，检查人员重新提交后才能通报"))
    now = now or utcnow()
    inspection.status, inspection.published_at = InspectionStatus.published, now
    inspection.review_status, inspection.reviewed_by, inspection.reviewed_at = ACCEPTED, actor.id, now
    items = {i.code: i for i in template_items(session, inspection.template_id)}
    failed = score_checklist(items.values(), inspection.answers).failed
    station = session.get(Station, inspection.station_id)
    person, user_id = responsible(session, station, today)
    due = add_working_days(today, rectification_days(session), work_calendar(session)).due
    made = []
    for code in failed:
        note = (inspection.answers.get(code) or {}).get("note")
        rect = Rectification(source=RectificationSource.inspection, inspection_id=inspection.id, item_code=code,
                             station_id=station.id, path=station.path, title=items[code].text[:200], detail=note,
                             responsible_person=person, responsible_user_id=user_id, due_on=due,
                             status=RectificationStatus.open, created_by=actor.id, created_at=now)
        session.add(rect)
        made.append(rect)
    session.flush()
    audit(session, actor=actor, action="inspection.published", target_kind="inspection", target_id=inspection.id,
          details={"rectifications": [r.id for r in made], "due_on": due.isoformat()}, at=now)
    for rect in made:
        audit(session, actor=actor, action="rectification.created", target_kind="rectification",
              target_id=rect.id, details={"inspection_id": inspection.id, "item_code": rect.item_code,
                                          "due_on": due.isoformat()}, at=now)
    session.commit()
    return made
