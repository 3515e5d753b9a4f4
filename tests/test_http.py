"""GraphQL over HTTP: media types, status codes, methods and the error envelope."""

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.graphql.core.loaders import EntityLoader
from app.graphql.http import ContractHTTPHandler
from app.main import create_app
from app.settings import Settings
from tests.conftest import Service
from tests.factories import (
    actor_organization_id,
    create_integration,
    create_organization,
    error_codes,
    without_actor_organization,
)

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

# The contract's error table: code -> (status, title).
PROBLEMS: dict[str, tuple[int, str]] = {
    "UNAUTHORIZED": (401, "Unauthorized"),
    "PERMISSION_DENIED": (403, "Forbidden"),
    "NOT_FOUND": (404, "Resource Not Found"),
    "VALIDATION_ERROR": (400, "Validation Error"),
    "CONFLICT": (409, "Conflict"),
    "DUPLICATE": (409, "Duplicate Entry"),
    "RATE_LIMITED": (429, "Too Many Requests"),
    "QUERY_TOO_COMPLEX": (400, "Query Too Complex"),
    "QUERY_TOO_DEEP": (400, "Query Too Deep"),
    "INTERNAL_ERROR": (500, "Internal Server Error"),
    "SERVICE_UNAVAILABLE": (503, "Service Unavailable"),
}

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")
URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")

# Text that must never reach a client: tracebacks, SQL, driver and socket messages.
LEAKS = (
    "Traceback",
    "SELECT",
    "secret",
    "asyncpg",
    "aiosqlite",
    "sqlalchemy",
    "psycopg",
    "Errno",
    "Connection refused",
    "OSError",
    'File "',
)

ORGANIZATION_QUERY = "query($id: ID!) { organization(id: $id) { id title } }"
ORGANIZATIONS_TITLES = "{ organizations(first: 100) { nodes { id title } total { count } } }"
ORGANIZATIONS_BY_ORDER = (
    "query($order: OrganizationOrder) { organizations(orderBy: $order) { nodes { id title } } }"
)


# --- helpers -------------------------------------------------------------------------


def media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower()


def assert_problem(error: dict[str, Any], code: str | None = None) -> dict[str, Any]:
    """`error` is a GraphQL error in the contract's envelope; its extensions."""
    assert isinstance(error.get("message"), str), error
    assert error["message"], error
    extensions: dict[str, Any] = error["extensions"]
    for key in ("type", "title", "status", "detail", "instance", "code", "traceId", "timestamp"):
        assert key in extensions, (key, error)
    if code is not None:
        assert extensions["code"] == code, error
    assert extensions["code"] in PROBLEMS, error
    status, title = PROBLEMS[extensions["code"]]
    assert extensions["status"] == status, error
    assert extensions["title"] == title, error
    assert isinstance(extensions["type"], str), error
    assert URI.match(extensions["type"]), error
    assert isinstance(extensions["detail"], str), error
    assert extensions["detail"], error
    assert extensions["instance"] == "/graphql", error
    assert TRACE_ID.match(extensions["traceId"]), error
    timestamp = extensions["timestamp"]
    assert ISO_UTC.match(timestamp), error
    moment = datetime.fromisoformat(timestamp)
    assert moment.utcoffset() == timedelta(0), error
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=5), error
    return extensions


def assert_error_body(response: httpx.Response, code: str | None = None) -> list[dict[str, Any]]:
    """A JSON body whose `errors` are all in the contract's envelope; their extensions."""
    assert media_type(response) in (JSON, GRAPHQL_RESPONSE_JSON), response.headers
    body = response.json()
    assert isinstance(body, dict), body
    errors = body.get("errors")
    assert isinstance(errors, list), body
    assert errors, body
    return [assert_problem(error, code) for error in errors]


def send_without_accept(service: Service, body: Any) -> httpx.Response:
    """POST `body` with no Accept header at all (httpx sends `*/*` by default)."""
    request = service.client.build_request("POST", "/graphql", json=body)
    del request.headers["accept"]
    assert "accept" not in request.headers
    return service.client.send(request)


def post_with_accept(service: Service, body: Any, accept: str | None) -> httpx.Response:
    if accept is None:
        return send_without_accept(service, body)
    return service.post(body, headers={"Accept": accept})


def other_titles(service: Service, nodes: list[dict[str, Any]]) -> list[str]:
    """The titles of an unfiltered `organizations` list's `nodes`, in their order, but for
    the calling actor's own organization (which must be listed)."""
    return [node["title"] for node in without_actor_organization(service, nodes)]


def titles(service: Service) -> list[str]:
    """The titles of the organizations besides the calling actor's own, in list order."""
    data = service.data(ORGANIZATIONS_TITLES)
    return other_titles(service, data["organizations"]["nodes"])


def deleted_organization_id(service: Service) -> str:
    organization = create_organization(service, "Gone")
    service.data(
        "mutation($input: OrganizationDeleteInput!) { organizationDelete(input: $input) "
        "{ deletedId } }",
        {"input": {"id": organization["id"], "version": organization["version"]}},
    )
    organization_id: str = organization["id"]
    return organization_id


def assert_no_leak(text: str, extra: Sequence[str] = ()) -> None:
    for word in (*LEAKS, *extra):
        assert word not in text, (word, text)


# --- queries over POST and GET -------------------------------------------------------


def test_post_json_query(service: Service) -> None:
    organization = create_organization(service, "Acme")
    response = service.post({"query": ORGANIZATION_QUERY, "variables": {"id": organization["id"]}})
    assert response.status_code == 200
    assert media_type(response) == JSON
    assert response.json() == {
        "data": {"organization": {"id": organization["id"], "title": "Acme"}}
    }


def test_post_answers_graphql_response_json_when_accepted(service: Service) -> None:
    organization = create_organization(service, "Acme")
    response = service.post(
        {"query": ORGANIZATION_QUERY, "variables": {"id": organization["id"]}},
        headers={"Accept": f"{GRAPHQL_RESPONSE_JSON}, {JSON};q=0.9"},
    )
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE_JSON
    assert response.json()["data"]["organization"]["title"] == "Acme"


TWO_OPERATIONS = """
query ByTitle($id: ID!) { organization(id: $id) { title } }
query ById($id: ID!) { organization(id: $id) { id } }
"""


@pytest.mark.parametrize(("operation_name", "expected_key"), [("ByTitle", "title"), ("ById", "id")])
def test_get_query_with_variables_and_operation_name(
    service: Service, operation_name: str, expected_key: str
) -> None:
    organization = create_organization(service, "Acme")
    response = service.client.get(
        "/graphql",
        params={
            "query": TWO_OPERATIONS,
            "variables": json.dumps({"id": organization["id"]}),
            "operationName": operation_name,
        },
    )
    assert response.status_code == 200, response.text
    assert media_type(response) == JSON
    expected = {"title": "Acme", "id": organization["id"]}[expected_key]
    assert response.json() == {"data": {"organization": {expected_key: expected}}}


def test_get_query_without_variables(service: Service) -> None:
    create_organization(service, "Acme")
    response = service.client.get("/graphql", params={"query": ORGANIZATIONS_TITLES})
    assert response.status_code == 200, response.text
    assert other_titles(service, response.json()["data"]["organizations"]["nodes"]) == ["Acme"]


CREATE_OVER_GET = (
    'mutation { organizationCreate(input: {title: "Sneaky"}) { organization { id } } }'
)


@pytest.mark.parametrize(
    "params",
    [
        {"query": CREATE_OVER_GET},
        {
            "query": "mutation($input: OrganizationCreateInput!) "
            "{ organizationCreate(input: $input) { organization { id } } }",
            "variables": json.dumps({"input": {"title": "Sneaky"}}),
        },
        {
            "query": "query Read { organizations { nodes { id } } }\n"
            'mutation Write { organizationCreate(input: {title: "Sneaky"}) '
            "{ organization { id } } }",
            "operationName": "Write",
        },
    ],
    ids=["mutation", "mutation-with-variables", "mutation-chosen-by-operation-name"],
)
def test_mutation_over_get_is_refused_with_405(service: Service, params: dict[str, str]) -> None:
    response = service.client.get("/graphql", params=params)
    assert response.status_code == 405, response.text
    allow = {method.strip().upper() for method in response.headers["allow"].split(",")}
    assert "POST" in allow
    assert_error_body(response)
    assert titles(service) == []


def test_mutation_over_get_is_refused_under_either_media_type(service: Service) -> None:
    for accept in (JSON, GRAPHQL_RESPONSE_JSON):
        response = service.client.get(
            "/graphql", params={"query": CREATE_OVER_GET}, headers={"Accept": accept}
        )
        assert response.status_code == 405, response.text
        assert "POST" in response.headers["allow"].upper()
    assert titles(service) == []


def test_get_without_query_for_a_browser_answers_the_explorer(service: Service) -> None:
    response = service.client.get(
        "/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "<html" in response.text.lower()
    assert "graphiql" in response.text.lower()


def test_get_without_query_for_a_program_is_an_error(service: Service) -> None:
    response = service.client.get("/graphql", headers={"Accept": JSON})
    assert response.status_code == 400
    assert media_type(response) == JSON
    assert_error_body(response, "VALIDATION_ERROR")


# --- request errors: 400 under graphql-response+json, 200 under json ------------------

REQUEST_ERRORS: dict[str, dict[str, Any]] = {
    "syntax-error": {"query": "{ organizations { nodes { id } "},
    "unknown-field": {"query": "{ organizations { nodes { id nope } } }"},
    "unknown-argument": {"query": "{ organizations(nope: 1) { nodes { id } } }"},
    "variable-of-wrong-type": {
        "query": "query($first: Int) { organizations(first: $first) { nodes { id } } }",
        "variables": {"first": "abc"},
    },
    "missing-required-variable": {
        "query": "query($id: ID!) { organization(id: $id) { id } }",
        "variables": {},
    },
    "null-for-required-variable": {
        "query": "query($id: ID!) { organization(id: $id) { id } }",
        "variables": {"id": None},
    },
    "unknown-enum-value-in-variable": {
        "query": "query($order: OrganizationOrder) "
        "{ organizations(orderBy: $order) { nodes { id } } }",
        "variables": {"order": {"field": "TITLE", "direction": "SIDEWAYS"}},
    },
    "unknown-operation-name": {
        "query": "query A { organizations { nodes { id } } }",
        "operationName": "B",
    },
}


@pytest.mark.parametrize("body", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys())
def test_request_error_under_graphql_response_json_is_400(
    service: Service, body: dict[str, Any]
) -> None:
    response = service.post(body, headers={"Accept": GRAPHQL_RESPONSE_JSON})
    assert response.status_code == 400, response.text
    assert media_type(response) == GRAPHQL_RESPONSE_JSON
    assert "data" not in response.json()
    assert_error_body(response, "VALIDATION_ERROR")


@pytest.mark.parametrize("accept", [JSON, None], ids=["application-json", "no-accept"])
@pytest.mark.parametrize("body", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys())
def test_request_error_under_json_is_200(
    service: Service, body: dict[str, Any], accept: str | None
) -> None:
    response = post_with_accept(service, body, accept)
    assert response.status_code == 200, response.text
    assert media_type(response) == JSON
    assert response.json().get("data") is None
    assert_error_body(response, "VALIDATION_ERROR")


def test_request_error_over_get_is_400_under_graphql_response_json(service: Service) -> None:
    response = service.client.get(
        "/graphql",
        params={"query": "{ organizations { nodes { nope } } }"},
        headers={"Accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 400, response.text
    assert media_type(response) == GRAPHQL_RESPONSE_JSON
    assert "data" not in response.json()
    assert_error_body(response, "VALIDATION_ERROR")


def test_request_error_in_a_mutation_changes_nothing(service: Service) -> None:
    response = service.post(
        {
            "query": "mutation($input: OrganizationCreateInput!) "
            "{ organizationCreate(input: $input) { organization { id } } }",
            "variables": {"input": {"title": "Acme", "features": ["NOPE"]}},
        },
        headers={"Accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 400, response.text
    assert_error_body(response, "VALIDATION_ERROR")
    assert titles(service) == []


# --- domain errors: 200 under both media types ----------------------------------------


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON, None])
def test_not_found_on_a_nullable_root_is_200(service: Service, accept: str | None) -> None:
    response = post_with_accept(
        service, {"query": '{ integration(id: "nope") { id title } }'}, accept
    )
    assert response.status_code == 200, response.text
    assert media_type(response) == (accept or JSON)
    body = response.json()
    assert body["data"] == {"integration": None}
    assert error_codes(body) == ["NOT_FOUND"]
    extensions = assert_error_body(response, "NOT_FOUND")
    assert body["errors"][0]["path"] == ["integration"]
    assert extensions[0]["entityType"] == "Integration"
    assert extensions[0]["entityId"] == "nope"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON, None])
def test_not_found_on_a_non_null_root_nulls_data_and_is_200(
    service: Service, accept: str | None
) -> None:
    organization_id = deleted_organization_id(service)
    response = post_with_accept(
        service,
        {
            "query": "query($org: ID!) { integrations(organizationId: $org) { nodes { id } } }",
            "variables": {"org": organization_id},
        },
        accept,
    )
    assert response.status_code == 200, response.text
    assert media_type(response) == (accept or JSON)
    body = response.json()
    assert "data" in body
    assert body["data"] is None
    assert error_codes(body) == ["NOT_FOUND"]
    assert_error_body(response, "NOT_FOUND")


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
def test_domain_error_from_a_mutation_is_200(service: Service, accept: str) -> None:
    organization = create_organization(service, "Acme")
    response = service.post(
        {
            "query": "mutation($input: OrganizationUpdateInput!) "
            "{ organizationUpdate(input: $input) { organization { version } } }",
            "variables": {"input": {"id": organization["id"], "version": 99, "title": "X"}},
        },
        headers={"Accept": accept},
    )
    assert response.status_code == 200, response.text
    assert media_type(response) == accept
    assert response.json()["data"] == {"organizationUpdate": None}
    assert_error_body(response, "CONFLICT")


# --- requests the GraphQL layer never sees -------------------------------------------


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON, None])
@pytest.mark.parametrize("content", [b"{not json", b"", b'{"query": "{ node(id: 1) { id } }"'])
def test_body_that_is_not_json_is_400_in_the_envelope(
    service: Service, content: bytes, accept: str | None
) -> None:
    headers = {"Content-Type": JSON}
    if accept is not None:
        headers["Accept"] = accept
    response = service.client.post("/graphql", content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert media_type(response) != "text/plain"
    assert media_type(response) in (JSON, GRAPHQL_RESPONSE_JSON)
    assert_error_body(response, "VALIDATION_ERROR")


DEEP_JSON = "[" * 5_000 + "]" * 5_000
"""Valid JSON nested deeper than either decoder follows."""


def test_json_nested_too_deeply_is_400_in_the_envelope(service: Service) -> None:
    body = b'{"query": "{ __typename }", "variables": {"a": ' + DEEP_JSON.encode() + b"}}"
    response = service.client.post("/graphql", content=body, headers={"Content-Type": JSON})
    assert response.status_code == 400, response.text
    (extensions,) = assert_error_body(response, "VALIDATION_ERROR")
    assert extensions["detail"] == "The request body nests too deeply."
    response = service.client.get(
        "/graphql", params={"query": "{ __typename }", "variables": '{"a": ' + DEEP_JSON + "}"}
    )
    assert response.status_code == 400, response.text
    (extensions,) = assert_error_body(response, "VALIDATION_ERROR")
    assert extensions["detail"] == "The `variables` parameter nests too deeply."


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"query": "{ organizations { nodes { id } } }"}'),
        ("application/x-www-form-urlencoded", b"query=%7B+organizations+%7B+nodes+%7B+id"),
        ("application/graphql", b"{ organizations { nodes { id } } }"),
    ],
)
def test_unsupported_content_type_is_415(
    service: Service, content_type: str, content: bytes
) -> None:
    response = service.client.post(
        "/graphql", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == 415, response.text
    assert_error_body(response)


def test_json_with_charset_is_accepted(service: Service) -> None:
    response = service.client.post(
        "/graphql",
        content=json.dumps({"query": "{ organizations { nodes { id } } }"}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    actor_organization = {"id": actor_organization_id(service)}
    assert response.json() == {"data": {"organizations": {"nodes": [actor_organization]}}}


BAD_BODIES: dict[str, Any] = {
    "batch": [{"query": "{ organizations { nodes { id } } }"}],
    "empty-batch": [],
    "string": "{ organizations { nodes { id } } }",
    "variables-a-string": {"query": ORGANIZATION_QUERY, "variables": '{"id": "x"}'},
    "variables-a-list": {"query": ORGANIZATION_QUERY, "variables": ["x"]},
    "variables-a-number": {"query": ORGANIZATION_QUERY, "variables": 3},
    "missing-query": {"variables": {}},
    "empty-object": {},
    "query-not-a-string": {"query": 42},
    "query-null": {"query": None},
    "operation-name-not-a-string": {"query": ORGANIZATION_QUERY, "operationName": 1},
}


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_malformed_request_is_400(service: Service, body: Any, accept: str) -> None:
    response = service.post(body, headers={"Accept": accept})
    assert response.status_code == 400, response.text
    assert "data" not in response.json()
    assert_error_body(response, "VALIDATION_ERROR")


def test_batch_of_mutations_changes_nothing(service: Service) -> None:
    mutation = 'mutation { organizationCreate(input: {title: "Batched"}) { organization { id } } }'
    response = service.post([{"query": mutation}, {"query": mutation}])
    assert response.status_code == 400, response.text
    assert titles(service) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(service: Service, method: str) -> None:
    response = service.client.request(
        method,
        "/graphql",
        json={
            "query": 'mutation { organizationCreate(input: {title: "X"}) { organization { id } } }'
        },
    )
    assert response.status_code == 405, response.text
    allow = {item.strip().upper() for item in response.headers["allow"].split(",")}
    assert "POST" in allow
    assert method not in allow
    assert_error_body(response)
    assert titles(service) == []


# --- the envelope and trace ids --------------------------------------------------------

TRACEPARENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACEPARENT_TRACE_ID}-00f067aa0ba902b7-01"


def _domain_error(service: Service, headers: dict[str, str]) -> httpx.Response:
    return service.post({"query": '{ integration(id: "nope") { id } }'}, headers=headers)


def _request_error(service: Service, headers: dict[str, str]) -> httpx.Response:
    return service.post({"query": "{ nope }"}, headers=headers)


def _transport_error(service: Service, headers: dict[str, str]) -> httpx.Response:
    return service.client.post("/graphql", content=b"{", headers={**headers, "Content-Type": JSON})


def _method_error(service: Service, headers: dict[str, str]) -> httpx.Response:
    return service.client.put("/graphql", json={"query": "{ nope }"}, headers=headers)


ERROR_KINDS = {
    "domain": _domain_error,
    "request": _request_error,
    "not-json": _transport_error,
    "method": _method_error,
}


@pytest.mark.parametrize("kind", ERROR_KINDS.values(), ids=ERROR_KINDS.keys())
def test_trace_id_comes_from_traceparent(service: Service, kind: Any) -> None:
    response = kind(service, {"traceparent": TRACEPARENT})
    for extensions in assert_error_body(response):
        assert extensions["traceId"] == TRACEPARENT_TRACE_ID


@pytest.mark.parametrize("kind", ERROR_KINDS.values(), ids=ERROR_KINDS.keys())
def test_trace_ids_differ_between_requests_without_traceparent(service: Service, kind: Any) -> None:
    trace_ids = set()
    for _ in range(3):
        (extensions, *_rest) = assert_error_body(kind(service, {}))
        trace_ids.add(extensions["traceId"])
    assert len(trace_ids) == 3


def test_errors_of_one_request_share_its_trace_id(service: Service) -> None:
    response = service.post(
        {"query": '{ a: integration(id: "nope") { id } b: organization(id: "nope") { id } }'}
    )
    extensions = assert_error_body(response, "NOT_FOUND")
    assert len(extensions) == 2
    assert extensions[0]["traceId"] == extensions[1]["traceId"]


@pytest.mark.parametrize(
    "traceparent",
    ["garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", ""],
    ids=["garbage", "all-zero-trace-id", "empty"],
)
def test_invalid_traceparent_gets_a_fresh_trace_id(service: Service, traceparent: str) -> None:
    trace_ids = set()
    for _ in range(2):
        (extensions,) = assert_error_body(_domain_error(service, {"traceparent": traceparent}))
        trace_ids.add(extensions["traceId"])
    assert "0" * 32 not in trace_ids
    assert len(trace_ids) == 2


# --- unexpected exceptions -------------------------------------------------------------


async def _exploding_batch_load(_self: EntityLoader, _ids: Sequence[str]) -> list[Any]:
    raise RuntimeError("secret SELECT text FROM integrations\nTraceback (most recent call last):")


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
def test_unexpected_exception_is_internal_error_without_details(
    service: Service, monkeypatch: pytest.MonkeyPatch, accept: str
) -> None:
    organization = create_organization(service, "Acme")
    integration = create_integration(service, organization["id"])
    monkeypatch.setattr(EntityLoader, "batch_load_fn", _exploding_batch_load)
    response = service.post(
        {
            "query": "query($id: ID!) { integration(id: $id) { id title } }",
            "variables": {"id": integration["id"]},
        },
        headers={"Accept": accept, "traceparent": TRACEPARENT},
    )
    assert response.status_code == 200, response.text
    assert media_type(response) == accept
    assert_no_leak(response.text, ("RuntimeError",))
    body = response.json()
    assert body["data"] == {"integration": None}
    (extensions,) = assert_error_body(response, "INTERNAL_ERROR")
    assert extensions["status"] == 500
    assert extensions["traceId"] == TRACEPARENT_TRACE_ID


def test_unexpected_exception_is_logged_with_its_trace_id(
    service: Service, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    organization = create_organization(service, "Acme")
    monkeypatch.setattr(EntityLoader, "batch_load_fn", _exploding_batch_load)
    with caplog.at_level(logging.ERROR):
        response = service.post(
            {
                "query": "query($id: ID!) { node(id: $id) { id } }",
                "variables": {"id": organization["id"]},
            },
            headers={"traceparent": TRACEPARENT},
        )
    assert_error_body(response, "INTERNAL_ERROR")
    assert_no_leak(response.text)
    logged = [
        record
        for record in caplog.records
        if TRACEPARENT_TRACE_ID in record.getMessage() and record.exc_info is not None
    ]
    assert logged, caplog.records
    assert any(
        "secret SELECT text" in str(record.exc_info[1]) for record in logged if record.exc_info
    )


def call_in_process(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to `app` through ASGI, without running its lifespan."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            try:
                return await client.request(method, path, **kwargs)
            finally:
                await app.state.engine.dispose()

    return asyncio.run(call())


def test_unexpected_exception_in_an_app_built_in_process(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    organization = create_organization(service, "Acme")
    # The app shares the running service's database, so the actor's key is good there.
    assert service.actor is not None
    headers = {"Authorization": f"Bearer {service.actor.token}"}
    app = create_app(Settings(database_url=service.settings.database_url))
    query = {
        "query": "query($id: ID!) { node(id: $id) { id } }",
        "variables": {"id": organization["id"]},
    }
    response = call_in_process(app, "POST", "/graphql", json=query, headers=headers)
    assert response.json() == {"data": {"node": {"id": organization["id"]}}}

    monkeypatch.setattr(EntityLoader, "batch_load_fn", _exploding_batch_load)
    response = call_in_process(app, "POST", "/graphql", json=query, headers=headers)
    assert response.status_code == 200, response.text
    assert_no_leak(response.text)
    assert response.json()["data"] == {"node": None}
    (extensions,) = assert_error_body(response, "INTERNAL_ERROR")
    assert extensions["status"] == 500


def _exploding_handler(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("secret SELECT text of a failing handler")


def test_a_failing_graphql_endpoint_answers_500_in_the_contracts_envelope(
    service: Service, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`/graphql` is served ahead of FastAPI's error middleware: a failure outside
    execution is still a 500, in the contract's envelope, logged with its trace id, and
    the request is still logged."""
    assert service.actor is not None
    headers = {"Authorization": f"Bearer {service.actor.token}", "traceparent": TRACEPARENT}
    app = create_app(Settings(database_url=service.settings.database_url))
    monkeypatch.setattr(ContractHTTPHandler, "_run_operation", _exploding_handler)
    with caplog.at_level(logging.INFO):
        response = call_in_process(
            app, "POST", "/graphql", json={"query": "{ __typename }"}, headers=headers
        )
    assert response.status_code == 500, response.text
    assert_no_leak(response.text)
    (extensions,) = assert_error_body(response, "INTERNAL_ERROR")
    assert extensions["traceId"] == TRACEPARENT_TRACE_ID
    assert any(
        TRACEPARENT_TRACE_ID in record.getMessage() and record.exc_info is not None
        for record in caplog.records
    )
    assert any(
        record.name == "app.requests" and " 500 " in record.getMessage()
        for record in caplog.records
    )


# --- health and an unreachable database ---------------------------------------------------


def test_healthz_answers_200_on_the_running_service(service: Service) -> None:
    response = service.client.get("/healthz")
    assert response.status_code == 200, response.text


UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:1/none"
# A key of the right form, so that the service must look it up in the database; no
# database can know it.
WELL_FORMED_KEY = "ik_" + "0123456789abcdef" * 2 + "_" + "Ab-_" * 10 + "xyz"


def _call_unreachable_app(method: str, path: str, **kwargs: Any) -> httpx.Response:
    app = create_app(Settings(database_url=UNREACHABLE_DATABASE))
    return call_in_process(app, method, path, **kwargs)


def test_healthz_answers_503_when_the_database_is_unreachable() -> None:
    response = _call_unreachable_app("GET", "/healthz")
    assert response.status_code == 503, response.text
    assert_no_leak(response.text)


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ organizations { nodes { id } } }"},
        {"query": 'mutation { organizationCreate(input: {title: "X"}) { organization { id } } }'},
    ],
    ids=["query", "mutation"],
)
def test_graphql_with_an_unreachable_database_answers_the_envelope(body: dict[str, Any]) -> None:
    # Authenticating the key is the first thing that needs the database: the request is
    # refused there, before GraphQL runs, with HTTP 503.
    response = _call_unreachable_app(
        "POST", "/graphql", json=body, headers={"Authorization": f"Bearer {WELL_FORMED_KEY}"}
    )
    assert response.status_code == 503, response.text
    assert_no_leak(response.text, ("127.0.0.1", "refused", "connect call failed", WELL_FORMED_KEY))
    (extensions,) = assert_error_body(response)
    assert extensions["code"] == "SERVICE_UNAVAILABLE", extensions
    assert extensions["status"] == PROBLEMS[extensions["code"]][0]


def test_graphql_with_an_unreachable_database_answers_service_unavailable() -> None:
    response = _call_unreachable_app(
        "POST",
        "/graphql",
        json={"query": "{ organizations { nodes { id } } }"},
        headers={"Authorization": f"Bearer {WELL_FORMED_KEY}"},
    )
    assert response.status_code == 503, response.text
    assert_no_leak(response.text, (WELL_FORMED_KEY,))
    assert_error_body(response, "SERVICE_UNAVAILABLE")


# --- enum-typed variables (Ariadne 1.1.1 with graphql-core 3.2.14) -----------------------------


def test_order_by_as_a_variable(service: Service) -> None:
    for title in ("b", "a", "c"):
        create_organization(service, title)
    for direction, expected in (("DESC", ["c", "b", "a"]), ("ASC", ["a", "b", "c"])):
        order = {"field": "TITLE", "direction": direction}
        data = service.data(ORGANIZATIONS_BY_ORDER, {"order": order})
        assert other_titles(service, data["organizations"]["nodes"]) == expected


def test_enum_variables_for_field_and_direction(service: Service) -> None:
    organization = create_organization(service, "Acme")
    for title in ("x", "z", "y"):
        create_integration(service, organization["id"], title)
    query = (
        "query($org: ID!, $field: IntegrationOrderField!, $direction: OrderDirection!) "
        "{ integrations(organizationId: $org, orderBy: {field: $field, direction: $direction}) "
        "{ nodes { title } } }"
    )
    data = service.data(query, {"org": organization["id"], "field": "TITLE", "direction": "DESC"})
    assert [node["title"] for node in data["integrations"]["nodes"]] == ["z", "y", "x"]


def test_enum_default_argument(service: Service) -> None:
    for title in ("b", "a"):
        create_organization(service, title)
    assert titles(service) == ["a", "b"]
    data = service.data(ORGANIZATIONS_BY_ORDER)
    assert other_titles(service, data["organizations"]["nodes"]) == ["a", "b"]


def test_enum_list_variable(service: Service) -> None:
    query = (
        "mutation($features: [OrganizationFeature!]) "
        '{ organizationCreate(input: {title: "Dealer", features: $features}) '
        "{ organization { features } } }"
    )
    data = service.data(query, {"features": ["DEALER"]})
    assert data["organizationCreate"]["organization"]["features"] == ["DEALER"]
    organization = create_organization(service, "Both", features=["WHITELABEL", "DEALER"])
    assert sorted(organization["features"]) == ["DEALER", "WHITELABEL"]


def test_enum_variable_over_get(service: Service) -> None:
    for title in ("a", "b"):
        create_organization(service, title)
    response = service.client.get(
        "/graphql",
        params={
            "query": ORGANIZATIONS_BY_ORDER,
            "variables": json.dumps({"order": {"field": "TITLE", "direction": "DESC"}}),
        },
    )
    assert response.status_code == 200, response.text
    nodes = response.json()["data"]["organizations"]["nodes"]
    assert other_titles(service, nodes) == ["b", "a"]


# --- variables that do not coerce name the argument they feed ------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (
            "query($n: Int) { organizations(first: $n) { nodes { id } } }",
            {"n": 2**31},
            "first",
        ),
        (
            "mutation($in: OrganizationUpdateInput!) { organizationUpdate(input: $in) "
            "{ organization { id } } }",
            {"in": {"id": "x", "version": "one"}},
            "input.version",
        ),
        (
            "mutation($in: OrganizationUpdateInput!) { organizationUpdate(input: $in) "
            "{ organization { id } } }",
            {"in": {"version": 1}},
            "input.id",
        ),
        (
            "mutation($in: OrganizationCreateInput!) { organizationCreate(input: $in) "
            "{ organization { id } } }",
            {"in": {"title": "a", "features": ["DEALER", "NOPE"]}},
            "input.features[1]",
        ),
        (
            'mutation($v: Int!) { organizationDelete(input: {id: "x", version: $v}) '
            "{ deletedId } }",
            {"v": 1.5},
            "input.version",
        ),
        (
            "query($show: Boolean!) { me { __typename @include(if: $show) } }",
            {"show": "yes"},
            "if",
        ),
    ],
)
def test_a_variable_that_does_not_coerce_names_its_argument(
    service: Service, query: str, variables: dict[str, Any], field: str
) -> None:
    result = service.gql(query, variables)
    assert "data" not in result
    [error] = result["errors"]
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["field"] == field, error
    assert error["extensions"]["status"] == 400
