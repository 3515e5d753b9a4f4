"""graphql-core's executor with a short path for the fields that only read an attribute.

Most fields of a response are leaves that read one attribute of their parent (an
integration's `title`, an edge's `cursor`). graphql-core gives each one a resolve-info
object, an argument coercion, a resolver call and a completion pass with several type
checks; on a page of 20 integrations those leaves were about half of the request's
execution time. Here a leaf whose field has no arguments and no resolver of its own
(Ariadne's default or name-converting one) is read and serialized directly. Anything out
of the ordinary (a null for a non-null field, a value that does not serialize, a callable
attribute) takes graphql-core's own path, which reports it exactly as before.

`is_awaitable` is decided per type of value: graphql-core's default looks for an
`__await__` attribute on every value, and on a SQLModel row that miss goes through
pydantic's `__getattr__` and an exception.
"""

import asyncio
from collections.abc import Callable, Mapping
from inspect import CO_ITERABLE_COROUTINE
from types import GeneratorType
from typing import Any

from ariadne.resolvers import resolve_parent_field
from graphql import (
    ExecutionContext,
    GraphQLEnumType,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_non_null_type,
)
from graphql.execution.execute import default_field_resolver
from graphql.language import FieldNode
from graphql.pyutils import Path

_AWAITABLE_BY_TYPE: dict[type, bool] = {}


def is_awaitable(value: Any) -> bool:
    """Whether `value` can be awaited; decided once per type."""
    value_type = type(value)
    known = _AWAITABLE_BY_TYPE.get(value_type)
    if known is not None:
        return known
    if value_type is GeneratorType:  # a generator-based coroutine, or not: per value
        return bool(value.gi_code.co_flags & CO_ITERABLE_COROUTINE)
    # Looked up on the type: an instance's own `__getattr__` never decides.
    known = _AWAITABLE_BY_TYPE[value_type] = hasattr(value_type, "__await__")
    return known


class LeafAttribute:
    """The resolver of a leaf field that reads one attribute (or mapping key) of its
    parent, as Ariadne's default resolvers do, with what the executor's short path needs."""

    __slots__ = ("attribute", "non_null", "serialize")

    def __init__(self, attribute: str, *, non_null: bool, serialize: Callable[[Any], Any]) -> None:
        self.attribute = attribute
        self.non_null = non_null
        self.serialize = serialize

    def __call__(self, parent: Any, info: GraphQLResolveInfo, **kwargs: Any) -> Any:
        # Ariadne's default resolver: a callable attribute is called.
        value = resolve_parent_field(parent, self.attribute)
        if callable(value):
            return value(info, **kwargs)
        return value


def _attribute_read(field_name: str, field: GraphQLField) -> str | None:
    """The attribute a field's resolver reads, when it is one of Ariadne's defaults."""
    resolve = field.resolve
    if resolve is None or resolve is default_field_resolver:
        return field_name
    if getattr(resolve, "_ariadne_alias_resolver", False):
        # `resolve_to(attr_name)`, as `convert_names_case` sets it.
        cells = dict(zip(resolve.__code__.co_freevars, resolve.__closure__ or (), strict=True))
        attribute = cells.get("attr_name")
        if attribute is not None and isinstance(attribute.cell_contents, str):
            return attribute.cell_contents
    return None


def mark_leaf_attributes(schema: GraphQLSchema) -> None:
    """Give every argument-less leaf field that reads an attribute a `LeafAttribute`."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            leaf = get_named_type(field.type)
            if field.args or not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
                continue
            attribute = _attribute_read(field_name, field)
            if attribute is not None:
                field.resolve = LeafAttribute(
                    attribute, non_null=is_non_null_type(field.type), serialize=leaf.serialize
                )


_MAPPING_BY_TYPE: dict[type, bool] = {}
_SLOW_PATH = object()


def _read_leaf(resolve: LeafAttribute, source: Any, is_mapping: bool) -> Any:
    """The field's serialized value, or `_SLOW_PATH` when graphql-core must decide."""
    attribute = resolve.attribute
    value = source.get(attribute) if is_mapping else getattr(source, attribute, None)
    if value is None:
        return _SLOW_PATH if resolve.non_null else None
    if callable(value):
        return _SLOW_PATH
    try:
        serialized = resolve.serialize(value)
    except Exception:  # reported by graphql-core's own path
        return _SLOW_PATH
    if serialized is None or serialized is Undefined:
        return _SLOW_PATH
    return serialized


class FieldExecutionContext(ExecutionContext):
    """graphql-core's execution, with the short path for `LeafAttribute` fields."""

    is_awaitable = staticmethod(is_awaitable)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict[str, list[FieldNode]],
    ) -> Any:
        # graphql-core's `execute_fields`, with leaves read in place: no resolve info,
        # path entry, resolver call or completion pass for them.
        source_type = type(source_value)
        is_mapping = _MAPPING_BY_TYPE.get(source_type)
        if is_mapping is None:
            is_mapping = _MAPPING_BY_TYPE[source_type] = issubclass(source_type, Mapping)
        type_fields = parent_type.fields
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        for response_name, field_nodes in fields.items():
            field = type_fields.get(field_nodes[0].name.value)
            if field is not None and type(field.resolve) is LeafAttribute:
                value = _read_leaf(field.resolve, source_value, is_mapping)
                if value is not _SLOW_PATH:
                    results[response_name] = value
                    continue
            field_path = Path(path, response_name, parent_type.name)
            result = self.execute_field(parent_type, source_value, field_nodes, field_path)
            if result is not Undefined:
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            awaited = await asyncio.gather(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()
