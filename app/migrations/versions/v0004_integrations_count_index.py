"""A narrow index on `integrations.organization_id` for the capped `total`.

Counting an organization's integrations up to the cap read the table, or the ordering
index, whose entries carry the sort key. This index holds the organization ID alone,
so the same count reads a fraction of the pages.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_integrations_organization", "integrations", ["organization_id"])


def downgrade() -> None:
    op.drop_index("ix_integrations_organization", table_name="integrations")
