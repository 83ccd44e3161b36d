"""/admin/users: the administrator creates accounts (a one-time password shown once), changes
names, roles and home regions, disables and enables them (every sign-in of a disabled account
ends), gives a new one-time password, signs an account out everywhere and lifts a sign-in
throttle; each act is audited; the last
active administrator stays one and nobody disables themselves; nobody but an administrator
reaches the page or any of its callbacks. The operation log finds events by region."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from data.errors import NotAllowed, ValidationError
from data.models import AuditEvent, DeviceSession, Role, User, UserRegion
from data.queries.audit_log import LogFilters, audit_events
from data.queries.users import home_region_codes, list_users, region_tree
from data.scope import Scope
from data.security import verify_password
from data.services import devices, login_throttle
from data.services import users as accounts
from data.services.common import Actor
from tests.conftest import csrf_header, login
from tests.dash_calls import dash, find_callback
from tests.factories import PASSWORD, make_city, make_user

P = "adm-usr-"


@pytest.fixture
def world(app, session):
    city = make_city(session)
    people = {name: make_user(session, username=name, role=role, regions=regions, display_name=shown)
              for name, role, regions, shown in (
                  ("root", Role.admin, [city["city"]], "管理员甲"),
                  ("boss", Role.leader, [city["city"]], "局长乙"),
                  ("off", Role.case_officer, [city["a"]], "经办丙"))}
    session.commit()
    return {"city": city, **people}


def as_actor(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, role=Role(user.role), scope=Scope(("369900000000/",)))


def events(session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_the_admin_creates_an_account_with_a_one_time_password(session, world):
    root = as_actor(world["root"])
    user, password = accounts.add_user(session, actor=root, username=" Li.Ming ", display_name="李明",
                                       role="inspector", region_codes=["369901000000", "369902100000"])
    assert user.username == "li.ming" and user.must_change_password and Role(user.role) == Role.inspector
    assert len(password) >= 10 and verify_password(password, user.password_hash)
    assert home_region_codes(session, user_id=user.id) == ["369901000000", "369902100000"]
    [event] = events(session, "user.create")
    assert event.actor_id == world["root"].id and event.target_id == str(user.id)
    assert event.details["regions"] == ["369901000000", "369902100000"] and event.details["one_time"] is True
    assert password not in json.dumps(event.details)

    refusals = {
        "username": dict(username="", display_name="王五", role="leader", region_codes=["369900000000"]),
        "display_name": dict(username="wang.wu", display_name=" ", role="leader", region_codes=["369900000000"]),
        "role": dict(username="wang.wu", display_name="王五", role="king", region_codes=["369900000000"]),
        "regions": dict(username="wang.wu", display_name="王五", role="leader", region_codes=[]),
    }
    for field, given in refusals.items():
        with pytest.raises(ValidationError) as refused:
            accounts.add_user(session, actor=root, **given)
        assert refused.value.field == field
    with pytest.raises(ValidationError) as taken:
        accounts.add_user(session, actor=root, username="li.ming", display_name="又一个", role="leader",
                          region_codes=["369900000000"])
    assert taken.value.field == "username" and "已被使用" in taken.value.message
    with pytest.raises(ValidationError) as unknown:
        accounts.add_user(session, actor=root, username="wang.wu", display_name="王五", role="leader",
                          region_codes=["123456789012"])
    assert unknown.value.field == "regions" and unknown.value.params["code"] == "123456789012"
    with pytest.raises(NotAllowed):
        accounts.add_user(session, actor=as_actor(world["boss"]), username="wang.wu", display_name="王五",
                          role="admin", region_codes=["369900000000"])
    assert session.exec(select(User).where(User.username == "wang.wu")).first() is None
    assert len(events(session, "user.create")) == 1


def test_the_last_active_admin_stays_one(session, world):
    root, off = as_actor(world["root"]), world["off"]
    with pytest.raises(ValidationError) as refused:
        accounts.update_user(session, actor=root, user_id=world["root"].id, display_name="管理员甲", role="leader",
                             region_codes=["369900000000"])
    assert refused.value.field == "role" and refused.value.message == "不能取消最后一位启用的管理员的管理员角色"
    with pytest.raises(ValidationError) as itself:
        accounts.set_active(session, actor=root, user_id=world["root"].id, active=False)
    assert itself.value.field == "active" and itself.value.message == "不能停用自己的账户"

    # a second administrator: now either may lose the role or be disabled, but not both
    accounts.update_user(session, actor=root, user_id=off.id, display_name="经办丙", role="admin",
                         region_codes=["369901000000"])
    accounts.update_user(session, actor=root, user_id=world["root"].id, display_name="管理员甲", role="leader",
                         region_codes=["369900000000"])
    with pytest.raises(ValidationError) as last:
        accounts.set_active(session, actor=root, user_id=off.id, active=False)
    assert last.value.message == "不能停用最后一位启用的管理员"
    session.expire_all()
    assert Role(session.get(User, off.id).role) == Role.admin and session.get(User, off.id).active
    [change, back] = events(session, "user.update")[:2]
    assert change.details["after"] == {"role": "admin"} and back.details["before"] == {"role": "admin"}


def test_new_regions_and_names_are_audited_and_nothing_is_when_nothing_changes(session, world):
    root, off = as_actor(world["root"]), world["off"]
    version = off.session_version
    accounts.update_user(session, actor=root, user_id=off.id, display_name="经办丙", role="case_officer",
                         region_codes=["369901000000"])
    assert events(session, "user.update") == []
    accounts.update_user(session, actor=root, user_id=off.id, display_name="经办丁", role="case_officer",
                         region_codes=["369902000000", "369901000000"])
    [event] = events(session, "user.update")
    assert event.details["before"] == {"display_name": "经办丙", "regions": ["369901000000"]}
    assert event.details["after"] == {"display_name": "经办丁", "regions": ["369901000000", "369902000000"]}
    session.expire_all()
    assert session.get(User, off.id).session_version == version + 1  # signs in again to see the new regions
    assert len(session.exec(select(UserRegion).where(UserRegion.user_id == off.id)).all()) == 2


def test_disabling_ends_every_sign_in_and_enabling_lets_them_back(app, session, world):
    off = world["off"]
    browser = app.test_client()
    login(browser, "off", PASSWORD)
    assert browser.get("/cases").status_code == 200
    _phone, token = devices.open_device_session(session, user=off, kind="field", label="手机")
    accounts.set_active(session, actor=as_actor(world["root"]), user_id=off.id, active=False)
    [event] = events(session, "user.disable")
    assert event.actor_id == world["root"].id and event.details["device_sessions"] == 2  # the browser's and the phone's
    assert session.exec(select(DeviceSession).where(DeviceSession.user_id == off.id,
                                                    DeviceSession.revoked_at.is_(None))).all() == []
    assert devices.device_by_token(session, token=token, kind="field") is None
    assert browser.get("/cases").status_code == 302  # the browser is signed out
    assert app.test_client().post("/login", data={"username": "off", "password": PASSWORD}).status_code == 401

    accounts.set_active(session, actor=as_actor(world["root"]), user_id=off.id, active=True)
    assert [e.target_id for e in events(session, "user.enable")] == [str(off.id)]
    login(app.test_client(), "off", PASSWORD)


def test_signing_out_everywhere_ends_sign_ins_and_keeps_the_account(app, session, world):
    off = world["off"]
    browser = app.test_client()
    login(browser, "off", PASSWORD)
    _phone, token = devices.open_device_session(session, user=off, kind="field", label="手机")
    assert accounts.sign_out_everywhere(session, actor=as_actor(world["root"]), user_id=off.id) == 2
    [event] = events(session, "user.revoke_sessions")
    assert event.actor_id == world["root"].id and event.target_id == str(off.id)
    assert devices.device_by_token(session, token=token, kind="field") is None
    assert browser.get("/cases").status_code == 302
    login(app.test_client(), "off", PASSWORD)  # the account itself is untouched
    with pytest.raises(NotAllowed):
        accounts.sign_out_everywhere(session, actor=as_actor(world["boss"]), user_id=off.id)


def test_a_reset_password_is_one_time_and_ends_sign_ins(app, session, world):
    off = world["off"]
    browser = app.test_client()
    login(browser, "off", PASSWORD)
    user, password = accounts.reset_password(session, actor=as_actor(world["root"]), user_id=off.id)
    assert user.must_change_password and password != PASSWORD
    [event] = events(session, "user.reset_password")
    assert event.details["device_sessions"] == 1 and password not in json.dumps(event.details)
    assert browser.get("/cases").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "off", "password": PASSWORD}).status_code == 401
    login(fresh, "off", password)
    assert fresh.get("/cases").headers["Location"].startswith("/password")
    with pytest.raises(ValidationError) as own:
        accounts.reset_password(session, actor=as_actor(world["root"]), user_id=world["root"].id)
    assert own.value.field == "password"


def test_unlock_reuses_the_throttles_clear(session, world):
    policy = login_throttle.Policy()
    for _ in range(policy.per_pair):
        login_throttle.record(session, username="off", address="10.0.0.7", success=False)
    session.commit()
    with pytest.raises(login_throttle.Throttled):
        login_throttle.check(session, username="off", address="10.0.0.7", policy=policy)
    assert accounts.unlock(session, actor=as_actor(world["root"]), user_id=world["off"].id) == policy.per_pair
    login_throttle.check(session, username="off", address="10.0.0.7", policy=policy)
    [event] = events(session, "login_throttle.cleared")
    assert event.actor_id == world["root"].id and event.details["username"] == "off"


def test_the_list_finds_people(session, world):
    rows, total = list_users(session)
    assert total == 3 and [r["username"] for r in rows] == ["boss", "off", "root"]
    assert rows[1]["regions"] == [("369901000000", "东湖区")]
    assert [r["username"] for r in list_users(session, search="局长")[0]] == ["boss"]
    assert [r["username"] for r in list_users(session, role="case_officer")[0]] == ["off"]
    accounts.set_active(session, actor=as_actor(world["root"]), user_id=world["boss"].id, active=False)
    assert [r["username"] for r in list_users(session, status="disabled")[0]] == ["boss"]
    tree = region_tree(session, scope=Scope(("369900000000/",)))
    assert [(r["name"], r["depth"], r["parent"]) for r in tree][:3] == \
        [("示范市", 0, None), ("东湖区", 1, "示范市"), ("望江街道", 2, "东湖区")]


def test_the_log_finds_events_by_region(session, world):
    off, boss = world["off"], world["boss"]
    session.add_all([
        AuditEvent(at=datetime(2026, 11, 3, 2, tzinfo=UTC), actor_id=off.id, actor_name="off", action="case.reveal",
                   target_kind="wage_case", target_id="12"),
        AuditEvent(at=datetime(2026, 11, 4, 2, tzinfo=UTC), actor_id=world["root"].id, actor_name="root",
                   action="user.update", target_kind="user", target_id=str(off.id)),
        AuditEvent(at=datetime(2026, 11, 5, 2, tzinfo=UTC), actor_id=boss.id, actor_name="boss",
                   action="case.reveal", target_kind="wage_case", target_id="13"),
    ])
    session.commit()
    in_a = [e["action"] for e in audit_events(session, LogFilters(region="369901000000"))[0]]
    assert in_a == ["user.update", "case.reveal"]  # done to off's account, and by off
    assert audit_events(session, LogFilters(region="369902000000"))[1] == 0
    assert audit_events(session, LogFilters(region="369900000000"))[1] == 3
    assert audit_events(session, LogFilters.parse(region="999999999999"))[1] == 0


# --- the page and its callbacks ---------------------------------------------------------------


def admin_client(app):
    client = app.test_client()
    login(client, "root", PASSWORD)
    client.get("/admin/users")
    return client


def manage(client, app, trigger: str, user_id: int, **states):
    """The manage dialog's one callback, as the renderer sends it when `trigger` is clicked."""
    key, spec = find_callback(app, P + "version", {P + "save"})
    outputs = [dict(zip(("id", "property"), o.strip(".").rsplit(".", 1), strict=True))
               for o in key.strip(".").split("...")]
    values = {P + "edit-id": user_id, **states}
    body = {"output": key, "outputs": outputs,
            "inputs": [{**i, "value": 1 if i["id"] == trigger else None} for i in spec["inputs"]],
            "state": [{**s, "value": values.get(s["id"])} for s in spec["state"]],
            "changedPropIds": [f"{trigger}.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def text_of(answer) -> str:
    return json.dumps(answer, ensure_ascii=False)


def test_the_page_creates_lists_and_refuses_with_the_fields_message(app, world):
    client = admin_client(app)
    listed = text_of(dash(client, app, P + "table", {P + "search.value": "", P + "version.data": 0}))
    assert "经办丙" in listed and "东湖区" in listed
    refused = text_of(dash(client, app, P + "create-body", {P + "create.n_clicks": 1, P + "username.value": "new.one",
                                                            P + "name.value": "新人", P + "role.value": "cadre",
                                                            P + "regions.value": []}))
    assert "adm-usr-regions-error" in refused and "请至少选择一个所属地区" in refused
    made = dash(client, app, P + "create-body", {P + "create.n_clicks": 1, P + "username.value": "new.one",
                                                 P + "name.value": "新人", P + "role.value": "cadre",
                                                 P + "regions.value": ["369901001000"], P + "version.data": 0})
    shown = text_of(made)
    assert "adm-usr-otp" in shown and "只显示这一次" in shown
    with Session(app.extensions["engine"]) as session:
        user = session.exec(select(User).where(User.username == "new.one")).one()
        password = next(c["props"]["children"] for c in _walk(made) if c.get("props", {}).get("id") == P + "otp")
        assert user.must_change_password and verify_password(password, user.password_hash)

    itself = text_of(manage(client, app, P + "toggle", world["root"].id).json)
    assert "不能停用自己的账户" in itself and "adm-usr-toggle-error" in itself
    last = text_of(manage(client, app, P + "save", world["root"].id, **{
        P + "edit-name": "管理员甲", P + "edit-role": "leader", P + "edit-regions": ["369900000000"]}).json)
    assert "不能取消最后一位启用的管理员的管理员角色" in last and "adm-usr-edit-role-error" in last
    disabled = text_of(manage(client, app, P + "toggle", world["off"].id).json)
    assert "已停用该账户" in disabled
    reset = manage(client, app, P + "reset", world["boss"].id).json
    assert "adm-usr-reset-otp" in text_of(reset)
    with Session(app.extensions["engine"]) as session:
        assert not session.get(User, world["off"].id).active
        assert session.get(User, world["boss"].id).must_change_password
        acts = {e.action for e in session.exec(select(AuditEvent).where(AuditEvent.actor_id == world["root"].id))}
        assert {"user.create", "user.disable", "user.reset_password"} <= acts


def test_the_list_pages_by_fifty_and_a_search_starts_at_the_first(app, session, world):
    """A bureau has hundreds of accounts: the list shows fifty at a time (each row's button is a
    callback input: the browser keeps up), the pager counts the pages, a search starts again at one."""
    for n in range(60):
        make_user(session, username=f"cadre.{n:02d}", role=Role.cadre, regions=[world["city"]["town_a"]])
    client = admin_client(app)
    first = dash(client, app, P + "table", {P + "search.value": "", P + "version.data": 0, P + "pager.active_page": 1})
    assert first[P + "pager"]["max_value"] == 2 and first[P + "pager"]["active_page"] == 1
    rows = [c for c in _walk(first[P + "table"]["children"]) if str(c["props"].get("id", "")).startswith(P + "user-")]
    assert len(rows) == 50 and "第 1–50 个" in text_of(first)
    second = dash(client, app, P + "table", {P + "search.value": "", P + "version.data": 0, P + "pager.active_page": 2},
                  changed=P + "pager.active_page")
    assert "第 51–" in text_of(second) and "cadre.59" in text_of(second) and "cadre.00" not in text_of(second)
    found = dash(client, app, P + "table", {P + "search.value": "cadre.5", P + "version.data": 0,
                                            P + "pager.active_page": 2}, changed=P + "search.value")
    assert found[P + "pager"] == {"max_value": 1, "active_page": 1} and "cadre.55" in text_of(found)


def _walk(node):
    """Every component (as a dict) in a callback's answer."""
    if isinstance(node, dict):
        if "props" in node:
            yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_nobody_else_reaches_the_page_or_a_callback(app, world):
    client = app.test_client()
    login(client, "boss", PASSWORD)
    client.get("/")
    for output, reads in ((P + "table", {P + "search"}), (P + "create-body", {P + "create"}), (P + "modal", None),
                          (P + "version", {P + "save", P + "toggle"})):
        key, spec = find_callback(app, output, reads)
        outputs = [dict(zip(("id", "property"), o.strip(".").rsplit(".", 1), strict=True))
                   for o in key.strip(".").split("...")]
        body = {"output": key, "outputs": outputs, "inputs": [{**i, "value": 1} for i in spec["inputs"]],
                "state": [{**s, "value": world["off"].id} for s in spec["state"]], "changedPropIds": []}
        assert client.post("/_dash-update-component", json=body, headers=csrf_header(client)).status_code == 403
    from flask_login import login_user

    from pages.admin_users import layout
    from web.auth import _load_user
    with app.test_request_context():
        login_user(_load_user(f"{world['boss'].id}:{world['boss'].session_version}"))
        page = json.dumps(layout().to_plotly_json(), ensure_ascii=False, default=str)
    assert "无权查看" in page and "经办丙" not in page and P + "create" not in page
    with Session(app.extensions["engine"]) as session:
        assert session.get(User, world["off"].id).active


def test_the_log_page_and_its_export_filter_by_region(app, session, world):
    off = world["off"]
    session.add_all([
        AuditEvent(at=datetime(2026, 11, 3, 2, tzinfo=UTC), actor_id=off.id, actor_name="off", action="case.reveal",
                   target_kind="wage_case", target_id="12"),
        AuditEvent(at=datetime(2026, 11, 5, 2, tzinfo=UTC), actor_id=world["boss"].id, actor_name="boss",
                   action="case.transfer", target_kind="wage_case", target_id="13"),
    ])
    session.commit()
    client = app.test_client()
    login(client, "root", PASSWORD)
    client.get("/admin/log")
    shown = dash(client, app, "adm-log-table", {"adm-log-region.value": "369901000000",
                                                 "adm-log-dates.start_date": "2026-11-01",
                                                 "adm-log-dates.end_date": "2026-11-30"})
    text = text_of(shown)
    assert "case.reveal" in text and "case.transfer" not in text
    href = shown["adm-log-export"]["href"]
    assert "region=369901000000" in href
    exported = client.get(href)
    assert exported.status_code == 200
    cells = json.dumps(list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True)),
                       ensure_ascii=False, default=str)
    assert "case.reveal" in cells and "case.transfer" not in cells
    from flask_login import login_user

    from pages.admin_log import layout
    from web.auth import _load_user
    with app.test_request_context():
        login_user(_load_user(f"{world['root'].id}:{world['root'].session_version}"))
        page = json.dumps(layout(region="369901000000", **{"from": "2026-11-02"}).to_plotly_json(),
                          ensure_ascii=False, default=str)
    assert "369901000000" in page and "2026-11-02" in page and "按地区" in page
