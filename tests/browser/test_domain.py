"""What this round's domain adds, in headless Chromium: 好差评 on /stations (its tile, its months and
its latest 差评), and a printed notice issued from a case's detail, opened from its link and read
back as Chinese text."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from data.models import CaseStatus, User, WageCase
from data.queries.users import get_user_scope
from tests.browser.steps import DESKTOP, Watch, dash_settled, open_page, sign_in
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_service_ratings_on_the_stations_page(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, "leader", lands="/todo")
    open_page(page, f"{live_server.url}/stations")
    tile = page.locator("#stations-kpi-satisfaction")
    assert re.fullmatch(r"\d{2,3}\.\d%", tile.locator(".kpi-value").inner_text().strip())
    assert re.search(r"评价 [\d,]+ 条 · 差评 [\d,]+ 条 · 去年同期 \d", tile.inner_text())
    # a bar a month, the month under way named as such; the latest 差评 each with its follow-up
    bars = page.locator("#stations-ratings .point path")
    assert bars.count() == 12
    assert "（至今）" in page.locator("#stations-ratings .xtick").last.text_content()
    assert page.locator("#stations-negatives li").count() >= 1
    assert page.locator("#stations-league .ag-header-cell-text", has_text="好差评满意度").count() == 1
    page.screenshot(path=str(ARTIFACTS / "stations-ratings.png"), full_page=True)
    assert watch.errors == []
    context.close()


@pytest.fixture(scope="module")
def investigating_case(demo_engine):
    """A case under investigation held by the officer's county, with no notice yet."""
    with Session(demo_engine) as session:
        officer = session.exec(select(User).where(User.username == "officer")).one()
        scope = get_user_scope(session, user_id=officer.id)
        case = session.exec(select(WageCase).where(WageCase.status == CaseStatus.investigating,
                                                   WageCase.office_path == scope.paths[0])
                            .order_by(WageCase.id.desc())).first()
        return {"id": case.id, "case_no": case.case_no}


def test_a_notice_is_issued_from_a_case_and_reads_as_chinese(browser, live_server, investigating_case):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext missing: scripts/test.sh installs poppler-utils")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, "officer", lands="/todo")
    page.goto(f"{live_server.url}/cases?case={investigating_case['id']}")
    page.locator("#cases-detail.show:not(.showing)").wait_for()
    dash_settled(page)
    assert "投诉时在查处时效内" in page.locator("#limitation-note").inner_text()
    page.get_by_role("button", name="出具受理通知书").click()
    link = page.locator("a.case-document", has_text="受理通知书")
    # awaited with its number; read from the DOM (text_content): the detail is drawn again as the
    # notice is issued (dimmed under its loading dots) — what the page paints is not the question here
    expect(link).to_contain_text(re.compile(r"示人社监受〔\d{4}〕\d+号"))
    number = re.search(r"示人社监受〔\d{4}〕\d+号", link.text_content()).group(0)
    href = link.get_attribute("href")
    # it opens beside the dashboard: a new tab asks for the notice (what the tab then does with a
    # PDF — shows it or saves it — is the browser's)
    asks = context.expect_event("request", lambda r: r.url.endswith(href))
    with context.expect_page() as opened, asks as asked:
        link.click()
    assert asked.value.frame.page == opened.value and opened.value != page
    response = context.request.get(live_server.url + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(subprocess.run(["pdftotext", "-", "-"], input=response.body(), capture_output=True,
                                  check=True).stdout.decode().split())
    for expected in ("示范市人力资源和社会保障局", "劳动保障监察投诉受理通知书", number, investigating_case["case_no"],
                     "六十个工作日", "（盖章处）"):
        assert expected in text, expected
    # it is in the case's history, and the button is gone (issued once)
    dash_settled(page)
    assert page.locator(".timeline-item", has_text="出具文书").filter(has_text=number).count() == 1
    assert page.get_by_role("button", name="出具受理通知书").count() == 0
    assert watch.errors == []
    context.close()


@pytest.mark.parametrize("username", ["officer", "leader", "inspector", "cadre"])
def test_the_badge_counts_what_the_list_shows(browser, live_server, demo_engine, username):
    """For each role: the top bar's count is the number of items /todo lists, which is the query's."""
    from data.queries.settings import work_calendar
    from data.queries.todo import todo_items
    from tests.browser.steps import navigate
    from tests.conftest import TODAY
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, live_server.url, username)
    with Session(demo_engine) as session:  # after the sign-in: what the page will count now
        user = session.exec(select(User).where(User.username == username)).one()
        expected = len(todo_items(session, role=user.role, user_id=user.id, today=TODAY,
                                  scope=get_user_scope(session, user_id=user.id), calendar=work_calendar(session)))
    badge = page.locator("#shell-todo-count")
    if expected:
        page.wait_for_function("() => document.querySelector('#shell-todo-count').textContent !== ''")
        assert badge.inner_text() == str(expected)
    else:
        assert "d-none" in badge.get_attribute("class")
    navigate(page, "/todo")
    if expected:
        assert re.match(rf"共 {expected} 项", page.locator("#todo-total").inner_text())
        listed = page.locator("#todo-digest").inner_text()
        assert sum(int(n) for n in re.findall(r" (\d+)(?: ·|$)", listed)) == expected
    else:
        page.locator("#todo-none").wait_for()
    assert watch.errors == []
    context.close()
