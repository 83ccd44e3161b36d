"""service_rating (好差评, with the follow-up of a 差评), blacklist_entry (失信联合惩戒名单) and
case_document (the numbered notices printed from a case)
"""

import sqlalchemy as sa
from alembic import op

from data.types import UTCDateTime

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "service_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_no", sa.String(length=40), nullable=False),
        sa.Column("rated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("rated_on", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("window", sa.String(length=40), nullable=True),
        sa.Column("item", sa.String(length=80), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("rectification_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"]),
        sa.ForeignKeyConstraint(["rectification_id"], ["rectification.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rating_no"),
    )
    for column in ("rated_on", "station_id", "path", "negative"):
        op.create_index(f"ix_service_rating_{column}", "service_rating", [column])
    op.create_table(
        "blacklist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("case_ids", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("proposed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
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
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=60), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["wage_case.id"]),
        sa.ForeignKeyConstraint(["issued_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("doc_no"),
        sa.UniqueConstraint("kind", "year", "serial", name="uq_case_document_kind_year_serial"),
    )
    op.create_index("ix_case_document_case_id", "case_document", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_document_case_id", table_name="case_document")
    op.drop_table("case_document")
    for column in ("employer_id", "path", "status"):
        op.drop_index(f"ix_blacklist_entry_{column}", table_name="blacklist_entry")
    op.drop_table("blacklist_entry")
    for column in ("rated_on", "station_id", "path", "negative"):
        op.drop_index(f"ix_service_rating_{column}", table_name="service_rating")
    op.drop_table("service_rating")
