"""drop the settings case.accept_working_days, case.investigate_working_days and
case.extension_working_days: nothing read them, and the days they named are the law's (5, 60 and 30
working days, 劳动保障监察条例), not a bureau's choice; a bureau's faster promises are the
per-channel service levels (sla.channels), which the deadlines do read
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

KEYS = ("case.accept_working_days", "case.investigate_working_days", "case.extension_working_days")


def upgrade() -> None:
    setting = sa.table("setting", sa.column("key", sa.String))
    op.execute(setting.delete().where(setting.c.key.in_(KEYS)))


def downgrade() -> None:
    pass  # the rows held nothing any code read
