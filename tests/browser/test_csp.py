"""Content-Security-Policy in headless Chromium: every page, the maps in their frames, the wall
and the field app work under the policy (web/csp.py) with not one violation reported."""

from __future__ import annotations

import re

import dash
import pytest

from tests.browser.steps import Watch, navigate, sign_in
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

# every frame reports each violation to the test through a binding
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.reportViolation({page: location.pathname, directive: e.effectiveDirective, blocked: e.blockedURI,
                          sample: e.sample, line: e.lineNumber});
});
"""


def watched_context(browser, **options):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", **options)
    violations: list[dict] = []
    context.expose_binding("reportViolation", lambda _source, v: violations.append(v))
    context.add_init_script(REPORT_VIOLATIONS)
    return context, violations


def csp_console(watch: Watch) -> list[str]:
    return [e for e in watch.errors if "Content Security Policy" in e or "Refused to" in e]


def test_every_dash_page_and_map_works_under_the_policy(browser, live_server):
    context, violations = watched_context(browser, service_workers="block")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, "admin")
    header = page.request.get(f"{live_server.url}/").headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in header and "'unsafe-eval'" not in header
    seen = {"plots": 0, "grids": 0, "maps": 0}
    for path in [p["path"] for p in dash.page_registry.values()]:  # as the app's links go: the document's
        navigate(page, path)  # inline scripts run at sign-in; each page's map frames load afresh here
        page.wait_for_selector(".shell-navbar")
        # charts drew, grids filled, maps in their frames started Leaflet: the scripts all ran
        plots = page.locator(".js-plotly-plot")
        for n in range(plots.count()):
            plots.nth(n).locator(".main-svg").first.wait_for()
        seen["plots"] += plots.count()
        grids = page.locator(".ag-root")
        if grids.count():
            page.locator(".ag-row").first.wait_for()
            seen["grids"] += grids.count()
        for frame in page.locator("iframe").all():
            if (frame.get_attribute("src") or "").startswith("/maps/"):
                inner = frame.content_frame
                inner.locator(".leaflet-container").wait_for()
                inner.locator("path, canvas, .leaflet-marker-icon").first.wait_for()
                seen["maps"] += 1
    # the logs' matrix formats its cells with dash-ag-grid's function strings (no eval needed)
    navigate(page, "/logs")
    page.wait_for_function("() => [...document.querySelectorAll('.ag-cell')].some(c => /^\\d+%$/.test(c.textContent))")
    context.close()
    assert seen["plots"] >= 5 and seen["grids"] >= 3 and seen["maps"] >= 3, seen
    assert violations == []
    assert csp_console(watch) == [] and watch.errors == []


def test_the_printable_pages_and_sign_in_work_under_the_policy(browser, live_server):
    context, violations = watched_context(browser, service_workers="block")
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/login")
    assert page.locator("#username").is_visible()
    sign_in(page, live_server.url, "leader")
    start = TODAY.replace(day=1)
    page.goto(f"{live_server.url}/audits/circular?from={start.isoformat()}&to={TODAY.isoformat()}")
    page.wait_for_load_state("load")
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
