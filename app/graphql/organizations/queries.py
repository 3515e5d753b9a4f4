from typing import Any

import sqlalchemy as sa
from ariadne import QueryType
from graphql import GraphQLResolveInfo

from app import models
from app.graphql.core.context import context_of
from app.graphql.core.inputs import parse_optional_input
from app.graphql.core.pagination import Connection, Listing, Through, page_request, paginate
from app.graphql.core.scope import require_reachable
from app.graphql.organizations.filters import organization_filters
from generated.input_types import OrganizationFilter, OrganizationOrder

query = QueryType()

ORGANIZATIONS = Listing(
    models.Organization, sa.true(), tails_index=models.ORGANIZATIONS_ORDER_TAILS
)
"""Every organization: what an operator reaches."""

_REACH = models.table_of(models.OrganizationReach)
ORGANIZATIONS_IN_REACH = Listing(
    models.Organization,
    _REACH.c.ancestor_id == sa.bindparam("reach_root"),
    tails_index=models.ORGANIZATION_REACH_ORDER_TAILS,
    through=Through(_REACH, "organization_id"),
)
"""The organizations of one subtree: what any other actor reaches, its own organization
and that organization's descendants, in one range of the reach's ordering index."""


@query.field("organization")
async def resolve_organization(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    return await require_reachable(context_of(info), "Organization", id, field="id")


@query.field("organizations")
async def resolve_organizations(
    _root: Any,
    info: GraphQLResolveInfo,
    filter: dict[str, Any] | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    order_by: dict[str, Any] | None = None,
) -> Connection:
    context = context_of(info)
    parsed_filter = parse_optional_input(OrganizationFilter, filter, field="filter")
    order = parse_optional_input(OrganizationOrder, order_by, field="orderBy")
    page = page_request(
        info,
        scope="organizations",
        order=order,
        first=first,
        after=after,
        last=last,
        before=before,
    )
    actor = context.actor
    if actor.is_operator:
        listing, parameters = ORGANIZATIONS, {}
    else:
        listing, parameters = ORGANIZATIONS_IN_REACH, {"reach_root": actor.organization_id}
    return await paginate(
        context,
        listing,
        page=page,
        parameters=parameters,
        filters=organization_filters(parsed_filter, in_reach=listing is ORGANIZATIONS_IN_REACH),
    )
