"""The ordering key in two columns: its indexed head and the rest.

A title that NFKD expands many times over has a key longer than a B-tree index entry
holds; such keys used to be cut, and titles sharing the cut prefix fell back to ID
order. `sort_key` keeps the key's first 500 characters, `sort_key_tail` the rest.

Rows whose key reaches the cut get both columns computed anew from their title.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.graphql.core.ordering import SORT_KEY_HEAD_LENGTH, sort_key_columns

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BYTE_ORDERED_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
TABLES = ("organizations", "integrations")


def upgrade() -> None:
    connection = op.get_bind()
    for name in TABLES:
        op.add_column(
            name, sa.Column("sort_key_tail", BYTE_ORDERED_TEXT, nullable=False, server_default="")
        )
        table = sa.table(name, sa.column("id"), sa.column("title"), *_key_columns())
        long_keys = sa.select(table.c.id, table.c.title).where(
            sa.func.length(table.c.sort_key) >= SORT_KEY_HEAD_LENGTH
        )
        for row in connection.execute(long_keys).all():
            connection.execute(
                sa.update(table).where(table.c.id == row.id).values(sort_key_columns(row.title))
            )


def downgrade() -> None:
    # The head alone is a prefix of the key, as the earlier cut key was.
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("sort_key_tail")


def _key_columns() -> tuple[sa.ColumnClause[str], ...]:
    return sa.column("sort_key", BYTE_ORDERED_TEXT), sa.column("sort_key_tail", BYTE_ORDERED_TEXT)
