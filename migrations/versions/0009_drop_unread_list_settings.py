"""drop the settings case.industries and case.referral_agencies: nothing read them (the industries
a case names come from the national platform's list, data.imports.cases; the agencies a case is
referred to are a fixed list the referral service checks), so an admin editing them would change
nothing
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

KEYS = ("case.industries", "case.referral_agencies")


def upgrade() -> None:
    setting = sa.table("setting", sa.column("key", sa.String))
    op.execute(setting.delete().where(setting.c.key.in_(KEYS)))


def downgrade() -> None:
    pass  # the rows held nothing any code read
