from typing import Any

import sqlalchemy as sa
from ariadne import QueryType
from graphql import GraphQLResolveInfo

from app import models
from app.graphql.core.context import context_of
from app.graphql.core.inputs import parse_optional_input
from app.graphql.core.pagination import Connection, Listing, page_request, paginate
from app.graphql.core.scope import require_reachable
from app.graphql.integrations.filters import integration_filters
from generated.input_types import IntegrationFilter, IntegrationOrder

query = QueryType()

INTEGRATIONS_OF_ORGANIZATION = Listing(
    models.Integration,
    models.table_of(models.Integration).c.organization_id == sa.bindparam("organization_id"),
    tails_index=models.INTEGRATIONS_ORGANIZATION_ORDER_TAILS,
)


@query.field("integration")
async def resolve_integration(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    return await require_reachable(context_of(info), "Integration", id, field="id")


@query.field("integrations")
async def resolve_integrations(
    _root: Any,
    info: GraphQLResolveInfo,
    organization_id: str,
    filter: dict[str, Any] | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    order_by: dict[str, Any] | None = None,
) -> Connection:
    context = context_of(info)
    parsed_filter = parse_optional_input(IntegrationFilter, filter, field="filter")
    order = parse_optional_input(IntegrationOrder, order_by, field="orderBy")
    page = page_request(
        info,
        scope=f"integrations:{organization_id}",
        order=order,
        first=first,
        after=after,
        last=last,
        before=before,
    )
    # Kept by the loader: the page's `organization` fields then cost no statement. Loaded
    # alone: nothing batches with it, since the page waits for it.
    owner = await require_reachable(
        context, "Organization", organization_id, field="organizationId", alone=True
    )
    return await paginate(
        context,
        INTEGRATIONS_OF_ORGANIZATION,
        page=page,
        parameters={"organization_id": owner.id},
        filters=integration_filters(parsed_filter),
        # Not on an organization this request wrote (the ORM's, without it) or read in
        # a page or with an integration (None): the total is then counted.
        scope_size=getattr(owner, "integration_count", None),
    )
