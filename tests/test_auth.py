"""Sign-in, throttling, sessions, CSRF and the audit trail of it all."""

from datetime import timedelta

import pytest
from sqlmodel import select

from data.models import AuditEvent, Role
from data.services import ServiceError
from data.services import users as user_service
from tests.conftest import csrf_header
from tests.factories import PASSWORD, make_city, make_user


@pytest.fixture
def city(session):
    return make_city(session)


@pytest.fixture
def officer(session, city):
    return make_user(session, username="officer", role=Role.case_officer, regions=[city["a"]])


def sign_in(client, username="officer", password=PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


def test_login_page_is_chinese_first(client):
    page = client.get("/login")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'lang="zh-CN"' in text and "登录" in text and "用户名" in text


def test_sign_in_redirects_to_next_and_sets_safe_cookie(client, officer):
    response = sign_in(client, next="/maps/regions")
    assert response.status_code == 302 and response.headers["Location"] == "/maps/regions"
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("hrss_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/maps/regions").status_code == 200


def test_officers_inspectors_and_cadres_start_from_their_to_do_list(client, session, city, officer):
    """Nowhere asked, the roles with work waiting land on /todo, leaders on the overview; a page
    asked for (a link, ?next=) wins."""
    make_user(session, username="boss", role=Role.leader, regions=[city["city"]])
    assert sign_in(client).headers["Location"] == "/todo"
    assert client.get("/login").headers["Location"] == "/"  # already signed in: the page asked, or /
    other = client.application.test_client()
    assert sign_in(other, "boss").headers["Location"] == "/"
    third = client.application.test_client()
    assert sign_in(third, next="/cases").headers["Location"] == "/cases"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_never_leaves_the_site(client, officer, target):
    assert sign_in(client, next=target).headers["Location"] == "/"


def test_wrong_password_is_refused_and_audited(client, session, officer):
    response = sign_in(client, password="wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    actions = session.exec(select(AuditEvent.action)).all()
    assert "user.login_failed" in actions


def test_login_is_throttled_after_repeated_failures(client, officer):
    for _ in range(5):
        assert sign_in(client, password="wrong-password").status_code == 401
    # even the right password is refused while throttled
    response = sign_in(client)
    assert response.status_code == 429
    assert "分钟后再试" in response.get_data(as_text=True)


def test_throttle_window_passes(session, officer):
    from data.types import utcnow

    now = utcnow()
    for _ in range(5):
        with pytest.raises(user_service.BadCredentials):
            user_service.authenticate(session, username="officer", password="nope-nope", ip="10.0.0.1", now=now)
    with pytest.raises(user_service.LoginThrottled):
        user_service.authenticate(session, username="officer", password=PASSWORD, ip="10.0.0.1", now=now)
    later = now + timedelta(minutes=16)
    assert user_service.authenticate(session, username="officer", password=PASSWORD, ip="10.0.0.1", now=later).id


def test_disabled_and_passwordless_accounts_cannot_sign_in(client, session, city):
    make_user(session, username="gone", role=Role.leader, regions=[city["city"]], active=False)
    make_user(session, username="staff", role=Role.cadre, regions=[city["town_a"]], password_hash="!")
    assert sign_in(client, username="gone").status_code == 401
    assert sign_in(client, username="staff", password="!").status_code == 401


def test_login_audited_and_logout_needs_csrf(client, session, officer):
    sign_in(client)
    assert client.post("/logout").status_code == 403  # no token: a cross-site form cannot sign us out
    response = client.post("/logout", headers=csrf_header(client))
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["user.login", "user.logout"]


def test_revoking_sessions_signs_out_everywhere(client, session, officer):
    sign_in(client)
    assert client.get("/maps/regions").status_code == 200
    user_service.revoke_sessions(session, actor=None, username="officer")
    assert client.get("/maps/regions").status_code == 302


def test_dash_update_needs_csrf_header(client, officer):
    sign_in(client)
    body = {"output": "overview-kpis.children", "outputs": {"id": "overview-kpis", "property": "children"},
            "inputs": [{"id": "overview-region", "property": "value", "value": None}], "changedPropIds": []}
    assert client.post("/_dash-update-component", json=body).status_code == 403
    foreign = {**csrf_header(client), "Origin": "https://evil.example"}
    assert client.post("/_dash-update-component", json=body, headers=foreign).status_code == 403


def test_cross_site_login_post_refused(client, officer):
    response = client.post("/login", data={"username": "officer", "password": PASSWORD},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_language_switch_is_remembered_and_audited(client, session, officer):
    sign_in(client)
    response = client.post("/language", data={"lang": "en", "next": "/"}, headers=csrf_header(client))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(type(officer), officer.id).language == "en"
    assert "user.set_language" in session.exec(select(AuditEvent.action)).all()


def test_create_user_service_validates(session, city):
    with pytest.raises(ServiceError, match="unknown role"):
        user_service.create_user(session, actor=None, username="x", display_name="X", role="boss",
                                 region_codes=["369900000000"], password="long-enough-pw")
    with pytest.raises(ServiceError, match="unknown region"):
        user_service.create_user(session, actor=None, username="x", display_name="X", role="leader",
                                 region_codes=["110000000000"], password="long-enough-pw")
    with pytest.raises(ServiceError, match="at least 10"):
        user_service.create_user(session, actor=None, username="x", display_name="X", role="leader",
                                 region_codes=["369900000000"], password="short")
    user = user_service.create_user(session, actor=None, username="New.Leader", display_name="新领导",
                                    role="leader", region_codes=["369900000000"], password="long-enough-pw")
    assert user.username == "new.leader"
    with pytest.raises(ServiceError, match="taken"):
        user_service.create_user(session, actor=None, username="new.leader", display_name="X", role="leader",
                                 region_codes=["369900000000"], password="long-enough-pw")


def test_cli_create_user_then_sign_in(app, session, city):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "zhang.san", "--name", "张三", "--role", "inspector",
                                 "--region", "369900000000", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "li.si", "--name", "李四", "--role", "inspector",
                                 "--region", "999999999999", "--password", "a-long-password"])
    assert result.exit_code != 0 and "unknown region" in result.output
    client = app.test_client()
    assert sign_in(client, username="zhang.san", password="a-long-password").status_code == 302
