"""A plain in-memory model of the entities and lists, and what each page must be.

The model knows every entity the fuzzer created (its type, version, node field values
and the create-input links that place it in lists) and answers, for a page request on a
list, either the exact page (items, both `pageInfo` flags, `total`) or the set of
arguments a `VALIDATION_ERROR` may name. It follows contract section 3 and the README's
"Pagination": keyset order `(sort key, id)`, cursors bound to their list and ordering but
not to the filter, and both flags exact:

- paging forward (`first`, or neither): `hasNextPage` when the window between the
  cursors holds more than the page, or an item stands at or after `before`;
  `hasPreviousPage` when an item stands at or before `after`;
- paging backward (`last`): the mirror image.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from app.fuzzing.discovery import ConnectionField, FilterField, FilterKind, InputLink
from app.fuzzing.registry import Registry
from app.fuzzing.text import contains_folded, forbidden_character, trim

JSON = dict[str, Any]


class Absent(Enum):
    """An argument left out of a request altogether (as opposed to an explicit null)."""

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = Absent.ABSENT


@dataclass
class Entity:
    type: str
    id: str
    version: int
    values: dict[str, Any]
    """Node field -> value; a link holds the linked node's ID (or None)."""
    links: dict[str, str | None]
    """Create-input link -> the ID it was created with (`organizationId`, `parentId`)."""
    adopted: bool = False
    """Found in the service rather than created by the fuzzer: read, never written
    (it may be the caller's own organization)."""


@dataclass(frozen=True)
class ListRef:
    """One list: a connection, with its parent and required arguments."""

    connection: ConnectionField
    parent: str | None
    arguments: tuple[tuple[str, str], ...]
    bindings: tuple[tuple[str, str], ...]
    """Create-input link -> ID: an item of the list has exactly these links."""

    @property
    def scope(self) -> str:
        """What a cursor is bound to (with the ordering)."""
        given = ",".join(f"{name}={value}" for name, value in self.arguments)
        return f"{self.connection.key}({self.parent or ''};{given})"

    def __str__(self) -> str:
        return self.scope


@dataclass(frozen=True)
class Ordering:
    value: str
    direction: str

    @property
    def descending(self) -> bool:
        return self.direction == "DESC"


@dataclass(frozen=True)
class CursorInfo:
    """Where a cursor points: its list, its ordering, and the ascending key of its item
    (sort key then ID) when the cursor was made."""

    scope: str
    ordering: Ordering
    key: tuple[Any, str]
    item_id: str
    sequence: int
    """The item's creation number (cursors are drawn in this order, not by ID)."""

    def draw_order(self) -> tuple[int, str, str, str]:
        return (self.sequence, self.ordering.value, self.ordering.direction, repr(self.key[0]))


@dataclass(frozen=True)
class PageRequest:
    """The arguments of one page request; `ABSENT` leaves an argument out."""

    first: Any = ABSENT
    last: Any = ABSENT
    after: Any = ABSENT
    before: Any = ABSENT
    filter: Any = ABSENT
    order_by: Any = ABSENT
    total: bool = False


@dataclass(frozen=True)
class ExpectedPage:
    ids: list[str]
    has_previous_page: bool
    has_next_page: bool
    count: int
    """The number of items the filter matches in the whole list (for `total`)."""
    ordering: Ordering


@dataclass(frozen=True)
class ExpectedRefusal:
    fields: frozenset[str]
    """A `VALIDATION_ERROR` naming any one of these arguments is right."""


Expected = ExpectedPage | ExpectedRefusal


@dataclass(frozen=True)
class ModelSettings:
    default_page_size: int = 20
    max_page_size: int = 100


@dataclass
class World:
    """Every entity the fuzzer created and still believes exists."""

    registry: Registry
    settings: ModelSettings = field(default_factory=ModelSettings)
    entities: dict[str, Entity] = field(default_factory=dict)
    """By ID, in the order they were created: every choice the fuzzer draws among
    entities or cursors follows that order, never the (random) IDs, so that hypothesis
    replays and shrinks the same choices."""
    sequence: dict[str, int] = field(default_factory=dict)
    """ID -> creation number, kept after a delete."""

    def add(self, entity: Entity) -> None:
        self.sequence.setdefault(entity.id, len(self.sequence))
        self.entities[entity.id] = entity

    # --- lists -------------------------------------------------------------------------------

    def members(self, ref: ListRef) -> list[Entity]:
        node_type = ref.connection.node_type
        return [
            entity
            for entity in self.entities.values()
            if entity.type == node_type
            and all(entity.links.get(link) == value for link, value in ref.bindings)
        ]

    def of_type(self, node_type: str) -> list[Entity]:
        return [entity for entity in self.entities.values() if entity.type == node_type]

    # --- orderings ---------------------------------------------------------------------------

    def default_ordering(self, connection: ConnectionField) -> Ordering:
        order = connection.order
        if order is None or order.default is None:
            return Ordering("", "ASC")
        return Ordering(*order.default)

    def ordering_of(self, connection: ConnectionField, order_by: Any) -> Ordering:
        """The ordering an `orderBy` argument asks for; absent or null is the default."""
        order = connection.order
        if order is None or order_by is ABSENT or order_by is None:
            return self.default_ordering(connection)
        return Ordering(order_by[order.field_key], order_by[order.direction_key])

    def supports(self, ordering: Ordering) -> bool:
        return ordering.value in self.registry.order_keys

    def key(self, entity: Entity, ordering: Ordering) -> tuple[Any, str]:
        """The ascending position of `entity` under `ordering`: its sort key, then its ID."""
        order_key = self.registry.order_keys[ordering.value]
        return (order_key.key(entity.values[order_key.node_field]), entity.id)

    def ordered(
        self, entities: Iterable[Entity], ordering: Ordering
    ) -> list[tuple[tuple[Any, str], Entity]]:
        keyed = [(self.key(entity, ordering), entity) for entity in entities]
        keyed.sort(key=lambda pair: pair[0], reverse=ordering.descending)
        return keyed

    # --- filters -----------------------------------------------------------------------------

    def filter_refusals(self, connection: ConnectionField, filter_value: Any) -> set[str]:
        """The filter fields a `VALIDATION_ERROR` may name (`filter.titleContains`): a
        string value holding a refused character (after trimming, for `@trim` fields)."""
        spec = connection.filter
        if spec is None or not isinstance(filter_value, dict):
            return set()
        refused = set()
        for filter_field in spec.fields:
            if filter_field.named_type != "String":
                continue  # IDs are opaque: an unknown one matches nothing
            value = filter_value.get(filter_field.name)
            values = value if isinstance(value, list) else [value]
            if filter_field.trimmed:
                values = [trim(v) if isinstance(v, str) else v for v in values]
            if any(isinstance(v, str) and forbidden_character(v) is not None for v in values):
                refused.add(f"{spec.argument}.{filter_field.name}")
        return refused

    def matches(self, connection: ConnectionField, filter_value: Any, entity: Entity) -> bool:
        spec = connection.filter
        if spec is None or not isinstance(filter_value, dict):
            return True
        return all(
            self._matches_field(
                spec.type, filter_field, filter_value.get(filter_field.name), entity
            )
            for filter_field in spec.fields
        )

    def _matches_field(
        self, filter_type: str, filter_field: FilterField, value: Any, entity: Entity
    ) -> bool:
        if value is None:
            return True  # absent or null filter fields do not filter
        custom = self.registry.filter_matchers.get(f"{filter_type}.{filter_field.name}")
        if custom is not None:
            return custom(value, entity.values)
        node_value = entity.values.get(filter_field.node_field or "")
        if isinstance(value, str) and filter_field.trimmed:
            value = trim(value)
        if filter_field.kind is FilterKind.EQUALS:
            return bool(node_value == value)
        if filter_field.kind is FilterKind.CONTAINS:
            return isinstance(node_value, str) and contains_folded(node_value, value)
        if filter_field.kind in (FilterKind.ANY_OF, FilterKind.ANY_OF_IDS):
            return node_value in value
        raise AssertionError(f"{filter_type}.{filter_field.name} has no matcher")

    # --- pages -------------------------------------------------------------------------------

    def expect(
        self, ref: ListRef, request: PageRequest, cursors: Mapping[str, CursorInfo]
    ) -> Expected:
        """The page the service must answer for `request`, or the arguments it may refuse."""
        connection = ref.connection
        ordering = self.ordering_of(connection, request.order_by)
        refused: set[str] = set()
        sizes = {"first": request.first, "last": request.last}
        for name, size in sizes.items():
            if isinstance(size, int) and not 0 <= size <= self.settings.max_page_size:
                refused.add(name)
        if all(isinstance(size, int) for size in sizes.values()):
            refused.update(sizes)
        positions: dict[str, CursorInfo | None] = {}
        for name, cursor in (("after", request.after), ("before", request.before)):
            positions[name] = None
            if isinstance(cursor, str):
                info = cursors.get(cursor)
                if info is None or info.scope != ref.scope or info.ordering != ordering:
                    refused.add(name)
                else:
                    positions[name] = info
        refused |= self.filter_refusals(connection, request.filter)
        if refused:
            return ExpectedRefusal(frozenset(refused))

        chosen = [e for e in self.members(ref) if self.matches(connection, request.filter, e)]
        ordered = self.ordered(chosen, ordering)

        def comes_before(key: tuple[Any, str], position: tuple[Any, str]) -> bool:
            return key > position if ordering.descending else key < position

        after, before = positions["after"], positions["before"]
        window = [
            entity
            for key, entity in ordered
            if (after is None or comes_before(after.key, key))
            and (before is None or comes_before(key, before.key))
        ]
        at_or_before_after = after is not None and any(
            not comes_before(after.key, key) for key, _ in ordered
        )
        at_or_after_before = before is not None and any(
            not comes_before(key, before.key) for key, _ in ordered
        )
        if isinstance(request.last, int):
            size = request.last
            page = window[max(len(window) - size, 0) :]
            has_previous = len(window) > size or at_or_before_after
            has_next = at_or_after_before
        else:
            size = request.first if isinstance(request.first, int) else None
            size = self.settings.default_page_size if size is None else size
            page = window[:size]
            has_next = len(window) > size or at_or_after_before
            has_previous = at_or_before_after
        return ExpectedPage(
            ids=[entity.id for entity in page],
            has_previous_page=has_previous,
            has_next_page=has_next,
            count=len(chosen),
            ordering=ordering,
        )

    # --- writes ------------------------------------------------------------------------------

    def delete_refused(self, entity: Entity) -> bool:
        rules = self.registry.delete_rules.get(entity.type)
        if rules is None:
            return False
        return any(
            other.type == node_type and other.links.get(link) == entity.id
            for node_type, link in rules.refused_while_linked_by
            for other in self.entities.values()
        )

    def remove(self, entity: Entity) -> None:
        """Forget `entity` and everything its delete cascades to."""
        self.entities.pop(entity.id, None)
        rules = self.registry.delete_rules.get(entity.type)
        for node_type, link in rules.cascades_to if rules else ():
            for other in list(self.entities.values()):
                if other.type == node_type and other.links.get(link) == entity.id:
                    self.remove(other)


def link_values(links: Iterable[InputLink], given: Mapping[str, str | None]) -> dict[str, Any]:
    """The node field values of an item's links (`parent` for `parentId`)."""
    return {link.node_field: given.get(link.field) for link in links}
