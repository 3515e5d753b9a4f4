"""Optimistic locking: writes that compare and set `version` in the statement itself.

The UPDATE or DELETE carries `version = :expected` in its WHERE clause, so of any number
of concurrent writers holding the same version exactly one matches a row. Only when no
row matched is the row read, to tell NOT_FOUND from CONFLICT (and from a refused rule).
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from app.graphql.core.errors import ConflictError, DomainError, NotFoundError


async def update_versioned(
    session: AsyncSession,
    model: type[SQLModel],
    *,
    entity_type: str,
    entity_id: str,
    expected_version: int,
    values: dict[str, Any],
) -> Any:
    """Apply `values` and increment `version` by one; the updated row."""
    table: Any = model
    statement = (
        sa.update(table)
        .where(table.id == entity_id, table.version == expected_version)
        .values(**values, version=table.version + 1)
        .returning(table)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    row = (await session.execute(statement)).scalars().one_or_none()
    if row is None:
        await _raise_why_unmatched(session, model, entity_type, entity_id, expected_version)
    return row


async def delete_versioned(
    session: AsyncSession,
    model: type[SQLModel],
    *,
    entity_type: str,
    entity_id: str,
    expected_version: int,
    guards: Sequence[tuple[Any, Callable[[], DomainError]]] = (),
) -> None:
    """Delete the row at `expected_version`, unless a guard condition fails.

    Each guard is a SQL condition that must hold for the delete and the error that
    answers when it does not; guards are checked after existence and version.
    """
    table: Any = model
    statement = sa.delete(table).where(
        table.id == entity_id,
        table.version == expected_version,
        *(condition for condition, _ in guards),
    )
    result: Any = await session.execute(statement.execution_options(synchronize_session=False))
    if result.rowcount == 1:
        return
    await _raise_why_unmatched(session, model, entity_type, entity_id, expected_version)
    for condition, error in guards:
        holds = (await session.execute(sa.select(condition))).scalar_one()
        if not holds:
            raise error()
    raise AssertionError("a versioned delete matched no row for no reason")  # pragma: no cover


async def _raise_why_unmatched(
    session: AsyncSession,
    model: type[SQLModel],
    entity_type: str,
    entity_id: str,
    expected_version: int,
) -> None:
    table: Any = model
    current_version = (
        await session.execute(sa.select(table.version).where(table.id == entity_id))
    ).scalar_one_or_none()
    if current_version is None:
        raise NotFoundError(entity_type, entity_id, field="input.id")
    if current_version != expected_version:
        raise ConflictError(
            entity_type,
            entity_id,
            expected_version=expected_version,
            current_version=current_version,
        )
