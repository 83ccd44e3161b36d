"""The audit-to-rectification loop in headless Chromium, on a demo city of its own: an inspector
records an online window audit with a failed item and its photo; the audited station cannot see
it until it is published; its cadre then reports the fix with a photo; a second inspector
re-checks and closes it (销号)."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlmodel import Session, select

from data.db import make_engine
from data.models import (
    Inspection,
    Rectification,
    RectificationStatus,
    Region,
    Role,
    Station,
    StationKind,
    User,
    UserRegion,
)
from data.security import hash_password
from tests.browser.steps import DESKTOP, PHONE, Watch, open_page, sign_in
from tests.conftest import ARTIFACTS, LiveServer, app_config

pytestmark = pytest.mark.browser

SECOND_PASSWORD = "second-inspector-pw"


@pytest.fixture(scope="module")
def flow_server(databases, demo_source, tmp_path_factory):
    """A demo city of its own (this test changes it), served live, with a second inspector."""
    from app import create_app

    url = databases.fresh_url("inspections", demo_source)  # a demo city of its own
    engine = make_engine(url)
    with Session(engine) as session:
        second = session.exec(select(User).where(User.role == Role.inspector, User.username != "inspector")
                              .order_by(User.id)).first()
        second.password_hash = hash_password(SECOND_PASSWORD)
        session.add(second)
        session.commit()
        cadre = session.exec(select(User).where(User.username == "cadre")).one()
        township_id = session.exec(select(UserRegion.region_id).where(UserRegion.user_id == cadre.id)).first()
        station = session.exec(select(Station).where(Station.township_id == township_id,
                                                     Station.kind == StationKind.township_station)).one()
        township = session.get(Region, township_id)
        facts = {"second": second.username, "second_name": second.display_name, "station": station.name,
                 "station_id": station.id, "township": township.name}
    engine.dispose()
    app = create_app(app_config(url))
    server = LiveServer(app).start()
    server.facts = facts
    server.engine = app.extensions["engine"]
    yield server
    server.stop()
    app.extensions["engine"].dispose()


def photo_file(tmp_path, colour) -> str:
    path = tmp_path / f"photo-{colour[0]}.jpg"
    Image.new("RGB", (2400, 1800), colour).save(path, "JPEG")
    return str(path)


def choose(page, group_id: str, value: str) -> None:
    page.locator(f"[id='{group_id}'] input[value='{value}']").check()


def item_id(code: str) -> str:
    return json.dumps({"code": code, "type": "insp-value"}, separators=(",", ":"))


def open_row(page, text: str) -> None:
    row = page.locator(".ag-row", has_text=text).first
    row.wait_for()
    row.click()
    page.locator("#rect-detail").get_by_text(text).first.wait_for()


def open_on_stations_page(page, base: str, station: str) -> int:
    """The league table's count of open rectifications for a station, as /stations shows it."""
    open_page(page, f"{base}/stations")
    row = page.locator("#stations-league .ag-row", has_text=station).first
    row.wait_for()
    return int(row.locator("[col-id='open']").inner_text().strip() or 0)


def closed_on_audits_page(page, base: str) -> int:
    """The audits page's count of closed rectifications (已销号 N 项) for its default period."""
    open_page(page, f"{base}/audits")
    card = page.locator("#audits-kpi-rectifications")
    card.wait_for()
    return int(re.search(r"已销号 ([\d,]+) 项", card.inner_text()).group(1).replace(",", ""))


def test_audit_to_rectification_loop(browser, flow_server, tmp_path):
    base, facts = flow_server.url, flow_server.facts

    # 1. the inspector records an online test of the cadre's station, failing 四公开 with a photo
    inspector = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = inspector.new_page()
    watch = Watch(page)
    sign_in(page, base, "inspector", lands="/todo")
    page.goto(f"{base}/inspect")
    page.locator("#inspect-mode").select_option("online")
    page.locator(f"[id='{item_id('W06')}']").wait_for()
    page.locator("#inspect-station").click()
    page.keyboard.type(facts["station"])  # thousands of stations: search, then pick
    page.get_by_role("option", name=f"{facts['station']} · {facts['township']}", exact=True).click()
    page.locator("#inspect-auditors").click()
    page.keyboard.type(facts["second_name"])
    page.get_by_role("option", name=f"{facts['second_name']}（督查员）", exact=True).click()
    page.keyboard.press("Escape")
    choose(page, item_id("W06"), "fail")
    # one failed answer among unanswered items is no verdict: no score, no grade until all are in
    page.locator("#inspect-unscored").wait_for()
    assert page.locator("#inspect-score").count() == 0
    for code in ("W08", "W11"):
        choose(page, item_id(code), "pass")
    choose(page, item_id("W12"), "accurate")
    choose(page, item_id("W06"), "fail")
    # online, four items apply (21 points); 四公开 weighs 5: 16 / 21 = 76.2, fix by deadline
    page.wait_for_function("() => document.querySelector('#inspect-score')?.innerText === '76.2'")
    assert page.locator("#inspect-grade").inner_text() == "限期整改"
    page.click("#inspect-submit")
    # the refusal at its item (marked, scrolled to), the button's note saying where to look
    page.locator("#inspect-error").wait_for()
    assert "请按标出的位置修改" in page.locator("#inspect-error").inner_text()
    at_item = page.locator("[id='{\"code\":\"W06\",\"type\":\"insp-item-error\"}']")
    assert "W06" in at_item.inner_text() and "拍照" in at_item.inner_text()
    page.wait_for_selector("#item-W06.field-invalid")
    page.wait_for_function("() => { const r = document.getElementById('item-W06').getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    upload = page.locator("[id='{\"code\":\"W06\",\"type\":\"insp-upload\"}'] input[type=file]")
    upload.set_input_files(photo_file(tmp_path, (200, 60, 40)))
    page.locator("[id='{\"code\":\"W06\",\"type\":\"insp-thumbs\"}'] img").wait_for()
    page.fill("[id='{\"code\":\"W06\",\"type\":\"insp-note\"}']", "公示栏未公开收费标准")
    page.fill("#inspect-summary", "网上测评发现四公开不到位。")
    page.click("#inspect-submit")
    page.locator("#inspect-done").wait_for()
    page.screenshot(path=str(ARTIFACTS / "inspect-recorded.png"), full_page=True)
    with Session(flow_server.engine) as session:
        inspection = session.exec(select(Inspection).order_by(Inspection.id.desc())).first()
        assert (inspection.station_id, inspection.mode, inspection.score) == (facts["station_id"], "online", 76.2)
        assert inspection.published_at is None and len(inspection.auditor_ids) == 2
        photo = inspection.answers["W06"]["photos"][0]
        assert inspection.answers["W06"]["note"] == "公示栏未公开收费标准"
        assert session.exec(select(Rectification).where(Rectification.inspection_id == inspection.id)).all() == []

    # 2. before publishing, the station's cadre sees neither the audit's photo nor a rectification
    station = browser.new_context(viewport=PHONE, locale="zh-CN")
    cadre = station.new_page()
    cadre_watch = Watch(cadre)
    sign_in(cadre, base, "cadre", lands="/todo")
    assert cadre.request.get(f"{base}/photos/{photo}").status == 404
    assert page.request.get(f"{base}/photos/{photo}").status == 200
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    cadre_desk = desk.new_page()
    sign_in(cadre_desk, base, "cadre", lands="/todo")
    open_before = open_on_stations_page(cadre_desk, base, facts["station"])

    # 2b. a second inspector returns it (审核: 退回) from the list waiting for the circular; the
    # inspector opens it from the to-do list, finds the form as sent, edits it under its number
    second = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    checker = second.new_page()
    checker_watch = Watch(checker)
    sign_in(checker, base, facts["second"], SECOND_PASSWORD, lands="/todo")
    checker.goto(f"{base}/inspect")
    checker.locator(f"[id='{{\"id\":{inspection.id},\"type\":\"insp-return-note\"}}']").fill("请在小结中写明测评的网址")
    checker.locator(f"[id='{{\"id\":{inspection.id},\"type\":\"insp-return\"}}']").click()
    checker.get_by_text("已退回，检查人员修改后重新提交").wait_for()
    page.goto(f"{base}/todo")
    page.locator(f"#todo-audit_returned a[href='/inspect?edit={inspection.uuid}']").click()
    page.locator("#inspect-editing").get_by_text("请在小结中写明测评的网址").wait_for()
    # the answers, photo and summary as sent, scored again
    page.wait_for_function("() => document.querySelector('#inspect-score')?.innerText === '76.2'")
    assert page.locator("#inspect-summary").input_value() == "网上测评发现四公开不到位。"
    page.fill("#inspect-summary", "网上测评（市政务服务网）发现四公开不到位。")
    page.click("#inspect-submit")
    page.locator("#inspect-done").get_by_text("第 2 版").wait_for()
    page.screenshot(path=str(ARTIFACTS / "inspect-edited.png"), full_page=True)
    with Session(flow_server.engine) as session:
        edited = session.get(Inspection, inspection.id)
        assert (edited.revision, edited.review_status, edited.score) == (2, None, 76.2)
        assert edited.summary == "网上测评（市政务服务网）发现四公开不到位。"
        assert edited.answers["W06"]["photos"] == [photo]
        assert session.exec(select(sa.func.count()).select_from(Inspection)
                            .where(Inspection.station_id == facts["station_id"],
                                   Inspection.created_at >= inspection.created_at)).one() == 1

    # 3. the inspector publishes it from the list waiting for the circular
    page.locator(f"[id='{{\"id\":{inspection.id},\"type\":\"insp-publish\"}}']").click()
    page.get_by_text("已通报，生成整改事项 1 项。").wait_for()
    with Session(flow_server.engine) as session:
        rect = session.exec(select(Rectification).where(Rectification.inspection_id == inspection.id)).one()
    assert cadre.request.get(f"{base}/photos/{photo}").status == 200
    assert open_on_stations_page(cadre_desk, base, facts["station"]) == open_before + 1

    # 4. the cadre reports the fix with a photo
    cadre.goto(f"{base}/rectifications?status=open")
    open_row(cadre, "“四公开”到位")  # the demo's open items are others
    cadre.fill("#rect-report-text", "已在公示栏补充收费标准并拍照留存。")
    cadre.locator("#rect-report-upload input[type=file]").set_input_files(photo_file(tmp_path, (40, 160, 60)))
    cadre.locator("#rect-report-upload-thumbs img").wait_for()
    cadre.click("#rect-report-submit")
    cadre.locator("#rect-done").wait_for()
    detail = cadre.locator("#rect-detail")
    detail.get_by_text("已报送，等待他人复查").wait_for()
    assert "“四公开”到位" in detail.inner_text() and "已在公示栏补充收费标准" in detail.inner_text()
    cadre.screenshot(path=str(ARTIFACTS / "rectification-reported-phone.png"), full_page=True)
    assert cadre.locator("#rect-check-pass").count() == 0  # a reporter never re-checks

    # 5. a second inspector re-checks and closes it
    closed_before = closed_on_audits_page(checker, base)
    # from their to-do list: the fix waits there for a re-check (a link to the rectification itself)
    checker.goto(f"{base}/todo")
    checker.locator(f"#todo-recheck a[href='/rectifications?rect={rect.id}']").click()
    checker.wait_for_url(f"{base}/rectifications?rect={rect.id}")
    checker.locator("#rect-detail").get_by_text("“四公开”到位").first.wait_for()
    checker.fill("#rect-check-note", "经复查，已公开收费标准。")
    checker.click("#rect-check-pass")
    checker.locator("#rect-done").wait_for()
    detail = checker.locator("#rect-detail")
    detail.get_by_text("销号", exact=True).wait_for()
    assert "“四公开”到位" in detail.inner_text() and "经复查，已公开收费标准。" in detail.inner_text()
    checker.screenshot(path=str(ARTIFACTS / "rectification-closed.png"), full_page=True)
    with Session(flow_server.engine) as session:
        rect = session.get(Rectification, rect.id)
        assert rect.status == RectificationStatus.closed and rect.closed_at is not None
        reporter = session.exec(select(User).where(User.username == "cadre")).one()
        assert rect.reported_by == reporter.id and rect.rechecked_by != reporter.id
        assert rect.report == "已在公示栏补充收费标准并拍照留存。"

    # the stations page and the audits page reflect it
    assert open_on_stations_page(cadre_desk, base, facts["station"]) == open_before
    assert closed_on_audits_page(checker, base) == closed_before + 1
    checker.screenshot(path=str(ARTIFACTS / "audits-after-closing.png"), full_page=True)

    for w in (watch, cadre_watch, checker_watch):
        # a request cut short by the test moving on to the next page is not a failure
        failed = [f for f in w.failed if "ERR_ABORTED" not in f]
        assert w.errors == [] and w.hosts <= {"127.0.0.1"} and failed == []
    for context in (inspector, station, second, desk):
        context.close()
