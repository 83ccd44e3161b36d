"""The field API (/api/v1) through Flask's test client on a real database: sign-in and device
sessions, CSRF, the one error shape, validation, idempotency on the client UUID, scope
refusals, photos and the OpenAPI document."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import event
from sqlmodel import select

from data import checklists
from data.models import (
    Attachment,
    AuditEvent,
    DeviceSession,
    Inspection,
    Walkthrough,
    WalkthroughFinding,
    WorkLog,
    WorkLogComment,
)
from data.services import devices as device_service
from data.services import users as user_service
from tests.conftest import TODAY, csrf_header
from tests.factories import PASSWORD, make_field_world, make_work_log, passing_answers


@pytest.fixture
def world(session):
    return make_field_world(session)


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/api/v1/session", json={"username": username, "password": password, **extra})


def field_client(app, username: str):
    client = app.test_client()
    response = sign_in(client, username)
    assert response.status_code == 200, response.json
    return client


def post(client, path: str, body, **kw):
    return client.post(path, json=body, headers=csrf_header(client), **kw)


def walkthrough_body(world, **overrides) -> dict:
    body = {"uuid": str(uuid.uuid4()), "service_item_code": "pension_transfer", "channel": "window",
            "mode": "in_person", "place": "望江街道人社所", "walked_on": "2026-11-19", "station_id": world["a"].id,
            "steps": [{"name": "咨询", "seconds": 180, "started_at": "2026-11-19T09:01:00+08:00"},
                      {"name": "受理", "seconds": 600}],
            "trips": 2, "materials_asked": ["居民身份证", "单位证明"], "note": "以群众身份体验",
            "location": {"lon": 116.05, "lat": 28.55, "accuracy_m": 15},
            "findings": [
                {"uuid": str(uuid.uuid4()), "list_kind": "issue", "category": "materials",
                 "text": "要求提供办事指南以外的材料"},
                {"uuid": str(uuid.uuid4()), "list_kind": "need", "category": "hours", "text": "希望延时服务"},
                {"uuid": str(uuid.uuid4()), "list_kind": "fix", "category": "materials", "text": "清理办事材料",
                 "measure": "统一对外公布", "owner": "业务科", "due_on": "2026-12-20", "done_on": "2026-11-20"}]}
    body.update(overrides)
    return body


def work_log_body(**overrides) -> dict:
    body = {"uuid": str(uuid.uuid4()), "log_date": "2026-11-20", "work_types": ["case_handling", "dispute_mediation"],
            "done": "窗口帮办十件", "solved": "调解一起欠薪纠纷", "people_served": 12,
            "location": {"lon": 116.05, "lat": 28.55, "accuracy_m": 20}}
    body.update(overrides)
    return body


def inspection_body(world, **overrides) -> dict:
    body = {"uuid": str(uuid.uuid4()), "kind": "window_audit", "mode": "covert", "station_id": world["a"].id,
            "template_id": world["templates"]["window_audit"].id, "inspected_on": "2026-11-19",
            "auditor_ids": [world["users"]["insp2"].id], "answers": passing_answers("window_audit", "covert"),
            "summary": "窗口服务规范"}
    body.update(overrides)
    return body


def png_bytes(size=(64, 48), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def assert_error(response, status: int, code: str):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    return error


# --- sign-in and device sessions ------------------------------------------------------------


def test_without_a_session_every_api_call_is_401_in_the_one_shape(client, world):
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")
    assert_error(client.get("/api/v1/reference"), 401, "unauthenticated")
    assert_error(client.post("/api/v1/walkthroughs", json={}), 401, "unauthenticated")
    assert_error(client.put("/api/v1/photos/x", data=b"x"), 401, "unauthenticated")
    assert_error(client.get("/api/v1/openapi.json"), 401, "unauthenticated")


def test_sign_in_opens_a_device_session_with_a_hashed_token(client, session, world):
    response = sign_in(client, "cadre_a", device_label="华为 Mate")
    assert response.status_code == 200
    assert response.json["user"]["username"] == "cadre_a" and response.json["user"]["role"] == "cadre"
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("hrss_device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/api/" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    device = session.exec(select(DeviceSession)).one()
    assert device.kind == "field" and device.label == "华为 Mate"
    assert device.token_hash == device_service.token_hash(token) and token not in device.token_hash
    assert device.expires_at.date() - date.today() >= timedelta(days=59)
    assert device.session_version == world["users"]["cadre_a"].session_version
    assert client.get("/api/v1/me").json["user"]["username"] == "cadre_a"
    assert "device_session.opened" in session.exec(select(AuditEvent.action)).all()


def test_bad_credentials_and_throttling(client, world):
    error = assert_error(sign_in(client, "cadre_a", "wrong-password"), 401, "unauthenticated")
    assert "密码" in error["message"]
    for _ in range(4):
        sign_in(client, "cadre_a", "wrong-password")
    assert_error(sign_in(client, "cadre_a"), 429, "throttled")
    assert_error(client.post("/api/v1/session", json={"username": "cadre_a"}), 422, "validation")


def test_device_cookie_signs_in_again_when_the_browser_session_lapsed(app, world):
    client = field_client(app, "cadre_a")
    headers = csrf_header(client)
    client.delete_cookie("hrss_session")
    assert client.get("/api/v1/me").status_code == 200
    client.delete_cookie("hrss_session")
    # the CSRF token the phone already holds stays good across the silent sign-in
    response = client.post("/api/v1/work-logs", json=work_log_body(), headers=headers)
    assert response.status_code == 201, response.json


def test_signing_out_revokes_the_device(app, session, world):
    client = field_client(app, "cadre_a")
    assert client.delete("/api/v1/session", headers=csrf_header(client)).status_code == 204
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")
    assert session.exec(select(DeviceSession.revoked_at)).one() is not None


def test_a_revoked_device_is_refused_at_once_even_with_a_live_browser_session(app, session, world):
    client = field_client(app, "cadre_a")
    device = session.exec(select(DeviceSession)).one()
    device_service.revoke_device_session(session, actor=world["users"]["cadre_a"], device_id=device.id)
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")
    client.delete_cookie("hrss_session")
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


def test_revoke_sessions_ends_device_sessions(app, session, world):
    client = field_client(app, "cadre_a")
    user_service.revoke_sessions(session, actor=None, username="cadre_a")
    assert session.exec(select(DeviceSession.revoked_at)).one() is not None
    client.delete_cookie("hrss_session")
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


def test_a_new_password_ends_device_sessions_by_version(app, session, world):
    client = field_client(app, "cadre_a")
    user_service.set_password(session, actor=None, username="cadre_a", password="another-long-password")
    client.delete_cookie("hrss_session")
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


def test_an_expired_device_session_is_refused(app, session, world):
    client = field_client(app, "cadre_a")
    device = session.exec(select(DeviceSession)).one()
    device.expires_at = device.created_at - timedelta(seconds=1)
    session.commit()
    client.delete_cookie("hrss_session")
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


def test_csrf_token_and_origin_are_required(app, world):
    client = field_client(app, "cadre_a")
    assert_error(client.post("/api/v1/work-logs", json=work_log_body()), 403, "csrf")
    foreign = {**csrf_header(client), "Origin": "https://evil.example"}
    assert_error(client.post("/api/v1/work-logs", json=work_log_body(), headers=foreign), 403, "csrf")
    assert_error(client.delete("/api/v1/session"), 403, "csrf")
    assert_error(app.test_client().post("/api/v1/session", json={"username": "cadre_a", "password": PASSWORD},
                                        headers={"Origin": "https://evil.example"}), 403, "csrf")


def test_flask_errors_take_the_api_shape(app, world):
    client = field_client(app, "cadre_a")
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(client.get("/api/v1/walkthroughs"), 405, "method_not_allowed")
    too_big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    assert_error(client.post("/api/v1/work-logs", data=too_big, content_type="application/json",
                             headers=csrf_header(client)), 413, "too_large")


# --- validation -----------------------------------------------------------------------------


def test_validation_names_each_bad_field_by_its_path(app, world):
    client = field_client(app, "cadre_a")
    body = walkthrough_body(world, channel="fax", trips=0)
    body["steps"][0]["seconds"] = 9 * 3600
    del body["findings"][1]["text"]
    error = assert_error(post(client, "/api/v1/walkthroughs", body), 422, "validation")
    assert set(error["fields"]) >= {"channel", "trips", "steps[0].seconds", "findings[1].text"}
    assert error["fields"]["findings[1].text"] == "此项必填"


def test_business_rules_answer_422_with_the_field(app, world):
    client = field_client(app, "cadre_a")
    cases = [
        (walkthrough_body(world, service_item_code="no_such_service"), "service_item_code"),
        (walkthrough_body(world, walked_on="2026-11-21"), "walked_on"),
        (walkthrough_body(world, findings=[{"uuid": str(uuid.uuid4()), "list_kind": "issue", "category": "nope",
                                            "text": "x"}]), "findings[0].category"),
        (walkthrough_body(world, findings=[{"uuid": str(uuid.uuid4()), "list_kind": "issue",
                                            "category": "materials", "text": "   "}]), "findings[0].text"),
    ]
    for body, field in cases:
        error = assert_error(post(client, "/api/v1/walkthroughs", body), 422, "validation")
        assert field in error["fields"], (field, error)
    for log_date in ("2026-11-21", "2026-10-20"):
        error = assert_error(post(client, "/api/v1/work-logs", work_log_body(log_date=log_date)), 422, "validation")
        assert "log_date" in error["fields"]
    error = assert_error(post(client, "/api/v1/work-logs", work_log_body(work_types=["juggling"])), 422, "validation")
    assert "work_types[0]" in error["fields"]
    error = assert_error(client.post("/api/v1/work-logs", data="not json", content_type="application/json",
                                     headers=csrf_header(client)), 422, "validation")
    assert "body" in error["fields"]


def test_english_users_get_english_messages(app, session, world):
    world["users"]["cadre_a"].language = "en"
    session.commit()
    client = field_client(app, "cadre_a")
    error = assert_error(post(client, "/api/v1/walkthroughs", walkthrough_body(world, note="长" * 5000)), 422,
                         "validation")
    assert error["fields"]["note"] == "Too long (at most 4000 characters)"


# --- idempotency ----------------------------------------------------------------------------


def test_walkthrough_is_stored_once_with_its_findings(app, session, world):
    client = field_client(app, "cadre_a")
    body = walkthrough_body(world)
    first = post(client, "/api/v1/walkthroughs", body)
    assert first.status_code == 201, first.json
    stored = first.json
    assert stored["materials_published"] == ["居民身份证", "基本养老保险关系转移接续申请表"]
    assert [f["status"] for f in stored["findings"]] == ["open", "open", "done"]
    again = post(client, "/api/v1/walkthroughs", body)
    assert again.status_code == 200 and again.json == stored
    changed = post(client, "/api/v1/walkthroughs", {**body, "trips": 3})  # its walker's edit: the same record
    assert changed.status_code == 200 and changed.json["id"] == stored["id"] and changed.json["trips"] == 3
    assert session.exec(select(Walkthrough)).all().__len__() == 1
    assert len(session.exec(select(WalkthroughFinding)).all()) == 3
    walk = session.exec(select(Walkthrough)).one()
    assert walk.path == world["a"].path and walk.user_id == world["users"]["cadre_a"].id
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "walkthrough.recorded")).all().__len__() == 1


def test_the_same_uuid_from_another_user_is_a_conflict(app, world):
    body = walkthrough_body(world, station_id=None)
    assert post(field_client(app, "cadre_a"), "/api/v1/walkthroughs", body).status_code == 201
    assert_error(post(field_client(app, "leader"), "/api/v1/walkthroughs", body), 409, "conflict")


def test_a_finding_uuid_used_by_another_walkthrough_is_a_conflict(app, session, world):
    client = field_client(app, "cadre_a")
    first = walkthrough_body(world)
    assert post(client, "/api/v1/walkthroughs", first).status_code == 201
    second = walkthrough_body(world, findings=[first["findings"][0]])
    assert_error(post(client, "/api/v1/walkthroughs", second), 409, "conflict")
    assert len(session.exec(select(Walkthrough)).all()) == 1


def test_walkthrough_without_station_takes_the_walkers_region(app, session, world):
    client = field_client(app, "leader")
    response = post(client, "/api/v1/walkthroughs", walkthrough_body(world, station_id=None, findings=[]))
    assert response.status_code == 201
    assert session.exec(select(Walkthrough.path)).one() == world["city"]["city"].path


def test_work_log_is_idempotent_and_filed_for_the_secondment(app, session, world):
    client = field_client(app, "cadre_a")
    body = work_log_body()
    first = post(client, "/api/v1/work-logs", body)
    assert first.status_code == 201, first.json
    assert first.json["station_id"] == world["a"].id and first.json["location"]["accuracy_m"] == 20
    assert post(client, "/api/v1/work-logs", body).json == first.json
    assert post(client, "/api/v1/work-logs", body).status_code == 200
    edited = post(client, "/api/v1/work-logs", {**body, "done": "改过了"})  # an edit: the same record
    assert edited.status_code == 200 and edited.json["id"] == first.json["id"] and edited.json["done"] == "改过了"
    log = session.exec(select(WorkLog)).one()
    assert log.revision == 2
    assert log.path == world["a"].path and log.secondment_id is not None
    assert "work_log.recorded" in session.exec(select(AuditEvent.action)).all()


def test_inspection_is_idempotent(app, session, world):
    client = field_client(app, "insp")
    body = inspection_body(world)
    first = post(client, "/api/v1/inspections", body)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "submitted" and first.json["score"] == 100
    assert post(client, "/api/v1/inspections", body).status_code == 200
    edited = post(client, "/api/v1/inspections", {**body, "summary": "另一份"})  # edited before the circular
    assert edited.status_code == 200 and edited.json["id"] == first.json["id"]
    assert session.exec(select(Inspection)).one().summary == "另一份"


def test_photo_is_idempotent_and_content_checked(app, session, world):
    client = field_client(app, "cadre_a")
    owner = str(uuid.uuid4())
    url = f"/api/v1/photos/{uuid.uuid4()}?owner_kind=work_log&owner_uuid={owner}&lon=116.05&lat=28.55"
    image = png_bytes()
    # the type comes from the content, not the header
    first = client.put(url, data=image, content_type="text/plain", headers=csrf_header(client))
    assert first.status_code == 201, first.json
    assert first.json["width"] == 64 and first.json["height"] == 48
    assert client.put(url, data=image, content_type="image/png", headers=csrf_header(client)).status_code == 200
    other = png_bytes(colour=(0, 0, 255))
    assert_error(client.put(url, data=other, headers=csrf_header(client)), 409, "conflict")
    not_image = client.put(f"/api/v1/photos/{uuid.uuid4()}?owner_kind=work_log&owner_uuid={owner}",
                           data=b"GIF89a not really" * 10, content_type="image/jpeg", headers=csrf_header(client))
    assert "photo" in assert_error(not_image, 422, "validation")["fields"]
    bad_query = client.put(f"/api/v1/photos/{uuid.uuid4()}?owner_kind=desk&owner_uuid=x", data=image,
                           headers=csrf_header(client))
    assert set(assert_error(bad_query, 422, "validation")["fields"]) == {"owner_kind", "owner_uuid"}
    # the log arrives after its photo and takes it into its station's region
    assert post(client, "/api/v1/work-logs", work_log_body(uuid=owner)).status_code == 201
    session.expire_all()
    assert session.exec(select(Attachment.path)).one() == world["a"].path


def test_photo_metadata_is_stripped(app, session, world):
    client = field_client(app, "cadre_a")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (28.0, 33.0, 0.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 10)).save(out, "JPEG", exif=exif)
    assert b"PhoneMaker" in out.getvalue()
    photo = uuid.uuid4()
    response = client.put(f"/api/v1/photos/{photo}?owner_kind=walkthrough&owner_uuid={uuid.uuid4()}",
                          data=out.getvalue(), content_type="image/jpeg", headers=csrf_header(client))
    assert response.status_code == 201
    key = session.exec(select(Attachment.storage_key)).one()
    stored = (app.config["UPLOAD_DIR"] + "/" + key)
    with open(stored, "rb") as f:
        data = f.read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_photo_size_is_limited(app, world):
    client = field_client(app, "cadre_a")
    huge = b"\xff\xd8" + b"\0" * (15 * 1024 * 1024 + 10)
    response = client.put(f"/api/v1/photos/{uuid.uuid4()}?owner_kind=walkthrough&owner_uuid={uuid.uuid4()}",
                          data=huge, content_type="image/jpeg", headers=csrf_header(client))
    assert_error(response, 413, "too_large")


# --- scope ----------------------------------------------------------------------------------


def test_scope_refusals(app, session, world):
    cadre = field_client(app, "cadre_a")
    # a station outside the cadre's township
    assert_error(post(cadre, "/api/v1/walkthroughs", walkthrough_body(world, station_id=world["b"].id)), 403,
                 "forbidden")
    assert_error(post(cadre, "/api/v1/work-logs", work_log_body(station_id=world["b"].id)), 403, "forbidden")
    # a cadre records no inspections
    assert_error(post(cadre, "/api/v1/inspections", inspection_body(world)), 403, "forbidden")
    # no secondment, no log
    assert_error(post(field_client(app, "cadre_b"), "/api/v1/work-logs", work_log_body()), 403, "forbidden")
    # a county inspector's audit of a station in another county
    insp_b = field_client(app, "insp_b")
    assert_error(post(insp_b, "/api/v1/inspections", inspection_body(world)), 403, "forbidden")
    # a case officer walks no processes
    assert_error(post(field_client(app, "officer"), "/api/v1/walkthroughs", walkthrough_body(world)), 403,
                 "forbidden")
    assert session.exec(select(Walkthrough)).all() == [] and session.exec(select(WorkLog)).all() == []


def test_a_photo_for_someone_elses_record_outside_scope_is_refused(app, world):
    body = walkthrough_body(world, station_id=world["b"].id, findings=[])
    assert post(field_client(app, "cadre_b"), "/api/v1/walkthroughs", body).status_code == 201
    cadre_a = field_client(app, "cadre_a")
    response = cadre_a.put(f"/api/v1/photos/{uuid.uuid4()}?owner_kind=walkthrough&owner_uuid={body['uuid']}",
                           data=png_bytes(), headers=csrf_header(cadre_a))
    assert_error(response, 403, "forbidden")


# --- reads ----------------------------------------------------------------------------------


def test_reference_data_is_scoped(app, session, world):
    log = make_work_log(session, user=world["users"]["cadre_a"], station=world["a"], log_date=TODAY - timedelta(1))
    session.add(WorkLogComment(work_log_id=log.id, author_id=world["users"]["leader"].id, text="工作扎实"))
    session.commit()
    data = field_client(app, "cadre_a").get("/api/v1/reference").json
    assert data["server_date"] == TODAY.isoformat() and data["user"]["username"] == "cadre_a"
    assert [s["id"] for s in data["stations"]] == [world["a"].id]
    assert {i["code"] for i in data["service_items"]} == {i["code"] for i in checklists.SERVICE_ITEMS}
    assert {c["value"] for c in data["channels"]} == {"window", "online", "app", "self_service", "phone"}
    assert {m["value"] for m in data["modes"]} == {"in_person", "accompany"}
    assert set(data["finding_categories"]) == {"issue", "need", "fix"}
    assert "case_handling" in {t["value"] for t in data["work_types"]}
    assert {t["code"] for t in data["templates"]} == {"standardisation", "window_audit"}
    audit = next(t for t in data["templates"] if t["code"] == "window_audit")
    assert len(audit["items"]) == 21 and audit["thresholds"]["model"] == 90 and audit["categories"]
    assert {a["id"] for a in data["auditors"]} >= {world["users"]["insp"].id, world["users"]["leader"].id}
    assert [c["text"] for c in data["comments"]] == ["工作扎实"]
    assert data["comments"][0]["work_log_uuid"] == str(log.uuid)
    leader = field_client(app, "leader").get("/api/v1/reference").json
    assert {s["id"] for s in leader["stations"]} == {world["a"].id, world["b"].id}
    assert leader["comments"] == []


def test_records_list_the_users_own(app, world):
    client = field_client(app, "cadre_a")
    walk, log = walkthrough_body(world), work_log_body()
    post(client, "/api/v1/walkthroughs", walk)
    post(client, "/api/v1/work-logs", log)
    post(field_client(app, "leader"), "/api/v1/walkthroughs", walkthrough_body(world, station_id=None))
    records = client.get("/api/v1/records").json["records"]
    assert {(r["uuid"], r["kind"]) for r in records} == {(walk["uuid"], "walkthrough"), (log["uuid"], "work_log")}
    only_logs = client.get("/api/v1/records?kind=work_log").json["records"]
    assert [r["uuid"] for r in only_logs] == [log["uuid"]]
    assert client.get("/api/v1/records?since=2999-01-01T00:00:00Z").json["records"] == []
    assert "kind" in assert_error(client.get("/api/v1/records?kind=nope"), 422, "validation")["fields"]


def test_a_batch_stores_each_record_on_its_own_and_answers_in_order(app, session, world):
    """POST /api/v1/records: each record stored or refused as at its own endpoint — a refused one
    holds back nothing, a resend is 200 with the stored record, another's UUID a conflict."""
    client = field_client(app, "cadre_a")
    walk, log, late = walkthrough_body(world), work_log_body(), work_log_body(log_date="2026-11-21")
    taken = walkthrough_body(world, station_id=None, findings=[])
    assert post(field_client(app, "leader"), "/api/v1/walkthroughs", taken).status_code == 201
    broken = {"uuid": "not-a-uuid", "log_date": "2026-11-20"}
    items = [{"kind": "walkthrough", "body": walk}, {"kind": "work_log", "body": late},
             {"kind": "work_log", "body": broken}, {"kind": "work_log", "body": log},
             {"kind": "walkthrough", "body": taken}]
    response = post(client, "/api/v1/records", {"records": items})
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [(r["kind"], r["status"]) for r in results] == [
        ("walkthrough", 201), ("work_log", 422), ("work_log", 422), ("work_log", 201), ("walkthrough", 409)]
    assert results[0]["uuid"] == walk["uuid"] and results[0]["record"]["findings"][2]["status"] == "done"
    assert results[1]["error"]["fields"] == {"log_date": "日期不能晚于今天"} and results[1]["record"] is None
    assert results[2]["uuid"] is None and {"uuid", "work_types", "done"} <= set(results[2]["error"]["fields"])
    assert results[4]["error"]["code"] == "conflict"
    # stored exactly as by its own endpoint: the same answer to a resend there
    assert post(client, "/api/v1/walkthroughs", walk).json == results[0]["record"]
    assert post(client, "/api/v1/work-logs", log).json == results[3]["record"]
    again = post(client, "/api/v1/records", {"records": [items[0], items[3]]}).json["results"]
    assert [r["status"] for r in again] == [200, 200] and again[1]["record"] == results[3]["record"]
    assert {str(u) for u in session.exec(select(WorkLog.uuid)).all()} == {log["uuid"]}
    assert len(session.exec(select(Walkthrough)).all()) == 2
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "work_log.recorded")).all()) == 1


@contextmanager
def statements(app, pattern: str) -> Iterator[list[str]]:
    """The statements the app sends to the database within, those whose text `pattern` (a regular
    expression) finds: how many reads or writes a request made of one kind."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_):
        if re.search(pattern, statement):
            seen.append(statement)

    event.listen(app.extensions["engine"], "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(app.extensions["engine"], "before_cursor_execute", note)


def test_a_batch_reads_the_settings_once(app, world):
    """A batch reads what its records share once (data.db.reads_kept): the work types and the
    finding categories, one query each for six records, and none kept for the next request."""
    client = field_client(app, "cadre_a")
    items = [{"kind": "work_log", "body": work_log_body(log_date=f"2026-11-{day}")} for day in (18, 19, 20)]
    items += [{"kind": "walkthrough", "body": walkthrough_body(world)} for _ in range(3)]
    with statements(app, "FROM setting") as reads:
        results = post(client, "/api/v1/records", {"records": items}).json["results"]
        assert [r["status"] for r in results] == [201] * 6 and len(reads) == 2
        assert post(client, "/api/v1/work-logs", work_log_body()).status_code == 201 and len(reads) == 3


def test_a_batch_looks_up_its_records_once_and_still_answers_each(app, session, world):
    """Which of a batch's records are stored already is one query a kind, not one a record; a
    record stored before the batch comes back 200, one sent twice in the batch is stored once and
    its second copy (looked up on its own: the batch's look-up had it new) answered 200."""
    client = field_client(app, "cadre_a")
    before = work_log_body(log_date="2026-11-17")
    assert post(client, "/api/v1/work-logs", before).status_code == 201
    walk = walkthrough_body(world)
    items = [{"kind": "work_log", "body": work_log_body(log_date=f"2026-11-{day}")} for day in (18, 19, 20)]
    items += [{"kind": "work_log", "body": before}, {"kind": "walkthrough", "body": walk},
              {"kind": "walkthrough", "body": walk}]
    with statements(app, r"FROM (work_log|walkthrough)\b") as reads:
        results = post(client, "/api/v1/records", {"records": items}).json["results"]
    assert [r["status"] for r in results] == [201, 201, 201, 200, 201, 200]
    assert results[4]["record"]["id"] == results[5]["record"]["id"]
    # the two look-ups, and the second copy's own
    assert len(reads) == 3, reads
    assert len(session.exec(select(Walkthrough.id).where(Walkthrough.uuid == uuid.UUID(walk["uuid"]))).all()) == 1


def test_a_batch_adopts_photos_sent_before_it_and_answers_each_walkthrough_with_its_findings(app, session, world):
    """A batch looks up the photos its records and findings may have had sent first in one query;
    each is taken into its record's region. A walkthrough answers with its findings as made, and,
    edited again in the same batch, with its findings as edited."""
    client = field_client(app, "cadre_a")
    walk, log = walkthrough_body(world), work_log_body()
    for kind, owner in (("walkthrough", walk["findings"][1]["uuid"]), ("work_log", log["uuid"])):
        assert client.put(f"/api/v1/photos/{uuid.uuid4()}?owner_kind={kind}&owner_uuid={owner}", data=png_bytes(),
                          headers=csrf_header(client)).status_code == 201
    for photo in session.exec(select(Attachment)):  # filed elsewhere until their records come
        photo.path = world["a"].path.split("/")[0] + "/"
    session.commit()
    edited = {**walk, "note": "改过", "findings": walk["findings"][:2]}
    items = [{"kind": "walkthrough", "body": walk}, {"kind": "work_log", "body": log},
             {"kind": "walkthrough", "body": edited}]
    with statements(app, "FROM attachment") as looks:
        results = post(client, "/api/v1/records", {"records": items}).json["results"]
    assert [r["status"] for r in results] == [201, 201, 200], results[2]["error"]
    assert [f["uuid"] for f in results[0]["record"]["findings"]] == [f["uuid"] for f in walk["findings"]]
    assert [f["uuid"] for f in results[2]["record"]["findings"]] == [f["uuid"] for f in walk["findings"][:2]]
    assert len(looks) == 1, looks
    session.expire_all()
    assert sorted(session.exec(select(Attachment.path)).all()) == [world["a"].path] * 2


def test_a_batch_is_one_transaction_unless_a_record_is_refused(app, session, world):
    """A batch of good records is committed once, its audit rows in one INSERT; one refused record
    sends each record its own way (its own transaction, as at its own endpoint): the others are
    stored and audited once."""
    client = field_client(app, "cadre_a")
    engine = app.extensions["engine"]
    commits = []

    def count(_conn):
        commits.append(1)

    good = [{"kind": "work_log", "body": work_log_body(log_date=f"2026-11-{day}")} for day in (18, 19)]
    good.append({"kind": "walkthrough", "body": walkthrough_body(world)})
    mixed = [{"kind": "work_log", "body": work_log_body(log_date="2026-11-16")},
             {"kind": "work_log", "body": work_log_body(log_date="2027-01-01")},  # a day yet to come
             {"kind": "walkthrough", "body": walkthrough_body(world)}]
    event.listen(engine, "commit", count)
    try:
        with statements(app, "^INSERT INTO audit_event") as audit_inserts:
            statuses = [r["status"] for r in post(client, "/api/v1/records", {"records": good}).json["results"]]
        assert statuses == [201] * 3
        # one INSERT on PostgreSQL; SQLite's RETURNING cannot be matched to many rows, so SQLAlchemy
        # sends it a row at a time
        assert len(commits) == 1 and len(audit_inserts) == (1 if engine.dialect.name == "postgresql" else 3)
        answered = post(client, "/api/v1/records", {"records": mixed}).json["results"]
    finally:
        event.remove(engine, "commit", count)
    assert [r["status"] for r in answered] == [201, 422, 201] and len(commits) == 3
    stored = [uuid.UUID(item["body"]["uuid"]) for item in good + mixed if item is not mixed[1]]
    rows = session.exec(select(WorkLog.uuid)).all() + session.exec(select(Walkthrough.uuid)).all()
    assert sorted(rows) == sorted(stored)
    recorded = [e.details["uuid"] for e in session.exec(select(AuditEvent)) if e.action.endswith(".recorded")]
    assert sorted(recorded) == sorted(str(u) for u in stored)


def test_a_signed_in_request_reads_its_user_once(app, world):
    """The guard loads the user and then checks the device session, which names the user again:
    one read of the user a request, not two."""
    client = field_client(app, "cadre_a")
    with statements(app, r"FROM app_user\b") as reads:
        assert client.get("/api/v1/me").status_code == 200
    assert len(reads) == 1, reads


def test_a_batch_is_bounded_and_needs_a_known_kind(app, world):
    client = field_client(app, "cadre_a")
    too_many = [{"kind": "work_log", "body": work_log_body()} for _ in range(21)]
    assert "records" in assert_error(post(client, "/api/v1/records", {"records": too_many}), 422, "validation")[
        "fields"]
    assert_error(post(client, "/api/v1/records", {"records": []}), 422, "validation")
    unknown = post(client, "/api/v1/records", {"records": [{"kind": "case", "body": {}}]})
    assert "records[0].kind" in assert_error(unknown, 422, "validation")["fields"]
    anonymous = app.test_client()
    assert_error(anonymous.post("/api/v1/records", json={"records": too_many[:1]}), 401, "unauthenticated")


def test_openapi_document_lists_every_path(app, world):
    client = field_client(app, "cadre_a")
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert document["openapi"].startswith("3.")
    routes = {rule.rule.replace("<photo_uuid>", "{photo_uuid}") for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}
    assert routes == set(document["paths"])
    walkthroughs = document["paths"]["/api/v1/walkthroughs"]["post"]
    assert {"201", "200", "409", "422"} <= set(walkthroughs["responses"])
    schemas = document["components"]["schemas"]
    assert any(name.startswith("WalkthroughIn") for name in schemas)
    assert any(name.startswith("ErrorBody") for name in schemas)


def test_a_crash_answers_500_in_the_one_shape(app, world, monkeypatch):
    from pwa.api import routes

    def broken(*_args, **_kw):
        raise RuntimeError("the disk is on fire")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(routes.field_queries, "records_of", broken)
    error = assert_error(field_client(app, "cadre_a").get("/api/v1/records"), 500, "server_error")
    assert "fire" not in error["message"]


def test_the_revoke_sessions_command_ends_device_sessions(app, session, world):
    client = field_client(app, "cadre_a")
    result = app.test_cli_runner().invoke(args=["revoke-sessions", "cadre_a"])
    assert result.exit_code == 0, result.output
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")
    session.expire_all()
    assert session.exec(select(DeviceSession.revoked_at)).one() is not None
