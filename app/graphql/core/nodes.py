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
_NODE_TYPES: dict[type[SQLModel], str] = {model: name for name, model in NODE_MODELS.items()}


def resolve_node_type(obj: Any, *_: Any) -> str | None:
    """The GraphQL type of a row, for the `Node`, `Actor`, `Titled` and `Versioned` interfaces."""
    return _NODE_TYPES.get(type(obj))
