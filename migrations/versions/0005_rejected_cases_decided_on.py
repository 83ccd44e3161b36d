"""wage_case.decided_on for rejected cases: the day of the rejection (不予受理), from its event,
so the on-time figures read it from the case instead of joining the case events
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.execute("UPDATE wage_case SET decided_on = (SELECT min(case_event.on_date) FROM case_event "
               "WHERE case_event.case_id = wage_case.id AND case_event.kind = 'rejected') "
               "WHERE wage_case.status = 'rejected' AND wage_case.decided_on IS NULL")


def downgrade() -> None:
    # before 0005 a rejection set no date on the case
    op.execute("UPDATE wage_case SET decided_on = NULL WHERE status = 'rejected'")
