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

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What this revision made, as it made it: the models have moved on (0006).
COUNT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        """CREATE TRIGGER tr_integrations_count_insert AFTER INSERT ON integrations
BEGIN
    UPDATE organizations SET integration_count = integration_count + 1
    WHERE id = NEW.organization_id;
END""",
        """CREATE TRIGGER tr_integrations_count_delete AFTER DELETE ON integrations
BEGIN
    UPDATE organizations SET integration_count = integration_count - 1
    WHERE id = OLD.organization_id;
END""",
        """CREATE TRIGGER tr_integrations_count_move AFTER UPDATE OF organization_id
ON integrations WHEN OLD.organization_id IS NOT NEW.organization_id
BEGIN
    UPDATE organizations SET integration_count = integration_count - 1
    WHERE id = OLD.organization_id;
    UPDATE organizations SET integration_count = integration_count + 1
    WHERE id = NEW.organization_id;
END""",
    ),
    "postgresql": (
        """CREATE FUNCTION integrations_count_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE organizations AS o SET integration_count = o.integration_count + d.n
        FROM (SELECT organization_id, count(*) AS n FROM inserted GROUP BY 1) AS d
        WHERE o.id = d.organization_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE organizations AS o SET integration_count = o.integration_count - d.n
        FROM (SELECT organization_id, count(*) AS n FROM deleted GROUP BY 1) AS d
        WHERE o.id = d.organization_id;
    ELSIF TG_OP = 'TRUNCATE' THEN
        UPDATE organizations SET integration_count = 0 WHERE integration_count <> 0;
    ELSE
        UPDATE organizations SET integration_count = integration_count - 1
        WHERE id = OLD.organization_id;
        UPDATE organizations SET integration_count = integration_count + 1
        WHERE id = NEW.organization_id;
    END IF;
    RETURN NULL;
END
$$""",
        """CREATE TRIGGER tr_integrations_count_insert AFTER INSERT ON integrations
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION integrations_count_changed()""",
        """CREATE TRIGGER tr_integrations_count_delete AFTER DELETE ON integrations
REFERENCING OLD TABLE AS deleted
FOR EACH STATEMENT EXECUTE FUNCTION integrations_count_changed()""",
        """CREATE TRIGGER tr_integrations_count_truncate AFTER TRUNCATE ON integrations
FOR EACH STATEMENT EXECUTE FUNCTION integrations_count_changed()""",
        """CREATE TRIGGER tr_integrations_count_move AFTER UPDATE OF organization_id
ON integrations FOR EACH ROW
WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id)
EXECUTE FUNCTION integrations_count_changed()""",
    ),
}

COUNT_FUNCTIONS: dict[str, tuple[str, ...]] = {"postgresql": ("integrations_count_changed",)}

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
    for statement in COUNT_TRIGGERS[dialect]:
        op.execute(statement)


def drop_count_triggers(dialect: str) -> None:
    """Drop the triggers and function keeping a count (this revision's or 0006's: they
    have the same names)."""
    for trigger in TRIGGERS:
        on_table = " ON integrations" if dialect == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{on_table}")
    for function in COUNT_FUNCTIONS.get(dialect, ()):
        op.execute(f"DROP FUNCTION {function}()")


def downgrade() -> None:
    # Before the column goes: SQLite rebuilds the table to drop a column, and refuses
    # to while a trigger names it.
    drop_count_triggers(op.get_bind().dialect.name)
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("integration_count")
