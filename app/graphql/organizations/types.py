from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from ariadne import SchemaBindable
from graphql import GraphQLResolveInfo

from app import models
from app.graphql.core.bindables import SourcedObjectType
from app.graphql.core.context import context_of
from app.graphql.core.inputs import parse_optional_input
from app.graphql.core.pagination import (
    Connection,
    ConnectionType,
    EdgeType,
    Listing,
    page_request,
    paginate,
)
from app.graphql.core.scope import load_reachable
from app.graphql.organizations.filters import children_filters
from generated.input_types import OrganizationChildrenFilter, OrganizationOrder


@dataclass
class OrganizationPayload:
    organization: models.Organization


organization = SourcedObjectType("Organization", models.Organization)

CHILDREN = Listing(
    models.Organization,
    models.table_of(models.Organization).c.parent_id == sa.bindparam("parent_id"),
    tails_index=models.ORGANIZATIONS_PARENT_ORDER_TAILS,
)


@organization.field("parent")
async def resolve_parent(row: models.Organization, info: GraphQLResolveInfo) -> Any:
    if row.parent_id is None:
        return None
    # An actor's own organization has a parent out of its reach: that reads as none.
    return await load_reachable(context_of(info), "Organization", row.parent_id)


@organization.field("children")
async def resolve_children(
    row: models.Organization,
    info: GraphQLResolveInfo,
    filter: dict[str, Any] | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    order_by: dict[str, Any] | None = None,
) -> Connection:
    context = context_of(info)
    parsed_filter = parse_optional_input(OrganizationChildrenFilter, filter, field="filter")
    order = parse_optional_input(OrganizationOrder, order_by, field="orderBy")
    page = page_request(
        info,
        scope=f"children:{row.id}",
        order=order,
        first=first,
        after=after,
        last=last,
        before=before,
    )
    return await paginate(
        context,
        CHILDREN,
        page=page,
        parameters={"parent_id": row.id},
        filters=children_filters(parsed_filter),
    )


types: list[SchemaBindable] = [
    organization,
    ConnectionType("OrganizationConnection"),
    EdgeType("OrganizationEdge"),
    SourcedObjectType("OrganizationPayload", OrganizationPayload),
]
