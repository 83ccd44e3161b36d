"""A one-time password in headless Chromium: on the desktop and on the field app the person who
signs in with it sees only the form to set their own, then goes on to their home screen."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from data.models import Region, RegionLevel, Role
from tests.browser.steps import DESKTOP, Watch, change_password, dash_settled
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

NEW = "my-own-password-7"


@pytest.fixture(scope="module")
def newcomers(demo_engine):
    """Two accounts an import would make: an officer (desktop) and a cadre (field app)."""
    with Session(demo_engine) as session:
        county = session.exec(select(Region).where(Region.level == RegionLevel.county).order_by(Region.id)).first()
        town = session.exec(select(Region).where(Region.level == RegionLevel.township).order_by(Region.id)).first()
        make_user(session, username="new.officer", role=Role.case_officer, regions=[county], must_change_password=True)
        make_user(session, username="new.cadre", role=Role.cadre, regions=[town], must_change_password=True)
        session.commit()


def test_the_desktop_asks_for_a_new_password_first(browser, live_server, newcomers):
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{base}/login?next=/cases")
    page.fill("#username", "new.officer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/password\?next=/cases$"))
    assert page.locator("#password-forced").is_visible()
    change_password(page, PASSWORD, "short")
    assert "至少 10 个字符" in page.locator("#pw-new-error").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "password-forced.png"), full_page=True)
    change_password(page, PASSWORD, NEW)
    page.wait_for_url(f"{base}/cases")
    dash_settled(page)
    assert page.locator(".shell-navbar").is_visible()
    context.close()
    # the refused form comes back as 400 (Chromium logs that status); nothing else went wrong
    assert [e for e in watch.errors if "status of 400" not in e] == [] and watch.hosts == {"127.0.0.1"}


def test_the_field_app_asks_for_a_new_password_first(browser, live_server, newcomers):
    from tests.browser.test_field import PIXEL_5, field_settled, field_sign_in

    context = browser.new_context(**PIXEL_5, locale="zh-CN", service_workers="block")
    page = context.new_page()
    page.goto(f"{live_server.url}/field/")
    field_sign_in(page, "new.cadre", PASSWORD)
    page.locator("#pw-forced").wait_for()
    change_password(page, PASSWORD, "short")
    page.locator("#pw-error", has_text="至少 10 个字符").wait_for()
    page.fill("#pw-new", NEW)
    page.fill("#pw-repeat", NEW)
    page.click("#pw-submit")
    page.locator("#new-work_log").wait_for()  # the cadre's home
    field_settled(page)
    page.screenshot(path=str(ARTIFACTS / "field-password-done.png"), full_page=True)
    context.close()
