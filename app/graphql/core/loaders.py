"""Per-request batch loading of entities by ID, so a page of N items that each point at
an organization costs one statement for all of them, not N."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from aiodataloader import DataLoader
from sqlmodel import SQLModel

from app.database import RequestDatabase
from app.graphql.core.nodes import NODE_MODELS


class EntityLoader(DataLoader[str, Any]):
    def __init__(self, db: RequestDatabase, model: type[SQLModel]) -> None:
        super().__init__()
        self._db = db
        self._model = model

    async def batch_load_fn(self, ids: Sequence[str]) -> list[Any]:
        model: Any = self._model
        rows = await self._db.all(sa.select(model).where(model.id.in_(list(dict.fromkeys(ids)))))
        by_id = {row.id: row for row in rows}
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
        self._db = db
        self._by_type: dict[str, EntityLoader] = {}
        self._related: dict[str, RelatedLoader] = {}

    def entity(self, entity_type: str) -> EntityLoader:
        loader = self._by_type.get(entity_type)
        if loader is None:
            loader = self._by_type[entity_type] = EntityLoader(self._db, NODE_MODELS[entity_type])
        return loader

    def related(self, name: str, column: Any, order_by: Sequence[Any]) -> RelatedLoader:
        """The request's loader of rows grouped by `column`, made on first use."""
        loader = self._related.get(name)
        if loader is None:
            loader = self._related[name] = RelatedLoader(self._db, column, order_by)
        return loader

    def prime(self, entity_type: str, row: Any) -> None:
        """Make a row just written visible to later loads in this request."""
        self.entity(entity_type).clear(row.id).prime(row.id, row)
