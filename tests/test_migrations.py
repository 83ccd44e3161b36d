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
    from data.db import migrate

    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == "0004"


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

