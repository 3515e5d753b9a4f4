"""The Integrations domain: `integration`, `integrations` and their mutations."""

from app.graphql.integrations.mutations import mutation
from app.graphql.integrations.queries import query
from app.graphql.integrations.types import types

bindables = [query, mutation, *types]

__all__ = ["bindables"]
