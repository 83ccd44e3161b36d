"""The situation-room wall in headless Chromium: it fits 1920×1080 and 3840×2160, rotates 50
times without talking to another host or growing its heap, and rides out two and ten minutes
without the server (in the page's fake time) — stale with the figures' age, then fresh again
within one refresh period of the server's return — with nobody touching it."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.browser.steps import Watch
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
    settled(page)


def settled(page) -> None:
    """Every panel shows the region on screen, nothing is loading, the fonts are in."""
    page.wait_for_function("() => window.__wall.settled() && document.fonts.status === 'loaded'")


@pytest.mark.parametrize("width, height", [(1920, 1080), (3840, 2160)])
def test_the_wall_fits_the_screen(browser, live_server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, "wall")
    page.goto(f"{live_server.url}/wall?seconds=600")
    wait_for_figures(page)
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
    # each scene shows its own subject: the map coloured by it under its own title, the side
    # given to the townships behind on it (stations, field), every row inside its box and no
    # column head cut
    seen = {}
    for _scene in range(4):
        scene = page.evaluate("document.body.dataset.scene")
        seen[scene] = page.evaluate("""() => {
            const shown = el => el.offsetParent !== null;
            const rows = [...document.querySelectorAll('.side .rows .row, .side .rows li')]
                .filter(r => shown(r) && r.style.visibility !== 'hidden');
            const heads = [...document.querySelectorAll('.side .row.head span')].filter(shown);
            return {title: document.querySelector('#p-map .panel-title span').textContent,
                    legend: document.querySelector('#w-legend').textContent,
                    supervised: shown(document.querySelector('#p-supervised')),
                    worst: shown(document.querySelector('#p-worst')),
                    inside: rows.every(r => r.getBoundingClientRect().bottom
                                            <= r.closest('.sub').getBoundingClientRect().bottom + 1),
                    cut: heads.filter(h => h.scrollWidth > h.clientWidth + 1).map(h => h.textContent),
                    hero: [...document.querySelectorAll('.kpi.hero')].map(k => k.id)};
        }""")
        page.evaluate("window.__wall.rotate()")
        settled(page)
    assert seen["cases"]["title"] == "欠薪风险网格图" and "红色" in seen["cases"]["legend"]
    assert seen["stations"]["title"] == "人社所标准化（最近一次检查）" and "全部达标" in seen["stations"]["legend"]
    assert seen["field"]["title"] == "本月工作日志报送率" and "≥95%" in seen["field"]["legend"]
    assert seen["overview"]["supervised"] and not seen["overview"]["worst"]
    assert seen["stations"]["worst"] and not seen["stations"]["supervised"] and seen["field"]["worst"]
    assert all(s["inside"] and s["cut"] == [] for s in seen.values()), seen
    # 好差评 leads the stations scene; the quarters down (四连降) and the cases to clear before the
    # Spring Festival the cases scene
    assert "kpi-satisfaction" in seen["stations"]["hero"]
    assert {"kpi-declines", "kpi-campaign"} <= set(seen["cases"]["hero"])
    assert re.fullmatch(r"\d{2,3}\.\d", page.locator("#kpi-satisfaction .value span").first.inner_text())
    assert re.fullmatch(r"[0-4]", page.locator("#kpi-declines .value span").first.inner_text())
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
            settled(page)

    # one cycle shows every scene of every region once: from then on the screen holds the figures of
    # them all, and the rest of the 50 rotations go round again
    cycle = page.evaluate("window.__wall.cycle")
    assert 2 <= cycle <= 40, cycle
    rotate(cycle)
    after_cycle = heap(cdp)
    rotate(50 - cycle)
    after_50 = heap(cdp)
    assert page.evaluate("window.__wallRotations") == 50
    assert watch.hosts <= {"127.0.0.1"} and watch.errors == []
    assert after_50 <= after_cycle * 1.2, (after_cycle, after_50)  # no growth once every region is held
    context.close()


# --- the wall heals itself: outages of two and ten minutes, in the page's fake time ---------------

STALE_AGE = r"^更新于 \d\d:\d\d:\d\d · (\d+) 分钟前$"
REQUESTS = "/wall/data/"


class Outage:
    """The wall at its default settings on a server of its own, its clock in Playwright's hands:
    time moves only when `advance` says so, in steps, each waiting for the requests it set off."""

    STEP = 2  # seconds of the page's time per step: the shortest pause between retries

    def __init__(self, browser, demo_app):
        self.app, self.server = demo_app, LiveServer(demo_app).start()
        self.port = self.server.port
        self.context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda req: REQUESTS in req.url and self.requests.append(req.url))
        sign_in(self.page, self.server.url, "wall")
        self.page.clock.install()
        self.page.goto(f"{self.server.url}/wall")  # the defaults: 30 s a scene, each panel its own period
        wait_for_figures(self.page)
        self.page.wait_for_function("(panels) => panels.every(p => document.querySelector(p).dataset.updated)",
                                    arg=list(PANELS))
        # from here on, the page's time moves only in advance()
        self.page.clock.pause_at(datetime.fromtimestamp(self.now() / 1000 + 1, UTC))
        self.loaded = self.page.evaluate("window.__wall.loadedAt")

    def now(self) -> int:
        return self.page.evaluate("Date.now()")

    def settle(self) -> None:
        self.page.wait_for_function("() => window.__wall.state.inflight === 0", polling=50)

    def advance(self, seconds: int) -> None:
        for _ in range(seconds // self.STEP):
            self.page.clock.run_for(self.STEP * 1000)
            self.settle()

    def recovered(self) -> bool:
        return self.page.evaluate("() => !document.querySelector('.stale') && !document.querySelector('.upd.late') "
                                  "&& !document.querySelector('#w-status').textContent")

    def stop(self) -> None:
        self.server.stop()

    def restart_and_recover(self) -> int:
        """The server back on its port: the seconds of page time the screen takes to recover."""
        stale = [panel for panel, age in self.ages().items() if age is not None]
        assert stale, "nothing was stale"
        self.server = LiveServer(self.app, port=self.port).start()
        back, asked = self.now(), len(self.requests)
        waited = 0
        while not self.recovered():
            assert waited < 60, "the wall did not recover within a minute of the server's return"
            self.advance(self.STEP)
            waited += self.STEP
        assert len(self.requests) > asked  # data requests resumed …
        assert self.page.evaluate("window.__wall.loadedAt") == self.loaded  # … without a reload
        for panel in stale:  # every stale panel's figures came after the server did
            assert float(self.page.locator(panel).get_attribute("data-updated")) >= back, panel
        return waited

    def ages(self) -> dict[str, int | None]:
        """Each panel's stale mark, in minutes ("N 分钟前"); None where the panel is not stale."""
        out = {}
        for panel in PANELS:
            upd = self.page.locator("#w-kpi-upd" if panel == "#p-kpis" else f"{panel} .upd").first
            stale = "stale" in (self.page.locator(panel).get_attribute("class") or "")
            match = re.match(STALE_AGE, upd.inner_text())
            assert stale == bool(match), (panel, stale, upd.inner_text())
            out[panel] = int(match.group(1)) if match else None
        return out

    def close(self) -> None:
        self.server.stop()
        self.context.close()


def test_the_wall_recovers_alone_after_two_and_ten_minutes_without_the_server(browser, demo_app):
    wall = Outage(browser, demo_app)
    page = wall.page
    try:
        before = page.locator("#kpi-cases .value span:first-child").inner_text()
        wall.stop()
        wall.advance(120)
        assert page.locator("#w-status").inner_text() == "连接中断，正在重试"
        assert page.locator("#kpi-cases .value span:first-child").inner_text() == before  # the last figures stay
        ages = wall.ages()
        # every panel due in these two minutes failed and says how old its figures are; the map
        # (5 minutes) and the trends (10) are not due yet and are not stale
        for panel in ("#p-kpis", "#p-supervised", "#p-ticker"):
            assert ages[panel] == 2, ages
        assert ages["#p-map"] is None and ages["#p-trends"] is None, ages
        page.screenshot(path=str(ARTIFACTS / "wall-stale.png"))
        # within one refresh period (the ticker's 30 s; the first answer brings every panel back)
        assert wall.restart_and_recover() <= 30

        wall.stop()
        wall.advance(480)
        asked = len(wall.requests)
        wall.advance(120)  # ten minutes: the rotation has run twenty times meanwhile
        # still retrying, every panel, at least once a minute however long the outage
        retried = Counter(url.split(REQUESTS)[1].split("?")[0] for url in wall.requests[asked:])
        assert all(retried[panel[3:]] >= 2 for panel in PANELS), retried
        ages = wall.ages()
        assert all(age is not None and age >= 9 for age in ages.values()), ages  # every panel stale, aged
        assert page.locator("#kpi-cases .value span:first-child").inner_text() == before
        assert wall.restart_and_recover() <= 30
    finally:
        wall.close()


def test_on_a_leaders_own_screen_the_tiles_open_their_cases(browser, live_server):
    """The wall's desktop twin: a leader's own browser shows the wall with every tile a link; the
    overdue tile opens /cases (in a new tab) on the county shown with only overdue cases."""
    from tests.browser.steps import sign_in as desk_sign_in
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    desk_sign_in(page, live_server.url, "leader", lands="/todo")
    county = "369902000000"
    page.goto(f"{live_server.url}/wall?seconds=600&region={county}")
    wait_for_figures(page)
    tile = page.locator("a#kpi-overdue")
    assert tile.get_attribute("href") == f"/cases?period=all&overdue=1&county={county}"
    assert page.locator(".kpi").count() == page.locator("a.kpi-link").count() == 15
    with context.expect_page() as opened:
        tile.click()
    cases = opened.value
    cases.wait_for_url(re.compile(r".*/cases\?period=all&overdue=1&county=" + county))
    cases.locator("#cases-overdue").wait_for()
    assert cases.locator("#cases-overdue").is_checked()
    cases.locator("#cases-county").get_by_text("清埠区").wait_for()  # the demo city's 369902 county
    assert watch.errors == [] and watch.hosts <= {"127.0.0.1"}
    context.close()
