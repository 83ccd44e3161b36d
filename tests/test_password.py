"""Everyone changes their own password (/password, and POST /api/v1/password on the field app);
someone holding a one-time password (an import, an administrator's reset) can do nothing else
until they have — no page, no Dash callback, no API call."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from data.models import AuditEvent, DeviceSession, Role, User
from data.security import verify_password
from tests.conftest import csrf_header, login
from tests.factories import PASSWORD, make_city, make_user

NEW = "a-new-password-42"


@pytest.fixture
def people(app, session):
    city = make_city(session)
    make_user(session, username="fresh", role=Role.case_officer, regions=[city["a"]], must_change_password=True)
    make_user(session, username="cadre", role=Role.cadre, regions=[city["town_a"]], must_change_password=True)
    make_user(session, username="old.hand", role=Role.leader, regions=[city["city"]])
    session.commit()
    return city


def stored(app, username: str) -> User:
    with Session(app.extensions["engine"]) as session:
        return session.exec(select(User).where(User.username == username)).one()


def test_a_one_time_password_opens_only_the_change(app, people):
    client = app.test_client()
    login(client, "fresh", PASSWORD)
    page = client.get("/cases")
    assert page.status_code == 302 and page.headers["Location"].startswith("/password?next=/cases")
    form = client.get("/password")
    assert form.status_code == 200 and "一次性密码" in form.get_data(as_text=True)
    callback = client.post("/_dash-update-component", json={"output": "x.children", "outputs": {"id": "x",
                           "property": "children"}, "inputs": [], "changedPropIds": []}, headers=csrf_header(client))
    assert callback.status_code == 403 and callback.json["error"] == "password_change_required"
    assert client.get("/maps/regions").status_code in (302, 403)

    def change(**fields):
        return client.post("/password", data={"csrf_token": client.get_cookie("_csrf_token").value,
                                              "next": "/cases", **fields})

    assert "当前密码不对" in change(current="wrong", new=NEW, repeat=NEW).get_data(as_text=True)
    assert "至少 10 个字符" in change(current=PASSWORD, new="short", repeat="short").get_data(as_text=True)
    assert "不能与用户名相同" in change(current=PASSWORD, new="fresh", repeat="fresh").get_data(as_text=True)
    assert "不能与当前密码相同" in change(current=PASSWORD, new=PASSWORD, repeat=PASSWORD).get_data(as_text=True)
    assert "不一致" in change(current=PASSWORD, new=NEW, repeat=NEW + "x").get_data(as_text=True)
    assert stored(app, "fresh").must_change_password

    done = change(current=PASSWORD, new=NEW, repeat=NEW)
    assert done.status_code == 302 and done.headers["Location"] == "/cases"
    assert client.get("/cases").status_code == 200  # signed in still, and free to go anywhere
    user = stored(app, "fresh")
    assert not user.must_change_password and verify_password(NEW, user.password_hash)
    with Session(app.extensions["engine"]) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.change_password")).one()
        assert event.actor_id == user.id and event.details["one_time"] is True


def test_anyone_changes_their_own_and_other_sign_ins_end(app, people):
    other = app.test_client()
    login(other, "old.hand", PASSWORD)
    client = app.test_client()
    login(client, "old.hand", PASSWORD)
    form = client.get("/password?next=/stations")
    assert form.status_code == 200 and "一次性密码" not in form.get_data(as_text=True)
    done = client.post("/password", data={"csrf_token": client.get_cookie("_csrf_token").value, "next": "/stations",
                                          "current": PASSWORD, "new": NEW, "repeat": NEW})
    assert done.status_code == 302 and client.get("/stations").status_code == 200
    assert other.get("/stations").status_code == 302  # the other browser signs in again
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "old.hand", "password": PASSWORD}).status_code == 401
    login(fresh, "old.hand", NEW)


def test_the_field_app_changes_a_one_time_password_first(app, people):
    client = app.test_client()
    signed = client.post("/api/v1/session", json={"username": "cadre", "password": PASSWORD, "device_label": "手机"})
    assert signed.status_code == 200 and signed.json["user"]["must_change_password"] is True
    refused = client.get("/api/v1/reference")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "password_change_required"
    bad = client.post("/api/v1/password", json={"current": PASSWORD, "new": "cadre", "repeat": "cadre"},
                      headers=csrf_header(client))
    assert bad.status_code == 422
    done = client.post("/api/v1/password", json={"current": PASSWORD, "new": NEW, "repeat": NEW},
                       headers=csrf_header(client))
    assert done.status_code == 204
    assert client.get("/api/v1/reference").status_code == 200  # the same phone goes on, signed in
    assert client.get("/api/v1/me").json["user"]["must_change_password"] is False
    with Session(app.extensions["engine"]) as session:
        cadre = session.exec(select(User).where(User.username == "cadre")).one()
        live = session.exec(select(DeviceSession).where(DeviceSession.user_id == cadre.id,
                                                        DeviceSession.revoked_at.is_(None))).all()
        assert [d.kind for d in live] == ["field"]  # the first sign-in ended, this phone's new one holds
