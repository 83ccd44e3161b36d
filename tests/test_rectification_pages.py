"""/rectifications, /inspect and /photos through HTTP: crafted callbacks and photo URLs cannot
reach another region's records, nor a covert audit before it is published."""

from __future__ import annotations

import io
import uuid
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from data.models import Rectification, RectificationStatus, Role
from data.scope import Scope
from data.services import inspections as inspection_service
from data.services.common import Actor
from data.services.photos import store_photo
from tests.conftest import TODAY, csrf_header
from tests.factories import PASSWORD, make_city, make_station, make_templates, make_user, passing_answers
from tests.test_overview import _text

DETAIL = {"output": "rect-detail-body.children", "outputs": {"id": "rect-detail-body", "property": "children"},
          "changedPropIds": ["rect-selected.data"], "state": []}


@pytest.fixture
def world(app, session):
    city = make_city(session)
    templates = make_templates(session)
    station_a = make_station(session, township=city["town_a"])
    station_b = make_station(session, township=city["town_b"])
    users = {name: make_user(session, username=name, role=role, regions=[region]) for name, role, region in [
        ("insp", Role.inspector, city["city"]), ("insp2", Role.inspector, city["city"]),
        ("cadre_a", Role.cadre, city["town_a"]), ("cadre_b", Role.cadre, city["town_b"])]}
    actor = Actor(users["insp"].id, "insp", Role.inspector, Scope((city["city"].path,)))
    answers = passing_answers("window_audit", "covert")
    answers["W02"] = {"value": "fail", "note": "窗口无人", "photos": []}
    form_id = uuid.uuid4()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG")
    photo, _ = store_photo(session, actor=actor, root=Path(app.config["UPLOAD_DIR"]), data=buffer.getvalue(),
                           photo_uuid=uuid.uuid4(), owner_kind="inspection", owner_uuid=form_id, path=station_a.path)
    answers["W02"]["photos"] = [str(photo.uuid)]
    inspection, _ = inspection_service.record_inspection(session, actor=actor, today=TODAY,
                                                         form=inspection_service.InspectionForm(
        kind="window_audit", mode="covert", station_id=station_a.id, template_id=templates["window_audit"].id,
        inspected_on=date(2026, 11, 18), auditor_ids=[users["insp2"].id], answers=answers, uuid=form_id))
    return {"city": city, "users": users, "actor": actor, "inspection": inspection, "photo": str(photo.uuid),
            "station_a": station_a, "station_b": station_b}


def sign_in(client, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def call(client, body):
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code in (200, 204), response.data[:300]
    return response.json["response"] if response.status_code == 200 else {}


def detail(client, rect_id):
    body = {**DETAIL, "inputs": [{"id": "rect-selected", "property": "data", "value": rect_id},
                                 {"id": "rect-version", "property": "data", "value": 0}]}
    return _text(call(client, body)["rect-detail-body"]["children"])


def publish(session, world):
    return inspection_service.publish(session, actor=world["actor"], inspection_id=world["inspection"].id,
                                      today=TODAY)[0]


def test_a_covert_audits_photo_is_hidden_from_the_station_until_published(client, session, world):
    url = f"/photos/{world['photo']}"
    sign_in(client, "cadre_a")
    assert client.get(url).status_code == 404
    publish(session, world)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    sign_in(client, "cadre_b")  # another township: never
    assert client.get(url).status_code == 404
    sign_in(client, "insp2")
    assert client.get(url).status_code == 200
    assert client.get("/photos/not-a-uuid").status_code == 404
    assert client.get(f"/photos/{uuid.uuid4()}").status_code == 404


def test_anonymous_photo_requests_go_to_login(client, world):
    response = client.get(f"/photos/{world['photo']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def output_of(app, input_id: str) -> str:
    """The callback key Dash gave the callback an input triggers (allow_duplicate outputs are
    suffixed with a hash)."""
    callbacks = app.extensions["dash"].callback_map
    return next(key for key, cb in callbacks.items() if any(i["id"] == input_id for i in cb["inputs"]))


def test_a_crafted_callback_cannot_read_or_report_another_townships_rectification(app, client, session, world):
    rect = publish(session, world)
    sign_in(client, "cadre_a")
    assert "窗口工作人员在岗到位" in detail(client, rect.id)
    sign_in(client, "cadre_b")
    text = detail(client, rect.id)
    assert "不在您的管辖范围" in text and "窗口工作人员在岗到位" not in text and "窗口无人" not in text
    key = output_of(app, "rect-report-submit")
    msg, version = key.strip(".").split("...")
    body = {"output": key, "outputs": [{"id": "rect-msg", "property": msg.split(".", 1)[1]},
                                       {"id": "rect-version", "property": version.split(".", 1)[1]}],
            "changedPropIds": ["rect-report-submit.n_clicks"],
            "inputs": [{"id": "rect-report-submit", "property": "n_clicks", "value": 1}],
            "state": [{"id": "rect-report-text", "property": "value", "value": "改好了"},
                      {"id": "rect-selected", "property": "data", "value": rect.id},
                      {"id": "rect-version", "property": "data", "value": 0}]}
    answer = call(client, body)
    assert "不在您的管辖范围" in _text(answer["rect-msg"]["children"])
    session.expire_all()
    assert session.get(Rectification, rect.id).status == RectificationStatus.open


def test_station_users_cannot_open_the_entry_form(app, client, world):
    app.extensions["callback_roles"] = ()  # the page's own check, behind the guard's
    sign_in(client, "cadre_a")
    page = client.get("/inspect")
    assert page.status_code == 200  # the shell; the layout itself refuses
    body = {"output": "..inspect-items.children...inspect-template.data..",
            "outputs": [{"id": "inspect-items", "property": "children"},
                        {"id": "inspect-template", "property": "data"}],
            "changedPropIds": ["inspect-kind.value"],
            "inputs": [{"id": "inspect-kind", "property": "value", "value": "window_audit"},
                       {"id": "inspect-mode", "property": "value", "value": "covert"}],
            "state": [{"id": "inspect-edit", "property": "data", "value": None}]}
    answer = call(client, body)
    assert answer["inspect-template"]["data"] is None
    assert "W02" not in _text(answer["inspect-items"]["children"])


def _save_body(app, template_id, rows):
    key = output_of(app, "tpl-save")
    return {"output": key, "outputs": [{"id": "tpl-msg", "property": "children"},
                                       {"id": "tpl-pick", "property": "options"},
                                       {"id": "tpl-pick", "property": "value"}],
            "changedPropIds": ["tpl-save.n_clicks"], "inputs": [{"id": "tpl-save", "property": "n_clicks", "value": 1}],
            "state": [{"id": "tpl-pick", "property": "value", "value": str(template_id)},
                      {"id": "tpl-grid", "property": "rowData", "value": rows},
                      {"id": "tpl-name", "property": "value", "value": "窗口服务明察暗访表（2027版）"}]}


def test_only_admins_save_template_versions_through_the_page(app, client, session, world):
    from data.models import ChecklistTemplate
    from data.queries.templates import item_dict, template_items
    from pages.templates_admin import _row
    template = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == "window_audit")).one()
    rows = [_row(item_dict(i)) for i in template_items(session, template.id)]
    rows[0]["weight"], rows[0]["rule"] = 8, '{"modes": ["overt", "covert"]}'
    make_user(session, username="root", role=Role.admin, regions=[world["city"]["city"]])
    sign_in(client, "insp")
    refused = client.post("/_dash-update-component", json=_save_body(app, template.id, rows),
                          headers=csrf_header(client))
    assert refused.status_code == 403  # the guard: this page's callbacks are for admins
    assert session.exec(select(ChecklistTemplate).where(ChecklistTemplate.version == 2)).first() is None
    sign_in(client, "root")
    bad = [dict(r) for r in rows]
    bad[2]["rule"] = "{not json"
    message = call(client, _save_body(app, template.id, bad))["tpl-msg"]["children"]
    assert "第 3 项：规则不是有效的 JSON" in _text(message)
    answer = call(client, _save_body(app, template.id, rows))
    assert "已保存为第 2 版" in _text(answer["tpl-msg"]["children"])
    v2 = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.version == 2)).one()
    assert answer["tpl-pick"]["value"] == str(v2.id) and v2.name == "窗口服务明察暗访表（2027版）"
    assert template_items(session, v2.id)[0].weight == 8
