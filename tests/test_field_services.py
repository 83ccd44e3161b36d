"""Walkthrough and work-log services on a real database: the rules whoever calls them."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from data.db import DbSession, one_transaction, reads_kept
from data.errors import Conflict, NotAllowed, ValidationError
from data.models import AuditEvent, Role, ServiceItem, Setting, Walkthrough, WalkthroughFinding, WorkLog
from data.scope import Scope
from data.services.common import Actor
from data.services.walkthroughs import FindingForm, Step, WalkthroughForm, record_walkthrough
from data.services.work_logs import WorkLogForm, record_work_log
from tests.factories import make_field_world, make_user

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(session):
    world = make_field_world(session)
    world["users"]["admin_a"] = make_user(session, username="admin_a", role=Role.admin, regions=[world["city"]["a"]])
    return world


def actor(world, name: str) -> Actor:
    regions = {"cadre_a": "town_a", "cadre_b": "town_b", "leader": "city", "admin_a": "a", "officer": "a"}
    user = world["users"][name]
    return Actor(user.id, user.username, user.role, Scope((world["city"][regions[name]].path,)))


def walk(world, **overrides) -> WalkthroughForm:
    values = dict(uuid=uuid.uuid4(), service_item_code="retirement", channel="window", mode="accompany",
                  walked_on=date(2026, 11, 18), station_id=world["a"].id, steps=[Step("咨询", 300)], trips=1,
                  findings=[FindingForm(uuid.uuid4(), "fix", "training", "开展窗口人员培训", measure="每月一次",
                                        owner="人社所", due_on=date(2026, 12, 31))])
    values.update(overrides)
    return WalkthroughForm(**values)


def log(**overrides) -> WorkLogForm:
    values = dict(uuid=uuid.uuid4(), log_date=date(2026, 11, 19), work_types=["training"], done="培训协理员 20 人次")
    values.update(overrides)
    return WorkLogForm(**values)


def test_walkthrough_keeps_the_published_materials_and_its_digest(session, world):
    stored, created = record_walkthrough(session, actor=actor(world, "cadre_a"), form=walk(world), today=TODAY)
    assert created and stored.materials_published == ["居民身份证", "人事档案", "退休申请表"]
    assert stored.body_sha256 and stored.steps == [{"name": "咨询", "seconds": 300}]
    finding = session.exec(select(WalkthroughFinding)).one()
    assert (finding.status, finding.path, finding.owner) == ("open", world["a"].path, "人社所")


@pytest.mark.parametrize("change, field", [
    (dict(trips=21), "trips"),
    (dict(steps=[Step("办理", 8 * 3600 + 1)]), "steps[0].seconds"),
    (dict(steps=[Step(" ", 10)]), "steps[0].name"),
    (dict(walked_on=date(2025, 11, 1)), "walked_on"),
    (dict(channel="carrier_pigeon"), "channel"),
    (dict(materials_asked=["x" * 61]), "materials_asked[0]"),
    (dict(findings=[FindingForm(uuid.uuid4(), "issue", "waiting", "排队久", measure="增开窗口")]),
     "findings[0].list_kind"),
    (dict(findings=[FindingForm(uuid.uuid4(), "fix", "waiting", "增开窗口", due_on=date(2026, 11, 1))]),
     "findings[0].due_on"),
    (dict(findings=[FindingForm(uuid.uuid4(), "fix", "waiting", "增开窗口", done_on=date(2026, 11, 21))]),
     "findings[0].done_on"),
    (dict(findings=[FindingForm(uuid.uuid4(), "wish", "waiting", "x")]), "findings[0].list_kind"),
])
def test_walkthrough_rules(session, world, change, field):
    with pytest.raises(ValidationError) as refused:
        record_walkthrough(session, actor=actor(world, "cadre_a"), form=walk(world, **change), today=TODAY)
    assert refused.value.field == field


def test_a_finding_uuid_twice_in_one_body_is_refused(session, world):
    twin = uuid.uuid4()
    findings = [FindingForm(twin, "need", "hours", "延时服务"), FindingForm(twin, "need", "elderly", "帮办代办")]
    with pytest.raises(ValidationError) as refused:
        record_walkthrough(session, actor=actor(world, "cadre_a"), form=walk(world, findings=findings), today=TODAY)
    assert refused.value.field == "findings[1].uuid"


def test_an_inactive_service_item_is_refused(session, world):
    item = session.exec(select(ServiceItem).where(ServiceItem.code == "retirement")).one()
    item.active = False
    session.commit()
    with pytest.raises(ValidationError) as refused:
        record_walkthrough(session, actor=actor(world, "cadre_a"), form=walk(world), today=TODAY)
    assert refused.value.field == "service_item_code"


def test_walkthrough_roles_and_scope(session, world):
    with pytest.raises(NotAllowed):
        record_walkthrough(session, actor=actor(world, "officer"), form=walk(world), today=TODAY)
    with pytest.raises(NotAllowed):
        record_walkthrough(session, actor=actor(world, "cadre_a"), form=walk(world, station_id=world["b"].id),
                           today=TODAY)
    form = walk(world, station_id=world["b"].id)
    stored, _ = record_walkthrough(session, actor=actor(world, "leader"), form=form, today=TODAY)
    assert stored.path == world["b"].path
    with pytest.raises(Conflict):  # another's record under its number
        record_walkthrough(session, actor=actor(world, "admin_a"), form=replace(form, note="改"), today=TODAY)


def test_cadre_logs_only_within_the_secondment(session, world):
    cadre = actor(world, "cadre_a")
    stored, created = record_work_log(session, actor=cadre, form=log(), today=TODAY)
    assert created and stored.station_id == world["a"].id and stored.secondment_id
    again, created = record_work_log(session, actor=cadre, form=replace(log(), uuid=stored.uuid), today=TODAY)
    assert not created and again.id == stored.id
    world_secondment_end = date(2027, 1, 4)
    with pytest.raises(NotAllowed):
        record_work_log(session, actor=cadre, form=log(log_date=world_secondment_end + timedelta(days=1)),
                        today=world_secondment_end + timedelta(days=2))
    with pytest.raises(NotAllowed):
        record_work_log(session, actor=actor(world, "cadre_b"), form=log(), today=TODAY)


def test_admin_files_for_a_station_in_scope(session, world):
    admin = actor(world, "admin_a")
    with pytest.raises(ValidationError) as refused:
        record_work_log(session, actor=admin, form=log(), today=TODAY)
    assert refused.value.field == "station_id"
    with pytest.raises(NotAllowed):
        record_work_log(session, actor=admin, form=log(station_id=world["b"].id), today=TODAY)
    stored, _ = record_work_log(session, actor=admin, form=log(station_id=world["a"].id), today=TODAY)
    assert stored.path == world["a"].path and stored.secondment_id is None
    with pytest.raises(NotAllowed):
        record_work_log(session, actor=actor(world, "leader"), form=log(station_id=world["a"].id), today=TODAY)


@pytest.mark.parametrize("change, field", [
    (dict(log_date=TODAY + timedelta(days=1)), "log_date"),
    (dict(log_date=TODAY - timedelta(days=31)), "log_date"),
    (dict(work_types=[]), "work_types"),
    (dict(work_types=["training", "knitting"]), "work_types[1]"),
    (dict(done="  "), "done"),
    (dict(people_served=-1), "people_served"),
])
def test_work_log_rules(session, world, change, field):
    with pytest.raises(ValidationError) as refused:
        record_work_log(session, actor=actor(world, "cadre_a"), form=log(**change), today=TODAY)
    assert refused.value.field == field


def test_device_sessions_note_when_they_were_last_seen_only_now_and_then(session, world):
    from data.services import devices

    user = world["users"]["cadre_a"]
    device, token = devices.open_device_session(session, user=user, kind="field", label=" 手机 ")
    opened = device.last_seen_at
    assert device.label == "手机" and devices.token_hash(token) == device.token_hash
    assert devices.device_by_token(session, token=token, kind="field", now=opened + timedelta(minutes=1))
    assert device.last_seen_at == opened
    assert devices.device_by_token(session, token=token, kind="field", now=opened + timedelta(minutes=6))
    assert device.last_seen_at == opened + timedelta(minutes=6)
    assert devices.device_by_token(session, token=token, kind="wall") is None
    assert devices.device_by_token(session, token="forged", kind="field") is None
    assert devices.device_by_token(session, token=token, kind="field", now=device.expires_at) is None
    with pytest.raises(NotAllowed):
        devices.revoke_device_session(session, actor=actor(world, "leader"), device_id=device.id)
    devices.revoke_device_session(session, actor=actor(world, "cadre_a"), device_id=device.id)
    assert devices.device_by_token(session, token=token, kind="field") is None


def test_a_leader_returns_a_log_and_the_cadre_edits_the_same_record(session, world):
    """审核: a log edited after sending is the same record (revision 2, the text before in its
    history); a returned log waits in the cadre's to-do and, sent again with changes, starts its
    review again; an accepted log no longer changes under its number."""
    from data.models import AuditEvent, RecordRevision, WorkLog
    from data.queries.todo import todo_items
    from data.services.review import review
    cadre, leader = actor(world, "cadre_a"), actor(world, "leader")
    first = log(done="培训协理员 20 人次")
    stored, _created = record_work_log(session, actor=cadre, form=first, today=TODAY)
    edited, created = record_work_log(session, actor=cadre, form=replace(first, done="培训村级协理员 20 人次"),
                                      today=TODAY)  # not reviewed yet: an edit, never a second record
    assert not created and edited.id == stored.id and edited.revision == 2
    with pytest.raises(Conflict):  # another's log under its number stays a conflict
        record_work_log(session, actor=actor(world, "cadre_b"), form=replace(first, done="x"), today=TODAY)
    with pytest.raises(ValidationError):  # a return says why
        review(session, actor=leader, kind="work_log", record_id=stored.id, accept=False)
    with pytest.raises(NotAllowed):  # a cadre does not review
        review(session, actor=cadre, kind="work_log", record_id=stored.id, accept=True)
    review(session, actor=leader, kind="work_log", record_id=stored.id, accept=False, note="请写明培训的内容和地点")

    def waiting():
        return [(i.kind, i.reason, i.link) for i in todo_items(session, role=Role.cadre, user_id=cadre.id,
                                                               scope=cadre.scope, today=TODAY)
                if i.kind == "log_returned"]
    assert waiting() == [("log_returned", "请写明培训的内容和地点", f"/field/#/r/{stored.uuid}")]
    edited, created = record_work_log(session, actor=cadre, form=replace(
        first, done="在镇政府会议室培训村级协理员 20 人次，内容为社保待遇认证"), today=TODAY)
    assert not created and edited.id == stored.id and edited.revision == 3 and edited.review_status is None
    assert session.exec(select(WorkLog)).all() == [edited]  # never a second record
    history = session.exec(select(RecordRevision).where(RecordRevision.record_kind == "work_log",
                                                        RecordRevision.record_id == stored.id)
                           .order_by(RecordRevision.revision)).all()
    assert [(h.revision, h.body["done"], h.body["review_note"]) for h in history] == [
        (1, "培训协理员 20 人次", None), (2, "培训村级协理员 20 人次", "请写明培训的内容和地点")]
    assert waiting() == []
    review(session, actor=leader, kind="work_log", record_id=stored.id, accept=True)
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.target_kind == "work_log")).all()
    assert actions == ["work_log.recorded", "work_log.edited", "work_log.returned", "work_log.edited",
                       "work_log.accepted"]
    with pytest.raises(Conflict):  # accepted: no more edits under its number
        record_work_log(session, actor=cadre, form=replace(first, done="再改"), today=TODAY)


def test_a_walkthrough_is_reviewed_and_edited_as_one_record_with_its_findings(session, world):
    """A leader returns a walk; its walker sends it again with a finding changed, one added and one
    dropped: the same walk, its findings matched by number, the earlier version in its history. A
    finding a leader has made a rectification of must come back unchanged. Nobody reviews their own."""
    from data.models import RecordRevision, Walkthrough
    from data.queries.todo import todo_items
    from data.services.review import review
    from data.services.walkthrough_findings import finding_to_rectification
    cadre, leader = actor(world, "cadre_a"), actor(world, "leader")
    keep, drop, acted = (FindingForm(uuid.uuid4(), "issue", "waiting", text) for text in ("排队久", "无叫号", "材料多"))
    first = walk(world, findings=[keep, drop, acted])
    stored, _ = record_walkthrough(session, actor=cadre, form=first, today=TODAY)
    acted_id = session.exec(select(WalkthroughFinding.id).where(WalkthroughFinding.uuid == acted.uuid)).one()
    finding_to_rectification(session, actor=leader, finding_id=acted_id, today=TODAY)
    review(session, actor=leader, kind="walkthrough", record_id=stored.id, accept=False, note="请补充每一步的用时")
    items = todo_items(session, role=Role.cadre, user_id=cadre.id, scope=cadre.scope, today=TODAY)
    assert [(i.kind, i.reason, i.link) for i in items if i.kind == "walk_returned"] == [
        ("walk_returned", "请补充每一步的用时", f"/field/#/r/{stored.uuid}")]
    with pytest.raises(Conflict):  # the finding under rectification may not change
        record_walkthrough(session, actor=cadre, form=replace(first, findings=[keep, replace(acted, text="改")]),
                           today=TODAY)
    added = FindingForm(uuid.uuid4(), "need", "hours", "希望延时服务")
    second = replace(first, steps=[Step("咨询", 300), Step("受理", 600)], trips=2,
                     findings=[replace(keep, text="排队 40 分钟"), acted, added])
    edited, created = record_walkthrough(session, actor=cadre, form=second, today=TODAY)
    assert not created and edited.id == stored.id and edited.revision == 2 and edited.review_status is None
    assert session.exec(select(Walkthrough)).all() == [edited] and edited.trips == 2
    texts = sorted(session.exec(select(WalkthroughFinding.text)
                                .where(WalkthroughFinding.walkthrough_id == stored.id)).all())
    assert texts == sorted(["排队 40 分钟", "材料多", "希望延时服务"])
    [before] = session.exec(select(RecordRevision).where(RecordRevision.record_kind == "walkthrough")).all()
    assert before.body["trips"] == 1 and before.body["review_note"] == "请补充每一步的用时"
    from data.queries.walkthroughs import get_finding  # the walk's history, as its findings' detail shows it
    [edit] = get_finding(session, leader.scope, acted_id)["history"]
    assert (edit["revision"], edit["by"], edit["changed"], edit["answered"]) == (
        2, "cadre_a", ["steps", "trips"], "请补充每一步的用时")
    assert sorted(f["text"] for f in before.body["findings"]) == sorted(["排队久", "无叫号", "材料多"])
    assert not [i for i in todo_items(session, role=Role.cadre, user_id=cadre.id, scope=cadre.scope, today=TODAY)
                if i.kind == "walk_returned"]
    own, _ = record_walkthrough(session, actor=leader, form=walk(world, findings=[]), today=TODAY)
    with pytest.raises(NotAllowed):
        review(session, actor=leader, kind="walkthrough", record_id=own.id, accept=True)
    with pytest.raises(NotAllowed):  # a cadre reviews nothing
        review(session, actor=cadre, kind="walkthrough", record_id=own.id, accept=True)
    review(session, actor=leader, kind="walkthrough", record_id=stored.id, accept=True)
    with pytest.raises(Conflict):
        record_walkthrough(session, actor=cadre, form=replace(second, trips=3), today=TODAY)


def test_a_batch_reads_what_its_records_share_once_and_only_while_it_lasts(session, world):
    """Within data.db.reads_kept (a batch of records, POST /api/v1/records) the settings, the
    service item and the cadre's secondments are read once, not once a record; outside it every
    read goes to the database, so an admin's change shows at once."""
    cadre = actor(world, "cadre_a")
    tables: Counter = Counter()

    def count(_conn, _cursor, statement, *_):
        if statement.lstrip().upper().startswith("SELECT"):
            tables[re.search(r"FROM (\w+)", statement).group(1)] += 1

    event.listen(session.get_bind(), "before_cursor_execute", count)
    try:
        with reads_kept(session):
            for day in (19, 18, 17):
                record_work_log(session, actor=cadre, form=log(log_date=date(2026, 11, day)), today=TODAY)
            for _ in range(3):
                record_walkthrough(session, actor=cadre, form=walk(world), today=TODAY)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", count)
    # the two settings (work types, finding categories), one service item, one cadre's secondments
    assert (tables["setting"], tables["service_item"], tables["secondment"]) == (2, 1, 1)
    assert tables["station"] <= 1 and tables["work_log"] == 3 and tables["walkthrough"] == 3

    session.add(Setting(key="worklog.work_types", value=[{"code": "outreach", "name": "政策宣传"}]))
    session.commit()
    with pytest.raises(ValidationError) as refused:
        record_work_log(session, actor=cadre, form=log(), today=TODAY)
    assert refused.value.field == "work_types[0]"


def test_one_transaction_commits_the_services_writes_together_and_a_rollback_within_breaks_it(session, world):
    """Within data.db.one_transaction (a batch's first try) the services' commits only flush: two
    records and their audit rows are committed once, together, and none is seen before; a
    rollback within (a service's, after the database refused an insert) marks the try broken and
    takes what was written before it; leaving without the commit keeps nothing."""
    cadre, engine = actor(world, "cadre_a"), session.get_bind()
    commits = []

    def count(_conn):
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        with DbSession(engine, expire_on_commit=False) as batch:
            with one_transaction(batch) as held:
                kept, _ = record_work_log(batch, actor=cadre, form=log(log_date=date(2026, 11, 19)), today=TODAY)
                walked = record_walkthrough(batch, actor=cadre, form=walk(world), today=TODAY)[0].uuid
                assert commits == [] and not held.broken and kept.id is not None
                held.commit()
            assert len(commits) == 1
            with one_transaction(batch) as held:
                record_work_log(batch, actor=cadre, form=log(log_date=date(2026, 11, 18)), today=TODAY)
                batch.rollback()
                assert held.broken
                record_work_log(batch, actor=cadre, form=log(log_date=date(2026, 11, 17)), today=TODAY)
            assert len(commits) == 1
            # outside it, a service's commit commits again
            record_work_log(batch, actor=cadre, form=log(log_date=date(2026, 11, 16)), today=TODAY)
            assert len(commits) == 2
    finally:
        event.remove(engine, "commit", count)
    session.expire_all()
    assert sorted(d.day for d in session.exec(select(WorkLog.log_date)).all()) == [16, 19]
    assert session.exec(select(Walkthrough.uuid)).all() == [walked]
    assert sorted(session.exec(select(AuditEvent.action)).all()) == ["walkthrough.recorded", "work_log.recorded",
                                                                     "work_log.recorded"]

