"""An index on service_rating (rated_on, path, station_id, negative): a period's ratings counted per
station from the index alone (issue 14: 2,000 stations, 450,000 ratings)
"""

from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    op.create_index("ix_service_rating_counts", "service_rating", ["rated_on", "path", "station_id", "negative"])


def downgrade() -> None:
    op.drop_index("ix_service_rating_counts", table_name="service_rating")
