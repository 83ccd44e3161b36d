"""What leaders do with a walkthrough's lists: a finding becomes a rectification once, in scope
and by the right roles; fix items move open → in_progress → done with a sign-off; comments on
work logs and their reading. Every write leaves an audit event."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from data.errors import NotAllowed, ValidationError, WorkflowError
from data.models import (
    AuditEvent,
    FindingStatus,
    Rectification,
    RectificationSource,
    RectificationStatus,
    Role,
    WorkLogComment,
)
from data.rules.findings import fix_may_move, next_fix_states
from data.scope import Scope
from data.services import walkthrough_findings as svc
from data.services import work_log_comments as comments
from data.services.common import Actor
from tests.conftest import TODAY
from tests.factories import make_city, make_secondment, make_station, make_user, make_work_log
from tests.field_factories import make_comment, make_finding, make_service_item, make_walkthrough

NOW = datetime(2026, 11, 20, 3, tzinfo=UTC)
S = FindingStatus


def actor_of(user, *regions) -> Actor:
    return Actor(user.id, user.username, user.role, Scope(tuple(r.path for r in regions)))


@pytest.fixture
def world(session):
    city = make_city(session)
    a, b = make_station(session, township=city["town_a"]), make_station(session, township=city["town_b"])
    users = {name: make_user(session, username=name, role=role, regions=[city[region]]) for name, role, region in [
        ("leader", Role.leader, "city"), ("leader_b", Role.leader, "b"), ("admin_a", Role.admin, "a"),
        ("inspector", Role.inspector, "city"), ("cadre_a", Role.cadre, "town_a"), ("cadre_b", Role.cadre, "town_b")]}
    actors = {name: actor_of(user, city[region]) for (name, user), region in zip(
        users.items(), ["city", "b", "a", "city", "town_a", "town_b"], strict=True)}
    make_secondment(session, user=users["cadre_a"], station=a)
    make_service_item(session)
    walk = make_walkthrough(session, user=users["leader"], station=a, walked_on=date(2026, 10, 12))
    issue = make_finding(session, walk=walk, list_kind="issue")
    fix = make_finding(session, walk=walk, list_kind="fix")
    log = make_work_log(session, user=users["cadre_a"], station=a, log_date=date(2026, 11, 19))
    return {"city": city, "a": a, "b": b, "users": users, "actors": actors, "walk": walk, "issue": issue, "fix": fix,
            "log": log}


def events(session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_leader_turns_a_finding_into_a_rectification_once(session, world):
    rect = svc.finding_to_rectification(session, actor=world["actors"]["leader"], finding_id=world["issue"].id,
                                        today=TODAY, due_days=10, now=NOW)
    assert (rect.source, rect.finding_id, rect.station_id) == (RectificationSource.walkthrough, world["issue"].id,
                                                               world["a"].id)
    assert rect.status == RectificationStatus.open and rect.title == "高峰时段排队等候时间过长"
    assert rect.due_on == date(2026, 12, 4)  # ten working days after Friday 20 November
    assert rect.responsible_user_id == world["users"]["cadre_a"].id and "2026-10-12" in rect.detail
    assert [e.target_id for e in events(session, "walkthrough_finding.rectified")] == [str(world["issue"].id)]
    assert events(session, "walkthrough_finding.rectified")[0].details["rectification_id"] == rect.id
    assert len(events(session, "rectification.created")) == 1
    with pytest.raises(WorkflowError) as refused:
        svc.finding_to_rectification(session, actor=world["actors"]["admin_a"], finding_id=world["issue"].id,
                                     today=TODAY)
    assert refused.value.params == {"id": rect.id}
    assert len(session.exec(select(Rectification)).all()) == 1


def test_the_leader_may_pick_another_station_in_scope_and_the_default_deadline(session, world):
    rect = svc.finding_to_rectification(session, actor=world["actors"]["leader"], finding_id=world["fix"].id,
                                        station_id=world["b"].id, today=TODAY)
    assert rect.station_id == world["b"].id and rect.path == world["b"].path
    assert rect.due_on == date(2026, 12, 11)  # the default: 15 working days
    assert "高峰时段增开弹性窗口" in rect.detail  # the fix's measure goes with it


@pytest.mark.parametrize("who, finding, station, error", [
    ("inspector", "issue", None, NotAllowed),  # leaders and admins only
    ("cadre_a", "issue", None, NotAllowed),
    ("leader_b", "issue", None, NotAllowed),  # the finding lies in county A
    ("admin_a", "issue", "b", NotAllowed),  # a station outside the admin's county
])
def test_who_may_turn_a_finding_into_a_rectification(session, world, who, finding, station, error):
    with pytest.raises(error):
        svc.finding_to_rectification(session, actor=world["actors"][who], finding_id=world[finding].id, today=TODAY,
                                     station_id=world[station].id if station else None)
    session.rollback()
    assert session.exec(select(Rectification)).all() == []
    assert events(session, "walkthrough_finding.rectified") == []


def test_bad_input_is_refused(session, world):
    leader = world["actors"]["leader"]
    with pytest.raises(NotAllowed):
        svc.finding_to_rectification(session, actor=leader, finding_id=999_999, today=TODAY)
    with pytest.raises(ValidationError) as bad:
        svc.finding_to_rectification(session, actor=leader, finding_id=world["issue"].id, today=TODAY, due_days=0)
    assert bad.value.field == "due_days"
    session.rollback()
    online = make_walkthrough(session, user=world["users"]["leader"], station=world["a"], station_id=None)
    finding = make_finding(session, walk=online)
    with pytest.raises(ValidationError) as no_station:
        svc.finding_to_rectification(session, actor=leader, finding_id=finding.id, today=TODAY)
    assert no_station.value.field == "station_id"


@pytest.mark.parametrize("current, target, allowed", [
    (S.open, S.in_progress, True), (S.open, S.done, True), (S.in_progress, S.done, True),
    (S.in_progress, S.open, True), (S.done, S.in_progress, True), (S.done, S.open, False),
    (S.open, S.open, False), (S.done, S.done, False), ("open", "lost", False),
])
def test_fix_transitions(current, target, allowed):
    assert fix_may_move(current, target) is allowed


def test_next_fix_states_in_workflow_order():
    assert next_fix_states(S.open) == [S.in_progress, S.done]
    assert next_fix_states(S.done) == [S.in_progress]


def test_a_fix_moves_along_and_is_signed_off(session, world):
    leader = world["actors"]["leader"]
    fix = svc.set_fix_status(session, actor=leader, finding_id=world["fix"].id, status="in_progress", today=TODAY)
    assert fix.status == S.in_progress and fix.done_on is None
    fix = svc.set_fix_status(session, actor=leader, finding_id=world["fix"].id, status=S.done, today=TODAY)
    assert (fix.status, fix.done_on, fix.signed_off_by) == (S.done, TODAY, world["users"]["leader"].id)
    with pytest.raises(WorkflowError):
        svc.set_fix_status(session, actor=leader, finding_id=world["fix"].id, status=S.open, today=TODAY)
    fix = svc.set_fix_status(session, actor=leader, finding_id=world["fix"].id, status=S.in_progress, today=TODAY)
    assert (fix.status, fix.done_on, fix.signed_off_by) == (S.in_progress, None, None)
    moves = [(e.details["from"], e.details["to"]) for e in events(session, "walkthrough_finding.status_changed")]
    assert moves == [("open", "in_progress"), ("in_progress", "done"), ("done", "in_progress")]


@pytest.mark.parametrize("who, finding, status, error", [
    ("leader", "issue", "done", WorkflowError),  # issues have no fix status
    ("leader", "fix", "finished", ValidationError),
    ("cadre_a", "fix", "done", NotAllowed),
    ("inspector", "fix", "done", NotAllowed),
    ("leader_b", "fix", "done", NotAllowed),
])
def test_who_may_move_a_fix(session, world, who, finding, status, error):
    with pytest.raises(error):
        svc.set_fix_status(session, actor=world["actors"][who], finding_id=world[finding].id, status=status,
                           today=TODAY)
    session.rollback()
    assert events(session, "walkthrough_finding.status_changed") == []


# --- comments on work logs -------------------------------------------------------------------

def test_a_leader_comments_on_a_log_and_the_cadre_reads_it(session, world):
    row = comments.comment(session, actor=world["actors"]["leader"], work_log_id=world["log"].id,
                           text="  请补充服务群众的具体情况。 ", now=NOW)
    assert (row.text, row.author_id, row.read_at) == ("请补充服务群众的具体情况。", world["users"]["leader"].id, None)
    event = events(session, "work_log.commented")[0]
    assert (event.target_id, event.details) == (str(world["log"].id), {"comment_id": row.id})
    cadre = world["actors"]["cadre_a"]
    assert comments.mark_read(session, actor=cadre, comment_ids=[row.id], now=NOW) == [row.id]
    assert session.get(WorkLogComment, row.id).read_at is not None
    assert comments.mark_read(session, actor=cadre, comment_ids=[row.id]) == []  # a resend changes nothing
    assert comments.mark_read(session, actor=cadre, comment_ids=[]) == []
    assert [e.details["ids"] for e in events(session, "work_log_comment.read")] == [[row.id]]


@pytest.mark.parametrize("who, text, error", [
    ("cadre_a", "好", NotAllowed), ("inspector", "好", NotAllowed), ("leader_b", "好", NotAllowed),
    ("leader", "   ", ValidationError), ("leader", None, ValidationError), ("leader", "字" * 1001, ValidationError),
])
def test_who_may_comment_and_what(session, world, who, text, error):
    with pytest.raises(error):
        comments.comment(session, actor=world["actors"][who], work_log_id=world["log"].id, text=text)
    session.rollback()
    assert session.exec(select(WorkLogComment)).all() == [] and events(session, "work_log.commented") == []


def test_comment_limits_and_unknown_logs(session, world):
    leader = world["actors"]["leader"]
    assert len(comments.comment(session, actor=leader, work_log_id=world["log"].id, text="字" * 1000).text) == 1000
    with pytest.raises(NotAllowed):
        comments.comment(session, actor=leader, work_log_id=999_999, text="好")


def test_a_cadre_marks_only_comments_on_their_own_logs(session, world):
    comment = make_comment(session, log=world["log"], author=world["users"]["leader"])
    with pytest.raises(NotAllowed):
        comments.mark_read(session, actor=world["actors"]["cadre_b"], comment_ids=[comment.id])
    with pytest.raises(NotAllowed):
        comments.mark_read(session, actor=world["actors"]["leader"], comment_ids=[comment.id])
    with pytest.raises(NotAllowed):
        comments.mark_read(session, actor=world["actors"]["cadre_a"], comment_ids=[comment.id, 999_999])
    session.rollback()
    assert session.get(WorkLogComment, comment.id).read_at is None
