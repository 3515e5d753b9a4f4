"""The Organizations domain: the tenant hierarchy and its operations."""

from app.graphql.organizations.mutations import mutation
from app.graphql.organizations.queries import query
from app.graphql.organizations.types import types

bindables = [query, mutation, *types]

__all__ = ["bindables"]
