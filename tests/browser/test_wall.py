"""The situation-room wall in headless Chromium: it fits 1920×1080 and 3840×2160, rotates 50
times without talking to another host or growing its heap, and rides out a minute without the
server — stale, then fresh again — with nobody touching it."""

from __future__ import annotations

import time

import pytest

from tests.browser.test_shell import Watch
from tests.conftest import ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser

PANELS = ("#p-kpis", "#p-map", "#p-supervised", "#p-areas", "#p-trends", "#p-ticker")


def sign_in(page, base: str, username: str = "wall", password: str = "hrss-demo") -> None:
    """The wall's own sign-in lands on the screen, not the dashboard."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/wall")


def wait_for_figures(page) -> None:
    page.wait_for_function("() => document.querySelector('#kpi-cases .value span').textContent !== '—'")
    page.wait_for_function("() => document.querySelectorAll('#w-map path').length > 5")


@pytest.mark.parametrize("width, height", [(1920, 1080), (3840, 2160)])
def test_the_wall_fits_the_screen(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, "wall")
    page.goto(f"{live_server.url}/wall?seconds=600")
    wait_for_figures(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"wall-{width}x{height}.png"))
    layout = page.evaluate("""(panels) => {
        const doc = document.documentElement;
        const out = {scroll: [doc.scrollWidth, doc.scrollHeight, innerWidth, innerHeight], panels: {}, kpi: []};
        for (const sel of panels) {
            const r = document.querySelector(sel).getBoundingClientRect();
            out.panels[sel] = [r.left, r.top, r.right, r.bottom];
        }
        for (const k of document.querySelectorAll('.kpi')) {
            const v = k.querySelector('.value');
            out.kpi.push([k.id, v.scrollWidth <= k.clientWidth, k.scrollHeight <= k.clientHeight + 1]);
        }
        const rows = [...document.querySelectorAll('#p-supervised li, #p-areas .row')]
            .filter(r => r.style.visibility !== 'hidden');
        out.rowsInside = rows.every(r => {
            const box = r.closest('.sub').getBoundingClientRect(), me = r.getBoundingClientRect();
            return me.bottom <= box.bottom + 1;
        });
        return out;
    }""", list(PANELS))
    sw, sh, w, h = layout["scroll"]
    assert sw <= w and sh <= h, "the page scrolls"
    boxes = layout["panels"]
    for sel, (left, top, right, bottom) in boxes.items():
        assert 0 <= left and right <= w and 0 <= top and bottom <= h, sel
    names = list(boxes)
    for i, a in enumerate(names):  # no two panels overlap
        for b in names[i + 1:]:
            la, ta, ra, ba = boxes[a]
            lb, tb, rb, bb = boxes[b]
            assert ra <= lb + 1 or rb <= la + 1 or ba <= tb + 1 or bb <= ta + 1, (a, b)
    assert all(fits and tall for _id, fits, tall in layout["kpi"]), layout["kpi"]
    assert layout["rowsInside"]
    assert watch.errors == [] and watch.hosts <= {"127.0.0.1"}
    context.close()


def heap(cdp) -> int:
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"]


def test_fifty_rotations_stay_local_and_keep_the_heap_flat(browser, live_server):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, "wall")
    page.goto(f"{live_server.url}/wall?seconds=600")
    wait_for_figures(page)
    cdp = context.new_cdp_session(page)

    def rotate(times: int) -> None:
        for _ in range(times):
            page.evaluate("window.__wall.rotate()")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(120)

    rotate(5)
    after_5 = heap(cdp)
    rotate(45)
    after_50 = heap(cdp)
    assert page.evaluate("window.__wallRotations") == 50
    # 50 rotations pass through every scene and every county at least twice
    assert watch.hosts <= {"127.0.0.1"} and watch.errors == []
    assert after_50 <= after_5 * 1.2, (after_5, after_50)
    context.close()


def test_a_minute_without_the_server_then_recovery(browser, demo_app):
    server = LiveServer(demo_app).start()
    port = server.port
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, server.url, "wall")
    page.goto(f"{server.url}/wall?seconds=600&refresh=3")
    wait_for_figures(page)
    loaded = page.evaluate("window.__wall.loadedAt")
    before = page.locator("#kpi-cases .value span:first-child").inner_text()

    server.stop()
    stopped = time.monotonic()
    page.wait_for_function("() => document.querySelector('#p-kpis').classList.contains('stale')", timeout=20_000)
    assert page.locator("#w-status").inner_text() != ""
    assert page.locator("#kpi-cases .value span:first-child").inner_text() == before  # the last figures stay up
    page.screenshot(path=str(ARTIFACTS / "wall-stale.png"))
    time.sleep(max(0.0, 60 - (time.monotonic() - stopped)))

    server = LiveServer(demo_app, port=port).start()
    try:
        restarted = time.time() * 1000
        page.wait_for_function("() => !document.querySelector('.stale') && !document.querySelector('#w-status').textContent",
                               timeout=30_000)
        assert page.evaluate("window.__wall.loadedAt") == loaded  # no reload
        assert float(page.locator("#p-kpis").get_attribute("data-updated")) >= restarted
    finally:
        server.stop()
        context.close()
