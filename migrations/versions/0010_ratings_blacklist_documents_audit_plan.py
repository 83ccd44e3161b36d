"""service_rating (好差评, with the follow-up of a 差评), blacklist_entry (失信联合惩戒名单),
case_document (the numbered notices printed from a case), audit_plan and audit_assignment (the
annual plan of unannounced audits drawn from a seed), a work log's review and revisions;
app_user.home_path (the unit an auditor
comes from: 回避) and app_user.email (where the daily to-do digest goes)
"""

import sqlalchemy as sa
from alembic import op

from data.types import UTCDateTime

revision = "0010"
down_revision = "0009"


def _column(name: str, kind, null: bool = False) -> sa.Column:
    return sa.Column(name, kind, nullable=null)


def upgrade() -> None:
    # a work log's review (审核) and its revisions
    with op.batch_alter_table("work_log") as batch:
        batch.add_column(_column("review_status", sa.String(length=10), null=True))
        batch.add_column(_column("review_note", sa.Text(), null=True))
        batch.add_column(_column("reviewed_by", sa.Integer(), null=True))
        batch.add_column(_column("reviewed_at", UTCDateTime(timezone=True), null=True))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.create_foreign_key("fk_work_log_reviewed_by_app_user", "app_user", ["reviewed_by"], ["id"])
    op.create_table(
        "work_log_revision",
        _column("id", sa.Integer()),
        _column("work_log_id", sa.Integer()),
        _column("revision", sa.Integer()),
        _column("body", sa.JSON(none_as_null=True)),
        _column("changed_by", sa.Integer(), null=True),
        _column("changed_at", UTCDateTime(timezone=True)),
        sa.ForeignKeyConstraint(["work_log_id"], ["work_log.id"]),
        sa.ForeignKeyConstraint(["changed_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_log_revision_work_log_id", "work_log_revision", ["work_log_id"])
    # the unit an auditor comes from (回避), and where a person's daily digest goes
    with op.batch_alter_table("app_user") as batch:
        for column, length in (("home_path", 200), ("email", 120)):
            batch.add_column(sa.Column(column, sa.String(length=length), nullable=True))
    op.create_table(
        "service_rating",
        _column("id", sa.Integer()),
        _column("rating_no", sa.String(length=40)),
        _column("rated_at", UTCDateTime(timezone=True)),
        _column("rated_on", sa.Date()),
        _column("station_id", sa.Integer()),
        _column("path", sa.String(length=200)),
        _column("window", sa.String(length=40), null=True),
        _column("item", sa.String(length=80), null=True),
        _column("score", sa.Integer(), null=True),
        _column("negative", sa.Boolean()),
        _column("comment", sa.Text(), null=True),
        _column("channel", sa.String(length=20), null=True),
        _column("rectification_id", sa.Integer(), null=True),
        _column("created_at", UTCDateTime(timezone=True)),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"]),
        sa.ForeignKeyConstraint(["rectification_id"], ["rectification.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rating_no"),
    )
    for column in ("rated_on", "station_id", "path", "negative"):
        op.create_index(f"ix_service_rating_{column}", "service_rating", [column])
    op.create_table(
        "blacklist_entry",
        _column("id", sa.Integer()),
        _column("employer_id", sa.Integer()),
        _column("path", sa.String(length=200)),
        _column("status", sa.String(length=10)),
        _column("grounds", sa.Text()),
        _column("case_ids", sa.JSON(none_as_null=True)),
        _column("proposed_by", sa.Integer(), null=True),
        _column("proposed_at", UTCDateTime(timezone=True)),
        _column("decided_by", sa.Integer(), null=True),
        _column("decided_at", UTCDateTime(timezone=True), null=True),
        _column("decision_note", sa.Text(), null=True),
        _column("published_on", sa.Date(), null=True),
        _column("expires_on", sa.Date(), null=True),
        _column("removed_on", sa.Date(), null=True),
        _column("removed_by", sa.Integer(), null=True),
        _column("removal_reason", sa.Text(), null=True),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"]),
        sa.ForeignKeyConstraint(["proposed_by"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["removed_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("employer_id", "path", "status"):
        op.create_index(f"ix_blacklist_entry_{column}", "blacklist_entry", [column])
    op.create_table(
        "case_document",
        _column("id", sa.Integer()),
        _column("case_id", sa.Integer()),
        _column("kind", sa.String(length=20)),
        _column("year", sa.Integer()),
        _column("serial", sa.Integer()),
        _column("doc_no", sa.String(length=60)),
        _column("pdf", sa.LargeBinary()),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        _column("issued_by", sa.Integer(), null=True),
        _column("issued_at", UTCDateTime(timezone=True)),
        sa.ForeignKeyConstraint(["case_id"], ["wage_case.id"]),
        sa.ForeignKeyConstraint(["issued_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("doc_no"),
        sa.UniqueConstraint("kind", "year", "serial", name="uq_case_document_kind_year_serial"),
    )
    op.create_index("ix_case_document_case_id", "case_document", ["case_id"])

    op.create_table(
        "audit_plan",
        _column("id", sa.Integer()),
        _column("name", sa.String(length=80)),
        _column("path", sa.String(length=200)),
        _column("period_from", sa.Date()),
        _column("period_to", sa.Date()),
        _column("template_id", sa.Integer()),
        _column("modes", sa.JSON(none_as_null=True)),
        _column("per_station", sa.Integer()),
        _column("weights", sa.JSON(none_as_null=True)),
        _column("seed", sa.BigInteger()),
        _column("status", sa.String(length=10)),
        _column("created_by", sa.Integer(), null=True),
        _column("created_at", UTCDateTime(timezone=True)),
        _column("published_by", sa.Integer(), null=True),
        _column("published_at", UTCDateTime(timezone=True), null=True),
        sa.ForeignKeyConstraint(["template_id"], ["checklist_template.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["published_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_plan_path", "audit_plan", ["path"])
    op.create_index("ix_audit_plan_status", "audit_plan", ["status"])
    op.create_table(
        "audit_assignment",
        _column("id", sa.Integer()),
        _column("plan_id", sa.Integer()),
        _column("station_id", sa.Integer()),
        _column("path", sa.String(length=200)),
        _column("due_on", sa.Date()),
        _column("mode", sa.String(length=10)),
        _column("auditor_ids", sa.JSON(none_as_null=True)),
        _column("inspection_id", sa.Integer(), null=True),
        sa.ForeignKeyConstraint(["plan_id"], ["audit_plan.id"]),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("plan_id", "station_id", "path", "due_on"):
        op.create_index(f"ix_audit_assignment_{column}", "audit_assignment", [column])


def downgrade() -> None:
    op.drop_index("ix_work_log_revision_work_log_id", table_name="work_log_revision")
    op.drop_table("work_log_revision")
    with op.batch_alter_table("work_log") as batch:
        batch.drop_constraint("fk_work_log_reviewed_by_app_user", type_="foreignkey")
        for column in ("revision", "reviewed_at", "reviewed_by", "review_note", "review_status"):
            batch.drop_column(column)
    for column in ("plan_id", "station_id", "path", "due_on"):
        op.drop_index(f"ix_audit_assignment_{column}", table_name="audit_assignment")
    op.drop_table("audit_assignment")
    op.drop_index("ix_audit_plan_status", table_name="audit_plan")
    op.drop_index("ix_audit_plan_path", table_name="audit_plan")
    op.drop_table("audit_plan")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("email")
        batch.drop_column("home_path")
    op.drop_index("ix_case_document_case_id", table_name="case_document")
    op.drop_table("case_document")
    for column in ("employer_id", "path", "status"):
        op.drop_index(f"ix_blacklist_entry_{column}", table_name="blacklist_entry")
    op.drop_table("blacklist_entry")
    for column in ("rated_on", "station_id", "path", "negative"):
        op.drop_index(f"ix_service_rating_{column}", table_name="service_rating")
    op.drop_table("service_rating")
