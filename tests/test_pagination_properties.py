"""Property-based tests of the lists against an in-memory model (contract section 3).

Hypothesis draws titles (`app.fuzzing.strategies`: case and accent variants, digit runs,
non-Latin text, duplicates), `isActive` values, filters, orders and page sizes; every walk of a list, in
either direction, must give the model's list, ordered by the independent reference
comparator in `tests.reference_order`. The `empty_database` fixture runs once per test
function, not per example, so every example works in a fresh organization of its own.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from app.fuzzing.strategies import ALPHABET, composed_titles
from tests import reference_order
from tests.conftest import Service
from tests.factories import create_organization, create_tenant
from tests.test_pagination import (
    ABSENT,
    CHILDREN,
    INTEGRATIONS,
    JSON,
    KINDS,
    ORGANIZATIONS,
    Item,
    ListKind,
    Scope,
    _Absent,
    add_item,
    cursors_of,
    delete_item,
    flags,
    get_page,
    make_scope,
    rows,
    update_item,
    walk_backward,
    walk_forward,
)

PROPERTY_SETTINGS = settings(
    derandomize=True,
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)

# The fuzzer's titles (case and accent variants, ties after folding, digit runs of several
# scripts, non-Latin text), trimmed as the service stores them.
titles = composed_titles.map(str.strip).filter(bool)
entries = st.lists(st.tuples(titles, st.booleans()), max_size=9)
filters = st.sampled_from([None, True, False])
orders = st.sampled_from([ABSENT, None, "ASC", "DESC"])
sizes = st.sampled_from([1, 2, 3, 7, 100])


def order_argument(order: str | None | _Absent) -> JSON | None | _Absent:
    if isinstance(order, str):
        return {"field": "TITLE", "direction": order}
    return order


def filter_argument(active: bool | None) -> JSON | _Absent:
    return ABSENT if active is None else {"isActive": active}


def populate(service: Service, kind: ListKind, drawn: list[tuple[str, bool]]) -> Scope:
    """A fresh list (scoped to a new organization) holding the drawn items."""
    scope = make_scope(service, kind, scoped=True)
    for title, active in drawn:
        add_item(service, scope, title, active)
    return scope


@PROPERTY_SETTINGS
@given(
    kind=st.sampled_from(KINDS),
    drawn=entries,
    active=filters,
    order=orders,
    forward_size=sizes,
    backward_size=sizes,
)
def test_walks_in_both_directions_give_the_model(
    service: Service,
    kind: ListKind,
    drawn: list[tuple[str, bool]],
    active: bool | None,
    order: str | None | _Absent,
    forward_size: int,
    backward_size: int,
) -> None:
    scope = populate(service, kind, drawn)
    expected = scope.expected(active=active, descending=order == "DESC")
    arguments = {"filter": filter_argument(active), "order": order_argument(order)}
    walk_forward(service, scope, forward_size, expected, **arguments)
    walk_backward(service, scope, backward_size, expected, **arguments)
    page = get_page(service, scope, first=0, total=True, **arguments)
    assert page["total"] == {"count": len(expected), "precision": "EXACT"}


# Organizations below a tenant: each drawn one goes below the tenant or an organization
# drawn before it (the index, wrapped), so the subtree is several levels deep.
subtree = st.lists(st.tuples(st.integers(0, 20), titles, st.booleans()), max_size=8)


@PROPERTY_SETTINGS
@given(
    drawn=subtree,
    changed=st.lists(
        st.tuples(st.integers(0, 20), st.none() | titles, st.none() | st.booleans()).filter(
            lambda change: change[1:] != (None, None)
        ),
        max_size=3,
    ),
    active=filters,
    order=orders,
    forward_size=sizes,
    backward_size=sizes,
)
def test_an_actors_reach_walks_as_its_subtree(
    service: Service,
    drawn: list[tuple[int, str, bool]],
    changed: list[tuple[int, str | None, bool | None]],
    active: bool | None,
    order: str | None | _Absent,
    forward_size: int,
    backward_size: int,
) -> None:
    """An actor below the top of the tree lists its organization and every organization
    below it (kept by the database as they are created, renamed, deactivated and
    activated again), beside a sibling tenant that holds an organization of every title
    too: walked in both directions, under any filter, order and page size, the list is
    the subtree in the model's order."""
    operator = service.actor
    assert operator is not None
    tenant, secret, _ = create_tenant(service, "Tenant", operator.organization_id)
    sibling = create_organization(service, "Sibling", parentId=operator.organization_id)
    reach = Scope(ORGANIZATIONS, None)
    reach.items.append(Item(tenant["id"], "Tenant", True, 1, "Organization"))
    for above, title, is_active in drawn:
        parent = reach.items[above % len(reach.items)]
        scope = Scope(ORGANIZATIONS, parent.id)
        reach.items.append(add_item(service, scope, title, is_active))
        create_organization(service, title, parentId=sibling["id"])
    # The drawn organizations change; the tenant's own, deactivated, would refuse its key.
    below = reach.items[1:]
    for index, new_title, new_active in changed if below else []:
        update_item(service, below[index % len(below)], title=new_title, active=new_active)
    expected = reach.expected(active=active, descending=order == "DESC")
    arguments = {"filter": filter_argument(active), "order": order_argument(order)}
    service.act_as(replace(operator, token=secret, organization_id=tenant["id"]))
    try:
        walk_forward(service, reach, forward_size, expected, **arguments)
        walk_backward(service, reach, backward_size, expected, **arguments)
        page = get_page(service, reach, first=0, total=True, **arguments)
        assert page["total"] == {"count": len(expected), "precision": "EXACT"}
    finally:
        service.act_as(operator)


@PROPERTY_SETTINGS
@given(
    kind=st.sampled_from(KINDS),
    drawn=entries.filter(bool),
    active=filters,
    order=st.sampled_from(["ASC", "DESC"]),
    size=st.integers(0, 4),
    data=st.data(),
)
def test_any_cursor_under_any_filter(
    service: Service,
    kind: ListKind,
    drawn: list[tuple[str, bool]],
    active: bool | None,
    order: str,
    size: int,
    data: st.DataObject,
) -> None:
    """A cursor of the whole list, reused under a filter, pages from its position."""
    scope = populate(service, kind, drawn)
    descending = order == "DESC"
    everything = scope.expected(descending=descending)
    order_by = order_argument(order)
    cursors = cursors_of(get_page(service, scope, first=100, order=order_by))
    index = data.draw(st.integers(0, len(everything) - 1), label="index")
    arguments = {"filter": filter_argument(active), "order": order_by}

    def matches(row: tuple[str, str, bool]) -> bool:
        return active is None or row[2] is active

    later = [row for row in everything[index + 1 :] if matches(row)]
    earlier = [row for row in everything[:index] if matches(row)]
    here = matches(everything[index])
    page = get_page(service, scope, first=size, after=cursors[index], **arguments)
    assert rows(page) == later[:size]
    assert flags(page) == (bool(earlier) or here, len(later) > size)
    page = get_page(service, scope, last=size, before=cursors[index], **arguments)
    assert rows(page) == (earlier[-size:] if size else [])
    assert flags(page) == (len(earlier) > size, bool(later) or here)


@st.composite
def needles(draw: st.DrawFn, drawn: list[tuple[str, bool]]) -> str:
    """A piece of one of the titles in another case, or any short text."""
    from_a_title = draw(st.booleans())
    if drawn and from_a_title:
        title = draw(st.sampled_from(drawn))[0]
        start = draw(st.integers(0, len(title) - 1))
        end = draw(st.integers(start + 1, len(title)))
        piece = title[start:end]
        return draw(st.sampled_from([piece, piece.upper(), piece.lower(), piece.swapcase()]))
    return draw(st.text(alphabet=ALPHABET, max_size=3))


@PROPERTY_SETTINGS
@given(drawn=entries, active=filters, size=sizes, data=st.data())
def test_children_title_contains_matches_the_model(
    service: Service,
    drawn: list[tuple[str, bool]],
    active: bool | None,
    size: int,
    data: st.DataObject,
) -> None:
    needle = data.draw(needles(drawn), label="needle")
    scope = populate(service, CHILDREN, drawn)
    folded = reference_order.fold(needle.strip())
    chosen = [item for item in scope.items if folded in reference_order.fold(item.title)]
    expected = Scope(CHILDREN, scope.owner_id, chosen).expected(active=active)
    filter = {"titleContains": needle, "isActive": active}
    page = get_page(service, scope, first=100, filter=filter, total=True)
    assert rows(page) == expected
    assert page["total"] == {"count": len(expected), "precision": "EXACT"}
    walk_forward(service, scope, size, expected, filter=filter)


# --- a state machine: writes interleaved with walks ----------------------------------------

_SHARED: dict[str, Service] = {}


@pytest.fixture(autouse=True)
def share_service(service: Service) -> Iterator[None]:
    """Hands the service to the state machine, which pytest cannot give fixtures to."""
    _SHARED["service"] = service
    yield
    _SHARED.clear()


@dataclass
class SavedCursor:
    """A cursor of the ascending list, with where its item stood when it was made."""

    view: str
    cursor: str
    title: str
    item_id: str


class ListsMachine(RuleBasedStateMachine):
    """One organization's integrations and child organizations, written to and read back.

    The children are read both through `Organization.children` and through
    `organizations(filter: {parentIds: [...]})`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.service = _SHARED["service"]
        self.scopes: dict[str, Scope] = {}
        self.saved: list[SavedCursor] = []

    @initialize(
        integrations=st.lists(st.tuples(titles, st.booleans()), min_size=1, max_size=6),
        children=st.lists(st.tuples(titles, st.booleans()), min_size=1, max_size=6),
    )
    def fresh_organization(
        self, integrations: list[tuple[str, bool]], children: list[tuple[str, bool]]
    ) -> None:
        owner = make_scope(self.service, INTEGRATIONS)
        self.scopes = {"integrations": owner, "children": Scope(CHILDREN, owner.owner_id)}
        for name, drawn in [("integrations", integrations), ("children", children)]:
            for title, active in drawn:
                add_item(self.service, self.scopes[name], title, active)

    def view(self, name: str) -> Scope:
        """The scope to read a list through; `organizations` shares the children's items."""
        if name == "organizations":
            children = self.scopes["children"]
            return Scope(ORGANIZATIONS, children.owner_id, children.items)
        return self.scopes[name]

    def has_items(self) -> bool:
        return any(scope.items for scope in self.scopes.values())

    def pick(self, data: st.DataObject) -> tuple[Scope, Item]:
        scope = data.draw(
            st.sampled_from([s for s in self.scopes.values() if s.items]), label="list"
        )
        item = data.draw(st.sampled_from(scope.items), label="item")
        return scope, item

    @rule(title=titles, active=st.booleans())
    def create_integration(self, title: str, active: bool) -> None:
        add_item(self.service, self.scopes["integrations"], title, active)

    @rule(title=titles, active=st.booleans())
    def create_child(self, title: str, active: bool) -> None:
        add_item(self.service, self.scopes["children"], title, active)

    @precondition(has_items)
    @rule(
        data=st.data(),
        title=st.none() | titles,
        active=st.none() | st.booleans(),
    )
    def update(self, data: st.DataObject, title: str | None, active: bool | None) -> None:
        _scope, item = self.pick(data)
        update_item(self.service, item, title=title, active=active)
        if title is not None:
            # The item moved: cursors made on it no longer name a position it holds.
            self.saved = [saved for saved in self.saved if saved.item_id != item.id]

    @precondition(has_items)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        scope, item = self.pick(data)
        delete_item(self.service, scope, item)

    @rule(
        name=st.sampled_from(["integrations", "children", "organizations"]),
        active=filters,
        order=orders,
        size=sizes,
        forward=st.booleans(),
    )
    def walk(
        self, name: str, active: bool | None, order: str | None | _Absent, size: int, forward: bool
    ) -> None:
        scope = self.view(name)
        expected = scope.expected(active=active, descending=order == "DESC")
        arguments = {"filter": filter_argument(active), "order": order_argument(order)}
        if forward:
            walk_forward(self.service, scope, size, expected, **arguments)
        else:
            walk_backward(self.service, scope, size, expected, **arguments)

    @precondition(has_items)
    @rule(data=st.data())
    def save_cursor(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(["integrations", "children", "organizations"]))
        scope = self.view(name)
        if not scope.items:
            return
        page = get_page(self.service, scope, first=100)
        assert rows(page) == scope.expected()
        index = data.draw(st.integers(0, len(scope.items) - 1), label="index")
        item_id, title, _active = rows(page)[index]
        self.saved.append(SavedCursor(name, cursors_of(page)[index], title, item_id))

    @precondition(lambda self: self.saved)
    @rule(data=st.data(), active=filters, size=st.integers(0, 4))
    def use_cursor(self, data: st.DataObject, active: bool | None, size: int) -> None:
        """A saved cursor still names its position, whatever was written since."""
        saved = data.draw(st.sampled_from(self.saved), label="cursor")
        scope = self.view(saved.view)
        position = reference_order.sort_key(saved.title, saved.item_id)
        expected = scope.expected(active=active)
        keys = [reference_order.sort_key(title, item_id) for item_id, title, _ in expected]
        later = [row for row, key in zip(expected, keys, strict=True) if key > position]
        earlier = [row for row, key in zip(expected, keys, strict=True) if key < position]
        here = position in keys  # the item is still there, where the cursor says
        filter = filter_argument(active)
        page = get_page(self.service, scope, first=size, after=saved.cursor, filter=filter)
        assert rows(page) == later[:size]
        assert flags(page) == (bool(earlier) or here, len(later) > size)
        page = get_page(self.service, scope, last=size, before=saved.cursor, filter=filter)
        assert rows(page) == (earlier[-size:] if size else [])
        assert flags(page) == (len(earlier) > size, bool(later) or here)

    @rule(name=st.sampled_from(["integrations", "children", "organizations"]), active=filters)
    def total(self, name: str, active: bool | None) -> None:
        scope = self.view(name)
        page = get_page(self.service, scope, first=1, total=True, filter=filter_argument(active))
        count = len(scope.expected(active=active))
        assert page["total"] == {"count": count, "precision": "EXACT"}


ListsMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
TestListsMachine = ListsMachine.TestCase
