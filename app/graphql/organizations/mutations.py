from typing import Any

import sqlalchemy as sa
from ariadne import MutationType
from graphql import GraphQLResolveInfo
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app import models
from app.graphql.common.types import DeletePayload
from app.graphql.core.context import context_of
from app.graphql.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.graphql.core.ids import new_id
from app.graphql.core.inputs import parse_input, require_not_null
from app.graphql.core.locking import delete_versioned, update_versioned
from app.graphql.core.ordering import fold_title, title_columns
from app.graphql.core.scope import require_reachable
from app.graphql.core.text import optional_text
from app.graphql.organizations.types import OrganizationPayload
from generated.enums import OrganizationFeature
from generated.input_types import (
    OrganizationCreateInput,
    OrganizationDeleteInput,
    OrganizationUpdateInput,
)

mutation = MutationType()


def _title(value: str) -> dict[str, Any]:
    columns = title_columns(value)
    return {**columns, "search_title": fold_title(columns["title"])}


def _external_id(value: str | None) -> str | None:
    return optional_text(value, field="input.externalId", max_length=models.REFERENCE_MAX_LENGTH)


def _features(values: list[OrganizationFeature]) -> list[str]:
    """Features are a set: duplicates collapse, and they are kept in declaration order."""
    chosen = set(values)
    return [feature.value for feature in OrganizationFeature if feature in chosen]


def _has_children_error(organization_id: str) -> ValidationError:
    return ValidationError(
        f"Organization {organization_id!r} has child organizations; delete or move them first.",
        field="input.id",
        entity_type="Organization",
        entity_id=organization_id,
        constraint="organization_has_no_children",
    )


@mutation.field("organizationCreate")
async def resolve_organization_create(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> OrganizationPayload:
    context = context_of(info)
    data = parse_input(OrganizationCreateInput, input)
    values = {
        **_title(data.title),
        "external_id": _external_id(data.external_id),
        "features": _features(data.features or []),
    }
    organization_id = new_id("Organization")
    if data.parent_id is None:
        if not context.actor.is_operator:
            raise PermissionDeniedError(
                "Only actors of a root organization can create root organizations; "
                "give a `parentId`.",
                field="input.parentId",
            )
        parent_id, path = None, f"/{organization_id}/"
    else:
        parent = await require_reachable(
            context, "Organization", data.parent_id, field="input.parentId", alone=True
        )
        parent_id, path = parent.id, f"{parent.path}{organization_id}/"

    row = models.Organization(
        id=organization_id, parent_id=parent_id, path=path, version=1, is_active=True, **values
    )
    try:
        async with context.db.write() as session:
            session.add(row)
    except IntegrityError:
        # The only constraint an insert can break: the parent does not exist (or was
        # deleted while this request ran).
        raise NotFoundError("Organization", str(data.parent_id), field="input.parentId") from None
    context.loaders.prime("Organization", row)
    return OrganizationPayload(row)


@mutation.field("organizationUpdate")
async def resolve_organization_update(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> OrganizationPayload:
    context = context_of(info)
    data = parse_input(OrganizationUpdateInput, input)
    given = data.model_fields_set
    values: dict[str, Any] = {}
    if "title" in given:
        values.update(_title(require_not_null(data.title, field="input.title")))
    if "external_id" in given:
        values["external_id"] = _external_id(data.external_id)
    if "is_active" in given:
        values["is_active"] = require_not_null(data.is_active, field="input.isActive")
    if "features" in given:
        values["features"] = _features(require_not_null(data.features, field="input.features"))
    organization_id = (
        await require_reachable(context, "Organization", data.id, field="input.id", alone=True)
    ).id

    async with context.db.write() as session:
        row = await update_versioned(
            session,
            models.Organization,
            entity_type="Organization",
            entity_id=organization_id,
            expected_version=data.version,
            values=values,
        )
    context.loaders.prime("Organization", row)
    return OrganizationPayload(row)


@mutation.field("organizationDelete")
async def resolve_organization_delete(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> DeletePayload:
    context = context_of(info)
    data = parse_input(OrganizationDeleteInput, input)
    organization_id = (
        await require_reachable(context, "Organization", data.id, field="input.id", alone=True)
    ).id

    children = sa.orm.aliased(models.Organization)
    no_children = ~sa.exists().where(col(children.parent_id) == organization_id)
    try:
        # The organization's integrations go with it (ON DELETE CASCADE), in this
        # same transaction.
        async with context.db.write() as session:
            await delete_versioned(
                session,
                models.Organization,
                entity_type="Organization",
                entity_id=organization_id,
                expected_version=data.version,
                guards=[(no_children, lambda: _has_children_error(organization_id))],
            )
    except IntegrityError:
        # A child was created between the guard and the delete; the foreign key held.
        raise _has_children_error(organization_id) from None
    context.loaders.entity("Organization").clear(organization_id)
    return DeletePayload(deleted_id=organization_id)
