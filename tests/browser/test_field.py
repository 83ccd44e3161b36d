"""The field app (/field/) in headless Chromium on a phone's screen, against a live server with a
demo city of its own.

The acceptance run: sign in, go offline, record a walkthrough with three findings and a photo, a
work log and a window audit; reload while offline (all still there); stop the server, come back
online while it is down (nothing is lost, it keeps waiting), start it again: every record
arrives exactly once and shows where the dashboards show them. Then: a revoked device session
while records wait (sign in again, sending continues), and a browser without service workers
that works online and gets a record the server refused back to fix and send again.
"""

from __future__ import annotations

import re
import threading
import uuid as uuid_lib
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from data.db import make_engine
from data.models import (
    Attachment,
    Inspection,
    ServiceItem,
    Station,
    StationKind,
    User,
    UserRegion,
    Walkthrough,
    WalkthroughFinding,
    WorkLog,
)
from data.queries.users import get_user_scope
from data.services import users as user_service
from data.services.common import Actor
from data.services.review import review
from tests.browser.steps import DESKTOP, sign_in
from tests.conftest import ARTIFACTS, TODAY, app_config, eventually, free_port

pytestmark = pytest.mark.browser

PIXEL_5 = {
    "viewport": {"width": 393, "height": 851}, "device_scale_factor": 2.75, "is_mobile": True, "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/124.0.0.0 Mobile Safari/537.36",
}


class RestartableServer:
    """The app on a fixed port that can be stopped (socket closed: connections are refused)
    and started again, as a server that goes down and comes back."""

    def __init__(self, app):
        self.app, self.port = app, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None

    def start(self):
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._server = None


@pytest.fixture(scope="module")
def field_server(databases, demo_source):
    from app import create_app

    url = databases.fresh_url("field", demo_source)  # a demo city of its own
    engine = make_engine(url)
    with Session(engine) as session:
        admin = session.exec(select(User).where(User.username == "admin")).one()
        cadre = session.exec(select(User).where(User.username == "cadre")).one()
        township_id = session.exec(select(UserRegion.region_id).where(UserRegion.user_id == cadre.id)).first()
        station = session.exec(select(Station).where(Station.township_id == township_id,
                                                     Station.kind == StationKind.township_station)).one()
        inspector = session.exec(select(User).where(User.username == "inspector")).one()
        facts = {"admin_id": admin.id, "cadre_id": cadre.id, "station_id": station.id, "station": station.name,
                 "inspector": inspector.display_name}
    engine.dispose()
    app = create_app(app_config(url))
    server = RestartableServer(app).start()
    server.facts, server.engine = facts, app.extensions["engine"]
    yield server
    if server._server is not None:
        server.stop()
    app.extensions["engine"].dispose()


class PhoneWatch:
    """Page errors and every host the phone talks to. Failed loads while offline are expected
    and are not errors; an exception in our code is."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and "net::ERR_" not in msg.text
                and "Failed to load resource" not in msg.text and self.errors.append(msg.text))
        page.on("request", lambda req: req.url.startswith(("blob:", "data:"))  # the phone's own photos
                or self.hosts.add(urlsplit(req.url).hostname or req.url.split(":")[0]))


def photo(tmp_path, name: str, colour) -> str:
    path = tmp_path / f"{name}.jpg"
    Image.new("RGB", (2400, 1800), colour).save(path, "JPEG")  # bigger than the 1600 px the phone keeps
    return str(path)


def field_sign_in(page, username: str, password: str = "hrss-demo"):
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#login-submit").click()


def signed_in_phone(browser, base: str, username: str, *, service_workers: str = "block",
                    init_script: str | None = None):
    """A Pixel 5 in Chinese with the field app open and `username` signed in: (context, page, watch)."""
    context = browser.new_context(**PIXEL_5, locale="zh-CN", service_workers=service_workers)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    watch = PhoneWatch(page)
    page.goto(f"{base}/field/")
    field_sign_in(page, username)
    return context, page, watch


def field_settled(page):
    """The app has shown its home and its first sync pass after signing in is over."""
    page.wait_for_function("() => document.documentElement.dataset.sync === 'idle'")


def chip(page, path: str, text: str):
    page.locator(f"[data-path='{path}'] label.chip", has_text=text).first.click()


def answer(page, code: str, value: str):
    page.locator(f"#item-{code} label.seg-opt:has(input[value='{value}'])").click()


def outbox_statuses(page) -> list[str]:
    page.goto(page.url.split("#")[0] + "#/outbox")
    page.locator("#outbox-list, .empty").first.wait_for()
    return page.locator("#outbox-list .outbox-row").evaluate_all("rows => rows.map(r => r.dataset.status)")


def wait_sent(page, uuid: str, timeout: float | None = None):
    """Wait until the outbox shows the record sent; on failure say what the phone holds."""
    row = page.locator(f"#outbox-list .outbox-row[data-uuid='{uuid}'][data-status='sent']")
    try:
        row.wait_for(timeout=timeout)
    except Exception:
        held = page.evaluate("""() => new Promise(resolve => {
          const r = indexedDB.open('hrss-field');
          r.onsuccess = () => { const q = r.result.transaction('records').objectStore('records').getAll();
            q.onsuccess = () => resolve(q.result.map(x => [x.uuid, x.status, x.error, x.last_error, x.attempts])); };
        })""")
        raise AssertionError(f"not sent; view {page.url}; records {held}") from None


def shoot(page, name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"field-{name}.png"), full_page=True)


def counts(engine, user_id: int) -> dict:
    with Session(engine) as session:
        one = lambda q: session.exec(q).one()  # noqa: E731
        return {
            "walkthroughs": one(select(func.count()).select_from(Walkthrough).where(Walkthrough.user_id == user_id)),
            "work_logs": one(select(func.count()).select_from(WorkLog).where(WorkLog.user_id == user_id)),
            "inspections": one(select(func.count()).select_from(Inspection)
                               .where(Inspection.lead_auditor_id == user_id)),
            "photos": one(select(func.count()).select_from(Attachment).where(Attachment.uploaded_by == user_id)),
        }


def submit(page, *, shot: str) -> None:
    """The form as filled, photographed; then submitted, which shows the outbox."""
    shoot(page, shot)
    page.locator("#submit").click()
    page.locator("#outbox-list").wait_for()


def new_walkthrough(page, service: str, channel: str, mode: str) -> str:
    """Start a walkthrough from the home screen: its service, channel and mode chosen; its UUID."""
    page.locator("#new-walkthrough").click()
    page.locator("#walk-service").select_option(service)
    chip(page, "channel", channel)
    chip(page, "mode", mode)
    return page.url.rsplit("/", 1)[1]


def record_walkthrough(page, tmp_path) -> str:
    page.locator("#new-walkthrough").click()
    page.locator("#walk-service").wait_for()
    record_uuid = page.url.rsplit("/", 1)[1]
    page.locator("#walk-service").select_option("pension_transfer")
    chip(page, "channel", "窗口")
    chip(page, "mode", "亲身办")
    page.locator("#walk-place").fill("示范镇人社所大厅")
    for step in ("咨询", "受理"):
        page.get_by_role("button", name=f"+ {step}").click()
        page.get_by_role("button", name=f"开始 {step}").click()
        expect(page.locator(".clock").last).not_to_have_text("00:00")  # it has run for a second
        page.get_by_role("button", name=f"停止 {step}").click()
    page.get_by_role("button", name="增加 跑动次数").click()
    chip(page, "materials_asked", "居民身份证")
    page.locator("#walk-extra").fill("户口本复印件")
    page.locator("#walk-extra").press("Enter")
    findings = {
        "issue": "要求提供办事指南以外的材料（户口本复印件）",
        "need": "希望提供养老保险转移的网上办理指引",
        "fix": "清理规范办事材料，统一对外公布",
    }
    for kind, text in findings.items():
        page.locator(f"#add-{kind}").click()
        card = page.locator(f"#findings-{kind} .finding").last
        card.locator("select").select_option(index=1)
        card.locator("textarea").first.fill(text)
        if kind == "fix":
            card.locator("textarea").nth(1).fill("业务科牵头，一周内完成清理")
            card.locator("[data-path$='.owner'] input").fill("业务科")
            card.locator("input[type=date]").fill("2026-12-20")
        if kind == "issue":
            card.locator("input[type=file]").set_input_files(photo(tmp_path, "issue", (180, 70, 50)))
            card.locator(".thumb img").wait_for()
    # the draft is on the phone before it is submitted
    submit(page, shot="walkthrough")
    return record_uuid


def record_work_log(page, tmp_path, facts, *, station: bool = True) -> str:
    page.goto(page.url.split("#")[0] + "#/")
    page.locator("#new-work_log").click()
    page.locator("#log-done").wait_for()
    record_uuid = page.url.rsplit("/", 1)[1]
    if station:
        page.locator("[data-path='station_id'] select").select_option(str(facts["station_id"]))
    chip(page, "work_types", "政策宣传")
    chip(page, "work_types", "矛盾调解")
    page.locator("#log-done").fill("走访3家企业宣传欠薪治理政策，调解一起工资纠纷。")
    page.locator("#log-solved").fill("协调企业当场支付拖欠工资2.3万元。")
    page.get_by_role("button", name="增加 服务群众（人次）").click()
    page.locator("[data-path='people_served'] input").fill("12")
    page.locator("[data-path='photos'] input[type=file]").set_input_files(photo(tmp_path, "log", (60, 120, 70)))
    page.locator("[data-path='photos'] .thumb img").wait_for()
    submit(page, shot="work-log")
    return record_uuid


def record_window_audit(page, tmp_path, facts) -> str:
    page.goto(page.url.split("#")[0] + "#/")
    page.locator("#new-window_audit").click()
    page.locator("#score").wait_for()
    record_uuid = page.url.rsplit("/", 1)[1]
    chip(page, "mode", "网上测评")
    page.locator("[data-path='station_id'] select").select_option(str(facts["station_id"]))
    chip(page, "auditor_ids", facts["inspector"])
    answer(page, "W06", "fail")
    # one failed answer with three to go is no verdict: no score, no grade yet
    assert page.locator("#score-total").inner_text() == "—" and page.locator("#score-grade").inner_text() == ""
    for code in ("W08", "W11"):
        answer(page, code, "pass")
    answer(page, "W12", "accurate")
    # the live preview, as the server scores it: online, four items apply (21 points), 四公开 weighs 5
    page.wait_for_function("() => document.querySelector('#score-total').textContent === '76.2'")
    assert page.locator("#score-grade").inner_text() == "限期整改"
    page.locator("#submit").click()  # refused on the phone: a failed item needs its photo
    page.locator("[data-path='answers.W06.photos'] .field-error, #item-W06 .field-error").first.wait_for()
    page.locator("#item-W06 input[type=file]").set_input_files(photo(tmp_path, "audit", (200, 60, 40)))
    page.locator("#item-W06 .thumb img").wait_for()
    page.locator("#item-W06 input[placeholder='备注']").fill("网站未公开收费标准")
    page.locator("#audit-summary").fill("网上测评：四公开不到位。")
    submit(page, shot="audit")
    return record_uuid


def logs_this_month(engine, user_id: int) -> int:
    """The overview's 本月工作日志: the cadre-days filed this month (data.queries.logs.filing)."""
    from data.queries.overview import overview_figures
    from data.queries.users import get_user_scope

    with Session(engine) as session:
        return overview_figures(session, scope=get_user_scope(session, user_id=user_id), today=TODAY).logs_this_month


def test_offline_records_arrive_exactly_once(browser, field_server, tmp_path):
    base, facts, engine = field_server.url, field_server.facts, field_server.engine
    before = counts(engine, facts["admin_id"])
    logs_before = logs_this_month(engine, facts["admin_id"])
    context, page, watch = signed_in_phone(browser, base, "admin", service_workers="allow")
    page.locator("#new-walkthrough").wait_for()
    # the service worker controls the page once it has cached the shell
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    field_settled(page)
    shoot(page, "home")

    context.set_offline(True)
    page.locator("#net", has_text="离线").wait_for()
    walk = record_walkthrough(page, tmp_path)
    log = record_work_log(page, tmp_path, facts)
    audit = record_window_audit(page, tmp_path, facts)
    assert outbox_statuses(page) == ["waiting"] * 3
    shoot(page, "outbox-offline")

    # reload with no network: the shell comes from the service worker, the records from IndexedDB
    page.reload()
    assert outbox_statuses(page) == ["waiting"] * 3
    page.goto(f"{base}/field/#/r/{walk}")
    page.locator("#record-status", has_text="待发送").wait_for()
    # the thumbnails are drawn from IndexedDB after the form: wait for the photo, then count
    page.locator(".finding .thumb img").first.wait_for()
    assert page.locator(".finding").count() == 3 and page.locator(".finding .thumb img").count() == 1
    assert page.locator("#walk-service").input_value() == "pension_transfer"

    # the server goes down; the phone gets its signal back while it is down
    field_server.stop()
    context.set_offline(False)
    page.goto(f"{base}/field/#/outbox")
    page.locator("#net", has_text="连不上服务器").wait_for()
    assert outbox_statuses(page) == ["waiting"] * 3
    assert counts(engine, facts["admin_id"]) == before

    # the server is back: the retry (with back-off) sends everything without a tap
    field_server.start()
    page.locator("#outbox-list .outbox-row[data-status='sent']").nth(2).wait_for()
    assert outbox_statuses(page) == ["sent"] * 3
    shoot(page, "outbox-sent")

    # exactly once: one more of each, three photos
    after = counts(engine, facts["admin_id"])
    assert after == {"walkthroughs": before["walkthroughs"] + 1, "work_logs": before["work_logs"] + 1,
                     "inspections": before["inspections"] + 1, "photos": before["photos"] + 3}
    with Session(engine) as session:
        stored = session.exec(select(Walkthrough).where(Walkthrough.uuid == uuid_lib.UUID(walk))).one()
        assert (stored.service_item_code, stored.channel, stored.mode, stored.trips) == \
            ("pension_transfer", "window", "in_person", 2)
        assert [s["name"] for s in stored.steps] == ["咨询", "受理"] and all(s["seconds"] >= 1 for s in stored.steps)
        assert stored.materials_asked == ["居民身份证", "户口本复印件"]
        found = session.exec(select(WalkthroughFinding).where(WalkthroughFinding.walkthrough_id == stored.id)).all()
        assert sorted(f.list_kind for f in found) == ["fix", "issue", "need"]
        fix = next(f for f in found if f.list_kind == "fix")
        assert (fix.owner, str(fix.due_on)) == ("业务科", "2026-12-20")
        issue = next(f for f in found if f.list_kind == "issue")
        shot = session.exec(select(Attachment).where(Attachment.owner_uuid == issue.uuid)).one()
        assert shot.owner_kind == "finding" and max(shot.width, shot.height) <= 1600

        stored_log = session.exec(select(WorkLog).where(WorkLog.uuid == uuid_lib.UUID(log))).one()
        assert (stored_log.log_date, stored_log.people_served, stored_log.station_id) == \
            (TODAY, 12, facts["station_id"])
        assert stored_log.work_types == ["policy_outreach", "dispute_mediation"]
        assert session.exec(select(Attachment).where(Attachment.owner_uuid == stored_log.uuid)).one().owner_kind \
            == "work_log"

        inspection = session.exec(select(Inspection).where(Inspection.uuid == uuid_lib.UUID(audit))).one()
        assert (inspection.mode, inspection.score, inspection.grade, inspection.station_id) == \
            ("online", 76.2, "rectify", facts["station_id"])
        assert inspection.answers["W06"]["note"] == "网站未公开收费标准"
        audit_photo = uuid_lib.UUID(inspection.answers["W06"]["photos"][0])
        assert session.exec(select(Attachment).where(Attachment.uuid == audit_photo)).one().owner_uuid \
            == inspection.uuid
    assert watch.errors == []
    assert watch.hosts == {"127.0.0.1"}
    context.close()

    # on the dashboards: the walkthrough's findings on /walkthroughs, the log in /logs' feed, the
    # audit waiting for its circular on /inspect
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    office = desk.new_page()
    sign_in(office, base, "admin")
    # the overview's 本月工作日志 counts seconded cadres' filed days (data.queries.logs.filing): the
    # administrator's own log, stored above, is no cadre's filing and leaves the tile as it was
    assert logs_this_month(engine, facts["admin_id"]) == logs_before
    office.locator("#kpi-logs .kpi-value").wait_for()
    assert office.locator("#kpi-logs .kpi-value").inner_text() == f"{logs_before:,}"
    office.goto(f"{base}/inspect")
    publish = office.locator(f"[id='{{\"id\":{inspection.id},\"type\":\"insp-publish\"}}']")
    publish.wait_for()
    row = office.locator(".list-group-item", has=publish)
    assert facts["station"] in row.inner_text() and "76.2" in row.inner_text()
    office.goto(f"{base}/walkthroughs?from={TODAY.replace(day=1)}&to={TODAY}")
    office.locator("#walk-lists .ag-row", has_text="要求提供办事指南以外的材料（户口本复印件）").wait_for()
    office.goto(f"{base}/logs")
    office.fill("#logs-search", "调解一起工资纠纷")
    office.keyboard.press("Enter")
    office.locator("#logs-feed", has_text="走访3家企业宣传欠薪治理政策，调解一起工资纠纷。").wait_for()
    shoot(office, "logs-after-sync")
    desk.close()


def test_revoked_session_keeps_the_queue_and_continues_after_sign_in(browser, field_server, tmp_path):
    base, facts, engine = field_server.url, field_server.facts, field_server.engine
    before = counts(engine, facts["cadre_id"])
    context, page, watch = signed_in_phone(browser, base, "cadre", service_workers="allow")
    page.locator("#new-work_log").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    field_settled(page)
    # the home lists what waits (kept for offline): today's log while none is on the server yet
    with Session(engine) as session:
        filed = session.exec(select(WorkLog).where(WorkLog.user_id == facts["cadre_id"],
                                                   WorkLog.log_date == TODAY)).first() is not None
    waiting = page.locator("#todo li").all_inner_texts()
    assert page.locator("#todo h2").inner_text().startswith("我的待办")
    assert any("今日工作日志待报" in x for x in waiting) is not filed, waiting
    context.set_offline(True)
    log = record_work_log(page, tmp_path, facts, station=False)  # a cadre files for the secondment's station
    # filed on the phone (not yet sent): the day's log is off the list at once
    page.goto(page.url.split("#")[0] + "#/")
    page.locator("#todo h2").wait_for()
    assert not any("今日工作日志待报" in x for x in page.locator("#todo li").all_inner_texts())
    # an admin revokes the phone's sign-in (flask revoke-sessions cadre) while it is offline
    with Session(engine) as session:
        user_service.revoke_sessions(session, actor=None, username="cadre")
    context.set_offline(False)
    # the sync gets 401: the app asks to sign in again, and keeps the record
    page.locator("#username").wait_for()
    assert page.locator("#username").input_value() == "cadre"
    assert counts(engine, facts["cadre_id"]) == before
    field_sign_in(page, "cadre")
    page.locator("#username").wait_for(state="detached")
    page.goto(f"{base}/field/#/outbox")
    wait_sent(page, log)
    assert outbox_statuses(page) == ["sent"]
    with Session(engine) as session:
        same = select(func.count()).select_from(WorkLog).where(WorkLog.uuid == uuid_lib.UUID(log))
        assert session.exec(same).one() == 1
    assert counts(engine, facts["cadre_id"])["work_logs"] == before["work_logs"] + 1
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}
    context.close()


def test_without_service_workers_it_works_online_and_a_refused_record_is_fixed_and_resent(browser, field_server,
                                                                                            tmp_path):
    """Some in-app browsers have no service worker: the app still works online. A record the
    server refuses comes back with its reason next to the field, is fixed and sent again."""
    base, engine = field_server.url, field_server.engine
    context, page, watch = signed_in_phone(browser, base, "leader")
    page.locator("#new-walkthrough").wait_for()
    assert not page.locator("#new-work_log").count() and not page.locator("#new-window_audit").count()
    field_settled(page)
    assert page.evaluate("() => !navigator.serviceWorker || navigator.serviceWorker.controller === null")
    # the service was withdrawn after the phone downloaded its reference data
    with Session(engine) as session:
        item = session.exec(select(ServiceItem).where(ServiceItem.code == "retirement")).one()
        item.active = False
        session.add(item)
        session.commit()
    new_walkthrough(page, "retirement", "网上", "陪同办")
    page.locator("#add-need").click()
    card = page.locator("#findings-need .finding").last
    card.locator("select").select_option(index=1)
    card.locator("textarea").fill("希望退休办理可以全程网办")
    page.locator("#submit").click()
    rejected = page.locator("#outbox-list .outbox-row[data-status='rejected']")
    rejected.wait_for()
    walk = rejected.get_attribute("data-uuid")
    rejected.click()
    page.locator("#reject-reason").wait_for()
    error = page.locator("[data-path='service_item_code'] .field-error")
    assert error.inner_text() == "没有这个服务事项"
    shoot(page, "rejected")
    page.locator("#walk-service").select_option("resident_pension")
    page.locator("#submit").click()
    page.locator(f"#outbox-list .outbox-row[data-uuid='{walk}'][data-status='sent']").wait_for()
    with Session(engine) as session:
        stored = session.exec(select(Walkthrough).where(Walkthrough.uuid == uuid_lib.UUID(walk))).one()
        assert (stored.service_item_code, stored.channel, stored.mode) == ("resident_pension", "online", "accompany")
        item = session.exec(select(ServiceItem).where(ServiceItem.code == "retirement")).one()
        item.active = True
        session.add(item)
        session.commit()
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}
    context.close()


def test_shell_is_installable_and_switches_to_english(browser, field_server):
    base = field_server.url
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                  service_workers="block")
    page = context.new_page()
    manifest = page.request.get(f"{base}/field/manifest.webmanifest").json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/field/", "/field/", "standalone")
    assert {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}
    assert any(i.get("purpose") == "maskable" for i in manifest["icons"])
    for icon in manifest["icons"]:
        assert page.request.get(f"{base}{icon['src']}").headers["content-type"] == "image/png"
    sw = page.request.get(f"{base}/field/sw.js")
    assert sw.headers["cache-control"] == "no-cache"
    assert re.search(r"var VERSION = '[0-9a-f]{12}'", sw.text())
    page.goto(f"{base}/field/")
    page.locator("#username").wait_for()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator("#lang").click()
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.locator("#lang").inner_text() == "中文"
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("#lang").click()
    page.get_by_role("button", name="登录").wait_for()
    context.close()


def test_a_lost_answer_is_sent_again_and_stored_once(browser, field_server):
    """The server stores a walkthrough but the answer never reaches the phone (the connection
    drops on the way back): the record keeps waiting, goes again, the server answers 200 for
    the identical body, and there is one row. (Records go in batches: POST /api/v1/records
    answers each record's status in its results.)"""
    base, engine = field_server.url, field_server.engine
    context = browser.new_context(**PIXEL_5, locale="zh-CN", service_workers="block")
    page = context.new_page()
    watch = PhoneWatch(page)
    answers: list[list[int]] = []

    def lose_the_first_answer(route):
        if route.request.method != "POST":
            return route.continue_()
        response = route.fetch()  # the server stores it …
        answers.append([r["status"] for r in response.json()["results"]])
        if len(answers) == 1:
            return route.abort("connectionreset")  # … and the phone never hears
        return route.fulfill(response=response)

    page.route("**/api/v1/records", lose_the_first_answer)
    page.goto(f"{base}/field/")
    field_sign_in(page, "leader")
    walk = new_walkthrough(page, "hotline_12333", "电话", "亲身办")
    page.locator("#submit").click()
    page.locator(f"#outbox-list .outbox-row[data-uuid='{walk}'][data-status='sent']").wait_for()
    assert answers == [[201], [200]]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Walkthrough)
                            .where(Walkthrough.uuid == uuid_lib.UUID(walk))).one() == 1
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}
    context.close()


def test_an_edit_after_a_lost_answer_is_a_conflict_the_user_resolves(browser, field_server, tmp_path):
    """The answer to a walkthrough is lost and the server goes quiet; meanwhile a reviewer accepts
    the version the server has, and the user withdraws it and edits it. Sent again under its number
    it is a conflict (409): an accepted record changes no more. The phone says so and sends the
    edited one as a record of its own, its finding and the finding's photo under new numbers."""
    base, engine = field_server.url, field_server.engine
    context = browser.new_context(**PIXEL_5, locale="zh-CN", service_workers="block")
    page = context.new_page()
    watch = PhoneWatch(page)
    calls: list[str] = []

    def flaky(route):
        if route.request.method != "POST":
            return route.continue_()
        calls.append(route.request.method)
        if len(calls) == 1:
            route.fetch()  # stored, answer lost
            route.abort("connectionreset")
        else:
            route.abort("connectionrefused")  # then the server is out of reach for a while

    page.route("**/api/v1/records", flaky)
    page.goto(f"{base}/field/")
    field_sign_in(page, "leader")
    first = new_walkthrough(page, "unemployment_benefit", "窗口", "陪同办")
    page.locator("#add-issue").click()
    card = page.locator("#findings-issue .finding").last
    card.locator("select").select_option(index=1)
    card.locator("textarea").fill("窗口要求提供离职证明原件")
    card.locator("input[type=file]").set_input_files(photo(tmp_path, "conflict", (90, 90, 160)))
    card.locator(".thumb img").wait_for()
    page.locator("#submit").click()
    page.wait_for_function("() => document.querySelector('#net').textContent === '连不上服务器'")
    with Session(engine) as session:
        original = session.exec(select(Walkthrough).where(Walkthrough.uuid == uuid_lib.UUID(first))).one()
        admin = session.exec(select(User).where(User.username == "admin")).one()
        review(session, actor=Actor(admin.id, admin.username, admin.role, get_user_scope(session, user_id=admin.id)),
               kind="walkthrough", record_id=original.id, accept=True)
        session.refresh(original)
    page.goto(f"{base}/field/#/r/{first}")
    page.locator("#withdraw").click()
    page.locator("#findings-issue textarea").fill("窗口要求提供离职证明原件和复印件")
    page.unroute("**/api/v1/records")
    page.locator("#submit").click()
    conflict = page.locator(f"#outbox-list .outbox-row[data-uuid='{first}'][data-status='rejected']")
    conflict.wait_for()
    conflict.click()
    page.locator("#reject-reason").wait_for()
    page.locator("#reissue").click()
    sent = page.locator("#outbox-list .outbox-row[data-status='sent']")
    sent.wait_for()
    second = sent.get_attribute("data-uuid")
    assert second != first and outbox_statuses(page) == ["sent"]
    with Session(engine) as session:
        edited = session.exec(select(Walkthrough).where(Walkthrough.uuid == uuid_lib.UUID(second))).one()
        old_finding = session.exec(select(WalkthroughFinding)
                                   .where(WalkthroughFinding.walkthrough_id == original.id)).one()
        new_finding = session.exec(select(WalkthroughFinding)
                                   .where(WalkthroughFinding.walkthrough_id == edited.id)).one()
        assert old_finding.text == "窗口要求提供离职证明原件"
        assert new_finding.text == "窗口要求提供离职证明原件和复印件" and new_finding.uuid != old_finding.uuid
        shots = session.exec(select(Attachment).where(Attachment.owner_uuid.in_([old_finding.uuid,
                                                                                  new_finding.uuid]))).all()
        assert [s.owner_uuid for s in shots] == [new_finding.uuid]
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}
    context.close()


def test_background_sync_sends_from_the_service_worker_with_no_page_open(browser, field_server, tmp_path):
    """Background Sync: a record queued offline is sent by the service worker's 'sync' event
    after the app's page has gone (the event is dispatched through DevTools, as Chromium would
    when the connection returns)."""
    base, facts, engine = field_server.url, field_server.facts, field_server.engine
    context = browser.new_context(**PIXEL_5, locale="zh-CN", service_workers="allow")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda e: registrations.extend(r["registrationId"] for r in e["registrations"]
                                          if r["scopeURL"] == f"{base}/field/" and not r["isDeleted"]))
    cdp.send("ServiceWorker.enable")
    page.goto(f"{base}/field/")
    field_sign_in(page, "cadre")
    page.locator("#new-work_log").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    field_settled(page)
    before = counts(engine, facts["cadre_id"])["work_logs"]
    context.set_offline(True)
    log = record_work_log(page, tmp_path, facts, station=False)
    assert outbox_statuses(page)[0] == "waiting"
    page.goto("about:blank")  # the app is closed: no page of its own is open
    context.set_offline(False)
    assert registrations
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": base, "registrationId": registrations[-1],
                                                 "tag": "outbox", "lastChance": False})
    with Session(engine) as session:
        def stored(model, where):
            session.expire_all()
            return session.exec(select(model).where(where)).first()

        found = eventually(lambda: stored(WorkLog, WorkLog.uuid == uuid_lib.UUID(log)))
        assert eventually(lambda: stored(Attachment, Attachment.owner_uuid == found.uuid)) is not None
    assert counts(engine, facts["cadre_id"])["work_logs"] == before + 1
    # the app opened again shows it sent
    page.goto(f"{base}/field/#/outbox")
    page.locator(f"#outbox-list .outbox-row[data-uuid='{log}'][data-status='sent']").wait_for()
    context.close()


def test_a_deleted_finding_asks_first_and_can_be_undone_with_its_photo(browser, field_server, tmp_path):
    """Deleting an item of a walkthrough's list asks first; once deleted it can be brought back for
    a few seconds, in its place and with its photo; the record-status filters fit a 390 px screen."""
    base = field_server.url
    context, page, watch = signed_in_phone(browser, base, "leader")
    page.locator("#new-walkthrough").click()
    page.locator("#walk-service").select_option("pension_transfer")
    for text in ("排队时间过长", "材料要求不一致"):
        page.locator("#add-issue").click()
        card = page.locator("#findings-issue .finding").last
        card.locator("select").select_option(index=1)
        card.locator("textarea").first.fill(text)
    first = page.locator("#findings-issue .finding").first
    first.locator("input[type=file]").set_input_files(photo(tmp_path, "queue", (120, 90, 60)))
    first.locator(".thumb img").wait_for()
    page.once("dialog", lambda dialog: dialog.dismiss())  # 取消: nothing happens
    first.locator(".finding-del").click()
    expect(page.locator("#findings-issue .finding")).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    first.locator(".finding-del").click()
    expect(page.locator("#findings-issue .finding")).to_have_count(1)
    expect(page.locator("#findings-issue textarea").first).to_have_value("材料要求不一致")
    page.locator("#toast-action").click()  # 撤销
    expect(page.locator("#findings-issue .finding")).to_have_count(2)
    expect(page.locator("#findings-issue textarea").first).to_have_value("排队时间过长")
    page.locator("#findings-issue .finding").first.locator(".thumb img").wait_for()  # its photo is back
    page.goto(page.url.split("#")[0] + "#/outbox")
    page.locator("nav.filter").wait_for()
    fits = page.evaluate("""() => {
        const nav = document.querySelector('nav.filter');
        return nav.scrollWidth <= nav.clientWidth
            && [...nav.querySelectorAll('.pill')].every(p => p.getBoundingClientRect().right <= innerWidth);
    }""")
    assert fits, "the status filters run off a 390 px screen"
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}
    context.close()


def test_a_hung_request_times_out_and_the_record_goes_later(browser, field_server):
    """On a weak link a request can hang with no answer: it gives up after its timeout (shortened
    here), the record keeps waiting instead of holding the queue, and goes with the next sync —
    here to a server without the batch endpoint (404), so one by one to its own."""
    base, engine = field_server.url, field_server.engine
    context = browser.new_context(**PIXEL_5, locale="zh-CN", service_workers="block")
    page = context.new_page()
    watch = PhoneWatch(page)
    hung = []
    # the first batch is never answered; after it, this server has no batch endpoint (the later
    # route is asked first)
    page.route("**/api/v1/records", lambda route: route.fulfill(status=404, json={"error": {"code": "not_found"}}))
    page.route("**/api/v1/records", lambda route: hung.append(route), times=1)
    page.goto(f"{base}/field/")
    field_sign_in(page, "leader")
    walk = new_walkthrough(page, "hotline_12333", "电话", "亲身办")
    # the timeout shortened only now: sign-in and the reference lists took their normal time (on a
    # loaded machine a list can take longer than 1.5 s, and a form without its options is no test)
    page.evaluate("self.HRSS_TIMEOUT_MS = 1500")
    # (a route handler runs while Playwright is waiting on the page: wait with Playwright, not time.sleep)
    with page.expect_request(lambda r: r.url.endswith("/api/v1/records") and r.method == "POST"):
        page.locator("#submit").click()
    # it gave up after its timeout: the record waits, marked as not reached
    page.wait_for_function("""async uuid => {
        const record = await window.FieldCore.get('records', uuid);
        return record.status === 'waiting' && !!record.last_error && record.last_error.code === 'network';
    }""", arg=walk)
    assert len(hung) == 1
    page.goto(page.url.split("#")[0] + "#/")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/walkthroughs") and r.status == 201):
        page.locator("#sync-now").click()
    page.goto(page.url.split("#")[0] + "#/outbox")
    page.locator(f"#outbox-list .outbox-row[data-uuid='{walk}'][data-status='sent']").wait_for()
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Walkthrough)
                            .where(Walkthrough.uuid == uuid_lib.UUID(walk))).one() == 1
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}
    context.close()


FULL_STORAGE = """
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function () {
  if (self.__full) throw new DOMException('the quota is reached', 'QuotaExceededError');
  return put.apply(this, arguments);
};
"""


def test_a_full_phone_is_explained_and_nothing_is_half_saved(browser, field_server):
    """The phone's storage fills up while a log is written: the person is told, in words, why the
    change was not kept; what was saved before stays as it was."""
    base = field_server.url
    context, page, watch = signed_in_phone(browser, base, "cadre", init_script=FULL_STORAGE)
    page.locator("#new-work_log").click()
    page.locator("#log-done").fill("上午走访两家企业。")
    page.locator("#saved").filter(has_text="已自动保存").wait_for()
    page.evaluate("self.__full = true")
    page.locator("#log-done").fill("上午走访两家企业。下午调解一起工资纠纷。")
    expect(page.locator("#toast")).to_contain_text("手机存储已满")
    page.evaluate("self.__full = false")
    draft = page.url
    page.goto(f"{base}/field/#/")
    page.goto(draft)
    expect(page.locator("#log-done")).to_have_value("上午走访两家企业。")  # the last saved, whole
    assert watch.errors == []
    context.close()


def test_a_retired_choice_still_shows_as_chosen(browser, field_server):
    """A record names a kind of work the reference no longer offers (retired since it was picked):
    opened, it still shows that choice as chosen — by the name the phone last knew, marked
    retired — instead of silently dropping it."""
    base = field_server.url
    context, page, watch = signed_in_phone(browser, base, "cadre")
    page.locator("#new-work_log").click()
    page.locator("#log-done").wait_for()
    record = page.url.rsplit("/", 1)[1]
    chip(page, "work_types", "矛盾调解")
    page.locator("#saved").filter(has_text="已自动保存").wait_for()
    # the record holds a kind the reference has stopped offering (its name known from before)
    page.evaluate("""async uuid => {
        const reference = await window.FieldCore.getMeta('reference');
        reference._names = Object.assign({}, reference._names, {union_liaison: '工会联络'});
        await window.FieldCore.setMeta('reference', reference);
        await window.FieldCore.update('records', uuid, r => { r.body.work_types.push('union_liaison'); return r; });
    }""", record)
    page.reload()
    chosen = page.locator("[data-path='work_types'] label.chip", has_text="工会联络（已停用）")
    expect(chosen.locator("input")).to_be_checked()
    expect(page.locator("[data-path='work_types'] label.chip", has_text="矛盾调解").locator("input")).to_be_checked()
    assert watch.errors == []
    context.close()


def test_a_returned_log_is_edited_on_the_phone_and_stays_one_record(browser, field_server, tmp_path):
    """A leader returns a cadre's log with a reason (审核: 退回); on the phone it waits in 我的待办 with
    the reason, opens again for editing, and goes back under its own number: one log on the server,
    revision 2, the earlier text in its history."""
    from data.models import RecordRevision, WorkLog
    base, engine = field_server.url, field_server.engine
    context, page, watch = signed_in_phone(browser, base, "cadre")
    page.locator("#new-work_log").wait_for()
    log_uuid = record_work_log(page, tmp_path, field_server.facts, station=False)
    wait_sent(page, log_uuid)
    page.goto(f"{base}/field/#/r/{log_uuid}")
    page.locator("#edit-sent").wait_for()  # sent and not yet reviewed: its author may edit it
    assert page.locator("#returned-reason").count() == 0
    with Session(engine) as session:
        leader = session.exec(select(User).where(User.username == "leader")).one()
        stored = session.exec(select(WorkLog).where(WorkLog.uuid == uuid_lib.UUID(log_uuid))).one()
        reviewer = Actor(leader.id, leader.username, leader.role, get_user_scope(session, user_id=leader.id))
        review(session, actor=reviewer, kind="work_log", record_id=stored.id, accept=False,
               note="请补充调解纠纷的当事企业")
    page.goto(f"{base}/field/#/")
    page.locator("#sync-now").click()
    item = page.locator("#todo li", has_text="请补充调解纠纷的当事企业")
    item.wait_for()
    item.locator("a").click()
    expect(page.locator("#returned-reason")).to_contain_text("请补充调解纠纷的当事企业")
    page.locator("#edit-returned").click()
    page.locator("#log-done").fill("走访3家企业宣传欠薪治理政策，调解示范建工与12名工人的工资纠纷。")
    page.locator("#submit").click()
    page.locator("#outbox-list").wait_for()
    wait_sent(page, log_uuid)
    page.goto(f"{base}/field/#/")
    page.locator("#todo h2").wait_for()
    assert not page.locator("#todo li", has_text="请补充调解纠纷的当事企业").count()
    with Session(engine) as session:
        logs = session.exec(select(WorkLog).where(WorkLog.uuid == uuid_lib.UUID(log_uuid))).all()
        assert len(logs) == 1 and logs[0].revision == 2 and "示范建工" in logs[0].done
        assert logs[0].review_status is None
        [history] = session.exec(select(RecordRevision).where(RecordRevision.record_kind == "work_log",
                                                              RecordRevision.record_id == logs[0].id)).all()
        assert history.body["done"].startswith("走访3家企业宣传欠薪治理政策，调解一起")
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}
    context.close()
