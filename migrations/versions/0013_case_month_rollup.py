"""case_month: the cases received per month, township and filter value, summed (issue 14: the
dashboard's period figures at two million cases); filled from wage_case as it stands
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.create_table(
        "case_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("office_path", sa.String(length=200), nullable=False),
        sa.Column("incoming_path", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("industry", sa.String(length=30), nullable=False),
        sa.Column("is_construction", sa.Boolean(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("workers", sa.BigInteger(), nullable=False),
        sa.Column("amount_claimed_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_recovered_cents", sa.BigInteger(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "region_id", "path", "office_path", "incoming_path", "status", "source",
                                "industry", "is_construction"),
    )
    from data.rollup import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("case_month")
