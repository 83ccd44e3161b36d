"""审核 of walkthroughs and inspections as of work logs (review columns), and one history table for
every field record's earlier versions (record_revision, taking over work_log_revision's rows)
"""

import sqlalchemy as sa
from alembic import op

from data.types import UTCDateTime

revision = "0011"
down_revision = "0010"

REVIEWED = ("walkthrough", "inspection")


def _history(table: str, *key: sa.Column) -> None:
    """A table of records' earlier versions: the record it belongs to (`key`), and the version."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        *key,
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["changed_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def upgrade() -> None:
    for table in REVIEWED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("review_status", sa.String(length=10), nullable=True))
            batch.add_column(sa.Column("review_note", sa.Text(), nullable=True))
            batch.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("reviewed_at", UTCDateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
            batch.create_foreign_key(f"fk_{table}_reviewed_by_app_user", "app_user", ["reviewed_by"], ["id"])
    _history("record_revision", sa.Column("record_kind", sa.String(length=20), nullable=False),
             sa.Column("record_id", sa.Integer(), nullable=False))
    op.create_index("ix_record_revision_record", "record_revision", ["record_kind", "record_id"])
    op.execute("INSERT INTO record_revision (record_kind, record_id, revision, body, changed_by, changed_at) "
               "SELECT 'work_log', work_log_id, revision, body, changed_by, changed_at FROM work_log_revision "
               "ORDER BY id")
    op.drop_index("ix_work_log_revision_work_log_id", table_name="work_log_revision")
    op.drop_table("work_log_revision")


def downgrade() -> None:
    _history("work_log_revision", sa.Column("work_log_id", sa.Integer(), sa.ForeignKey("work_log.id"), nullable=False))
    op.create_index("ix_work_log_revision_work_log_id", "work_log_revision", ["work_log_id"])
    op.execute("INSERT INTO work_log_revision (work_log_id, revision, body, changed_by, changed_at) "
               "SELECT record_id, revision, body, changed_by, changed_at FROM record_revision "
               "WHERE record_kind = 'work_log' ORDER BY id")
    op.drop_index("ix_record_revision_record", table_name="record_revision")
    op.drop_table("record_revision")
    for table in REVIEWED:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_reviewed_by_app_user", type_="foreignkey")
            for column in ("revision", "reviewed_at", "reviewed_by", "review_note", "review_status"):
                batch.drop_column(column)
