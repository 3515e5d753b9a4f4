from dataclasses import dataclass
from typing import Any

from ariadne import SchemaBindable
from graphql import GraphQLResolveInfo

from app import models
from app.graphql.core.bindables import SourcedObjectType
from app.graphql.core.context import context_of
from app.graphql.core.pagination import ConnectionType, EdgeType


@dataclass
class IntegrationPayload:
    integration: models.Integration


integration = SourcedObjectType("Integration", models.Integration)


@integration.field("organization")
def resolve_organization(row: models.Integration, info: GraphQLResolveInfo) -> Any:
    return context_of(info).loaders.get("Organization", row.organization_id)


types: list[SchemaBindable] = [
    integration,
    ConnectionType("IntegrationConnection"),
    EdgeType("IntegrationEdge"),
    SourcedObjectType("IntegrationPayload", IntegrationPayload),
]
