from typing import Any

import sqlalchemy as sa
from ariadne import MutationType
from graphql import GraphQLResolveInfo
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import models
from app.graphql.common.types import DeletePayload
from app.graphql.core.context import context_of
from app.graphql.core.errors import NotFoundError
from app.graphql.core.ids import new_id
from app.graphql.core.inputs import parse_input, require_not_null
from app.graphql.core.locking import delete_versioned, update_versioned
from app.graphql.core.ordering import title_columns
from app.graphql.core.scope import require_reachable
from app.graphql.core.text import optional_text
from app.graphql.integrations.types import IntegrationPayload
from generated.input_types import (
    IntegrationCreateInput,
    IntegrationDeleteInput,
    IntegrationUpdateInput,
)

mutation = MutationType()


def _credential_ref(value: str | None) -> str | None:
    return optional_text(value, field="input.credentialRef", max_length=models.REFERENCE_MAX_LENGTH)


async def _organization_in_transaction(
    session: AsyncSession, organization_id: str
) -> models.Organization:
    """The integration's organization, read in the write's own transaction.

    The payload's `organization` must be the one the write saw: read after commit, a
    concurrent `organizationDelete` could already have removed it (and the integration
    with it), leaving the non-null field nothing to answer.
    """
    organization = await session.get(models.Organization, organization_id)
    if organization is None:  # the foreign key held for the write, so it exists
        raise NotFoundError("Organization", organization_id, field="input.organizationId")
    return organization


@mutation.field("integrationCreate")
async def resolve_integration_create(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> IntegrationPayload:
    context = context_of(info)
    data = parse_input(IntegrationCreateInput, input)
    title = title_columns(data.title)
    credential_ref = _credential_ref(data.credential_ref)
    owner = await require_reachable(
        context, "Organization", data.organization_id, field="input.organizationId", alone=True
    )
    organization_id = owner.id

    row = models.Integration(
        id=new_id("Integration"),
        organization_id=organization_id,
        version=1,
        is_active=True,
        credential_ref=credential_ref,
        **title,
    )
    try:
        async with context.db.write() as session:
            session.add(row)
            await session.flush()
            organization = await _organization_in_transaction(session, organization_id)
    except IntegrityError:
        # The only constraint an insert can break: the organization does not exist
        # (or was deleted while this request ran).
        raise NotFoundError(
            "Organization", data.organization_id, field="input.organizationId"
        ) from None
    context.loaders.prime("Integration", row)
    context.loaders.prime("Organization", organization)
    return IntegrationPayload(row)


@mutation.field("integrationUpdate")
async def resolve_integration_update(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> IntegrationPayload:
    context = context_of(info)
    data = parse_input(IntegrationUpdateInput, input)
    given = data.model_fields_set
    values: dict[str, Any] = {}
    if "title" in given:
        values.update(title_columns(require_not_null(data.title, field="input.title")))
    if "credential_ref" in given:
        values["credential_ref"] = _credential_ref(data.credential_ref)
    if "is_active" in given:
        values["is_active"] = require_not_null(data.is_active, field="input.isActive")
    integration_id = (
        await require_reachable(context, "Integration", data.id, field="input.id", alone=True)
    ).id

    async with context.db.write() as session:
        row = await update_versioned(
            session,
            models.Integration,
            entity_type="Integration",
            entity_id=integration_id,
            expected_version=data.version,
            values=values,
        )
        organization = await _organization_in_transaction(session, row.organization_id)
    context.loaders.prime("Integration", row)
    context.loaders.prime("Organization", organization)
    return IntegrationPayload(row)


async def _lock_organization(session: AsyncSession, organization_id: str) -> None:
    """Lock the organization's row before the integration's, the order an
    `organizationDelete` takes them in (its row, then the cascade to its integrations).

    Deleting an integration adds to its organization's kept count (a trigger, at the end
    of the statement), which waits on the organization's row (the foreign key of the
    count's share); without this, it would wait there holding the integration's row, and
    a racing `organizationDelete` could deadlock with it. `FOR KEY SHARE`, the lock that
    foreign key takes: other writes in the organization do not wait for it.

    Not on SQLite: it has one writer at a time, and a read as a transaction's first
    statement would make it a reader that cannot become the writer once another
    writer has committed.
    """
    if (await session.connection()).dialect.name != "postgresql":
        return
    organizations = models.table_of(models.Organization)
    await session.execute(
        sa.select(organizations.c.id)
        .where(organizations.c.id == organization_id)
        .with_for_update(read=True, key_share=True)
    )


@mutation.field("integrationDelete")
async def resolve_integration_delete(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> DeletePayload:
    context = context_of(info)
    data = parse_input(IntegrationDeleteInput, input)
    integration = await require_reachable(
        context, "Integration", data.id, field="input.id", alone=True
    )
    integration_id = integration.id

    async with context.db.write() as session:
        await _lock_organization(session, integration.organization_id)
        await delete_versioned(
            session,
            models.Integration,
            entity_type="Integration",
            entity_id=integration_id,
            expected_version=data.version,
        )
    context.loaders.entity("Integration").clear(integration_id)
    return DeletePayload(deleted_id=integration_id)
