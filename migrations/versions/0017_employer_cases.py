"""employer_cases: each employer's cases per year received and in all (year 0), kept with
case_month; the repeat employers are looked for among the employers whose count could place them
(issue 14: at two million cases the repeat employers grouped every case of the period by
employer); filled with the rollups once the schema is the newest (data.db.migrate)
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"


def upgrade() -> None:
    op.create_table("employer_cases", sa.Column("employer_id", sa.Integer(), nullable=False),
                    sa.Column("year", sa.Integer(), nullable=False), sa.Column("cases", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("employer_id", "year"))
    op.create_index("ix_employer_cases_year_cases", "employer_cases", ["year", "cases"])
    from data.db import ask_rollups_rebuild

    ask_rollups_rebuild(op)


def downgrade() -> None:
    op.drop_index("ix_employer_cases_year_cases", table_name="employer_cases")
    op.drop_table("employer_cases")
