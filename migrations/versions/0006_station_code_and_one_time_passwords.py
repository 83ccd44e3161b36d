"""station.code (站点编码, the natural key of station imports) and station.phone;
app_user.must_change_password for one-time passwords (imports, admin resets)
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("station") as batch:
        batch.add_column(sa.Column("code", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(length=30), nullable=True))
        batch.create_unique_constraint("uq_station_code", ["code"])
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("must_change_password")
    with op.batch_alter_table("station") as batch:
        batch.drop_constraint("uq_station_code", type_="unique")
        batch.drop_column("phone")
        batch.drop_column("code")
