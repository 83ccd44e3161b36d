"""An index on wage_case (amount_claimed_cents, id): /cases sorted by amount, largest first, reads
it from its end instead of scanning and sorting every case (issue 14: two million cases)
"""

from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.create_index("ix_wage_case_amount_id", "wage_case", ["amount_claimed_cents", "id"])


def downgrade() -> None:
    op.drop_index("ix_wage_case_amount_id", table_name="wage_case")
