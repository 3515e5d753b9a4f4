"""Proves that the SDL and the resolvers agree.

Every field of every object type must resolve: either a bindable sets a resolver for
it, or its type is bound by a `SourcedObjectType` whose source class has the field's
snake_case attribute. Every interface that a field returns needs a type resolver.
(A resolver bound to a name the SDL lacks already fails `build_schema`.)
"""

import dataclasses
from collections.abc import Iterable
from typing import Any

from ariadne import InterfaceType, ObjectType, SchemaBindable, convert_camel_case_to_snake
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, get_named_type

from app.graphql.core.bindables import SourcedObjectType


def _has_attribute(source: type[Any], name: str) -> bool:
    if name in getattr(source, "model_fields", {}):
        return True
    if dataclasses.is_dataclass(source) and name in {f.name for f in dataclasses.fields(source)}:
        return True
    return hasattr(source, name)


def unresolvable(schema: GraphQLSchema, bindables: Iterable[SchemaBindable | Any]) -> list[str]:
    """Descriptions of every field and interface of `schema` that cannot resolve."""
    resolvers: dict[str, set[str]] = {}
    sources: dict[str, type[Any]] = {}
    type_resolved: set[str] = set()
    for bindable in bindables:
        if isinstance(bindable, ObjectType):
            resolvers.setdefault(bindable.name, set()).update(bindable._resolvers)
        if isinstance(bindable, SourcedObjectType):
            sources[bindable.name] = bindable.source
        if isinstance(bindable, InterfaceType):
            type_resolved.add(bindable.name)

    problems: list[str] = []
    returned_interfaces: set[str] = set()
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        source = sources.get(type_name)
        for field_name, field in graphql_type.fields.items():
            named = get_named_type(field.type)
            if isinstance(named, GraphQLInterfaceType):
                returned_interfaces.add(named.name)
            if field_name in resolvers.get(type_name, set()):
                continue
            attribute = convert_camel_case_to_snake(field_name)
            if source is None:
                problems.append(
                    f"{type_name}.{field_name}: no resolver, and no SourcedObjectType names "
                    f"the class {type_name} resolves from"
                )
            elif not _has_attribute(source, attribute):
                problems.append(
                    f"{type_name}.{field_name}: no resolver, and {source.__name__} has no "
                    f"attribute `{attribute}`"
                )
    for interface in sorted(returned_interfaces - type_resolved):
        problems.append(f"interface {interface} is returned by a field but has no type resolver")
    return problems
