"""The reads behind /audits and its circular, on a real database: what counts as a failed item,
problems recurring across stations, coverage, overdue rectifications, and who sees what."""

from datetime import UTC, date, datetime

import pytest

from data.models import InspectionKind, InspectionMode, RectificationStatus, RegionLevel, Role, StationKind
from data.queries import audits as q
from data.scope import OutOfScope, Scope
from tests.conftest import TODAY
from tests.factories import (
    default_answers,
    make_city,
    make_inspection,
    make_rectification,
    make_region,
    make_station,
    make_template,
)

F = q.AuditFilters(date_from=date(2026, 1, 1), date_to=TODAY, kind="window_audit")


@pytest.fixture
def city(session):
    city = make_city(session)
    city["town_a2"] = make_region(session, code="369901002000", name="临湖街道", level=RegionLevel.township,
                                  parent=city["a"], kind="street")
    city["st_a"] = make_station(session, township=city["town_a"])
    city["st_a2"] = make_station(session, township=city["town_a2"])
    city["st_b"] = make_station(session, township=city["town_b"])
    city["village"] = make_station(session, township=city["town_a"], kind=StationKind.village_point,
                                   name="望江村便民服务站")
    city["window"] = make_template(session, kind="window_audit")
    city["checks"] = make_template(session, kind="standardisation")
    return city


def whole(city) -> Scope:
    return Scope((city["city"].path,))


def audit(session, city, station, *, mode="overt", fail=(), published=True, on=date(2026, 10, 15), **values):
    answers = default_answers(session, city["window"], mode=mode, fail=fail, **values)
    return make_inspection(session, station=city[station], template=city["window"], answers=answers, mode=mode,
                           inspected_on=on, published=published)


def by_code(items):
    return {f.code: f for f in items}


def test_an_item_fails_by_its_answer_type(session, city):
    first = audit(session, city, "st_a", W01="fail", W14=25, W12="partial", W13="good", W15=40)
    # a value the item cannot take (stored by an older client, say), and a bare value with no
    # {"value": …} wrapper
    first.answers = {**first.answers, "W02": {"value": "maybe"}, "W03": "fail"}
    session.add(first)
    session.commit()
    audit(session, city, "st_a2", mode="phone")  # judges W10, W12, W13, W16 only; all met
    items = by_code(q.findings_by_item(session, scope=whole(city), role=Role.leader, filters=F))
    assert (items["W01"].fails, items["W01"].applicable) == (1, 1)  # pass_fail "fail"; phone: n/a
    assert (items["W14"].fails, items["W14"].applicable) == (1, 1)  # 25 minutes > max_ok 15
    assert (items["W15"].fails, items["W15"].applicable) == (0, 1)  # 40 = max_ok: met
    assert (items["W12"].fails, items["W12"].applicable) == (1, 2)  # "partial" scores 0.5 < 1
    assert (items["W13"].fails, items["W13"].applicable) == (0, 2)  # "good" scores 1
    assert (items["W03"].fails, items["W03"].applicable) == (1, 1)
    assert "W02" not in items  # a value the item cannot take is not counted as judged
    assert items["W12"].rate == 0.5 and items["W12"].category == "service"
    assert items["W12"].text == "模拟咨询答复准确" and items["W12"].category_name == "服务规范"
    categories = {c.category: c for c in q.category_totals(items.values())}
    assert (categories["service"].fails, categories["service"].items_failed) == (1, 1)
    assert (categories["discipline"].fails, categories["discipline"].applicable) == (2, 2)  # W01, W03 (W02 bad)
    assert (categories["efficiency"].fails, categories["efficiency"].applicable) == (1, 4)  # W14, W15, W16 twice
    ordered = q.findings_by_category(session, scope=whole(city), role=Role.leader, filters=F)
    assert ordered[0].category == "discipline"


def test_station_checks_and_kind_filter(session, city):
    make_inspection(session, station=city["st_a"], template=city["checks"],
                    answers=default_answers(session, city["checks"], mode="announced", S06=80, S28=1, S14="fair"))
    audit(session, city, "st_a", fail=("W01",))
    checks = by_code(q.findings_by_item(session, scope=whole(city), role=Role.leader,
                                        filters=q.AuditFilters(kind="station_check")))
    assert {c for c, f in checks.items() if f.fails} == {"S06", "S28", "S14"}  # area < 100, staff < 2, "fair"
    assert all(code.startswith("S") for code in checks)
    both = q.findings_by_item(session, scope=whole(city), role=Role.leader, filters=q.AuditFilters())
    assert {f.code for f in both if f.fails} == {"S06", "S28", "S14", "W01"}
    assert q.audit_counts(session, scope=whole(city), role=Role.leader, filters=q.AuditFilters()).audits == 2


def test_recurring_needs_enough_distinct_stations(session, city):
    for station in ("st_a", "st_a2", "st_b"):
        audit(session, city, station, fail=("W05",))
    audit(session, city, "st_a", fail=("W06",), on=date(2026, 9, 1))
    audit(session, city, "st_a", fail=("W06",), on=date(2026, 9, 2))
    audit(session, city, "st_a2", fail=("W06",))
    three = q.recurring_problems(session, scope=whole(city), role=Role.leader, filters=F, min_stations=3)
    assert [p.item.code for p in three] == ["W05"]
    assert {s["name"] for s in three[0].stations} == {"望江街道人社所", "临湖街道人社所", "青石镇人社所"}
    assert {s["county"] for s in three[0].stations} == {"东湖区", "西山县"}
    two = q.recurring_problems(session, scope=whole(city), role=Role.leader, filters=F, min_stations=2)
    assert [p.item.code for p in two] == ["W05", "W06"]
    w06 = two[1]
    assert [(s["name"], s["fails"]) for s in w06.stations] == [("望江街道人社所", 2), ("临湖街道人社所", 1)]
    assert w06.item.fails == 3
    assert q.findings_with_recurring(session, scope=whole(city), role=Role.leader, filters=F, min_stations=2) == (
        q.findings_by_item(session, scope=whole(city), role=Role.leader, filters=F), two)
    # one station failing twice is not a recurring problem across stations
    assert q.recurring_problems(session, scope=whole(city), role=Role.leader,
                                filters=q.AuditFilters(date_to=date(2026, 9, 30)), min_stations=2) == []


def test_coverage_lists_stations_not_audited_for_months(session, city):
    audit(session, city, "st_a", on=date(2026, 10, 15))
    audit(session, city, "st_a2", on=date(2026, 3, 1))
    make_inspection(session, station=city["st_b"], template=city["checks"], inspected_on=date(2026, 11, 2))
    result = q.coverage(session, scope=whole(city), role=Role.leader, filters=F, today=TODAY, months=6)
    assert result.since == date(2026, 5, 20) and result.stations == 3  # township stations only
    assert [(s["name"], s["last_inspected"]) for s in result.uncovered] == [
        ("青石镇人社所", None), ("临湖街道人社所", date(2026, 3, 1))]  # never first
    assert result.uncovered[1]["days_since"] == (TODAY - date(2026, 3, 1)).days
    assert result.uncovered[1]["county"] == "东湖区" and result.uncovered[1]["township"] == "临湖街道"
    # the period does not matter (coverage looks back from today); the kind does
    checks = q.coverage(session, scope=whole(city), role=Role.leader, today=TODAY, months=6,
                        filters=q.AuditFilters(kind="station_check", date_to=date(2026, 1, 31)))
    assert [s["name"] for s in checks.uncovered] == ["望江街道人社所", "临湖街道人社所"]  # in region order
    twelve = q.coverage(session, scope=whole(city), role=Role.leader, filters=F, today=TODAY, months=12)
    assert [s["name"] for s in twelve.uncovered] == ["青石镇人社所"]
    points = q.coverage(session, scope=whole(city), role=Role.leader, filters=F, today=TODAY,
                        station_kinds=("village_point",))
    assert [s["name"] for s in points.uncovered] == ["望江村便民服务站"]


def test_overdue_and_status_by_county(session, city):
    a = audit(session, city, "st_a", fail=("W01", "W02", "W03", "W04"))
    b = audit(session, city, "st_b", fail=("W01", "W05"))
    make_rectification(session, inspection=a, item_code="W01", due_on=date(2026, 11, 5))
    make_rectification(session, inspection=a, item_code="W02", due_on=date(2026, 11, 10),
                       status=RectificationStatus.reported, rejections=1)
    make_rectification(session, inspection=a, item_code="W03", due_on=date(2026, 10, 1),
                       status=RectificationStatus.closed)
    make_rectification(session, inspection=a, item_code="W04", due_on=TODAY)  # due today: not yet overdue
    make_rectification(session, inspection=b, item_code="W01", due_on=date(2026, 11, 19),
                       status=RectificationStatus.rechecked, responsible_person="李站长")
    make_rectification(session, inspection=b, item_code="W05", due_on=date(2026, 12, 1))
    overdue = q.overdue_rectifications(session, scope=whole(city), role=Role.leader, filters=F, today=TODAY)
    assert [(r["item_code"], r["days_overdue"]) for r in overdue] == [("W01", 15), ("W02", 10), ("W01", 1)]
    assert overdue[0]["station"] == "望江街道人社所" and overdue[0]["title"] == "按时开门办公"
    assert overdue[2]["responsible_person"] == "李站长" and overdue[2]["county"] == "西山县"
    assert overdue[1]["status"] == "reported" and overdue[1]["rejections"] == 1
    rows = q.rectification_status(session, scope=whole(city), role=Role.leader, filters=F, today=TODAY)
    assert [(r["name"], r["open"], r["reported"], r["rechecked"], r["closed"], r["overdue"]) for r in rows] == [
        ("东湖区", 2, 1, 0, 1, 2), ("西山县", 1, 0, 1, 0, 1)]
    totals = q.rectification_totals(rows)
    assert (totals["total"], totals["overdue"], totals["open"]) == (6, 3, 3)
    # a county's view breaks down by township
    county = q.rectification_status(session, scope=Scope((city["a"].path,)), role=Role.leader, filters=F,
                                     today=TODAY)
    assert [(r["name"], r["total"]) for r in county] == [("望江街道", 4)]


def test_a_county_sees_its_own_and_cannot_ask_for_another(session, city):
    audit(session, city, "st_a", fail=("W01",))
    audit(session, city, "st_b", fail=("W01", "W05"))
    county_a = Scope((city["a"].path,))
    items = by_code(q.findings_by_item(session, scope=county_a, role=Role.leader, filters=F))
    assert items["W01"].fails == 1 and "W05" not in {c for c, f in items.items() if f.fails}
    assert q.audit_counts(session, scope=county_a, role=Role.leader, filters=F).audits == 1
    assert [s["name"] for s in q.coverage(session, scope=county_a, role=Role.leader, filters=F,
                                          today=TODAY).uncovered] == ["临湖街道人社所"]
    foreign = q.AuditFilters(region_code=city["b"].area_code)
    for read in (q.findings_by_item, q.audit_counts, q.recurring_problems):
        with pytest.raises(OutOfScope):
            read(session, scope=county_a, role=Role.leader, filters=foreign)
    with pytest.raises(OutOfScope):
        q.coverage(session, scope=county_a, role=Role.leader, filters=foreign, today=TODAY)
    with pytest.raises(OutOfScope):
        q.circular(session, scope=county_a, filters=foreign, today=TODAY)
    # narrowing the city to county B shows B alone
    narrowed = q.audit_counts(session, scope=whole(city), role=Role.leader, filters=foreign)
    assert narrowed.audits == 1 and narrowed.stations == 1


def test_an_unpublished_covert_audit_is_invisible_to_the_cadre(session, city):
    covert = audit(session, city, "st_a", mode=InspectionMode.covert, fail=("W01", "W20"), published=False,
                   on=date(2026, 11, 10))
    make_rectification(session, inspection=covert, item_code="W20", due_on=date(2026, 11, 15))
    town = Scope((city["town_a"].path,))
    cadre = {"scope": town, "role": Role.cadre, "filters": F}
    assert q.findings_by_item(session, **cadre) == []
    assert q.audit_counts(session, **cadre).audits == 0
    assert q.overdue_rectifications(session, today=TODAY, **cadre) == []
    assert q.rectification_status(session, today=TODAY, **cadre) == []
    # not even its date: the station shows as never audited
    assert q.coverage(session, today=TODAY, **cadre).uncovered[0]["last_inspected"] is None
    # a county's leader does not see it either; inspectors and city-wide leaders do
    assert q.audit_counts(session, scope=Scope((city["a"].path,)), role=Role.leader, filters=F).audits == 0
    for role, view in ((Role.inspector, town), (Role.leader, whole(city))):
        assert by_code(q.findings_by_item(session, scope=view, role=role, filters=F))["W20"].fails == 1
        assert len(q.overdue_rectifications(session, scope=view, role=role, filters=F, today=TODAY)) == 1
    # the circular holds published work only, whoever asks
    assert q.circular(session, scope=whole(city), filters=F, today=TODAY).counts.audits == 0
    covert.published_at, covert.status = datetime(2026, 11, 18, 9, tzinfo=UTC), "published"
    session.add(covert)
    session.commit()
    assert q.audit_counts(session, **cadre).audits == 1
    assert q.circular(session, scope=town, filters=F, today=TODAY).counts.audits == 1


def test_pass_rate_by_month(session, city):
    audit(session, city, "st_a", on=date(2026, 9, 3))  # all met: model
    audit(session, city, "st_a2", on=date(2026, 9, 20), fail=("W01", "W02", "W03", "W05", "W06"))  # 75: rectify
    audit(session, city, "st_b", on=date(2026, 11, 2), fail=("W01",))
    months = q.pass_rate_by_month(session, scope=whole(city), role=Role.leader, today=TODAY,
                                  filters=q.AuditFilters(date_from=date(2026, 9, 1), kind="window_audit"))
    assert [(m["month"], m["audits"], m["passed"]) for m in months] == [(9, 2, 1), (10, 0, 0), (11, 1, 1)]
    assert months[0]["rate"] == 0.5 and months[1]["rate"] is None


def test_circular_content(session, city):
    bad = audit(session, city, "st_b", mode=InspectionMode.covert, on=date(2026, 10, 12),
                fail=("W01", "W02", "W03", "W04", "W05", "W06", "W07", "W08", "W09", "W20"))  # 53: fail
    bad.answers = {**bad.answers, "W20": {"value": "fail", "note": "收取材料费20元"}}
    session.add(bad)
    session.commit()
    audit(session, city, "st_a", on=date(2026, 10, 20))
    audit(session, city, "st_a2", on=date(2026, 9, 30), fail=("W01",))  # before the period
    make_rectification(session, inspection=bad, item_code="W20", due_on=date(2026, 10, 27))
    make_rectification(session, inspection=bad, item_code="W01", due_on=date(2026, 11, 3),
                       status=RectificationStatus.closed)
    october = q.AuditFilters(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))
    doc = q.circular(session, scope=whole(city), filters=october, today=TODAY)
    assert doc.filters.kind == InspectionKind.window_audit
    assert [a["station"] for a in doc.audits] == ["青石镇人社所", "望江街道人社所"]
    assert (doc.counts.audits, doc.counts.negative, doc.failed_findings) == (2, 1, 10)
    assert [n["station"] for n in doc.negatives] == ["青石镇人社所"]
    findings = doc.negatives[0]["findings"]
    assert len(findings) == 10 and findings[0]["code"] == "W01"
    assert (findings[-1]["code"], findings[-1]["note"]) == ("W20", "收取材料费20元")
    assert doc.requirements == [{"station": "青石镇人社所", "township": "青石镇", "county": "西山县",
                                 "items": ["无违规收费，无黄牛代办", "按时开门办公"], "due_on": date(2026, 11, 3),
                                 "responsible_person": "王所长", "closed": 1}]
    assert (doc.status["total"], doc.status["closed"], doc.status["overdue"]) == (2, 1, 1)


def test_filters_from_a_url_are_checked():
    assert q.AuditFilters.from_dict({"date_from": ["2026-10-01"], "kind": "window_audit", "mode": "covert"}) == \
        q.AuditFilters(date_from=date(2026, 10, 1), kind="window_audit", mode="covert")
    assert q.AuditFilters.from_dict({"date_from": "2026-13-01", "mode": "psychic"}) == q.AuditFilters()
    with pytest.raises(Exception) as error:
        q.AuditFilters.from_dict({"date_to": "yesterday"}, strict=True)
    assert error.value.field == "date_to"
    swapped = q.AuditFilters.from_dict({"date_from": "2026-10-31", "date_to": "2026-10-01"})
    assert (swapped.date_from, swapped.date_to) == (date(2026, 10, 1), date(2026, 10, 31))
    assert q.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
