"""The tables as create_all made them before there were migrations.

Organizations, integrations, their keys and the service's own state, with their primary
and foreign keys and the indexes of the keyset ordering.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Compared byte-wise: SQLite's default BINARY collation already is; on PostgreSQL "C".
BYTE_ORDERED_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
ENTITY_ID = sa.Uuid(as_uuid=False)


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", ENTITY_ID, nullable=False),
        sa.Column("parent_id", ENTITY_ID, nullable=True),
        sa.Column("path", BYTE_ORDERED_TEXT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("sort_key", BYTE_ORDERED_TEXT, nullable=False),
        sa.Column("search_title", sa.Text(), nullable=False),
        sa.Column("external_id", sa.String(length=1024), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_organizations_order", "organizations", ["sort_key", "id"])
    op.create_index(
        "ix_organizations_parent_order", "organizations", ["parent_id", "sort_key", "id"]
    )
    op.create_index("ix_organizations_path", "organizations", ["path"])

    op.create_table(
        "service_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )

    op.create_table(
        "integrations",
        sa.Column("id", ENTITY_ID, nullable=False),
        sa.Column("organization_id", ENTITY_ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("sort_key", BYTE_ORDERED_TEXT, nullable=False),
        sa.Column("credential_ref", sa.String(length=1024), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_integrations_organization_order",
        "integrations",
        ["organization_id", "sort_key", "id"],
    )

    op.create_table(
        "integration_keys",
        sa.Column("id", ENTITY_ID, nullable=False),
        sa.Column("integration_id", ENTITY_ID, nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["integration_id"], ["integrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_integration_keys_integration_id", "integration_keys", ["integration_id"])


def downgrade() -> None:
    op.drop_index("ix_integration_keys_integration_id", table_name="integration_keys")
    op.drop_table("integration_keys")
    op.drop_index("ix_integrations_organization_order", table_name="integrations")
    op.drop_table("integrations")
    op.drop_table("service_state")
    op.drop_index("ix_organizations_path", table_name="organizations")
    op.drop_index("ix_organizations_parent_order", table_name="organizations")
    op.drop_index("ix_organizations_order", table_name="organizations")
    op.drop_table("organizations")
