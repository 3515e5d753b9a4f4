"""Each organization under every organization whose subtree holds it, kept by triggers.

The organizations an actor reaches were a range of paths, read in title order through
either the path index (which read and sorted the whole subtree for every page: 50 ms a
page for a subtree of 50,000 on SQLite) or the ordering index (which read past every
organization outside the subtree that sorts before the page). `organization_reach`
holds each organization once per ancestor, itself included, with its ordering key, so
a page is a range of one index whatever the subtree.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAS_TAIL = "sort_key_tail <> ''"
SORT_KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

TRIGGERS = ("tr_organization_reach_insert", "tr_organization_reach_order")

# The triggers as this revision made them (0009 copies `is_active` too). Row triggers:
# each new organization reads its parent's rows, which an organization inserted before
# it in the same statement (a bulk COPY, parents first) has by then.
_REACH_OF_NEW = """INSERT INTO organization_reach (organization_id, ancestor_id, sort_key, sort_key_tail)
    SELECT NEW.id, ancestor_id, NEW.sort_key, NEW.sort_key_tail FROM organization_reach
    WHERE organization_id = NEW.parent_id
    UNION ALL
    SELECT NEW.id, NEW.id, NEW.sort_key, NEW.sort_key_tail;"""
_REACH_ORDER_OF_NEW = """UPDATE organization_reach SET sort_key = NEW.sort_key, sort_key_tail = NEW.sort_key_tail
    WHERE organization_id = NEW.id;"""
REACH_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        f"""CREATE TRIGGER tr_organization_reach_insert AFTER INSERT ON organizations
BEGIN
    {_REACH_OF_NEW}
END""",
        f"""CREATE TRIGGER tr_organization_reach_order AFTER UPDATE OF sort_key, sort_key_tail
ON organizations
WHEN OLD.sort_key IS NOT NEW.sort_key OR OLD.sort_key_tail IS NOT NEW.sort_key_tail
BEGIN
    {_REACH_ORDER_OF_NEW}
END""",
    ),
    "postgresql": (
        f"""CREATE FUNCTION organization_reach_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
    {_REACH_OF_NEW}
    ELSE
    {_REACH_ORDER_OF_NEW}
    END IF;
    RETURN NULL;
END
$$""",
        """CREATE TRIGGER tr_organization_reach_insert AFTER INSERT ON organizations
FOR EACH ROW EXECUTE FUNCTION organization_reach_changed()""",
        """CREATE TRIGGER tr_organization_reach_order AFTER UPDATE OF sort_key, sort_key_tail
ON organizations FOR EACH ROW
WHEN (OLD.sort_key IS DISTINCT FROM NEW.sort_key
      OR OLD.sort_key_tail IS DISTINCT FROM NEW.sort_key_tail)
EXECUTE FUNCTION organization_reach_changed()""",
    ),
}
REACH_FUNCTIONS: dict[str, tuple[str, ...]] = {"postgresql": ("organization_reach_changed",)}

# Every organization under itself, then under each ancestor in turn, down the parents.
BACKFILL = """INSERT INTO organization_reach (organization_id, ancestor_id, sort_key, sort_key_tail)
WITH RECURSIVE reach (organization_id, ancestor_id) AS (
    SELECT id, id FROM organizations
    UNION ALL
    SELECT child.id, reach.ancestor_id
    FROM reach JOIN organizations AS child ON child.parent_id = reach.organization_id
)
SELECT reach.organization_id, reach.ancestor_id, o.sort_key, o.sort_key_tail
FROM reach JOIN organizations AS o ON o.id = reach.organization_id"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # A service still running the previous version may create or rename an
        # organization meanwhile: held off until this commits, none falls between the
        # rows written here and the triggers.
        op.execute("LOCK TABLE organizations IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "organization_reach",
        sa.Column("organization_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("ancestor_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("sort_key", SORT_KEY, nullable=False),
        sa.Column("sort_key_tail", SORT_KEY, nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ancestor_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", "ancestor_id"),
    )
    op.create_index(
        "ix_organization_reach_order",
        "organization_reach",
        ["ancestor_id", "sort_key", "organization_id"],
    )
    op.create_index(
        "ix_organization_reach_order_tails",
        "organization_reach",
        ["ancestor_id", "sort_key", "organization_id"],
        postgresql_where=sa.text(HAS_TAIL),
        sqlite_where=sa.text(HAS_TAIL),
    )
    op.execute(BACKFILL)
    for statement in REACH_TRIGGERS[dialect]:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for trigger in TRIGGERS:
        on_table = " ON organizations" if dialect == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{on_table}")
    for function in REACH_FUNCTIONS.get(dialect, ()):
        op.execute(f"DROP FUNCTION {function}()")
    op.drop_table("organization_reach")
