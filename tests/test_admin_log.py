"""操作日志: the administrator finds any act by person, action, target and date, with what changed
(personal data masked) and as XLSX; everyone sees their own acts at /activity; nobody else reads
the log."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from data.models import AuditEvent, Role
from data.queries.audit_log import LogFilters, audit_events
from tests.conftest import csrf_header, login
from tests.dash_calls import dash
from tests.factories import PASSWORD, make_city, make_user


@pytest.fixture
def world(app, session):
    city = make_city(session)
    people = {name: make_user(session, username=name, role=role, regions=[city["city"]], display_name=shown)
              for name, role, shown in (("root", Role.admin, "管理员甲"), ("off", Role.case_officer, "经办乙"))}
    session.flush()
    events = [
        AuditEvent(at=datetime(2026, 11, 3, 2, tzinfo=UTC), actor_id=people["off"].id, actor_name="off",
                   action="case.import_update", target_kind="wage_case", target_id="12",
                   details={"before": {"complainant_phone": "13912345678", "complainant_name": "欧阳锋"},
                            "after": {"workers": 9}}),
        AuditEvent(at=datetime(2026, 11, 10, 2, tzinfo=UTC), actor_id=people["off"].id, actor_name="off",
                   action="case.reveal", target_kind="wage_case", target_id="12", details={"field": "phone"}),
        AuditEvent(at=datetime(2026, 10, 30, 17, tzinfo=UTC), actor_id=people["root"].id, actor_name="root",
                   action="user.create", target_kind="user", target_id="7", details={"username": "new"}),
    ]
    session.add_all(events)
    session.commit()
    return people


def test_filters_find_the_acts(session, world):
    everything, total = audit_events(session, LogFilters())
    assert total == 3 and [e["action"] for e in everything][0] == "case.reveal"  # newest first
    assert [e["action"] for e in audit_events(session, LogFilters(person="经办"))[0]] == \
        ["case.reveal", "case.import_update"]
    assert [e["action"] for e in audit_events(session, LogFilters(action="case"))[0]] == \
        ["case.reveal", "case.import_update"]
    assert audit_events(session, LogFilters(target="user:7"))[1] == 1
    # 2026-10-30 17:00 UTC is 31 October in Beijing
    from datetime import date
    assert audit_events(session, LogFilters(date_from=date(2026, 10, 31), date_to=date(2026, 10, 31)))[1] == 1
    assert audit_events(session, LogFilters(date_to=date(2026, 10, 30)))[1] == 0


def test_the_admin_reads_it_masked_and_exports_it(app, world):
    client = app.test_client()
    login(client, "root", PASSWORD)
    client.get("/admin/log")
    shown = dash(client, app, "adm-log-table", {"adm-log-person.value": "off", "adm-log-action.value": None,
                                                 "adm-log-target.value": None, "adm-log-dates.start_date": "2026-11-01",
                                                 "adm-log-dates.end_date": "2026-11-30"})
    text = json.dumps(shown, ensure_ascii=False)
    assert "case.reveal" in text and "case.import_update" in text and "user.create" not in text
    assert "13912345678" not in text and "139****5678" in text and "欧阳锋" not in text and "欧阳*" in text
    href = shown["adm-log-export"]["href"]
    assert href.startswith("/admin/log.xlsx?") and "person=off" in href
    export = client.get(href)
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    flat = json.dumps(rows, ensure_ascii=False, default=str)
    assert "case.reveal" in flat and "user.create" not in flat and "13912345678" not in flat


def test_everyone_sees_their_own_and_only_admins_the_log(app, world):
    client = app.test_client()
    login(client, "off", PASSWORD)
    assert client.get("/admin/log.xlsx").status_code == 403
    client.get("/")
    body = {"output": "..adm-log-table.children...adm-log-export.href..",
            "outputs": [{"id": "adm-log-table", "property": "children"}, {"id": "adm-log-export", "property": "href"}],
            "inputs": [{"id": "adm-log-person", "property": "value", "value": None}], "changedPropIds": []}
    assert client.post("/_dash-update-component", json=body, headers=csrf_header(client)).status_code == 403
    from pages.activity import layout

    with app.test_request_context():
        from flask_login import login_user

        from web.auth import _load_user
        login_user(_load_user(f"{world['off'].id}:{world['off'].session_version}"))
        text = json.dumps(layout().to_plotly_json(), ensure_ascii=False, default=str)
    assert "case.reveal" in text and "user.create" not in text
