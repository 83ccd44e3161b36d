"""/admin/access: the administrator sees the valid device sign-ins (a wall screen, a field phone)
and signs one out, sees the sign-in throttles and lifts one; both acts are in the audit trail;
nobody else reaches the page or its callback."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from data.models import AuditEvent, DeviceSession, LoginAttempt, Role, User
from data.services import devices, login_throttle
from tests.conftest import csrf_header, login
from tests.factories import PASSWORD, make_city, make_user

BODY = "adm-acc-body"


@pytest.fixture
def world(app, session):
    city = make_city(session)
    users = {name: make_user(session, username=name, role=role, regions=[city["city"]])
             for name, role in (("root", Role.admin), ("boss", Role.leader), ("screen", Role.wall))}
    session.commit()
    wall, token = devices.open_device_session(session, user=users["screen"], kind="wall", label="指挥中心大屏")
    for _ in range(3):  # three wrong passwords for boss from one address
        login_throttle.record(session, username="boss", address="127.0.0.9", success=False)
    session.commit()
    return {"wall": wall.id, "token": token}


def act(client, *, revoke: list[int] = (), clear: list[str] = (), clicked: dict | None = None, kind="device"):
    """The page's one callback as the renderer sends it (pattern-matching buttons)."""
    def group(kind_, ids):
        return [{"id": {"type": kind_, "id": i}, "property": "n_clicks",
                 "value": 1 if clicked == {"type": kind_, "id": i} else None} for i in ids]
    body = {"output": f"..{BODY}.children...adm-acc-msg.children..",
            "outputs": [{"id": BODY, "property": "children"}, {"id": "adm-acc-msg", "property": "children"}],
            "inputs": [group("adm-acc-revoke", revoke), group("adm-acc-clear", clear),
                       {"id": "adm-acc-kind", "property": "value", "value": kind}],
            "state": [{"id": "adm-acc-kind", "property": "value", "value": kind}],
            "changedPropIds": [json.dumps(clicked, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
            if clicked else ["adm-acc-kind.value"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def test_the_admin_signs_a_wall_screen_out_and_lifts_a_throttle(app, world):
    client = app.test_client()
    login(client, "root", PASSWORD)
    page = client.get("/admin/access")
    assert page.status_code == 200
    shown = act(client, revoke=[world["wall"]])
    assert shown.status_code == 200
    text = json.dumps(shown.json["response"], ensure_ascii=False)
    assert "指挥中心大屏" in text and "boss" in text and "127.0.0.9" in text

    answer = act(client, revoke=[world["wall"]], clicked={"type": "adm-acc-revoke", "id": world["wall"]})
    assert answer.status_code == 200
    assert "已注销该设备的登录" in json.dumps(answer.json["response"], ensure_ascii=False)
    assert "指挥中心大屏" not in json.dumps(answer.json["response"][BODY], ensure_ascii=False)
    engine = app.extensions["engine"]
    with Session(engine) as session:
        assert session.get(DeviceSession, world["wall"]).revoked_at is not None
        assert devices.device_by_token(session, token=world["token"], kind="wall") is None  # the screen is out

    pair = "boss|127.0.0.9"
    answer = act(client, clear=[pair, "|127.0.0.9"], clicked={"type": "adm-acc-clear", "id": pair})
    assert "已解除登录限制" in json.dumps(answer.json["response"], ensure_ascii=False)
    with Session(engine) as session:
        assert session.exec(select(LoginAttempt).where(LoginAttempt.username == "boss")).all() == []
        actions = session.exec(select(AuditEvent.action, AuditEvent.actor_id)).all()
        root = session.exec(select(User.id).where(User.username == "root")).one()
        assert ("device_session.revoked", root) in actions and ("login_throttle.cleared", root) in actions


def test_nobody_else_reaches_it(app, world):
    client = app.test_client()
    login(client, "boss", PASSWORD)
    client.get("/")
    assert act(client, revoke=[world["wall"]],
               clicked={"type": "adm-acc-revoke", "id": world["wall"]}).status_code == 403
    with Session(app.extensions["engine"]) as session:
        assert session.get(DeviceSession, world["wall"]).revoked_at is None
