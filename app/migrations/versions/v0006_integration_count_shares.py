"""Each organization's number of integrations, kept in shares (`integration_counts`).

0005 kept the number in the organization's row, which every write in the organization
then updated and held until it committed: on PostgreSQL, concurrent creates in one
organization waited for one another. Each connection now adds to a share of its own,
and the number read is their sum.

It drops `organizations.integration_count`, which the previous version reads with every
organization: stop the service's processes before upgrading past it. One of the
previous version still running would fail its reads of organizations; and an integration
delete running meanwhile, which locks its organization before the integration, could
deadlock with this migration, which locks `integrations` first (the database would then
roll one of them back).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.migrations.versions.v0005_integration_count import COUNT_TRIGGERS, drop_count_triggers
from app.models import INTEGRATION_COUNT_TRIGGERS

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # As in 0005: no write of a service still running falls between the count
        # moved here and the triggers that keep it.
        op.execute("LOCK TABLE integrations IN SHARE ROW EXCLUSIVE MODE")
    drop_count_triggers(dialect)
    op.create_table(
        "integration_counts",
        sa.Column("organization_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("slot", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("integrations", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", "slot"),
    )
    op.execute(
        "INSERT INTO integration_counts (organization_id, slot, integrations)"
        " SELECT id, 0, integration_count FROM organizations WHERE integration_count <> 0"
    )
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("integration_count")
    # The models' triggers are this revision's: a later change to them freezes a copy
    # here, as 0005 holds its own.
    for statement in INTEGRATION_COUNT_TRIGGERS[dialect]:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_count_triggers(dialect)
    op.add_column(
        "organizations",
        sa.Column("integration_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE organizations SET integration_count = (SELECT coalesce(sum(integrations), 0)"
        " FROM integration_counts WHERE organization_id = organizations.id)"
    )
    op.drop_table("integration_counts")
    for statement in COUNT_TRIGGERS[dialect]:
        op.execute(statement)
