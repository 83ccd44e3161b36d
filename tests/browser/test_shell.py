"""In headless Chromium against a live server with the demo city: sign in, open every page,
no console errors, and not one request to a host other than 127.0.0.1."""

from __future__ import annotations

import dash
import pytest

from tests.browser.steps import (
    DESKTOP,
    PHONE,
    Watch,
    csp_console,
    dash_settled,
    navigate,
    open_page,
    sign_in,
    watched_context,
)
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

def page_paths() -> list[str]:
    return [p["path"] for p in dash.page_registry.values()]


@pytest.mark.parametrize("viewport, username", [(DESKTOP, "admin"), (PHONE, "cadre"), (DESKTOP, "officer")])
def test_every_page_renders_without_errors_or_foreign_requests(browser, live_server, viewport, username):
    """Every page a role has, through the app as its links go: it renders, its charts draw, its
    grids fill and its maps start Leaflet in their frames — under the Content-Security-Policy with
    not one violation (web/csp.py; the admin sees every page), no console error, no other host."""
    context, violations = watched_context(browser, viewport=viewport, service_workers="block")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, username)
    header = page.request.get(f"{live_server.url}/").headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in header and "'unsafe-eval'" not in header
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen = {"plots": 0, "grids": 0, "maps": 0}
    for path in page_paths():  # the document's inline scripts ran at sign-in; map frames load afresh
        navigate(page, path)
        assert page.url == f"{live_server.url}{path}"
        page.wait_for_selector(".shell-navbar")
        assert page.locator("._dash-loading").count() == 0
        seen = {k: v + n for (k, v), n in zip(seen.items(), drawn(page), strict=True)}
        name = path.strip("/") or "overview"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{username}-{viewport['width']}.png"), full_page=True)
        if path == "/":
            # the map inside its frame drew its areas (on a canvas) from local Leaflet: the cases
            # by the chosen measure with a legend; for a cadre (no case maps) the township, named
            frame = page.frame_locator("#overview-map")
            frame.locator("canvas").first.wait_for()
            if username == "cadre":
                assert frame.locator(".region-label").count() >= 1
            else:
                assert frame.locator(".case-legend .legend-title").inner_text() == "案件数（件）"
    if username == "admin":
        # the logs' matrix formats its cells with dash-ag-grid's function strings (no eval needed)
        navigate(page, "/logs")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.ag-cell')].some(c => /^\\d+%$/.test(c.textContent))")
        assert seen["plots"] >= 5 and seen["grids"] >= 3 and seen["maps"] >= 3, seen
    context.close()
    assert violations == [] and csp_console(watch) == []
    assert watch.errors == []
    assert watch.failed == []
    assert watch.hosts == {"127.0.0.1"}


def drawn(page) -> tuple[int, int, int]:
    """Wait until the page's charts drew, its grids filled and its map frames started Leaflet
    (the scripts all ran), and count them. On a phone some sit in folded panels: present, not
    necessarily visible."""
    plots = page.locator(".js-plotly-plot")
    for n in range(plots.count()):
        plots.nth(n).locator(".main-svg").first.wait_for(state="attached")
    grids = page.locator(".ag-root")
    if grids.count():  # rows, or the grid's own "no rows" overlay (a role may have none here)
        page.locator(".ag-row, .ag-overlay-no-rows-wrapper").first.wait_for(state="attached")
    maps = 0
    for frame in page.locator("iframe").all():
        if (frame.get_attribute("src") or "").startswith("/maps/"):
            inner = frame.content_frame
            inner.locator(".leaflet-container").wait_for(state="attached")
            inner.locator("path, canvas, .leaflet-marker-icon").first.wait_for(state="attached")
            maps += 1
    return plots.count(), grids.count(), maps


def test_overview_shows_scoped_figures_for_the_officer(browser, live_server, demo_engine):
    from sqlmodel import Session, select

    from data.models import User
    from data.queries.overview import overview_figures
    from data.queries.settings import work_calendar
    from data.queries.todo import todo_items
    from data.queries.users import get_user_scope
    from tests.conftest import TODAY

    with Session(demo_engine) as session:
        officer = session.exec(select(User).where(User.username == "officer")).one()
        figures = overview_figures(session, scope=get_user_scope(session, user_id=officer.id), today=TODAY)
        waiting = todo_items(session, role=officer.role, user_id=officer.id, today=TODAY,
                             scope=get_user_scope(session, user_id=officer.id), calendar=work_calendar(session))
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "officer")
    tile = page.locator("#kpi-open-cases .kpi-value")
    tile.wait_for()
    assert tile.inner_text().replace(",", "") == str(figures.open_cases)
    # the top bar counts what waits for them, and the list opens on its first item's case
    assert waiting and page.locator("#shell-todo-count").inner_text() == str(len(waiting))
    navigate(page, "/todo")
    page.locator("#todo-total").wait_for()
    page.locator(f"a[href='{waiting[0].link}']").first.click()
    page.wait_for_url(f"{live_server.url}{waiting[0].link}")
    page.locator("#cases-detail.show").wait_for()
    page.wait_for_function("no => document.querySelector('#cases-detail').innerText.includes(no)",
                           arg=waiting[0].record)
    context.close()


def test_expired_session_lands_on_login(browser, live_server):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "inspector")
    page.wait_for_selector("#kpi-open-cases")
    context.clear_cookies()  # the session ends (expired, revoked or signed out elsewhere)
    page.locator("#overview-region").click()
    page.keyboard.type("东")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/login?next=*")
    assert page.locator("#username").is_visible()
    context.close()


def test_language_switch_in_the_browser(browser, live_server):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    # the wall account, whose language no other test reads; its sign-in lands on the screen
    page.goto(f"{live_server.url}/login")
    page.fill("#username", "wall")
    page.fill("#password", "hrss-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/wall")
    open_page(page, f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("text=Open wage cases")
    page.get_by_role("button", name="中文").click()
    page.wait_for_selector("text=在办欠薪案件")
    context.close()


ONE_ROW = """() => {
    const bar = document.querySelector('.shell-navbar .container-fluid');
    const items = [...bar.querySelectorAll(
        '.navbar-brand, .navbar-nav > *, form[action="/language"] button, #shell-user-menu')];
    const lines = el => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight));
    return {bar: bar.getBoundingClientRect().height, tops: [...new Set(items.map(e => Math.round(
                e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)))],
            labels: [...bar.querySelectorAll(
                '.navbar-nav .nav-link span.text-nowrap, .navbar-nav .dropdown-toggle span.text-nowrap')]
                .map(e => [e.textContent, lines(e)]), overflow: bar.scrollWidth > bar.clientWidth};
}"""


@pytest.mark.parametrize("language, button", [("zh-CN", None), ("en", "English")])
def test_the_top_bar_is_one_row_on_an_office_laptop(browser, live_server, language, button):
    """The admin has the most entries: at 1366×768 they sit on one row, no label wraps, in either
    language (the pages are grouped in menus; English names are short in the bar)."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "admin")
    try:
        if button:
            page.get_by_role("button", name=button).click()
            page.wait_for_selector(f"main[lang={language}]")
        shape = page.evaluate(ONE_ROW)
        assert len(shape["tops"]) == 1 and shape["bar"] < 64 and not shape["overflow"], shape
        assert len(shape["labels"]) >= 6 and all(lines == 1 for _text, lines in shape["labels"]), shape
        page.screenshot(path=str(ARTIFACTS / f"navbar-admin-{language}.png"))
    finally:
        if button:  # the admin's language is theirs: back to Chinese for the other tests
            page.get_by_role("button", name="中文").click()
            page.wait_for_selector("main[lang=zh-CN]")
        context.close()


PERIOD_PAGES = {"/": "overview-period", "/cases": "cases-period", "/stations": "stations-period",
                "/audits": "audits-period", "/logs": "logs-period", "/walkthroughs": "walk-period"}


def test_every_pages_period_is_in_its_address_and_survives_a_reload(browser, live_server):
    """The same presets on every page with a period; a preset chosen writes ?from=…&to= into the
    address (no reload), and the address — reloaded, bookmarked or shared — reopens that period."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "admin", lands="/todo")
    for path, picker in PERIOD_PAGES.items():
        navigate(page, f"{path}?from=2026-07-01&to=2026-09-30")
        assert page.input_value(f"#{picker}") == "2026-07-01", path
        assert page.input_value(f"#{picker}-end-date") == "2026-09-30", path
        assert page.input_value(f"#{picker}-preset") == "custom", path
    page.select_option("#walk-period-preset", "quarter")
    page.wait_for_url(f"{live_server.url}/walkthroughs?from=2026-10-01&to=2026-11-20")
    page.reload()
    dash_settled(page)
    assert page.input_value("#walk-period") == "2026-10-01" and page.input_value("#walk-period-preset") == "quarter"
    context.close()


# inside a map's frame: the rectangle its drawn data covers (every layer with bounds but the
# tiles, in the frame's pixels) and the legend's, and whether the legend is open
MAP_BOXES = """() => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    let box = null;
    map.eachLayer(layer => {
        if (!layer.getBounds || layer instanceof L.TileLayer) return;
        const bounds = layer.getBounds();
        if (!bounds.isValid()) return;
        const a = map.latLngToContainerPoint(bounds.getNorthWest());
        const b = map.latLngToContainerPoint(bounds.getSouthEast());
        box = box ? [Math.min(box[0], a.x), Math.min(box[1], a.y), Math.max(box[2], b.x), Math.max(box[3], b.y)]
                  : [a.x, a.y, b.x, b.y];
    });
    const legend = document.querySelector('.case-legend');
    const r = legend.getBoundingClientRect();
    return {data: box, legend: [r.left, r.top, r.right, r.bottom], open: legend.open};
}"""

MAP_FRAMES = {"/": "#overview-map", "/cases": "#cases-map", "/stations": "#stations-map"}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_no_legend_covers_a_maps_areas(browser, live_server, viewport):
    """On the desktop each map's legend stands beside the areas it explains (the map is fitted to
    leave it room); on a phone it starts folded to its title, so it covers nothing."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sign_in(page, live_server.url, "leader", lands="/todo")
    for path, frame_id in MAP_FRAMES.items():
        navigate(page, path)
        frame = page.frame_locator(frame_id)
        frame.locator(".case-legend").wait_for()
        page.wait_for_function(f"() => document.querySelector('{frame_id}').contentWindow.L !== undefined")
        boxes = page.locator(frame_id).element_handle().content_frame().evaluate(MAP_BOXES)
        if viewport is PHONE:
            assert boxes["open"] is False, path
            continue
        (left, top, right, bottom), data = boxes["legend"], boxes["data"]
        assert boxes["open"] is True and data is not None, path
        apart = data[2] <= left + 1 or data[0] >= right - 1 or data[3] <= top + 1 or data[1] >= bottom - 1
        assert apart, (path, boxes)
    context.close()


GRID_PAGES = {"/stations": "#stations-league", "/rectifications": "#rect-table", "/walkthroughs": "#walk-lists",
              "/audits": "#audits-coverage"}


def test_no_grid_says_nothing_here_before_its_answer(browser, live_server):
    """While a page's callbacks are on their way, its grids show their heads and no "没有符合条件的…"
    (a cadre read 没有在岗的挂职干部 for seconds before their own row); once answered, rows."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "leader")
    held, current = [], {}

    def asks_rows(body: str | None) -> bool:
        grid = current["grid"].lstrip("#")  # rows sent whole, or a block of an infinite grid
        return f"{grid}.rowData" in (body or "") or f"{grid}.getRowsResponse" in (body or "")

    def hold_rows(route):
        """The answer that fills the grid waits; the page's other callbacks go through."""
        if asks_rows(route.request.post_data):
            held.append(route)
        else:
            route.continue_()

    page.route("**/_dash-update-component*", hold_rows)
    for path, grid in GRID_PAGES.items():
        current["grid"] = grid
        with page.expect_request(lambda r: "_dash-update-component" in r.url and asks_rows(r.post_data)):
            page.evaluate("""path => {
                window.history.pushState({}, '', path);
                window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
            }""", path)
        # a round trip after the request was seen: its route (sent before it) has been handled
        page.locator(f"{grid} .ag-header").wait_for()
        assert held, path
        assert page.locator(f"{grid} .ag-overlay-no-rows-wrapper").count() == 0, path
        current["grid"] = "-"
        while held:
            held.pop().continue_()
        dash_settled(page)
        page.locator(f"{grid} .ag-row, {grid} .ag-overlay-no-rows-wrapper").first.wait_for()
    context.close()


@pytest.mark.parametrize("language, button", [("zh-CN", None), ("en", "English")])
def test_the_top_bar_folds_into_one_menu_on_a_phone(browser, live_server, language, button):
    """At 390×844 the bar is the brand and the menu button on one row; opened, the menu lists every
    entry, each label on one line, in either language."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "officer")
    switch = "() => document.querySelector(\"form[action='/language']\").submit()"  # the menu's own form
    try:
        if button:
            page.evaluate(switch)
            page.wait_for_selector(f"main[lang={language}]")
            dash_settled(page)
        brand, toggler = page.locator(".shell-navbar .navbar-brand"), page.locator("#shell-nav-toggler")
        middle = [box["y"] + box["height"] / 2 for box in (brand.bounding_box(), toggler.bounding_box())]
        assert abs(middle[0] - middle[1]) < 8 and page.locator(".shell-navbar").bounding_box()["height"] < 70
        if not page.locator("#shell-nav-collapse.show").count():
            toggler.click()
        page.locator("#shell-nav-collapse.show").wait_for()
        shape = page.evaluate(ONE_ROW)
        assert len(shape["labels"]) >= 2 and all(lines == 1 for _text, lines in shape["labels"]), shape
        assert not shape["overflow"], shape
        page.screenshot(path=str(ARTIFACTS / f"navbar-phone-{language}.png"))
    finally:
        if button:  # the officer's language is theirs: back to Chinese for the other tests
            page.evaluate(switch)
            page.wait_for_selector("main[lang=zh-CN]")
        context.close()
