"""Ordering indexes of the lists filtered by `isActive`.

A list filtered by `isActive` read its ordering index and skipped the rows that did not
match: a page of the few inactive integrations among many read past all the active ones
before it, and a filtered `total` read every integration of the organization to count a
few. Each list now has a twin of its ordering index with `is_active` after the scope, so
the filtered page and its count are a range too. The reach copies each organization's
`is_active` beside its ordering key, as it copies the key, for the same index on it.

`ix_integrations_organization` (0004) served the filtered `total`, the only count of
integrations that is not kept; the new index serves it now.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.migrations.versions.v0008_organization_reach import REACH_FUNCTIONS, REACH_TRIGGERS
from app.models import ORGANIZATION_REACH_FUNCTIONS, ORGANIZATION_REACH_TRIGGERS

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_organizations_active_order", "organizations", ["is_active", "sort_key", "id"]),
    (
        "ix_organizations_parent_active_order",
        "organizations",
        ["parent_id", "is_active", "sort_key", "id"],
    ),
    (
        "ix_organization_reach_active_order",
        "organization_reach",
        ["ancestor_id", "is_active", "sort_key", "organization_id"],
    ),
    (
        "ix_integrations_organization_active_order",
        "integrations",
        ["organization_id", "is_active", "sort_key", "id"],
    ),
)

TRIGGERS_BEFORE = ("tr_organization_reach_insert", "tr_organization_reach_order")
TRIGGERS_AFTER = ("tr_organization_reach_insert", "tr_organization_reach_copy")

# Only inactive organizations differ from the column's default.
COPY_INACTIVE = """UPDATE organization_reach SET is_active = false
WHERE organization_id IN (SELECT id FROM organizations WHERE NOT is_active)"""


def _replace_triggers(
    dropped: Sequence[str],
    functions: dict[str, tuple[str, ...]],
    made: dict[str, tuple[str, ...]],
) -> None:
    dialect = op.get_bind().dialect.name
    on_table = " ON organizations" if dialect == "postgresql" else ""
    for trigger in dropped:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{on_table}")
    for function in functions.get(dialect, ()):
        op.execute(f"DROP FUNCTION {function}()")
    for statement in made[dialect]:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # A service still running the previous version may change an organization's
        # flag meanwhile: held off until this commits, none falls between the rows
        # copied here and the new triggers.
        op.execute("LOCK TABLE organizations IN SHARE ROW EXCLUSIVE MODE")
    op.add_column(
        "organization_reach",
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.execute(COPY_INACTIVE)
    # The models' triggers are this revision's: a later change to them freezes a copy
    # here first, as 0008 keeps its own.
    _replace_triggers(TRIGGERS_BEFORE, REACH_FUNCTIONS, ORGANIZATION_REACH_TRIGGERS)
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.drop_index("ix_integrations_organization", table_name="integrations")


def downgrade() -> None:
    op.create_index("ix_integrations_organization", "integrations", ["organization_id"])
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    _replace_triggers(TRIGGERS_AFTER, ORGANIZATION_REACH_FUNCTIONS, REACH_TRIGGERS)
    with op.batch_alter_table("organization_reach") as batch:
        batch.drop_column("is_active")
