"""The executor's short path for attribute leaves answers exactly as graphql-core does."""

from dataclasses import dataclass
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
from hypothesis import given
from hypothesis import strategies as st

from app.graphql.core.execution import (
    FieldExecutionContext,
    LeafAttribute,
    is_awaitable,
    mark_leaf_attributes,
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


def _schemas() -> tuple[GraphQLSchema, GraphQLSchema]:
    def build() -> GraphQLSchema:
        item = ObjectType("Item")

        @item.field("computed")
        def resolve_computed(source: Any, _info: Any, times: int) -> Any:
            return None if source.count is None else times

        return make_executable_schema(SDL, QueryType(), item, Colour, convert_names_case=True)

    plain, marked = build(), build()
    mark_leaf_attributes(marked)
    return plain, marked


PLAIN, MARKED = _schemas()
QUERY = parse(
    "{ item { id displayName count ratio isOn colour computed(times: 2) "
    "child { id count displayName } } items { id count isOn } }"
)

values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.booleans(),
    st.sampled_from([Colour.RED, Colour.GREEN, "RED", "BLUE"]),
    st.just(lambda _info: 7),
)


def _items(draw_values: list[Any]) -> Any:
    return Item(*draw_values[:6])


def _answer(schema: GraphQLSchema, context: type[ExecutionContext], root: Any) -> Any:
    result = execute(schema, QUERY, root_value=root, execution_context_class=context)
    assert isinstance(result, ExecutionResult)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return result.data, errors


@given(
    st.lists(values, min_size=6, max_size=6),
    st.lists(values, min_size=6, max_size=6),
    st.booleans(),
)
def test_short_path_answers_as_graphql_core(
    fields: list[Any], child_fields: list[Any], as_mapping: bool
) -> None:
    item = _items(fields)
    item.child = _items(child_fields)
    source: Any = item
    if as_mapping:
        source = {**vars(item), "child": vars(item.child)}
    root = {"item": source, "items": [source, source]}
    assert _answer(MARKED, FieldExecutionContext, root) == _answer(PLAIN, ExecutionContext, root)


def test_leaves_without_a_resolver_of_their_own_take_the_short_path() -> None:
    item_type = MARKED.type_map["Item"]
    assert isinstance(item_type, GraphQLObjectType)
    item = item_type.fields
    assert isinstance(item["displayName"].resolve, LeafAttribute)
    assert item["displayName"].resolve.attribute == "display_name"
    assert isinstance(item["id"].resolve, LeafAttribute)
    assert not isinstance(item["computed"].resolve, LeafAttribute)  # its own resolver
    assert not isinstance(item["child"].resolve, LeafAttribute)  # not a leaf


@pytest.mark.parametrize(("type_name", "field"), [("Integration", "title"), ("Organization", "id")])
def test_the_service_schema_marks_its_leaves(type_name: str, field: str) -> None:
    graphql_type = build_schema().type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    assert isinstance(graphql_type.fields[field].resolve, LeafAttribute)


async def _coroutine() -> int:
    return 1


def test_awaitability_is_decided_per_type() -> None:
    coroutine = _coroutine()
    assert is_awaitable(coroutine)
    coroutine.close()
    assert not is_awaitable(Item(1, 2, 3, 4, 5, 6))
    assert not is_awaitable({"__await__": 1})
    assert not is_awaitable(None)
