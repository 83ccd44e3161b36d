"""The Alembic migrations build exactly the schema the models describe."""

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
