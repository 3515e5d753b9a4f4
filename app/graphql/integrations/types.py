from dataclasses import dataclass
from typing import Any

from ariadne import SchemaBindable

from app import models
from app.graphql.core.bindables import SourcedObjectType
from app.graphql.core.context import RequestContext
from app.graphql.core.execution import context_resolver
from app.graphql.core.pagination import ConnectionType, EdgeType


@dataclass
class IntegrationPayload:
    integration: models.Integration


integration = SourcedObjectType("Integration", models.Integration)


@context_resolver
def resolve_organization(row: models.Integration, context: RequestContext) -> Any:
    return context.loaders.get("Organization", row.organization_id)


integration.set_field("organization", resolve_organization)


types: list[SchemaBindable] = [
    integration,
    ConnectionType("IntegrationConnection"),
    EdgeType("IntegrationEdge"),
    SourcedObjectType("IntegrationPayload", IntegrationPayload),
]
