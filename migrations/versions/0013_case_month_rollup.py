"""case_month: the cases received per month, township and filter value, summed (issue 14: the
dashboard's period figures at two million cases; filled from wage_case by 0015); partial
indexes on the open and the supervised cases by the day received
"""

import sqlalchemy as sa
from alembic import op

OPEN_CASES = "status IN ('received', 'accepted', 'investigating')"  # as data.models states it, then

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    # every column NOT NULL: the key (what the sums are per, grain first) and the sums
    key = [("grain", sa.String(length=1)), ("month", sa.Date()), ("region_id", sa.Integer()),
           *((name, sa.String(length=200)) for name in ("path", "office_path", "incoming_path")),
           ("status", sa.String(length=20)), ("source", sa.String(length=20)), ("industry", sa.String(length=30)),
           ("is_construction", sa.Boolean())]
    sums = [("cases", sa.Integer()), ("workers", sa.BigInteger()), ("amount_claimed_cents", sa.BigInteger()),
            ("amount_recovered_cents", sa.BigInteger()), ("closed", sa.Integer()), ("on_time", sa.Integer())]
    # filled once the schema is the newest (data.db.migrate, as 0015 asks): not here by the
    # rollup code of today, which writes columns a later migration adds
    op.create_table("case_month", *(sa.Column(name, kind, nullable=False) for name, kind in key + sums),
                    sa.PrimaryKeyConstraint(*(name for name, _kind in key)))
    op.create_index("ix_wage_case_open_received", "wage_case", ["received_on"], postgresql_where=sa.text(OPEN_CASES),
                    sqlite_where=sa.text(OPEN_CASES))
    op.create_index("ix_wage_case_supervised_received", "wage_case", ["received_on"],
                    postgresql_where=sa.text("supervised"), sqlite_where=sa.text("supervised = 1"))


def downgrade() -> None:
    op.drop_index("ix_wage_case_supervised_received", table_name="wage_case")
    op.drop_index("ix_wage_case_open_received", table_name="wage_case")
    op.drop_table("case_month")
