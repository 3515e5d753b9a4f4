"""The executable schema: the SDL in `schema/`, bound to every domain's resolvers."""

from enum import Enum
from typing import Any

from ariadne import SchemaBindable, load_schema_from_path, make_executable_schema
from graphql import GraphQLEnumType, GraphQLSchema

from app.graphql import access, common, integrations, organizations
from app.graphql.core.directives import DIRECTIVES
from app.graphql.core.execution import mark_short_paths
from app.settings import PROJECT_ROOT
from generated import enums

SCHEMA_DIR = PROJECT_ROOT / "schema"

# The generated enums bind to the SDL's enums of the same name.
ENUMS: list[type[Enum]] = [
    enums.CountPrecision,
    enums.OrderDirection,
    enums.IntegrationOrderField,
    enums.OrganizationFeature,
    enums.OrganizationOrderField,
]

BINDABLES: list[SchemaBindable | type[Enum]] = [
    *common.bindables,
    *organizations.bindables,
    *integrations.bindables,
    *access.bindables,
    *ENUMS,
]


def build_schema() -> GraphQLSchema:
    schema = make_executable_schema(
        load_schema_from_path(SCHEMA_DIR),
        BINDABLES,
        directives=DIRECTIVES,
        convert_names_case=True,
    )
    _restore_enum_parse_value(schema)
    mark_short_paths(schema)
    return schema


def _restore_enum_parse_value(schema: GraphQLSchema) -> None:
    """Make enum variables work again.

    Ariadne 1.1.1 replaces every enum's `parse_value` with a one-argument function (so
    that already-converted defaults pass through), while graphql-core 3.2.14 calls it
    with two, failing every enum-typed variable. This keeps Ariadne's pass-through and
    graphql-core's signature.
    """
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLEnumType):
            continue

        def parse_value(
            input_value: Any,
            hide_suggestions: bool = False,
            enum_type: GraphQLEnumType = graphql_type,
        ) -> Any:
            if isinstance(input_value, Enum) and input_value in enum_type._value_lookup:
                return input_value
            return GraphQLEnumType.parse_value(enum_type, input_value, hide_suggestions)

        graphql_type.parse_value = parse_value  # type: ignore[method-assign]
