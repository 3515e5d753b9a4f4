from typing import Any

from ariadne import QueryType
from graphql import GraphQLResolveInfo

from app.graphql.core.context import context_of

query = QueryType()


@query.field("me")
async def resolve_me(_root: Any, info: GraphQLResolveInfo) -> Any:
    context = context_of(info)
    return await context.loaders.entity("Integration").load(context.actor.integration_id)
