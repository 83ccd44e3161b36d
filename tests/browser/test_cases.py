"""/cases in headless Chromium: an officer filters to the county, drills into a township on the
map, opens a case and transfers it; the leader sees it move. XSS payloads in free text stay
inert in the table, the detail and the map popups."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from data.models import CaseSource, Employer, Region, RegionLevel, Role, User
from data.queries.users import get_user_scope
from data.services import cases as svc
from data.services.common import Actor
from tests.browser.steps import DESKTOP, Watch, dash_settled, open_page, sign_in
from tests.conftest import ARTIFACTS, TODAY

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def xss_case(demo_engine):
    """A case in the officer's county whose every free-text field carries a payload."""
    with Session(demo_engine, expire_on_commit=False) as session:
        officer = session.exec(select(User).where(User.username == "officer")).one()
        scope = get_user_scope(session, user_id=officer.id)
        county = session.exec(select(Region).where(Region.path == scope.paths[0])).one()
        township = session.exec(select(Region).where(Region.parent_id == county.id,
                                                     Region.level == RegionLevel.township)
                                .order_by(Region.area_code)).first()
        other = session.exec(select(Region).where(Region.level == RegionLevel.county, Region.id != county.id)
                             .order_by(Region.area_code)).first()
        employer = Employer(uscc="91369901MA0000001X", name="示范" + PAYLOAD, industry="construction",
                            is_construction=True, region_id=township.id, path=township.path)
        session.add(employer)
        session.commit()
        actor = Actor(id=officer.id, username=officer.username, role=Role.case_officer, scope=scope)
        case = svc.receive_case(session, actor=actor, today=TODAY, intake=svc.CaseIntake(
            source=CaseSource.walk_in, summary="拖欠工资" + PAYLOAD, employer_id=employer.id,
            industry="construction", is_construction=True, workers=9, amount_claimed_cents=12_300_000,
            lon=township.centroid_lon, lat=township.centroid_lat,
            complainant_name="王<img src=x onerror=window.__xss=3>"))
        return {"case_no": case.case_no, "id": case.id, "county": county, "township": township, "other": other}


def no_xss(page) -> None:
    for frame in page.frames:
        assert frame.evaluate("typeof window.__xss") == "undefined", frame.url


def wait_for_map(page, part_of_src: str) -> None:
    """Wait until the map frame shows the map for the current filters, loaded and drawn."""
    page.wait_for_function("""s => {
        const frame = document.querySelector('#cases-map');
        const inner = frame && frame.contentWindow;
        return frame.src.includes(s) && inner && inner.location.href.includes(s)
            && inner.document.readyState === 'complete' && Object.keys(inner).some(k => k.startsWith('map_'));
    }""", arg=part_of_src)


def click_township_on_map(page, township) -> None:
    """Click the township's centre inside the map frame, where Leaflet draws it."""
    handle = page.locator("#cases-map").element_handle().content_frame()
    point = handle.evaluate(
        """([lat, lon]) => {
            const map = window[Object.keys(window).find(k => k.startsWith("map_"))];
            const p = map.latLngToContainerPoint([lat, lon]);
            return {x: p.x, y: p.y};
        }""", [township.centroid_lat, township.centroid_lon])
    page.locator("#cases-map").scroll_into_view_if_needed()
    box = page.locator("#cases-map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def pick(page, dropdown: str, option: str) -> None:
    """Choose an option of a dcc.Dropdown (its menu opens outside the component)."""
    page.locator(dropdown).click()
    page.get_by_role("option", name=option, exact=True).click()


def open_case(page, case_no: str) -> None:
    page.fill("#cases-text", case_no)
    page.keyboard.press("Enter")
    # as a person does: down to the table (AG Grid may keep rows it drew below the fold invisible
    # until the grid is on screen)
    page.locator("#cases-table").scroll_into_view_if_needed()
    row = page.locator(".ag-row", has_text=case_no).first
    row.wait_for()
    row.click()
    page.locator("#cases-detail").wait_for()
    page.locator(".case-facts").wait_for()
    page.locator("#cases-detail.show:not(.showing)").wait_for()  # the panel has slid in
    dash_settled(page)


def test_officer_drills_opens_and_transfers_leader_sees_it(browser, live_server, xss_case):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, "officer", lands="/todo")
    open_page(page, f"{live_server.url}/cases")

    # filter to the county (the officer's only one)
    pick(page, "#cases-county", xss_case["county"].name)
    wait_for_map(page, "region_code=" + xss_case["county"].area_code)

    # drill into the township on the map: the township filter follows, the map shows its cases
    click_township_on_map(page, xss_case["township"])
    page.locator("#cases-township").get_by_text(xss_case["township"].name).wait_for()
    wait_for_map(page, "township=" + xss_case["township"].area_code)
    # open every popup of the drilled map: escaped markup never runs
    frame = page.locator("#cases-map").element_handle().content_frame()
    opened = frame.evaluate("""() => {
        const map = window[Object.keys(window).find(k => k.startsWith("map_"))];
        let n = 0;
        map.eachLayer(l => { if (l.getPopup && l.getPopup()) { l.openPopup(); n += 1; } });
        return n;
    }""")
    assert opened >= 1
    assert PAYLOAD not in frame.content()
    no_xss(page)

    # open the case from the table; the detail shows the payload as text
    open_case(page, xss_case["case_no"])
    detail = page.locator("#cases-detail")
    assert "onerror" in detail.inner_text()  # shown as text, not markup
    assert page.locator(".ag-row", has_text="示范<img").count() == 1
    no_xss(page)
    page.screenshot(path=str(ARTIFACTS / "cases-detail-officer.png"))

    # transfer it to another county
    detail.get_by_role("button", name="流转").click()
    page.locator("#cases-act-modal").wait_for()
    pick(page, "#cases-act-region", xss_case["other"].name)
    page.fill("#cases-act-reason", "用工单位注册地在" + xss_case["other"].name)
    page.locator("#cases-act-submit").click()
    page.locator("#cases-act-modal").wait_for(state="hidden")
    detail.locator(".timeline-item", has_text="流转").first.wait_for()
    assert detail.get_by_role("button", name="流转").count() == 0  # waits for the receiver now
    no_xss(page)
    context.close()
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}

    # the leader sees it move
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "leader", lands="/todo")
    open_page(page, f"{live_server.url}/cases")
    open_case(page, xss_case["case_no"])
    timeline = page.locator("#cases-detail .timeline")
    transfer = timeline.locator(".timeline-item", has_text="流转").first
    transfer.wait_for()
    assert re.search(xss_case["other"].name, transfer.inner_text())
    no_xss(page)
    page.screenshot(path=str(ARTIFACTS / "cases-detail-leader.png"))
    context.close()
