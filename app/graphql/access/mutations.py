from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from ariadne import MutationType
from graphql import GraphQLResolveInfo
from sqlmodel import col

from app import models
from app.graphql.access.types import IntegrationKeyCreatePayload, IntegrationKeyPayload
from app.graphql.core.context import context_of
from app.graphql.core.errors import NotFoundError
from app.graphql.core.inputs import parse_input
from app.graphql.core.scope import require_reachable
from app.graphql.core.text import optional_text
from app.security.keys import mint_key
from generated.input_types import IntegrationKeyCreateInput, IntegrationKeyRevokeInput

mutation = MutationType()


@mutation.field("integrationKeyCreate")
async def resolve_integration_key_create(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> IntegrationKeyCreatePayload:
    context = context_of(info)
    data = parse_input(IntegrationKeyCreateInput, input)
    label = optional_text(data.label, field="input.label", max_length=models.TITLE_MAX_LENGTH)
    integration = await require_reachable(
        context, "Integration", data.integration_id, field="input.integrationId", alone=True
    )
    try:
        async with context.db.write() as session:
            key, secret = await mint_key(session, integration.id, label)
    except sa.exc.IntegrityError:
        # The integration was deleted while this request ran.
        raise NotFoundError(
            "Integration", data.integration_id, field="input.integrationId"
        ) from None
    context.loaders.prime("IntegrationKey", key)
    return IntegrationKeyCreatePayload(key=key, secret=secret)


@mutation.field("integrationKeyRevoke")
async def resolve_integration_key_revoke(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> IntegrationKeyPayload:
    context = context_of(info)
    data = parse_input(IntegrationKeyRevokeInput, input)
    key = await require_reachable(context, "IntegrationKey", data.id, field="input.id", alone=True)
    async with context.db.write() as session:
        table = models.IntegrationKey
        revoked = (
            await session.execute(
                sa.update(table)
                .where(col(table.id) == key.id, col(table.revoked_at).is_(None))
                .values(revoked_at=datetime.now(UTC))
                .returning(table)
                .execution_options(synchronize_session=False, populate_existing=True)
            )
        ).scalar_one_or_none()
        if revoked is None:  # revoked before, or deleted with its integration meanwhile
            revoked = await session.get(table, key.id, populate_existing=True)
            if revoked is None:
                raise NotFoundError("IntegrationKey", data.id, field="input.id")
    context.loaders.prime("IntegrationKey", revoked)
    return IntegrationKeyPayload(key=revoked)
