"""The sign-in throttle: per (account, address) and per address, progressive delays, never a
lock-out button; the real client address behind trusted proxies (PROXY_HOPS); the same cost for
unknown usernames; the admins' `flask throttles` command.

Distinct clients are distinct loopback source addresses (127.0.0.2, 127.0.0.3, …) talking to a
real server, or X-Forwarded-For through ProxyFix with the test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlmodel import select

from app import create_app
from data.models import AuditEvent, LoginAttempt, Role
from data.security import hash_password
from data.services import login_throttle as throttle
from data.services import users as user_service
from data.types import utcnow
from tests.conftest import LiveServer, app_config
from tests.factories import PASSWORD, make_city, make_user

POLICY = throttle.Policy()


@pytest.fixture
def officer(session):
    return make_user(session, username="officer", role=Role.case_officer, regions=[make_city(session)["a"]])


def attempt(session, *, ip: str, username: str = "officer", password: str = PASSWORD, now=None):
    return user_service.authenticate(session, username=username, password=password, ip=ip, now=now, policy=POLICY)


def fail(session, *, ip: str, username: str = "officer", times: int = 1, now=None):
    for _ in range(times):
        with pytest.raises(user_service.BadCredentials):
            attempt(session, ip=ip, username=username, password="wrong-password", now=now)


# --- the rules, at the service ----------------------------------------------------------------


def test_failures_on_an_account_from_one_address_do_not_stop_its_owner_elsewhere(session, officer):
    now = utcnow()
    fail(session, ip="10.0.0.1", times=5, now=now)
    with pytest.raises(user_service.LoginThrottled) as refused:
        attempt(session, ip="10.0.0.1", now=now)
    assert refused.value.kind == "account+address"
    assert timedelta(0) < refused.value.retry_after <= POLICY.first_delay
    assert attempt(session, ip="10.0.0.2", now=now).id == officer.id


def test_thirty_failures_from_an_address_stop_that_address_only(session, officer):
    now = utcnow()
    for n in range(30):  # a password spray: a different username each time, never 5 on one
        fail(session, ip="10.0.0.3", username=f"guess{n}", now=now)
    with pytest.raises(user_service.LoginThrottled) as refused:
        attempt(session, ip="10.0.0.3", now=now)
    assert refused.value.kind == "address"
    assert attempt(session, ip="10.0.0.4", now=now).id == officer.id


def test_the_delay_doubles_with_each_further_failure_up_to_the_window(session, officer):
    now = utcnow()
    fail(session, ip="10.0.0.5", times=5, now=now)
    waited = []
    for _ in range(6):
        with pytest.raises(user_service.LoginThrottled) as refused:
            attempt(session, ip="10.0.0.5", now=now)
        waited.append(refused.value.retry_after)
        now += refused.value.retry_after  # the moment it is allowed again: one more wrong guess
        fail(session, ip="10.0.0.5", now=now)
    minute = timedelta(minutes=1)
    assert waited == [minute, 2 * minute, 4 * minute, 8 * minute, POLICY.window, POLICY.window]


def test_a_throttled_attempt_is_not_counted_and_does_not_check_the_password(session, officer, monkeypatch):
    now = utcnow()
    fail(session, ip="10.0.0.6", times=5, now=now)
    checked = []
    monkeypatch.setattr(user_service, "verify_password", lambda *a: checked.append(a) or True)
    for _ in range(3):
        with pytest.raises(user_service.LoginThrottled):
            attempt(session, ip="10.0.0.6", now=now)
    assert checked == []
    assert len(session.exec(select(LoginAttempt).where(LoginAttempt.ip == "10.0.0.6")).all()) == 5


def test_a_success_resets_the_pair_but_not_the_address(session, officer):
    now = utcnow()
    fail(session, ip="10.0.0.7", times=4, now=now)
    attempt(session, ip="10.0.0.7", now=now)
    fail(session, ip="10.0.0.7", times=4, now=now)  # 8 in the window, 4 since the success
    assert attempt(session, ip="10.0.0.7", now=now).id == officer.id


def test_a_run_of_failures_ends_after_a_quiet_window(session, officer):
    now = utcnow()
    fail(session, ip="10.0.0.8", times=5, now=now)
    fail(session, ip="10.0.0.8", now=now + timedelta(minutes=10))  # within the window: the run's sixth
    with pytest.raises(user_service.LoginThrottled) as refused:
        attempt(session, ip="10.0.0.8", now=now + timedelta(minutes=11))
    assert refused.value.retry_after == timedelta(minutes=1)  # two minutes after the sixth
    quiet = now + timedelta(minutes=10) + POLICY.window + timedelta(seconds=1)
    fail(session, ip="10.0.0.8", times=4, now=quiet)  # a new run
    assert attempt(session, ip="10.0.0.8", now=quiet).id == officer.id


def test_unknown_disabled_and_passwordless_accounts_cost_one_password_check_each(session, monkeypatch):
    city = make_city(session)
    full = hash_password(PASSWORD)  # the product's cost, not the fixtures' low one
    make_user(session, username="known", role=Role.leader, regions=[city["city"]], password_hash=full)
    make_user(session, username="gone", role=Role.leader, regions=[city["city"]], active=False, password_hash=full)
    make_user(session, username="staff", role=Role.cadre, regions=[city["town_a"]], password_hash="!")
    checked = []
    real = user_service.verify_password
    monkeypatch.setattr(user_service, "verify_password", lambda pw, stored: checked.append(stored) or real(pw, stored))
    for name in ("known", "nobody", "gone", "staff"):
        fail(session, ip="10.0.0.9", username=name)
    assert len(checked) == 4
    assert all(stored.startswith("scrypt$16384$8$1$") for stored in checked)
    # a disabled account is refused even with its right password
    with pytest.raises(user_service.BadCredentials):
        attempt(session, ip="10.0.0.9", username="gone")


def test_admins_list_and_clear_throttles_from_the_command_line(app, session, officer):
    now = utcnow()
    fail(session, ip="10.0.1.1", times=5, now=now)
    fail(session, ip="10.0.1.2", username="someone", now=now)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["throttles"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert "officer" in lines[0] and "10.0.1.1" in lines[0] and "locked until" in lines[0]
    assert any("someone" in line and "not locked" in line for line in lines)
    assert any(line.startswith("address") and "10.0.1.1" in line for line in lines)
    only = runner.invoke(args=["throttles", "--address", "10.0.1.2"])
    assert "10.0.1.1" not in only.output and "someone" in only.output

    cleared = runner.invoke(args=["throttles", "--clear", "--user", "officer", "--address", "10.0.1.1"])
    assert cleared.exit_code == 0 and "cleared 5" in cleared.output, cleared.output
    assert attempt(session, ip="10.0.1.1").id == officer.id
    assert "someone" in runner.invoke(args=["throttles"]).output
    session.expire_all()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "login_throttle.cleared")).one()
    assert event.details == {"username": "officer", "address": "10.0.1.1", "failures": 5}
    assert "cleared 1" in runner.invoke(args=["throttles", "--clear"]).output
    assert "no failed sign-ins" in runner.invoke(args=["throttles"]).output


# --- through HTTP: real source addresses, and ProxyFix --------------------------------------------


class SourceAdapter(HTTPAdapter):
    """requests from one loopback source address: a distinct client to the server."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(address: str) -> requests.Session:
    browser = requests.Session()
    browser.mount("http://", SourceAdapter(address))
    return browser


def form_sign_in(browser, base: str, username: str = "officer", password: str = PASSWORD):
    return browser.post(f"{base}/login", data={"username": username, "password": password}, allow_redirects=False)


@pytest.fixture
def server(app):
    live = LiveServer(app).start()
    yield live
    live.stop()


def test_real_source_addresses_are_separate_clients(server, session, officer):
    base = server.url
    spray = client_from("127.0.0.2")
    for n in range(30):
        assert form_sign_in(spray, base, f"guess{n}", "wrong-password").status_code == 401
    refused = form_sign_in(spray, base)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "分钟后再试" in refused.text
    # 30 failures from one address do not stop another
    assert form_sign_in(client_from("127.0.0.3"), base).status_code == 302

    guesser = client_from("127.0.0.4")
    for _ in range(5):
        assert form_sign_in(guesser, base, password="wrong-password").status_code == 401
    assert form_sign_in(guesser, base).status_code == 429
    # 5 failures on the account from one address do not stop its owner at another
    owner = client_from("127.0.0.5")
    assert form_sign_in(owner, base).status_code == 302
    assert owner.get(f"{base}/maps/regions", allow_redirects=False).status_code == 200

    # the field API's sign-in is throttled alike
    api = client_from("127.0.0.6")
    for _ in range(5):
        wrong = {"username": "officer", "password": "nope-nope"}
        assert api.post(f"{base}/api/v1/session", json=wrong).status_code == 401
    answer = api.post(f"{base}/api/v1/session", json={"username": "officer", "password": PASSWORD})
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "throttled"
    assert int(answer.headers["Retry-After"]) > 0
    assert client_from("127.0.0.7").post(f"{base}/api/v1/session",
                                         json={"username": "officer", "password": PASSWORD}).status_code == 200
    session.expire_all()
    addresses = {e.ip for e in session.exec(select(AuditEvent).where(AuditEvent.action == "user.login"))}
    assert addresses == {"127.0.0.3", "127.0.0.5", "127.0.0.7"}


@pytest.fixture
def proxied(db_url):
    app = create_app(app_config(db_url, PROXY_HOPS=1))
    yield app
    app.extensions["engine"].dispose()


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(proxied, session, officer):
    client = proxied.test_client()

    def sign_in(forwarded_for: str, password: str = PASSWORD):
        # nginx appends the address it saw: a client's own X-Forwarded-For entries come first
        return client.post("/login", data={"username": "officer", "password": password},
                           headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"},
                           environ_base={"REMOTE_ADDR": "127.0.0.1"})

    for _ in range(5):
        assert sign_in("203.0.113.7", "wrong-password").status_code == 401
    assert sign_in("203.0.113.7").status_code == 429
    # a client cannot dodge its throttle by sending its own header: only the last hop counts
    assert sign_in("198.51.100.1, 203.0.113.7").status_code == 429
    assert sign_in("203.0.113.8").status_code == 302
    session.expire_all()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.login")).one()
    assert event.ip == "203.0.113.8"


def test_without_proxy_hops_forwarded_headers_are_ignored(client, officer):
    for n in range(5):
        response = client.post("/login", data={"username": "officer", "password": "wrong-password"},
                               headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert response.status_code == 401
    refused = client.post("/login", data={"username": "officer", "password": PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.99"})
    assert refused.status_code == 429
