"""Which table holds each `Node` type, and the type of a row: the one place that ties
GraphQL object types to SQLModel tables for global lookups."""

from typing import Any

from sqlmodel import SQLModel

from app import models

NODE_MODELS: dict[str, type[SQLModel]] = {
    "Organization": models.Organization,
    "Integration": models.Integration,
    "IntegrationKey": models.IntegrationKey,
}
# A row's type is its model (a row written or loaded by the ORM) or the model's row type
# (a row read as values: `models.row_type_of`).
_NODE_TYPES: dict[type[Any], str] = {
    row_type: name
    for name, model in NODE_MODELS.items()
    for row_type in (model, models.row_type_of(model))
}


def resolve_node_type(obj: Any, *_: Any) -> str | None:
    """The GraphQL type of a row, for the `Node`, `Actor`, `Titled` and `Versioned` interfaces."""
    return _NODE_TYPES.get(type(obj))
