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


class Integration(SQLModel, table=True):
    __tablename__ = "integrations"
    __table_args__ = (
        sa.Index("ix_integrations_organization_order", "organization_id", "sort_key", "id"),
        # The capped `total` reads up to TOTAL_COUNT_CAP + 1 entries; here they lie on a
        # quarter of the ordering index's pages. PostgreSQL's count at the cap took
        # 0.55 ms from this index, 1.21 by the sequential scan it chose without it.
        # SQLite counts from either index at the same cost.
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


@cache
def row_type_of(model: type[SQLModel]) -> Any:
    """The named tuple a read-only row of a model's table is made into, its fields the
    table's columns in order: what entity reads and pages return (`app.database`'s
    `PreparedRead`), with the model's attribute names, so resolvers read either alike."""
    return namedtuple(f"{model.__name__}Row", table_of(model).columns.keys())
