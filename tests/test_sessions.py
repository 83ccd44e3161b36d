"""Sessions end on the server: signing out ends the session (a copy of its cookie is refused
afterwards), a wall screen signs out from its own menu and its year-long device cookie ends with
it, and sessions of one person on two browsers are separate."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from data.models import AuditEvent, DeviceSession, Role
from tests.conftest import csrf_header
from tests.factories import PASSWORD, make_city, make_user


@pytest.fixture
def city(session):
    return make_city(session)


@pytest.fixture
def people(session, city):
    return {"officer": make_user(session, username="officer", role=Role.case_officer, regions=[city["a"]]),
            "wall": make_user(session, username="wall", role=Role.wall, regions=[city["city"]],
                              display_name="指挥大厅大屏")}


def sign_in(client, username: str):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def copy_of(app, client, *names: str):
    """Another browser holding copies of `client`'s cookies (as someone who took them would)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name, path="/")
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value, path=cookie.path)
    return thief


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, session, people):
    client = app.test_client()
    sign_in(client, "officer")
    thief = copy_of(app, client, "hrss_session")
    assert thief.get("/maps/regions").status_code == 200  # the copy works while the session lives

    assert client.post("/logout", headers=csrf_header(client)).status_code == 302
    page = thief.get("/maps/regions")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert thief.get("/_dash-layout").status_code == 401
    assert client.get("/maps/regions").status_code == 302
    web = session.exec(select(DeviceSession).where(DeviceSession.kind == "web")).one()
    assert web.revoked_at is not None and web.user_id == people["officer"].id


def test_signing_out_in_one_browser_leaves_the_other_signed_in(app, people):
    desk, laptop = app.test_client(), app.test_client()
    sign_in(desk, "officer")
    sign_in(laptop, "officer")
    desk.post("/logout", headers=csrf_header(desk))
    assert desk.get("/maps/regions").status_code == 302
    assert laptop.get("/maps/regions").status_code == 200


def test_a_session_cookie_without_a_server_side_session_is_refused(app, people):
    """A validly signed cookie naming the user but no server-side session (as cookies made before
    sessions were kept on the server did) signs no one in."""
    forged = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": f"{people['officer'].id}:1", "_fresh": True, "csrf": "x"})
    client = app.test_client()
    client.set_cookie("hrss_session", forged)
    assert client.get("/maps/regions").status_code == 302


def test_the_wall_signs_out_from_its_own_menu_and_its_device_cookie_ends(app, session, people):
    screen = app.test_client()
    sign_in(screen, "wall")
    page = screen.get("/wall").get_data(as_text=True)
    assert 'id="w-menu"' in page and "指挥大厅大屏" in page and "退出登录" in page
    form = re.search(r'<form method="post" action="(/logout)">\s*<input type="hidden" name="csrf_token" '
                     r'value="([^"]+)">', page)
    assert form, "the wall's menu has a sign-out form"
    thief = copy_of(app, screen, "hrss_device")  # the year-long device cookie alone signs a screen in
    assert thief.get("/wall/data/kpis").status_code == 200

    response = screen.post(form.group(1), data={"csrf_token": form.group(2)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert any(h.startswith("hrss_device=;") for h in response.headers.getlist("Set-Cookie"))
    assert screen.get_cookie("hrss_device", path="/") is None
    assert screen.get("/wall").status_code == 302
    assert thief.get("/wall/data/kpis").status_code == 401
    device = session.exec(select(DeviceSession).where(DeviceSession.kind == "wall")).one()
    assert device.revoked_at is not None
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["device_session.revoked", "user.logout"]
