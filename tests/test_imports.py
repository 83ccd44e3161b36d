"""Into service: a bureau's own files come into an empty database (issue 11).

The second city (tests/import_world.py) is imported through the command line, in the order a
bureau would; then pages, maps and the wall show it, a second import changes nothing, and a
file with bad rows names them, exits 1 and leaves the database as it was."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from data.geo.crs import gcj02_to_wgs84, wgs84_to_gcj02
from data.imports import KINDS, ImportFileError, import_file
from data.imports.core import decode, read_rows
from data.imports.regions import code_fits_level
from data.models import (
    AuditEvent,
    CaseMonth,
    CaseStatus,
    GridCell,
    Region,
    RegionLevel,
    Role,
    Secondment,
    Station,
    StationStaff,
    User,
    WageCase,
)
from tests import import_world as world
from tests.conftest import TODAY, contains

ORDER = tuple(KINDS)  # regions, boundaries, grid-cells, stations, staff, users, secondments, cases


def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["import", *map(str, args)])


def counts(engine) -> dict:
    with Session(engine) as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Region, GridCell, Station, StationStaff, User, Secondment, WageCase, AuditEvent)}


@pytest.fixture
def city_files(tmp_path):
    return world.write_files(tmp_path, TODAY)


@pytest.fixture
def imported(app, city_files, tmp_path):
    """The second city, imported into the app's empty database; the one-time passwords."""
    passwords = tmp_path / "passwords.tsv"
    for kind in ORDER:
        extra = ["--passwords", passwords] if kind == "users" else []
        result = run_cli(app, kind, city_files[kind], *extra)
        assert result.exit_code == 0, (kind, result.output)
    return dict(line.split("\t") for line in passwords.read_text().splitlines())


def first_sign_in(app, username: str, one_time: str):
    """A new account's first sign-in: the one-time password opens only its change (/password)."""
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": one_time}).status_code == 302
    assert client.get("/").headers["Location"].startswith("/password")
    new = f"{username}-own-password"
    changed = client.post("/password", data={"csrf_token": client.get_cookie("_csrf_token").value,
                                             "current": one_time, "new": new, "repeat": new, "next": "/"})
    assert changed.status_code == 302, changed.data[:300]
    return client


def test_a_second_city_comes_in_and_the_product_shows_it(app, imported):
    engine = app.extensions["engine"]
    with Session(engine) as session:
        assert session.exec(select(Region.name).where(Region.level == RegionLevel.city)).all() == ["云岭市"]
        townships = session.exec(select(Region).where(Region.level == RegionLevel.township)).all()
        assert len(townships) == 6 and all(t.boundary for t in townships)
        retired = next(t for t in townships if t.area_code == "369802202000")
        assert retired.valid_to is not None and retired.path == "369800000000/369802000000/369802202000/"
        bowtie = next(t for t in townships if t.area_code == "369801002000")
        assert bowtie.boundary["type"] in ("Polygon", "MultiPolygon")  # repaired, kept
        assert session.exec(select(func.count()).select_from(Station)).one() == 7
        cadre = session.exec(select(User).where(User.username == "yl.cadre")).one()
        assert cadre.role == Role.cadre and cadre.must_change_password
        grids = session.exec(select(GridCell).order_by(GridCell.code)).all()
        assert [(g.code, g.path) for g in grids][0] == ("YL-G01", "369800000000/369801000000/369801001000/")
        assert len(grids) == 5 and grids[0].grid_worker_name == "网格员1"
        staff = session.exec(select(StationStaff.name, StationStaff.is_backup_post, StationStaff.active)
                             .order_by(StationStaff.id)).all()
        assert staff == [("吴湖滨", False, True), ("郑望城", True, True), ("冯白沙", False, False)]
        posting = session.exec(select(Secondment)).one()
        baisha = session.exec(select(Station).where(Station.code == "YL-T003")).one()
        assert (posting.user_id, posting.station_id, posting.path) == (cadre.id, baisha.id, baisha.path)
        cases = session.exec(select(WageCase)).all()
        assert len(cases) == 40 and {c.office_path for c in cases} == {
            "369800000000/369801000000/", "369800000000/369802000000/"}
        historic = next(c for c in cases if c.region_id == retired.id)  # the old township keeps its case
        assert historic.status == CaseStatus.received and historic.accept_due > historic.received_on
        closed = [c for c in cases if c.status == CaseStatus.closed]
        assert closed and all(c.closed_on and c.decided_on and c.investigate_due for c in closed)
        events = session.exec(select(AuditEvent.action, AuditEvent.details).where(
            AuditEvent.action.like("import.%"))).all()
        assert [a for a, _ in events] == [f"import.{k}" for k in ORDER]
        assert dict(events)["import.cases"]["new"] == 40
    assert set(imported) == {u[0] for u in world.USERS}

    client = first_sign_in(app, "yl.leader", imported["yl.leader"])
    regions_map = client.get("/maps/regions").get_data(as_text=True)
    assert contains(regions_map, "湖滨街道") and not contains(regions_map, "旧桥乡")
    assert not contains(regions_map, "示范市")
    assert contains(client.get("/maps/cases?level=township").get_data(as_text=True), "石门乡")
    assert contains(client.get("/maps/stations").get_data(as_text=True), "白沙镇人社所")

    wall = first_sign_in(app, "yl.wall", imported["yl.wall"])
    kpis = wall.get("/wall/data/kpis")
    assert kpis.status_code == 200
    assert "云岭市" in wall.get("/wall").get_data(as_text=True)


def test_importing_the_same_files_again_changes_nothing(app, imported, city_files):
    before = counts(app.extensions["engine"])
    for kind in ORDER:
        result = run_cli(app, kind, city_files[kind])
        assert result.exit_code == 0, result.output
        assert " 0 new, 0 changed" in result.output, (kind, result.output)
    after = counts(app.extensions["engine"])
    assert {k: v for k, v in after.items() if k != "AuditEvent"} == {k: v for k, v in before.items()
                                                                      if k != "AuditEvent"}
    assert after["AuditEvent"] == before["AuditEvent"] + len(ORDER)  # one event per import, with its counts


def test_a_changed_row_updates_only_what_differs_and_is_audited(app, imported, tmp_path):
    rows = world.case_rows(TODAY)
    rows[3][7] = "99"  # workers
    path = tmp_path / "cases2.csv"
    path.write_bytes(world.cases_csv(TODAY, rows))
    result = run_cli(app, "cases", path)
    assert result.exit_code == 0 and "0 new, 1 changed, 39 unchanged" in result.output, result.output
    with Session(app.extensions["engine"]) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.import_update")).one()
        assert event.details["after"] == {"workers": 99} and event.details["case_no"] == rows[3][0]
    # the monthly sums followed both imports (new cases, then a changed one); the CLI says so, and
    # mends them when they do not
    cli = app.test_cli_runner()
    assert "agree with" in cli.invoke(args=["rollups", "check"]).output
    with app.extensions["engine"].begin() as conn:
        conn.execute(sa.update(CaseMonth.__table__).values(workers=CaseMonth.__table__.c.workers + 1))
    broken = cli.invoke(args=["rollups", "check"])
    assert broken.exit_code == 1 and "differ from" in broken.output
    assert "rebuilt" in cli.invoke(args=["rollups", "rebuild"]).output
    assert "agree with" in cli.invoke(args=["rollups", "check"]).output


def test_a_file_with_bad_rows_names_them_exits_1_and_writes_nothing(app, imported, tmp_path):
    rows = world.case_rows(TODAY)
    rows.append(list(rows[0]))  # the same case number twice
    rows[5][3] = "369899999000"  # no such township
    rows[7][9] = "已办结"
    rows[7][10] = ""  # closed without a closing date
    rows[9][8] = "十万"  # not a number
    rows[11][5] = "91369800MA000001XX"  # a credit code that fails its check character
    rows[13][1] = "2099-01-01"  # received in the future
    path = tmp_path / "bad.csv"
    path.write_bytes(world.cases_csv(TODAY, rows))
    before = counts(app.extensions["engine"])
    result = run_cli(app, "cases", path)
    assert result.exit_code == 1
    for row, column in [(7, "发生地区划代码"), (9, "办结日期"), (11, "涉及金额（元）"), (13, "统一社会信用代码"),
                        (15, "受理日期"), (42, "案件编号")]:
        assert f"第 {row} 行「{column}」" in result.output, (row, column, result.output)
    assert "nothing written" in result.output
    assert counts(app.extensions["engine"]) == before


def test_users_need_a_passwords_file_and_a_dry_run_writes_nothing(app, city_files):
    for kind in ("regions", "boundaries"):
        assert run_cli(app, kind, city_files[kind]).exit_code == 0
    assert run_cli(app, "users", city_files["users"]).exit_code != 0
    before = counts(app.extensions["engine"])
    result = run_cli(app, "stations", city_files["stations"], "--dry-run")
    assert result.exit_code == 0 and "7 new" in result.output and "dry run" in result.output
    assert counts(app.extensions["engine"]) == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_or_gb18030(encoding):
    data = "区划代码,名称\n369800000000,云岭市\n".encode(encoding)
    assert read_rows(data, "regions.csv") == [["区划代码", "名称"], ["369800000000", "云岭市"]]
    assert decode(data).startswith("区划代码")


def test_english_headers_and_level_synonyms(session):
    data = ("area_code,name,level,parent_code\n369800000000,云岭市,市,\n369801000000,临湖区,区,369800000000\n"
            "369801001000,湖滨街道,street,369801000000\n").encode()
    report = import_file(session, actor=None, kind="regions", data=data, filename="r.csv", today=TODAY)
    assert report.ok and report.new == 3, report.errors
    street = session.exec(select(Region).where(Region.area_code == "369801001000")).one()
    assert (street.level, street.kind, street.path) == ("township", "street",
                                                        "369800000000/369801000000/369801001000/")


def test_region_rules_follow_gb2260(session):
    data = ("区划代码,名称,级别,上级区划代码\n"
            "369800000000,云岭市,市,\n"
            "369801000000,临湖区,县,369800000000\n"
            "369901001000,错位街道,街道,369801000000\n"  # prefix disagrees with the parent
            "369801002000,无父街道,街道,369801009000\n"  # the parent does not exist
            "369801003001,级别不符,乡,369801000000\n"  # a village's code at township level
            "36980100400,短码,乡,369801000000\n").encode()
    report = import_file(session, actor=None, kind="regions", data=data, filename="r.csv", today=TODAY)
    assert sorted((e.row, e.column) for e in report.errors) == [
        (4, "区划代码"), (5, "上级区划代码"), (6, "区划代码"), (7, "区划代码")]
    assert session.exec(select(func.count()).select_from(Region)).one() == 0  # all or nothing
    assert code_fits_level("369801000000", RegionLevel.county)
    assert not code_fits_level("369801000000", RegionLevel.township)


def test_the_last_admin_keeps_the_role(session):
    from tests.factories import make_city, make_user
    city = make_city(session)
    make_user(session, username="root", role=Role.admin, regions=[city["city"]])
    data = f"用户名,姓名,角色,区划代码\nroot,管理员,领导,{city['city'].area_code}\n".encode()
    report = import_file(session, actor=None, kind="users", data=data, filename="u.csv", today=TODAY)
    assert [(e.row, e.column) for e in report.errors] == [(2, "角色")]
    assert session.exec(select(User.role).where(User.username == "root")).one() == Role.admin


def test_files_that_cannot_be_read_are_refused_whole(session):
    with pytest.raises(ImportFileError):
        import_file(session, actor=None, kind="cases", data=b"\x00\x01PNG", filename="x.png", today=TODAY)
    with pytest.raises(ImportFileError):
        import_file(session, actor=None, kind="boundaries", data=b"{}", filename="b.geojson", today=TODAY)
    report = import_file(session, actor=None, kind="stations", data="名称\n某站\n".encode(), filename="s.csv",
                         today=TODAY)
    assert {e.column for e in report.errors} == {"站点编码", "类型", "区划代码"}
    assert all(e.row == 1 for e in report.errors)


def test_gcj02_files_come_back_to_wgs84(app, tmp_path):
    run_cli(app, "regions", _write(tmp_path, "r.csv", world.regions_csv()))
    document = json.loads(world.boundaries_geojson())
    for feature in document["features"]:
        feature["geometry"]["coordinates"] = [[list(wgs84_to_gcj02(*p)) for p in ring]
                                              for ring in feature["geometry"]["coordinates"]]
    result = run_cli(app, "boundaries", _write(tmp_path, "g.geojson", json.dumps(document).encode()), "--crs", "gcj02")
    assert result.exit_code == 0, result.output
    with Session(app.extensions["engine"]) as session:
        city = session.exec(select(Region).where(Region.area_code == world.CITY)).one()
    corner = min(tuple(p) for p in city.boundary["coordinates"][0])
    assert corner == pytest.approx((112.0, 28.0), abs=2e-5)  # back within about two metres
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(112.9, 28.2))
    assert (lon, lat) == pytest.approx((112.9, 28.2), abs=1e-7)
    assert wgs84_to_gcj02(112.9, 28.2)[0] - 112.9 > 0.003  # the offset is real: hundreds of metres


def test_staff_and_secondments_refuse_what_does_not_exist(app, imported, tmp_path):
    staff = _write(tmp_path, "staff.csv",
                   "站点编码,姓名,岗位,电话,AB岗\nYL-T999,某某,所长,,否\nYL-T001,某某,所长,12,也许\n".encode())
    result = run_cli(app, "staff", staff)
    assert result.exit_code == 1
    for row, column in [(2, "站点编码"), (3, "电话"), (3, "AB岗")]:
        assert f"第 {row} 行「{column}」" in result.output, (row, column, result.output)
    postings = _write(tmp_path, "secondments.csv", "用户名,站点编码,开始日期,结束日期\n"
                      "yl.leader,YL-T001,2026-03-01,2027-02-28\nyl.cadre,YL-T001,2026-03-01,2025-02-28\n".encode())
    result = run_cli(app, "secondments", postings)
    assert result.exit_code == 1
    assert "第 2 行「用户名」" in result.output and "不是挂职干部" in result.output
    assert "第 3 行「结束日期」" in result.output
    grids = _write(tmp_path, "grids.csv",
                   "网格编码,网格名称,乡镇区划代码\nYL-G01,湖滨街道第一网格,369801002000\n".encode())
    result = run_cli(app, "grid-cells", grids)  # a grid does not move to another township
    assert result.exit_code == 1 and "第 2 行「乡镇区划代码」" in result.output


def test_every_kind_names_its_contract_headers():
    assert [c.header for c in KINDS["cases"].columns][:15] == world.CASE_HEADER
    assert [c.header for c in KINDS["regions"].columns][:4] == ["区划代码", "名称", "级别", "上级区划代码"]
    assert [c.header for c in KINDS["stations"].columns] == ["站点编码", "名称", "类型", "区划代码", "地址", "经度",
                                                             "纬度", "电话"]
    assert [c.header for c in KINDS["users"].columns] == ["用户名", "姓名", "角色", "区划代码"]


def _write(folder, name, data):
    path = folder / name
    path.write_bytes(data)
    return path

