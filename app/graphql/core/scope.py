"""Tenant isolation: every entity a client names or lists is checked against the
calling actor's reach (see `app.security.actor`). What is out of reach answers exactly
like an ID that does not exist, so existence does not leak."""

from typing import Any

from app import models
from app.graphql.core.context import RequestContext
from app.graphql.core.errors import NotFoundError
from app.graphql.core.ids import id_of_type


async def reachable(
    context: RequestContext, entity_type: str, row: Any, *, alone: bool = False
) -> bool:
    """Whether the actor reaches `row`, an entity of `entity_type`. `alone`: as in
    `load_reachable`, for the entities the check loads."""
    loaders = context.loaders
    if entity_type == "IntegrationKey":
        row = await loaders.load("Integration", row.integration_id, alone=alone)
        entity_type = "Integration"
    if entity_type == "Integration":
        row = await loaders.load("Organization", row.organization_id, alone=alone)
    if row is None:
        return False
    organization: models.Organization = row
    return context.actor.reaches(organization)


async def load_reachable(
    context: RequestContext, entity_type: str, entity_id: str, *, alone: bool = False
) -> Any:
    """The entity, or None when it does not exist or is out of the actor's reach.
    `alone`: nothing can batch with this lookup (`Loaders.load_alone`)."""
    row = await context.loaders.load(entity_type, entity_id, alone=alone)
    if row is None or not await reachable(context, entity_type, row, alone=alone):
        return None
    return row


async def require_reachable(
    context: RequestContext, entity_type: str, raw_id: str, *, field: str, alone: bool = False
) -> Any:
    """The entity a client-sent ID names; NOT_FOUND when the ID is malformed, of another
    type, unknown, deleted or out of the actor's reach. `alone` as for `load_reachable`."""
    entity_id = id_of_type(raw_id, entity_type)
    row = await load_reachable(context, entity_type, entity_id, alone=alone) if entity_id else None
    if row is None:
        raise NotFoundError(entity_type, raw_id, field=field)
    return row
