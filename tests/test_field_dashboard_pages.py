"""/walkthroughs and /logs through Dash's HTTP endpoint: figures for the user's own regions, a
crafted request for another region (or record) refused with no data, and the leaders' acts —
a finding made a rectification, a fix signed off, a comment on a log — done once and only by
whom they belong to."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from data.models import FindingStatus, Rectification, Role, Station, WalkthroughFinding, WorkLogComment
from tests.conftest import csrf_header
from tests.dash_calls import dash, find_callback
from tests.factories import PASSWORD, make_city, make_secondment, make_station, make_users, make_work_log
from tests.field_factories import make_comment, make_finding, make_photo_row, make_service_item, make_walkthrough
from tests.test_overview import _find, _text

OCTOBER = {"date_from": "2026-10-01", "date_to": "2026-10-31"}
NOVEMBER = {"date_from": "2026-11-01", "date_to": "2026-11-20"}
REFUSED = "不在您的管辖范围"


@pytest.fixture
def world(app, session):
    city = make_city(session)
    a, b = make_station(session, township=city["town_a"]), make_station(session, township=city["town_b"])
    users = make_users(session, city, leader=(Role.leader, "city"), leader_a=(Role.leader, "a"),
                       cadre_a=(Role.cadre, "town_a"), cadre_b=(Role.cadre, "town_b"),
                       officer=(Role.case_officer, "city"))
    make_secondment(session, user=users["cadre_a"], station=a)
    make_secondment(session, user=users["cadre_b"], station=b)
    make_service_item(session)
    walk_a = make_walkthrough(session, user=users["leader"], station=a, walked_on=date(2026, 10, 12))
    walk_b = make_walkthrough(session, user=users["leader"], station=b, walked_on=date(2026, 10, 14))
    findings = {"a_issue": make_finding(session, walk=walk_a, text="窗口A排队太久"),
                "a_fix": make_finding(session, walk=walk_a, list_kind="fix"),
                "b_issue": make_finding(session, walk=walk_b, text="青石镇导办指引不清"),
                "b_need": make_finding(session, walk=walk_b, list_kind="need")}
    logs = {"a": make_work_log(session, user=users["cadre_a"], station=a, log_date=date(2026, 11, 19),
                               done="走访望江街道企业3家"),
            "b": make_work_log(session, user=users["cadre_b"], station=b, log_date=date(2026, 11, 19),
                               done="青石镇欠薪排查2个项目")}
    make_comment(session, log=logs["b"], author=users["leader"], text="排查要全覆盖")
    return {"city": city, "users": users, "findings": findings, "logs": logs}


def sign_in(client, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def summary(client, app, filters):
    return dash(client, app, "walk-funnel", {"walk-filters.data": filters, "walk-version.data": 0})


def test_the_funnel_and_lists_cover_the_users_regions(app, client, world):
    sign_in(client, "leader_a")
    answer = summary(client, app, OCTOBER)
    funnel = answer["walk-funnel"]["children"]
    assert _text(_find(funnel, "walk-funnel-issues")) == "1" and _text(_find(funnel, "walk-funnel-fixes")) == "1"
    assert _text(_find(funnel, "walk-funnel-needs")) == "0"
    lists = dash(client, app, "walk-lists", {"walk-filters.data": OCTOBER, "walk-tab.active_tab": "issue",
                                             "walk-version.data": 0})
    assert [r["text"] for r in lists["walk-lists"]["rowData"]] == ["窗口A排队太久"]
    sign_in(client, "leader")
    assert _text(_find(summary(client, app, OCTOBER)["walk-funnel"]["children"], "walk-funnel-issues")) == "2"


def test_a_crafted_request_for_another_region_is_refused_with_no_data(app, client, world):
    sign_in(client, "leader_a")
    crafted = {**OCTOBER, "region_code": world["city"]["b"].area_code}
    answer = summary(client, app, crafted)
    assert REFUSED in _text(answer["walk-funnel"]["children"]) and REFUSED in _text(answer["walk-time"]["children"])
    assert answer["walk-by-service"]["figure"] == {} and answer["walk-by-channel"]["figure"] == {}
    lists = dash(client, app, "walk-lists", {"walk-filters.data": crafted, "walk-tab.active_tab": "issue",
                                             "walk-version.data": 0})
    assert lists["walk-lists"]["rowData"] == []
    detail = dash(client, app, "walk-detail-body", {"walk-selected.data": world["findings"]["b_issue"].id,
                                                    "walk-version.data": 0})
    text = _text(detail["walk-detail-body"]["children"])
    assert REFUSED in text and "青石镇导办指引不清" not in text
    matrix = dash(client, app, "logs-matrix", {"logs-filters.data": {"region_code": world["city"]["b"].area_code},
                                               "logs-version.data": 0})
    assert REFUSED in _text(matrix["logs-kpis"]["children"]) and matrix["logs-matrix"]["rowData"] == []
    feed = dash(client, app, "logs-feed", {"logs-filters.data": {"region_code": world["city"]["b"].area_code},
                                           "logs-page.active_page": 1, "logs-version.data": 0})
    assert REFUSED in _text(feed["logs-feed"]["children"])
    assert "青石镇欠薪排查" not in json.dumps(feed, ensure_ascii=False)


def test_roles_without_the_pages_get_nothing(app, client, world):
    # the pages' own checks, behind the guard's refusal of other roles' callbacks (test_guard.py)
    app.extensions["callback_roles"] = ()
    sign_in(client, "officer")
    answer = summary(client, app, OCTOBER)
    assert "无权" in _text(answer["walk-funnel"]["children"]) and answer["walk-by-service"]["figure"] == {}
    feed = dash(client, app, "logs-feed", {"logs-filters.data": NOVEMBER, "logs-page.active_page": 1,
                                           "logs-version.data": 0})
    assert "无权" in _text(feed["logs-feed"]["children"])


def make_rect(client, app, finding_id, station_id=None, days=10):
    return dash(client, app, "walk-rect-modal", {"walk-rect-submit.n_clicks": 1, "walk-selected.data": finding_id,
                                                 "walk-rect-station.value": station_id, "walk-rect-days.value": days,
                                                 "walk-version.data": 0})


def test_a_leader_turns_a_finding_into_a_rectification_through_the_page(app, client, session, world):
    finding = world["findings"]["b_issue"]
    b = session.exec(select(Station).where(Station.path == finding.path)).one()
    sign_in(client, "leader_a")  # the finding lies in county B
    answer = make_rect(client, app, finding.id, b.id)
    assert REFUSED in _text(answer["walk-rect-error"]["children"])
    sign_in(client, "cadre_b")  # the finding's own township, but not a leader
    assert "只有局领导和管理员" in _text(make_rect(client, app, finding.id, b.id)["walk-rect-error"]["children"])
    assert session.exec(select(Rectification)).all() == []
    sign_in(client, "leader")
    answer = make_rect(client, app, finding.id, b.id)
    rect = session.exec(select(Rectification)).one()
    assert rect.finding_id == finding.id and answer["walk-rect-modal"]["is_open"] is False
    assert f"/rectifications?rect={rect.id}" in json.dumps(answer["walk-msg"]["children"])
    again = make_rect(client, app, finding.id, b.id)
    assert "已转为整改" in _text(again["walk-rect-error"]["children"])
    assert len(session.exec(select(Rectification)).all()) == 1


def test_a_fix_is_signed_off_through_the_page_by_a_leader_only(app, client, session, world):
    fix = world["findings"]["a_fix"]
    button = {"type": "walk-fix-status", "status": "done"}
    key, spec = find_callback(app, "walk-msg", {'{"status":["ALL"],"type":"walk-fix-status"}'})
    body = {"output": key, "outputs": [dict(zip(("id", "property"), o.strip(".").rsplit(".", 1), strict=True))
                                       for o in key.strip(".").split("...")],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "walk-selected", "property": "data", "value": fix.id},
                      {"id": "walk-version", "property": "data", "value": 0}],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
    for who, expected in (("cadre_a", FindingStatus.open), ("leader_a", FindingStatus.done)):
        sign_in(client, who)
        assert client.post("/_dash-update-component", json=body, headers=csrf_header(client)).status_code == 200
        session.expire_all()
        assert session.get(WalkthroughFinding, fix.id).status == expected


def comment(client, log_id, text):
    target = {"type": "logs-comment-send", "log": log_id}
    body = {"output": '..{"log":["MATCH"],"type":"logs-comments"}.children...'
                      '{"log":["MATCH"],"type":"logs-comment-text"}.value...{"log":["MATCH"],"type":"logs-comment-msg"}.children..',
            "outputs": [{"id": {"type": t, "log": log_id}, "property": p} for t, p in (
                ("logs-comments", "children"), ("logs-comment-text", "value"), ("logs-comment-msg", "children"))],
            "inputs": [{"id": target, "property": "n_clicks", "value": 1}],
            "state": [{"id": {"type": "logs-comment-text", "log": log_id}, "property": "value", "value": text}],
            "changedPropIds": [json.dumps(target, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 200, response.data[:300]
    return response.json["response"]


def _all(answer: dict) -> str:
    return _text([output for outputs in answer.values() for output in outputs.values()])


def test_leaders_comment_on_logs_in_their_regions_and_the_cadre_sees_it(app, client, session, world):
    sign_in(client, "leader_a")
    crafted = comment(client, world["logs"]["b"].id, "越权点评")
    assert REFUSED in _all(crafted) and session.exec(select(WorkLogComment).where(
        WorkLogComment.text == "越权点评")).first() is None
    answer = comment(client, world["logs"]["a"].id, "注意台账留痕")
    assert "注意台账留痕" in _all(answer) and answer[json.dumps({"log": world["logs"]["a"].id,
                                                                  "type": "logs-comment-text"},
                                                                 separators=(",", ":"))]["value"] == ""
    sign_in(client, "cadre_a")
    assert "只有局领导和管理员" in _all(comment(client, world["logs"]["a"].id, "自己点评"))
    photo = make_photo_row(session, owner_kind="work_log", owner_uuid=world["logs"]["a"].uuid,
                           path=world["logs"]["a"].path)
    feed = dash(client, app, "logs-feed", {"logs-filters.data": NOVEMBER, "logs-page.active_page": 1,
                                           "logs-version.data": 0})
    text = _text(feed["logs-feed"]["children"])
    assert "走访望江街道企业3家" in text and "注意台账留痕" in text and "新" in text
    assert "青石镇欠薪排查" not in text and feed["logs-page"]["max_value"] == 1
    assert f"/photos/{photo.uuid}" in json.dumps(feed)
    answer = dash(client, app, "logs-mark-read-box", {"logs-mark-read.n_clicks": 1, "logs-version.data": 0})
    assert answer["logs-version"]["data"] == 1
    session.expire_all()
    assert all(c.read_at is not None for c in session.exec(select(WorkLogComment).where(
        WorkLogComment.work_log_id == world["logs"]["a"].id)))
    unread_b = session.exec(select(WorkLogComment).where(WorkLogComment.work_log_id == world["logs"]["b"].id)).one()
    assert unread_b.read_at is None


def test_the_matrix_for_a_leader(app, client, world):
    sign_in(client, "leader")
    answer = dash(client, app, "logs-matrix", {"logs-filters.data": NOVEMBER, "logs-version.data": 0})
    rows = answer["logs-matrix"]["rowData"]
    assert sorted(r["name"] for r in rows) == ["cadre_a", "cadre_b"]
    columns = answer["logs-matrix"]["columnDefs"]
    assert [c["headerName"] for c in columns[2:4]] == ["11/2", "11/3"] and len(columns) == 2 + 15
    assert rows[0]["d13"] == "filed" and rows[0]["d12"] == "missing" and rows[0]["d14"] == "pending"
    assert "7.1%" in _text(answer["logs-kpis"]["children"])  # 2 filed of 28 due (today is not due yet)


def review(client, log_id, act, note, *, kind="logs", key="log", note_type="logs-comment-text"):
    """审核 through Dash's endpoint: a log's buttons (the reason in its comment box), or with
    kind="walk", key="walk", note_type="walk-review-note" a walk's in the review queue."""
    button = {"type": f"{kind}-review", key: log_id, "act": act}
    state = {"type": f"{kind}-review-state", key: log_id}
    body = {"output": json.dumps({k: ["MATCH"] if k == key else v for k, v in state.items()},
                                 separators=(",", ":"), sort_keys=True) + ".children",
            "outputs": {"id": state, "property": "children"},
            "inputs": [[{"id": {**button, "act": a}, "property": "n_clicks", "value": 1 if a == act else None}
                        for a in ("accept", "return")]],
            "state": [{"id": {"type": note_type, key: log_id}, "property": "value", "value": note}],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 200, response.data[:300]
    return json.dumps(response.json["response"], ensure_ascii=False)


def test_a_leader_reviews_a_log_on_the_page_and_the_cadre_is_told(app, client, session, world):
    from data.models import WorkLog
    from data.queries.todo import todo_items
    from data.queries.users import get_user_scope
    from tests.conftest import TODAY
    log = world["logs"]["a"]
    sign_in(client, "leader_a")
    assert "退回时请写明原因" in review(client, log.id, "return", "")
    assert "已退回" in review(client, log.id, "return", "请附上现场照片")
    assert "越权" not in review(client, world["logs"]["b"].id, "accept", "") and session.get(
        WorkLog, world["logs"]["b"].id).review_status is None  # another county's log: refused
    session.expire_all()
    cadre = session.get(WorkLog, log.id).user_id
    items = todo_items(session, role="cadre", user_id=cadre, scope=get_user_scope(session, user_id=cadre),
                       today=TODAY)
    assert [(i.kind, i.reason) for i in items if i.kind == "log_returned"] == [("log_returned", "请附上现场照片")]
    assert "审核通过" in review(client, log.id, "accept", "")


def review_walk(client, walk_id, act, note):
    return review(client, walk_id, act, note, kind="walk", key="walk", note_type="walk-review-note")


def _ids(tree, kind: str) -> list[int]:
    """The record numbers of the pattern-matching components of `kind` in a layout."""
    found = []
    if isinstance(tree, dict):
        if isinstance(tree.get("id"), dict) and tree["id"].get("type") == kind:
            found.append(tree["id"]["walk"])
        for value in tree.values():
            found += _ids(value, kind)
    elif isinstance(tree, list):
        for value in tree:
            found += _ids(value, kind)
    return found


def test_leaders_review_walkthroughs_of_their_regions_but_not_their_own(app, client, session, world):
    """审核 on /walkthroughs: the queue lists the walks of the leader's regions not yet reviewed; a
    return needs its reason and waits in the walker's to-do; another county's walk, or one's own,
    is refused whatever the request says."""
    from data.models import Walkthrough
    from data.queries.todo import todo_items
    from data.queries.users import get_user_scope
    from tests.conftest import TODAY
    walk_a, walk_b = (session.get(WalkthroughFinding, world["findings"][k].id).walkthrough_id
                      for k in ("a_issue", "b_issue"))
    sign_in(client, "leader_a")
    queue = dash(client, app, "walk-queue", {"walk-filters.data": OCTOBER, "walk-version.data": 0})
    assert _ids(queue, "walk-review-state") == [walk_a]  # walk_b is another county's
    assert "退回时请写明原因" in review_walk(client, walk_a, "return", " ")
    assert "不在您的管辖范围内" in review_walk(client, walk_b, "accept", "")
    assert "已退回" in review_walk(client, walk_a, "return", "请补记每一步的用时")
    session.expire_all()
    assert session.get(Walkthrough, walk_b).review_status is None
    walker = world["users"]["leader"]
    items = todo_items(session, role="leader", user_id=walker.id, scope=get_user_scope(session, user_id=walker.id),
                       today=TODAY)
    assert [(i.kind, i.reason) for i in items if i.kind == "walk_returned"] == [("walk_returned", "请补记每一步的用时")]
    sign_in(client, "leader")  # the walker: the queue names his own walk, and he may not review it
    queue = json.dumps(dash(client, app, "walk-queue", {"walk-filters.data": OCTOBER, "walk-version.data": 0}),
                       ensure_ascii=False)
    assert "本人记录，由其他领导审核" in queue
    assert "不能审核自己的记录" in review_walk(client, walk_b, "accept", "")
    sign_in(client, "cadre_a")
    assert "您的角色不能执行此操作" in review_walk(client, walk_a, "accept", "")


def test_a_logs_history_says_who_changed_what_and_the_return_it_answered(app, client, session, world):
    """A log returned and edited keeps its history, and the feed says it: the version, who changed
    which fields, and the reason it answered."""
    from data.queries.users import get_user_scope
    from data.services.common import Actor
    from data.services.review import review
    from data.services.work_logs import WorkLogForm, record_work_log
    from tests.conftest import TODAY

    def actor_of(name):
        user = world["users"][name]
        return Actor(user.id, user.username, user.role, get_user_scope(session, user_id=user.id))
    log = world["logs"]["a"]
    review(session, actor=actor_of("leader_a"), kind="work_log", record_id=log.id, accept=False, note="请附上现场照片")
    record_work_log(session, actor=actor_of("cadre_a"), today=TODAY, form=WorkLogForm(
        uuid=log.uuid, log_date=log.log_date, work_types=["training"], done="走访望江街道企业3家，现场照片已附",
        people_served=5))
    sign_in(client, "leader_a")
    feed = dash(client, app, "logs-feed", {"logs-filters.data": NOVEMBER, "logs-page.active_page": 1,
                                           "logs-version.data": 0})
    text = _text(feed["logs-feed"]["children"])
    assert "已修改（第 2 版）" in text and "第 2 版 · " in text and "cadre_a" in text
    assert "修改：工作内容、工作类型" in text and "答复退回：请附上现场照片" in text
    assert text.count("第 2 版 · ") == 1  # the other log was never edited
