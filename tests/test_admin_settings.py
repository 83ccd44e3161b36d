"""/admin/settings: the administrator edits the supervision lines, the grade lines, the
rectification deadline, the work types, the finding categories and the wall's playlists in forms;
what the rules read changes, a refused value changes nothing and is named at its field, every
change is in the operation log with old and new, and nobody else reaches the page's callback."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from sqlmodel import select

from data.errors import ValidationError
from data.models import AuditEvent, Role
from data.queries import settings as rules
from data.services.walkthroughs import FindingForm, WalkthroughForm, _findings
from tests.conftest import csrf_header, login
from tests.factories import PASSWORD, make_city, make_user

IDS = ["adm-set-amount", "adm-set-workers", "adm-set-model", "adm-set-standard", "adm-set-rectify", "adm-set-days",
       "adm-set-limitation", "adm-set-blacklist"]
GRIDS = ["adm-set-work-types", "adm-set-cat-issue", "adm-set-cat-need", "adm-set-cat-fix", "adm-set-playlists"]
VALUES = [500000, 30, 90, 80, 60, 15, 2, 3]  # what a fresh database holds (the rules' defaults)


@pytest.fixture
def world(session):
    city = make_city(session)
    make_user(session, username="root", role=Role.admin, regions=[city["city"]])
    make_user(session, username="boss", role=Role.leader, regions=[city["city"]])
    return city


def shown(session) -> dict[str, list]:
    """The grids' rows as the page shows them."""
    cats = rules.finding_categories(session)
    return {"adm-set-work-types": rules.work_types(session), **{f"adm-set-cat-{k}": rows for k, rows in cats.items()},
            "adm-set-playlists": [
                {"name": name, **{s: s in e["scenes"].split(",") for s in ("overview", "cases", "stations", "field")},
                 "seconds": e["seconds"], "region": "全部" if e["region"] == "all" else e["region"], "remove": False}
                for name, e in (rules.get_setting(session, key="wall.playlists") or {}).items()]}


def save(client, values: list, grids: dict | None = None):
    grids = grids or {}
    outputs = [{"id": "adm-set-msg", "property": "children"}] + [
        {"id": f"{i}-error", "property": "children"} for i in IDS + GRIDS] + [
        {"id": g, "property": "rowData"} for g in GRIDS]
    body = {"output": ".." + "...".join(f"{o['id']}.{o['property']}" for o in outputs) + "..", "outputs": outputs,
            "inputs": [{"id": "adm-set-save", "property": "n_clicks", "value": 1}]
            + [{"id": f"{g}-add", "property": "n_clicks", "value": None} for g in GRIDS],
            "state": [{"id": i, "property": "value", "value": v} for i, v in zip(IDS, values, strict=True)]
            + [{"id": g, "property": "rowData", "value": grids.get(g, [])} for g in GRIDS],
            "changedPropIds": ["adm-set-save.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def test_the_admin_changes_the_rule_values(app, session, world):
    client = app.test_client()
    login(client, "root", PASSWORD)
    assert client.get("/admin/settings").status_code == 200
    answer = save(client, [300000, 20, 95, 85, 65, 10, 3, 3], shown(session))
    assert answer.status_code == 200
    assert "已保存 5 项设置" in json.dumps(answer.json["response"], ensure_ascii=False)
    session.expire_all()
    thresholds = rules.supervision_thresholds(session)
    assert (thresholds.large_amount_cents, thresholds.many_workers) == (30_000_000, 20)
    assert rules.grade_thresholds(session) == {"model": 95.0, "standard": 85.0, "rectify": 65.0}
    assert rules.rectification_days(session) == 10
    assert (rules.limitation_years(session), rules.blacklist_years(session)) == (3, 3)  # the limitation moved
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "settings.update")).all()
    days = next(e for e in events if e.target_id == "rectification.due_working_days")
    assert days.details == {"before": None, "after": 10} and days.actor_name == "root"
    again = save(client, [300000, 20, 95, 85, 65, 10, 3, 3], shown(session))
    assert "没有改动" in json.dumps(again.json["response"], ensure_ascii=False)


@pytest.mark.parametrize("values, at, message", [
    ([300000, 20, 80, 85, 65, 10, 2, 3], "adm-set-model", "示范 ≥ 达标 ≥ 限期整改"),
    ([300000, 20, 95, 85, 65, 0, 2, 3], "adm-set-days", "1 到 250"),
    ([-5, 20, 95, 85, 65, 10, 2, 3], "adm-set-amount", "整数"),
    ([300000, None, 95, 85, 65, 10, 2, 3], "adm-set-workers", "整数"),
    ([300000, 20, 95, 85, 65, 10, 0, 3], "adm-set-limitation", "1 到 10"),
])
def test_a_refused_value_is_named_at_its_field_and_nothing_changes(app, session, world, values, at, message):
    client = app.test_client()
    login(client, "root", PASSWORD)
    client.get("/admin/settings")
    answer = save(client, values, shown(session)).json["response"]
    assert message in json.dumps(answer[f"{at}-error"], ensure_ascii=False)
    session.expire_all()
    assert rules.rectification_days(session) == 15 and rules.grade_thresholds(session)["model"] == 90
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "settings.update")).first() is None


def test_only_the_admin_saves_settings(app, session, world):
    client = app.test_client()
    login(client, "boss", PASSWORD)
    assert save(client, [300000, 20, 95, 85, 65, 10, 3, 3]).status_code == 403
    session.expire_all()
    assert rules.rectification_days(session) == 15


def test_work_types_are_renamed_retired_and_added_never_removed(app, session, world):
    client = app.test_client()
    login(client, "root", PASSWORD)
    client.get("/admin/settings")
    grids = shown(session)
    rows = [dict(r) for r in grids["adm-set-work-types"]]
    rows[0]["name"] = "政策宣讲"
    rows[1]["retired"] = True
    rows.append({"code": "", "name": "窗口值守", "name_en": "Window duty", "retired": False})
    rows.append({"code": "", "name": "", "name_en": "", "retired": False})  # added, left blank: no row
    answer = save(client, VALUES, {**grids, "adm-set-work-types": rows})
    assert "已保存 1 项设置" in json.dumps(answer.json["response"], ensure_ascii=False)
    session.expire_all()
    stored = rules.work_types(session)
    assert stored[0]["name"] == "政策宣讲" and stored[1]["retired"] is True
    assert stored[-1] == {"code": "window_duty", "name": "窗口值守", "name_en": "Window duty", "retired": False}
    offered = [t["code"] for t in rules.work_types(session, offered=True)]
    assert rows[1]["code"] not in offered and "window_duty" in offered
    event = session.exec(select(AuditEvent).where(AuditEvent.target_id == "worklog.work_types")).one()
    assert event.details["before"] is None and len(event.details["after"]) == len(stored)

    removed = [r for r in stored if r["code"] != "window_duty"]
    answer = save(client, VALUES, {**shown(session), "adm-set-work-types": removed}).json["response"]
    assert "已有的条目不能删除" in json.dumps(answer["adm-set-work-types-error"], ensure_ascii=False)
    duplicate = [*stored, {"code": "", "name": "窗口值守", "name_en": "", "retired": False}]
    answer = save(client, VALUES, {**shown(session), "adm-set-work-types": duplicate}).json["response"]
    assert "名称与上面的重复" in json.dumps(answer["adm-set-work-types-error"], ensure_ascii=False)
    session.expire_all()
    assert rules.work_types(session) == stored


def test_a_new_finding_category_is_accepted_from_the_field(app, session, world):
    client = app.test_client()
    login(client, "root", PASSWORD)
    client.get("/admin/settings")
    grids = shown(session)
    need = [*grids["adm-set-cat-need"], {"code": "", "name": "延时服务", "name_en": "Late hours", "retired": False}]
    answer = save(client, VALUES, {**grids, "adm-set-cat-need": need})
    assert "已保存 1 项设置" in json.dumps(answer.json["response"], ensure_ascii=False)
    session.expire_all()
    assert "late_hours" in [c["code"] for c in rules.finding_categories(session, offered=True)["need"]]
    assert "late_hours" not in [c["code"] for c in rules.finding_categories(session)["issue"]]
    need = FindingForm(uuid=uuid.uuid4(), list_kind="need", category="late_hours", text="晚上开门")
    walk = WalkthroughForm(uuid=uuid.uuid4(), service_item_code="x", channel="window", mode="in_person",
                           walked_on=date(2026, 11, 20), findings=[need])
    assert _findings(session, walk, date(2026, 11, 20))[0]["category"] == "late_hours"
    walk.findings[0].list_kind = "issue"  # a need's category is no issue's
    with pytest.raises(ValidationError):
        _findings(session, walk, date(2026, 11, 20))


def test_playlists_are_added_and_removed_and_open_on_the_wall(app, session, world):
    client = app.test_client()
    login(client, "root", PASSWORD)
    client.get("/admin/settings")
    grids = shown(session)
    lobby = {"name": "lobby", "overview": True, "cases": False, "stations": True, "field": False, "seconds": 45,
             "region": "东湖区 369901000000", "remove": False}
    answer = save(client, VALUES, {**grids, "adm-set-playlists": [lobby]})
    assert "已保存 1 项设置" in json.dumps(answer.json["response"], ensure_ascii=False)
    session.expire_all()
    assert rules.get_setting(session, key="wall.playlists") == {
        "lobby": {"scenes": "overview,stations", "seconds": 45, "region": "369901000000"}}
    screen = client.get("/wall?playlist=lobby").get_data(as_text=True)
    assert '"scenes": ["overview", "stations"]' in screen and '"seconds": 45' in screen and "东湖区" in screen

    for bad, message in [({**lobby, "name": "Lobby Screen"}, "小写字母"), ({**lobby, "overview": False,
                          "stations": False}, "至少选择一个场景"), ({**lobby, "seconds": 2}, "5 到 600"),
                         ({**lobby, "region": "369999000000"}, "区域不存在")]:
        answer = save(client, VALUES, {**grids, "adm-set-playlists": [bad]}).json["response"]
        assert message in json.dumps(answer["adm-set-playlists-error"], ensure_ascii=False), bad
    answer = save(client, VALUES, {**grids, "adm-set-playlists": [{**lobby, "remove": True}]})
    assert "已保存 1 项设置" in json.dumps(answer.json["response"], ensure_ascii=False)
    session.expire_all()
    assert rules.get_setting(session, key="wall.playlists") == {}
    assert client.get("/wall?playlist=lobby").status_code == 404
