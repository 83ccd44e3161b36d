"""region.short_name (a city's 简称 in its case and document numbers: 南京市 → 宁) and
case_document.issuer_path (the issuing bureau's region): in a province each city's bureau numbers
its own notices, so the series runs per issuer, kind and year. Documents issued before are the
bureau's of their case's city (a case never leaves its city), else of the tree's top.

A downgrade fails once two cities have issued the same serial of a kind in a year: issued numbers
are never renumbered.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"

# the city whose path begins the case's office's path — a current one first, as data.queries.regions
# city_of reads it — else the top region
ISSUER = """COALESCE(
    (SELECT region.path FROM wage_case JOIN region
       ON region.level = 'city' AND substr(wage_case.office_path, 1, length(region.path)) = region.path
     WHERE wage_case.id = case_document.case_id
     ORDER BY CASE WHEN region.valid_to IS NULL THEN 0 ELSE 1 END, region.id LIMIT 1),
    (SELECT region.path FROM region WHERE region.parent_id IS NULL
     ORDER BY CASE WHEN region.valid_to IS NULL THEN 0 ELSE 1 END, region.id LIMIT 1),
    '')"""


def upgrade() -> None:
    with op.batch_alter_table("region") as batch:
        batch.add_column(sa.Column("short_name", sa.String(length=4), nullable=True))
    with op.batch_alter_table("case_document") as batch:
        batch.add_column(sa.Column("issuer_path", sa.String(length=200), nullable=False, server_default=""))
    op.execute(f"UPDATE case_document SET issuer_path = {ISSUER}")
    with op.batch_alter_table("case_document") as batch:
        batch.alter_column("issuer_path", server_default=None)
        batch.drop_constraint("uq_case_document_kind_year_serial", type_="unique")
        batch.create_unique_constraint("uq_case_document_issuer_kind_year_serial",
                                       ["issuer_path", "kind", "year", "serial"])


def downgrade() -> None:
    with op.batch_alter_table("case_document") as batch:
        batch.drop_constraint("uq_case_document_issuer_kind_year_serial", type_="unique")
        batch.create_unique_constraint("uq_case_document_kind_year_serial", ["kind", "year", "serial"])
        batch.drop_column("issuer_path")
    with op.batch_alter_table("region") as batch:
        batch.drop_column("short_name")
