"""Implementations of the SDL's custom directives."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from ariadne import SchemaDirectiveVisitor
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    default_field_resolver,
)

from app.graphql.core.text import trim


def _trimmed(value: Any) -> Any:
    return trim(value) if isinstance(value, str) else value


class TrimDirective(SchemaDirectiveVisitor):
    """`@trim`: strips white space from a string input before any resolver sees it.

    Input fields are trimmed in their input type's `out_type`, which graphql-core calls
    once the field values are coerced; arguments are trimmed around the field resolver.
    """

    def visit_input_field_definition(
        self, field: GraphQLInputField, object_type: GraphQLInputObjectType
    ) -> GraphQLInputField:
        name = next(name for name, candidate in object_type.fields.items() if candidate is field)
        key = field.out_name or name
        convert: Callable[[dict[str, Any]], Any] = object_type.out_type

        def trim_then_convert(value: dict[str, Any]) -> Any:
            if isinstance(value.get(key), str):
                value = {**value, key: trim(value[key])}
            return convert(value)

        object_type.out_type = trim_then_convert  # type: ignore[method-assign]
        return field

    def visit_argument_definition(
        self,
        argument: GraphQLArgument,
        field: GraphQLField,
        object_type: GraphQLObjectType | GraphQLInterfaceType,
    ) -> GraphQLArgument:
        name = next(name for name, candidate in field.args.items() if candidate is argument)
        key = argument.out_name or name
        resolve = field.resolve or default_field_resolver

        @wraps(resolve)
        def resolve_trimmed(source: Any, info: Any, **kwargs: Any) -> Any:
            if key in kwargs:
                kwargs[key] = _trimmed(kwargs[key])
            return resolve(source, info, **kwargs)

        field.resolve = resolve_trimmed
        return argument


# SchemaDirectiveVisitor is abstract to the type checker, hence the cast.
DIRECTIVES = cast(dict[str, type[SchemaDirectiveVisitor]], {"trim": TrimDirective})
