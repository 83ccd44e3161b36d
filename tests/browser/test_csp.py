"""Content-Security-Policy in headless Chromium: the printable pages, the wall and the field app
work under the policy (web/csp.py) with not one violation reported. Every Dash page and its map
frames are walked under the same watch in test_shell."""

from __future__ import annotations

import re

import pytest

from tests.browser.steps import Watch, csp_console, sign_in, watched_context
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

def test_the_printable_pages_and_sign_in_work_under_the_policy(browser, live_server):
    context, violations = watched_context(browser, service_workers="block")
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/login")
    assert page.locator("#username").is_visible()
    sign_in(page, live_server.url, "leader", lands="/todo")
    start = TODAY.replace(day=1)
    page.goto(f"{live_server.url}/audits/circular?from={start.isoformat()}&to={TODAY.isoformat()}")
    assert page.locator("#circular").is_visible()
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click("#circular-print")  # its handler comes from a file, not an inline attribute
    assert page.evaluate("() => window.printed") == 1
    context.close()
    assert violations == [] and csp_console(watch) == []


def test_the_wall_works_under_the_policy_and_signs_out_from_its_menu(browser, live_server):
    context, violations = watched_context(browser)
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/login")
    page.fill("#username", "wall")
    page.fill("#password", "hrss-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/wall")
    page.wait_for_function("() => document.querySelector('#kpi-cases .value span').textContent !== '—'")
    page.wait_for_function("() => document.querySelectorAll('#w-map path').length > 5")
    assert violations == [] and csp_console(watch) == []

    # the screen's own menu signs it out: the device session ends, the screen does not come back
    page.click("#w-menu summary")
    page.click("#w-logout")
    page.wait_for_url(re.compile(r".*/login.*"))
    cookies = {c["name"] for c in context.cookies()}
    assert "hrss_device" not in cookies
    page.goto(f"{live_server.url}/wall")
    page.wait_for_url(re.compile(r".*/login\?next=%2Fwall.*|.*/login\?next=/wall.*"))
    context.close()
    assert violations == []


def test_the_field_app_works_under_the_policy(browser, live_server):
    from tests.browser.test_field import field_settled, field_sign_in

    context, violations = watched_context(browser)
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector("#username")
    field_sign_in(page, "cadre")
    page.wait_for_selector("#username", state="detached")
    field_settled(page)
    context.close()
    assert violations == [] and csp_console(watch) == []
