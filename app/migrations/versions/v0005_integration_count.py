"""Each organization's number of integrations, kept by triggers on `integrations`.

The unfiltered `total` of an organization's integrations counted up to the cap, so its
cost grew with the list until the cap. The count is now a column of the organization,
which the list reads anyway; triggers keep it in the transaction of every write.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models import INTEGRATION_COUNT_FUNCTIONS, INTEGRATION_COUNT_TRIGGERS

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = (
    "tr_integrations_count_insert",
    "tr_integrations_count_delete",
    "tr_integrations_count_truncate",
    "tr_integrations_count_move",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # A service still running the previous version may write meanwhile: held off
        # until this commits, no write falls between the count and its triggers, and
        # the tables are locked in the order its writes take them.
        op.execute("LOCK TABLE integrations IN SHARE ROW EXCLUSIVE MODE")
    op.add_column(
        "organizations",
        sa.Column("integration_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE organizations SET integration_count = (SELECT count(*) FROM integrations"
        " WHERE integrations.organization_id = organizations.id)"
    )
    for statement in INTEGRATION_COUNT_TRIGGERS[dialect]:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Before the column goes: SQLite rebuilds the table to drop a column, and refuses
    # to while a trigger names it.
    for trigger in TRIGGERS:
        on_table = " ON integrations" if dialect == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{on_table}")
    for function in INTEGRATION_COUNT_FUNCTIONS.get(dialect, ()):
        op.execute(f"DROP FUNCTION {function}()")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("integration_count")
