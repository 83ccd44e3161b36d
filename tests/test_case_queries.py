"""Case queries on a real database: who sees which case, what the filter bar selects, the
figures against last year on a hand-made set of cases, paging and the sort whitelist, who
held a case after a transfer, masking, risk grades and map aggregates."""

from datetime import UTC, date, datetime

import pytest

from data.errors import ValidationError
from data.models import CaseEvent, CaseSource, CaseStatus, Role
from data.queries import cases as q
from data.queries.users import get_user_scope
from data.rules.risk import RiskGrade
from data.scope import OutOfScope, Scope
from data.services import cases as svc
from data.services.common import Actor
from tests.conftest import TODAY
from tests.factories import make_case, make_city, make_employer, make_grid_cell, make_user

THIS_YEAR = q.CaseFilters.default(TODAY)
ANY_TIME = q.CaseFilters()


def case(session, city, where="a", **overrides):
    """A case in county `where`'s township, held by that county unless told otherwise."""
    county, township = city[where], city[f"town_{where}"]
    values = dict(industry="construction", is_construction=True, received_on=date(2026, 10, 9))
    values.update(overrides)
    return make_case(session, township=township, county=county, **values)


def held_by(county):
    return dict(office_region_id=county.id, office_path=county.path)


def scope_of(*regions) -> Scope:
    return Scope(tuple(r.path for r in regions))


def ids(rows) -> set[int]:
    return {r["id"] for r in rows}


@pytest.fixture
def city(session):
    return make_city(session)


# --- who sees what ------------------------------------------------------------------------------


def test_a_county_sees_its_cases_and_those_its_office_holds(session, city):
    own = case(session, city, "a")
    foreign = case(session, city, "b")
    held_elsewhere = case(session, city, "b", **held_by(city["a"]))  # happened in B, A's office holds it
    incoming = case(session, city, "a", incoming_path=city["b"].path)  # a transfer to B is pending
    case(session, city, "a", deleted_at=datetime(2026, 11, 1, tzinfo=UTC))

    county_a, county_b = scope_of(city["a"]), scope_of(city["b"])
    rows, total = q.list_cases(session, scope=county_a, filters=ANY_TIME, today=TODAY)
    assert ids(rows) == {own.id, held_elsewhere.id, incoming.id} and total == 3
    rows, _ = q.list_cases(session, scope=county_b, filters=ANY_TIME, today=TODAY)
    assert ids(rows) == {foreign.id, held_elsewhere.id, incoming.id}
    assert q.case_kpis(session, scope=county_a, filters=THIS_YEAR, today=TODAY).cases == 3
    assert q.list_cases(session, scope=Scope.nothing(), filters=ANY_TIME, today=TODAY) == ([], 0)

    assert q.get_case_detail(session, scope=county_a, case_id=held_elsewhere.id, today=TODAY)["id"] == held_elsewhere.id
    with pytest.raises(OutOfScope):
        q.get_case_detail(session, scope=county_a, case_id=foreign.id, today=TODAY)
    with pytest.raises(OutOfScope):  # unknown looks the same as foreign
        q.get_case_detail(session, scope=county_a, case_id=999_999, today=TODAY)


def test_a_region_filter_narrows_within_the_scope_only(session, city):
    own = case(session, city, "a")
    case(session, city, "b")
    county_a, whole = scope_of(city["a"]), scope_of(city["city"])
    rows, _ = q.list_cases(session, scope=whole, filters=q.CaseFilters(region_code=city["town_a"].area_code),
                           today=TODAY)
    assert ids(rows) == {own.id}
    for code in (city["b"].area_code, "369999999000"):  # another county, an unknown code
        with pytest.raises(OutOfScope):
            q.list_cases(session, scope=county_a, filters=q.CaseFilters(region_code=code), today=TODAY)
        with pytest.raises(OutOfScope):
            q.map_aggregates(session, scope=county_a, filters=q.CaseFilters(region_code=code), today=TODAY)
    with pytest.raises(OutOfScope):
        q.case_points(session, scope=county_a, filters=ANY_TIME, today=TODAY, township_code=city["town_b"].area_code)


# --- the filter bar -------------------------------------------------------------------------------


def test_each_filter_selects_its_cases(session, city):
    acme = make_employer(session, name="宏达建筑劳务有限公司")
    grid = make_grid_cell(session, township=city["town_a"])
    built = case(session, city, employer_id=acme.id, grid_cell_id=grid.id, source=CaseSource.national_platform)
    shop = case(session, city, industry="catering", is_construction=False, source=CaseSource.walk_in,
                received_on=date(2026, 3, 2))
    late = case(session, city, status=CaseStatus.received, accepted_on=None, investigate_due=None,
                accept_due=date(2026, 11, 9), received_on=date(2026, 11, 2))
    percent = case(session, city, case_no="T-100%-X")
    whole = scope_of(city["city"])

    def selected(**filters) -> set[int]:
        rows, total = q.list_cases(session, scope=whole, filters=q.CaseFilters(**filters), today=TODAY)
        assert total == len(rows)
        return ids(rows)

    assert selected(statuses=("received",)) == {late.id}
    assert selected(sources=("national_platform",)) == {built.id}
    assert selected(industries=("catering",)) == {shop.id}
    assert selected(construction=False) == {shop.id}
    assert selected(construction=True) == {built.id, late.id, percent.id}
    assert selected(overdue_only=True) == {late.id}
    assert selected(grid_code=grid.code) == {built.id}
    assert selected(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)) == {shop.id}
    assert selected(text="宏达") == {built.id}
    assert selected(text=built.case_no) == {built.id}
    assert selected(text="%") == {percent.id}  # a LIKE wildcard is matched literally
    with pytest.raises(OutOfScope):
        selected(grid_code="369902100000-G09")


def test_filters_round_trip_and_forgive_junk():
    filters = q.CaseFilters(date_from=date(2026, 1, 1), date_to=date(2026, 11, 20), region_code="369901000000",
                            statuses=("received", "accepted"), industries=("construction",), construction=True,
                            overdue_only=True, text="宏达")
    assert q.CaseFilters.from_dict(filters.to_dict()) == filters
    assert q.CaseFilters.from_dict({k: [v] for k, v in filters.to_query().items()}) == filters  # a URL's query
    junk = q.CaseFilters.from_dict({"date_from": "yesterday", "date_to": "2026-02-30",
                                    "statuses": ["received", "gone"], "sources": "walk_in,<script>",
                                    "industries": ["DROP TABLE"], "construction": "maybe",
                                    "region_code": "36990", "unknown": 1, "text": "  "})
    assert junk == q.CaseFilters(statuses=("received",), sources=("walk_in",))
    assert q.CaseFilters.from_dict(None) == q.CaseFilters() and q.CaseFilters.from_dict("nonsense") == q.CaseFilters()
    with pytest.raises(ValidationError) as refused:
        q.CaseFilters.from_dict({"statuses": ["gone"]}, strict=True)
    assert refused.value.field == "statuses"
    with pytest.raises(ValidationError):
        q.CaseFilters.from_dict({"date_from": "2026-12-01", "date_to": "2026-01-01"}, strict=True)


def test_label_is_safe_for_a_file_name():
    label = q.CaseFilters(date_from=date(2026, 1, 1), date_to=date(2026, 11, 20), region_code="369901000000",
                          overdue_only=True, text="宏达/../建筑 *").label()
    assert label.startswith("2026-01-01_2026-11-20_369901000000_overdue_宏达")
    assert not set(label) & set('/\\:*?"<>| ')
    assert q.CaseFilters().label() == "all"


# --- figures --------------------------------------------------------------------------------------


@pytest.fixture
def figures_city(session, city):
    """Five cases this year and three around the same period last year, in county A; one in B."""
    c = {}
    c["on_time"] = case(session, city, status=CaseStatus.closed, received_on=date(2026, 3, 2), workers=10,
                        amount_claimed_cents=100_000, amount_recovered_cents=80_000, accepted_on=date(2026, 3, 3),
                        investigate_due=date(2026, 5, 29), closed_on=date(2026, 4, 1))
    c["late"] = case(session, city, status=CaseStatus.closed, received_on=date(2026, 6, 1), workers=5,
                     amount_claimed_cents=50_000, investigate_due=date(2026, 8, 28), closed_on=date(2026, 9, 30))
    c["overdue"] = case(session, city, status=CaseStatus.received, received_on=date(2026, 11, 2), workers=2,
                        amount_claimed_cents=20_000, accepted_on=None, investigate_due=None,
                        accept_due=date(2026, 11, 9))
    c["supervised"] = case(session, city, received_on=date(2026, 10, 9), workers=30, amount_claimed_cents=900_000,
                           supervised=True)
    c["rejected"] = case(session, city, status=CaseStatus.rejected, received_on=date(2026, 2, 2), workers=1,
                         amount_claimed_cents=5_000, accepted_on=None, investigate_due=None,
                         accept_due=date(2026, 2, 9), decided_on=date(2026, 2, 5))
    session.add(CaseEvent(case_id=c["rejected"].id, kind="rejected", on_date=date(2026, 2, 5), reason="超过时效"))
    session.commit()
    case(session, city, status=CaseStatus.closed, received_on=date(2025, 5, 5), workers=4, amount_claimed_cents=40_000,
         investigate_due=date(2025, 7, 31), closed_on=date(2025, 6, 2))
    case(session, city, status=CaseStatus.closed, received_on=date(2025, 11, 20), workers=3,
         amount_claimed_cents=30_000, investigate_due=date(2026, 2, 27), closed_on=date(2025, 12, 5))
    case(session, city, status=CaseStatus.closed, received_on=date(2025, 11, 25), workers=7,
         amount_claimed_cents=70_000, investigate_due=date(2026, 3, 3), closed_on=date(2026, 1, 5))
    case(session, city, "b", received_on=date(2026, 5, 5), workers=9)
    return c


def test_kpis_and_last_year(session, city, figures_city):
    k = q.case_kpis(session, scope=scope_of(city["a"]), filters=q.CaseFilters(), today=TODAY)
    assert k.period == (date(2026, 1, 1), TODAY) and k.last_year_period == (date(2025, 1, 1), date(2025, 11, 20))
    assert (k.cases, k.workers, k.amount_claimed_cents, k.amount_recovered_cents) == (5, 48, 1_075_000, 80_000)
    assert (k.open, k.overdue, k.supervised) == (2, 1, 1)
    # concluded: closed on time, closed late, rejected within its acceptance deadline
    assert (k.closed, k.closed_on_time) == (3, 2)
    assert k.closure_rate == pytest.approx(3 / 5) and k.on_time_rate == pytest.approx(2 / 3)
    # last year to the same day: the 20 November case counts, the 25 November one does not
    assert (k.cases_last_year, k.workers_last_year, k.closed_last_year, k.closed_on_time_last_year) == (2, 7, 2, 2)


def test_kpis_follow_the_filters(session, city, figures_city):
    k = q.case_kpis(session, scope=scope_of(city["city"]), filters=q.CaseFilters(
        date_from=date(2026, 6, 1), date_to=date(2026, 10, 31)), today=TODAY)
    assert (k.cases, k.workers) == (2, 35)  # the late and the supervised case; B's in May is before the period
    assert k.last_year_period == (date(2025, 6, 1), date(2025, 10, 31)) and k.cases_last_year == 0


def test_monthly_trend_against_the_same_month_last_year(session, city, figures_city):
    months = q.monthly_trend(session, scope=scope_of(city["a"]), filters=ANY_TIME, today=TODAY)
    assert [(m["year"], m["month"]) for m in months][0] == (2025, 12) and len(months) == 12
    by = {(m["year"], m["month"]): m for m in months}
    assert (by[2026, 3]["cases"], by[2026, 3]["workers"], by[2026, 3]["amount"]) == (1, 10, 100_000)
    assert (by[2026, 3]["closed"], by[2026, 3]["closed_on_time"]) == (1, 1)
    assert by[2026, 5]["cases_last_year"] == 1 and by[2026, 5]["workers_last_year"] == 4
    # November is not over: last November is counted to the 20th only
    assert by[2026, 11]["partial"] and by[2026, 11]["cases"] == 1
    assert (by[2026, 11]["cases_last_year"], by[2026, 11]["workers_last_year"]) == (1, 3)
    assert by[2026, 11]["through"] == 20 and by[2026, 10]["through"] is None
    # and the chart names it by its days, not as a whole month beside the others
    from components.case_views import trend_figure
    figure = trend_figure(months, metric="cases", this_label="本期", last_label="上年同期",
                          month_label=lambda y, m: f"{y}年{m}月", part_label=lambda y, m, d: f"{y}年{m}月1–{d}日")
    assert list(figure.data[0].x)[-2:] == ["2026年10月", "2026年11月1–20日"]
    since_june = q.monthly_trend(session, scope=scope_of(city["a"]), filters=q.CaseFilters(date_from=date(2026, 6, 1)),
                                 today=TODAY)
    assert [(m["year"], m["month"]) for m in since_june] == [(2026, m) for m in range(6, 12)]


def test_breakdowns(session, city, figures_city):
    case(session, city, "b", industry="catering", is_construction=False, source=CaseSource.letter,
         received_on=date(2026, 7, 1), workers=2, amount_claimed_cents=1_000)
    whole = scope_of(city["city"])
    by_county = q.breakdown(session, scope=whole, filters=THIS_YEAR, today=TODAY, by="county")
    assert [(r["key"], r["name"], r["cases"]) for r in by_county] == [
        (city["a"].area_code, "东湖区", 5), (city["b"].area_code, "西山县", 2)]
    by_industry = {r["key"]: (r["cases"], r["workers"]) for r in
                   q.breakdown(session, scope=whole, filters=THIS_YEAR, today=TODAY, by="industry")}
    assert by_industry == {"construction": (6, 57), "catering": (1, 2)}
    by_source = q.breakdown(session, scope=whole, filters=THIS_YEAR, today=TODAY, by="source")
    assert by_source[0]["key"] == "walk_in" and {r["key"] for r in by_source} == {"walk_in", "letter"}
    with pytest.raises(ValueError):
        q.breakdown(session, scope=whole, filters=THIS_YEAR, today=TODAY, by="summary")


def test_repeat_employers(session, city):
    repeat, once = make_employer(session, name="反复欠薪建筑公司"), make_employer(session, name="偶发公司")
    for day in (date(2026, 2, 3), date(2026, 5, 6), date(2026, 9, 9)):
        case(session, city, employer_id=repeat.id, received_on=day, workers=2, amount_claimed_cents=10_000)
    case(session, city, "b", employer_id=once.id)
    case(session, city, "b", employer_id=once.id)
    rows = q.repeat_employers(session, scope=scope_of(city["city"]), filters=THIS_YEAR, today=TODAY)
    assert [(r["name"], r["uscc"], r["cases"], r["workers"], r["amount_cents"], r["latest_received_on"])
            for r in rows] == [("反复欠薪建筑公司", repeat.uscc, 3, 6, 30_000, date(2026, 9, 9))]
    assert q.repeat_employers(session, scope=scope_of(city["b"]), filters=THIS_YEAR, today=TODAY) == []
    assert len(q.repeat_employers(session, scope=scope_of(city["city"]), filters=THIS_YEAR, today=TODAY,
                                  min_cases=2)) == 2


# --- the table --------------------------------------------------------------------------------------


def test_paging_and_the_sort_whitelist(session, city):
    made = [case(session, city, amount_claimed_cents=cents, received_on=date(2026, 10, day))
            for day, cents in ((1, 300), (2, 100), (3, 200), (4, 500), (5, 400))]
    whole = scope_of(city["city"])

    def page(sort, offset=0, limit=2):
        rows, total = q.list_cases(session, scope=whole, filters=ANY_TIME, today=TODAY, sort=sort, offset=offset,
                                   limit=limit)
        assert total == 5
        return [r["amount_claimed_cents"] for r in rows]

    assert page([("amount", "asc")]) + page([("amount", "asc")], offset=2) + page([("amount", "asc")], 4) == [
        100, 200, 300, 400, 500]
    assert page([("received_on", "desc")], limit=5) == [400, 500, 200, 100, 300]
    # not whitelisted, or not a direction: ignored, the newest first as by default
    assert page([("complainant_name", "asc")], limit=5) == page([("amount; DROP TABLE wage_case", "desc")], limit=5) \
        == page([("amount", "sideways")], limit=5) == page(None, limit=5)
    rows, _ = q.list_cases(session, scope=whole, filters=ANY_TIME, today=TODAY, limit=1)
    assert rows[0]["amount"] == 4.0 and rows[0]["id"] == made[4].id


def test_rows_carry_the_clock_and_mask_the_complainant(session, city):
    case(session, city, status=CaseStatus.received, accepted_on=None, investigate_due=None,
         received_on=date(2026, 11, 2), accept_due=date(2026, 11, 9), complainant_name="欧阳锋", supervised=True)
    case(session, city, investigate_due=date(2026, 11, 27), complainant_name="李四")
    rows, _ = q.list_cases(session, scope=scope_of(city["a"]), filters=ANY_TIME, today=TODAY,
                           sort=[("days_left", "asc")])
    late, running = rows
    assert (late["complainant"], running["complainant"]) == ("欧阳*", "李*")
    assert late["overdue"] and late["days_left"] == -9 and late["due"] == "2026-11-09" and late["supervised"]
    assert running["days_left"] == 5 and not running["overdue"] and running["township"] == "望江街道"


def test_supervision_candidates(session, city):
    overdue = case(session, city, investigate_due=date(2026, 11, 2))
    large = case(session, city, amount_claimed_cents=60_000_000, workers=3)
    case(session, city, amount_claimed_cents=60_000_000, supervised=True)
    case(session, city, status=CaseStatus.closed, amount_claimed_cents=60_000_000)
    case(session, city, workers=2, amount_claimed_cents=10_000)
    rows = q.supervision_candidates(session, scope=scope_of(city["a"]), filters=ANY_TIME, today=TODAY)
    assert [(r["id"], r["reasons"]) for r in rows] == [(overdue.id, ["overdue"]), (large.id, ["large_amount"])]


# --- one case ----------------------------------------------------------------------------------------


def actor(session, user) -> Actor:
    return Actor(id=user.id, username=user.username, role=Role(user.role),
                 scope=get_user_scope(session, user_id=user.id))


def test_detail_holders_after_a_transfer(session, city):
    officer_a = make_user(session, username="officer.a", role=Role.case_officer, regions=[city["a"]])
    officer_b = make_user(session, username="officer.b", role=Role.case_officer, regions=[city["b"]])
    # happened in B, taken in by A's office, handed to B three days later
    wrong = case(session, city, "b", **held_by(city["a"]), status=CaseStatus.received, accepted_on=None,
                 investigate_due=None, received_on=date(2026, 11, 2), accept_due=date(2026, 11, 9),
                 complainant_name="张三丰", complainant_id_number="369901199003071234",
                 complainant_phone="13812348000")
    svc.transfer_case(session, actor=actor(session, officer_a), case_id=wrong.id, to_region_code=city["b"].area_code,
                      reason="属地管辖", today=date(2026, 11, 4))
    svc.accept_transfer(session, actor=actor(session, officer_b), case_id=wrong.id, today=date(2026, 11, 5))

    detail = q.get_case_detail(session, scope=scope_of(city["b"]), case_id=wrong.id, today=TODAY)
    assert [(h["office_name"], h["start"], h["end"], h["days"]) for h in detail["holders"]] == [
        ("东湖区", date(2026, 11, 2), date(2026, 11, 5), 3), ("西山县", date(2026, 11, 5), None, 15)]
    assert [e["kind"] for e in detail["timeline"]] == ["transfer_sent", "transfer_accepted"]
    assert detail["timeline"][1]["actor_name"] == "officer.b" and detail["timeline"][1]["to_region_name"] == "西山县"
    assert detail["transfers"][0]["status"] == "accepted" and detail["pending_transfer_to_path"] is None
    facts = detail["facts"]
    assert (facts["complainant_name"], facts["complainant_id_number"], facts["complainant_phone"]) == (
        "张**", "369901********1234", "138****8000")
    assert facts["office_name"] == "西山县" and facts["township_name"] == "青石镇"
    assert detail["clock"]["overdue"] and detail["clock"]["days_left"] < 0
    # A handed it over: no longer theirs to read
    with pytest.raises(OutOfScope):
        q.get_case_detail(session, scope=scope_of(city["a"]), case_id=wrong.id, today=TODAY)


def test_a_case_never_transferred_was_held_by_its_office_throughout(session, city):
    own = case(session, city, received_on=date(2026, 11, 10))
    detail = q.get_case_detail(session, scope=scope_of(city["a"]), case_id=own.id, today=TODAY)
    assert [(h["office_name"], h["start"], h["end"]) for h in detail["holders"]] == \
        [("东湖区", date(2026, 11, 10), None)]


# --- maps and risk -------------------------------------------------------------------------------------


def test_risk_grades_per_township(session, city):
    for _ in range(4):
        case(session, city, investigate_due=date(2026, 11, 2))  # open and overdue
    case(session, city, "b")  # one open case, in time
    risks = q.risk_by_area(session, scope=scope_of(city["city"]), filters=ANY_TIME, today=TODAY)
    town_a, town_b = risks[city["town_a"].area_code], risks[city["town_b"].area_code]
    assert town_a["name"] == "望江街道" and town_a["risk"].grade == RiskGrade.red
    inputs = town_a["inputs"]
    assert (inputs.open_cases, inputs.overdue_cases, inputs.cases_recent) == (4, 4, 4)
    assert {f for f, _points, _n in town_a["risk"].factors} >= {"open_cases", "overdue_cases"}
    assert town_b["risk"].grade == RiskGrade.low
    assert set(q.risk_by_area(session, scope=scope_of(city["b"]), filters=ANY_TIME, today=TODAY)) == {
        city["town_b"].area_code}


def test_repeat_employers_raise_the_risk(session, city):
    repeat = make_employer(session, name="反复欠薪建筑公司")
    grid = make_grid_cell(session, township=city["town_a"])
    for day in (date(2026, 2, 3), date(2026, 5, 6), date(2026, 9, 9)):
        case(session, city, employer_id=repeat.id, received_on=day, status=CaseStatus.closed, grid_cell_id=grid.id)
    risks = q.risk_by_area(session, scope=scope_of(city["a"]), filters=ANY_TIME, today=TODAY, level="grid")
    assert risks[grid.code]["inputs"].repeat_employers == 1 and risks[grid.code]["risk"].grade == RiskGrade.low
    assert dict((f, n) for f, _p, n in risks[grid.code]["risk"].factors)["repeat_employers"] == 1


def test_map_aggregates_and_points(session, city):
    grid = make_grid_cell(session, township=city["town_a"])
    case(session, city, workers=3, amount_claimed_cents=1_000, grid_cell_id=grid.id, lon=116.03, lat=28.53)
    case(session, city, workers=4, amount_claimed_cents=2_000, investigate_due=date(2026, 11, 2))
    case(session, city, "b", workers=5)
    data = q.map_aggregates(session, scope=scope_of(city["city"]), filters=ANY_TIME, today=TODAY, metric="workers")
    assert data.values == {city["town_a"].area_code: 7, city["town_b"].area_code: 5}
    assert data.figures[city["town_a"].area_code] == {"cases": 2, "workers": 7, "amount": 3_000, "overdue": 1}
    assert {a["code"] for a in data.areas} == {city["town_a"].area_code, city["town_b"].area_code}
    county_a = q.map_aggregates(session, scope=scope_of(city["a"]), filters=ANY_TIME, today=TODAY, level="grid")
    assert county_a.values == {grid.code: 1} and [a["code"] for a in county_a.areas] == [grid.code]
    assert county_a.areas[0]["township"] == city["town_a"].area_code
    points = q.case_points(session, scope=scope_of(city["a"]), filters=ANY_TIME, today=TODAY,
                           township_code=city["town_a"].area_code)
    assert [(p["lon"], p["lat"], p["workers"]) for p in points] == [(116.03, 28.53, 3)]  # only located cases
