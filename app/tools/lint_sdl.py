"""The SDL lint behind `make check`: descriptions everywhere, and the API's naming rules.

Rules (the contract's conventions):
- every type, field, argument, enum value, input field and directive is described;
- type names are PascalCase, fields and arguments camelCase, enum values UPPER_SNAKE;
- input types end in `Input`, `Filter` or `Order`; an `XOrder` has `field: XOrderField!`
  and `direction: OrderDirection!`;
- a type implementing `Connection` is `XConnection` with `edges: [XEdge!]!` and
  `nodes: [X!]!`; a type implementing `Edge` is `XEdge` with `node: X!`;
- a field returning a connection takes `first`, `after`, `last`, `before`;
- a mutation `xVerb` takes one argument `input: XVerbInput!` and returns `XPayload`,
  `XVerbPayload` or `DeletePayload`.
"""

import re
import sys
from collections.abc import Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_specified_directive,
)

from app.graphql.schema import build_schema

PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")
UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9_]*$")
PAGE_ARGUMENTS = ("first", "after", "last", "before")


def _own_types(schema: GraphQLSchema) -> Iterator[GraphQLNamedType]:
    for name, graphql_type in sorted(schema.type_map.items()):
        if not name.startswith("__") and name not in ("String", "Int", "Float", "Boolean", "ID"):
            yield graphql_type


def _described(description: str | None) -> bool:
    return bool(description and description.strip())


def descriptions(schema: GraphQLSchema) -> list[str]:
    problems = []
    for directive in schema.directives:
        if not is_specified_directive(directive):
            if not _described(directive.description):
                problems.append(f"directive @{directive.name} has no description")
            for arg_name, arg in directive.args.items():
                if not _described(arg.description):
                    problems.append(f"@{directive.name}({arg_name}) has no description")
    for graphql_type in _own_types(schema):
        name = graphql_type.name
        if not _described(graphql_type.description):
            problems.append(f"type {name} has no description")
        if isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                if not _described(value.description):
                    problems.append(f"enum value {name}.{value_name} has no description")
        if isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                if not _described(input_field.description):
                    problems.append(f"input field {name}.{field_name} has no description")
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not _described(field.description):
                    problems.append(f"field {name}.{field_name} has no description")
                for arg_name, arg in field.args.items():
                    if not _described(arg.description):
                        problems.append(
                            f"argument {name}.{field_name}({arg_name}) has no description"
                        )
    return problems


def names(schema: GraphQLSchema) -> list[str]:
    problems = []
    connection = schema.get_type("Connection")
    edge = schema.get_type("Edge")
    for graphql_type in _own_types(schema):
        name = graphql_type.name
        if not PASCAL.match(name):
            problems.append(f"type {name} is not PascalCase")
        if isinstance(graphql_type, GraphQLEnumType):
            problems += [
                f"enum value {name}.{value} is not UPPER_SNAKE"
                for value in graphql_type.values
                if not UPPER_SNAKE.match(value)
            ]
        if isinstance(graphql_type, GraphQLInputObjectType):
            if not name.endswith(("Input", "Filter", "Order")):
                problems.append(f"input {name} does not end in Input, Filter or Order")
            if name.endswith("Order"):
                problems += _order_problems(graphql_type)
        if isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            problems += [
                f"field {name}.{field} is not camelCase"
                for field in graphql_type.fields
                if not CAMEL.match(field)
            ]
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                problems += [
                    f"argument {name}.{field_name}({arg}) is not camelCase"
                    for arg in field.args
                    if not CAMEL.match(arg)
                ]
                returned = get_named_type(field.type)
                if isinstance(returned, GraphQLObjectType) and connection in returned.interfaces:
                    missing = [arg for arg in PAGE_ARGUMENTS if arg not in field.args]
                    if missing:
                        problems.append(f"connection field {name}.{field_name} lacks {missing}")
        if isinstance(graphql_type, GraphQLObjectType):
            if connection in graphql_type.interfaces:
                problems += _connection_problems(graphql_type)
            if edge in graphql_type.interfaces:
                problems += _edge_problems(graphql_type)
    mutation = schema.mutation_type
    if mutation is not None:
        for field_name, field in mutation.fields.items():
            problems += _mutation_problems(field_name, field)
    return problems


def _type_string(field_type: object) -> str:
    return str(field_type)


def _order_problems(order: GraphQLInputObjectType) -> list[str]:
    stem = order.name.removesuffix("Order")
    expected = {"field": f"{stem}OrderField!", "direction": "OrderDirection!"}
    actual = {name: _type_string(field.type) for name, field in order.fields.items()}
    return [] if actual == expected else [f"input {order.name} should be {expected}, is {actual}"]


def _connection_problems(connection: GraphQLObjectType) -> list[str]:
    if not connection.name.endswith("Connection"):
        return [f"type {connection.name} implements Connection but is not named XConnection"]
    stem = connection.name.removesuffix("Connection")
    problems = []
    for field, expected in (("edges", f"[{stem}Edge!]!"), ("nodes", f"[{stem}!]!")):
        actual = _type_string(connection.fields[field].type) if field in connection.fields else None
        if actual != expected:
            problems.append(f"{connection.name}.{field} should be {expected}, is {actual}")
    return problems


def _edge_problems(edge: GraphQLObjectType) -> list[str]:
    if not edge.name.endswith("Edge"):
        return [f"type {edge.name} implements Edge but is not named XEdge"]
    expected = f"{edge.name.removesuffix('Edge')}!"
    actual = _type_string(edge.fields["node"].type) if "node" in edge.fields else None
    return [] if actual == expected else [f"{edge.name}.node should be {expected}, is {actual}"]


def _mutation_problems(name: str, field: GraphQLField) -> list[str]:
    args = field.args
    stem = name[0].upper() + name[1:]
    problems = []
    if list(args) != ["input"]:
        problems.append(f"mutation {name} should take exactly one argument, `input`")
    else:
        input_type = args["input"].type
        if not isinstance(input_type, GraphQLNonNull) or str(input_type) != f"{stem}Input!":
            problems.append(f"mutation {name}(input:) should be {stem}Input!, is {input_type}")
    returned = get_named_type(field.type)
    assert returned is not None
    verbs = re.match(r"^([a-z][a-zA-Z0-9]*?)([A-Z][a-z]+)$", name)
    entity = (verbs.group(1)[0].upper() + verbs.group(1)[1:]) if verbs else stem
    allowed = {f"{entity}Payload", f"{stem}Payload", "DeletePayload"}
    if returned.name not in allowed:
        problems.append(
            f"mutation {name} returns {returned.name}; expected one of {sorted(allowed)}"
        )
    return problems


def lint(schema: GraphQLSchema) -> list[str]:
    return descriptions(schema) + names(schema)


def main() -> int:
    problems = lint(build_schema())
    for problem in problems:
        print(f"lint_sdl: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("lint_sdl: every definition is described and named by the conventions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
