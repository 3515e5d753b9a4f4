import sqlalchemy as sa

from app import models
from app.graphql.core.filters import NO_FILTERS, Condition, Filters
from generated.input_types import IntegrationFilter

INTEGRATIONS = models.table_of(models.Integration)

IS_ACTIVE = Condition("is_active", INTEGRATIONS.c.is_active == sa.bindparam("filter_is_active"))


def integration_filters(filter: IntegrationFilter | None) -> Filters:
    """The conditions of an `IntegrationFilter`: absent or null fields do not filter."""
    filters = NO_FILTERS
    if filter is None:
        return filters
    if filter.is_active is not None:
        filters = filters.where(IS_ACTIVE, filter_is_active=filter.is_active)
    return filters
