import sqlalchemy as sa

from app import models
from app.database import one_of
from app.graphql.core.filters import NO_FILTERS, Condition, Filters
from app.graphql.core.ids import id_of_type
from app.graphql.core.ordering import fold_title
from app.graphql.core.text import filter_text
from generated.input_types import OrganizationChildrenFilter, OrganizationFilter

ORGANIZATIONS = models.table_of(models.Organization)

PARENT_IN = Condition("parent_in", one_of(ORGANIZATIONS.c.parent_id, "filter_parent_ids"))
NO_PARENT_MATCHES = Condition("no_parent_matches", sa.false())
IS_ACTIVE = Condition("is_active", ORGANIZATIONS.c.is_active == sa.bindparam("filter_is_active"))
# The reach's copy of the flag, beside its ordering key: the filtered reach is a range of
# its index (`app.models.OrganizationReach`).
REACH_IS_ACTIVE = Condition(
    "reach_is_active",
    models.table_of(models.OrganizationReach).c.is_active == sa.bindparam("filter_is_active"),
)
# "/" escapes the pattern's own wildcards, as SQLAlchemy's `autoescape` does.
TITLE_CONTAINS = Condition(
    "title_contains",
    ORGANIZATIONS.c.search_title.like(sa.bindparam("filter_title_pattern"), escape="/"),
)


def organization_filters(filter: OrganizationFilter | None, *, in_reach: bool = False) -> Filters:
    """The conditions of an `OrganizationFilter`: absent or null fields do not filter,
    list fields match any of their values, an empty list matches nothing. `in_reach`:
    the list reads the reach (`ORGANIZATIONS_IN_REACH`), whose copy of `is_active` its
    index holds."""
    filters = NO_FILTERS
    if filter is None:
        return filters
    if filter.parent_ids is not None:
        # An ID that is not an organization's matches no organization.
        parent_ids = [
            parent_id
            for parent_id in map(lambda value: id_of_type(value, "Organization"), filter.parent_ids)
            if parent_id is not None
        ]
        if parent_ids:
            filters = filters.where(PARENT_IN, filter_parent_ids=parent_ids)
        else:
            filters = filters.where(NO_PARENT_MATCHES)
    if filter.is_active is not None:
        is_active = REACH_IS_ACTIVE if in_reach else IS_ACTIVE
        filters = filters.where(is_active, filter_is_active=filter.is_active)
    return filters


def children_filters(filter: OrganizationChildrenFilter | None) -> Filters:
    """The conditions of an `OrganizationChildrenFilter`."""
    filters = NO_FILTERS
    if filter is None:
        return filters
    if filter.is_active is not None:
        filters = filters.where(IS_ACTIVE, filter_is_active=filter.is_active)
    title_contains = filter_text(filter.title_contains, field="filter.titleContains")
    if title_contains:
        filters = filters.where(
            TITLE_CONTAINS, filter_title_pattern=f"%{_escaped(fold_title(title_contains))}%"
        )
    return filters


def _escaped(text: str) -> str:
    """`text` matched literally by LIKE with "/" as its escape character."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")
