"""An administrator's day with people, in headless Chromium: creates an account on /admin/users and
reads its one-time password off the screen; the new person signs in with it, must set their own,
and lands on the dashboard; the administrator signs that browser out on /admin/access and finds
the creation, the password change and the sign-out in the operation log; then disables the
account from its dialog on /admin/users, and adds a kind of work for the cadres' logs on
/admin/settings."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from data import clock
from data.models import Region, RegionLevel, User
from data.queries.settings import work_types
from tests.browser.steps import DESKTOP, Watch, change_password, dash_settled, frames_loaded, navigate, sign_in
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

USERNAME, NAME, NEW = "zhao.xin", "赵新", "zhao-xin-own-9"


def test_a_new_person_from_creation_to_the_log(browser, live_server, demo_engine):
    base = live_server.url
    with Session(demo_engine) as session:
        town = session.exec(select(Region).where(Region.level == RegionLevel.township, Region.valid_to.is_(None))
                            .order_by(Region.path)).first()
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    admin = context.new_page()
    watch = Watch(admin)
    sign_in(admin, base, "admin", lands="/todo")
    navigate(admin, "/admin")
    admin.click("a[href='/admin/users']")
    admin.wait_for_url(f"{base}/admin/users")
    dash_settled(admin)

    admin.fill("#adm-usr-username", USERNAME)
    admin.fill("#adm-usr-name", NAME)
    admin.select_option("#adm-usr-role", "case_officer")
    admin.locator("#adm-usr-regions").click()
    admin.get_by_role("option", name=town.name).first.click()
    admin.keyboard.press("Escape")
    admin.click("#adm-usr-create")
    otp = admin.locator("#adm-usr-otp")
    expect(otp).to_be_visible()
    password = otp.inner_text().strip()
    assert len(password) >= 10
    expect(admin.locator(f"[id='adm-usr-user-{USERNAME}']")).to_contain_text(town.name)
    dash_settled(admin)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "admin-users-created.png"), full_page=True)
    with Session(demo_engine) as session:
        user_id = session.exec(select(User.id).where(User.username == USERNAME)).one()

    # the new person: the one-time password opens only the form to set their own
    other = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    person = other.new_page()
    person.goto(f"{base}/login")
    person.fill("#username", USERNAME)
    person.fill("#password", password)
    person.click("button[type=submit]")
    person.wait_for_url(re.compile(r".*/password(\?.*)?$"))
    assert person.locator("#password-forced").is_visible()
    change_password(person, password, NEW)
    person.wait_for_url(f"{base}/todo")  # an officer starts from what waits for them
    dash_settled(person)
    frames_loaded(person)
    assert person.locator(".shell-navbar").is_visible()

    # the administrator signs that browser out
    navigate(admin, "/admin/access")
    admin.get_by_label("含浏览器登录").check()
    row = admin.locator("tr", has_text=USERNAME)
    expect(row).to_have_count(1)
    dash_settled(admin)
    row.get_by_role("button", name="注销").click()
    expect(admin.get_by_text("已注销该设备的登录")).to_be_visible()
    expect(admin.locator("tr", has_text=USERNAME)).to_have_count(0)
    dash_settled(admin)
    person.goto(f"{base}/cases")
    person.wait_for_url(re.compile(r".*/login.*"))
    other.close()

    # all of it in the operation log (today, on the bureau's clock)
    day = clock.today().isoformat()
    navigate(admin, f"/admin/log?from={day}&to={day}")
    rows = admin.locator("#adm-log-rows tr")
    expect(rows.filter(has_text="user.create").filter(has_text=f"user:{user_id}")).to_have_count(1)
    expect(rows.filter(has_text="user.change_password").filter(has_text=USERNAME)).to_have_count(1)
    expect(rows.filter(has_text="device_session.revoked").filter(has_text=f'"user_id": {user_id}')).to_have_count(1)
    admin.screenshot(path=str(ARTIFACTS / "admin-log-people.png"), full_page=True)

    # and, the person having left, the administrator disables the account from its dialog
    navigate(admin, "/admin/users")
    admin.fill("#adm-usr-search", USERNAME)
    admin.keyboard.press("Enter")
    expect(admin.locator("#adm-usr-rows tbody tr")).to_have_count(1)
    dash_settled(admin)
    admin.locator(f"[id='adm-usr-user-{USERNAME}']").get_by_role("button", name="管理").click()
    expect(admin.locator("#adm-usr-edit-role")).to_have_value("case_officer")
    dash_settled(admin)
    admin.click("#adm-usr-toggle")
    expect(admin.locator("#adm-usr-modal-msg")).to_contain_text("已停用该账户")
    expect(admin.locator("#adm-usr-toggle")).to_have_text("启用账户")
    dash_settled(admin)
    admin.screenshot(path=str(ARTIFACTS / "admin-users-dialog.png"), full_page=True)
    admin.keyboard.press("Escape")
    expect(admin.locator(f"[id='adm-usr-user-{USERNAME}']")).to_contain_text("已停用")

    # a new kind of work for the cadres' logs on /admin/settings: typed into the grid, given its code
    navigate(admin, "/admin/settings")
    rows = admin.locator("#adm-set-work-types .ag-center-cols-container .ag-row")
    with Session(demo_engine) as session:
        before = len(work_types(session))
    expect(rows).to_have_count(before)  # the grid has drawn every kind there is
    admin.click("#adm-set-work-types-add")
    # the new row is the grid's once the add has answered and the grid has drawn it: a click
    # before that lands on a row about to be replaced, and no editor opens
    expect(rows).to_have_count(before + 1)
    dash_settled(admin)
    added = admin.locator("#adm-set-work-types .ag-row").last
    for column, text in (("name", "窗口值守"), ("name_en", "Window duty")):
        added.locator(f"[col-id={column}]").click()
        expect(added.locator(f"[col-id={column}] input")).to_be_focused()
        admin.keyboard.type(text)
        admin.keyboard.press("Enter")
    admin.click("#adm-set-save")
    expect(admin.locator("#adm-set-msg")).to_contain_text("已保存 1 项设置")
    expect(admin.locator("#adm-set-work-types .ag-row").last.locator("[col-id=code]")).to_have_text("window_duty")
    context.close()
    assert watch.errors == [] and watch.failed == [] and watch.hosts == {"127.0.0.1"}
