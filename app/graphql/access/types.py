from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ariadne import ObjectType, SchemaBindable
from graphql import GraphQLResolveInfo
from sqlmodel import col

from app import models
from app.graphql.core.bindables import SourcedObjectType
from app.graphql.core.context import context_of
from app.security.keys import key_hint


@dataclass
class IntegrationKeyCreatePayload:
    key: models.IntegrationKey
    secret: str


@dataclass
class IntegrationKeyPayload:
    key: models.IntegrationKey


def iso_timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC; SQLite hands back naive timestamps, which are stored as UTC."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


integration_key = SourcedObjectType("IntegrationKey", models.IntegrationKey)


@integration_key.field("integration")
def resolve_integration(row: models.IntegrationKey, info: GraphQLResolveInfo) -> Any:
    return context_of(info).loaders.get("Integration", row.integration_id)


@integration_key.field("hint")
def resolve_hint(row: models.IntegrationKey, _info: GraphQLResolveInfo) -> str:
    return key_hint(row.id)


@integration_key.field("createdAt")
def resolve_created_at(row: models.IntegrationKey, _info: GraphQLResolveInfo) -> str | None:
    return iso_timestamp(row.created_at)


@integration_key.field("revokedAt")
def resolve_revoked_at(row: models.IntegrationKey, _info: GraphQLResolveInfo) -> str | None:
    return iso_timestamp(row.revoked_at)


# The access domain's fields on `Integration` (`extend type Integration` in its SDL).
integration_access = ObjectType("Integration")


@integration_access.field("keys")
async def resolve_keys(row: models.Integration, info: GraphQLResolveInfo) -> list[Any]:
    keys = context_of(info).loaders.related(
        "keys_by_integration",
        col(models.IntegrationKey.integration_id),
        order_by=[col(models.IntegrationKey.created_at).desc(), col(models.IntegrationKey.id)],
    )
    return await keys.load(row.id)


types: list[SchemaBindable] = [
    integration_key,
    integration_access,
    SourcedObjectType("IntegrationKeyCreatePayload", IntegrationKeyCreatePayload),
    SourcedObjectType("IntegrationKeyPayload", IntegrationKeyPayload),
]
