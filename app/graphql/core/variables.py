"""Naming the argument behind a variable that does not coerce.

GraphQL refuses a variable whose value does not fit its type (`$last: 2147483648` for an
`Int`) before execution, with an error that points at the variable's definition. The
contract names the argument in `extensions.field` (`last`, `input.version`), so the
request's document is kept for the length of the request and searched for the argument
the variable feeds.
"""

import re
from collections.abc import Iterator
from contextvars import ContextVar

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
)
from graphql.language import FieldNode, FragmentDefinitionNode, InlineFragmentNode

current_document: ContextVar[DocumentNode | None] = ContextVar("current_document", default=None)

# graphql-core's wording: "Variable '$input' got invalid value 'x' at 'input.version'; …"
# and, for an input object missing or carrying an unknown field, "… Field 'title' …".
_AT_PATH = re.compile(r"^Variable '\$(\w+)' got invalid value .*? at '\1([^']*)';", re.DOTALL)
_INPUT_FIELD = re.compile(r"; Field '(\w+)' (?:of required type|is not defined by type)")


def variable_error_field(error: GraphQLError) -> str | None:
    """The argument (with the path inside it) that a failed variable feeds, if any."""
    nodes = error.nodes or []
    document = current_document.get()
    if document is None or len(nodes) != 1 or not isinstance(nodes[0], VariableDefinitionNode):
        return None
    name = nodes[0].variable.name.value
    argument = next(_argument_paths(document, name), None)
    if argument is None:
        return None
    match = _AT_PATH.match(error.message)
    if match:
        return argument + match.group(2)
    missing = _INPUT_FIELD.search(error.message)
    return f"{argument}.{missing.group(1)}" if missing else argument


def _argument_paths(document: DocumentNode, variable: str) -> Iterator[str]:
    """The argument paths where `$variable` is used, in document order."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            yield from _in_selections(definition.selection_set, variable)


def _in_selections(selection_set: SelectionSetNode | None, variable: str) -> Iterator[str]:
    for selection in selection_set.selections if selection_set else ():
        # A directive's arguments too (`@include(if: $show)`); fragment spreads are
        # searched through the fragment's own definition.
        arguments = [a for d in selection.directives or () for a in d.arguments or ()]
        if isinstance(selection, FieldNode):
            arguments = [*(selection.arguments or ()), *arguments]
        for argument in arguments:
            yield from _in_argument(argument, variable)
        if isinstance(selection, FieldNode | InlineFragmentNode):
            yield from _in_selections(selection.selection_set, variable)


def _in_argument(argument: ArgumentNode, variable: str) -> Iterator[str]:
    yield from _in_value(argument.value, variable, argument.name.value)


def _in_value(value: ValueNode, variable: str, path: str) -> Iterator[str]:
    if isinstance(value, VariableNode):
        if value.name.value == variable:
            yield path
    elif isinstance(value, ObjectValueNode):
        for object_field in value.fields:
            yield from _in_value(object_field.value, variable, f"{path}.{object_field.name.value}")
    elif isinstance(value, ListValueNode):
        for index, item in enumerate(value.values):
            yield from _in_value(item, variable, f"{path}[{index}]")
