"""import_job: imports started on the admin screen (the file, its preview, progress and result)
"""

import sqlalchemy as sa
from alembic import op

from data.types import UTCDateTime

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("options", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("errors", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("passwords", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_job_status", "import_job", ["status"])
    op.create_index("ix_import_job_created_by", "import_job", ["created_by"])


def downgrade() -> None:
    op.drop_index("ix_import_job_created_by", table_name="import_job")
    op.drop_index("ix_import_job_status", table_name="import_job")
    op.drop_table("import_job")
