"""Relay cursor pagination, `TITLE` ordering, filters and `total` of every list
(contract section 3: "Pagination", "Ordering", "Filtering", "Total"), over HTTP.

The three lists under test are `integrations(organizationId:)`, `organizations` and
`Organization.children`. Expected orders come from `tests.reference_order`, an independent
reading of the contract's ordering rule; a few orders are also written out by hand.
"""

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app.graphql.core.pagination import Listing
from app.graphql.integrations import queries as integration_queries
from app.graphql.organizations import filters as organization_filters
from app.graphql.organizations import queries as organization_queries
from app.graphql.organizations.types import CHILDREN as CHILDREN_LISTING
from app.security.bootstrap import ROOT_ORGANIZATION_TITLE
from tests import reference_order
from tests.conftest import Service
from tests.factories import create_integration, create_organization

JSON = dict[str, Any]

# What `PreparedRead` compiles for on PostgreSQL.
ASYNCPG = make_url("postgresql+asyncpg://").get_dialect()()


class _Absent(Enum):
    ABSENT = "absent"


ABSENT = _Absent.ABSENT
"""An argument left out of the request altogether (as opposed to an explicit null)."""

ASC = {"field": "TITLE", "direction": "ASC"}
DESC = {"field": "TITLE", "direction": "DESC"}


# --- the lists under test ---------------------------------------------------------------


@dataclass(frozen=True)
class ListKind:
    name: str
    filter_type: str
    order_type: str

    def __str__(self) -> str:
        return self.name


INTEGRATIONS = ListKind("integrations", "IntegrationFilter", "IntegrationOrder")
ORGANIZATIONS = ListKind("organizations", "OrganizationFilter", "OrganizationOrder")
CHILDREN = ListKind("children", "OrganizationChildrenFilter", "OrganizationOrder")
KINDS = [INTEGRATIONS, ORGANIZATIONS, CHILDREN]


@dataclass
class Item:
    """One entry of a list as the test knows it."""

    id: str
    title: str
    active: bool
    version: int
    entity: str

    def row(self) -> tuple[str, str, bool]:
        return (self.id, self.title, self.active)


@dataclass
class Scope:
    """One list: its kind and owner (the organization of `integrations`, the parent of
    `children`, and for `organizations` optionally a parent that a `parentIds` filter
    restricts the list to; None means the whole `organizations` list)."""

    kind: ListKind
    owner_id: str | None
    items: list[Item] = field(default_factory=list)
    preset: int = 0
    """How many of `items`, at their start, the list held before the test added any."""

    @property
    def entity(self) -> str:
        return "Integration" if self.kind is INTEGRATIONS else "Organization"

    def expected(
        self, *, active: bool | None = None, descending: bool = False
    ) -> list[tuple[str, str, bool]]:
        chosen = [item for item in self.items if active is None or item.active is active]
        return [item.row() for item in reference_order.ordered(chosen, descending=descending)]


def make_scope(service: Service, kind: ListKind, *, scoped: bool = False) -> Scope:
    """A new, empty list of `kind`. `organizations` is the whole list unless `scoped`."""
    if kind is ORGANIZATIONS and not scoped:
        # The whole list holds the organization of the actor the tests call as, too.
        assert service.actor is not None
        actor_organization = Item(
            service.actor.organization_id, ROOT_ORGANIZATION_TITLE, True, 1, "Organization"
        )
        return Scope(kind, None, [actor_organization], preset=1)
    owner = create_organization(service, f"Owner of {kind.name}")
    return Scope(kind, owner["id"])


UPDATE_INTEGRATION = """
mutation($input: IntegrationUpdateInput!) {
  integrationUpdate(input: $input) { integration { id version title isActive } }
}"""
UPDATE_ORGANIZATION = """
mutation($input: OrganizationUpdateInput!) {
  organizationUpdate(input: $input) { organization { id version title isActive } }
}"""
DELETE_INTEGRATION = """
mutation($input: IntegrationDeleteInput!) { integrationDelete(input: $input) { deletedId } }"""
DELETE_ORGANIZATION = """
mutation($input: OrganizationDeleteInput!) { organizationDelete(input: $input) { deletedId } }"""


def add_item(service: Service, scope: Scope, title: str, active: bool = True) -> Item:
    """Create an item in the list (through the API) and remember it in `scope.items`."""
    if scope.kind is INTEGRATIONS:
        assert scope.owner_id is not None
        created = create_integration(service, scope.owner_id, title)
    elif scope.owner_id is not None:
        created = create_organization(service, title, parentId=scope.owner_id)
    else:
        created = create_organization(service, title)
    assert created["title"] == title
    item = Item(
        created["id"], created["title"], created["isActive"], created["version"], scope.entity
    )
    if not active:
        update_item(service, item, active=False)
    scope.items.append(item)
    return item


def update_item(
    service: Service, item: Item, *, title: str | None = None, active: bool | None = None
) -> None:
    changes: JSON = {"id": item.id, "version": item.version}
    if title is not None:
        changes["title"] = title
    if active is not None:
        changes["isActive"] = active
    if item.entity == "Integration":
        updated = service.data(UPDATE_INTEGRATION, {"input": changes})["integrationUpdate"]
        row = updated["integration"]
    else:
        updated = service.data(UPDATE_ORGANIZATION, {"input": changes})["organizationUpdate"]
        row = updated["organization"]
    item.title, item.active, item.version = row["title"], row["isActive"], row["version"]


def delete_item(service: Service, scope: Scope, item: Item) -> None:
    query = DELETE_INTEGRATION if item.entity == "Integration" else DELETE_ORGANIZATION
    data = service.data(query, {"input": {"id": item.id, "version": item.version}})
    assert next(iter(data.values())) == {"deletedId": item.id}
    scope.items.remove(item)


def add_items(
    service: Service, scope: Scope, titles: Sequence[str | tuple[str, bool]]
) -> list[Item]:
    items = []
    for entry in titles:
        title, active = (entry, True) if isinstance(entry, str) else entry
        items.append(add_item(service, scope, title, active))
    return items


# --- reading pages ------------------------------------------------------------------------

CONNECTION = """
edges { cursor node { id title isActive } }
nodes { id title isActive }
pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
"""
TOTAL = "total { count precision }"


def list_query(
    kind: ListKind, *, total: bool = False, inline_order: str | None = None, declare: str = ""
) -> str:
    """A query for one page of a list. Every argument is a variable, except `orderBy` when
    `inline_order` gives its literal text; `declare` declares further variables."""
    declared = (
        f"$filter: {kind.filter_type}, $first: Int, $after: String, $last: Int, $before: String"
        + declare
    )
    arguments = "filter: $filter, first: $first, after: $after, last: $last, before: $before"
    if inline_order is None:
        declared += f", $orderBy: {kind.order_type}"
        arguments += ", orderBy: $orderBy"
    else:
        arguments += f", orderBy: {inline_order}"
    selection = CONNECTION + (TOTAL if total else "")
    if kind is INTEGRATIONS:
        return (
            f"query($owner: ID!, {declared}) {{\n"
            f"  integrations(organizationId: $owner, {arguments}) {{ {selection} }}\n}}"
        )
    if kind is ORGANIZATIONS:
        return f"query({declared}) {{\n  organizations({arguments}) {{ {selection} }}\n}}"
    return (
        f"query($owner: ID!, {declared}) {{\n"
        f"  organization(id: $owner) {{ children({arguments}) {{ {selection} }} }}\n}}"
    )


def list_variables(
    scope: Scope,
    *,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    filter: JSON | None | _Absent = ABSENT,
    order: JSON | None | _Absent = ABSENT,
) -> JSON:
    """Variables for `list_query`. None page arguments are left out of the request; an
    absent `filter` or `orderBy` too, while None sends an explicit null."""
    variables: JSON = {}
    if scope.kind is not ORGANIZATIONS:
        variables["owner"] = scope.owner_id
    elif scope.owner_id is not None:
        given = {} if isinstance(filter, _Absent) else filter or {}
        filter = {"parentIds": [scope.owner_id], **given}
    for name, value in (("first", first), ("last", last), ("after", after), ("before", before)):
        if value is not None:
            variables[name] = value
    if not isinstance(filter, _Absent):
        variables["filter"] = filter
    if not isinstance(order, _Absent):
        variables["orderBy"] = order
    return variables


def connection_of(kind: ListKind, data: JSON | None) -> JSON | None:
    """The connection in a response's `data`, or None when there is none."""
    if data is None:
        return None
    if kind is INTEGRATIONS:
        connection: JSON | None = data["integrations"]
    elif kind is ORGANIZATIONS:
        connection = data["organizations"]
    else:
        connection = data["organization"] and data["organization"]["children"]
    return connection


def request_page(
    service: Service,
    scope: Scope,
    *,
    total: bool = False,
    inline_order: str | None = None,
    declare: str = "",
    values: JSON | None = None,
    **arguments: Any,
) -> JSON:
    """The whole response (`data` and `errors`) to a page request; always HTTP 200."""
    query = list_query(scope.kind, total=total, inline_order=inline_order, declare=declare)
    return service.gql(query, {**list_variables(scope, **arguments), **(values or {})})


def check_page_shape(connection: JSON) -> None:
    """What every page must satisfy on its own."""
    edges, nodes, info = connection["edges"], connection["nodes"], connection["pageInfo"]
    assert [edge["node"] for edge in edges] == nodes
    cursors = [edge["cursor"] for edge in edges]
    assert all(isinstance(cursor, str) and cursor for cursor in cursors), cursors
    assert len(set(cursors)) == len(cursors), cursors
    if edges:
        assert info["startCursor"] == cursors[0]
        assert info["endCursor"] == cursors[-1]
    else:
        assert info["startCursor"] is None
        assert info["endCursor"] is None


def get_page(service: Service, scope: Scope, **arguments: Any) -> JSON:
    """A page that must be answered without errors, checked for its shape."""
    result = request_page(service, scope, **arguments)
    assert "errors" not in result, result
    connection = connection_of(scope.kind, result["data"])
    assert connection is not None, result
    check_page_shape(connection)
    return connection


def rows(connection: JSON) -> list[tuple[str, str, bool]]:
    return [(node["id"], node["title"], node["isActive"]) for node in connection["nodes"]]


def cursors_of(connection: JSON) -> list[str]:
    return [edge["cursor"] for edge in connection["edges"]]


def flags(connection: JSON) -> tuple[bool, bool]:
    """(hasPreviousPage, hasNextPage)."""
    info = connection["pageInfo"]
    return info["hasPreviousPage"], info["hasNextPage"]


def walk_forward(
    service: Service, scope: Scope, size: int, expected: Sequence[Any], **arguments: Any
) -> list[JSON]:
    """Walk the whole list by `endCursor`, `size` items a page; check it is `expected`
    and that both flags of every page are exact."""
    pages: list[JSON] = []
    after = None
    for _ in range(len(expected) // size + 2):
        connection = get_page(service, scope, first=size, after=after, **arguments)
        pages.append(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert after is not None, connection
    walked = [row for page in pages for row in rows(page)]
    assert walked == list(expected), f"forward walk by {size}"
    position = 0
    for page in pages:
        count = len(page["nodes"])
        assert count == min(size, len(expected) - position)
        assert flags(page) == (position > 0, position + count < len(expected)), (size, position)
        position += count
    return pages


def walk_backward(
    service: Service, scope: Scope, size: int, expected: Sequence[Any], **arguments: Any
) -> list[JSON]:
    """Walk the whole list by `startCursor` from its end, `size` items a page; check it is
    `expected` and that both flags of every page are exact."""
    pages: list[JSON] = []
    before = None
    for _ in range(len(expected) // size + 2):
        connection = get_page(service, scope, last=size, before=before, **arguments)
        pages.insert(0, connection)
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]
        assert before is not None, connection
    walked = [row for page in pages for row in rows(page)]
    assert walked == list(expected), f"backward walk by {size}"
    end = len(expected)
    for page in reversed(pages):
        count = len(page["nodes"])
        assert count == min(size, end)
        assert flags(page) == (end - count > 0, end < len(expected)), (size, end)
        end -= count
    return pages


def error_of(result: JSON) -> JSON:
    """The one error of a response, its `extensions`."""
    errors = result.get("errors")
    assert errors and len(errors) == 1, result
    extensions: JSON = errors[0]["extensions"]
    return extensions


def assert_refused(service: Service, scope: Scope, argument: str, **arguments: Any) -> None:
    """The request answers VALIDATION_ERROR naming `argument`, and no page."""
    result = request_page(service, scope, **arguments)
    extensions = error_of(result)
    assert extensions["code"] == "VALIDATION_ERROR", result
    assert extensions["field"] == argument, result
    assert extensions["status"] == 400, result
    assert connection_of(scope.kind, result.get("data")) is None, result


# Titles that exercise the ordering rule: case and accent variants, ties, digit runs,
# non-Latin text; some items inactive.
MIXED_TITLES: list[str | tuple[str, bool]] = [
    "Item 10",
    ("item 2", False),
    "éclair",
    "Eclair",
    ("ECLAIRS", False),
    "zebra",
    "Zebra",
    "10 apples",
    ("9 apples", False),
    "ångström",
    "Ωmega",
    ("日本", False),
]

WALK_SIZES = [1, 2, 3, 7, 100]


def mixed_scope(service: Service, kind: ListKind) -> Scope:
    scope = make_scope(service, kind)
    add_items(service, scope, MIXED_TITLES)
    return scope


# --- complete walks -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_forward_and_backward_walks_give_the_whole_list_in_order(
    service: Service, kind: ListKind
) -> None:
    scope = mixed_scope(service, kind)
    expected = scope.expected()
    assert len({row[0] for row in expected}) == scope.preset + len(MIXED_TITLES)
    for size in WALK_SIZES:
        walk_forward(service, scope, size, expected)
        walk_backward(service, scope, size, expected)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_descending_walks_are_the_exact_reverse(service: Service, kind: ListKind) -> None:
    scope = mixed_scope(service, kind)
    # Duplicates, so the reverse also covers the ID tie-breaker.
    add_items(service, scope, ["Zebra", "zebra", "ÉCLAIR"])
    ascending = scope.expected()
    descending = scope.expected(descending=True)
    assert descending == ascending[::-1]
    for size in [2, 100]:
        walk_forward(service, scope, size, descending, order=DESC)
        walk_backward(service, scope, size, descending, order=DESC)
    walk_forward(service, scope, 5, ascending, order=ASC)
    # orderBy: null is the default (ascending) order.
    walk_forward(service, scope, 4, ascending, order=None)
    walk_backward(service, scope, 4, ascending, order=None)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_empty_list(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind, scoped=True)
    for arguments in [{}, {"first": 5}, {"last": 5}, {"first": 0}, {"last": 0}]:
        page = get_page(service, scope, total=True, **arguments)
        assert page["edges"] == [] and page["nodes"] == []
        assert page["pageInfo"] == {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        }
        assert page["total"] == {"count": 0, "precision": "EXACT"}
    walk_forward(service, scope, 3, [])
    walk_backward(service, scope, 3, [])


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_page_of_zero_items(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    add_items(service, scope, ["a", "b", "c"])
    cursors = cursors_of(get_page(service, scope, first=100))
    assert len(cursors) == scope.preset + 3

    page = get_page(service, scope, first=0)
    assert page["nodes"] == [] and page["edges"] == []
    assert page["pageInfo"]["startCursor"] is None and page["pageInfo"]["endCursor"] is None
    assert flags(page) == (False, True)

    for index, cursor in enumerate(cursors):
        page = get_page(service, scope, first=0, after=cursor)
        assert page["nodes"] == []
        assert flags(page) == (True, index < len(cursors) - 1)
        page = get_page(service, scope, last=0, before=cursor)
        assert page["nodes"] == []
        assert flags(page) == (index > 0, True)

    page = get_page(service, scope, last=0)
    assert page["nodes"] == []
    assert flags(page) == (True, False)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_every_cursor_positions_after_and_before_its_item(service: Service, kind: ListKind) -> None:
    scope = mixed_scope(service, kind)
    expected = scope.expected()
    count = len(expected)
    cursors = cursors_of(get_page(service, scope, first=100))
    assert len(cursors) == count
    # The cursors of a backward walk name the same positions.
    backward = [c for page in walk_backward(service, scope, 5, expected) for c in cursors_of(page)]
    for index in range(count):
        for cursor in {cursors[index], backward[index]}:
            page = get_page(service, scope, first=2, after=cursor)
            assert rows(page) == expected[index + 1 : index + 3]
            assert flags(page) == (True, index + 3 < count)
            page = get_page(service, scope, last=2, before=cursor)
            assert rows(page) == expected[max(0, index - 2) : index]
            assert flags(page) == (index - 2 > 0, True)
    # A window between two cursors, paged from either end.
    for low, high in [(0, 11), (2, 9), (4, 5), (5, 7)]:
        window = expected[low + 1 : high]
        arguments = {"after": cursors[low], "before": cursors[high]}
        page = get_page(service, scope, first=3, **arguments)
        assert rows(page) == window[:3]
        assert flags(page) == (True, True)
        page = get_page(service, scope, last=3, **arguments)
        assert rows(page) == window[-3:]
        assert flags(page) == (True, True)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_flags_stay_exact_when_the_cursor_item_is_gone(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    first, middle, last = add_items(service, scope, ["alpha", "beta", "gamma"])
    # What the list held before (the actor's organization, "Root") sorts after the three.
    tail = [item.row() for item in scope.items[: scope.preset]]
    assert scope.expected() == [first.row(), middle.row(), last.row(), *tail]
    cursors = cursors_of(get_page(service, scope, first=3))
    delete_item(service, scope, first)
    delete_item(service, scope, last)
    # Nothing is left before the first cursor's position, nor after the last one's but
    # the tail.
    page = get_page(service, scope, first=5, after=cursors[0])
    assert rows(page) == [middle.row(), *tail]
    assert flags(page) == (False, False)
    page = get_page(service, scope, last=5, before=cursors[2])
    assert rows(page) == [middle.row()]
    assert flags(page) == (False, bool(tail))
    page = get_page(service, scope, first=0, after=cursors[0])
    assert flags(page) == (False, True)
    page = get_page(service, scope, last=0, before=cursors[2])
    assert flags(page) == (True, bool(tail))


# --- page sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_default_page_size_is_20(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    add_items(service, scope, [f"entry {number}" for number in range(23)])
    expected = scope.expected()
    page = get_page(service, scope)
    assert rows(page) == expected[:20]
    assert flags(page) == (False, True)
    page = get_page(service, scope, after=page["pageInfo"]["endCursor"])
    assert rows(page) == expected[20:]
    assert flags(page) == (True, False)
    page = get_page(service, scope, after=None, before=None, filter=None, order=None)
    assert rows(page) == expected[:20]
    # `before` alone still pages forward, 20 items from the start of the window.
    cursors = cursors_of(get_page(service, scope, first=100))
    page = get_page(service, scope, before=cursors[21])
    assert rows(page) == expected[:20]
    assert flags(page) == (False, True)
    page = get_page(service, scope, before=cursors[10])
    assert rows(page) == expected[:10]
    assert flags(page) == (False, True)
    page = get_page(service, scope, after=cursors[0], before=cursors[22])
    assert rows(page) == expected[1:21]
    assert flags(page) == (True, True)
    # The largest page.
    assert rows(get_page(service, scope, first=100)) == expected
    assert rows(get_page(service, scope, last=100)) == expected


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_page_size_out_of_range_is_refused(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    add_items(service, scope, ["one", "two"])
    cursor = get_page(service, scope, first=1)["pageInfo"]["endCursor"]
    for value in [-1, -100, 101, 1000, 2**31 - 1]:
        assert_refused(service, scope, "first", first=value)
        assert_refused(service, scope, "first", first=value, after=cursor)
        assert_refused(service, scope, "last", last=value)
        assert_refused(service, scope, "last", last=value, before=cursor)
    for first, last in [(1, 1), (0, 0), (20, 5), (100, 100)]:
        assert_refused(service, scope, "last", first=first, last=last)
        assert_refused(service, scope, "last", first=first, last=last, after=cursor)
    assert len(get_page(service, scope, first=100)["nodes"]) == scope.preset + 2
    assert len(get_page(service, scope, last=100)["nodes"]) == scope.preset + 2


# --- cursors that must be refused ---------------------------------------------------------

GARBAGE_CURSORS = [
    "",
    "garbage",
    "x",
    "=",
    "====",
    "!!!!",
    "null",
    "0",
    "-1",
    "eyJmaXJzdCI6MX0",  # base64 of {"first":1}
    "YXJyYXljb25uZWN0aW9uOjA=",  # a graphql-relay-js offset cursor
    "Y3Vyc29y",
    "A" * 300,
    "é",
    "\u65e5\u672c",
    " ",
]


@pytest.mark.parametrize("kind", KINDS, ids=str)
@pytest.mark.parametrize("argument", ["after", "before"])
def test_garbage_cursors_are_refused(service: Service, kind: ListKind, argument: str) -> None:
    scope = make_scope(service, kind)
    add_items(service, scope, ["one", "two", "three"])
    real = get_page(service, scope, first=2)["pageInfo"]["endCursor"]
    size = "first" if argument == "after" else "last"
    garbage = [*GARBAGE_CURSORS, real + "=", real + "A", real[:-1], real[1:], real * 2]
    for number, cursor in enumerate(garbage):
        sized = {size: number % 3} if number % 2 else {}
        assert_refused(service, scope, argument, **{argument: cursor}, **sized)


BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def altered(cursor: str, position: int, replacement: str | None = None) -> str:
    """The cursor with one character changed (to the next base64url one by default)."""
    if replacement is None:
        replacement = BASE64URL[(BASE64URL.index(cursor[position]) + 1) % 64]
    assert replacement != cursor[position]
    return cursor[:position] + replacement + cursor[position + 1 :]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_cursor_altered_in_any_character_is_refused(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    add_items(service, scope, ["Item 1", "Item 2", "Item 3"])
    cursor = cursors_of(get_page(service, scope, first=3))[1]
    assert all(ch in BASE64URL for ch in cursor), cursor
    # Every position on one list, a sample on the others (the codec is shared).
    positions = list(range(len(cursor)))
    sample = random.Random(20240601).sample(positions, min(24, len(cursor)))
    for position in positions if kind is INTEGRATIONS else sample:
        assert_refused(service, scope, "after", after=altered(cursor, position), first=1)
    for position in sample[:12]:
        assert_refused(service, scope, "before", before=altered(cursor, position), last=1)
    for position, replacement in zip(sample, ["!", "=", "+", "/", "é", " "], strict=False):
        assert_refused(service, scope, "after", after=altered(cursor, position, replacement))
    # The real cursor still works.
    assert rows(get_page(service, scope, after=cursor)) == scope.expected()[2:]


def test_cursors_of_another_list_are_refused(service: Service) -> None:
    integrations_a = make_scope(service, INTEGRATIONS)
    integrations_b = make_scope(service, INTEGRATIONS)
    children_a = make_scope(service, CHILDREN)
    children_b = make_scope(service, CHILDREN)
    organizations = Scope(ORGANIZATIONS, None)
    for scope in [integrations_a, integrations_b, children_a, children_b]:
        add_items(service, scope, ["same title", "other title"])
    # Everything above lives in `organizations` too.
    cursors = {
        "integrations_a": cursors_of(get_page(service, integrations_a, first=2)),
        "integrations_b": cursors_of(get_page(service, integrations_b, first=2)),
        "children_a": cursors_of(get_page(service, children_a, first=2)),
        "children_b": cursors_of(get_page(service, children_b, first=2)),
        "organizations": cursors_of(get_page(service, organizations, first=3)),
    }
    misuses = [
        ("integrations_a", integrations_b),
        ("integrations_b", integrations_a),
        ("children_a", children_b),
        ("children_a", integrations_a),
        ("children_b", organizations),
        ("organizations", children_a),
        ("organizations", integrations_a),
        ("integrations_a", organizations),
        ("integrations_a", children_a),
    ]
    for source, scope in misuses:
        for cursor in cursors[source]:
            assert_refused(service, scope, "after", after=cursor, first=1)
            assert_refused(service, scope, "before", before=cursor, last=5)
    # Every cursor still works on its own list.
    for source, scope in [("integrations_a", integrations_a), ("children_b", children_b)]:
        page = get_page(service, scope, after=cursors[source][0])
        assert rows(page) == scope.expected()[1:]


def test_a_cursor_of_another_organizations_list_with_the_same_item_title(
    service: Service,
) -> None:
    """The same sort key in two organizations: only the scope tells the cursors apart."""
    first_org = make_scope(service, INTEGRATIONS)
    second_org = make_scope(service, INTEGRATIONS)
    add_items(service, first_org, ["shared"])
    add_items(service, second_org, ["shared"])
    cursor = get_page(service, first_org)["pageInfo"]["endCursor"]
    assert_refused(service, second_org, "after", after=cursor)
    assert_refused(service, second_org, "before", before=cursor)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_cursor_made_under_another_order_is_refused(service: Service, kind: ListKind) -> None:
    scope = mixed_scope(service, kind)
    ascending, descending = scope.expected(), scope.expected(descending=True)
    asc_cursors = cursors_of(get_page(service, scope, first=100, order=ASC))
    desc_cursors = cursors_of(get_page(service, scope, first=100, order=DESC))
    default_cursors = cursors_of(get_page(service, scope, first=100))
    for index in [0, len(ascending) - 1]:
        assert_refused(service, scope, "after", after=asc_cursors[index], order=DESC)
        assert_refused(service, scope, "before", before=asc_cursors[index], order=DESC)
        assert_refused(service, scope, "after", after=desc_cursors[index], order=ASC)
        assert_refused(service, scope, "before", before=desc_cursors[index], order=ASC)
        assert_refused(service, scope, "after", after=desc_cursors[index])
        assert_refused(service, scope, "after", after=desc_cursors[index], order=None)
        assert_refused(service, scope, "after", after=default_cursors[index], order=DESC)
        # The default order is TITLE ascending: its cursors are the same list's.
        for cursor in [asc_cursors[index], default_cursors[index]]:
            for order in [ASC, None, ABSENT]:
                page = get_page(service, scope, after=cursor, order=order)
                assert rows(page) == ascending[index + 1 :]
        page = get_page(service, scope, after=desc_cursors[index], order=DESC)
        assert rows(page) == descending[index + 1 :]
        page = get_page(service, scope, before=desc_cursors[index], order=DESC, last=100)
        assert rows(page) == descending[:index]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_a_cursor_stays_usable_under_another_filter(service: Service, kind: ListKind) -> None:
    scope = mixed_scope(service, kind)
    everything = scope.expected()
    cursors = cursors_of(get_page(service, scope, first=100))
    for index, cursor in list(enumerate(cursors))[::2]:
        for active in [False, True]:
            later = [row for row in everything[index + 1 :] if row[2] is active]
            earlier = [row for row in everything[:index] if row[2] is active]
            page = get_page(service, scope, after=cursor, filter={"isActive": active})
            assert rows(page) == later
            # The other flag answers for the filtered list too.
            assert flags(page) == (bool(earlier) or everything[index][2] is active, False)
            page = get_page(service, scope, before=cursor, last=100, filter={"isActive": active})
            assert rows(page) == earlier
    # And the other way round: a cursor of the filtered list on the whole list.
    inactive = get_page(service, scope, first=100, filter={"isActive": False})
    for cursor, row in zip(cursors_of(inactive), rows(inactive), strict=True):
        index = everything.index(row)
        assert rows(get_page(service, scope, after=cursor, first=100)) == everything[index + 1 :]
        assert rows(get_page(service, scope, before=cursor, last=100)) == everything[:index]


# --- orderBy forms ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_order_by_inline_and_as_variables(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    add_items(service, scope, ["b", "A", "c", "a", "B"])
    ascending, descending = scope.expected(), scope.expected(descending=True)
    assert ascending != descending
    forms: list[tuple[JSON, list[tuple[str, str, bool]]]] = [
        ({"inline_order": "{field: TITLE, direction: DESC}"}, descending),
        ({"inline_order": "{direction: DESC, field: TITLE}"}, descending),
        ({"inline_order": "{field: TITLE, direction: ASC}"}, ascending),
        ({"inline_order": "null"}, ascending),
        ({"order": DESC}, descending),
        ({"order": ASC}, ascending),
        ({"order": None}, ascending),
        ({}, ascending),
        (
            {
                "inline_order": "{field: TITLE, direction: $direction}",
                "declare": ", $direction: OrderDirection!",
                "values": {"direction": "DESC"},
            },
            descending,
        ),
        (
            {
                "inline_order": "{field: $field, direction: $direction}",
                "declare": f", $field: {kind.order_type}Field!, $direction: OrderDirection!",
                "values": {"field": "TITLE", "direction": "ASC"},
            },
            ascending,
        ),
    ]
    desc_cursor = cursors_of(get_page(service, scope, order=DESC))[1]
    asc_cursor = cursors_of(get_page(service, scope, order=ASC))[1]
    for form, expected in forms:
        page = get_page(service, scope, first=100, **form)
        assert rows(page) == expected, form
        # A cursor made under one spelling of an order is good under any other.
        cursor = desc_cursor if expected is descending else asc_cursor
        assert rows(get_page(service, scope, after=cursor, **form)) == expected[2:], form
        assert rows(get_page(service, scope, last=1, **form)) == expected[-1:], form


# --- the ordering rule ----------------------------------------------------------------------

# The ascending order of these titles, written out by hand from the contract's rule; the
# titles of one group tie and are ordered by ID.
ORDER_GROUPS: list[list[str]] = [
    ["2"],  # a digit run comes before a text run
    ["10", "\uff11\uff10"],  # numeric value; fullwidth digits fold to ASCII ones
    ["#1"],  # "#" is below "0" by code point, yet a text run
    ["a", "A"],
    ["a2"],  # "a" is a prefix of "a2"
    ["a10"],
    ["a 2"],  # the text run "a" is a prefix of "a "
    ["Äpfel"],
    ["apple"],
    ["Ebony"],
    ["ecl"],
    ["éclair", "Eclair", "ECLAIR", "e\u0301clair"],  # among the e's
    ["eclairs"],
    ["\ufb01le"],  # the ligature fi folds to "fi"
    ["file 7", "file 007"],  # leading zeros do not count
    ["file 10"],
    ["item 1"],
    ["item 2", "ITEM \u00b2"],  # a superscript two folds to "2"
    ["Item 10"],
    ["straße", "STRASSE"],  # casefolding turns ß into ss
    ["v 9", "v 09"],
    ["v 12345678901234567890123"],  # longer than any machine integer
    ["x9"],
    ["x10"],
    ["xa"],
    ["Zebra"],
    ["Ωmega", "ωMEGA"],
    ["日本"],
]


def expected_by_groups(
    items: Sequence[Item], groups: Sequence[Sequence[str]] = ORDER_GROUPS
) -> list[tuple[str, str, bool]]:
    by_title = {item.title: item for item in items}
    result: list[tuple[str, str, bool]] = []
    for group in groups:
        ties = sorted((by_title[title] for title in group), key=lambda item: item.id)
        result.extend(item.row() for item in ties)
    assert len(result) == len(items), "an item is in no group"
    return result


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_title_order_by_hand(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    groups = ORDER_GROUPS
    if scope.preset:
        # The actor's organization, "Root", goes between "Item 10" and "straße".
        preset_titles = [item.title for item in scope.items[: scope.preset]]
        assert preset_titles == [ROOT_ORGANIZATION_TITLE] == ["Root"]
        at = ORDER_GROUPS.index(["straße", "STRASSE"])
        groups = [*ORDER_GROUPS[:at], preset_titles, *ORDER_GROUPS[at:]]
    titles = [title for group in ORDER_GROUPS for title in group]
    random.Random(7).shuffle(titles)
    add_items(service, scope, titles)
    expected = expected_by_groups(scope.items, groups)
    # The hand-written order and the reference comparator agree.
    assert scope.expected() == expected
    assert rows(get_page(service, scope, first=100)) == expected
    assert rows(get_page(service, scope, first=100, order=DESC)) == expected[::-1]
    walk_forward(service, scope, 7, expected)


# Titles from many scripts and Unicode corners; their order comes from the reference.
ASSORTED_TITLES = [
    "İstanbul",
    "istanbul",
    "Ißtanbul",
    "ǅemal",
    "džemal",
    "Ⅻ Legion",
    "xii legion",
    "① first",
    "1 first",
    "½ cup",
    "1/2 cup",
    "٣ apples",  # Arabic-Indic three
    "3 apples",
    "१० apples",  # Devanagari ten
    "۱۲ apples",  # Extended Arabic-Indic twelve
    "Москва",
    "москва 2",
    "Ёлка",
    "елка",
    "서울",
    "東京 10",
    "東京 9",
    "😀 smile",
    "tab\tinside",
    "tab inside",
    "ﬀ",
    "ff",
    "\u210cello",  # black-letter H
    "hello",
    "\u00c5",
    "A\u030a",  # A with a combining ring
    "\u212b",  # the Angstrom sign
    "a",
    "z",
    "0",
    "00",
    "0 0",
    "000 1",
    "release-1.10.2",
    "release-1.9.12",
    "release-1.9",
]


@pytest.mark.parametrize("kind", [INTEGRATIONS, CHILDREN], ids=str)
def test_title_order_matches_the_reference(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    add_items(service, scope, ASSORTED_TITLES)
    expected = scope.expected()
    assert rows(get_page(service, scope, first=100)) == expected
    assert rows(get_page(service, scope, last=100, order=DESC)) == expected[::-1]
    walk_forward(service, scope, 9, expected)


def test_every_combining_mark_is_dropped(service: Service) -> None:
    """Combining marks are the Unicode category M, also those whose canonical combining
    class is 0 (enclosing marks, spacing marks): such a title ties with its base letters."""
    scope = make_scope(service, INTEGRATIONS)
    for title in ["a\u20dd", "b\u0489", "क\u093f", "a", "b", "क"]:
        add_item(service, scope, title)
        time.sleep(0.002)  # IDs in creation order: each title ties with an older one
    expected = scope.expected()
    assert [row[1] for row in expected] == ["a\u20dd", "a", "b\u0489", "b", "क\u093f", "क"]
    assert rows(get_page(service, scope, first=100)) == expected


def test_order_of_long_titles_that_fold_to_long_text(service: Service) -> None:
    """The order stays precise for a title whose folded form is far longer than the title
    (U+FDFA folds to 18 characters)."""
    scope = make_scope(service, INTEGRATIONS)
    prefix = "\ufdfa" * 50
    for title in [prefix + "b", prefix + "a", prefix + " 10", prefix + " 9"]:
        add_item(service, scope, title)
        time.sleep(0.002)
    expected = scope.expected()
    assert [row[1][50:] for row in expected] == [" 9", " 10", "a", "b"]
    assert rows(get_page(service, scope, first=100)) == expected


@pytest.mark.parametrize("kind", [INTEGRATIONS, CHILDREN], ids=str)
def test_keys_longer_than_an_index_entry_keep_the_title_order(
    service: Service, kind: ListKind
) -> None:
    """A key too long for one index entry (up to 255 x U+FDFA, about 8,400 bytes) is
    stored as an indexed head and a tail; titles that share the whole head still order
    by title, in pages of any size, both ways, by cursors that carry the whole key."""
    scope = make_scope(service, kind)
    prefix = "\ufdfa" * 150
    suffixes = ["b", "a", " 10", " 9", "\ufdfa" * 100 + "z", "\ufdfa" * 100 + "y", "A"]
    for suffix in suffixes:
        add_item(service, scope, (prefix + suffix)[:255])
        time.sleep(0.002)
    add_item(service, scope, "\ufdfa" * 255)
    expected = scope.expected()
    assert rows(get_page(service, scope, first=100)) == expected
    assert rows(get_page(service, scope, last=100, order=DESC)) == expected[::-1]
    for size in (1, 2, 3):
        walk_forward(service, scope, size, expected)
        walk_backward(service, scope, size, expected)


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_is_active_filter(service: Service, kind: ListKind) -> None:
    scope = mixed_scope(service, kind)
    filters: list[tuple[JSON | None, bool | None]] = [
        ({"isActive": True}, True),
        ({"isActive": False}, False),
        ({"isActive": None}, None),
        ({}, None),
        (None, None),
    ]
    for filter, active in filters:
        expected = scope.expected(active=active)
        assert 0 < len(expected) <= len(scope.items)
        if active is not None:
            walk_forward(service, scope, 3, expected, filter=filter)
            walk_backward(service, scope, 2, expected, filter=filter)
        page = get_page(service, scope, first=100, filter=filter, total=True)
        assert rows(page) == expected, filter
        assert page["total"] == {"count": len(expected), "precision": "EXACT"}
        page = get_page(service, scope, last=1, filter=filter, order=DESC)
        assert rows(page) == expected[:1]


def add_organization(
    service: Service, scope: Scope, title: str, parent: Item | None = None, active: bool = True
) -> Item:
    """An organization under `parent`, remembered in `scope` (the whole `organizations`)."""
    fields = {"parentId": parent.id} if parent is not None else {}
    created = create_organization(service, title, **fields)
    item = Item(created["id"], created["title"], True, created["version"], "Organization")
    if not active:
        update_item(service, item, active=False)
    scope.items.append(item)
    return item


def test_organizations_filter_by_parent_ids(service: Service) -> None:
    everything = make_scope(service, ORGANIZATIONS)
    one, two, childless = add_items(service, everything, ["Parent 1", "Parent 2", "Parent 3"])
    children_one = [
        add_organization(service, everything, "b child", one),
        add_organization(service, everything, "A child", one, active=False),
        add_organization(service, everything, "c child", one),
        add_organization(service, everything, "a child", one),
    ]
    children_two = [
        add_organization(service, everything, "B child", two),
        add_organization(service, everything, "z", two, active=False),
    ]
    grandchild = add_organization(service, everything, "grandchild", children_one[0])
    gone = create_organization(service, "Deleted parent")
    service.data(DELETE_ORGANIZATION, {"input": {"id": gone["id"], "version": gone["version"]}})
    integration = create_integration(service, childless.id, "An integration")
    unknown = "01890000-0000-7000-8000-000000000001"

    cases: list[tuple[JSON, list[Item]]] = [
        ({"parentIds": [one.id]}, children_one),
        ({"parentIds": [one.id, two.id]}, children_one + children_two),
        ({"parentIds": [two.id, one.id, one.id]}, children_one + children_two),
        ({"parentIds": [children_one[0].id]}, [grandchild]),
        ({"parentIds": [one.id, children_one[0].id]}, [*children_one, grandchild]),
        ({"parentIds": []}, []),
        ({"parentIds": [], "isActive": True}, []),
        ({"parentIds": [childless.id]}, []),
        ({"parentIds": [unknown]}, []),
        ({"parentIds": [gone["id"]]}, []),
        ({"parentIds": [integration["id"]]}, []),
        ({"parentIds": ["not an id"]}, []),
        ({"parentIds": [unknown, two.id]}, children_two),
        ({"parentIds": [one.id, two.id], "isActive": False}, [children_one[1], children_two[1]]),
        ({"parentIds": [one.id], "isActive": True}, [children_one[i] for i in (0, 2, 3)]),
        ({"parentIds": None}, everything.items),
        ({"parentIds": None, "isActive": False}, [children_one[1], children_two[1]]),
        ({"isActive": True}, [item for item in everything.items if item.active]),
    ]
    for filter, chosen in cases:
        expected = Scope(ORGANIZATIONS, None, list(chosen)).expected()
        page = get_page(service, everything, first=100, filter=filter, total=True)
        assert rows(page) == expected, filter
        assert page["total"] == {"count": len(expected), "precision": "EXACT"}, filter
        assert flags(page) == (False, False), filter
    # Paging through a list filtered by two parents, both ways.
    union = {"parentIds": [two.id, one.id]}
    expected = Scope(ORGANIZATIONS, None, children_one + children_two).expected()
    walk_forward(service, everything, 2, expected, filter=union)
    walk_backward(service, everything, 4, expected, filter=union)
    walk_forward(service, everything, 3, expected[::-1], filter=union, order=DESC)
    # Lists of one, two and three parents ran the same kept statements; on PostgreSQL
    # the list is one array parameter, so they run on the driver.
    kept = organization_queries.ORGANIZATIONS._statements
    with_parents = [
        statement
        for (_, conditions), statement in kept.items()
        if organization_filters.PARENT_IN in conditions
    ]
    assert with_parents
    if service.backend == "postgresql":
        dialect = ASYNCPG
        assert all(statement.read.compiled_for(dialect) for statement in with_parents)


CONTAINS_TITLES: list[str | tuple[str, bool]] = [
    "éclair",
    ("ÉCLAIR au chocolat", False),
    "Eclipse",
    "declaration",
    "100% sync",
    "100 sync",
    "50%_off",
    "a_b",
    "axb",
    "a/b",
    "a\\b",
    "Straße",
    "İstanbul",
    "Ωmega",
]


def test_children_filter_by_title_contains(service: Service) -> None:
    scope = make_scope(service, CHILDREN)
    add_items(service, scope, CONTAINS_TITLES)
    everything = [item.title for item in scope.items]
    cases: list[tuple[str | None, list[str]]] = [
        ("ECLA", ["éclair", "ÉCLAIR au chocolat", "declaration"]),
        ("écl", ["éclair", "ÉCLAIR au chocolat", "Eclipse", "declaration"]),
        ("  ecla  ", ["éclair", "ÉCLAIR au chocolat", "declaration"]),
        ("E\u0301CLAIR", ["éclair", "ÉCLAIR au chocolat"]),
        ("AU CHOC", ["ÉCLAIR au chocolat"]),
        ("%", ["100% sync", "50%_off"]),
        ("0%", ["100% sync", "50%_off"]),
        ("%_", ["50%_off"]),
        ("_", ["50%_off", "a_b"]),
        ("a_b", ["a_b"]),
        ("a%b", []),
        ("/", ["a/b"]),
        ("\\", ["a\\b"]),
        ("a\\b", ["a\\b"]),
        ("0 s", ["100 sync"]),
        ("STRASSE", ["Straße"]),
        ("ß", ["Straße"]),
        ("istanbul", ["İstanbul"]),
        ("ΩMEGA", ["Ωmega"]),
        ("zzz", []),
        ("", everything),
        ("   ", everything),
        (None, everything),
    ]
    for needle, titles in cases:
        chosen = [item for item in scope.items if item.title in titles]
        # The reference reading agrees with the cases written out above.
        if needle is not None:
            folded = reference_order.fold(needle.strip())
            assert [i for i in scope.items if folded in reference_order.fold(i.title)] == chosen
        expected = Scope(CHILDREN, scope.owner_id, chosen).expected()
        page = get_page(service, scope, first=100, filter={"titleContains": needle}, total=True)
        assert rows(page) == expected, needle
        assert page["total"] == {"count": len(expected), "precision": "EXACT"}, needle
    # Combined with isActive, and paged.
    filter = {"titleContains": "Ecla", "isActive": True}
    expected = Scope(CHILDREN, None, [scope.items[0], scope.items[3]]).expected()
    assert rows(get_page(service, scope, filter=filter)) == expected
    filter = {"titleContains": "a"}
    expected = Scope(CHILDREN, None, [i for i in scope.items if "a" in i.title.lower()]).expected()
    walk_forward(service, scope, 2, expected, filter=filter)
    walk_backward(service, scope, 3, expected, filter=filter)


# --- total -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_total_counts_the_filtered_list(service: Service, kind: ListKind) -> None:
    scope = mixed_scope(service, kind)
    cursors = cursors_of(get_page(service, scope, first=100))
    for active in [None, True, False]:
        count = len(scope.expected(active=active))
        filter = {"isActive": active}
        # Whatever the page, the total is the list's.
        pages: list[JSON] = [
            {},
            {"first": 0},
            {"first": 1, "after": cursors[3]},
            {"last": 2, "before": cursors[5]},
            {"order": DESC, "last": 0},
        ]
        for arguments in pages:
            page = get_page(service, scope, total=True, filter=filter, **arguments)
            assert page["total"] == {"count": count, "precision": "EXACT"}, arguments


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_total_stops_at_the_cap(
    service: Service, kind: ListKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.settings, "total_count_cap", 3)
    scope = make_scope(service, kind)
    # The total of a list of n items, n = 0..7.
    totals = [
        {"count": 0, "precision": "EXACT"},
        {"count": 1, "precision": "EXACT"},
        {"count": 2, "precision": "EXACT"},
        {"count": 3, "precision": "EXACT"},
        {"count": 3, "precision": "AT_LEAST"},
        {"count": 3, "precision": "AT_LEAST"},
        {"count": 3, "precision": "AT_LEAST"},
        {"count": 3, "precision": "AT_LEAST"},
    ]
    added = []
    for size in range(6):
        page = get_page(service, scope, total=True, first=1)
        assert page["total"] == totals[len(scope.items)], size
        added.append(add_item(service, scope, f"item {size}", active=size % 2 == 0))
    # Six items added, 3 active and 3 inactive (besides what the list held before, the
    # actor's organization, active): the filter decides which side of the cap.
    assert len(scope.items) == scope.preset + 6
    precisions: set[str] = set()
    for filter, active in [({"isActive": True}, True), ({"isActive": False}, False), ({}, None)]:
        total = get_page(service, scope, total=True, filter=filter)["total"]
        assert total == totals[len(scope.expected(active=active))], filter
        precisions.add(total["precision"])
    assert precisions == {"EXACT", "AT_LEAST"}
    delete_item(service, scope, added[0])
    page = get_page(service, scope, total=True, filter={"isActive": True})
    assert page["total"] == totals[len(scope.expected(active=True))]
    # The cap limits the count only, never the page.
    assert len(get_page(service, scope, total=True)["nodes"]) == scope.preset + 5


@pytest.mark.parametrize("kind", [ORGANIZATIONS, CHILDREN], ids=str)
def test_total_is_counted_only_when_selected(service: Service, kind: ListKind) -> None:
    scope = make_scope(service, kind)
    add_items(service, scope, ["a", "b", "c"])
    with service.count_statements() as plain:
        get_page(service, scope, first=1)
    assert not [s for s in plain if "count(" in s.lower()], plain
    with service.count_statements() as counted:
        page = get_page(service, scope, first=1, total=True)
    assert page["total"] == {"count": len(scope.items), "precision": "EXACT"}
    # One statement more, the count.
    assert len([s for s in counted if "count(" in s.lower()]) == 1, counted
    assert len(counted) == len(plain) + 1, (plain, counted)


def test_an_operators_unfiltered_organizations_list_runs_statements_built_once(
    service: Service,
) -> None:
    """An operator reaches every organization, so its list carries no condition of its
    own: its pages run the statement kept for the unfiltered list."""
    kept = organization_queries.ORGANIZATIONS._statements
    kept.clear()
    create_organization(service, "Acme")
    for _ in range(2):
        service.data("{ organizations(first: 1) { edges { node { id } } } }")
    assert list(kept) == [(next(iter(kept))[0], ())], kept


LISTINGS = {
    INTEGRATIONS: integration_queries.INTEGRATIONS_OF_ORGANIZATION,
    ORGANIZATIONS: organization_queries.ORGANIZATIONS,
    CHILDREN: CHILDREN_LISTING,
}
# Two requests of each list with the same filters set to other values.
SAME_FILTERS_OTHER_VALUES: dict[ListKind, tuple[JSON, JSON]] = {
    INTEGRATIONS: ({"isActive": True}, {"isActive": False}),
    ORGANIZATIONS: ({"isActive": True}, {"isActive": False}),
    CHILDREN: (
        {"titleContains": "ECLA", "isActive": True},
        {"titleContains": "apples", "isActive": False},
    ),
}


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_filtered_lists_run_statements_kept_per_set_of_filters(
    service: Service, kind: ListKind
) -> None:
    """A filter's values are bound parameters: requests that set the same filters share
    one page statement and one count, built once, whatever the values."""
    scope = mixed_scope(service, kind)
    listing = LISTINGS[kind]
    listing._statements.clear()
    listing._counts.clear()
    for filter in SAME_FILTERS_OTHER_VALUES[kind]:
        page = get_page(service, scope, first=100, filter=filter, total=True)
        needle = reference_order.fold(str(filter.get("titleContains", "")))
        expected = [
            row
            for row in scope.expected(active=bool(filter["isActive"]))
            if needle in reference_order.fold(row[1])
        ]
        assert expected, filter  # each request finds something
        assert rows(page) == expected, filter
        assert page["total"] == {"count": len(expected), "precision": "EXACT"}, filter
    assert len(listing._statements) == 1, list(listing._statements)
    assert len(listing._counts) == 1, list(listing._counts)
    if service.backend == "postgresql":
        # Every filter is a parameter the driver takes.
        dialect = ASYNCPG
        (statement,) = listing._statements.values()
        assert statement.read.compiled_for(dialect) is not None
        (count,) = listing._counts.values()
        assert count.compiled_for(dialect) is not None
    # Other filters, or none, are statements of their own.
    page = get_page(service, scope, first=100, total=True)
    assert rows(page) == scope.expected()
    assert page["total"] == {"count": len(scope.items), "precision": "EXACT"}
    assert sorted(filters for _, filters in listing._statements)[0] == ()
    assert len(listing._statements) == 2, list(listing._statements)


def test_integrations_total_is_the_kept_count_unless_filtered(service: Service) -> None:
    """An organization keeps its number of integrations: the unfiltered `total` reads it
    with the organization, in the statements a page without `total` makes; a filtered
    `total` counts."""
    scope = make_scope(service, INTEGRATIONS)
    add_items(service, scope, ["a", "b", "c"])
    with service.count_statements() as without_total:
        get_page(service, scope, first=1)
    with service.count_statements() as with_total:
        page = get_page(service, scope, first=1, total=True)
    assert page["total"] == {"count": 3, "precision": "EXACT"}
    assert with_total == without_total
    with service.count_statements() as filtered:
        page = get_page(service, scope, first=1, total=True, filter={"isActive": True})
    assert page["total"] == {"count": 3, "precision": "EXACT"}
    assert [s for s in filtered if "count(" in s.lower()], filtered


TOTAL_IN_FRAGMENTS = """
query($id: ID!) {
  integrations(organizationId: $id, first: 2, filter: {isActive: true}) {
    nodes { title }
    ...Counted
    ... on IntegrationConnection { again: total { precision } }
    skipped: total @skip(if: true) { count }
  }
}
fragment Counted on IntegrationConnection { total { count } }"""


def test_a_total_selected_in_fragments_is_counted_once(service: Service) -> None:
    """`total` named through a fragment, an inline fragment or an alias is counted, by
    one statement; one left out by `@skip` is not answered."""
    scope = make_scope(service, INTEGRATIONS)
    add_items(service, scope, ["a", "b", "c"])
    with service.count_statements() as statements:
        data = service.data(TOTAL_IN_FRAGMENTS, {"id": scope.owner_id})
    assert data["integrations"] == {
        "nodes": [{"title": "a"}, {"title": "b"}],
        "total": {"count": 3},
        "again": {"precision": "EXACT"},
    }
    assert len([s for s in statements if "count(" in s.lower()]) == 1, statements
    with service.count_statements() as statements:
        get_page(service, scope, first=2, filter={"isActive": True})
    assert not [s for s in statements if "count(" in s.lower()], statements


TOTAL_UNDER_DIRECTIVES = """
query($id: ID!, $withTotal: Boolean!) {
  integrations(organizationId: $id, first: 2, filter: {isActive: true}) {
    nodes { title }
    ...Counted @skip(if: true)
    total @include(if: $withTotal) { count }
    ...Counted @include(if: $withTotal)
    ... @skip(if: true) { again: total { precision } }
  }
}
fragment Counted on IntegrationConnection { also: total { count } }"""


@pytest.mark.parametrize("with_total", [False, True])
def test_a_total_left_out_by_skip_or_include_is_not_counted(
    service: Service, with_total: bool
) -> None:
    """`@skip` and `@include` decide, with the request's variables, whether `total` is
    selected: left out everywhere, it runs no count; kept, one (a fragment skipped in
    one place and spread again in another counts)."""
    scope = make_scope(service, INTEGRATIONS)
    add_items(service, scope, ["a", "b", "c"])
    with service.count_statements() as statements:
        data = service.data(TOTAL_UNDER_DIRECTIVES, {"id": scope.owner_id, "withTotal": with_total})
    counts = [s for s in statements if "count(" in s.lower()]
    if with_total:
        assert data["integrations"] == {
            "nodes": [{"title": "a"}, {"title": "b"}],
            "total": {"count": 3},
            "also": {"count": 3},
        }
        assert len(counts) == 1, statements
    else:
        assert data["integrations"] == {"nodes": [{"title": "a"}, {"title": "b"}]}
        assert not counts, statements


def test_a_failing_count_is_an_error_at_total_and_the_page_is_still_answered(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = make_scope(service, INTEGRATIONS)
    add_items(service, scope, ["a", "b"])

    def failing_count(*_: Any) -> Any:
        raise RuntimeError("the count failed")

    monkeypatch.setattr(Listing, "count_statement", failing_count)
    result = request_page(service, scope, first=1, total=True, filter={"isActive": True})
    connection = result["data"]["integrations"]
    assert rows(connection) == scope.expected()[:1]
    assert connection["total"] is None
    (error,) = result["errors"]
    assert error["path"] == ["integrations", "total"], error
    assert error["extensions"]["code"] == "INTERNAL_ERROR", error
    assert "the count failed" not in str(result)


# --- stability under concurrent writes ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "direction"),
    [(INTEGRATIONS, "ASC"), (ORGANIZATIONS, "ASC"), (CHILDREN, "ASC"), (INTEGRATIONS, "DESC")],
    ids=["integrations-ASC", "organizations-ASC", "children-ASC", "integrations-DESC"],
)
def test_forward_walk_is_stable_under_inserts_and_deletes(
    service: Service, kind: ListKind, direction: str
) -> None:
    """Between pages, delete the item the cursor names and the next unseen one, and insert
    one item on each side of the cursor. No item is returned twice, none that lived
    through the walk is missed, and none is returned after it was deleted."""
    scope = make_scope(service, kind)
    initial = add_items(service, scope, [f"k {number:02d}" for number in range(0, 40, 2)])
    order = {"field": "TITLE", "direction": direction}
    descending = direction == "DESC"
    deleted: set[str] = set()
    walked: list[tuple[str, str, bool]] = []
    after = None
    for _ in range(40):
        page = get_page(service, scope, first=3, after=after, order=order)
        assert not deleted & {row[0] for row in rows(page)}, "an item came back after deletion"
        walked.extend(rows(page))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        last = next(item for item in scope.items if item.id == walked[-1][0])
        remaining = reference_order.ordered(scope.items, descending=descending)
        following = remaining[remaining.index(last) + 1 :]
        for item in [last, *following[:1]]:
            delete_item(service, scope, item)
            deleted.add(item.id)
        number = int(last.title.split()[1])
        add_items(service, scope, [f"k {number - 1:02d}", f"k {number + 1:02d}", last.title])
    else:
        pytest.fail("the walk did not end")
    ids = [row[0] for row in walked]
    assert len(ids) == len(set(ids)), "an item was returned twice"
    survivors = {item.id for item in initial} - deleted
    assert survivors <= set(ids), "an item that existed for the whole walk was skipped"
    keys = [reference_order.sort_key(title, item_id) for item_id, title, _ in walked]
    assert keys == sorted(keys, reverse=descending), "the walk left the order"
