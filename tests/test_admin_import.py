"""/admin/import: the administrator's upload → check → preview → confirm → import, the
templates and the refused rows as XLSX; nobody else reaches any of it."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from data.models import AuditEvent, ImportJob, Region, Role, User
from data.services import import_jobs
from tests import import_world as world
from tests.conftest import TODAY, contains, csrf_header, login
from tests.dash_calls import dash, find_callback
from tests.factories import make_city, make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def admin_client(app, session):
    from data.security import hash_password
    city = make_city(session)
    hashed = hash_password(PASSWORD)
    for name, role in (("root", Role.admin), ("boss", Role.leader), ("off", Role.case_officer)):
        make_user(session, username=name, role=role, regions=[city["city"]], password_hash=hashed)
    session.commit()
    client = app.test_client()
    login(client, "root", PASSWORD)
    return client


def upload(client, kind: str, name: str, data: bytes, **form):
    client.get("/admin/import")
    response = client.post("/admin/import/upload", headers=csrf_header(client), content_type="multipart/form-data",
                           data={"kind": kind, "file": (io.BytesIO(data), name), **form})
    assert response.status_code == 302, response.data[:300]
    job_id = int(response.headers["Location"].rsplit("=", 1)[1])
    assert import_jobs.wait(job_id)
    return job_id


def test_upload_check_confirm_import(app, admin_client, session):
    engine = app.extensions["engine"]
    job_id = upload(admin_client, "regions", "regions.csv", world.regions_csv())
    with Session(engine) as s:
        job = s.get(ImportJob, job_id)
        assert job.status == "checked" and job.counts["new"] == 11 and job.data  # kept until confirmed
        assert s.exec(select(func.count()).select_from(Region).where(Region.area_code.like("3698%"))).one() == 0
    panel = dash(admin_client, app, "adm-imp-panel", {"adm-imp-poll.n_intervals": 1, "adm-imp-job.data": job_id})
    assert contains(json.dumps(panel, ensure_ascii=False), "确认导入")
    dash(admin_client, app, "adm-imp-msg", {"adm-imp-confirm.n_clicks": 1, "adm-imp-job.data": job_id})
    assert import_jobs.wait(job_id)
    with Session(engine) as s:
        job = s.get(ImportJob, job_id)
        assert job.status == "done" and job.data == b"" and job.finished_at
        assert s.exec(select(func.count()).select_from(Region).where(Region.area_code.like("3698%"))).one() == 11
        actions = s.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["import.upload", "import.regions"]


def test_a_bad_file_is_refused_with_its_rows_as_xlsx(app, admin_client):
    data = "区划代码,名称,级别,上级区划代码\n36980000000,云岭市,市,\n369801000000,临湖区,区,369899000000\n".encode()
    job_id = upload(admin_client, "regions", "bad.csv", data)
    with Session(app.extensions["engine"]) as s:
        job = s.get(ImportJob, job_id)
        assert job.status == "refused" and job.error_count == 2 and job.data == b""
    response = admin_client.get(f"/admin/import/{job_id}/errors.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [2, "区划代码"] in [r[:2] for r in rows] and [3, "上级区划代码"] in [r[:2] for r in rows]
    assert any("12 位数字" in str(r[2]) for r in rows)


def test_users_import_shows_one_time_passwords_once(app, admin_client):
    upload_and_import = []
    for kind, name, data in (("regions", "r.csv", world.regions_csv()), ("users", "u.csv", world.users_csv())):
        job_id = upload(admin_client, kind, name, data)
        import_jobs.confirm_job(Session(app.extensions["engine"]), actor=_root_actor(app), job_id=job_id)
        import_jobs.run_job(app.extensions["engine"], job_id, actor=_root_actor(app), today=TODAY, dry_run=False)
        upload_and_import.append(job_id)
    users_job = upload_and_import[1]
    values = {"adm-imp-show-passwords.n_clicks": 1, "adm-imp-job.data": users_job}
    text = json.dumps(dash(admin_client, app, "adm-imp-passwords", values), ensure_ascii=False)
    assert "yl.cadre" in text and "adm-imp-password-table" in text
    again = json.dumps(dash(admin_client, app, "adm-imp-passwords", values), ensure_ascii=False)
    assert "yl.cadre" not in again
    with Session(app.extensions["engine"]) as s:
        assert s.exec(select(User.must_change_password).where(User.username == "yl.cadre")).one()


def test_templates_have_the_contract_headers_and_drop_downs(admin_client):
    response = admin_client.get("/admin/import/template/cases.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]][:15] == world.CASE_HEADER
    assert any('"待受理,调查中,已办结,不予受理"' in (v.formula1 or "") for v in sheet.data_validations.dataValidation)
    assert admin_client.get("/admin/import/template/boundaries.xlsx").status_code == 404


@pytest.mark.parametrize("who", ["boss", "off"])
def test_nobody_but_admins(app, admin_client, who):
    client = app.test_client()
    login(client, who, PASSWORD)
    client.get("/")
    assert client.post("/admin/import/upload", headers=csrf_header(client), content_type="multipart/form-data",
                       data={"kind": "regions", "file": (io.BytesIO(b"x"), "r.csv")}).status_code == 403
    assert client.get("/admin/import/template/cases.xlsx").status_code == 403
    assert client.get("/admin/import/1/errors.xlsx").status_code == 403
    key, spec = find_callback(app, "adm-imp-panel")
    body = {"output": key, "outputs": [{"id": "adm-imp-panel", "property": "children"},
                                       {"id": "adm-imp-poll", "property": "disabled"}],
            "inputs": [{**i, "value": 1} for i in spec["inputs"]], "state": [],
            "changedPropIds": ["adm-imp-poll.n_intervals"]}
    assert client.post("/_dash-update-component", json=body, headers=csrf_header(client)).status_code == 403
    with Session(app.extensions["engine"]) as s:
        assert s.exec(select(func.count()).select_from(ImportJob)).one() == 0


def _root_actor(app):
    from data.scope import Scope
    from data.services.common import Actor
    with Session(app.extensions["engine"]) as s:
        root = s.exec(select(User).where(User.username == "root")).one()
        return Actor(id=root.id, username=root.username, role=Role(root.role), scope=Scope(("369900000000/",)))
