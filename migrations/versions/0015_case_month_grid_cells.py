"""case_month by grid cell: a grid_cell_id column in the key (0 in the grains before) and the
GRID grain, so the grid map's sums read the rollup (issue 14: 744 ms over two million cases), with
a partial index that covers that grain's reads; case_month is made again from wage_case once the
schema is the newest (data.db.migrate)
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"

# as the migration made them (not imported from data.models, which moves on)
GRID_INDEX = ("month", "grid_cell_id", "path", "office_path", "incoming_path", "cases", "workers",
              "amount_claimed_cents", "amount_recovered_cents", "closed", "on_time")
KEY = ("grain", "month", "region_id", "path", "office_path", "incoming_path", "status", "source", "industry",
       "is_construction")


def _primary_key(columns: list[str]) -> None:
    """case_month's primary key made of `columns` (PostgreSQL names it case_month_pkey; SQLite's
    batch mode copies the table into one with the new key, and says that the key differs from the
    copied columns' — which is the point)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*specifies columns.*as primary_key=True", category=sa.exc.SAWarning)
        with op.batch_alter_table("case_month", recreate="always" if sqlite else "auto") as batch:
            if not sqlite:
                batch.drop_constraint("case_month_pkey", type_="primary")
            batch.create_primary_key("case_month_pkey", columns)


def upgrade() -> None:
    with op.batch_alter_table("case_month") as batch:
        batch.add_column(sa.Column("grid_cell_id", sa.Integer(), nullable=False, server_default="0"))
    _primary_key([*KEY, "grid_cell_id"])
    op.create_index("ix_case_month_grid", "case_month", list(GRID_INDEX), postgresql_where=sa.text("grain = 'g'"),
                    sqlite_where=sa.text("grain = 'g'"))
    from data.db import ask_rollups_rebuild

    ask_rollups_rebuild(op)


def downgrade() -> None:
    op.drop_index("ix_case_month_grid", table_name="case_month")
    op.execute("DELETE FROM case_month WHERE grain = 'g'")
    _primary_key(list(KEY))
    with op.batch_alter_table("case_month") as batch:
        batch.drop_column("grid_cell_id")
