"""/audits through real Dash callback requests, and its circular route: scoped figures, refusals
for regions outside the user's, covert audits kept from the cadre, the circular's content,
its errors and its escaping."""

from datetime import date

import pytest

from data.models import InspectionMode, RectificationStatus, Role
from tests.conftest import contains
from tests.dash_calls import call
from tests.factories import (
    PASSWORD,
    default_answers,
    make_city,
    make_inspection,
    make_rectification,
    make_station,
    make_template,
    make_users,
)
from tests.test_overview import _find, _text

PERIOD = {"date_from": "2026-01-01", "date_to": "2026-11-20", "kind": "window_audit"}
EVIL = "<script>alert('x')</script>所"


@pytest.fixture
def city(session):
    city = make_city(session)
    window = make_template(session, kind="window_audit")
    city["st_a"] = make_station(session, township=city["town_a"])
    city["st_b"] = make_station(session, township=city["town_b"], name=EVIL)

    def audit(station, *, on, fail=(), mode="overt", published=True, note=None):
        answers = default_answers(session, window, mode=mode, fail=fail)
        if note:
            answers[fail[0]]["note"] = note
        return make_inspection(session, station=city[station], template=window, answers=answers, mode=mode,
                               inspected_on=on, published=published)

    city["a_ok"] = audit("st_a", on=date(2026, 10, 9), fail=("W20",))  # 95 points: model
    # 53 points: graded fail, a negative case for the circular
    city["b_bad"] = audit("st_b", on=date(2026, 10, 14), fail=("W20", "W01", "W02", "W03", "W04", "W05", "W06", "W07",
                                                                "W08", "W09"), note="<img src=x onerror=alert(1)>")
    city["a_covert"] = audit("st_a", on=date(2026, 11, 12), mode=InspectionMode.covert, fail=("W03",),
                             published=False)
    make_rectification(session, inspection=city["b_bad"], item_code="W20", due_on=date(2026, 10, 28))
    make_rectification(session, inspection=city["b_bad"], item_code="W01", due_on=date(2026, 10, 28),
                       status=RectificationStatus.closed)
    make_rectification(session, inspection=city["a_covert"], item_code="W03", due_on=date(2026, 11, 19))
    make_users(session, city, leader=(Role.leader, "city"), county=(Role.leader, "a"), cadre=(Role.cadre, "town_a"),
               inspector=(Role.inspector, "city"), officer=(Role.case_officer, "a"))
    return city


def sign_in(client, username):
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def kpis(client, filters):
    out = call(client, [("audits-kpis", "children")], [("audits-filters", "data", filters),
                                                      ("audits-coverage-months", "value", "6")])
    return out["audits-kpis"]["children"]


def kpi(tree, card_id) -> str:
    return _text(_find(tree, card_id))


def findings(client, filters):
    return call(client, [("audits-by-category", "children"), ("audits-top-items", "children"),
                         ("audits-recurring", "children")],
                [("audits-filters", "data", filters), ("audits-min-stations", "value", "2")])


def rectifications(client, filters):
    return call(client, [("audits-rect-status", "children"), ("audits-overdue", "rowData"),
                         ("audits-overdue-note", "children")], [("audits-filters", "data", filters)])


def coverage(client, filters):
    return call(client, [("audits-coverage", "rowData"), ("audits-coverage-note", "children")],
                [("audits-filters", "data", filters), ("audits-coverage-months", "value", "6")])


def test_the_leader_sees_the_city(client, city):
    sign_in(client, "leader")
    tree = kpis(client, PERIOD)
    assert kpi(tree, "audits-kpi-audits").startswith("督查次数3次")  # the unpublished covert audit too
    assert "66.7%" in kpi(tree, "audits-kpi-pass-rate")  # 2 of 3 graded model or standard
    assert kpi(tree, "audits-kpi-findings").startswith("发现问题12项")
    assert kpi(tree, "audits-kpi-rectifications").startswith("待整改 / 超期2 / 2项")
    out = findings(client, PERIOD)
    assert out["audits-by-category"]["children"]["type"] == "Graph"
    bars = out["audits-top-items"]["children"]["props"]["figure"]["data"][0]
    assert any(label.startswith("W03") for label in bars["y"])
    rows = rectifications(client, PERIOD)["audits-overdue"]["rowData"]
    assert sorted((r["item"][:3], r["days_overdue"]) for r in rows) == [("W03", 1), ("W20", 23)]
    link = call(client, [("audits-circular-link", "href")], [("audits-filters", "data", {
        **PERIOD, "region_code": city["b"].area_code, "mode": "covert"})])
    assert link["audits-circular-link"]["href"] == (
        f"/audits/circular?from=2026-01-01&to=2026-11-20&region={city['b'].area_code}&mode=covert")


def test_a_foreign_region_is_refused_in_every_callback(client, city):
    sign_in(client, "county")
    own = kpis(client, PERIOD)
    assert kpi(own, "audits-kpi-audits").startswith("督查次数1次")  # county A, published only
    foreign = {**PERIOD, "region_code": city["b"].area_code}
    refused = "不在您的管辖范围"
    tree = kpis(client, foreign)
    assert refused in _text(tree) and _find(tree, "audits-kpi-audits") is None
    for part in findings(client, foreign).values():
        assert refused in _text(part["children"]) and "figure" not in str(part)
    pass_rate = call(client, [("audits-pass-rate", "children")], [("audits-filters", "data", foreign)])
    assert refused in _text(pass_rate["audits-pass-rate"]["children"])
    rect = rectifications(client, foreign)
    assert rect["audits-overdue"]["rowData"] == [] and refused in _text(rect["audits-rect-status"]["children"])
    cover = coverage(client, foreign)
    assert cover["audits-coverage"]["rowData"] == [] and refused in _text(cover["audits-coverage-note"]["children"])
    # an unknown code is refused the same way
    assert refused in _text(kpis(client, {**PERIOD, "region_code": "123456789012"}))


def test_the_cadre_does_not_learn_of_an_unpublished_covert_audit(client, city):
    sign_in(client, "cadre")
    tree = kpis(client, PERIOD)
    assert kpi(tree, "audits-kpi-audits").startswith("督查次数1次")
    assert kpi(tree, "audits-kpi-rectifications").startswith("待整改 / 超期0 / 0项")
    assert rectifications(client, PERIOD)["audits-overdue"]["rowData"] == []
    rows = coverage(client, PERIOD)["audits-coverage"]["rowData"]
    assert rows == []  # audited on 9 October (published); 12 November stays unknown to the cadre
    assert kpi(tree, "audits-kpi-uncovered").startswith("未覆盖站所0")


def test_other_roles_get_no_figures(app, client, city):
    # the page's own check, behind the guard's refusal of other roles' callbacks (test_guard.py)
    app.extensions["callback_roles"] = ()
    sign_in(client, "officer")
    assert "无权查看" in _text(kpis(client, PERIOD))
    assert client.get("/audits/circular?from=2026-10-01&to=2026-10-31").status_code == 403


def test_circular_of_a_month(client, city):
    sign_in(client, "inspector")
    response = client.get("/audits/circular?from=2026-10-01&to=2026-10-31")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "关于2026年10月人社窗口明察暗访情况的通报" in page
    assert "@page" in page and "size: A4" in page
    assert "望江街道人社所" in page
    assert "明察暗访 2 次" in page and "明查 2 次" in page  # the covert November audit is outside the period
    assert "评定示范 1 次" in page and "不达标 1 次" in page
    assert "共发现问题 11 项" in page
    assert "2 个站所存在此问题" in page  # W20, at both stations
    assert "收费" in page  # W20, the negative case's finding
    assert "共需整改 2 项：已销号 1 项" in page and "超过整改期限 1 项" in page
    # everything user-typed is escaped
    # (in the audits table, the recurring problem, the negative case and the rectification tasks)
    assert EVIL not in page and page.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;所") == 4
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    # no navigation and nothing from another host
    assert "shell-navbar" not in page and "http://" not in page and "https://" not in page


def test_circular_holds_published_audits_only(client, city):
    sign_in(client, "inspector")
    page = client.get("/audits/circular?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "本期没有已通报的明察暗访记录" in page and "明察暗访 0 次" in page


def test_circular_region_and_errors(client, city):
    sign_in(client, "county")
    own = client.get(f"/audits/circular?from=2026-10-01&to=2026-10-31&region={city['a'].area_code}")
    assert own.status_code == 200 and contains(own.get_data(as_text=True), "通报范围：东湖区")
    assert "alert(&#39;x&#39;)" not in own.get_data(as_text=True)  # county B's station
    assert client.get(f"/audits/circular?from=2026-10-01&to=2026-10-31&region={city['b'].area_code}"
                      ).status_code == 404
    assert client.get("/audits/circular?from=2026-10-01&to=2026-10-31&region=123456789012").status_code == 404
    for query, message in (("from=2026-10-01", "请指定通报期间"), ("from=2026-10-01&to=2026-10-32", "YYYY-MM-DD"),
                           ("from=2026-10-31&to=2026-10-01", "开始日期不能晚于结束日期"),
                           ("from=01/10/2026&to=2026-10-31", "YYYY-MM-DD"),
                           ("from=2026-10-01&to=2026-10-31&mode=psychic", "无效的筛选值")):
        response = client.get(f"/audits/circular?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page and 'href="/audits"' in page, query
    # a bare link or bookmark opens the page's own default period (this year to today), region kept
    bare = client.get(f"/audits/circular?region={city['a'].area_code}")
    assert bare.status_code == 302 and bare.headers["Location"] == (
        f"/audits/circular?region={city['a'].area_code}&from=2026-01-01&to=2026-11-20")
    assert client.get(bare.headers["Location"]).status_code == 200


def test_circular_needs_a_login(client, city):
    response = client.get("/audits/circular?from=2026-10-01&to=2026-10-31")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
