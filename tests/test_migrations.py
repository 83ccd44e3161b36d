"""The Alembic migrations build exactly the schema the models describe."""

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import data.models  # noqa: F401


def test_models_match_migrations(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_migrate_is_idempotent(engine):
    from alembic.script import ScriptDirectory

    from data.db import alembic_config, migrate

    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    assert head is not None and head >= "0006"
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == head


def test_upgrade_keeps_and_backfills_existing_cases(tmp_path):
    """An embedded database made by an older release upgrades in place: wage_case is rebuilt
    (SQLite copies a table to alter it) while other tables point at it, and the new columns
    are filled from what is there."""
    from data.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO region (id, area_code, name, level, path, valid_from) VALUES "
                             "(1, '369900000000', '示范市', 'city', '369900000000/', '2000-01-01'), "
                             "(2, '369901000000', '东湖区', 'county', '369900000000/369901000000/', '2000-01-01')")
        conn.exec_driver_sql(
            "INSERT INTO wage_case (id, uuid, case_no, source, status, received_on, extended, deadline_provisional, "
            "industry, is_construction, workers, amount_claimed_cents, amount_recovered_cents, region_id, path, "
            "office_region_id, summary, mass_incident, public_opinion, supervised, transfer_count, bounce_count, "
            "created_at, updated_at) VALUES (1, '0123456789abcdef0123456789abcdef', 'T-1', 'walk_in', 'received', "
            "'2026-11-02', 0, 0, 'construction', 1, 3, 100, 0, 2, '369900000000/369901000000/', 2, '', 0, 0, 0, 0, 0, "
            "'2026-11-02 01:00:00', '2026-11-02 01:00:00')")
        conn.exec_driver_sql("INSERT INTO case_event (uuid, case_id, kind, at, on_date, details) VALUES "
                             "('fedcba9876543210fedcba9876543210', 1, 'received', '2026-11-02 01:00:00', "
                             "'2026-11-02', '{}')")
    migrate(engine)
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT office_path, incoming_path FROM wage_case").one()
        assert row == ("369900000000/369901000000/", None)
        assert conn.exec_driver_sql("SELECT count(*) FROM case_event").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()



def test_upgrade_dates_rejected_cases_from_their_events(tmp_path):
    """A rejection set no date on the case before 0005: the upgrade takes it from the case's
    rejection event, and leaves every other case as it was."""
    from data.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0003")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO region (id, area_code, name, level, path, valid_from) VALUES "
                             "(1, '369901000000', '东湖区', 'county', '369900000000/369901000000/', '2000-01-01')")
        for case_id, status, decided_on in ((1, "rejected", None), (2, "closed", "2026-03-01"), (3, "received", None)):
            conn.exec_driver_sql(
                "INSERT INTO wage_case (id, uuid, case_no, source, status, received_on, decided_on, extended, "
                "deadline_provisional, industry, is_construction, workers, amount_claimed_cents, "
                "amount_recovered_cents, region_id, path, office_region_id, office_path, summary, mass_incident, "
                "public_opinion, supervised, transfer_count, bounce_count, created_at, updated_at) VALUES "
                f"({case_id}, '{case_id:032x}', 'T-{case_id}', 'walk_in', '{status}', '2026-02-02', ?, 0, 0, "
                "'construction', 1, 3, 100, 0, 1, '369900000000/369901000000/', 1, '369900000000/369901000000/', "
                "'', 0, 0, 0, 0, 0, '2026-02-02 01:00:00', '2026-02-02 01:00:00')", (decided_on,))
        for number, (case_id, kind, day) in enumerate(((1, "received", "2026-02-02"), (1, "rejected", "2026-02-05"),
                                                       (2, "decided", "2026-03-01")), start=1):
            conn.exec_driver_sql("INSERT INTO case_event (uuid, case_id, kind, at, on_date, details) "
                                 "VALUES (?, ?, ?, ?, ?, '{}')",
                                 (f"{number:032x}", case_id, kind, f"{day} 01:00:00", day))
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, decided_on FROM wage_case ORDER BY id").all()
    assert [(i, str(d) if d else None) for i, d in rows] == [(1, "2026-02-05"), (2, "2026-03-01"), (3, None)]
    engine.dispose()


def test_upgrade_gives_each_notice_its_citys_bureau(databases, tmp_path):
    """Notices issued before 0016 ran in one series over a province's cities: each becomes its case's
    city's bureau's, and from then on each bureau's series is its own (both databases: the backfill
    is plain SQL)."""
    import sqlalchemy as sa

    from data.db import make_engine, migrate
    from tests.conftest import PG_URL

    url = databases.fresh_url("old", template="template0") if PG_URL else f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate(engine, "0015")
    tables = sa.MetaData()
    tables.reflect(engine)
    region, case, document = (tables.tables[name] for name in ("region", "wage_case", "case_document"))
    day, at = date(2026, 11, 2), datetime(2026, 11, 2, 1, tzinfo=UTC)
    places = [(1, "320000000000", "江苏省", "province", None), (2, "320100000000", "南京市", "city", 1),
              (3, "320102000000", "玄武区", "county", 2), (4, "320600000000", "南通市", "city", 1),
              (5, "320602000000", "崇川区", "county", 4)]
    paths = {1: "320000000000/"}
    for id_, _code, _name, _level, parent in places[1:]:
        paths[id_] = paths[parent] + places[id_ - 1][1] + "/"
    with engine.begin() as conn:
        conn.execute(region.insert(), [{"id": i, "area_code": c, "name": n, "level": lv, "parent_id": p,
                                        "path": paths[i], "valid_from": date(2000, 1, 1)}
                                       for i, c, n, lv, p in places])
        conn.execute(case.insert(), [
            {"id": n, "uuid": f"{n:032x}", "case_no": f"南人社监〔2026〕{n:04d}号", "source": "walk_in",
             "status": "accepted", "received_on": day, "extended": False, "deadline_provisional": False,
             "industry": "建筑业", "is_construction": True, "workers": 3, "amount_claimed_cents": 100,
             "amount_recovered_cents": 0, "region_id": office, "path": paths[office], "office_region_id": office,
             "office_path": paths[office], "summary": "", "mass_incident": False, "public_opinion": False,
             "supervised": False, "transfer_count": 0, "bounce_count": 0, "created_at": at, "updated_at": at}
            for n, office in ((1, 3), (2, 5), (3, 3))])
        conn.execute(document.insert(), [
            {"case_id": n, "kind": "accept_notice", "year": 2026, "serial": n,
             "doc_no": f"南人社监受〔2026〕{n}号", "pdf": b"%PDF", "sha256": "0" * 64, "issued_at": at}
            for n in (1, 2, 3)])
    migrate(engine)
    with engine.begin() as conn:
        rows = conn.exec_driver_sql("SELECT case_id, issuer_path, serial FROM case_document ORDER BY case_id").all()
        assert [tuple(r) for r in rows] == [(1, "320000000000/320100000000/", 1),
                                            (2, "320000000000/320600000000/", 2),
                                            (3, "320000000000/320100000000/", 3)]
        assert conn.exec_driver_sql("SELECT count(*) FROM region WHERE short_name IS NULL").scalar_one() == 5
        # 南通's bureau may now issue its own 1号 of the year; 南京's 1号 stays the one
        tables = sa.MetaData()
        tables.reflect(conn)
        document = tables.tables["case_document"]
        conn.execute(document.insert().values(case_id=2, issuer_path="320000000000/320600000000/", kind="accept_notice",
                                              year=2026, serial=1, doc_no="通人社监受〔2026〕1号", pdf=b"%PDF",
                                              sha256="0" * 64, issued_at=at))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(document.insert().values(case_id=3, issuer_path="320000000000/320100000000/", kind="accept_notice",
                                              year=2026, serial=1, doc_no="宁人社监受〔2026〕1号", pdf=b"%PDF",
                                              sha256="0" * 64, issued_at=at))
    engine.dispose()
