"""A hypothesis state machine per discovered connection.

Each example starts from a fresh list of the connection (its owner and parent created
through the API), a sibling list of the same connection where arguments or a parent
scope it, and one small list of every other connection (for cursors of other lists).
Rules then interleave writes (creates, title and flag updates, deletes, each of which
may be refused) with reads, and check every answer against the model:

- complete walks forward (`first`/`after`) and backward (`last`/`before`), of any page
  size, filter and ordering, equal the model's ordered, filtered list;
- walks with creates, deletes and flag changes between their pages never repeat an
  item, never skip one that stayed in the list throughout, and every page is exactly the
  model's page at that moment;
- single pages with cursors saved earlier (under any filter), with both cursors, with
  `first`/`last` of 0, equal the model's page with both flags exact;
- cursors reused under another ordering, on another list, or altered by one character,
  and arbitrary integers and strings for `first`/`last`/`after`/`before`, answer
  `VALIDATION_ERROR` naming the argument (or, when valid after all, the model's page);
- `total` equals the model's count (EXACT) or is a lower bound (AT_LEAST past the cap).
"""

import contextlib
from typing import Any, ClassVar

from hypothesis import given
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.fuzzing.driver import Driver, FuzzTarget, Unsupported
from app.fuzzing.model import ABSENT, Entity, ListRef, PageRequest
from app.fuzzing.profiles import argument_settings, machine_settings
from app.fuzzing.strategies import (
    altered,
    any_integers,
    cursor_like_strings,
    filters,
    order_by_values,
    page_sizes,
    spell_ordering,
    titles,
    valid_titles,
    walk_sizes,
)


class ConnectionMachine(RuleBasedStateMachine):
    """Subclassed per connection by `connection_machine`, which sets `target`."""

    target: ClassVar[FuzzTarget]

    def __init__(self) -> None:
        super().__init__()
        self.driver = Driver(self.target)
        self.world = self.driver.world
        self.connection = self.target.connection
        self.main: ListRef | None = None

    # --- helpers -----------------------------------------------------------------------------

    @property
    def ref(self) -> ListRef:
        assert self.main is not None
        return self.main

    def members(self) -> list[Entity]:
        """The items of the list under test the fuzzer may write to (it made them)."""
        return [entity for entity in self.world.members(self.ref) if not entity.adopted]

    def has_members(self) -> bool:
        return bool(self.members())

    def existing_titles(self) -> list[str]:
        titled = self.driver.titled_field(self.connection.node_type)
        if titled is None:
            return []
        return [str(entity.values[titled]) for entity in self.world.members(self.ref)]

    def title_strategy(self, *, valid: bool = False) -> st.SearchStrategy[str]:
        expanding = self.target.expanding_titles
        if valid:
            chosen = valid_titles(self.existing_titles(), self.world, expanding=expanding)
        else:
            chosen = titles(self.existing_titles(), expanding=expanding)
        return chosen

    def free_links(self, data: st.DataObject) -> dict[str, str | None]:
        """Values for the create-input links the list does not bind (`parentId` of a root
        organization): any known entity of the linked type, or none."""
        bound = {name for name, _ in self.ref.bindings}
        chosen: dict[str, str | None] = {}
        for link in self.driver.mutations(self.connection.node_type).links:
            if link.field in bound:
                continue
            candidates = [entity.id for entity in self.world.of_type(link.target)]
            if link.required:
                if not candidates:
                    candidates = [self.driver.owner(link.target).id]
                chosen[link.field] = data.draw(st.sampled_from(candidates), label=link.field)
            elif candidates:
                linked = data.draw(st.none() | st.sampled_from(candidates), label=link.field)
                if linked is not None:
                    chosen[link.field] = linked
        return chosen

    def create_item(self, data: st.DataObject, *, valid: bool = False) -> Entity | None:
        title = data.draw(self.title_strategy(valid=valid), label="title")
        links = self.driver.place(self.ref, self.free_links(data))
        return self.driver.create(self.connection.node_type, title, links)

    def draw_filter(self, data: st.DataObject) -> Any:
        return data.draw(
            filters(self.connection, self.world, self.existing_titles()), label="filter"
        )

    def draw_order(self, data: st.DataObject) -> Any:
        return data.draw(
            st.sampled_from(order_by_values(self.connection, self.world)), label="order"
        )

    def saved_cursors(self, *, same_list: bool = True) -> list[str]:
        return self.driver.saved_cursors(self.ref.scope, same=same_list)

    # --- setup -------------------------------------------------------------------------------

    @initialize(data=st.data())
    def fresh_lists(self, data: st.DataObject) -> None:
        if self.target.reset is not None:
            self.target.reset()
        if self.target.set_total_count_cap is not None:
            self.target.set_total_count_cap(None)
        self.main = self.driver.fresh_list(self.connection)
        siblings: list[ListRef] = []
        if self.connection.required or not self.connection.root:
            siblings.append(self.driver.fresh_list(self.connection))
        for other in self.target.connections:
            if other.key == self.connection.key or other.problems:
                continue
            try:
                siblings.append(self.driver.fresh_list(other))
            except Unsupported:
                continue
        for sibling in siblings:
            self.driver.create(sibling.connection.node_type, "fuzz sibling", dict(sibling.bindings))
            self.driver.read(sibling, PageRequest(first=2))
        count = data.draw(st.integers(0, 6), label="seed items")
        for _ in range(count):
            self.create_item(data, valid=True)

    # --- writes ------------------------------------------------------------------------------

    @precondition(lambda self: len(self.members()) < self.target.max_items)
    @rule(data=st.data())
    def create(self, data: st.DataObject) -> None:
        self.create_item(data)

    @precondition(has_members)
    @rule(data=st.data())
    def update(self, data: st.DataObject) -> None:
        entity = data.draw(st.sampled_from(self.members()), label="item")
        titled = self.driver.titled_field(entity.type)
        changes: dict[str, Any] = {}
        for argument in self.driver.mutations(entity.type).update_fields:
            if not data.draw(st.booleans(), label=f"change {argument.name}"):
                continue
            if argument.name == titled:
                changes[argument.name] = data.draw(self.title_strategy(), label="title")
            elif argument.named_type == "Boolean":
                changes[argument.name] = data.draw(st.booleans(), label=argument.name)
        self.driver.update(entity, changes)

    @precondition(has_members)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        entity = data.draw(st.sampled_from(self.members()), label="item")
        self.driver.delete(entity)

    @precondition(lambda self: self.target.set_total_count_cap is not None)
    @rule(data=st.data())
    def change_total_count_cap(self, data: st.DataObject) -> None:
        """Lower the service's `total` cap (or restore it): `AT_LEAST` past it."""
        assert self.target.set_total_count_cap is not None
        caps = st.sampled_from(self.target.total_count_caps)
        cap = data.draw(st.none() | caps, label="cap")
        self.target.set_total_count_cap(cap)
        self.driver.cap = self.target.total_count_cap if cap is None else cap

    def teardown(self) -> None:
        if self.target.set_total_count_cap is not None:
            self.target.set_total_count_cap(None)

    def write_elsewhere(self, data: st.DataObject, touched: set[str]) -> None:
        """Between the pages of a walk: create, delete or flip a flag (never move an item)."""
        for _ in range(data.draw(st.integers(0, 2), label="writes")):
            members = self.members()
            what = data.draw(st.sampled_from(["create", "delete", "flag"]), label="write")
            if what == "create" and len(members) < self.target.max_items + 4:
                created = self.create_item(data, valid=True)
                if created is not None:
                    touched.add(created.id)
            elif what == "delete" and members:
                entity = data.draw(st.sampled_from(members), label="delete")
                touched.add(entity.id)
                self.driver.delete(entity)
            elif what == "flag" and members:
                flags = [
                    argument.name
                    for argument in self.driver.mutations(self.connection.node_type).update_fields
                    if argument.named_type == "Boolean"
                ]
                if flags:
                    entity = data.draw(st.sampled_from(members), label="flip")
                    name = data.draw(st.sampled_from(flags), label="flag")
                    touched.add(entity.id)
                    self.driver.update(entity, {name: not entity.values.get(name)})

    # --- reads -------------------------------------------------------------------------------

    def walk(self, data: st.DataObject, *, writes: bool) -> None:
        forward = data.draw(st.booleans(), label="forward")
        size = data.draw(walk_sizes, label="size")
        filter_value = self.draw_filter(data)
        order_by = self.draw_order(data)
        total = data.draw(st.booleans(), label="total")
        if self.world.filter_refusals(self.connection, filter_value):
            filter_value = ABSENT
        ordering = self.world.ordering_of(self.connection, order_by)

        def matching() -> set[str]:
            return {
                entity.id
                for entity in self.world.members(self.ref)
                if self.world.matches(self.connection, filter_value, entity)
            }

        at_start = matching()
        expected = [
            e.id
            for _, e in self.world.ordered([self.world.entities[i] for i in at_start], ordering)
        ]
        touched: set[str] = set()
        seen: list[tuple[Any, str]] = []
        cursor: Any = ABSENT
        limit = 2 * (len(at_start) + 2 * self.target.max_items) // size + 4
        for pages in range(limit + 1):
            if pages == limit:
                raise AssertionError(f"a walk by {size} did not end after {limit} pages")
            if writes and pages:
                self.write_elsewhere(data, touched)
            if forward:
                request = PageRequest(
                    first=size, after=cursor, filter=filter_value, order_by=order_by, total=total
                )
            else:
                request = PageRequest(
                    last=size, before=cursor, filter=filter_value, order_by=order_by, total=total
                )
            page = self.driver.read(self.ref, request)
            assert page is not None
            keys = [
                self.world.key(self.world.entities[edge["node"]["id"]], ordering)
                for edge in page["edges"]
            ]
            seen = seen + keys if forward else keys + seen
            info = page["pageInfo"]
            if not (info["hasNextPage"] if forward else info["hasPreviousPage"]):
                break
            cursor = info["endCursor"] if forward else info["startCursor"]
        ids = [item_id for _, item_id in seen]
        where = (
            f"walk {'forward' if forward else 'backward'} by {size}, {filter_value!r}, {ordering}"
        )
        if len(set(ids)) != len(ids):
            raise AssertionError(f"{where}: an item twice: {ids}")
        in_order = sorted(seen, reverse=ordering.descending)
        if seen != in_order:
            raise AssertionError(f"{where}: out of order: {ids}")
        if not writes:
            if ids != expected:
                raise AssertionError(f"{where}: walked {ids}, the model has {expected}")
            return
        stayed = (at_start & matching()) - touched
        missing = stayed - set(ids)
        if missing:
            raise AssertionError(f"{where}: skipped {sorted(missing)}, which stayed throughout")

    @rule(data=st.data())
    def complete_walk(self, data: st.DataObject) -> None:
        self.walk(data, writes=False)

    @rule(data=st.data())
    def walk_with_writes_between_pages(self, data: st.DataObject) -> None:
        self.walk(data, writes=True)

    @rule(data=st.data())
    def page(self, data: st.DataObject) -> None:
        """One page: saved cursors of this list (any filter), sizes from 0, total."""
        saved = self.saved_cursors()
        uses = data.draw(st.sampled_from(["none", "after", "before", "both"]), label="cursors")
        if not saved:
            uses = "none"
        cursors: dict[str, Any] = {}
        order_by = self.draw_order(data)
        if uses != "none":
            first = data.draw(st.sampled_from(saved), label="cursor")
            ordering = self.driver.cursors[first].ordering
            order_by = data.draw(
                st.sampled_from(
                    spell_ordering(self.connection, ordering.value, ordering.direction)
                ),
                label="order",
            )
            same = [c for c in saved if self.driver.cursors[c].ordering == ordering]
            if uses == "both":
                second = data.draw(st.sampled_from(same), label="second cursor")
                cursors = {"after": first, "before": second}
            else:
                cursors = {uses: first}
        direction = data.draw(st.sampled_from(["first", "last", "neither"]), label="direction")
        sizes: dict[str, Any] = {}
        if direction != "neither":
            sizes[direction] = data.draw(page_sizes, label="size")
        request = PageRequest(
            filter=self.draw_filter(data),
            order_by=order_by,
            total=data.draw(st.booleans(), label="total"),
            **sizes,
            **cursors,
        )
        self.driver.read(self.ref, request)

    @precondition(lambda self: self.driver.cursors)
    @rule(data=st.data())
    def misused_cursor(self, data: st.DataObject) -> None:
        """A cursor under another ordering, of another list, or altered: refused."""
        saved, foreign = self.saved_cursors(), self.saved_cursors(same_list=False)
        kinds = (["ordering", "altered"] if saved else []) + (["list"] if foreign else [])
        kind = data.draw(st.sampled_from(kinds), label="misuse")
        order_by = self.draw_order(data)
        if kind == "list":
            cursor = data.draw(st.sampled_from(foreign), label="cursor")
        else:
            cursor = data.draw(st.sampled_from(saved), label="cursor")
            ordering = self.driver.cursors[cursor].ordering
            if kind == "altered":
                cursor = data.draw(altered(cursor), label="altered")
            else:
                others = [
                    value
                    for value in order_by_values(self.connection, self.world)
                    if self.world.ordering_of(self.connection, value) != ordering
                ]
                if not others:
                    return
                order_by = data.draw(st.sampled_from(others), label="other order")
        argument = data.draw(st.sampled_from(["after", "before"]), label="argument")
        sizes: dict[str, Any] = data.draw(
            st.sampled_from([{}, {"first": 2}, {"last": 2}, {"first": 0}]), label="sizes"
        )
        request = PageRequest(
            order_by=order_by, filter=self.draw_filter(data), **{argument: cursor, **sizes}
        )
        if self.driver.read(self.ref, request) is not None and cursor not in self.driver.cursors:
            raise AssertionError(f"the unknown cursor {cursor!r} gave a page")

    @rule(data=st.data())
    def arbitrary_arguments(self, data: st.DataObject) -> None:
        """Any integer for `first`/`last`, any string for `after`/`before`, together."""
        self.driver.read(self.ref, arbitrary_request(data, self.driver, self.ref))


def arbitrary_request(data: st.DataObject, driver: Driver, ref: ListRef) -> PageRequest:
    """Each of `first`/`last`/`after`/`before` absent, null or any value: integers biased
    to the boundaries, strings that are cursors of this or other lists, altered cursors,
    almost-cursors and any text."""
    integers = any_integers
    saved = driver.saved_cursors()
    known = st.sampled_from(saved) if saved else st.nothing()
    strings = st.one_of(cursor_like_strings, known, known.flatmap(altered))
    chosen: dict[str, Any] = {}
    for name, values in (
        ("first", integers),
        ("last", integers),
        ("after", strings),
        ("before", strings),
    ):
        presence = data.draw(st.sampled_from(["absent", "null", "value", "value"]), label=name)
        if presence == "null":
            chosen[name] = None
        elif presence == "value":
            chosen[name] = data.draw(values, label=name)
    order_by = data.draw(
        st.sampled_from(order_by_values(ref.connection, driver.world)), label="order"
    )
    return PageRequest(order_by=order_by, **chosen)


def connection_machine(target: FuzzTarget) -> type[ConnectionMachine]:
    """A state machine class for one connection (run it with `run_state_machine_as_test`)."""
    name = target.connection.key.replace(".", "_") + "Machine"
    return type(name, (ConnectionMachine,), {"target": target})


def fuzz_connection(target: FuzzTarget, *, settings: Settings | None = None) -> None:
    """Run the connection's state machine (under the `HYPOTHESIS_PROFILE` budget)."""
    run_state_machine_as_test(connection_machine(target), settings=settings or machine_settings())


def fuzz_arguments(target: FuzzTarget, *, settings: Settings | None = None, items: int = 5) -> None:
    """Arbitrary `first`/`last`/`after`/`before` on one list of `items` items (made once),
    each example one request: a valid page equal to the model's, or `VALIDATION_ERROR`."""
    if target.reset is not None:
        target.reset()
    driver = Driver(target)
    ref = driver.fresh_list(target.connection)
    for number in range(items):
        title = ["item 10", "Item 2", "éclair", "Eclair", "日本", "zebra", "a"][number % 7]
        driver.create(target.connection.node_type, title, dict(ref.bindings))
    for other in target.connections:
        if other.key != target.connection.key and not other.problems:
            with contextlib.suppress(Unsupported):
                sibling = driver.fresh_list(other)
                driver.create(other.node_type, "fuzz sibling", dict(sibling.bindings))
                driver.read(sibling, PageRequest(first=2))
    for order_by in order_by_values(target.connection, driver.world):
        driver.read(ref, PageRequest(first=100, order_by=order_by))

    def check(data: st.DataObject) -> None:
        driver.read(ref, arbitrary_request(data, driver, ref))

    # Examples of each connection are kept apart in the example database.
    setattr(check, "_hypothesis_internal_add_digest", target.connection.key.encode())  # noqa: B010
    run = (settings or argument_settings())(given(data=st.data())(check))
    run()
