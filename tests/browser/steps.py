"""Steps the browser tests share: sign in, wait for the Dash page to settle, watch the network.

Nothing here waits a fixed time or for `networkidle` (which never comes while a map frame or a
poll is busy, and comes late on a loaded machine): every wait is for a condition the page states.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Dash's renderer keeps its callbacks in the Redux store (window.store): the page has settled when
# the layout is there, no callback is requested, waiting, running or being applied, and no component
# says it is loading. A callback's result that triggers the next one is applied in the same dispatch
# as the next request is made, so there is no gap in which a chain looks finished. Graphs count
# once plotly.js (loaded on demand) has drawn them.
_DASH_SETTLED = """() => {
    const store = window.store;
    if (!store || document.querySelector('._dash-loading')) return false;
    const state = store.getState();
    if (!state.layout || !state.callbacks) return false;
    const busy = ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed']
        .some(k => (state.callbacks[k] || []).length > 0);
    if (busy || document.querySelector('[data-dash-is-loading="true"]')) return false;
    // graphs wait for plotly.js, which Dash loads on its own after the page's first render
    return [...document.querySelectorAll('.dash-graph')].every(g => g.querySelector('.js-plotly-plot'));
}"""


def dash_settled(page, timeout: float | None = None) -> None:
    """Wait until the Dash page has rendered and every callback it started has answered."""
    page.wait_for_function(_DASH_SETTLED, timeout=timeout, polling=100)


# Every frame on the page (the maps) has loaded its document and every image in it (Leaflet's
# marker icons): leaving before would abort those requests.
_FRAMES_LOADED = """() => [...document.querySelectorAll('iframe')].every(frame => {
    let doc;
    try { doc = frame.contentDocument; } catch (e) { return true; }  // another origin: not ours to wait for
    if (!doc || doc.readyState !== 'complete') return false;
    if (frame.getAttribute('src') && doc.location.href === 'about:blank') return false;
    return [...doc.images].every(image => image.complete);
})"""


def frames_loaded(page, timeout: float | None = None) -> None:
    page.wait_for_function(_FRAMES_LOADED, timeout=timeout, polling=100)


def sign_in(page, base: str, username: str, password: str = "hrss-demo", *, lands: str = "/"):
    """Sign in through the form, asking for `lands` (?next=…), and wait until that page has settled
    (leaving it earlier would abort its requests). "/" is the overview; a test that goes elsewhere at
    once asks for "/todo", the lightest page every desk role has (no maps, no charts)."""
    page.goto(f"{base}/login?next={lands}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{lands}")
    dash_settled(page)
    frames_loaded(page)


def open_page(page, url: str) -> None:
    """Open a Dash page and wait until it has settled, its map frames included."""
    page.goto(url)
    dash_settled(page)
    frames_loaded(page)


def navigate(page, path: str) -> None:
    """Go to another page the way the app's own links do (history.pushState and the event Dash's
    Location listens for: no reload), then wait until that page has settled."""
    page.evaluate("""path => {
        window.history.pushState({}, '', path);
        window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
    }""", path)
    dash_settled(page)
    frames_loaded(page)


class Watch:
    """Collects console errors, failed requests and every host the page talks to."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        self.failed: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", lambda req: self.hosts.add(urlsplit(req.url).hostname or req.url.split(":")[0]))
        page.on("requestfailed", lambda req: self.failed.append(f"{req.url} {req.failure}"))


# every frame reports each violation to the test through a binding
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.reportViolation({page: location.pathname, directive: e.effectiveDirective, blocked: e.blockedURI,
                          sample: e.sample, line: e.lineNumber});
});
"""


def watched_context(browser, **options):
    context = browser.new_context(**{"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", **options})
    violations: list[dict] = []
    context.expose_binding("reportViolation", lambda _source, v: violations.append(v))
    context.add_init_script(REPORT_VIOLATIONS)
    return context, violations


def csp_console(watch: Watch) -> list[str]:
    return [e for e in watch.errors if "Content Security Policy" in e or "Refused to" in e]


def change_password(page, current: str, new: str) -> None:
    """Fill and send the password form (/password): the current one, the new one twice."""
    page.fill("#pw-current", current)
    page.fill("#pw-new", new)
    page.fill("#pw-repeat", new)
    page.click("#pw-submit")
