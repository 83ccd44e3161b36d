"""Logs: a request id on every answer and every log line of the request, error answers that show
it, refused syncs and server errors logged, LOG_FORMAT=json, gunicorn's access log, and nothing
personal in a line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid

import pytest
import requests

from data.models import Role
from tests.conftest import ROOT, csrf_header, eventually, free_port
from tests.factories import PASSWORD, make_city, make_field_world, make_user
from web.logs import mask, masked_address


@pytest.fixture
def officer(session):
    city = make_city(session)
    return make_user(session, username="zhang.san", role=Role.case_officer, regions=[city["a"]],
                     display_name="张三")


def test_every_answer_has_a_request_id_and_a_proxys_id_is_kept(client):
    first, second = client.get("/login"), client.get("/login")
    assert len(first.headers["X-Request-ID"]) == 32 and first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert client.get("/login", headers={"X-Request-ID": "nginx-1a2b3c4d"}).headers["X-Request-ID"] == "nginx-1a2b3c4d"
    for unfit in ("short", "x" * 65, "bad id with spaces", "id;injected=\"1\"", "идентификатор"):
        echoed = client.get("/healthz", headers={"X-Request-ID": unfit}).headers["X-Request-ID"]
        assert echoed != unfit and len(echoed) == 32


def test_api_errors_carry_the_request_id(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["request_id"] == response.headers["X-Request-ID"]


@pytest.fixture
def crashing(app, monkeypatch):
    """A page, a script's request (as Dash's are) and an API call that fail inside."""
    from pwa.api import routes

    def broken(*_args, **_kw):
        raise RuntimeError("the disk is on fire; 张三 13800138000")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(routes.field_queries, "records_of", broken)
    app.add_url_rule("/test-crash", "test_crash", broken)
    app.add_url_rule("/_dash-test-crash", "dash_test_crash", broken)
    return app


def test_server_errors_show_their_request_id_and_are_logged_with_it(crashing, session, caplog):
    world = make_field_world(session)
    client = crashing.test_client()
    client.post("/login", data={"username": world["users"]["leader"].username, "password": PASSWORD})
    caplog.set_level(logging.INFO)

    page = client.get("/_dash-test-crash")
    assert page.status_code == 500 and page.is_json
    assert page.json["request_id"] == page.headers["X-Request-ID"] and "fire" not in page.get_data(as_text=True)
    html = client.get("/test-crash", headers={"Accept": "text/html"})
    assert html.status_code == 500 and "fire" not in html.get_data(as_text=True)
    assert f'<code id="request-id">{html.headers["X-Request-ID"]}</code>' in html.get_data(as_text=True)

    phone = crashing.test_client()
    assert phone.post("/api/v1/session", json={"username": "cadre_a", "password": PASSWORD}).status_code == 200
    api = phone.get("/api/v1/records")
    assert api.status_code == 500 and api.json["error"]["request_id"] == api.headers["X-Request-ID"]

    for answer in (page, html, api):
        rid = answer.headers["X-Request-ID"]
        mine = [r for r in caplog.records if getattr(r, "request_id", None) == rid]
        assert any(r.exc_info and r.levelno >= logging.ERROR for r in mine), rid
        assert any(getattr(r, "event", None) == "http.error" and r.status == 500 for r in mine), rid


def test_a_refused_sync_is_logged_with_its_request_id_and_field_names_only(app, session, caplog):
    make_field_world(session)
    phone = app.test_client()
    assert phone.post("/api/v1/session", json={"username": "cadre_a", "password": PASSWORD}).status_code == 200
    caplog.set_level(logging.INFO)
    body = {"uuid": str(uuid.uuid4()), "log_date": "2026-12-25", "work_types": ["case_handling"],
            "done": "帮助张三讨薪 13800138000"}
    refused = phone.post("/api/v1/work-logs", json=body, headers=csrf_header(phone))
    assert refused.status_code == 422
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "sync.refused"]
    assert record.request_id == refused.headers["X-Request-ID"] == refused.json["error"]["request_id"]
    assert (record.endpoint, record.status, record.code, record.fields) == ("api.post_work_log", 422, "validation",
                                                                           ["log_date"])
    assert "张三" not in caplog.text and "13800138000" not in caplog.text


def test_sign_ins_are_logged_without_the_name_or_the_full_address(client, officer, caplog):
    caplog.set_level(logging.INFO)
    client.post("/login", data={"username": "zhang.san", "password": "wrong-password"},
                environ_base={"REMOTE_ADDR": "203.0.113.77"})
    client.post("/login", data={"username": "zhang.san", "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "203.0.113.77"})
    events = [(r.event, r.client) for r in caplog.records if r.name == "hrss.auth"]
    assert events == [("login.failed", "203.0.113.0/24"), ("login.ok", "203.0.113.0/24")]
    assert "zhang.san" not in caplog.text and "203.0.113.77" not in caplog.text


def test_the_last_mask_catches_identity_numbers_phones_and_addresses():
    line = "投诉人 11010119900307451X 电话 13800138000 来自 203.0.113.7 案件 2026-0001 金额 12000"
    assert mask(line) == "投诉人 [id-number] 电话 [phone] 来自 203.0.113.x 案件 2026-0001 金额 12000"
    assert masked_address("2001:db8:1:2::7") == "2001:db8:1::/48" and masked_address("") == "-"


# --- a real gunicorn: the access log and JSON lines ----------------------------------------------


def test_gunicorn_writes_an_access_log_and_the_app_json_lines(db_url, session, tmp_path):
    make_field_world(session)
    port = free_port()
    out, err = open(tmp_path / "stdout", "w+"), open(tmp_path / "stderr", "w+")
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "LOG_FORMAT": "json",
           "UPLOAD_DIR": str(tmp_path / "uploads")}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1",
                               "--bind", f"127.0.0.1:{port}", "app:create_app()"],
                              cwd=ROOT, env=env, stdout=out, stderr=err)
    try:
        base = f"http://127.0.0.1:{port}"
        def answers() -> bool:
            assert server.poll() is None, (tmp_path / "stderr").read_text()[-3000:]
            try:
                return requests.get(f"{base}/healthz", timeout=10).status_code == 200
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow on a loaded machine
                return False

        eventually(answers, "gunicorn answers /healthz", timeout=90)
        page = requests.get(f"{base}/login?next=/cases?q=13800138000", headers={"X-Request-ID": "edge-0000cafe"})
        assert page.headers["X-Request-ID"] == "edge-0000cafe"
        phone = requests.Session()
        assert phone.post(f"{base}/api/v1/session", json={"username": "cadre_a", "password": PASSWORD}).ok
        refused = phone.post(f"{base}/api/v1/work-logs", json={"uuid": str(uuid.uuid4())},
                             headers={"X-CSRFToken": phone.cookies["_csrf_token"]})
        assert refused.status_code == 422
    finally:
        server.terminate()
        server.wait(timeout=30)
    access = (tmp_path / "stdout").read_text()
    line = next(x for x in access.splitlines() if "rid=edge-0000cafe" in x)
    assert '"GET /login HTTP/1.1" 200' in line and "13800138000" not in access
    app_lines = [json.loads(x) for x in (tmp_path / "stderr").read_text().splitlines() if x.startswith("{")]
    sync = next(x for x in app_lines if x.get("event") == "sync.refused")
    assert sync["request_id"] == refused.headers["X-Request-ID"] == refused.json()["error"]["request_id"]
    assert sync["level"] == "WARNING" and sync["fields"] and sync["user_id"]
    assert any(x.get("event") == "login.ok" for x in app_lines)
    assert f"rid={refused.headers['X-Request-ID']}" in access
