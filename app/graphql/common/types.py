import asyncio
from dataclasses import dataclass
from typing import Any

from ariadne import InterfaceType, QueryType, SchemaBindable
from graphql import GraphQLResolveInfo

from app.graphql.core.bindables import SourcedObjectType
from app.graphql.core.context import context_of
from app.graphql.core.errors import ValidationError
from app.graphql.core.ids import decode_id
from app.graphql.core.nodes import resolve_node_type
from app.graphql.core.pagination import CountInfo, PageInfo
from app.graphql.core.scope import load_reachable


@dataclass
class DeletePayload:
    deleted_id: str


query = QueryType()


@query.field("node")
async def resolve_node(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    decoded = decode_id(id)
    if decoded is None:
        return None
    return await load_reachable(context_of(info), decoded.entity_type, decoded.value)


@query.field("nodes")
async def resolve_nodes(_root: Any, info: GraphQLResolveInfo, ids: list[str]) -> list[Any]:
    context = context_of(info)
    if len(ids) > context.settings.max_node_ids:
        raise ValidationError(
            f"`nodes` takes at most {context.settings.max_node_ids} IDs; it got {len(ids)}.",
            field="ids",
        )
    # Loads are batched per entity type (one statement per type, whatever the count),
    # as long as they are all started before any is awaited.
    pending = [
        asyncio.ensure_future(load_reachable(context, decoded.entity_type, decoded.value))
        if decoded
        else None
        for decoded in map(decode_id, ids)
    ]
    return [await load if load is not None else None for load in pending]


bindables: list[SchemaBindable] = [
    query,
    *(InterfaceType(name, resolve_node_type) for name in ("Node", "Actor", "Titled", "Versioned")),
    SourcedObjectType("PageInfo", PageInfo),
    SourcedObjectType("CountInfo", CountInfo),
    SourcedObjectType("DeletePayload", DeletePayload),
]
