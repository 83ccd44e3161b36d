"""audit_plan and audit_assignment: the annual plan of unannounced audits drawn from a seed;
app_user.home_path: the unit an auditor comes from (回避); app_user.email: where the daily to-do
digest goes
"""

import sqlalchemy as sa
from alembic import op

from data.types import UTCDateTime

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("home_path", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("email", sa.String(length=120), nullable=True))
    op.create_table(
        "audit_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("modes", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("per_station", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["template_id"], ["checklist_template.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["published_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_plan_path", "audit_plan", ["path"])
    op.create_index("ix_audit_plan_status", "audit_plan", ["status"])
    op.create_table(
        "audit_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("auditor_ids", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["audit_plan.id"]),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("plan_id", "station_id", "path", "due_on"):
        op.create_index(f"ix_audit_assignment_{column}", "audit_assignment", [column])


def downgrade() -> None:
    for column in ("plan_id", "station_id", "path", "due_on"):
        op.drop_index(f"ix_audit_assignment_{column}", table_name="audit_assignment")
    op.drop_table("audit_assignment")
    op.drop_index("ix_audit_plan_status", table_name="audit_plan")
    op.drop_index("ix_audit_plan_path", table_name="audit_plan")
    op.drop_table("audit_plan")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("email")
        batch.drop_column("home_path")
