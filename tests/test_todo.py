"""我的待办: each role's items come from the data, scoped like every read, and acting on one is
its resolution (data.queries.todo; the /todo page and the top bar's count)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from data.models import (
    CaseStatus,
    DeviceSession,
    ImportJob,
    RectificationStatus,
    Role,
    SupervisionOrder,
    SupervisionStatus,
    WorkLogComment,
)
from data.queries.todo import todo_counts, todo_items
from data.queries.users import get_user_scope
from data.services import cases as case_service
from data.services.common import Actor
from tests import factories as f
from tests.conftest import TODAY, login
from tests.dash_calls import call
from tests.factories import PASSWORD, make_case, make_city, make_user


def actor_of(session, user) -> Actor:
    return Actor(id=user.id, username=user.username, role=Role(user.role),
                 scope=get_user_scope(session, user_id=user.id))


def items_of(session, user, today=TODAY, **extra):
    return todo_items(session, role=user.role, user_id=user.id, scope=get_user_scope(session, user_id=user.id),
                      today=today, **extra)


@pytest.fixture
def city(session):
    return make_city(session)


def test_an_officer_sees_what_waits_for_the_office_and_acting_removes_it(session, city):
    a, b = city["a"], city["b"]
    officer_a = make_user(session, username="off_a", role=Role.case_officer, regions=[a])
    officer_b = make_user(session, username="off_b", role=Role.case_officer, regions=[b])
    clue = make_case(session, township=city["town_a"], county=a, status=CaseStatus.received, accepted_on=None,
                     investigate_due=None, accept_due=date(2026, 11, 24), received_on=date(2026, 11, 19))
    late = make_case(session, township=city["town_a"], county=a, investigate_due=date(2026, 11, 10))
    soon = make_case(session, township=city["town_a"], county=a, investigate_due=date(2026, 11, 24))
    make_case(session, township=city["town_a"], county=a)  # due in January: nothing waits
    supervised = make_case(session, township=city["town_a"], county=a, supervised=True)
    session.add(SupervisionOrder(case_id=supervised.id, level="city", status=SupervisionStatus.open, reasons=["leader"],
                                 due_on=date(2026, 11, 30)))
    session.commit()
    # county B sends a case to county A: it waits for A to accept it
    theirs = make_case(session, township=city["town_b"], county=b)
    case_service.transfer_case(session, actor=actor_of(session, officer_b), case_id=theirs.id,
                               to_region_code=a.area_code, reason="属地管辖", today=TODAY)

    items = items_of(session, officer_a)
    assert todo_counts(items) == {"transfer_in": 1, "clue": 1, "overdue_case": 1, "due_soon": 1,
                                  "supervision_answer": 1}
    by_kind = {i.kind: i for i in items}
    assert by_kind["transfer_in"].link == f"/cases?case={theirs.id}" and by_kind["transfer_in"].reason == "属地管辖"
    assert by_kind["overdue_case"].record == late.case_no and by_kind["overdue_case"].late
    assert by_kind["due_soon"].record == soon.case_no and by_kind["clue"].record == clue.case_no
    # county B's officer sees none of A's work
    assert {i.kind for i in items_of(session, officer_b)} == set()

    # acting is the resolution: accepting the transfer and the clue removes both at once
    case_service.accept_transfer(session, actor=actor_of(session, officer_a), case_id=theirs.id, today=TODAY)
    case_service.accept_case(session, actor=actor_of(session, officer_a), case_id=clue.id, today=TODAY)
    after = todo_counts(items_of(session, officer_a))
    assert "transfer_in" not in after and "clue" not in after
    # a returned transfer comes back to the sender's list
    mine = make_case(session, township=city["town_a"], county=a)
    case_service.transfer_case(session, actor=actor_of(session, officer_a), case_id=mine.id,
                               to_region_code=b.area_code, reason="用工单位在西山县", today=TODAY)
    case_service.return_transfer(session, actor=actor_of(session, officer_b), case_id=mine.id,
                                 reason="用工单位注册地在东湖区", today=TODAY)
    returned = [i for i in items_of(session, officer_a) if i.kind == "returned"]
    assert [(i.record, i.reason) for i in returned] == [(mine.case_no, "用工单位注册地在东湖区")]


@pytest.fixture
def stations(session, city):
    template = f.make_template(session, kind="window_audit", is_current=True)
    station = f.make_station(session, township=city["town_a"])
    audit = f.make_inspection(session, station=station, template=template, inspected_on=date(2026, 10, 8))
    return {"template": template, "station": station, "audit": audit}


def test_an_inspector_rechecks_others_fixes_and_publishes_their_audits(session, city, stations):
    inspector = make_user(session, username="insp", role=Role.inspector, regions=[city["city"]])
    other = make_user(session, username="insp2", role=Role.inspector, regions=[city["city"]])
    reported_at = datetime(2026, 11, 12, 3, tzinfo=UTC)
    by_other = f.make_rectification(session, inspection=stations["audit"], item_code="W01",
                                  status=RectificationStatus.reported, reported_by=other.id, reported_at=reported_at)
    f.make_rectification(session, inspection=stations["audit"], item_code="W02", status=RectificationStatus.reported,
                       reported_by=inspector.id, reported_at=reported_at)  # their own report: not theirs to re-check
    f.make_inspection(session, station=stations["station"], template=stations["template"],
                    inspected_on=date(2026, 11, 10), published=False, lead_auditor_id=inspector.id)
    f.make_inspection(session, station=stations["station"], template=stations["template"],
                    inspected_on=date(2026, 11, 19), published=False, lead_auditor_id=inspector.id)  # two days old
    items = items_of(session, inspector)
    assert todo_counts(items) == {"recheck": 1, "unpublished": 1}
    recheck = next(i for i in items if i.kind == "recheck")
    assert recheck.link == f"/rectifications?rect={by_other.id}" and recheck.since == date(2026, 11, 12)


def test_a_cadre_is_told_of_todays_log_comments_and_the_stations_fixes(session, city, stations):
    cadre = make_user(session, username="cadre", role=Role.cadre, regions=[city["town_a"]])
    leader = make_user(session, username="boss", role=Role.leader, regions=[city["city"]])
    f.make_secondment(session, user=cadre, station=stations["station"])
    f.make_rectification(session, inspection=stations["audit"], item_code="W01", due_on=date(2026, 11, 5))
    f.make_rectification(session, inspection=stations["audit"], item_code="W02", due_on=date(2026, 11, 30))
    log = f.make_work_log(session, user=cadre, station=stations["station"], log_date=date(2026, 11, 19))
    session.add(WorkLogComment(work_log_id=log.id, author_id=leader.id, text="请加强欠薪排查"))
    session.commit()
    items = items_of(session, cadre)
    assert todo_counts(items) == {"log_today": 1, "comment": 1, "rectification_overdue": 1, "rectification_open": 1}
    assert next(i for i in items if i.kind == "log_today").link == "/field/#/new/work_log"
    assert next(i for i in items if i.kind == "comment").reason == "请加强欠薪排查"
    # a log filed, and no log is asked on a rest day
    f.make_work_log(session, user=cadre, station=stations["station"], log_date=TODAY)
    assert "log_today" not in todo_counts(items_of(session, cadre))
    assert "log_today" not in todo_counts(items_of(session, cadre, today=date(2026, 11, 22)))  # a Sunday
    # the leader of the city: the overdue fix (not the one still in time)
    assert todo_counts(items_of(session, leader)) == {"rectification_overdue": 1}


def test_a_leader_decides_proposals_and_chases_late_orders(session, city):
    leader = make_user(session, username="boss", role=Role.leader, regions=[city["a"]])
    proposed = make_case(session, township=city["town_a"], county=city["a"])
    late = make_case(session, township=city["town_a"], county=city["a"], supervised=True)
    elsewhere = make_case(session, township=city["town_b"], county=city["b"])
    session.add(SupervisionOrder(case_id=proposed.id, level="county", status=SupervisionStatus.proposed,
                                 reasons=["overdue"]))
    session.add(SupervisionOrder(case_id=late.id, level="city", status=SupervisionStatus.open, reasons=["leader"],
                                 due_on=date(2026, 11, 18)))
    session.add(SupervisionOrder(case_id=elsewhere.id, level="county", status=SupervisionStatus.proposed,
                                 reasons=["overdue"]))
    session.commit()
    items = items_of(session, leader)
    assert [(i.kind, i.record) for i in items] == [("supervision_proposed", proposed.case_no),
                                                    ("supervision_late", late.case_no)]


def test_the_admin_hears_of_failed_imports_throttles_and_silent_walls(session, city):
    admin = make_user(session, username="root", role=Role.admin, regions=[city["city"]])
    wall = make_user(session, username="screen", role=Role.wall, regions=[city["city"]])
    now = datetime(2026, 11, 20, 2, tzinfo=UTC)
    session.add(ImportJob(kind="cases", filename="案件.xlsx", data=b"", status="failed", created_at=now))
    session.add(ImportJob(kind="users", filename="人员.xlsx", data=b"", status="done", created_at=now))
    session.add(DeviceSession(user_id=wall.id, kind="wall", label="指挥中心大屏", token_hash="a" * 64,
                              created_at=now - timedelta(days=5), last_seen_at=now - timedelta(days=2),
                              expires_at=now + timedelta(days=300)))
    session.add(DeviceSession(user_id=wall.id, kind="wall", label="大厅", token_hash="b" * 64,
                              created_at=now - timedelta(days=5), last_seen_at=now - timedelta(hours=2),
                              expires_at=now + timedelta(days=300)))
    session.commit()
    items = items_of(session, admin, now=now, throttled=["zhang.san"])
    assert [(i.kind, i.record) for i in items] == [("import_failed", "cases · 案件.xlsx"),
                                                    ("throttled", "zhang.san"), ("wall_silent", "指挥中心大屏")]


def test_the_page_and_the_top_bars_count(app, session, city, stations):
    cadre = make_user(session, username="cadre", role=Role.cadre, regions=[city["town_a"]])
    f.make_secondment(session, user=cadre, station=stations["station"])
    f.make_rectification(session, inspection=stations["audit"], item_code="W01", due_on=date(2026, 11, 5))
    wall = make_user(session, username="screen", role=Role.wall, regions=[city["city"]])
    client = app.test_client()
    login(client, "cadre", PASSWORD)
    page = client.get("/todo")
    assert page.status_code == 200
    count = call(client, [("shell-todo-count", "children"), ("shell-todo-count", "className")],
                 [("shell-todo-tick", "n_intervals", 1), ("_pages_location", "pathname", "/todo")])
    assert count["shell-todo-count"] == {"children": "2", "className": "ms-1"}
    from flask_login import login_user

    from pages import todo as todo_page
    from web.auth import _load_user
    for user, expected in ((cadre, ("今日工作日志待报", "超期未整改", "/field/#/new/work_log")),
                           (wall, ("您的角色无权查看此页面",))):
        with app.test_request_context("/todo"):
            login_user(_load_user(f"{user.id}:{user.session_version}"))
            text = str(todo_page.layout())
        assert all(word in text for word in expected), (user.username, text[:300])


def test_the_field_app_keeps_the_list_with_its_reference(app, session, city, stations):
    """The phone's home lists what waits (offline too): the reference it keeps carries the list,
    each item's kind titled in the person's language."""
    cadre = make_user(session, username="cadre", role=Role.cadre, regions=[city["town_a"]])
    f.make_secondment(session, user=cadre, station=stations["station"])
    client = app.test_client()
    signed = client.post("/api/v1/session", json={"username": "cadre", "password": PASSWORD, "device_name": "t"})
    assert signed.status_code in (200, 201), signed.data[:200]
    todo = client.get("/api/v1/reference").get_json()["todo"]
    assert todo == [{"kind": "log_today", "title": "今日工作日志待报", "record": TODAY.isoformat(), "reason": "",
                     "link": "/field/#/new/work_log", "due": TODAY.isoformat(), "late": False}]


def test_a_leader_answers_extension_requests_and_signs_off_walkthrough_fixes(session, city):
    from data.errors import WorkflowError
    from data.models import FindingStatus
    from data.services.walkthrough_findings import set_fix_status
    from tests.field_factories import make_finding, make_walkthrough
    leader = make_user(session, username="boss", role=Role.leader, regions=[city["a"]])
    other = make_user(session, username="boss.b", role=Role.leader, regions=[city["b"]])
    officer = make_user(session, username="officer.a", role=Role.case_officer, regions=[city["a"]])
    case = make_case(session, township=city["town_a"], county=city["a"])
    again = make_case(session, township=city["town_a"], county=city["a"])
    case_service.request_extension(session, actor=actor_of(session, officer), case_id=case.id, reason="需调取银行流水",
                                   today=TODAY)
    case_service.request_extension(session, actor=actor_of(session, officer), case_id=again.id, reason="当事人在外地",
                                   today=TODAY)
    with pytest.raises(WorkflowError):  # asked once until answered
        case_service.request_extension(session, actor=actor_of(session, officer), case_id=case.id, reason="再申请",
                                       today=TODAY)
    asked = [i for i in items_of(session, leader) if i.kind == "extension_request"]
    assert [(i.record, i.reason) for i in asked] == [(case.case_no, "需调取银行流水"), (again.case_no, "当事人在外地")]
    assert not [i for i in items_of(session, other) if i.kind == "extension_request"]  # another county's leader
    case_service.extend_investigation(session, actor=actor_of(session, leader), case_id=case.id, reason="同意",
                                      today=TODAY)
    case_service.decline_extension(session, actor=actor_of(session, leader), case_id=again.id, reason="理由不足",
                                   today=TODAY)
    assert not [i for i in items_of(session, leader) if i.kind == "extension_request"]  # both answered
    with pytest.raises(WorkflowError):  # nothing left to decline
        case_service.decline_extension(session, actor=actor_of(session, leader), case_id=again.id, reason="x",
                                       today=TODAY)
    station = f.make_station(session, township=city["town_a"])
    walk = make_walkthrough(session, user=leader, station=station)
    fix = make_finding(session, walk=walk, list_kind="fix", status=FindingStatus.in_progress)
    signoff = [i for i in items_of(session, leader) if i.kind == "fix_signoff"]
    assert [(i.link, i.late) for i in signoff] == [(f"/walkthroughs?finding={fix.id}", True)]
    set_fix_status(session, actor=actor_of(session, leader), finding_id=fix.id, status="done", today=TODAY)
    assert not [i for i in items_of(session, leader) if i.kind == "fix_signoff"]
