"""Conditions a request puts on a list, written once with bound parameters.

A list's page and count statements are kept per set of conditions
(`Filters.conditions`) and take each request's values as parameters, so that a filtered
list runs statements built and compiled once, as an unfiltered one does: built per
request, a statement cost about as much as running it, and could not run on the driver
directly (`app.database.PreparedRead`). A list of values (such as `parentIds`) is one
parameter too (`app.database.one_of`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True, eq=False)
class Condition:
    """One condition's SQL, its values left as bound parameters (named `filter_...` so
    that they meet no listing's or cursor's own). Compared by identity: each is one of
    the module constants that filters are made of."""

    name: str
    """For people reading a statement's key."""
    clause: sa.ColumnElement[bool]


@dataclass(frozen=True)
class Filters:
    """Conditions on a list and the values of their parameters."""

    conditions: tuple[Condition, ...] = ()
    """In the order they were added: with the listing's shape, the key of its kept
    statements."""
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def clauses(self) -> tuple[sa.ColumnElement[bool], ...]:
        return tuple(condition.clause for condition in self.conditions)

    def __bool__(self) -> bool:
        return bool(self.conditions)

    def where(self, condition: Condition, **values: Any) -> "Filters":
        """These filters and `condition`, with its parameters' values."""
        return Filters((*self.conditions, condition), {**self.values, **values})

    def __add__(self, other: "Filters") -> "Filters":
        return Filters((*self.conditions, *other.conditions), {**self.values, **other.values})


NO_FILTERS = Filters()
