"""The database tables, one SQLModel class per entity.

Each titled table stores its ordering key beside `title`, computed in Python
(`app.graphql.core.ordering.title_sort_key`) and compared byte-wise, so that SQLite and
PostgreSQL order identically whatever their collations: `sort_key` holds the key's indexed
head, `sort_key_tail` the rest of a key too long for an index entry (almost always empty).
"""

from collections import namedtuple
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Byte-wise comparison: SQLite's default BINARY collation already is; PostgreSQL's
# database collation is not, and SQLite knows no collation named "C".
ByteOrderedText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
SortKey = ByteOrderedText
EntityId = sa.Uuid(as_uuid=False)

TITLE_MAX_LENGTH = 255
REFERENCE_MAX_LENGTH = 1024


def _checks(table: str, *, reference: str | None = None) -> tuple[sa.CheckConstraint, ...]:
    """The contract's rules on a titled, versioned table, kept by the database itself so
    that no code path can store what the contract forbids: the title is 1..255 characters
    and the reference at most 1024, counted by the database's own `length` (characters,
    on SQLite and PostgreSQL), and `version` starts at 1."""
    checks = [
        sa.CheckConstraint(
            f"length(title) BETWEEN 1 AND {TITLE_MAX_LENGTH}", name=f"ck_{table}_title_length"
        ),
        sa.CheckConstraint("version >= 1", name=f"ck_{table}_version"),
    ]
    if reference is not None:
        checks.append(
            sa.CheckConstraint(
                f"length({reference}) <= {REFERENCE_MAX_LENGTH}",
                name=f"ck_{table}_{reference}_length",
            )
        )
    return tuple(checks)


HAS_TAIL = "sort_key_tail <> ''"
"""The rows whose sort key is longer than its indexed head: the partial indexes'
condition. The page statements write the same (`app.graphql.core.pagination.Keyset.part`,
with `!=`, the same operator to both engines), with the empty string in the SQL text."""


def _tail_index(name: str, *columns: str) -> sa.Index:
    """A partial index beside an ordering index, in its columns, holding only the rows
    whose key has a tail: a page reads those rows in `(head, tail, id)` order from here,
    and the others in `(head, id)` order from the ordering index, which then serves its
    order whole."""
    return sa.Index(
        name, *columns, postgresql_where=sa.text(HAS_TAIL), sqlite_where=sa.text(HAS_TAIL)
    )


# The partial indexes that lists name to SQLite (`app.graphql.core.pagination.Listing`).
ORGANIZATIONS_ORDER_TAILS = _tail_index("ix_organizations_order_tails", "sort_key", "id")
ORGANIZATIONS_PARENT_ORDER_TAILS = _tail_index(
    "ix_organizations_parent_order_tails", "parent_id", "sort_key", "id"
)
INTEGRATIONS_ORGANIZATION_ORDER_TAILS = _tail_index(
    "ix_integrations_organization_order_tails", "organization_id", "sort_key", "id"
)
ORGANIZATION_REACH_ORDER_TAILS = _tail_index(
    "ix_organization_reach_order_tails", "ancestor_id", "sort_key", "organization_id"
)


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"
    __table_args__ = (
        sa.Index("ix_organizations_order", "sort_key", "id"),
        sa.Index("ix_organizations_parent_order", "parent_id", "sort_key", "id"),
        # A list filtered by `isActive` reads a range of one of these, however few match.
        sa.Index("ix_organizations_active_order", "is_active", "sort_key", "id"),
        sa.Index(
            "ix_organizations_parent_active_order", "parent_id", "is_active", "sort_key", "id"
        ),
        ORGANIZATIONS_ORDER_TAILS,
        ORGANIZATIONS_PARENT_ORDER_TAILS,
        sa.Index("ix_organizations_path", "path"),
        *_checks("organizations", reference="external_id"),
    )

    id: str = Field(sa_column=sa.Column(EntityId, primary_key=True))
    parent_id: str | None = Field(
        default=None,
        sa_column=sa.Column(EntityId, sa.ForeignKey("organizations.id"), nullable=True),
    )
    path: str = Field(sa_column=sa.Column(ByteOrderedText, nullable=False))
    """The IDs from the root down to this organization, as `/<root id>/…/<id>/`: the
    organization's subtree is every organization whose path starts with this one."""
    version: int = Field(default=1, nullable=False)
    title: str = Field(sa_column=sa.Column(sa.String(TITLE_MAX_LENGTH), nullable=False))
    sort_key: str = Field(sa_column=sa.Column(SortKey, nullable=False))
    search_title: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    external_id: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(REFERENCE_MAX_LENGTH), nullable=True)
    )
    is_active: bool = Field(default=True, nullable=False)
    features: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    # Last, where the migration that added it put it.
    sort_key_tail: str = Field(
        default="", sa_column=sa.Column(SortKey, nullable=False, server_default="")
    )


class OrganizationReach(SQLModel, table=True):
    """Each organization once under every organization whose subtree holds it, itself
    included, with its ordering key: the organizations an actor reaches, in title
    order, are a range of `ix_organization_reach_order`, whatever the size of the
    subtree and wherever its titles fall among the others. (Read through `path`, a wide
    subtree was read and sorted whole on SQLite for every page; through the ordering
    index, a subtree whose titles sort after most others' was read past them.)

    The database keeps it itself (`ORGANIZATION_REACH_TRIGGERS`) in the transaction of
    every write to `organizations`: a new organization gets its parent's ancestors and
    itself, a new title or `is_active` is copied to its rows, a delete cascades. An
    organization's parent never changes (no API operation moves one). The triggers are
    on `organizations`, so a SQLite migration that rebuilds that table (batch mode)
    drops them with the old table and must make them again."""

    __tablename__ = "organization_reach"
    __table_args__ = (
        sa.Index("ix_organization_reach_order", "ancestor_id", "sort_key", "organization_id"),
        sa.Index(
            "ix_organization_reach_active_order",
            "ancestor_id",
            "is_active",
            "sort_key",
            "organization_id",
        ),
        ORGANIZATION_REACH_ORDER_TAILS,
    )

    # The organization first: the triggers find its rows by it.
    organization_id: str = Field(
        sa_column=sa.Column(
            EntityId,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    ancestor_id: str = Field(
        sa_column=sa.Column(
            EntityId,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    sort_key: str = Field(sa_column=sa.Column(SortKey, nullable=False))
    sort_key_tail: str = Field(sa_column=sa.Column(SortKey, nullable=False, server_default=""))
    # The organization's own flag, copied as its ordering key is, so that a reach
    # filtered by `isActive` is a range of an index too.
    is_active: bool = Field(
        default=True, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.true())
    )


class Integration(SQLModel, table=True):
    __tablename__ = "integrations"
    __table_args__ = (
        sa.Index("ix_integrations_organization_order", "organization_id", "sort_key", "id"),
        # The list filtered by `isActive`: its page, and its `total` (up to the cap), are
        # a range here, however few integrations match. (The unfiltered `total` reads
        # the kept count, `IntegrationCount`.)
        sa.Index(
            "ix_integrations_organization_active_order",
            "organization_id",
            "is_active",
            "sort_key",
            "id",
        ),
        INTEGRATIONS_ORGANIZATION_ORDER_TAILS,
        *_checks("integrations", reference="credential_ref"),
    )

    id: str = Field(sa_column=sa.Column(EntityId, primary_key=True))
    organization_id: str = Field(
        sa_column=sa.Column(
            EntityId,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    version: int = Field(default=1, nullable=False)
    title: str = Field(sa_column=sa.Column(sa.String(TITLE_MAX_LENGTH), nullable=False))
    sort_key: str = Field(sa_column=sa.Column(SortKey, nullable=False))
    credential_ref: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(REFERENCE_MAX_LENGTH), nullable=True)
    )
    is_active: bool = Field(default=True, nullable=False)
    # Last, where the migration that added it put it.
    sort_key_tail: str = Field(
        default="", sa_column=sa.Column(SortKey, nullable=False, server_default="")
    )


class IntegrationCount(SQLModel, table=True):
    """A share of an organization's number of integrations: the organization has the sum
    of its shares (`INTEGRATION_COUNT`). The database keeps them itself
    (`INTEGRATION_COUNT_TRIGGERS`) in the transaction of every write to `integrations`,
    so the unfiltered `total` of an organization's integrations is read rather than
    counted.

    Several shares rather than one number, because a write holds the row it adds to
    until it commits: on PostgreSQL each connection adds to the share of its slot
    (`INTEGRATION_COUNT_SLOTS`), so concurrent writes in one organization do not wait for
    one another. SQLite has one writer at a time and keeps one share, slot 0. A share
    may be negative: a connection may delete what another created."""

    __tablename__ = "integration_counts"

    organization_id: str = Field(
        sa_column=sa.Column(
            EntityId,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    slot: int = Field(sa_column=sa.Column(sa.SmallInteger, primary_key=True, autoincrement=False))
    integrations: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))


INTEGRATION_COUNT_SLOTS = 16
"""Shares per organization on PostgreSQL: more let more writers in one organization run
without waiting, and make the sum read for `total` longer."""

# Triggers rather than code in the write paths, so that every writer keeps the count: the
# mutations, the cascade of an organization's delete, the bulk seed, tests' own rows.
# PostgreSQL counts per statement, from the statement's transition table, so a bulk COPY
# adds to each organization's share once per batch rather than once per row; SQLite has
# only row triggers. Moving an integration is no API operation, but is counted all the
# same. A delete adds to a share only while its organization exists: the cascade of an
# organization's delete removes the organization, its shares and its integrations, in
# an order of the database's choosing, and a share added then would name an organization
# that is gone. Adding to a share waits on the organization's row (the share's foreign
# key), so a delete of integrations that may race their organization's delete locks the
# organization's row first, `FOR KEY SHARE`, as `integrationDelete` does: the order that
# delete takes them in. A statement of several organizations adds to their shares in
# the order of their IDs, so two such statements in one slot do not deadlock.
INTEGRATION_COUNT_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        """CREATE TRIGGER tr_integrations_count_insert AFTER INSERT ON integrations
BEGIN
    INSERT INTO integration_counts (organization_id, slot, integrations)
    VALUES (NEW.organization_id, 0, 1)
    ON CONFLICT (organization_id, slot) DO UPDATE SET integrations = integrations + 1;
END""",
        # The share exists: the insert made it.
        """CREATE TRIGGER tr_integrations_count_delete AFTER DELETE ON integrations
BEGIN
    UPDATE integration_counts SET integrations = integrations - 1
    WHERE organization_id = OLD.organization_id AND slot = 0;
END""",
        """CREATE TRIGGER tr_integrations_count_move AFTER UPDATE OF organization_id
ON integrations WHEN OLD.organization_id IS NOT NEW.organization_id
BEGIN
    UPDATE integration_counts SET integrations = integrations - 1
    WHERE organization_id = OLD.organization_id AND slot = 0;
    INSERT INTO integration_counts (organization_id, slot, integrations)
    VALUES (NEW.organization_id, 0, 1)
    ON CONFLICT (organization_id, slot) DO UPDATE SET integrations = integrations + 1;
END""",
    ),
    "postgresql": (
        f"""CREATE FUNCTION integrations_count_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    own_slot smallint := pg_backend_pid() % {INTEGRATION_COUNT_SLOTS};
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO integration_counts AS c (organization_id, slot, integrations)
        SELECT organization_id, own_slot, count(*) FROM inserted GROUP BY 1 ORDER BY 1
        ON CONFLICT (organization_id, slot)
        DO UPDATE SET integrations = c.integrations + excluded.integrations;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO integration_counts AS c (organization_id, slot, integrations)
        SELECT d.organization_id, own_slot, -count(*) FROM deleted AS d
        WHERE EXISTS (SELECT FROM organizations AS o WHERE o.id = d.organization_id)
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (organization_id, slot)
        DO UPDATE SET integrations = c.integrations + excluded.integrations;
    ELSIF TG_OP = 'TRUNCATE' THEN
        DELETE FROM integration_counts;
    ELSE
        INSERT INTO integration_counts AS c (organization_id, slot, integrations)
        SELECT OLD.organization_id, own_slot, -1
        WHERE EXISTS (SELECT FROM organizations AS o WHERE o.id = OLD.organization_id)
        UNION ALL
        SELECT NEW.organization_id, own_slot, 1
        ORDER BY 1
        ON CONFLICT (organization_id, slot)
        DO UPDATE SET integrations = c.integrations + excluded.integrations;
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
"""The statements that make the triggers keeping `integration_counts`, per dialect; the
migration that introduced them runs them too."""

# Dropping `integrations` drops its triggers; the function outlives it.
INTEGRATION_COUNT_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "postgresql": ("integrations_count_changed",)
}


# Row triggers: each new organization reads its parent's rows, which an organization
# inserted before it in the same statement (a bulk COPY, parents first) has by then. The
# two statements, the same on both engines:
_REACH_OF_NEW = """INSERT INTO organization_reach
    (organization_id, ancestor_id, sort_key, sort_key_tail, is_active)
    SELECT NEW.id, ancestor_id, NEW.sort_key, NEW.sort_key_tail, NEW.is_active
    FROM organization_reach WHERE organization_id = NEW.parent_id
    UNION ALL
    SELECT NEW.id, NEW.id, NEW.sort_key, NEW.sort_key_tail, NEW.is_active;"""
_REACH_COPY_OF_NEW = """UPDATE organization_reach
    SET sort_key = NEW.sort_key, sort_key_tail = NEW.sort_key_tail, is_active = NEW.is_active
    WHERE organization_id = NEW.id;"""
ORGANIZATION_REACH_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        f"""CREATE TRIGGER tr_organization_reach_insert AFTER INSERT ON organizations
BEGIN
    {_REACH_OF_NEW}
END""",
        f"""CREATE TRIGGER tr_organization_reach_copy
AFTER UPDATE OF sort_key, sort_key_tail, is_active ON organizations
WHEN OLD.sort_key IS NOT NEW.sort_key OR OLD.sort_key_tail IS NOT NEW.sort_key_tail
    OR OLD.is_active IS NOT NEW.is_active
BEGIN
    {_REACH_COPY_OF_NEW}
END""",
    ),
    "postgresql": (
        f"""CREATE FUNCTION organization_reach_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
    {_REACH_OF_NEW}
    ELSE
    {_REACH_COPY_OF_NEW}
    END IF;
    RETURN NULL;
END
$$""",
        """CREATE TRIGGER tr_organization_reach_insert AFTER INSERT ON organizations
FOR EACH ROW EXECUTE FUNCTION organization_reach_changed()""",
        """CREATE TRIGGER tr_organization_reach_copy
AFTER UPDATE OF sort_key, sort_key_tail, is_active ON organizations FOR EACH ROW
WHEN (OLD.sort_key IS DISTINCT FROM NEW.sort_key
      OR OLD.sort_key_tail IS DISTINCT FROM NEW.sort_key_tail
      OR OLD.is_active IS DISTINCT FROM NEW.is_active)
EXECUTE FUNCTION organization_reach_changed()""",
    ),
}
"""The statements that make the triggers keeping `organization_reach`, per dialect; the
migration that introduced them runs them too."""

ORGANIZATION_REACH_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "postgresql": ("organization_reach_changed",)
}


def _keep_triggers(metadata: sa.MetaData) -> None:
    """Tables made from the models (`create_all`) get the triggers the migrations make,
    once every table they name exists."""
    triggers = (INTEGRATION_COUNT_TRIGGERS, ORGANIZATION_REACH_TRIGGERS)
    functions = (INTEGRATION_COUNT_FUNCTIONS, ORGANIZATION_REACH_FUNCTIONS)

    def create(_metadata: sa.MetaData, connection: sa.Connection, **_: Any) -> None:
        for statements in triggers:
            for statement in statements[connection.dialect.name]:
                connection.exec_driver_sql(statement)

    def drop(_metadata: sa.MetaData, connection: sa.Connection, **_: Any) -> None:
        for names in functions:
            for function in names.get(connection.dialect.name, ()):
                connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")

    sa.event.listen(metadata, "after_create", create)
    sa.event.listen(metadata, "after_drop", drop)


class IntegrationKey(SQLModel, table=True):
    """A key an integration authenticates with. Only a hash of its secret is stored."""

    __tablename__ = "integration_keys"

    id: str = Field(sa_column=sa.Column(EntityId, primary_key=True))
    integration_id: str = Field(
        sa_column=sa.Column(
            EntityId,
            sa.ForeignKey("integrations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    secret_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    label: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(TITLE_MAX_LENGTH), nullable=True)
    )
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True)
    )


class ServiceState(SQLModel, table=True):
    """Facts the service records about itself, such as the bootstrap of the root actor."""

    __tablename__ = "service_state"

    name: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    value: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


def table_of(model: type[SQLModel]) -> sa.Table:
    """A model's table, for statements that only read columns: a statement that names
    no model runs without the ORM's compile and loading steps."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


_keep_triggers(SQLModel.metadata)

_COUNTS = table_of(IntegrationCount)

INTEGRATION_COUNT = (
    sa.select(sa.func.coalesce(sa.func.sum(_COUNTS.c.integrations), sa.literal_column("0")))
    .where(_COUNTS.c.organization_id == table_of(Organization).c.id)
    .scalar_subquery()
)
"""An organization's number of integrations: the sum of its kept shares, correlated to
the `organizations` row it is read with."""

COMPUTED_COLUMNS: dict[type[SQLModel], dict[str, Any]] = {
    Organization: {"integration_count": INTEGRATION_COUNT}
}
"""Values read with a model's rows that are no column of its table, by field name."""


@cache
def row_type_of(model: type[SQLModel]) -> Any:
    """The named tuple a read-only row of a model's table is made into, its fields the
    table's columns in order, then its computed values (`COMPUTED_COLUMNS`): what entity
    reads and pages return (`app.database`'s `PreparedRead`), with the model's attribute
    names, so resolvers read either alike."""
    computed = COMPUTED_COLUMNS.get(model, {})
    return namedtuple(f"{model.__name__}Row", [*table_of(model).columns.keys(), *computed])


def row_columns(model: type[SQLModel], *, computed: bool = True) -> list[Any]:
    """What a read of `model`'s rows selects, in its row type's order. Without
    `computed`, its computed values are NULL: a read of many rows (a page) that need not
    pay for them."""
    values = [
        expression.label(name) if computed else sa.null().label(name)
        for name, expression in COMPUTED_COLUMNS.get(model, {}).items()
    ]
    return [*table_of(model).columns, *values]
