"""repeat_span: the days on which an employer has three or more cases in a township (or a grid
cell) within 365 days, kept with case_month; the risk grades count the spans holding today (issue
14: at two million cases the repeat employers of the risk map grouped a year of cases, half a
second); filled with the rollups once the schema is the newest (data.db.migrate)
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"


def upgrade() -> None:
    op.create_table("repeat_span", sa.Column("region_id", sa.Integer(), nullable=False),
                    sa.Column("grid_cell_id", sa.Integer(), nullable=False),
                    sa.Column("employer_id", sa.Integer(), nullable=False),
                    sa.Column("starts", sa.Date(), nullable=False), sa.Column("ends", sa.Date(), nullable=False),
                    sa.PrimaryKeyConstraint("region_id", "grid_cell_id", "employer_id", "starts"))
    op.create_index("ix_repeat_span_ends", "repeat_span", ["ends", "starts", "grid_cell_id", "region_id"])
    from data.db import ask_rollups_rebuild

    ask_rollups_rebuild(op)


def downgrade() -> None:
    op.drop_index("ix_repeat_span_ends", table_name="repeat_span")
    op.drop_table("repeat_span")
