"""Partial indexes of the rows whose sort key has a tail.

A page was one scan ordered by `(head, tail, id)` through an index on `(…, head, id)`:
the database sorted every run of equal heads it touched, so a page inside the
integrations of one title read all of them (100,000 of one title: 120 ms a page on
PostgreSQL). Rows with a tail and rows without one never share a head, so a page now
reads the two apart, those without a tail in the ordering index's own order and those
with one from these indexes, which hold them alone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAS_TAIL = "sort_key_tail <> ''"

INDEXES = (
    ("ix_organizations_order_tails", "organizations", ["sort_key", "id"]),
    ("ix_organizations_parent_order_tails", "organizations", ["parent_id", "sort_key", "id"]),
    (
        "ix_integrations_organization_order_tails",
        "integrations",
        ["organization_id", "sort_key", "id"],
    ),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(
            name,
            table,
            columns,
            postgresql_where=sa.text(HAS_TAIL),
            sqlite_where=sa.text(HAS_TAIL),
        )


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
