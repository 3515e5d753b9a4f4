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


class Loaders:
    """The request's loaders, one per entity type, made on first use."""

    def __init__(self, db: RequestDatabase) -> None:
        self._db = db
        self._by_type: dict[str, EntityLoader] = {}

    def entity(self, entity_type: str) -> EntityLoader:
        loader = self._by_type.get(entity_type)
        if loader is None:
            loader = self._by_type[entity_type] = EntityLoader(self._db, NODE_MODELS[entity_type])
        return loader

    def prime(self, entity_type: str, row: Any) -> None:
        """Make a row just written visible to later loads in this request."""
        self.entity(entity_type).clear(row.id).prime(row.id, row)
