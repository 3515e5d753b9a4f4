"""The schema's shared types: `node`/`nodes`, the interfaces and the pagination types."""

from app.graphql.common.types import bindables

__all__ = ["bindables"]
