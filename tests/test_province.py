"""A province above the cities (issue 14): its leader picks a city, then its counties; its maps go by
county (each county as risky as its typical township); its wall turns province → each city → its
counties, with the cities as its areas; and one city alone looks as before."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from flask_login import login_user

from data.models import RegionLevel
from data.queries import cases as q
from data.queries import leadership
from data.queries.cases import CaseFilters
from data.queries.regions import county_path_length, spans_cities
from data.rules.risk import RiskGrade, typical_grade
from data.scope import Scope
from tests.conftest import TODAY, login
from tests.dash_calls import dash
from tests.factories import PASSWORD, make_case, make_city, make_province, make_region, make_user
from web.auth import _load_user
from web.context import region_options


@pytest.fixture
def province(session):
    world = make_province(session)
    world["town_a2"] = make_region(session, code="369901002000", name="东湖街道", level="township",
                                   parent=world["a"], kind="street")
    session.commit()
    # 示范市: five cases in 望江街道 (two overdue), one in 东湖街道; 临湖市: two in 湖滨街道
    for i in range(5):
        make_case(session, township=world["town_a"], county=world["a"], received_on=TODAY - timedelta(days=10 + i),
                  investigate_due=TODAY - timedelta(days=1) if i < 2 else TODAY + timedelta(days=30))
    make_case(session, township=world["town_a2"], county=world["a"], received_on=TODAY - timedelta(days=3))
    for i in range(2):
        make_case(session, township=world["town_b"], county=world["b"], received_on=TODAY - timedelta(days=5 + i),
                  workers=3)
    make_user(session, username="boss", role="leader", regions=[world["province"]])
    make_user(session, username="mayor", role="leader", regions=[world["city_b"]])
    return world


def _as(app, session, username):
    from sqlmodel import select

    from data.models import User
    user = session.exec(select(User).where(User.username == username)).one()
    login_user(_load_user(f"{user.id}:{user.session_version}"))


def test_a_provinces_leader_picks_a_city_then_its_counties(app, session, province):
    with app.test_request_context():
        _as(app, session, "boss")
        options = region_options(RegionLevel.county)
        assert [o["value"] for o in options] == ["369800000000", "369801000000", "369900000000", "369901000000"]
        assert [o["label"] for o in options] == ["临湖市", "\u3000临湖区", "示范市", "\u3000东湖区"]
        # a city chosen lists all its townships; a county its own
        city = [o["value"] for o in region_options(RegionLevel.township, "369900000000")]
        assert city == ["369901001000", "369901002000"]
        assert [o["value"] for o in region_options(RegionLevel.township, "369801000000")] == ["369801001000"]
    with app.test_request_context():
        _as(app, session, "mayor")  # one city's leader: its counties, no city to choose
        assert region_options(RegionLevel.county) == [{"label": "临湖区", "value": "369801000000"}]


def test_one_city_alone_lists_its_counties_as_before(app, session):
    city = make_city(session)
    make_user(session, username="leader", role="leader", regions=[city["city"]])
    with app.test_request_context():
        _as(app, session, "leader")
        assert [o["label"] for o in region_options(RegionLevel.county)] == ["东湖区", "西山县"]
    assert not spans_cities(session, scope=Scope((city["city"].path,)))
    assert county_path_length(session) == 26


def test_the_province_map_goes_by_county_with_each_countys_sums(session, province):
    whole = Scope((province["province"].path,))
    assert spans_cities(session, scope=whole) and not spans_cities(session, scope=Scope((province["city"].path,)))
    assert county_path_length(session) == 39
    filters = CaseFilters(date_from=date(TODAY.year, 1, 1), date_to=TODAY)
    counties = q.map_aggregates(session, scope=whole, filters=filters, today=TODAY, level="county")
    towns = q.map_aggregates(session, scope=whole, filters=filters, today=TODAY, level="township")
    assert {a["code"] for a in counties.areas} == {"369901000000", "369801000000"}
    assert counties.figures["369901000000"] == {"cases": 6, "workers": 72, "amount": 6 * 36_000_000, "overdue": 2}
    assert counties.figures["369801000000"]["cases"] == 2 and counties.figures["369801000000"]["workers"] == 6
    # the same figures as its townships', summed
    for county, members in (("369901000000", ("369901001000", "369901002000")), ("369801000000", ("369801001000",))):
        for measure in ("cases", "workers", "amount", "overdue"):
            assert counties.figures[county][measure] == sum(towns.figures.get(t, {}).get(measure, 0) for t in members)
    # a city chosen: its own county only
    one = q.map_aggregates(session, scope=whole, filters=CaseFilters(date_from=filters.date_from, date_to=TODAY,
                                                                     region_code="369800000000"),
                           today=TODAY, level="county")
    assert set(one.figures) == {"369801000000"} and {a["code"] for a in one.areas} == {"369801000000"}


def test_a_county_is_as_risky_as_its_typical_township(session, province):
    whole = Scope((province["province"].path,))
    towns = q.risk_by_area(session, scope=whole, filters=CaseFilters(), today=TODAY, level="township")
    counties = q.risk_by_area(session, scope=whole, filters=CaseFilters(), today=TODAY, level="county")
    assert towns["369901001000"]["risk"].grade in (RiskGrade.orange, RiskGrade.red)  # five open, two overdue
    east = counties["369901000000"]
    # 望江街道 high, 东湖街道 low: the lower middle of two is low — not the sum of both (which is red)
    assert east["risk"].grade == typical_grade([towns["369901001000"]["risk"].grade,
                                                towns["369901002000"]["risk"].grade])
    assert east["risk"].grade != RiskGrade.red
    assert east["inputs"].open_cases == 6 and east["inputs"].overdue_cases == 2
    assert typical_grade([RiskGrade.red, RiskGrade.red, RiskGrade.low]) == RiskGrade.red
    assert typical_grade([RiskGrade.red, RiskGrade.low, RiskGrade.low]) == RiskGrade.low
    assert typical_grade([]) == RiskGrade.low


def test_the_provinces_areas_are_its_cities(session, province):
    rows = leadership.by_area(session, scope=Scope((province["province"].path,)), today=TODAY)
    assert [(r["code"], r["name"], r["cases"], r["overdue"]) for r in rows] == [
        ("369800000000", "临湖市", 2, 0), ("369900000000", "示范市", 6, 2)]
    rows = leadership.by_area(session, scope=Scope((province["city"].path,)), today=TODAY)
    assert [(r["code"], r["cases"]) for r in rows] == [("369901000000", 6)]


def test_the_wall_turns_from_the_province_to_each_city_and_its_counties(client, session, province):
    make_user(session, username="wall", role="wall", regions=[province["province"]])
    login(client, "wall", PASSWORD)
    page = client.get("/wall").get_data(as_text=True)
    config = json.loads(re.search(r'<script id="wall-config" type="application/json">(.*?)</script>', page,
                                  re.S).group(1))
    assert [(s["code"], s["name"]) for s in config["steps"]] == [
        ("", "示范省"), ("369800000000", "临湖市"), ("369801000000", "临湖区"),
        ("369900000000", "示范市"), ("369901000000", "东湖区")]
    features = client.get("/wall/data/map").get_json()["data"]["features"]
    assert {f["properties"]["code"] for f in features} == {"369801000000", "369901000000"}  # by county
    city_map = client.get("/wall/data/map?region=369900000000").get_json()["data"]["features"]
    assert {f["properties"]["code"] for f in city_map} == {"369901001000", "369901002000"}  # a city: townships
    areas = client.get("/wall/data/areas").get_json()["data"]
    assert [a["name"] for a in areas] == ["临湖市", "示范市"]


def test_the_case_map_of_a_province_by_county_and_a_click_chooses_the_county(app, client, session, province):
    login(client, "boss", PASSWORD)
    client.get("/")
    document = client.get("/maps/cases?level=county&date_from=2026-01-01&date_to=2026-11-20",
                          headers={"Sec-Fetch-Dest": "iframe"}).get_data(as_text=True)
    assert "东湖区" in document and "临湖区" in document and "望江街道" not in document
    # the route keeps the rule too: townships or grid cells of several cities come by county
    for level in ("township", "grid"):
        asked = client.get(f"/maps/cases?level={level}&date_from=2026-01-01&date_to=2026-11-20",
                           headers={"Sec-Fetch-Dest": "iframe"}).get_data(as_text=True)
        assert "临湖区" in asked and "望江街道" not in asked, level
    one_city = client.get("/maps/cases?level=township&region_code=369900000000&date_from=2026-01-01"
                          "&date_to=2026-11-20", headers={"Sec-Fetch-Dest": "iframe"}).get_data(as_text=True)
    assert "望江街道" in one_city and "临湖区" not in one_city
    # /cases draws a province by county even when 按乡镇 is chosen, and says so
    answer = dash(client, app, "cases-map", {"cases-filters.data": CaseFilters(date_from=date(2026, 1, 1),
                                                                                 date_to=TODAY).to_dict(),
                                             "cases-map-metric.value": "cases", "cases-map-level.value": "township",
                                             "cases-version.data": None})
    drawn = client.get(answer["cases-map"]["src"], headers={"Sec-Fetch-Dest": "iframe"}).get_data(as_text=True)
    assert "临湖区" in drawn and "望江街道" not in drawn  # the route draws it by county
    assert "按县区显示" in json.dumps(answer["cases-crumb"]["children"], ensure_ascii=False)
    city = dash(client, app, "cases-map", {"cases-filters.data": CaseFilters(region_code="369900000000").to_dict(),
                                           "cases-map-metric.value": "cases", "cases-map-level.value": "township",
                                           "cases-version.data": None})
    assert "level=township" in city["cases-map"]["src"]
    clicked = dash(client, app, "cases-county", {"map-event.data": {"action": "select-township",
                                                                    "code": "369801000000"}})
    assert clicked["cases-county"]["value"] == "369801000000" and clicked["cases-township"]["value"] is None


def _actor(session, username):
    from sqlmodel import select

    from data.models import Role, User
    from data.queries.users import get_user_scope
    from data.services.common import Actor
    user = session.exec(select(User).where(User.username == username)).one()
    return Actor(id=user.id, username=user.username, role=Role(user.role),
                 scope=get_user_scope(session, user_id=user.id))


def test_each_city_numbers_its_own_cases_and_its_bureau_issues_their_notices(session, province):
    from data.models import CaseSource
    from data.services import cases as svc
    from data.services.documents import bureau_name

    make_user(session, username="clerk", role="case_officer", regions=[province["province"]])  # the 厅's desk
    clerk = _actor(session, "clerk")
    taken = [svc.receive_case(session, actor=clerk, today=TODAY, intake=svc.CaseIntake(
        source=CaseSource.walk_in, summary="拖欠工资", township_code=code))
        for code in ("369801001000", "369801001000", "369901001000")]
    # 临湖市's cases 临人社监 from 0001 on, 示范市's its own 示人社监 (the factory's T-… numbers aside)
    assert [c.case_no for c in taken] == ["临人社监〔2026〕0001号", "临人社监〔2026〕0002号", "示人社监〔2026〕0001号"]
    assert bureau_name(session, taken[0].office_path) == ("临湖市人力资源和社会保障局", "临")
    assert bureau_name(session, province["a"].path) == ("示范市人力资源和社会保障局", "示")
    assert bureau_name(session, province["province"].path) == ("示范省人力资源和社会保障厅", "示")


def test_an_office_takes_in_clues_for_its_own_city_only(session, province):
    from data.errors import ValidationError
    from data.models import CaseSource
    from data.services import cases as svc

    make_user(session, username="east", role="case_officer", regions=[province["a"]])
    east = _actor(session, "east")

    def intake(code):
        return svc.CaseIntake(source=CaseSource.walk_in, summary="拖欠工资", township_code=code)

    # its own city's township is taken in (one of another county would be routed there)
    own = svc.receive_case(session, actor=east, today=TODAY, intake=intake(province["town_a"].area_code))
    assert own.case_no.startswith("示人社监")
    with pytest.raises(ValidationError) as refused:  # 临湖市's township: its own bureau's
        svc.receive_case(session, actor=east, today=TODAY, intake=intake(province["town_b"].area_code))
    assert refused.value.field == "township" and "发生地不在本市" in refused.value.message
    session.rollback()


def test_a_case_is_transferred_within_its_own_city(session, province):
    from data.errors import ValidationError
    from data.services import cases as svc

    make_user(session, username="east", role="case_officer", regions=[province["a"]])
    east = _actor(session, "east")
    case = make_case(session, township=province["town_a"], county=province["a"])
    for elsewhere in ("369801000000", "369800000000"):  # 临湖区, 临湖市: another city of the province
        with pytest.raises(ValidationError) as refused:
            svc.transfer_case(session, actor=east, case_id=case.id, to_region_code=elsewhere, reason="属地管辖",
                              today=TODAY)
        assert refused.value.field == "to_region" and refused.value.message == "只能流转至本市的县区或市本级"
        session.rollback()
    # its own city's office (示范市) takes it
    transfer = svc.transfer_case(session, actor=east, case_id=case.id, to_region_code="369900000000",
                                 reason="重大案件由市本级办理", today=TODAY)
    assert transfer.to_region_id == province["city"].id and case.incoming_path == "360000000000/369900000000/"


def _transfer_picker(client, app, case_id) -> list[str]:
    """The receiving offices the act dialog offers for a case (the 流转 button clicked)."""
    from tests.dash_calls import csrf_header, find_callback
    key, spec = find_callback(app, "cases-act-region", {"cases-selected"})
    outputs = [dict(zip(("id", "property"), o.strip(".").rsplit(".", 1), strict=True))
               for o in key.strip(".").split("...")]
    clicked = {"act": "transfer", "type": "case-act"}
    body = {"output": key, "outputs": outputs,
            "inputs": [[{"id": clicked, "property": "n_clicks", "value": 1}]],
            "state": [{**spec["state"][0], "value": case_id}],
            "changedPropIds": [json.dumps(clicked, separators=(",", ":")) + ".n_clicks"]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 200, response.data[:300]
    return [o["value"] for o in response.json["response"]["cases-act-region"]["options"]]


def test_the_transfer_picker_lists_the_cases_own_city(app, client, session, province):
    make_user(session, username="desk", role="case_officer", regions=[province["province"]])
    case = make_case(session, township=province["town_b"], county=province["b"])
    login(client, "desk", PASSWORD)
    client.get("/")
    # a province-wide office: 临湖市's case goes to 临湖市 or its counties, not to 示范市's
    assert _transfer_picker(client, app, case.id) == ["369800000000", "369801000000"]


def test_the_transfer_picker_of_a_city_alone_lists_the_city(app, client, session):
    city = make_city(session)
    make_user(session, username="east", role="case_officer", regions=[city["a"]])
    case = make_case(session, township=city["town_a"], county=city["a"])
    login(client, "east", PASSWORD)
    client.get("/")
    assert _transfer_picker(client, app, case.id) == ["369900000000", "369901000000", "369902000000"]


def test_a_city_alone_keeps_its_numbers_and_bureau(session):
    from data.services.documents import bureau_name
    city = make_city(session)
    assert bureau_name(session, city["a"].path) == ("示范市人力资源和社会保障局", "示")
    assert bureau_name(session) == ("示范市人力资源和社会保障局", "示")


def test_the_header_names_the_users_place(app, client, session, province):
    from data.queries.regions import city_name, top_region
    assert city_name(session, Scope((province["province"].path,))) == "示范省"
    assert city_name(session, Scope((province["b"].path,))) == "临湖市"
    assert top_region(session, Scope((province["a"].path, province["b"].path))).name == "示范省"
    login(client, "mayor", PASSWORD)
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert '"children": "临湖市", "className": "brand-city ms-2"' in layout and "示范省" not in layout


def test_a_city_leader_in_a_province_is_city_wide(session, province):
    from data.queries.audit_plan import plan_access
    from data.queries.audits import area_level
    from data.queries.inspections import sees_unpublished
    from data.scope import city_wide
    city_b = Scope((province["city_b"].path,))
    assert city_wide(province["city_b"].path) and city_wide(province["province"].path)
    assert not city_wide(province["b"].path) and not city_wide(province["town_b"].path)
    assert sees_unpublished("leader", city_b) and not sees_unpublished("leader", Scope((province["b"].path,)))
    assert area_level(city_b) == "county" and area_level(Scope((province["b"].path,))) == "township"
    assert plan_access("leader", city_b, None) == "lead"
    assert plan_access("inspector", city_b, province["b"].path) == "auditor"


def test_the_provinces_standardisation_rate_goes_by_city(session, province):
    from data.models import Role
    from data.queries import stations as sq
    from tests.factories import make_station
    for town in ("town_a", "town_a2", "town_b"):
        make_station(session, township=province[town])
    filters = sq.StationFilters.default(TODAY)
    whole = sq.rate_by_area(session, scope=Scope((province["province"].path,)), role=Role.leader, filters=filters,
                            today=TODAY)
    assert whole["level"] == "city"
    assert [(r["code"], r["name"], r["stations"]) for r in whole["rows"]] == [
        ("369800000000", "临湖市", 1), ("369900000000", "示范市", 2)]
    city = sq.rate_by_area(session, scope=Scope((province["city"].path,)), role=Role.leader, filters=filters,
                           today=TODAY)
    assert city["level"] == "county" and [(r["code"], r["stations"]) for r in city["rows"]] == [("369901000000", 2)]


def test_the_bench_reads_the_top_region_of_its_database(session, monkeypatch, capsys):
    from bench._harness import leader_scope
    from bench.explain import main as explain
    make_city(session)
    assert leader_scope(session) == Scope(("369900000000/",))  # a city alone, as before
    # explain.py takes --cities as bench/cases.py does, refused out of range before any database is asked
    monkeypatch.setattr("sys.argv", ["explain.py", "--cities", "0"])
    with pytest.raises(SystemExit):
        explain()
    assert "--cities must be from 1 to" in capsys.readouterr().err


def test_the_bench_over_a_province_reads_the_province(session):
    from bench._harness import leader_scope
    make_province(session)
    assert leader_scope(session) == Scope(("360000000000/",))


def test_a_provinces_lead_draws_a_plan_over_its_cities_each_auditor_kept_from_their_county(session, province):
    from sqlmodel import select

    from data.models import AuditAssignment
    from data.services import audit_plan as plans
    from tests.factories import make_station, make_template
    make_template(session, kind="window_audit")
    east, lakeside = (make_station(session, township=province[t]) for t in ("town_a", "town_b"))
    for name, home in (("p1", None), ("p2", None), ("local", province["a"].path)):
        make_user(session, username=name, role="inspector", regions=[province["province"]], home_path=home)
    local = _actor(session, "local")
    plan = plans.draw(session, actor=_actor(session, "boss"), name="2027年全省暗访", period_from=date(2027, 1, 4),
                      period_to=date(2027, 3, 26), modes=["covert"], per_station=2, today=TODAY, seed=7)
    assert plan.path == "360000000000/"  # the province's plan, over both its cities
    rows = session.exec(select(AuditAssignment).where(AuditAssignment.plan_id == plan.id)).all()
    assert {r.station_id for r in rows} == {east.id, lakeside.id}
    # 回避 by a county's 39-character part of the path: the 东湖区 inspector never audits 东湖区
    assert all(local.id not in r.auditor_ids for r in rows if r.station_id == east.id)
    assert any(local.id in r.auditor_ids for r in rows if r.station_id == lakeside.id)
    # a city's leader in the province plans over their own city
    city_plan = plans.draw(session, actor=_actor(session, "mayor"), name="2027年临湖市暗访",
                           period_from=date(2027, 1, 4), period_to=date(2027, 3, 26), modes=["covert"],
                           per_station=1, today=TODAY, seed=7)
    assert city_plan.path == "360000000000/369800000000/"
    assert {r.station_id for r in session.exec(select(AuditAssignment).where(
        AuditAssignment.plan_id == city_plan.id))} == {lakeside.id}


def _circular(client, username) -> str:
    login(client, username, PASSWORD)
    page = client.get("/audits/circular?from=2026-10-01&to=2026-10-31")
    assert page.status_code == 200
    client.get("/logout")
    return re.sub(r"\s+", "", page.get_data(as_text=True))


def test_a_circular_is_issued_by_the_provinces_department_or_the_citys_bureau(client, session, province):
    whole = _circular(client, "boss")
    assert "示范省人力资源和社会保障厅" in whole and "我厅对示范省" in whole
    assert "各设区市人力资源和社会保障局：" in whole  # to its cities' bureaus
    assert "人力资源和社会保障局，各乡镇" not in whole and "我局" not in whole
    city = _circular(client, "mayor")
    assert "临湖市人力资源和社会保障局" in city and "我局对临湖市" in city and "示范省" not in city
    assert "各县（市、区）人力资源和社会保障局，各乡镇（街道）人社所：" in city


def test_a_city_alones_circular_is_its_bureaus_as_before(client, session):
    city = make_city(session)
    make_user(session, username="leader", role="leader", regions=[city["city"]])
    page = _circular(client, "leader")
    assert "示范市人力资源和社会保障局" in page and "我局对示范市" in page and "人力资源和社会保障厅" not in page
    assert "各县（市、区）人力资源和社会保障局，各乡镇（街道）人社所：" in page


# --- a city's abbreviation (简称) in its numbers: 南京 and 南通 share a first character ----------


def _two_nan_cities(session, shorts=("宁", "通")) -> dict:
    """江苏省 over 南京市 and 南通市 (abbreviations `shorts`, or none), each with a county and a
    township; a case officer of the province's own desk."""
    province = make_region(session, code="320000000000", name="江苏省", level=RegionLevel.province, size=2.0,
                           kind="province")
    world = {"province": province}
    for key, short, (city, county, town) in (
            ("nj", shorts[0], (("320100000000", "南京市"), ("320102000000", "玄武区"),
                               ("320102002000", "梅园新村街道"))),
            ("nt", shorts[1], (("320600000000", "南通市"), ("320602000000", "崇川区"), ("320602001000", "城东街道")))):
        world[key] = make_region(session, code=city[0], name=city[1], level=RegionLevel.city, parent=province,
                                 kind="city", short_name=short)
        world[f"{key}_county"] = make_region(session, code=county[0], name=county[1], level=RegionLevel.county,
                                             parent=world[key], kind="district")
        world[f"{key}_town"] = make_region(session, code=town[0], name=town[1], level=RegionLevel.township,
                                           parent=world[f"{key}_county"], kind="street")
    session.commit()
    make_user(session, username="clerk", role="case_officer", regions=[province])
    return world


def _taken_in_and_noticed(session, towns) -> tuple[list[str], list]:
    """A case received in each township of `towns` in turn, accepted, its 受理通知书 issued."""
    from components.notice_pdf import notice_pdf
    from data.models import CaseSource
    from data.services import cases as svc
    from data.services.documents import issue_document

    clerk = _actor(session, "clerk")
    cases = [svc.receive_case(session, actor=clerk, today=TODAY, intake=svc.CaseIntake(
        source=CaseSource.walk_in, summary="拖欠工资", township_code=town.area_code)) for town in towns]
    documents = []
    for case in cases:
        svc.accept_case(session, actor=clerk, case_id=case.id, today=TODAY)
        documents.append(issue_document(session, actor=clerk, case_id=case.id, kind="accept_notice", today=TODAY,
                                        render=notice_pdf))
    return [c.case_no for c in cases], documents


def test_two_cities_of_one_first_character_number_apart_by_their_abbreviations(session):
    from data.services.documents import bureau_name

    world = _two_nan_cities(session)
    numbers, documents = _taken_in_and_noticed(session, [world["nj_town"], world["nt_town"], world["nj_town"]])
    assert numbers == ["宁人社监〔2026〕0001号", "通人社监〔2026〕0001号", "宁人社监〔2026〕0002号"]
    # each city's bureau its own series: 南通's first notice is its 1号 too
    assert [d.doc_no for d in documents] == ["宁人社监受〔2026〕1号", "通人社监受〔2026〕1号", "宁人社监受〔2026〕2号"]
    assert [(d.issuer_path, d.serial) for d in documents] == [
        ("320000000000/320100000000/", 1), ("320000000000/320600000000/", 1), ("320000000000/320100000000/", 2)]
    assert bureau_name(session, world["nt_county"].path) == ("南通市人力资源和社会保障局", "通")


def test_cities_not_yet_told_apart_still_never_share_a_number(session):
    """南京 and 南通 with no abbreviation (a database from before them) both read 南: one series
    of case numbers and one of notices between them, as before — never one number twice."""
    world = _two_nan_cities(session, shorts=(None, None))
    numbers, documents = _taken_in_and_noticed(session, [world["nj_town"], world["nt_town"], world["nj_town"]])
    assert numbers == ["南人社监〔2026〕0001号", "南人社监〔2026〕0002号", "南人社监〔2026〕0003号"]
    assert [d.doc_no for d in documents] == ["南人社监受〔2026〕1号", "南人社监受〔2026〕2号", "南人社监受〔2026〕3号"]
    # 南京 takes 宁 within the year: its own series runs on under it, 南通's 南 past 南京's numbers
    world["nj"].short_name = "宁"
    session.commit()
    _numbers, later = _taken_in_and_noticed(session, [world["nt_town"], world["nj_town"]])
    assert [d.doc_no for d in later] == ["南人社监受〔2026〕4号", "宁人社监受〔2026〕4号"]


def _import_regions(session, rows: str):
    from data.imports import import_file
    data = ("区划代码,名称,级别,上级区划代码,简称\n" + rows).encode()
    return import_file(session, actor=None, kind="regions", data=data, filename="regions.csv", today=TODAY)


def test_the_regions_import_sets_abbreviations_each_one_the_provinces_own(session):
    from sqlmodel import select

    from data.models import Region
    report = _import_regions(session, "320000000000,江苏省,省,,苏\n320100000000,南京市,市,320000000000,宁\n"
                                      "320600000000,南通市,市,320000000000,通\n")
    assert report.ok and report.new == 3, report.errors
    stored = dict(session.exec(select(Region.name, Region.short_name)).all())
    assert stored == {"江苏省": "苏", "南京市": "宁", "南通市": "通"}
    # another city wanting 宁, or reading 宁 by its name with none given, or two new ones alike
    refused = _import_regions(session, "320200000000,无锡市,市,320000000000,宁\n"
                                       "320300000000,宁海市,市,320000000000,\n"
                                       "320400000000,常州市,市,320000000000,\n"
                                       "320500000000,常熟市,市,320000000000,\n"
                                       "320700000000,连云港市,市,320000000000,连\n")
    assert [(e.row, e.column, e.message % e.params) for e in refused.errors] == [
        (2, "简称", "简称“宁”已被本省的南京市使用：请另填简称"),
        (3, "简称", "简称“宁”已被本省的南京市使用：请另填简称"),
        (5, "简称", "简称“常”已被本省的常州市使用：请另填简称")]
    assert refused.new == 2 and not refused.written  # all or nothing
    # an existing city taking another's, too; giving up one's own frees it for another
    assert [e.row for e in _import_regions(session, "320600000000,南通市,市,320000000000,宁\n").errors] == [2]
    swapped = _import_regions(session, "320100000000,南京市,市,320000000000,京\n"
                                       "320200000000,无锡市,市,320000000000,宁\n")
    assert swapped.ok and (swapped.new, swapped.changed) == (1, 1), swapped.errors
    assert session.exec(select(Region.short_name).where(Region.name == "南京市")).one() == "京"


def test_an_abbreviation_is_one_to_four_chinese_characters_of_a_province_or_city(session):
    report = _import_regions(session, "320000000000,江苏省,省,,苏\n320100000000,南京市,市,320000000000,NJ\n"
                                      "320600000000,南通市,市,320000000000,南通南通南\n"
                                      "320102000000,玄武区,区,320100000000,玄\n")
    assert [(e.row, e.column) for e in report.errors] == [(3, "简称"), (4, "简称"), (5, "简称")]
    assert [e.message for e in report.errors] == ["简称应为 1 到 4 个汉字：%(value)s"] * 2 + ["只有省、市可以填写简称"]


def test_a_clash_already_in_the_database_does_not_stop_an_import(session):
    """南京 and 南通 came in before abbreviations: importing their rows again (a new township under
    them) is not refused for a clash the file does not make; setting 南京's 宁 is taken."""
    from sqlmodel import select

    from data.models import Region
    _two_nan_cities(session, shorts=(None, None))
    report = _import_regions(session, "320000000000,江苏省,省,,\n320600000000,南通市,市,320000000000,\n"
                                      "320602000000,崇川区,区,320600000000,\n"
                                      "320602002000,和平桥街道,街道,320602000000,\n")
    assert report.ok and (report.new, report.unchanged) == (1, 3), report.errors
    report = _import_regions(session, "320100000000,南京市,市,320000000000,宁\n")
    assert report.ok and report.changed == 1, report.errors
    assert session.exec(select(Region.short_name).where(Region.name == "南京市")).one() == "宁"
