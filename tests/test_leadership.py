"""The leaders' figures (the wall and the weekly brief): what they count, what they never
carry, and who may fetch them."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from data.models import Role, WageCase
from data.queries import leadership
from data.queries.brief import week_of, weekly_brief
from data.scope import Scope
from tests.conftest import TODAY, login
from tests.factories import (
    PASSWORD,
    make_case,
    make_city,
    make_inspection,
    make_rectification,
    make_secondment,
    make_station,
    make_template,
    make_user,
    make_work_log,
)


@pytest.fixture
def city(session):
    city = make_city(session)
    template = make_template(session, kind="standardisation")
    a = make_station(session, township=city["town_a"])
    b = make_station(session, township=city["town_b"])
    # station A: a passing check, then a later one still unpublished that fails — not counted yet
    make_inspection(session, station=a, template=template, inspected_on=date(2026, 9, 1))
    failing = {code: {"value": "fail"} for code in ("S01", "S02", "S03", "S04", "S05", "S07", "S08", "S09")}
    from tests.factories import default_answers
    answers = default_answers(session, template, mode="announced")
    answers.update(failing)
    make_inspection(session, station=b, template=template, answers=answers, inspected_on=date(2026, 9, 2))
    make_inspection(session, station=a, template=template, answers=answers, inspected_on=date(2026, 11, 2),
                    published=False)
    audit = make_template(session, kind="window_audit", is_current=True)
    passed = make_inspection(session, station=a, template=audit, inspected_on=date(2026, 10, 8))
    make_inspection(session, station=b, template=audit, inspected_on=date(2026, 10, 9),
                    answers={**default_answers(session, audit), **{c: {"value": "fail"} for c in
                                                                  ("W01", "W02", "W03", "W04", "W05")}})
    opened = datetime(2026, 10, 10, 2, tzinfo=UTC)
    make_rectification(session, inspection=passed, item_code="W01", due_on=date(2026, 11, 1), created_at=opened)
    make_rectification(session, inspection=passed, item_code="W02", due_on=date(2026, 12, 1), created_at=opened)
    cadre = make_user(session, username="cadre_a", role=Role.cadre, regions=[city["town_a"]])
    make_secondment(session, user=cadre, station=a)
    cadre_b = make_user(session, username="cadre_b", role=Role.cadre, regions=[city["town_b"]])
    make_secondment(session, user=cadre_b, station=b)
    make_work_log(session, user=cadre, station=a, log_date=TODAY)
    for day in (date(2026, 3, 2), TODAY):
        make_case(session, township=city["town_a"], county=city["a"], received_on=day,
                  complainant_name="张三丰", complainant_phone="13812345678")
    make_case(session, township=city["town_b"], county=city["b"], received_on=date(2025, 3, 3))
    return city


def test_wall_figures(session, city):
    f = leadership.figures(session, scope=Scope((city["city"].path,)), today=TODAY)
    assert (f.stations, f.stations_standardised, f.standardisation_rate) == (2, 1, 0.5)
    assert (f.audits, f.audits_passed, f.audit_pass_rate) == (2, 1, 0.5)
    assert (f.rectifications_open, f.rectifications_overdue) == (2, 1)
    assert (f.logs_today, f.logs_expected_today) == (1, 2)  # 20 November 2026 is a Friday
    assert (f.cases, f.cases_last_year) == (2, 1)
    only_b = leadership.figures(session, scope=Scope((city["b"].path,)), today=TODAY)
    assert (only_b.stations_standardised, only_b.audits_passed, only_b.logs_today) == (0, 0, 0)


def test_by_area_folds_townships_into_counties(session, city):
    rows = {r["name"]: r for r in leadership.by_area(session, scope=Scope((city["city"].path,)), today=TODAY)}
    assert set(rows) == {"东湖区", "西山县"}
    assert (rows["东湖区"]["cases"], rows["东湖区"]["logs"], rows["东湖区"]["expected"]) == (2, 1, 1)
    assert rows["西山县"]["standardisation_rate"] == 0.0


def test_ticker_text_is_scrubbed():
    assert leadership.scrub("联系13812345678，身份证110101199003071234") == "联系***********，身份证******"


def test_brief_counts_match_the_database(session, city):
    brief = weekly_brief(session, scope=Scope((city["city"].path,)), monday=week_of("2026-W47"))
    assert (brief.start, brief.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert brief.figures["cases_week"] == 1 and brief.figures["cases_ytd"] == 2
    assert brief.figures["standardised"] == 1
    # one cadre each; 16–20 November are five working days, and one log was filed
    assert (brief.figures["logs_filed"], brief.figures["logs_expected"]) == (1, 10)


@pytest.mark.parametrize("text", ["2026-47", "W47", "2026-W60", ""])
def test_bad_weeks_are_refused(text):
    with pytest.raises(ValueError):
        week_of(text)


# --- on the demo city, through HTTP ---------------------------------------------------------------


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


def test_the_brief_pdf_says_the_weeks_figures_in_chinese(demo_client, demo_engine):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: scripts/test.sh installs poppler-utils")
    login(demo_client, "leader")
    response = demo_client.get("/brief/2026-W46.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    with Session(demo_engine) as session:
        cases, workers = session.exec(select(sa.func.count(), sa.func.sum(WageCase.workers)).where(
            WageCase.deleted_at.is_(None), WageCase.received_on >= date(2026, 11, 9),
            WageCase.received_on <= date(2026, 11, 15))).one()
    compact = re.sub(r"\s+", "", text)
    assert "示范市人社督导周报" in compact and "2026年第46周" in compact
    assert f"本周受理欠薪案件{cases}件，涉及劳动者{workers}人" in compact
    assert "标准化达标" in compact and "挂职干部工作日志" in compact
    xlsx = demo_client.get("/brief/2026-W46.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert demo_client.get("/brief/2026-W99.pdf").status_code == 400


@pytest.mark.parametrize("username, status", [("leader", 200), ("admin", 200), ("officer", 403), ("cadre", 403)])
def test_who_may_have_the_brief(demo_client, username, status):
    login(demo_client, username)
    assert demo_client.get("/brief/2026-W46.xlsx").status_code == status


def test_the_wall_gets_aggregates_and_nothing_personal(demo_client, demo_engine):
    login(demo_client, "wall")
    assert demo_client.get("/wall").status_code == 200
    with Session(demo_engine) as session:
        names = [n for n in session.exec(select(WageCase.complainant_name).where(
            WageCase.complainant_name.is_not(None)).limit(200)).all() if len(n) >= 3]
        phones = session.exec(select(WageCase.complainant_phone).where(
            WageCase.complainant_phone.is_not(None)).limit(200)).all()
    for panel in ("kpis", "map", "supervised", "ticker", "trends", "areas"):
        response = demo_client.get(f"/wall/data/{panel}")
        assert response.status_code == 200, panel
        body = response.get_data(as_text=True)
        assert not any(p in body for p in phones), panel
        assert not any(n in body for n in names), panel
        assert not re.search(r"(?<![\d.])1[3-9]\d{9}(?!\d)", body), panel
        assert "complainant" not in body and "id_number" not in body
    # nothing of a case beyond its number reaches the screen, through any other route either
    assert demo_client.get("/maps/cases?township=369901001000").status_code in (403, 404)
    assert demo_client.get("/cases").status_code == 200  # the shell; the layout refuses
    assert demo_client.get("/wall/data/nothing").status_code == 404
    saved = demo_client.get("/wall?playlist=situation-room").get_data(as_text=True)
    assert '"seconds": 30' in saved and '"scenes": ["overview", "cases", "stations", "field"]' in saved
    assert demo_client.get("/wall?playlist=nobody").status_code == 404
    assert demo_client.get("/wall/data/kpis?region=123").status_code == 400


def test_others_cannot_open_the_wall(demo_client):
    login(demo_client, "officer")
    assert demo_client.get("/wall").status_code == 403
    assert demo_client.get("/wall/data/kpis").status_code == 403


def test_a_wall_screen_stays_signed_in_until_revoked(demo_app):
    """The wall signs in once: a year-long device session brings it back after the browser
    session is gone (a screen or server restart) — until an admin revokes it."""
    client = demo_app.test_client()
    response = client.post("/login", data={"username": "wall", "password": "hrss-demo"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/wall")
    device = client.get_cookie("hrss_device")
    assert device is not None and device.path == "/" and device.http_only
    assert device.expires is not None and device.expires.year >= 2027
    # a screen restarted: only the device cookie survives
    fresh = demo_app.test_client()
    fresh.set_cookie("hrss_device", device.value)
    assert fresh.get("/wall/data/kpis").status_code == 200
    assert fresh.get("/wall").status_code == 200
    # revoked: the next request finds no one signed in
    runner = demo_app.test_cli_runner()
    assert runner.invoke(args=["revoke-sessions", "wall"]).exit_code == 0
    again = demo_app.test_client()
    again.set_cookie("hrss_device", device.value)
    assert again.get("/wall/data/kpis").status_code == 401


def test_the_wall_cannot_call_the_case_pages_callbacks(demo_app):
    """A crafted Dash request for the case table (or a case's detail) from the wall role is
    refused before any query runs."""
    from tests.conftest import csrf_header
    client = demo_app.test_client()
    login(client, "wall")
    body = {"output": "cases-table.getRowsResponse", "outputs": {"id": "cases-table", "property": "getRowsResponse"},
            "inputs": [{"id": "cases-table", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 50}}],
            "state": [{"id": "cases-filters", "property": "data", "value": {}}],
            "changedPropIds": ["cases-table.getRowsRequest"]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 403 and "rowData" not in response.get_data(as_text=True)
    reveal = {**body, "output": "..{\"field\":[\"ALL\"],\"type\":\"case-reveal\"}.children..",
              "outputs": [[{"id": {"type": "case-reveal", "field": "complainant_name"}, "property": "children"}]]}
    assert client.post("/_dash-update-component", json=reveal, headers=csrf_header(client)).status_code == 403
    # the same request from an officer is answered
    officer = demo_app.test_client()
    login(officer, "officer")
    answer = officer.post("/_dash-update-component", json=body, headers=csrf_header(officer))
    assert answer.status_code == 200 and answer.json["response"]["cases-table"]["getRowsResponse"]["rowCount"] > 0


def test_the_sparklines_end_with_the_last_whole_month(session):
    """On 3 December the wall's trends run from December last year to November: the month under
    way (three days) would read as a fall beside whole months."""
    city = make_city(session)
    for day in (date(2025, 12, 5), date(2026, 11, 2), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 3)):
        make_case(session, township=city["town_a"], county=city["a"], received_on=day, accepted_on=day)
    series = leadership.monthly_series(session, scope=Scope((city["city"].path,)), today=date(2026, 12, 3))
    assert series["months"][0] == "2025-12" and series["months"][-1] == "2026-11" and len(series["months"]) == 12
    assert series["cases"][0] == 1 and series["cases"][-1] == 2 and sum(series["cases"]) == 3


def test_the_wall_map_carries_each_scenes_subject(client, session, city):
    """The wall's township map is coloured by the scene's subject: the risk grade, the stations
    standardised of those checked, and this month's filing by the one rule (data.queries.logs.filing)."""
    from data.queries.logs import filing
    from data.queries.settings import work_calendar
    make_user(session, username="wall", role=Role.wall, regions=[city["city"]])
    login(client, "wall", PASSWORD)
    features = {f["properties"]["code"]: f["properties"]
                for f in client.get("/wall/data/map").get_json()["data"]["features"]}
    town_a, town_b = features[city["town_a"].area_code], features[city["town_b"].area_code]
    assert town_a["std"] == [1, 1] and town_b["std"] == [0, 1]
    for code, town in ((city["town_a"], town_a), (city["town_b"], town_b)):
        month = filing(session, Scope((code.path,)), first=TODAY.replace(day=1), last=TODAY, today=TODAY,
                       calendar=work_calendar(session))
        assert town["logs"] == [month["filed"], month["due"]] and month["due"] > 0
    assert town_a["logs"][0] == 1 and town_b["logs"][0] == 0
