"""The cases page's export, through a real Dash callback request: masked rows in an XLSX named
after the filter and the date, only from the user's regions."""

import base64
import io

from openpyxl import load_workbook

from data.models import CaseStatus, Role
from tests.conftest import csrf_header
from tests.factories import PASSWORD, make_case, make_city, make_user


def export(client, filters: dict) -> dict:
    body = {"output": "cases-download.data", "outputs": {"id": "cases-download", "property": "data"},
            "inputs": [{"id": "cases-export", "property": "n_clicks", "value": 1}],
            "state": [{"id": "cases-filters", "property": "data", "value": filters}],
            "changedPropIds": ["cases-export.n_clicks"]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 200, response.data[:300]
    return response.json["response"]["cases-download"]["data"]


def test_export_is_masked_scoped_and_named(client, session):
    city = make_city(session)
    make_case(session, township=city["town_a"], county=city["a"], complainant_name="张三丰",
              complainant_id_number="369901199003071234", summary="甲")
    make_case(session, township=city["town_b"], county=city["b"], complainant_name="李四", status=CaseStatus.closed)
    make_user(session, username="officer", role=Role.case_officer, regions=[city["a"]])
    assert client.post("/login", data={"username": "officer", "password": PASSWORD}).status_code == 302
    download = export(client, {"date_from": "2026-01-01", "date_to": "2026-11-20"})
    assert download["filename"].startswith("欠薪案件_") and download["filename"].endswith("_2026-11-20.xlsx")
    sheet = load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "张**" in cells
    assert not any("张三丰" in c or "李四" in c or "1990" in c for c in cells)
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]]
    assert len(rows) == 1  # county B's case is not the officer's
