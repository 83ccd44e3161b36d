"""wage_case.office_path and incoming_path: the holding office's path, and while a transfer
is pending the receiving office's, so their officers' scope finds the case
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("wage_case") as batch_op:
        batch_op.add_column(sa.Column("office_path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                      server_default=""))
    op.execute("UPDATE wage_case SET office_path = (SELECT region.path FROM region "
               "WHERE region.id = wage_case.office_region_id)")
    with op.batch_alter_table("wage_case") as batch_op:
        batch_op.alter_column("office_path", server_default=None)
        batch_op.create_index(batch_op.f("ix_wage_case_office_path"), ["office_path"], unique=False)
        batch_op.add_column(sa.Column("incoming_path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_wage_case_incoming_path"), ["incoming_path"], unique=False)
    op.execute("UPDATE wage_case SET incoming_path = (SELECT region.path FROM case_transfer "
               "JOIN region ON region.id = case_transfer.to_region_id "
               "WHERE case_transfer.case_id = wage_case.id AND case_transfer.status = 'pending')")


def downgrade() -> None:
    with op.batch_alter_table("wage_case") as batch_op:
        batch_op.drop_index(batch_op.f("ix_wage_case_incoming_path"))
        batch_op.drop_column("incoming_path")
        batch_op.drop_index(batch_op.f("ix_wage_case_office_path"))
        batch_op.drop_column("office_path")
