"""Abuse limits checked before execution: depth, cost, aliases and fragments.

Cost counts one per field, multiplied through lists: a connection field multiplies the
cost of everything below it by its page size (`first` or `last`, the default page size
when neither is given, the largest page size when a variable cannot tell), `nodes` by
its number of IDs. So `organizations(first: 100) { nodes { children(first: 100) { … } } }`
costs about 100 * 100 * the fields asked. Introspection is exempt from depth and cost:
it is bounded by the schema, and GraphiQL's own introspection query is deep.
"""

import weakref
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
    get_named_type,
    parse,
)

from app.graphql.core.errors import DomainError, ErrorCode

PAGINATION_ARGUMENTS = ("first", "last")
INTROSPECTION_FIELDS = ("__schema", "__type")


class QueryTooDeepError(DomainError):
    code = ErrorCode.QUERY_TOO_DEEP


class QueryTooComplexError(DomainError):
    code = ErrorCode.QUERY_TOO_COMPLEX


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_cost: int
    max_aliases: int
    max_fragments: int
    default_page_size: int
    max_page_size: int
    max_list_ids: int


# What the cost reads from one variable: the page size it gives as `first`/`last`, and
# the number of IDs it gives to `nodes(ids:)`.
VariableReading = tuple[str, int, int]


def variable_readings(
    limits: Limits, variables: Mapping[str, Any] | None
) -> tuple[VariableReading, ...]:
    """The variables as the cost sees them. Two requests of one document whose variables
    read alike get the same verdict, whatever the variables' other values."""
    if not isinstance(variables, Mapping):
        return ()
    readings = []
    for name, value in variables.items():
        if isinstance(value, int) and not isinstance(value, bool):
            page_size = max(0, min(value, limits.max_page_size))
        elif value is None:
            page_size = limits.default_page_size
        else:
            page_size = limits.max_page_size
        ids = max(1, len(value)) if isinstance(value, list) else limits.max_list_ids
        readings.append((str(name), page_size, ids))
    return tuple(sorted(readings))


def limit_rules(
    limits: Limits, variables: Mapping[str, Any] | None
) -> Collection[type[ASTValidationRule]]:
    """The validation rules that enforce `limits` for one request and its variables."""
    return [_limits_rule(limits, variable_readings(limits, variables))]


@lru_cache(maxsize=1024)
def _limits_rule(limits: Limits, readings: tuple[VariableReading, ...]) -> type[ASTValidationRule]:
    """One rule class per limits and readings: its verdict on a document never changes,
    so it can be kept (`document_only`, see `app.graphql.core.documents`)."""
    variables = {name: (page_size, ids) for name, page_size, ids in readings}

    class QueryLimitsRule(ASTValidationRule):
        document_only = True

        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            fragments = [d for d in node.definitions if isinstance(d, FragmentDefinitionNode)]
            if len(fragments) > limits.max_fragments:
                self._report(
                    QueryTooComplexError(
                        f"The document defines {len(fragments)} fragments; at most "
                        f"{limits.max_fragments} are allowed."
                    ),
                    node,
                )
            aliases = _count_aliases(node)
            if aliases > limits.max_aliases:
                self._report(
                    QueryTooComplexError(
                        f"The document uses {aliases} aliases; at most {limits.max_aliases} "
                        "are allowed."
                    ),
                    node,
                )

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            measure = _Measure(cast(ValidationContext, self.context), limits, variables)
            depth, cost = measure.selection_set(node.selection_set, 1)
            name = f"Operation {node.name.value!r}" if node.name else "The operation"
            if depth > limits.max_depth:
                self._report(
                    QueryTooDeepError(
                        f"{name} is {depth} levels deep; at most {limits.max_depth} are allowed."
                    ),
                    node,
                )
            elif cost > limits.max_cost:
                self._report(
                    QueryTooComplexError(
                        f"{name} costs {cost}; at most {limits.max_cost} is allowed. Ask for "
                        "smaller pages or fewer nested lists."
                    ),
                    node,
                )

        def _report(self, error: DomainError, node: Any) -> None:
            self.report_error(GraphQLError(error.detail, node, original_error=error))

    return QueryLimitsRule


def _count_aliases(document: DocumentNode) -> int:
    count = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode) and node.alias is not None:
            count += 1
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return count


class _Measure:
    def __init__(
        self, context: ValidationContext, limits: Limits, variables: dict[str, tuple[int, int]]
    ) -> None:
        self._context = context
        self._limits = limits
        self._variables = variables

    def selection_set(
        self, selection_set: SelectionSetNode | None, level: int, seen: frozenset[str] = frozenset()
    ) -> tuple[int, int]:
        """The depth below and including `level`, and the cost of one instance."""
        if selection_set is None:
            return level - 1, 0
        depth, cost = level - 1, 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION_FIELDS:
                    continue
                child_depth, child_cost = self.selection_set(
                    selection.selection_set, level + 1, seen
                )
                depth = max(depth, child_depth if selection.selection_set else level)
                cost += 1 + self._multiplier(selection) * child_cost
            elif isinstance(selection, InlineFragmentNode):
                child_depth, child_cost = self.selection_set(selection.selection_set, level, seen)
                depth, cost = max(depth, child_depth), cost + child_cost
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._context.get_fragment(name)
                if fragment is None or name in seen:  # reported by the standard rules
                    continue
                child_depth, child_cost = self.selection_set(
                    fragment.selection_set, level, seen | {name}
                )
                depth, cost = max(depth, child_depth), cost + child_cost
        return depth, cost

    def _multiplier(self, field: FieldNode) -> int:
        arguments = {argument.name.value: argument.value for argument in field.arguments}
        if field.name.value == "nodes" and "ids" in arguments:
            ids = arguments["ids"]
            if isinstance(ids, ListValueNode):
                return max(1, len(ids.values))
            if isinstance(ids, VariableNode) and ids.name.value in self._variables:
                return self._variables[ids.name.value][1]
            return self._limits.max_list_ids
        sizes = [arguments[name] for name in PAGINATION_ARGUMENTS if name in arguments]
        if not sizes:
            return self._limits.default_page_size if self._is_connection(field) else 1
        return max(self._page_size(size) for size in sizes)

    def _page_size(self, node: Any) -> int:
        if isinstance(node, IntValueNode):
            return max(0, min(int(node.value), self._limits.max_page_size))
        if isinstance(node, VariableNode) and node.name.value in self._variables:
            return self._variables[node.name.value][0]
        return self._limits.max_page_size

    def _is_connection(self, field: FieldNode) -> bool:
        return field.name.value in _connection_field_names(self._context.schema)


_CONNECTION_FIELDS: "weakref.WeakKeyDictionary[GraphQLSchema, frozenset[str]]" = (
    weakref.WeakKeyDictionary()
)


def _connection_field_names(schema: GraphQLSchema) -> frozenset[str]:
    """Names of the fields that return a `Connection` (they get the default page size)."""
    names = _CONNECTION_FIELDS.get(schema)
    if names is None:
        connection = schema.get_type("Connection")
        names = frozenset(
            field_name
            for graphql_type in schema.type_map.values()
            if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType)
            for field_name, field in graphql_type.fields.items()
            if connection in getattr(get_named_type(field.type), "interfaces", ())
        )
        _CONNECTION_FIELDS[schema] = names
    return names


ValidationRulesFactory = Callable[[Any, DocumentNode, Any], Collection[type[ASTValidationRule]]]


def validation_rules_for(limits: Limits) -> ValidationRulesFactory:
    """Ariadne's `validation_rules` callable: the limits, bound to each request's variables."""

    def rules(
        _context: Any, _document: DocumentNode, data: Any
    ) -> Collection[type[ASTValidationRule]]:
        variables = data.get("variables") if isinstance(data, dict) else None
        return limit_rules(limits, variables)

    return rules


def limits_from(settings: Any) -> Limits:
    return Limits(
        max_depth=settings.max_query_depth,
        max_cost=settings.max_query_cost,
        max_aliases=settings.max_aliases,
        max_fragments=settings.max_fragments,
        default_page_size=settings.default_page_size,
        max_page_size=settings.max_page_size,
        max_list_ids=settings.max_node_ids,
    )


def parse_limited(query: str, max_tokens: int) -> DocumentNode:
    """Parse a document of at most `max_tokens` tokens: a small request cannot make the
    parser do large work. Too many tokens is QUERY_TOO_COMPLEX, any other syntax error
    stays a plain GraphQL syntax error."""
    try:
        return parse(query, max_tokens=max_tokens)
    except GraphQLSyntaxError as error:
        if "tokens. Parsing aborted" not in error.message:
            raise
        too_complex = QueryTooComplexError(
            f"The document has more than {max_tokens} tokens; send a smaller one."
        )
        raise GraphQLError(too_complex.detail, original_error=too_complex) from None
