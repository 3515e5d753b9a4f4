from typing import Any

from app import models
from generated.input_types import IntegrationFilter


def integration_conditions(filter: IntegrationFilter | None) -> list[Any]:
    """SQL conditions for an `IntegrationFilter`: absent or null fields do not filter."""
    if filter is None:
        return []
    conditions: list[Any] = []
    if filter.is_active is not None:
        conditions.append(models.Integration.is_active == filter.is_active)
    return conditions
