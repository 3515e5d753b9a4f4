"""Finding every connection of an executable schema, and everything fuzzing it needs.

A connection is any field whose type implements the `Connection` interface and that
takes `first`, `after`, `last` and `before`. From the schema alone discovery derives:

- how to reach it: a field of `Query`, or a field of a type implementing `Node`, read
  through `node(id:)`;
- its node type (the type of `edges.node`) and the node fields to select: every leaf
  field, and every field whose type implements `Node` as `{ id }` (a link);
- the arguments it requires (`organizationId: ID!`);
- its filter argument (an input object that is not an ordering) and what each filter
  field means, by convention: `x` filters on equality with the node field `x`,
  `xContains` on case- and accent-insensitive containment in the string field `x`,
  `xIds` on the ID of the linked node `x` being any of the list, `xIn` on the value of
  `x` being any of the list; `@trim` on a field means its value is trimmed;
- its ordering argument (an input object of an enum field and an `ASC`/`DESC`
  direction enum), the enum values and the SDL's default ordering;
- the node type's mutations, by convention `<node>Create`, `<node>Update` and
  `<node>Delete`, each taking `input`: the create input's links (an `xId` field for a
  node field `x` that implements `Node`) say which list an item lands in.

What discovery cannot derive it names in `problems`; a registry entry
(`app.fuzzing.registry`) can supply it.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graphql import (
    EnumValueNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    ObjectValueNode,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)

PAGE_ARGUMENTS = ("first", "after", "last", "before")
CONNECTION_INTERFACE = "Connection"
NODE_INTERFACE = "Node"
DIRECTIONS = frozenset({"ASC", "DESC"})


class FilterKind(StrEnum):
    EQUALS = "equals"
    CONTAINS = "contains"
    ANY_OF = "any_of"
    ANY_OF_IDS = "any_of_ids"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Argument:
    name: str
    type: str
    """The SDL spelling, such as `ID!` or `[ID!]`."""
    named_type: str
    required: bool


@dataclass(frozen=True)
class FilterField:
    name: str
    type: str
    named_type: str
    is_list: bool
    kind: FilterKind
    node_field: str | None
    """The node field the filter field reads (None when unsupported)."""
    trimmed: bool
    """The SDL marks the field `@trim`."""


@dataclass(frozen=True)
class FilterInput:
    argument: str
    type: str
    fields: tuple[FilterField, ...]


@dataclass(frozen=True)
class OrderInput:
    argument: str
    type: str
    field_key: str
    """The input field holding the enum of orderings (`field`)."""
    direction_key: str
    """The input field holding the direction (`direction`)."""
    values: tuple[str, ...]
    """The enum values of `field_key` (`TITLE`)."""
    default: tuple[str, str] | None
    """The SDL default of the argument, as (value, direction)."""


@dataclass(frozen=True)
class NodeField:
    name: str
    named_type: str
    link: bool
    """The field's type implements `Node`: it is selected as `{ id }`."""


@dataclass(frozen=True)
class InputLink:
    """A create-input field naming another node: `parentId` for the node field `parent`."""

    field: str
    node_field: str
    target: str
    required: bool


@dataclass(frozen=True)
class Mutations:
    """The create, update and delete mutations of a node type, by convention."""

    node_type: str
    create: str
    create_input: str
    create_payload_field: str
    update: str | None
    update_input: str | None
    update_payload_field: str | None
    delete: str | None
    delete_input: str | None
    delete_payload_fields: tuple[str, ...]
    """The leaf fields of the delete payload (`deletedId`)."""
    links: tuple[InputLink, ...]
    required_inputs: tuple[Argument, ...]
    """Required create-input fields other than links (`title`)."""
    update_fields: tuple[Argument, ...]
    """Update-input fields that set a node field of the same name and type."""


@dataclass(frozen=True)
class ConnectionField:
    parent_type: str
    field: str
    connection_type: str
    edge_type: str
    node_type: str
    root: bool
    """A field of `Query`; otherwise reached through `node(id:)` on its parent."""
    required: tuple[Argument, ...]
    filter: FilterInput | None
    order: OrderInput | None
    node_fields: tuple[NodeField, ...]
    argument_types: tuple[tuple[str, str], ...]
    """Every argument of the field with its SDL type, in SDL order."""
    has_nodes: bool
    has_total: bool
    problems: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.parent_type}.{self.field}"

    def __str__(self) -> str:
        return self.key


def type_spelling(graphql_type: Any) -> str:
    """`ID!`, `[ID!]`, ... as the SDL spells a type."""
    if is_non_null_type(graphql_type):
        return type_spelling(graphql_type.of_type) + "!"
    if is_list_type(graphql_type):
        return "[" + type_spelling(graphql_type.of_type) + "]"
    name: str = graphql_type.name
    return name


def _unwrapped_is_list(graphql_type: Any) -> bool:
    if is_non_null_type(graphql_type):
        graphql_type = graphql_type.of_type
    return is_list_type(graphql_type)


def implements(graphql_type: GraphQLNamedType, interface: str) -> bool:
    if not isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
        return False
    return any(candidate.name == interface for candidate in graphql_type.interfaces)


def _has_directive(field: GraphQLInputField, name: str) -> bool:
    node = field.ast_node
    return node is not None and any(d.name.value == name for d in node.directives or ())


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _enum_values(graphql_type: GraphQLNamedType) -> tuple[str, ...]:
    if not isinstance(graphql_type, GraphQLEnumType):
        return ()
    return tuple(graphql_type.values)


# --- node types ---------------------------------------------------------------------------


def node_fields(schema: GraphQLSchema, node_type: str) -> tuple[NodeField, ...]:
    """The fields a page selects of each node: leaves, and links as `{ id }`."""
    graphql_type = schema.get_type(node_type)
    assert isinstance(graphql_type, GraphQLObjectType), node_type
    chosen: list[NodeField] = []
    for name, field in graphql_type.fields.items():
        if any(is_non_null_type(argument.type) for argument in field.args.values()):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            chosen.append(NodeField(name, named.name, link=False))
        elif implements(named, NODE_INTERFACE) and not _unwrapped_is_list(field.type):
            chosen.append(NodeField(name, named.name, link=True))
    return tuple(chosen)


def _node_field_map(schema: GraphQLSchema, node_type: str) -> dict[str, GraphQLField]:
    graphql_type = schema.get_type(node_type)
    assert isinstance(graphql_type, GraphQLObjectType), node_type
    return dict(graphql_type.fields)


# --- arguments ------------------------------------------------------------------------------


def _filter_field(
    schema: GraphQLSchema, node_type: str, name: str, field: GraphQLInputField
) -> FilterField:
    named = get_named_type(field.type)
    is_list = _unwrapped_is_list(field.type)
    nodes = _node_field_map(schema, node_type)
    kind, node_field = FilterKind.UNSUPPORTED, None

    def node_named(field_name: str) -> str | None:
        candidate = nodes.get(field_name)
        return None if candidate is None else get_named_type(candidate.type).name

    if not is_list and node_named(name) == named.name and is_leaf_type(named):
        kind, node_field = FilterKind.EQUALS, name
    elif not is_list and name.endswith("Contains") and named.name == "String":
        base = name.removesuffix("Contains")
        if node_named(base) == "String":
            kind, node_field = FilterKind.CONTAINS, base
    elif is_list and name.endswith("Ids") and named.name == "ID":
        base = name.removesuffix("Ids")
        target = schema.get_type(node_named(base) or "")
        if target is not None and implements(target, NODE_INTERFACE):
            kind, node_field = FilterKind.ANY_OF_IDS, base
    elif is_list and name.endswith("In"):
        base = name.removesuffix("In")
        if node_named(base) == named.name and is_leaf_type(named):
            kind, node_field = FilterKind.ANY_OF, base
    return FilterField(
        name=name,
        type=type_spelling(field.type),
        named_type=named.name,
        is_list=is_list,
        kind=kind,
        node_field=node_field,
        trimmed=_has_directive(field, "trim"),
    )


def _order_input(
    argument_name: str, input_type: GraphQLInputObjectType, default: Any
) -> OrderInput | None:
    """The ordering read from an input of an enum field and an ASC/DESC direction."""
    direction_key = field_key = None
    values: tuple[str, ...] = ()
    for name, field in input_type.fields.items():
        enum_values = _enum_values(get_named_type(field.type))
        if not enum_values:
            return None
        if set(enum_values) == DIRECTIONS:
            direction_key = name
        else:
            field_key, values = name, enum_values
    if direction_key is None or field_key is None or len(input_type.fields) != 2:
        return None
    default_order: tuple[str, str] | None = None
    if isinstance(default, ObjectValueNode):
        given = {
            field.name.value: field.value.value
            for field in default.fields
            if isinstance(field.value, EnumValueNode)
        }
        if field_key in given and direction_key in given:
            default_order = (given[field_key], given[direction_key])
    return OrderInput(
        argument=argument_name,
        type=input_type.name,
        field_key=field_key,
        direction_key=direction_key,
        values=values,
        default=default_order,
    )


# --- connections ----------------------------------------------------------------------------


def _is_connection(schema: GraphQLSchema, field: GraphQLField) -> bool:
    named = get_named_type(field.type)
    return implements(named, CONNECTION_INTERFACE) and all(
        name in field.args for name in PAGE_ARGUMENTS
    )


def _connection_field(
    schema: GraphQLSchema, parent: GraphQLObjectType, name: str, field: GraphQLField
) -> ConnectionField:
    problems: list[str] = []
    connection = get_named_type(field.type)
    assert isinstance(connection, GraphQLObjectType)
    edges = connection.fields.get("edges")
    edge_type = get_named_type(edges.type) if edges is not None else None
    node_type = ""
    if isinstance(edge_type, GraphQLObjectType) and "node" in edge_type.fields:
        node_type = get_named_type(edge_type.fields["node"].type).name
    else:
        problems.append(f"{connection.name} has no `edges {{ node }}`")
    query_type = schema.query_type
    root = query_type is not None and parent.name == query_type.name
    if not root:
        node_field = query_type.fields.get("node") if query_type is not None else None
        if not implements(parent, NODE_INTERFACE) or node_field is None:
            problems.append(f"{parent.name} is not reachable through `node(id:)`")

    required: list[Argument] = []
    filter_input: FilterInput | None = None
    order_input: OrderInput | None = None
    for argument_name, argument in field.args.items():
        if argument_name in PAGE_ARGUMENTS:
            continue
        named = get_named_type(argument.type)
        if isinstance(named, GraphQLInputObjectType) and not _unwrapped_is_list(argument.type):
            default = argument.ast_node.default_value if argument.ast_node else None
            order = _order_input(argument_name, named, default)
            if order is not None and order_input is None:
                order_input = order
                continue
            if filter_input is None and node_type:
                fields = tuple(
                    _filter_field(schema, node_type, input_name, input_field)
                    for input_name, input_field in named.fields.items()
                )
                filter_input = FilterInput(argument_name, named.name, fields)
                continue
        if is_non_null_type(argument.type) and argument.default_value is Undefined:
            required.append(
                Argument(argument_name, type_spelling(argument.type), named.name, required=True)
            )
    if filter_input is not None:
        problems.extend(
            f"{filter_input.type}.{f.name} has no matcher"
            for f in filter_input.fields
            if f.kind is FilterKind.UNSUPPORTED
        )
    return ConnectionField(
        parent_type=parent.name,
        field=name,
        connection_type=connection.name,
        edge_type=edge_type.name if edge_type is not None else "",
        node_type=node_type,
        root=root,
        required=tuple(required),
        filter=filter_input,
        order=order_input,
        node_fields=node_fields(schema, node_type) if node_type else (),
        argument_types=tuple(
            (argument_name, type_spelling(argument.type))
            for argument_name, argument in field.args.items()
        ),
        has_nodes="nodes" in connection.fields,
        has_total="total" in connection.fields,
        problems=tuple(problems),
    )


def discover_connections(schema: GraphQLSchema) -> list[ConnectionField]:
    """Every connection field of the schema, in a stable order (by `Type.field`)."""
    found: list[ConnectionField] = []
    for type_name, graphql_type in sorted(schema.type_map.items()):
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for name, field in graphql_type.fields.items():
            if _is_connection(schema, field):
                found.append(_connection_field(schema, graphql_type, name, field))
    return sorted(found, key=lambda connection: connection.key)


# --- mutations ------------------------------------------------------------------------------


def _input_type(schema: GraphQLSchema, field: GraphQLField | None) -> GraphQLInputObjectType | None:
    if field is None or "input" not in field.args:
        return None
    named = get_named_type(field.args["input"].type)
    return named if isinstance(named, GraphQLInputObjectType) else None


def _payload_field(field: GraphQLField | None, node_type: str) -> str | None:
    if field is None:
        return None
    payload = get_named_type(field.type)
    if not isinstance(payload, GraphQLObjectType):
        return None
    for name, candidate in payload.fields.items():
        if get_named_type(candidate.type).name == node_type:
            return str(name)
    return None


def _leaf_fields(field: GraphQLField | None) -> tuple[str, ...]:
    if field is None:
        return ()
    payload = get_named_type(field.type)
    if not isinstance(payload, GraphQLObjectType):
        return ()
    return tuple(
        name
        for name, candidate in payload.fields.items()
        if is_leaf_type(get_named_type(candidate.type))
    )


def discover_mutations(schema: GraphQLSchema, node_type: str) -> Mutations | None:
    """The conventional `<node>Create/Update/Delete(input:)` mutations of `node_type`."""
    mutation_type = schema.mutation_type
    if mutation_type is None:
        return None
    base = _lower_first(node_type)
    names = {verb: f"{base}{verb}" for verb in ("Create", "Update", "Delete")}
    fields = {verb: mutation_type.fields.get(name) for verb, name in names.items()}
    create_input = _input_type(schema, fields["Create"])
    create_payload = _payload_field(fields["Create"], node_type)
    if create_input is None or create_payload is None:
        return None
    node = _node_field_map(schema, node_type)
    links: list[InputLink] = []
    required_inputs: list[Argument] = []
    for name, field in create_input.fields.items():
        target = node.get(name.removesuffix("Id")) if name.endswith("Id") else None
        target_type = get_named_type(target.type) if target is not None else None
        if target_type is not None and implements(target_type, NODE_INTERFACE):
            links.append(
                InputLink(
                    name, name.removesuffix("Id"), target_type.name, is_non_null_type(field.type)
                )
            )
        elif is_non_null_type(field.type) and field.default_value is Undefined:
            named = get_named_type(field.type)
            required_inputs.append(Argument(name, type_spelling(field.type), named.name, True))
    update_input = _input_type(schema, fields["Update"])
    update_fields: list[Argument] = []
    if update_input is not None:
        for name, field in update_input.fields.items():
            named = get_named_type(field.type)
            on_node = node.get(name)
            if (
                on_node is not None
                and is_leaf_type(named)
                and get_named_type(on_node.type).name == named.name
                and name not in ("id", "version")
                and not _unwrapped_is_list(field.type)
            ):
                update_fields.append(Argument(name, type_spelling(field.type), named.name, False))
    delete_input = _input_type(schema, fields["Delete"])
    return Mutations(
        node_type=node_type,
        create=names["Create"],
        create_input=create_input.name,
        create_payload_field=create_payload,
        update=names["Update"] if update_input is not None else None,
        update_input=update_input.name if update_input is not None else None,
        update_payload_field=_payload_field(fields["Update"], node_type),
        delete=names["Delete"] if delete_input is not None else None,
        delete_input=delete_input.name if delete_input is not None else None,
        delete_payload_fields=_leaf_fields(fields["Delete"]),
        links=tuple(links),
        required_inputs=tuple(required_inputs),
        update_fields=tuple(update_fields),
    )
