"""device_session.token_hash and session_version: a field phone's long-lived sign-in is a random
token kept only as its hash, and ends when the user's sessions are revoked
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # nothing issued device sessions before this revision: a row here has no token and could
    # never sign anyone in
    op.execute("DELETE FROM device_session")
    with op.batch_alter_table("device_session") as batch_op:
        batch_op.add_column(sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False))
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_index(batch_op.f("ix_device_session_token_hash"), ["token_hash"], unique=True)
    with op.batch_alter_table("device_session") as batch_op:
        batch_op.alter_column("session_version", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("device_session") as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_session_token_hash"))
        batch_op.drop_column("session_version")
        batch_op.drop_column("token_hash")
