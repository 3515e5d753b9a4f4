"""The GraphQL documents the fuzzer sends, derived from discovery, and how it sends them.

Every request goes through a `Transport`: anything with `post(body, **kwargs)` returning
an `httpx.Response` for `POST /graphql`, such as the test suite's `service` fixture (which
adds whatever headers the service needs) or a thin wrapper around an `httpx.Client`.
"""

import json
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from app.fuzzing.discovery import ConnectionField, Mutations, NodeField
from app.fuzzing.model import ABSENT, JSON, ListRef, PageRequest

PARENT_VARIABLE = "fuzzParentId"


class Transport(Protocol):
    def post(self, body: Any, **kwargs: Any) -> httpx.Response: ...


@dataclass(frozen=True)
class Answer:
    """One request and the service's answer to it, printable in a failure report."""

    query: str
    variables: JSON
    status: int
    body: JSON

    @property
    def errors(self) -> list[JSON]:
        errors: list[JSON] = self.body.get("errors") or []
        return errors

    @property
    def data(self) -> JSON | None:
        data: JSON | None = self.body.get("data")
        return data

    def report(self) -> str:
        variables = json.dumps(abbreviated(self.variables), ensure_ascii=True)
        body = json.dumps(abbreviated(self.body), ensure_ascii=True)
        return f"request: {' '.join(self.query.split())}\nvariables: {variables}\n" + (
            f"HTTP {self.status}: {body}"
        )


def abbreviated(value: Any, limit: int = 160) -> Any:
    """`value` with every string longer than `limit` cut short (for failure reports)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[: limit // 2]}...({len(value)} characters)"
    if isinstance(value, dict):
        return {key: abbreviated(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [abbreviated(item, limit) for item in value]
    return value


def execute(transport: Transport, query: str, variables: JSON) -> Answer:
    """POST one operation. A body holding a lone surrogate (which JSON escapes can carry
    but UTF-8 cannot) is sent with ASCII escapes."""
    body = {"query": query, "variables": variables}
    try:
        json.dumps(body, ensure_ascii=False).encode()
        response = transport.post(body)
    except UnicodeEncodeError:
        response = transport.post(
            None,
            content=json.dumps(body, ensure_ascii=True).encode(),
            headers={"Content-Type": "application/json"},
        )
    try:
        parsed = response.json()
    except ValueError:
        parsed = {"unparsed": response.text}
    if not isinstance(parsed, dict):
        parsed = {"unparsed": parsed}
    return Answer(query, variables, response.status_code, parsed)


# --- pages --------------------------------------------------------------------------------


def node_selection(fields: tuple[NodeField, ...]) -> str:
    return " ".join(f"{f.name} {{ id }}" if f.link else f.name for f in fields)


def page_query(connection: ConnectionField, *, total: bool) -> str:
    """One page of the connection; every argument is a variable."""
    declared = [f"${name}: {spelling}" for name, spelling in connection.argument_types]
    arguments = ", ".join(f"{name}: ${name}" for name, _ in connection.argument_types)
    nodes = node_selection(connection.node_fields)
    selection = (
        f"edges {{ cursor node {{ {nodes} }} }} "
        + (f"nodes {{ {nodes} }} " if connection.has_nodes else "")
        + "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
        + (" total { count precision }" if total and connection.has_total else "")
    )
    field = f"page: {connection.field}({arguments}) {{ {selection} }}"
    if connection.root:
        return f"query FuzzPage({', '.join(declared)}) {{ {field} }}"
    declared.insert(0, f"${PARENT_VARIABLE}: ID!")
    return (
        f"query FuzzPage({', '.join(declared)}) {{ "
        f"parent: node(id: ${PARENT_VARIABLE}) {{ "
        f"... on {connection.parent_type} {{ {field} }} }} }}"
    )


def page_variables(ref: ListRef, request: PageRequest) -> JSON:
    connection = ref.connection
    variables: JSON = dict(ref.arguments)
    if not connection.root:
        variables[PARENT_VARIABLE] = ref.parent
    given = {
        "first": request.first,
        "last": request.last,
        "after": request.after,
        "before": request.before,
    }
    if connection.filter is not None:
        given[connection.filter.argument] = request.filter
    if connection.order is not None:
        given[connection.order.argument] = request.order_by
    variables.update({name: value for name, value in given.items() if value is not ABSENT})
    return variables


def connection_of(ref: ListRef, answer: Answer) -> JSON | None:
    """The page in an answer, or None when there is none."""
    data = answer.data
    if data is None:
        return None
    if not ref.connection.root:
        data = data.get("parent")
        if data is None:
            return None
    page: JSON | None = data.get("page")
    return page


def request_page(transport: Transport, ref: ListRef, request: PageRequest) -> Answer:
    query = page_query(ref.connection, total=request.total)
    return execute(transport, query, page_variables(ref, request))


# --- mutations ----------------------------------------------------------------------------


def create_mutation(mutations: Mutations, fields: tuple[NodeField, ...]) -> str:
    return (
        f"mutation FuzzCreate($input: {mutations.create_input}!) {{ "
        f"result: {mutations.create}(input: $input) {{ "
        f"node: {mutations.create_payload_field} {{ {node_selection(fields)} }} }} }}"
    )


def update_mutation(mutations: Mutations, fields: tuple[NodeField, ...]) -> str:
    return (
        f"mutation FuzzUpdate($input: {mutations.update_input}!) {{ "
        f"result: {mutations.update}(input: $input) {{ "
        f"node: {mutations.update_payload_field} {{ {node_selection(fields)} }} }} }}"
    )


def delete_mutation(mutations: Mutations) -> str:
    selection = " ".join(mutations.delete_payload_fields) or "__typename"
    return (
        f"mutation FuzzDelete($input: {mutations.delete_input}!) {{ "
        f"result: {mutations.delete}(input: $input) {{ {selection} }} }}"
    )
