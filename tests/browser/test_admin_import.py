"""/admin/import in headless Chromium, on an empty database as a bureau starts: the administrator
uploads its regions file, watches the check's progress, sees the preview, confirms, and the
regions are in; a file with bad rows is refused with its rows named and the list as XLSX.

The check runs in a thread of the live server's process; the test holds it at its first
progress step (a gate around the import service) so the progress bar is seen for certain,
whatever the machine's speed, then lets it go."""

from __future__ import annotations

import io
import threading

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from data.models import Region, Role
from data.services import import_jobs
from tests import import_world as world
from tests.browser.steps import DESKTOP, Watch, open_page, sign_in
from tests.conftest import ARTIFACTS, LiveServer, app_config
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def empty_server(databases):
    from app import create_app

    app = create_app(app_config(databases.fresh_url("admin_import")))
    with Session(app.extensions["engine"]) as session:
        make_user(session, username="first.admin", role=Role.admin, regions=[])
        session.commit()
    server = LiveServer(app).start()
    server.engine = app.extensions["engine"]
    yield server
    server.stop()
    app.extensions["engine"].dispose()


class Gate:
    """Holds the first import job at its first progress step until the test opens the gate."""

    def __init__(self, monkeypatch):
        self.reached, self.opened = threading.Event(), threading.Event()
        real = import_jobs.import_file

        def gated(session, *, progress=None, **kw):
            def step(stage, done, total):
                progress(stage, done, total)
                if not self.reached.is_set():
                    self.reached.set()
                    self.opened.wait(120)
            return real(session, progress=step, **kw)

        monkeypatch.setattr(import_jobs, "import_file", gated)


def upload(page, base: str, kind: str, name: str, data: bytes) -> None:
    open_page(page, f"{base}/admin/import")
    page.select_option("#adm-imp-kind", kind)
    page.set_input_files("#adm-imp-file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.click("#adm-imp-submit")
    page.wait_for_url(f"{base}/admin/import?job=*")


def test_an_admin_imports_regions_and_gets_the_errors_of_a_bad_file(browser, empty_server, monkeypatch):
    base = empty_server.url
    gate = Gate(monkeypatch)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    sign_in(page, base, "first.admin", PASSWORD, lands="/todo")

    # upload: the check starts in the background and shows its progress
    upload(page, base, "regions", "regions.csv", world.regions_csv())
    assert gate.reached.wait(60), "the check did not start"
    progress = page.locator("#adm-imp-progress")
    progress.wait_for()
    assert page.locator("#adm-imp-status").inner_text() == "正在检查"
    assert "行" in page.locator("#adm-imp-panel").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-import-progress.png"), full_page=True)
    gate.opened.set()

    # the preview: counts, nothing written yet
    page.locator("#adm-imp-status", has_text="检查通过，待确认").wait_for()
    counts = page.locator("#adm-imp-counts").inner_text()
    rows = len(world.COUNTIES) + len(world.TOWNSHIPS) + len(world.VILLAGES) + 1
    assert counts.split()[:4] == [str(rows), "文件行数", str(rows), "新增"], counts
    with Session(empty_server.engine) as session:
        assert session.exec(select(func.count()).select_from(Region)).one() == 0
    page.screenshot(path=str(ARTIFACTS / "admin-import-preview.png"), full_page=True)

    # confirm: written, and the recent list says so
    page.click("#adm-imp-confirm")
    page.locator("#adm-imp-status", has_text="已导入").wait_for()
    with Session(empty_server.engine) as session:
        assert session.exec(select(func.count()).select_from(Region)).one() == rows

    # a file with bad rows: refused whole, its rows named, the list as XLSX
    bad = ("区划代码,名称,级别,上级区划代码\n"
           "36980100100,短了一位,乡,369801000000\n"
           "369809001000,无名镇,镇,369809000000\n").encode()
    upload(page, base, "regions", "bad-regions.csv", bad)
    page.locator("#adm-imp-status", has_text="未通过检查，未写入").wait_for()
    table = page.locator("#adm-imp-errors").inner_text()
    assert "区划代码应为 12 位数字" in table and "3" in table
    with page.expect_download() as download:
        page.click("#adm-imp-errors-link")
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    listed = [tuple(row) for row in book.active.iter_rows(values_only=True)]
    assert any(row[:2] == (2, "区划代码") for row in listed), listed
    assert any(row[0] == 3 for row in listed), listed
    page.screenshot(path=str(ARTIFACTS / "admin-import-refused.png"), full_page=True)
    with Session(empty_server.engine) as session:
        assert session.exec(select(func.count()).select_from(Region)).one() == rows
    context.close()
    assert watch.errors == [] and watch.hosts == {"127.0.0.1"}
