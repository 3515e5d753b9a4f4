"""Access: the calling actor (`me`) and the keys integrations authenticate with."""

from app.graphql.access.mutations import mutation
from app.graphql.access.queries import query
from app.graphql.access.types import types

bindables = [query, mutation, *types]

__all__ = ["bindables"]
