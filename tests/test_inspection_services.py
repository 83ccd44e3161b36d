"""Inspection, publishing, rectification and photo services on a real database."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlmodel import select

from data import checklists
from data.errors import Conflict, NotAllowed, ValidationError, WorkflowError
from data.models import AuditEvent, Inspection, InspectionStatus, Rectification, RectificationStatus, Role, StationStaff
from data.queries.inspections import published_clause
from data.scope import Scope
from data.services import inspections as inspection_service
from data.services import rectifications as rect_service
from data.services.common import Actor
from data.services.inspections import InspectionForm, record_inspection
from data.services.photos import MAX_SIDE, PhotoMeta, store_photo
from data.services.templates import new_version
from tests.factories import (
    make_city,
    make_secondment,
    make_station,
    make_templates,
    make_users,
    passing_answers,
)

TODAY = date(2026, 9, 25)  # Mid-Autumn Festival, days before the National Day holiday (1–7 October)


def actor_of(user, *regions) -> Actor:
    return Actor(user.id, user.username, user.role, Scope(tuple(r.path for r in regions)))


@pytest.fixture
def world(session):
    city = make_city(session)
    templates = make_templates(session)
    station_a = make_station(session, township=city["town_a"])
    station_b = make_station(session, township=city["town_b"])
    session.add(StationStaff(station_id=station_a.id, path=station_a.path, name="李所长", post="所长"))
    users = make_users(session, city, insp1=(Role.inspector, "city"), insp2=(Role.inspector, "city"),
                       insp_b=(Role.inspector, "b"), cadre_a=(Role.cadre, "town_a"), cadre_b=(Role.cadre, "town_b"),
                       admin_a=(Role.admin, "a"), leader=(Role.leader, "city"))
    make_secondment(session, user=users["cadre_a"], station=station_a)
    session.commit()
    actors = {
        "insp1": actor_of(users["insp1"], city["city"]), "insp2": actor_of(users["insp2"], city["city"]),
        "insp_b": actor_of(users["insp_b"], city["b"]), "cadre_a": actor_of(users["cadre_a"], city["town_a"]),
        "cadre_b": actor_of(users["cadre_b"], city["town_b"]), "admin_a": actor_of(users["admin_a"], city["a"]),
        "leader": actor_of(users["leader"], city["city"]),
    }
    return {"city": city, "templates": templates, "a": station_a, "b": station_b, "users": users,
            "actors": actors}


def audit_form(world, *, mode="covert", answers=None, station=None, auditors=None, **extra) -> InspectionForm:
    answers = answers if answers is not None else passing_answers("window_audit", mode)
    return InspectionForm(kind="window_audit", mode=mode, station_id=(station or world["a"]).id,
                          template_id=world["templates"]["window_audit"].id, inspected_on=date(2026, 9, 24),
                          auditor_ids=auditors if auditors is not None else [world["users"]["insp2"].id],
                          answers=answers, **extra)


def failing(world, *codes, photo=True, mode="covert") -> dict:
    answers = passing_answers("window_audit", mode)
    for code in codes:
        answers[code] = {"value": "fail", "note": "窗口无人", **({"photos": [str(uuid.uuid4())]} if photo else {})}
    return answers


def visible(session, actor: Actor) -> list[int]:
    return list(session.exec(select(Inspection.id).where(actor.scope.clause(Inspection.path),
                                                         published_clause(Inspection, actor.role, actor.scope))))


def test_a_failed_item_needs_its_photo(session, world):
    form = audit_form(world, answers=failing(world, "W02", photo=False))
    with pytest.raises(ValidationError) as refused:
        record_inspection(session, actor=world["actors"]["insp1"], form=form, today=TODAY)
    assert refused.value.field == "answers.W02.photos"


def test_recording_scores_and_audits(session, world):
    form = audit_form(world, answers=failing(world, "W02", "W20"))
    inspection, created = record_inspection(session, actor=world["actors"]["insp1"], form=form, today=TODAY)
    assert created and inspection.status == InspectionStatus.submitted and inspection.published_at is None
    assert inspection.score == 90.0 and inspection.grade == "model"  # 10 of 100 points lost
    assert inspection.auditor_ids == [world["users"]["insp1"].id, world["users"]["insp2"].id]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "inspection.recorded")).one()
    assert event.actor_id == world["users"]["insp1"].id and event.details["failed"] == ["W02", "W20"]


def test_items_outside_the_mode_are_not_applicable(session, world):
    answers = passing_answers("window_audit", "phone")
    answers["W01"] = {"value": "fail"}  # a phone test cannot see whether the hall opened on time
    inspection, _ = record_inspection(session, actor=world["actors"]["insp1"],
                                      form=audit_form(world, mode="phone", answers=answers), today=TODAY)
    assert inspection.answers["W01"] == {"value": "na"} and inspection.score == 100.0


@pytest.mark.parametrize("change, field", [
    ({"auditor_ids": []}, "auditor_ids"),
    ({"mode": "announced"}, "mode"),
    ({"inspected_on": date(2026, 9, 26)}, "inspected_on"),
    ({"answers": {"W01": {"value": "pass"}}}, "answers.W02"),
    ({"answers": {**passing_answers("window_audit", "covert"), "W14": {"value": "soon"}}}, "answers.W14"),
    ({"answers": {**passing_answers("window_audit", "covert"), "X99": {"value": "pass"}}}, "answers.X99"),
])
def test_bad_forms_are_refused_with_the_field_named(session, world, change, field):
    form = audit_form(world)
    for key, value in change.items():
        setattr(form, key, value)
    with pytest.raises(ValidationError) as refused:
        record_inspection(session, actor=world["actors"]["insp1"], form=form, today=TODAY)
    assert refused.value.field == field
    assert session.exec(select(sa.func.count()).select_from(Inspection)).one() == 0


def test_a_cadre_cannot_be_an_auditor_nor_record(session, world):
    form = audit_form(world, auditors=[world["users"]["cadre_a"].id])
    with pytest.raises(ValidationError):
        record_inspection(session, actor=world["actors"]["insp1"], form=form, today=TODAY)
    with pytest.raises(NotAllowed):
        record_inspection(session, actor=world["actors"]["cadre_a"], form=audit_form(world), today=TODAY)


def test_a_station_outside_the_inspectors_regions_is_refused(session, world):
    with pytest.raises(NotAllowed):
        record_inspection(session, actor=world["actors"]["insp_b"], form=audit_form(world), today=TODAY)


def test_the_template_must_match_the_kind(session, world):
    form = audit_form(world)
    form.template_id = world["templates"]["standardisation"].id
    with pytest.raises(ValidationError) as refused:
        record_inspection(session, actor=world["actors"]["insp1"], form=form, today=TODAY)
    assert refused.value.field == "template_id"


def test_recording_is_idempotent_on_the_client_uuid(session, world):
    key = uuid.uuid4()
    actor = world["actors"]["insp1"]
    first, created = record_inspection(session, actor=actor, form=audit_form(world, uuid=key), today=TODAY)
    again, created_again = record_inspection(session, actor=actor, form=audit_form(world, uuid=key), today=TODAY)
    assert created and not created_again and again.id == first.id
    with pytest.raises(Conflict):  # another inspector's body under its number
        record_inspection(session, actor=world["actors"]["insp2"], form=audit_form(world, uuid=key, summary="另一份"),
                          today=TODAY)
    assert session.exec(select(sa.func.count()).select_from(Inspection)).one() == 1


def test_an_audit_is_returned_edited_under_its_number_and_then_circulated(session, world):
    """审核 of an audit: another inspector returns it with a reason (it waits in the lead auditor's
    to-do, and cannot be circulated meanwhile); the lead auditor's edit rescores the same record,
    keeps the version before, and then it is circulated (accepted) and changes no more."""
    from data.models import RecordRevision
    from data.queries.todo import todo_items
    from data.services.review import review
    lead, other = world["actors"]["insp1"], world["actors"]["insp2"]
    first = audit_form(world, uuid=uuid.uuid4(), answers=failing(world, "W01"))
    stored, _ = record_inspection(session, actor=lead, form=first, today=TODAY)
    failed_score = stored.score
    with pytest.raises(NotAllowed):  # not one's own
        review(session, actor=lead, kind="inspection", record_id=stored.id, accept=False, note="x")
    with pytest.raises(NotAllowed):  # a cadre reviews no audit
        review(session, actor=world["actors"]["cadre_a"], kind="inspection", record_id=stored.id, accept=False,
               note="x")
    review(session, actor=other, kind="inspection", record_id=stored.id, accept=False, note="W01 不合格须附照片说明")
    items = todo_items(session, role=Role.inspector, user_id=lead.id, scope=lead.scope, today=TODAY)
    assert [(i.kind, i.reason, i.link) for i in items if i.kind == "audit_returned"] == [
        ("audit_returned", "W01 不合格须附照片说明", f"/inspect?edit={stored.uuid}")]
    with pytest.raises(WorkflowError):  # returned: edited first, then circulated
        inspection_service.publish(session, actor=other, inspection_id=stored.id, today=TODAY)
    second = replace(first, answers=passing_answers("window_audit", "covert"), summary="复核后全部合格")
    edited, created = record_inspection(session, actor=lead, form=second, today=TODAY)
    assert not created and edited.id == stored.id and edited.revision == 2 and edited.review_status is None
    assert failed_score < edited.score == 100
    [before] = session.exec(select(RecordRevision).where(RecordRevision.record_kind == "inspection")).all()
    assert before.body["answers"]["W01"]["value"] == "fail" and before.body["review_note"] == "W01 不合格须附照片说明"
    assert not [i for i in todo_items(session, role=Role.inspector, user_id=lead.id, scope=lead.scope, today=TODAY)
                if i.kind == "audit_returned"]
    review(session, actor=other, kind="inspection", record_id=stored.id, accept=True, today=TODAY)
    assert (edited.status, edited.review_status) == ("published", "accepted")
    with pytest.raises(Conflict):  # circulated: no more edits
        record_inspection(session, actor=lead, form=replace(second, summary="再改"), today=TODAY)


def test_an_old_inspection_keeps_its_template_version(session, world):
    actor = world["actors"]["insp1"]
    v1 = world["templates"]["window_audit"]
    old, _ = record_inspection(session, actor=actor, form=audit_form(world, answers=failing(world, "W02")),
                               today=TODAY)
    items = [dict(i) for i in checklists.WINDOW_AUDIT_ITEMS]
    items[1]["weight"] = 15  # W02 now weighs 15 of 110
    admin = Actor(world["users"]["leader"].id, "root", Role.admin, world["actors"]["leader"].scope)
    v2 = new_version(session, actor=admin, template_id=v1.id, items=items)
    session.refresh(old)
    assert old.template_id == v1.id and old.score == 95.0
    form = audit_form(world, answers=failing(world, "W02"))
    new, _ = record_inspection(session, actor=actor, form=form, today=TODAY)
    assert new.template_id == v1.id  # a form filled against v1 (say offline) still scores by v1
    form = audit_form(world, answers=failing(world, "W02"))
    form.template_id = v2.id
    newer, _ = record_inspection(session, actor=actor, form=form, today=TODAY)
    assert newer.score == round(100 * 95 / 110, 1)


def test_a_covert_audit_stays_hidden_from_the_station_until_published(session, world):
    actors = world["actors"]
    inspection, _ = record_inspection(session, actor=actors["insp1"],
                                      form=audit_form(world, answers=failing(world, "W02", "W20")), today=TODAY)
    assert inspection.id in visible(session, actors["insp1"])
    assert inspection.id in visible(session, actors["leader"])
    assert visible(session, actors["cadre_a"]) == [] and visible(session, actors["admin_a"]) == []
    assert session.exec(select(Rectification)).all() == []

    made = inspection_service.publish(session, actor=actors["insp1"], inspection_id=inspection.id, today=TODAY)
    assert visible(session, actors["cadre_a"]) == [inspection.id]
    assert [r.item_code for r in made] == ["W02", "W20"]
    rect = made[0]
    # 15 working days from 25 September 2026: 28–30 September, then 8–10 October (Saturday the
    # 10th is a make-up working day), 12–16 and 19–22 October
    assert rect.due_on == date(2026, 10, 22)
    assert rect.responsible_person == "李所长" and rect.responsible_user_id == world["users"]["cadre_a"].id
    assert rect.detail == "窗口无人" and rect.status == RectificationStatus.open
    with pytest.raises(WorkflowError):
        inspection_service.publish(session, actor=actors["insp1"], inspection_id=inspection.id, today=TODAY)
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("rectification.created") == 2 and "inspection.published" in actions


def test_station_side_users_cannot_publish(session, world):
    inspection, _ = record_inspection(session, actor=world["actors"]["insp1"], form=audit_form(world), today=TODAY)
    with pytest.raises(NotAllowed):
        inspection_service.publish(session, actor=world["actors"]["cadre_a"], inspection_id=inspection.id,
                                   today=TODAY)


def _published_rectification(session, world) -> Rectification:
    inspection, _ = record_inspection(session, actor=world["actors"]["insp1"],
                                      form=audit_form(world, answers=failing(world, "W02")), today=TODAY)
    return inspection_service.publish(session, actor=world["actors"]["insp1"], inspection_id=inspection.id,
                                      today=TODAY)[0]


def test_the_rectification_loop(session, world):
    actors = world["actors"]
    rect = _published_rectification(session, world)
    with pytest.raises(WorkflowError):  # nothing reported yet
        rect_service.recheck(session, actor=actors["insp2"], rectification_id=rect.id, passed=True)
    with pytest.raises(ValidationError):
        rect_service.report(session, actor=actors["cadre_a"], rectification_id=rect.id, text="  ")
    rect_service.report(session, actor=actors["cadre_a"], rectification_id=rect.id, text="已增派人员")
    with pytest.raises(ValidationError):  # a rejection needs its reason
        rect_service.recheck(session, actor=actors["insp2"], rectification_id=rect.id, passed=False)
    rect_service.recheck(session, actor=actors["insp2"], rectification_id=rect.id, passed=False, note="仍无人")
    assert (rect.status, rect.rejections) == (RectificationStatus.open, 1)
    rect_service.report(session, actor=actors["cadre_a"], rectification_id=rect.id, text="实行AB岗")
    with pytest.raises(WorkflowError):  # not re-checked yet
        rect_service.close(session, actor=actors["insp2"], rectification_id=rect.id)
    rect_service.recheck(session, actor=actors["insp2"], rectification_id=rect.id, passed=True, note="到位")
    assert rect.status == RectificationStatus.rechecked
    rect_service.close(session, actor=actors["leader"], rectification_id=rect.id)
    assert rect.status == RectificationStatus.closed and rect.closed_at is not None
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.target_kind == "rectification")
                           .order_by(AuditEvent.id)).all()
    assert actions == ["rectification.created", "rectification.reported", "rectification.rejected",
                       "rectification.reported", "rectification.rechecked", "rectification.closed"]


def test_a_rectification_cannot_be_closed_by_its_own_reporter(session, world):
    actors = world["actors"]
    rect = _published_rectification(session, world)
    rect_service.report(session, actor=actors["admin_a"], rectification_id=rect.id, text="已整改")
    with pytest.raises(NotAllowed):
        rect_service.recheck(session, actor=actors["admin_a"], rectification_id=rect.id, passed=True, close=True)
    assert rect.status == RectificationStatus.reported
    with pytest.raises(NotAllowed):  # cadres report; they do not re-check
        rect_service.recheck(session, actor=actors["cadre_a"], rectification_id=rect.id, passed=True)
    rect_service.recheck(session, actor=actors["insp2"], rectification_id=rect.id, passed=True, close=True)
    assert rect.status == RectificationStatus.closed


def test_rectifications_of_other_regions_are_refused(session, world):
    rect = _published_rectification(session, world)
    with pytest.raises(NotAllowed):
        rect_service.report(session, actor=world["actors"]["cadre_b"], rectification_id=rect.id, text="x")
    with pytest.raises(NotAllowed):
        rect_service.recheck(session, actor=world["actors"]["insp_b"], rectification_id=rect.id, passed=True)


def test_a_leader_assigns_a_finding_as_a_rectification(session, world):
    rect = rect_service.assign(session, actor=world["actors"]["leader"], station_id=world["a"].id,
                               title="办事指南未更新", today=TODAY, due_days=5)
    assert rect.source == "leader" and rect.due_on == date(2026, 10, 9)  # 28–30 Sep, 8–9 Oct
    with pytest.raises(NotAllowed):
        rect_service.assign(session, actor=world["actors"]["cadre_a"], station_id=world["a"].id, title="x",
                            today=TODAY)
    with pytest.raises(NotAllowed):
        rect_service.assign(session, actor=world["actors"]["insp_b"], station_id=world["a"].id, title="x",
                            today=TODAY)


# --- photos ---------------------------------------------------------------------------------------


def _jpeg(width=3000, height=2000, exif_gps=True) -> bytes:
    image = Image.new("RGB", (width, height), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if exif_gps:
        exif[0x8825] = {1: "N", 2: (28.0, 39.0, 0.0), 3: "E", 4: (116.0, 1.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photos_are_reencoded_without_metadata_and_stored_once(session, world, tmp_path):
    actor = world["actors"]["insp1"]
    owner, key = uuid.uuid4(), uuid.uuid4()
    data = _jpeg()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif()  # the phone's photo carries EXIF with GPS
    stored, created = store_photo(session, actor=actor, root=tmp_path, data=data, photo_uuid=key,
                                  owner_kind="inspection", owner_uuid=owner, path=world["a"].path,
                                  meta=PhotoMeta(lon=116.1, lat=28.6, accuracy_m=12))
    assert created and max(stored.width, stored.height) == MAX_SIDE
    with Image.open(tmp_path / stored.storage_key) as saved:
        assert saved.format == "JPEG" and not saved.getexif() and saved.size == (MAX_SIDE, 1067)
    again, created_again = store_photo(session, actor=actor, root=tmp_path, data=data, photo_uuid=key,
                                       owner_kind="inspection", owner_uuid=owner, path=world["a"].path)
    assert not created_again and again.id == stored.id
    with pytest.raises(Conflict):
        store_photo(session, actor=actor, root=tmp_path, data=_jpeg(800, 600), photo_uuid=key,
                    owner_kind="inspection", owner_uuid=owner, path=world["a"].path)


@pytest.mark.parametrize("data", [b"", b"<html><script>alert(1)</script></html>", b"GIF89a" + b"\0" * 100])
def test_what_is_not_a_photo_is_refused(session, world, tmp_path, data):
    with pytest.raises(ValidationError) as refused:
        store_photo(session, actor=world["actors"]["insp1"], root=tmp_path, data=data, photo_uuid=uuid.uuid4(),
                    owner_kind="inspection", owner_uuid=uuid.uuid4(), path=world["a"].path)
    assert refused.value.field == "photo"
    assert not any(tmp_path.iterdir())
