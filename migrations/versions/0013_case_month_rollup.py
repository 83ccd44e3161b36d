"""case_month: the cases received per month, township and filter value, summed (issue 14: the
dashboard's period figures at two million cases), filled from wage_case as it stands; partial
indexes on the open and the supervised cases by the day received
"""

import sqlalchemy as sa
from alembic import op

OPEN_CASES = "status IN ('received', 'accepted', 'investigating')"  # as data.models states it, then

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.create_table(
        "case_month",
        sa.Column("grain", sa.String(length=1), nullable=False),
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
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "month", "region_id", "path", "office_path", "incoming_path", "status",
                                "source", "industry", "is_construction"),
    )
    from data.rollup import rebuild

    rebuild(op.get_bind())
    op.create_index("ix_wage_case_open_received", "wage_case", ["received_on"], postgresql_where=sa.text(OPEN_CASES),
                    sqlite_where=sa.text(OPEN_CASES))
    op.create_index("ix_wage_case_supervised_received", "wage_case", ["received_on"],
                    postgresql_where=sa.text("supervised"), sqlite_where=sa.text("supervised = 1"))


def downgrade() -> None:
    op.drop_index("ix_wage_case_supervised_received", table_name="wage_case")
    op.drop_index("ix_wage_case_open_received", table_name="wage_case")
    op.drop_table("case_month")
