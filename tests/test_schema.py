"""The executable schema against the contract's section 2, type by type and field by field.

`CONTRACT_TYPES` is section 2's code block of `contract.md` as written there, only wrapped
at white space to fit the line length; `test_transcription_matches_the_contract` checks
that it still says what the contract says. The block is close to SDL: the lines
`Query.x(...): T` and `Mutation.x(...): T` are gathered into `type Query`/`type Mutation`
and the rest is SDL as it stands.
"""

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from ariadne import QueryType, make_executable_schema
from graphql import (
    DirectiveLocation,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    assert_valid_schema,
    ast_from_value,
    build_client_schema,
    get_introspection_query,
    graphql,
    is_introspection_type,
    is_specified_directive,
    print_ast,
    print_schema,
)
from graphql import build_schema as build_sdl_schema

from app.graphql.core.directives import DIRECTIVES
from app.graphql.schema import build_schema
from tests.conftest import Service

CONTRACT_TYPES = """
interface Node      { id: ID! }
interface Titled    { title: String! }
interface Versioned { version: Int! }
interface Actor implements Node & Titled { id: ID!  title: String! }
interface Edge      { cursor: String! }
interface Connection { pageInfo: PageInfo!  total: CountInfo }

type PageInfo  { hasNextPage: Boolean!  hasPreviousPage: Boolean!  startCursor: String
  endCursor: String }
type CountInfo { count: Int!  precision: CountPrecision! }
enum CountPrecision { EXACT  APPROXIMATE  AT_LEAST }
enum OrderDirection { ASC  DESC }
type DeletePayload { deletedId: ID! }

type Integration implements Actor & Node & Versioned & Titled {
  id: ID!  version: Int!  title: String!  organization: Organization!
  credentialRef: String  isActive: Boolean!
}
type IntegrationConnection implements Connection {
  edges: [IntegrationEdge!]!  nodes: [Integration!]!  pageInfo: PageInfo!  total: CountInfo
}
type IntegrationEdge implements Edge { cursor: String!  node: Integration! }
type IntegrationPayload { integration: Integration! }
input IntegrationFilter { isActive: Boolean }
input IntegrationOrder  { field: IntegrationOrderField!  direction: OrderDirection! }
enum  IntegrationOrderField { TITLE }
input IntegrationCreateInput { organizationId: ID!  title: String! @trim
  credentialRef: String @trim }
input IntegrationUpdateInput { id: ID!  version: Int!  title: String @trim
  credentialRef: String @trim  isActive: Boolean }
input IntegrationDeleteInput { id: ID!  version: Int! }

Query.integration(id: ID!): Integration
Query.integrations(organizationId: ID!, filter: IntegrationFilter, first: Int, after: String,
                   last: Int, before: String,
                   orderBy: IntegrationOrder = { field: TITLE, direction: ASC }):
  IntegrationConnection!
Mutation.integrationCreate(input: IntegrationCreateInput!): IntegrationPayload
Mutation.integrationUpdate(input: IntegrationUpdateInput!): IntegrationPayload
Mutation.integrationDelete(input: IntegrationDeleteInput!): DeletePayload

type Organization implements Node & Versioned & Titled {
  id: ID!  version: Int!  title: String!  externalId: String  isActive: Boolean!
  features: [OrganizationFeature!]!  parent: Organization
  children(filter: OrganizationChildrenFilter, first: Int, after: String, last: Int,
           before: String,
           orderBy: OrganizationOrder = { field: TITLE, direction: ASC }):
    OrganizationConnection!
}
enum  OrganizationFeature { DEALER  WHITELABEL }
type  OrganizationConnection implements Connection { edges: [OrganizationEdge!]!
  nodes: [Organization!]!  pageInfo: PageInfo!  total: CountInfo }
type  OrganizationEdge implements Edge { cursor: String!  node: Organization! }
type  OrganizationPayload { organization: Organization! }
input OrganizationFilter { parentIds: [ID!]  isActive: Boolean }
input OrganizationChildrenFilter { isActive: Boolean  titleContains: String @trim }
input OrganizationOrder { field: OrganizationOrderField!  direction: OrderDirection! }
enum  OrganizationOrderField { TITLE }
input OrganizationCreateInput { parentId: ID  title: String! @trim  externalId: String @trim
  features: [OrganizationFeature!] }
input OrganizationUpdateInput { id: ID!  version: Int!  title: String @trim
  externalId: String @trim  isActive: Boolean  features: [OrganizationFeature!] }
input OrganizationDeleteInput { id: ID!  version: Int! }

Query.organization(id: ID!): Organization
Query.organizations(filter: OrganizationFilter, first: Int, after: String, last: Int,
                    before: String,
                    orderBy: OrganizationOrder = { field: TITLE, direction: ASC }):
  OrganizationConnection!
Query.node(id: ID!): Node
Query.nodes(ids: [ID!]!): [Node]!          # same order as the input ids, null where none
Mutation.organizationCreate(input: OrganizationCreateInput!): OrganizationPayload
Mutation.organizationUpdate(input: OrganizationUpdateInput!): OrganizationPayload
Mutation.organizationDelete(input: OrganizationDeleteInput!): DeletePayload

directive @trim on INPUT_FIELD_DEFINITION | ARGUMENT_DEFINITION
  # strips leading/trailing white space
"""

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "shared" / "spec" / "contract.md"

ROOT_FIELD = re.compile(r"^(Query|Mutation)\.(\w+)", re.MULTILINE)
RETURN_TYPE = re.compile(r"\s*:\s*([\w\[\]!]+)")


def _closing_parenthesis(text: str, start: int) -> int:
    """The index just past the parenthesis that closes the one at `start`."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    raise ValueError(f"unbalanced parentheses from {start}")


def contract_sdl(block: str) -> str:
    """The contract's block as SDL: its root-field lines gathered into root types."""
    text = re.sub(r"#[^\n]*", "", block)
    root_fields: dict[str, list[str]] = {"Query": [], "Mutation": []}
    kept: list[str] = []
    position = 0
    for match in ROOT_FIELD.finditer(text):
        kept.append(text[position : match.start()])
        end = match.end()
        if text.startswith("(", end):
            end = _closing_parenthesis(text, end)
        returns = RETURN_TYPE.match(text, end)
        if returns is None:
            raise ValueError(f"no return type after {text[match.start() : end]!r}")
        signature = " ".join(text[match.end() : end].split())
        root_fields[match.group(1)].append(f"{match.group(2)}{signature}: {returns.group(1)}")
        position = returns.end()
    kept.append(text[position:])
    roots = "".join(
        f"type {name} {{\n  " + "\n  ".join(fields) + "\n}\n"
        for name, fields in root_fields.items()
    )
    return "".join(kept) + roots


EXPECTED = build_sdl_schema(contract_sdl(CONTRACT_TYPES))
ACTUAL = build_schema()

# What later issues add beyond section 2 (the access domain, `schema/access.graphql`, of
# the security issue): its own types, and its fields on the contract's types. Everything
# else must be exactly the contract's.
ADDED_TYPES = {
    "IntegrationKey",
    "IntegrationKeyCreateInput",
    "IntegrationKeyCreatePayload",
    "IntegrationKeyPayload",
    "IntegrationKeyRevokeInput",
}
ADDED_FIELDS = {
    "Query": {"me"},
    "Mutation": {"integrationKeyCreate", "integrationKeyRevoke"},
    "Integration": {"keys"},
}


# --- describing a schema in comparable terms -------------------------------------------


def _default(value: GraphQLArgument | GraphQLInputField) -> str | None:
    if value.default_value is Undefined:
        return None
    node = ast_from_value(value.default_value, value.type)
    assert node is not None, value
    return print_ast(node)


def _directives(value: GraphQLArgument | GraphQLInputField) -> list[str]:
    node = value.ast_node
    return sorted(directive.name.value for directive in node.directives or ()) if node else []


def _input_value(value: GraphQLArgument | GraphQLInputField) -> dict[str, Any]:
    return {"type": str(value.type), "default": _default(value), "directives": _directives(value)}


def describe(named: GraphQLNamedType) -> dict[str, Any]:
    """What the contract fixes about a type: kind, interfaces, fields with their types,
    arguments and defaults, enum values, input fields."""
    description: dict[str, Any] = {"kind": type(named).__name__}
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        description["interfaces"] = sorted(interface.name for interface in named.interfaces)
        description["fields"] = {
            name: {
                "type": str(field.type),
                "args": {arg: _input_value(value) for arg, value in field.args.items()},
            }
            for name, field in named.fields.items()
        }
    elif isinstance(named, GraphQLInputObjectType):
        description["fields"] = {name: _input_value(field) for name, field in named.fields.items()}
    elif isinstance(named, GraphQLEnumType):
        description["values"] = sorted(named.values)
    return description


def named_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {
        name: named for name, named in schema.type_map.items() if not is_introspection_type(named)
    }


def custom_directives(schema: GraphQLSchema) -> dict[str, dict[str, Any]]:
    return {
        directive.name: {
            "locations": sorted(location.name for location in directive.locations),
            "args": {name: _input_value(arg) for name, arg in directive.args.items()},
            "repeatable": directive.is_repeatable,
        }
        for directive in schema.directives
        if not is_specified_directive(directive)
    }


# --- the transcription and its parsing ---------------------------------------------------


def test_transcription_matches_the_contract() -> None:
    if not CONTRACT_PATH.is_file():
        pytest.skip(f"{CONTRACT_PATH} is not present")
    text = CONTRACT_PATH.read_text(encoding="utf-8")
    section = text[text.index("## 2.") : text.index("## 3.")]
    block = re.search(r"```[^\n]*\n(.*?)```", section, re.DOTALL)
    assert block is not None
    assert block.group(1).split() == CONTRACT_TYPES.split()


def test_the_contract_block_parses_into_the_whole_surface() -> None:
    assert_valid_schema(EXPECTED)
    assert EXPECTED.query_type is not None
    assert EXPECTED.mutation_type is not None
    assert sorted(EXPECTED.query_type.fields) == [
        "integration",
        "integrations",
        "node",
        "nodes",
        "organization",
        "organizations",
    ]
    assert sorted(EXPECTED.mutation_type.fields) == sorted(
        f"{entity}{action}"
        for entity in ("integration", "organization")
        for action in ("Create", "Update", "Delete")
    )
    integrations = EXPECTED.query_type.fields["integrations"]
    assert _input_value(integrations.args["orderBy"])["default"] == "{field: TITLE, direction: ASC}"
    assert len(named_types(EXPECTED)) == 39


# --- the schema against the contract ------------------------------------------------------


def test_same_types() -> None:
    assert sorted(named_types(ACTUAL)) == sorted({*named_types(EXPECTED), *ADDED_TYPES})


def test_root_types() -> None:
    assert ACTUAL.query_type is not None
    assert ACTUAL.query_type.name == "Query"
    assert ACTUAL.mutation_type is not None
    assert ACTUAL.mutation_type.name == "Mutation"
    assert ACTUAL.subscription_type is None


@pytest.mark.parametrize("name", sorted(named_types(EXPECTED)))
def test_type_matches_the_contract(name: str) -> None:
    actual = ACTUAL.get_type(name)
    assert actual is not None, f"{name} is missing"
    described = describe(actual)
    added = ADDED_FIELDS.get(name, set())
    assert added <= set(described.get("fields", {})), f"{name} lacks {added}"
    if added:
        described["fields"] = {k: v for k, v in described["fields"].items() if k not in added}
    assert described == describe(named_types(EXPECTED)[name])


def test_argument_defaults_are_the_contracts() -> None:
    defaults = {
        f"{type_name}.{field_name}({arg_name})": _default(arg)
        for type_name, named in named_types(ACTUAL).items()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        for field_name, field in named.fields.items()
        for arg_name, arg in field.args.items()
        if arg.default_value is not Undefined
    }
    order = "{field: TITLE, direction: ASC}"
    assert defaults == {
        "Query.integrations(orderBy)": order,
        "Query.organizations(orderBy)": order,
        "Organization.children(orderBy)": order,
    }


def test_interfaces_implemented() -> None:
    implemented = {
        name: sorted(interface.name for interface in named.interfaces)
        for name, named in named_types(ACTUAL).items()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and named.interfaces
    }
    assert implemented == {
        "Actor": ["Node", "Titled"],
        "Integration": ["Actor", "Node", "Titled", "Versioned"],
        "Organization": ["Node", "Titled", "Versioned"],
        "IntegrationConnection": ["Connection"],
        "OrganizationConnection": ["Connection"],
        "IntegrationEdge": ["Edge"],
        "OrganizationEdge": ["Edge"],
        "IntegrationKey": ["Node"],
    }


def test_enum_values() -> None:
    enums = {
        name: list(named.values)
        for name, named in named_types(ACTUAL).items()
        if isinstance(named, GraphQLEnumType)
    }
    assert enums == {
        "CountPrecision": ["EXACT", "APPROXIMATE", "AT_LEAST"],
        "OrderDirection": ["ASC", "DESC"],
        "IntegrationOrderField": ["TITLE"],
        "OrganizationFeature": ["DEALER", "WHITELABEL"],
        "OrganizationOrderField": ["TITLE"],
    }


def test_only_the_standard_scalars() -> None:
    scalars = sorted(
        name for name, named in named_types(ACTUAL).items() if isinstance(named, GraphQLScalarType)
    )
    assert scalars == ["Boolean", "ID", "Int", "String"]


def test_trimmed_inputs_are_the_contracts() -> None:
    trimmed = sorted(
        f"{name}.{field_name}"
        for name, named in named_types(ACTUAL).items()
        if isinstance(named, GraphQLInputObjectType)
        for field_name, field in named.fields.items()
        if "trim" in _directives(field)
    )
    assert trimmed == [
        "IntegrationCreateInput.credentialRef",
        "IntegrationCreateInput.title",
        "IntegrationKeyCreateInput.label",
        "IntegrationUpdateInput.credentialRef",
        "IntegrationUpdateInput.title",
        "OrganizationChildrenFilter.titleContains",
        "OrganizationCreateInput.externalId",
        "OrganizationCreateInput.title",
        "OrganizationUpdateInput.externalId",
        "OrganizationUpdateInput.title",
    ]


# --- descriptions --------------------------------------------------------------------------


def _described(description: str | None) -> bool:
    return bool(description and description.strip())


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument, enum value, input field and custom directive of the
    schema that has no description."""
    missing: list[str] = []
    for name, named in named_types(schema).items():
        if not _described(named.description):
            missing.append(name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                if not _described(field.description):
                    missing.append(f"{name}.{field_name}")
                missing.extend(
                    f"{name}.{field_name}({arg_name})"
                    for arg_name, arg in field.args.items()
                    if not _described(arg.description)
                )
        elif isinstance(named, GraphQLInputObjectType):
            missing.extend(
                f"{name}.{field_name}"
                for field_name, field in named.fields.items()
                if not _described(field.description)
            )
        elif isinstance(named, GraphQLEnumType):
            missing.extend(
                f"{name}.{value_name}"
                for value_name, value in named.values.items()
                if not _described(value.description)
            )
    for directive in schema.directives:
        if is_specified_directive(directive):
            continue
        if not _described(directive.description):
            missing.append(f"@{directive.name}")
        missing.extend(
            f"@{directive.name}({arg_name})"
            for arg_name, arg in directive.args.items()
            if not _described(arg.description)
        )
    return missing


def test_everything_is_described() -> None:
    assert undescribed(ACTUAL) == []


def test_the_description_check_sees_what_is_missing() -> None:
    bare = build_sdl_schema(
        '"Q" type Query { "f" f(a: Int): E  g: Int } enum E { "X" X  Y } '
        '"I" input In { x: Int } "The directive" directive @d on FIELD_DEFINITION'
    )
    assert sorted(undescribed(bare)) == ["E", "E.Y", "In.x", "Query.f(a)", "Query.g"]


# --- @trim ----------------------------------------------------------------------------------


def test_trim_directive() -> None:
    assert custom_directives(ACTUAL) == {
        "trim": {
            "locations": sorted(["INPUT_FIELD_DEFINITION", "ARGUMENT_DEFINITION"]),
            "args": {},
            "repeatable": False,
        }
    }
    assert custom_directives(ACTUAL) == custom_directives(EXPECTED)
    trim = ACTUAL.get_directive("trim")
    assert trim is not None
    assert set(trim.locations) == {
        DirectiveLocation.INPUT_FIELD_DEFINITION,
        DirectiveLocation.ARGUMENT_DEFINITION,
    }


TRIM_SDL = """
directive @trim on INPUT_FIELD_DEFINITION | ARGUMENT_DEFINITION
input Text { value: String @trim  kept: String }
type Query {
  argument(value: String @trim, kept: String): [String]
  input(text: Text): [String]
}
"""


def _trim_schema() -> GraphQLSchema:
    query = QueryType()

    @query.field("argument")
    def resolve_argument(
        _root: Any, _info: GraphQLResolveInfo, value: str | None = None, kept: str | None = None
    ) -> list[str | None]:
        return [value, kept]

    @query.field("input")
    def resolve_input(
        _root: Any, _info: GraphQLResolveInfo, text: dict[str, Any]
    ) -> list[str | None]:
        return [text.get("value"), text.get("kept")]

    return make_executable_schema(TRIM_SDL, query, directives=DIRECTIVES)


@pytest.mark.parametrize(
    ("raw", "trimmed"),
    [
        ("  plain  ", "plain"),
        ("\t\n\r x y \n", "x y"),
        ("\u00a0\u2003\u3000wide\u2028\u2029\u0085", "wide"),
        ("untouched", "untouched"),
        ("\u200bzero width\u200b", "\u200bzero width\u200b"),
        ("\x1fseparator\x1c", "\x1fseparator\x1c"),
        ("   ", ""),
    ],
)
def test_trim_strips_arguments_and_input_fields(raw: str, trimmed: str) -> None:
    schema = _trim_schema()
    result = asyncio.run(
        graphql(
            schema,
            "query($v: String, $t: Text) { argument(value: $v, kept: $v) input(text: $t) }",
            variable_values={"v": raw, "t": {"value": raw, "kept": raw}},
        )
    )
    assert result.errors is None, result.errors
    assert result.data == {"argument": [trimmed, raw], "input": [trimmed, raw]}


# --- the schema served over HTTP --------------------------------------------------------


def test_introspection_over_http_answers_the_built_schema(service: Service) -> None:
    response = service.post({"query": get_introspection_query(descriptions=True)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    served = build_client_schema(body["data"])
    assert print_schema(served) == print_schema(ACTUAL)
    assert undescribed(served) == []
