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


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"
    __table_args__ = (
        sa.Index("ix_organizations_order", "sort_key", "id"),
        sa.Index("ix_organizations_parent_order", "parent_id", "sort_key", "id"),
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
    integration_count: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default="0")
    )
    """How many integrations the organization has, kept by the database itself
    (`INTEGRATION_COUNT_TRIGGERS`) in the transaction of every write to `integrations`:
    the unfiltered `total` of an organization's integrations is read here, at no cost
    that grows with the list, rather than counted."""


class Integration(SQLModel, table=True):
    __tablename__ = "integrations"
    __table_args__ = (
        sa.Index("ix_integrations_organization_order", "organization_id", "sort_key", "id"),
        # A filtered `total` counts up to TOTAL_COUNT_CAP + 1 rows; here their entries
        # lie on a quarter of the ordering index's pages, and PostgreSQL chose a
        # sequential scan over the ordering index without it. (The unfiltered `total`
        # reads `organizations.integration_count`.)
        sa.Index("ix_integrations_organization", "organization_id"),
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


# Triggers rather than code in the write paths, so that every writer keeps the count: the
# mutations, the cascade of an organization's delete, the bulk seed, tests' own rows.
# PostgreSQL counts per statement, from the statement's transition table, so a bulk COPY
# updates each organization once per batch rather than once per row; SQLite has only
# row triggers. Moving an integration is no API operation, but is counted all the same.
INTEGRATION_COUNT_TRIGGERS: dict[str, tuple[str, ...]] = {
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
"""The statements that make the triggers keeping `organizations.integration_count`, per
dialect; the migration that introduced the count runs them too."""

# Dropping `integrations` drops its triggers; the function outlives it.
INTEGRATION_COUNT_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "postgresql": ("integrations_count_changed",)
}


def _keep_integration_count(integrations: sa.Table) -> None:
    """Tables made from the models (`create_all`) get the triggers the migrations make."""

    def create(_table: sa.Table, connection: sa.Connection, **_: Any) -> None:
        for statement in INTEGRATION_COUNT_TRIGGERS[connection.dialect.name]:
            connection.exec_driver_sql(statement)

    def drop(_table: sa.Table, connection: sa.Connection, **_: Any) -> None:
        for function in INTEGRATION_COUNT_FUNCTIONS.get(connection.dialect.name, ()):
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")

    sa.event.listen(integrations, "after_create", create)
    sa.event.listen(integrations, "after_drop", drop)


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


_keep_integration_count(table_of(Integration))


@cache
def row_type_of(model: type[SQLModel]) -> Any:
    """The named tuple a read-only row of a model's table is made into, its fields the
    table's columns in order: what entity reads and pages return (`app.database`'s
    `PreparedRead`), with the model's attribute names, so resolvers read either alike."""
    return namedtuple(f"{model.__name__}Row", table_of(model).columns.keys())
