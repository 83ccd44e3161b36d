"""/admin/settings: the administrator edits the supervision lines, the grade lines and the
rectification deadline in a form; what the rules read changes, a refused value changes nothing and
is named at its field, every change is in the operation log with old and new, and nobody else
reaches the page's callback."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from data.models import AuditEvent, Role
from data.queries.settings import grade_thresholds, rectification_days, supervision_thresholds
from tests.conftest import csrf_header, login
from tests.factories import PASSWORD, make_city, make_user

IDS = ["adm-set-amount", "adm-set-workers", "adm-set-model", "adm-set-standard", "adm-set-rectify", "adm-set-days"]


@pytest.fixture
def world(session):
    city = make_city(session)
    make_user(session, username="root", role=Role.admin, regions=[city["city"]])
    make_user(session, username="boss", role=Role.leader, regions=[city["city"]])
    return city


def save(client, values: list):
    outputs = [{"id": "adm-set-msg", "property": "children"}] + [
        {"id": f"{i}-error", "property": "children"} for i in IDS]
    body = {"output": ".." + "...".join(f"{o['id']}.children" for o in outputs) + "..", "outputs": outputs,
            "inputs": [{"id": "adm-set-save", "property": "n_clicks", "value": 1}],
            "state": [{"id": i, "property": "value", "value": v} for i, v in zip(IDS, values, strict=True)],
            "changedPropIds": ["adm-set-save.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def test_the_admin_changes_the_rule_values(app, session, world):
    client = app.test_client()
    login(client, "root", PASSWORD)
    assert client.get("/admin/settings").status_code == 200
    answer = save(client, [300000, 20, 95, 85, 65, 10])
    assert answer.status_code == 200
    assert "已保存 4 项设置" in json.dumps(answer.json["response"], ensure_ascii=False)
    session.expire_all()
    thresholds = supervision_thresholds(session)
    assert (thresholds.large_amount_cents, thresholds.many_workers) == (30_000_000, 20)
    assert grade_thresholds(session) == {"model": 95.0, "standard": 85.0, "rectify": 65.0}
    assert rectification_days(session) == 10
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "settings.update")).all()
    days = next(e for e in events if e.target_id == "rectification.due_working_days")
    assert days.details == {"before": None, "after": 10} and days.actor_name == "root"
    again = save(client, [300000, 20, 95, 85, 65, 10])
    assert "没有改动" in json.dumps(again.json["response"], ensure_ascii=False)


@pytest.mark.parametrize("values, at, message", [
    ([300000, 20, 80, 85, 65, 10], "adm-set-model", "示范 ≥ 达标 ≥ 限期整改"),
    ([300000, 20, 95, 85, 65, 0], "adm-set-days", "1 到 250"),
    ([-5, 20, 95, 85, 65, 10], "adm-set-amount", "整数"),
    ([300000, None, 95, 85, 65, 10], "adm-set-workers", "整数"),
])
def test_a_refused_value_is_named_at_its_field_and_nothing_changes(app, session, world, values, at, message):
    client = app.test_client()
    login(client, "root", PASSWORD)
    client.get("/admin/settings")
    answer = save(client, values).json["response"]
    assert message in json.dumps(answer[f"{at}-error"], ensure_ascii=False)
    session.expire_all()
    assert rectification_days(session) == 15 and grade_thresholds(session)["model"] == 90
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "settings.update")).first() is None


def test_only_the_admin_saves_settings(app, session, world):
    client = app.test_client()
    login(client, "boss", PASSWORD)
    assert save(client, [300000, 20, 95, 85, 65, 10]).status_code == 403
    session.expire_all()
    assert rectification_days(session) == 15
