"""Per-request batch loading of entities by ID, so a page of N items that each point at
an organization costs one statement for all of them, not N."""

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader

from app.database import PreparedRead, RequestDatabase, one_of
from app.graphql.core.nodes import NODE_MODELS
from app.models import row_columns, row_type_of, table_of

# An entity whose reach is decided by another one (an integration by its organization)
# is loaded joined to it, and the owner primes its own loader: a lookup by ID is one
# statement, the reach check included. Entity type -> (owner's type, foreign key column).
OWNERS: dict[str, tuple[str, str]] = {"Integration": ("Organization", "organization_id")}


def _by_ids_read(entity_type: str, *, one: bool) -> PreparedRead:
    """The statement that loads entities of a type by ID (the list `ids`; `id` when
    `one`: where a list expands into the SQL, as on SQLite, it is written per
    execution), joined to their owner when they have one: rows of the entity's row
    type, then the owner's."""
    model = NODE_MODELS[entity_type]
    table = table_of(model)
    columns = row_columns(model)
    wanted = table.c.id == sa.bindparam("id") if one else one_of(table.c.id, "ids")
    owner = OWNERS.get(entity_type)
    if owner is None:
        return PreparedRead(sa.select(*columns).where(wanted), entities=(row_type_of(model),))
    owner_type, column = owner
    owner_model = NODE_MODELS[owner_type]
    owner_table = table_of(owner_model)
    # The owner's computed values are left out: it is read for its fields and the reach
    # check, and a lookup by ID stays a single indexed one.
    return PreparedRead(
        sa.select(*columns, *row_columns(owner_model, computed=False))
        .join(owner_table, table.c[column] == owner_table.c.id)
        .where(wanted),
        entities=(row_type_of(model), row_type_of(owner_model)),
    )


# Built once: building a statement costs about as much as running it.
BY_IDS_READS: dict[tuple[str, bool], PreparedRead] = {
    (entity_type, one): _by_ids_read(entity_type, one=one)
    for entity_type in NODE_MODELS
    for one in (False, True)
}


class EntityLoader(DataLoader[str, Any]):
    def __init__(self, loaders: "Loaders", entity_type: str) -> None:
        self.loaded: dict[str, Any] = {}
        """The loader's cache: each ID's future (`cache_map`), readable for `load_alone`."""
        super().__init__(cache_map=self.loaded)
        self._loaders = loaders
        self._entity_type = entity_type

    async def batch_load_fn(self, ids: Sequence[str]) -> list[Any]:
        unique = list(dict.fromkeys(ids))
        one = len(unique) == 1
        read = BY_IDS_READS[self._entity_type, one]
        parameters = {"id": unique[0]} if one else {"ids": unique}
        owner = OWNERS.get(self._entity_type)
        found = await self._loaders.db.values(read, parameters)
        if owner is not None:
            owner_loader = self._loaders.entity(owner[0])
            for _, owner_row in found:
                owner_loader.prime(owner_row.id, owner_row)
        by_id = {row[0].id: row[0] for row in found}
        return [by_id.get(id_) for id_ in ids]


class RelatedLoader(DataLoader[str, list[Any]]):
    """Rows of `model` grouped by the value of one of their columns (such as the keys
    of each integration), in `order_by` order."""

    def __init__(self, db: RequestDatabase, column: Any, order_by: Sequence[Any]) -> None:
        super().__init__()
        self._db = db
        self._column = column
        self._order_by = order_by

    async def batch_load_fn(self, values: Sequence[str]) -> list[list[Any]]:
        model = self._column.class_
        rows = await self._db.all(
            sa.select(model)
            .where(self._column.in_(list(dict.fromkeys(values))))
            .order_by(*self._order_by)
        )
        grouped: dict[str, list[Any]] = {value: [] for value in values}
        for row in rows:
            grouped[getattr(row, self._column.key)].append(row)
        return [grouped[value] for value in values]


class Loaders:
    """The request's loaders, one per entity type, made on first use."""

    def __init__(self, db: RequestDatabase) -> None:
        self.db = db
        self._by_type: dict[str, EntityLoader] = {}
        self._related: dict[str, RelatedLoader] = {}

    def entity(self, entity_type: str) -> EntityLoader:
        loader = self._by_type.get(entity_type)
        if loader is None:
            loader = self._by_type[entity_type] = EntityLoader(self, entity_type)
        return loader

    def related(self, name: str, column: Any, order_by: Sequence[Any]) -> RelatedLoader:
        """The request's loader of rows grouped by `column`, made on first use."""
        loader = self._related.get(name)
        if loader is None:
            loader = self._related[name] = RelatedLoader(self.db, column, order_by)
        return loader

    def get(self, entity_type: str, entity_id: str) -> Any:
        """The entity, or an awaitable of it when this request has not loaded it yet.

        A field that resolves to an entity loaded already costs graphql-core no await:
        a page whose items share their organization completes without a task per item.
        """
        future = self.entity(entity_type).load(entity_id)
        return future.result() if future.done() else future

    def load(self, entity_type: str, entity_id: str, *, alone: bool = False) -> Awaitable[Any]:
        """The entity, batched with the other loads of this turn, or `alone`
        (`load_alone`)."""
        if alone:
            return self.load_alone(entity_type, entity_id)
        return self.entity(entity_type).load(entity_id)

    async def load_alone(self, entity_type: str, entity_id: str) -> Any:
        """The entity, as `entity(entity_type).load` gives it, for a lookup that nothing
        can batch with: a mutation's (mutations run one at a time) or the one a list
        resolver awaits before its page. Loaded at once, without the loader's
        scheduling (a callback and a task per batch), and kept for later loads."""
        loader = self.entity(entity_type)
        known = loader.loaded.get(entity_id)
        if known is not None:
            return await known
        # In the cache while the statement runs: a root field that asks for the same ID
        # meanwhile (another list of the organization, `node`) awaits this one.
        pending: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        loader.loaded[entity_id] = pending
        try:
            [row] = await loader.batch_load_fn([entity_id])
        except BaseException as error:
            # Not kept, as the loader keeps no failure: a later load asks again.
            if loader.loaded.get(entity_id) is pending:
                del loader.loaded[entity_id]
            if isinstance(error, Exception):
                pending.set_exception(error)
                pending.exception()  # asyncio warns of a failure nobody retrieved
            else:
                pending.cancel()
            raise
        pending.set_result(row)
        return row

    def prime(self, entity_type: str, row: Any) -> None:
        """Make a row just written visible to later loads in this request."""
        self.entity(entity_type).clear(row.id).prime(row.id, row)
