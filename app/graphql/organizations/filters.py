from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from app import models
from app.graphql.core.ids import id_of_type
from app.graphql.core.ordering import fold_title
from app.graphql.core.text import filter_text
from generated.input_types import OrganizationChildrenFilter, OrganizationFilter


def organization_conditions(filter: OrganizationFilter | None) -> list[Any]:
    """SQL conditions for an `OrganizationFilter`: absent or null fields do not filter,
    list fields match any of their values, an empty list matches nothing."""
    if filter is None:
        return []
    conditions: list[Any] = []
    if filter.parent_ids is not None:
        # An ID that is not an organization's matches no organization.
        parent_ids = [
            parent_id
            for parent_id in map(lambda value: id_of_type(value, "Organization"), filter.parent_ids)
            if parent_id is not None
        ]
        conditions.append(
            col(models.Organization.parent_id).in_(parent_ids) if parent_ids else sa.false()
        )
    if filter.is_active is not None:
        conditions.append(models.Organization.is_active == filter.is_active)
    return conditions


def children_conditions(filter: OrganizationChildrenFilter | None) -> list[Any]:
    """SQL conditions for an `OrganizationChildrenFilter`."""
    if filter is None:
        return []
    conditions: list[Any] = []
    if filter.is_active is not None:
        conditions.append(models.Organization.is_active == filter.is_active)
    title_contains = filter_text(filter.title_contains, field="filter.titleContains")
    if title_contains:
        conditions.append(
            col(models.Organization.search_title).contains(
                fold_title(title_contains), autoescape=True
            )
        )
    return conditions
