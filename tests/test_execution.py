"""The executor's short path answers exactly as graphql-core does."""

import asyncio
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
from ariadne import ObjectType, QueryType, make_executable_schema
from graphql import (
    ExecutionContext,
    ExecutionResult,
    GraphQLObjectType,
    GraphQLSchema,
    execute,
    parse,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from app.graphql.core.completers import TYPENAME, CompleterCache
from app.graphql.core.execution import (
    ContextResolver,
    FieldExecutionContext,
    LeafAttribute,
    ObjectAttribute,
    ObjectListAttribute,
    _OperationCaches,
    context_resolver,
    is_awaitable,
    mark_short_paths,
)
from app.graphql.schema import build_schema

SDL = """
enum Colour { RED GREEN }
type Query { item: Item items: [Item!]! }
type Item {
  id: ID!
  displayName: String
  count: Int!
  ratio: Float
  isOn: Boolean!
  colour: Colour
  computed(times: Int = 1): Int
  child: Item
  anchor: Item!
  owner: Item
  ownerNonNull: Item!
  children: [Item!]
  maybe: [Item]!
}
"""


class Colour(Enum):
    RED = "RED"
    GREEN = "GREEN"


@dataclass
class Item:
    id: Any
    display_name: Any
    count: Any
    ratio: Any
    is_on: Any
    colour: Any
    computed: Any = None
    child: Any = None
    anchor: Any = None
    children: Any = None
    maybe: Any = field(default_factory=list)


def _owner(source: Any, context: dict[str, Any]) -> Any:
    """The context's value for the source's ID (a loader's answer, in the service)."""
    key = source["id"] if isinstance(source, dict) else source.id
    return context.get(str(key))


def _schemas() -> tuple[GraphQLSchema, GraphQLSchema]:
    def build() -> GraphQLSchema:
        item = ObjectType("Item")

        @item.field("computed")
        def resolve_computed(source: Any, _info: Any, times: int) -> Any:
            count = source["count"] if isinstance(source, dict) else source.count
            return None if count is None else times

        item.set_field("owner", context_resolver(_owner))
        item.set_field("ownerNonNull", context_resolver(_owner))
        return make_executable_schema(SDL, QueryType(), item, Colour, convert_names_case=True)

    plain, marked = build(), build()
    mark_short_paths(marked)
    return plain, marked


PLAIN, MARKED = _schemas()
NESTED = "__typename id count displayName isOn"
QUERY = parse(
    "{ item { id displayName count ratio isOn colour computed(times: 2) "
    f"child {{ {NESTED} child {{ id }} }} anchor {{ {NESTED} }} owner {{ {NESTED} }} "
    f"ownerNonNull {{ {NESTED} }} children {{ {NESTED} child {{ id }} }} maybe {{ id count }} }} "
    f"items {{ id count isOn colour ratio child {{ {NESTED} }} children {{ id anchor {{ id }} }} "
    "owner { id colour } ownerNonNull { __typename id } } }"
)

leaf_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.booleans(),
    st.sampled_from([Colour.RED, Colour.GREEN, "RED", "BLUE"]),
    st.just(lambda _info: 7),
)
# Any value in any field, and (as in the service) mostly values of the field's own type,
# which the generated completers serve.
typed_leaves = st.builds(
    Item,
    id=st.text(max_size=3) | st.none(),
    display_name=st.none() | st.text(max_size=3),
    count=st.integers(min_value=-(2**32), max_value=2**32),  # half beyond Int's 32 bits
    ratio=st.none() | st.floats(allow_nan=False),
    is_on=st.booleans(),
    colour=st.none() | st.sampled_from(Colour),
)
leaves = st.one_of(
    st.lists(leaf_values, min_size=6, max_size=6).map(lambda values: Item(*values)),
    typed_leaves,
    typed_leaves,
    typed_leaves,
)
# What an object field can read: nothing, an item, a callable, a value of the wrong kind.
objects = st.one_of(st.none(), leaves, st.just(lambda _info: None), st.integers(0, 3))


# What a list field can read: nothing, a list of what an object field can read (mostly
# items), another iterable, a value of the wrong kind.
lists = st.one_of(
    st.none(),
    st.lists(st.one_of(leaves, leaves, objects), max_size=3),
    st.lists(leaves, max_size=2).map(tuple),
    st.integers(0, 3),
)


@st.composite
def items(draw: st.DrawFn) -> Item:
    item = draw(leaves)
    item.child = draw(objects)
    if isinstance(item.child, Item):
        item.child.child = draw(objects)
    item.anchor = draw(objects)
    item.children = draw(lists)
    for child in item.children if isinstance(item.children, list) else ():
        if isinstance(child, Item):
            child.anchor = draw(objects)
    item.maybe = draw(lists)
    return item


def _answer(schema: GraphQLSchema, context: type[ExecutionContext], root: Any, owners: Any) -> Any:
    result = execute(
        schema, QUERY, root_value=root, context_value=owners, execution_context_class=context
    )
    assert isinstance(result, ExecutionResult)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return result.data, errors


@settings(max_examples=400)  # a few seconds: each example is one small execution
@given(
    items(),
    st.booleans(),
    st.dictionaries(leaf_values.map(str), objects, max_size=3),
    st.one_of(st.none(), objects),
)
def test_short_path_answers_as_graphql_core(
    item: Item, as_mapping: bool, owners: dict[str, Any], own_owner: Any
) -> None:
    if own_owner is not None:  # the item's own owner, whatever the drawn keys
        owners[str(item.id)] = own_owner
    source: Any = item
    if as_mapping:
        source = {**vars(item), "child": item.child, "children": item.children}
    root = {"item": source, "items": [source, item]}
    assert _answer(MARKED, FieldExecutionContext, root, owners) == _answer(
        PLAIN, ExecutionContext, root, owners
    )


async def _settled(result: Any) -> ExecutionResult:
    answered: ExecutionResult = await result
    return answered


async def _later(value: Any) -> Any:
    await asyncio.sleep(0)
    return value


@pytest.mark.parametrize("anchor", [None, "item"])
def test_awaited_values_take_graphql_cores_path(anchor: str | None) -> None:
    inner = Item("2", "inner", 2, None, True, None)
    item = Item("1", "outer", 1, None, False, Colour.RED, child=None)
    answers = []
    for schema, context in ((PLAIN, ExecutionContext), (MARKED, FieldExecutionContext)):
        item.child = _later(inner)
        item.anchor = _later(inner if anchor else None)
        owners = {"1": _later(inner)}
        result = execute(
            schema,
            QUERY,
            root_value={"item": item, "items": []},
            context_value=owners,
            execution_context_class=context,
        )
        assert is_awaitable(result)
        answered = asyncio.run(_settled(result))
        answers.append((answered.data, [(e.message, e.path) for e in answered.errors or []]))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("anchor", [None, "item"])
@pytest.mark.parametrize("awaited_items", [False, True])
def test_awaited_values_in_lists_as_with_graphql_core(
    anchor: str | None, awaited_items: bool
) -> None:
    """Items whose fields are awaited (completed by the short path, each failure where
    graphql-core puts it), and items that are awaitables themselves (graphql-core's
    path)."""
    answers = []
    for schema, context in ((PLAIN, ExecutionContext), (MARKED, FieldExecutionContext)):
        inner = Item("3", "inner", 3, None, True, None)
        children = [Item(str(n), "child", n, None, True, None) for n in range(3)]
        for child in children:
            child.anchor = _later(inner if anchor or child.count != 1 else None)
        item = Item("1", "outer", 1, None, False, Colour.RED, anchor=inner)
        item.children = children
        item.maybe = [_later(child) if awaited_items else child for child in children]
        result = execute(
            schema,
            QUERY,
            root_value={"item": item, "items": [item]},
            context_value={"1": inner},
            execution_context_class=context,
        )
        assert is_awaitable(result)
        answered = asyncio.run(_settled(result))
        answers.append((answered.data, [(e.message, e.path) for e in answered.errors or []]))
    assert answers[0] == answers[1]
    assert bool(answers[1][1]) == (anchor is None)  # a null `anchor` is an error


def _failing_read(_source: Any) -> Any:
    raise RuntimeError("cannot read")


class Failing:
    """A source whose attributes fail to read, as properties that raise do."""

    id = display_name = count = ratio = is_on = colour = child = anchor = property(_failing_read)


def test_a_failing_read_is_reported_as_graphql_core_reports_it() -> None:
    item = Item("1", Failing(), 1, None, True, None, child=Failing(), anchor=Failing())
    owners = {"1": Failing()}
    marked = _answer(MARKED, FieldExecutionContext, {"item": item, "items": [Failing()]}, owners)
    plain = _answer(PLAIN, ExecutionContext, {"item": item, "items": [Failing()]}, owners)
    assert marked == plain
    assert marked[1]  # the failures are errors, not crashes


def _raising_owner(_source: Any, _context: Any) -> Any:
    raise RuntimeError("the loader failed")


def test_a_failing_context_resolver_is_reported_as_graphql_core_reports_it() -> None:
    def build() -> GraphQLSchema:
        item = ObjectType("Item")
        item.set_field("owner", context_resolver(_raising_owner))
        item.set_field("ownerNonNull", context_resolver(_raising_owner))
        return make_executable_schema(SDL, QueryType(), item, Colour, convert_names_case=True)

    plain, marked = build(), build()
    mark_short_paths(marked)
    anchor = Item("2", "b", 2, None, True, None)
    root: dict[str, Any] = {"item": Item("1", "a", 1, None, True, None, anchor=anchor), "items": []}
    assert _answer(marked, FieldExecutionContext, root, {}) == _answer(
        plain, ExecutionContext, root, {}
    )


def _shouting(next_: Any, root: Any, info: Any, **kwargs: Any) -> Any:
    value = next_(root, info, **kwargs)
    return value.upper() if isinstance(value, str) else value


def test_middleware_sees_every_field_as_with_graphql_core() -> None:
    other = Item("2", "also", 2, None, True, None)
    item = Item("1", "quiet", 1, None, True, None, child=other, anchor=other)
    answers = [
        execute(
            schema,
            QUERY,
            root_value={"item": item, "items": []},
            context_value={"1": other},
            middleware=[_shouting],
            execution_context_class=context,
        )
        for schema, context in ((PLAIN, ExecutionContext), (MARKED, FieldExecutionContext))
    ]
    assert answers[0] == answers[1]
    assert answers[1].data["item"]["displayName"] == "QUIET"  # type: ignore[union-attr, index]


def test_fields_without_resolvers_of_their_own_take_the_short_path() -> None:
    item_type = MARKED.type_map["Item"]
    assert isinstance(item_type, GraphQLObjectType)
    item = item_type.fields
    assert isinstance(item["displayName"].resolve, LeafAttribute)
    assert item["displayName"].resolve.attribute == "display_name"
    assert isinstance(item["id"].resolve, LeafAttribute)
    assert isinstance(item["child"].resolve, ObjectAttribute)
    assert isinstance(item["children"].resolve, ObjectListAttribute)
    assert isinstance(item["maybe"].resolve, ObjectListAttribute)
    assert isinstance(item["owner"].resolve, ContextResolver)
    assert not isinstance(item["computed"].resolve, LeafAttribute)  # its own resolver


@pytest.mark.parametrize(
    ("type_name", "field", "kind"),
    [
        ("Integration", "title", LeafAttribute),
        ("Organization", "id", LeafAttribute),
        ("IntegrationEdge", "node", ObjectAttribute),
        ("IntegrationConnection", "edges", ObjectListAttribute),
        ("IntegrationConnection", "nodes", ObjectListAttribute),
        ("Integration", "organization", ContextResolver),
    ],
)
def test_the_service_schema_marks_its_fields(type_name: str, field: str, kind: type) -> None:
    graphql_type = build_schema().type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    assert isinstance(graphql_type.fields[field].resolve, kind)


def test_a_context_resolver_returns_one_object() -> None:
    item = ObjectType("Item")
    item.set_field("count", context_resolver(lambda _source, _context: 1))
    schema = make_executable_schema(SDL, QueryType(), item, Colour)
    with pytest.raises(TypeError, match=r"Item\.count"):
        mark_short_paths(schema)


async def _coroutine() -> int:
    return 1


def test_awaitability_is_decided_per_type() -> None:
    coroutine = _coroutine()
    assert is_awaitable(coroutine)
    coroutine.close()
    assert not is_awaitable(Item(1, 2, 3, 4, 5, 6))
    assert not is_awaitable({"__await__": 1})
    assert not is_awaitable(None)


@pytest.mark.parametrize("fragment", [False, True])
def test_selections_that_read_variables_are_collected_per_execution(fragment: bool) -> None:
    """Executions of one parsed operation share its collected selections, except when a
    directive reads a variable: then each collects its own."""
    selection = "child { id displayName @include(if: $show) }"
    document = parse(
        "query ($show: Boolean!) { item { ...Parts } } fragment Parts on Item { "
        f"{selection} }}"
        if fragment
        else f"query ($show: Boolean!) {{ item {{ {selection} }} }}"
    )
    item = Item("1", "a", 1, None, True, None, child=Item("2", "b", 2, None, True, None))
    for show in (True, False, True):
        answers = [
            execute(
                schema,
                document,
                root_value={"item": item},
                variable_values={"show": show},
                execution_context_class=context,
            )
            for schema, context in ((PLAIN, ExecutionContext), (MARKED, FieldExecutionContext))
        ]
        assert answers[0] == answers[1]
        child = answers[1].data["item"]["child"]  # type: ignore[index,union-attr]
        assert ("displayName" in child) == show


def test_executions_of_one_operation_share_its_plans() -> None:
    document = parse("{ item { child { id } } }")
    item = Item("1", "a", 1, None, True, None, child=Item("2", "b", 2, None, True, None))
    contexts: list[FieldExecutionContext] = []

    class Recording(FieldExecutionContext):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            contexts.append(self)

    for _ in range(3):
        result = execute(
            MARKED, document, root_value={"item": item}, execution_context_class=Recording
        )
        assert result == ({"item": {"child": {"id": "2"}}}, None)
    first, second, third = contexts
    assert first._shared_plans is second._shared_plans is third._shared_plans
    assert first._subfields_cache is second._subfields_cache is third._subfields_cache
    # One plan per selection below the root, however many executions (each collects
    # the root's selection anew: that plan is the execution's own).
    assert len(third._shared_plans) == 2
    assert len(third._subfields_cache) == 2
    assert first._plans is not second._plans


def test_completers_are_kept_for_so_many_shapes() -> None:
    cache = CompleterCache(size=2)
    shapes = [("Item", ((name, TYPENAME, False),)) for name in ("a", "b", "c")]
    first = cache.completer(shapes[0], {})
    assert cache.completer(shapes[0], {}) is first  # kept
    cache.completer(shapes[1], {})
    cache.completer(shapes[2], {})  # the least recently used, the first, goes
    assert cache.completer(shapes[0], {}) is not first
    assert first(object(), None) == {"a": "Item"}


def test_operations_shared_caches_are_kept_for_so_many_operations() -> None:
    caches = _OperationCaches(size=2)
    operations = [parse(f"{{ item{n}: item {{ id }} }}").definitions[0] for n in range(3)]
    made = [caches.caches(operation, {}) for operation in operations]  # type: ignore[arg-type]
    assert all(made)
    assert caches.caches(operations[2], {}) is made[2]  # type: ignore[arg-type]
    assert caches.caches(operations[0], {}) is not made[0]  # type: ignore[arg-type]
