"""index wage_case.updated_at: the map cache's data version reads max(updated_at) on every load
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_index("ix_wage_case_updated_at", "wage_case", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wage_case_updated_at", table_name="wage_case")
