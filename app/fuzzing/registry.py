"""What the schema cannot say: the rules a team registers once per node type or ordering.

Discovery (`app.fuzzing.discovery`) derives the queries, filters, orderings and
mutations from the SDL. The registry adds the little the SDL does not carry:

- `order_keys`: how each value of an ordering enum sorts (`TITLE`: the contract's
  natural, case- and accent-insensitive order of the node field `title`);
- `delete_rules`: deletes the service refuses or cascades (an organization with child
  organizations is refused; its integrations go with it);
- `placements`: for a connection on a type other than `Query`, which create-input field
  puts a new item in the parent's list, when the create input has more than one link to
  the parent type (with exactly one, discovery uses it);
- `created_values`: node fields every new item has (`isActive: true`);
- `filter_matchers`: filter fields that follow none of the naming conventions.

A new connection whose node type, filter and ordering follow the conventions needs
nothing here; a new ordering value or an unconventional filter field needs one entry.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.fuzzing.reference_order import runs
from app.fuzzing.text import TextRules


@dataclass(frozen=True)
class OrderKey:
    """How one ordering enum value sorts: an ascending key of one node field's value.
    Ties are broken by ID, which the model appends."""

    node_field: str
    key: Callable[[Any], Any]


@dataclass(frozen=True)
class DeleteRules:
    refused_while_linked_by: tuple[tuple[str, str], ...] = ()
    """(node type, create-input link): deleting is refused while such an item links here."""
    cascades_to: tuple[tuple[str, str], ...] = ()
    """(node type, create-input link): such items are deleted together with this one."""
    refusal_fields: frozenset[str] = frozenset({"input.id"})
    """What the refusal's `VALIDATION_ERROR` may name."""


FilterMatcher = Callable[[Any, Mapping[str, Any]], bool]
"""(the filter field's value, the node's field values) -> whether the node matches."""


@dataclass(frozen=True)
class Registry:
    order_keys: Mapping[str, OrderKey] = field(default_factory=dict)
    delete_rules: Mapping[str, DeleteRules] = field(default_factory=dict)
    placements: Mapping[str, str] = field(default_factory=dict)
    """Connection key (`Organization.children`) -> the create-input link to the parent."""
    created_values: Mapping[str, Any] = field(default_factory=dict)
    """Node field -> the value every new item has unless the create input sets it."""
    filter_matchers: Mapping[str, FilterMatcher] = field(default_factory=dict)
    """`FilterType.field` -> a matcher for a filter field no convention explains."""
    text: TextRules = field(default_factory=TextRules)

    def extended(self, **changes: Any) -> "Registry":
        """A copy with some mappings extended (not replaced) by `changes`."""
        merged: dict[str, Any] = {}
        for name, value in changes.items():
            current = getattr(self, name)
            merged[name] = {**current, **value} if isinstance(current, Mapping) else value
        return replace(self, **merged)


def title_order(node_field: str = "title") -> OrderKey:
    """The contract's `TITLE` order (the independent comparator of `reference_order`)."""
    return OrderKey(node_field, runs)


DEFAULT_REGISTRY = Registry(
    order_keys={"TITLE": title_order()},
    delete_rules={
        "Organization": DeleteRules(
            refused_while_linked_by=(("Organization", "parentId"),),
            cascades_to=(("Integration", "organizationId"),),
        )
    },
    created_values={"isActive": True},
)
"""The rules of this service's contract (section 3)."""
