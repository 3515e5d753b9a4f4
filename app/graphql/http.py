"""GraphQL over HTTP as the contract wants it, on top of Ariadne's handler.

Ariadne's shipped handler answers `application/json` always, HTTP 400 whenever `data`
is null, the explorer for any GET, and plain text for a body that is not JSON. Here:
domain errors travel with 200; a request that does not parse, validate or coerce its
variables answers 400 under `application/graphql-response+json` (200 under
`application/json`); mutations over GET answer 405; a POST body must be JSON (415
otherwise, so a simple form post cannot reach the API across origins); every error is in
the contract's envelope. The graphql-http audit suite (tests/test_http_audit.py) checks
this layer against the GraphQL-over-HTTP specification.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from http import HTTPStatus
from inspect import isawaitable
from typing import Any

import orjson
from ariadne.asgi import GraphQL
from ariadne.asgi.handlers import GraphQLHTTPHandler
from ariadne.graphql import (
    validate_data,
    validate_operation_is_not_subscription,
    validate_operation_is_query,
    validate_query,
)
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
    get_operation_ast,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.graphql.core.documents import CachedValidator, parse_cached
from app.graphql.core.errors import (
    DATABASE_UNREACHABLE,
    ErrorCode,
    format_error,
    problem_extensions,
)
from app.graphql.core.execution import FieldExecutionContext
from app.graphql.core.headers import header_qualities
from app.graphql.core.limits import limits_from, validation_rules_for
from app.graphql.core.variables import current_document
from app.graphql.explorer import GraphiQLExplorer
from app.security.actor import Actor
from app.settings import Settings

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

EXPLORER_QUERY = """\
# Every request needs a key in the headers pane: {"Authorization": "Bearer ik_..."}.
# The link the first start printed (or `make -s key-url`) opens this page with it set.
# Pick an operation with the run button's menu.

query Me {
  me { __typename id title }
}

query Organizations {
  organizations(first: 10) {
    nodes {
      id
      title
      features
      children(first: 5) { nodes { id title } }
    }
    pageInfo { hasNextPage endCursor }
    total { count precision }
  }
}

query Integrations($organizationId: ID!) {
  integrations(organizationId: $organizationId, first: 10) {
    edges { cursor node { id version title isActive credentialRef organization { title } } }
    pageInfo { hasNextPage endCursor }
    total { count precision }
  }
}

mutation CreateIntegration($organizationId: ID!) {
  integrationCreate(input: { organizationId: $organizationId, title: "Billing sync" }) {
    integration { id version title isActive }
  }
}
"""


def _operation_name(document: Any) -> str | None:
    """The name of a document's only operation, for the request log."""
    if document is None:
        return None
    operation = get_operation_ast(document)
    return operation.name.value if operation is not None and operation.name else None


class GraphQLJSONResponse(JSONResponse):
    """Compact UTF-8 JSON, written by orjson (a page of results renders several times
    faster than with the standard library). What orjson refuses is written with ASCII
    escapes instead: a lone surrogate that a client sent as a JSON escape (say in an ID
    that is then named in an error) has no UTF-8 form."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except orjson.JSONEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


class NestedTooDeeply(ValueError):
    """JSON nested deeper than the decoder follows."""


def _json_value(text: bytes | str) -> Any:
    """The JSON value of a body or parameter, read by orjson. What orjson refuses and the
    standard library reads (lone surrogates in escapes, integers beyond 64 bits, NaN) is
    read as the standard library reads it, so the two agree on every text; nesting too
    deep for either is `NestedTooDeeply` (the standard library's RecursionError)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)
        except RecursionError:
            raise NestedTooDeeply from None


def _response_type(request: Request) -> str:
    """The media type to answer with: the GraphQL one when the client accepts it at least
    as much as `application/json`; `application/json` otherwise, also when the client sends
    no Accept header or `*/*`."""
    return _response_type_for(request.headers.get("accept", ""))


@lru_cache(maxsize=256)  # a client sends the same Accept header with every request
def _response_type_for(accept: str) -> str:
    qualities = header_qualities(accept)
    graphql_quality = qualities.get(GRAPHQL_RESPONSE_JSON, 0.0)
    if graphql_quality > 0 and graphql_quality >= qualities.get(JSON, 0.0):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def request_error_response(
    request: Request,
    status: HTTPStatus,
    detail: str,
    headers: dict[str, str] | None = None,
    code: ErrorCode = ErrorCode.VALIDATION_ERROR,
) -> Response:
    """A request refused before GraphQL execution: not JSON, wrong method or media
    type, no valid key."""
    body = {"errors": [{"message": detail, "extensions": problem_extensions(code, detail)}]}
    return GraphQLJSONResponse(
        body, status_code=status, media_type=_response_type(request), headers=headers
    )


Authenticator = Callable[[Request], Awaitable[Actor | None]]


class ContractHTTPHandler(GraphQLHTTPHandler):
    def __init__(self, authenticator: Authenticator, settings: Settings) -> None:
        super().__init__()
        self.authenticator = authenticator
        self.settings = settings

    async def handle_request(self, request: Request) -> Response:
        if request.method == "GET":
            return await self._handle_get(request)
        if request.method == "POST":
            return await self._handle_post(request)
        return request_error_response(
            request,
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{request.method} is not supported; use POST, or GET for queries.",
            headers={"Allow": "GET, POST"},
        )

    async def _handle_get(self, request: Request) -> Response:
        if "query" not in request.query_params:
            if _wants_html(request) and self.explorer is not None:
                return await self.render_explorer(request, self.explorer)
            return request_error_response(
                request, HTTPStatus.BAD_REQUEST, "A GET request needs a `query` parameter."
            )
        data: dict[str, Any] = {
            "query": request.query_params["query"],
            "operationName": request.query_params.get("operationName") or None,
        }
        for name in ("variables", "extensions"):  # JSON-encoded, when given
            text = request.query_params.get(name)
            try:
                data[name] = _json_value(text) if text else None
            except NestedTooDeeply:
                return request_error_response(
                    request, HTTPStatus.BAD_REQUEST, f"The `{name}` parameter nests too deeply."
                )
            except ValueError:
                return request_error_response(
                    request, HTTPStatus.BAD_REQUEST, f"The `{name}` parameter is not valid JSON."
                )
        document = None
        # A document that does not parse is reported by execution, as a GraphQL error.
        with contextlib.suppress(GraphQLError):
            document = parse_cached(request.query_params["query"], self.settings.max_tokens)
        if document is not None:
            operation = get_operation_ast(document, data["operationName"])
            if operation is not None and operation.operation is not OperationType.QUERY:
                return request_error_response(
                    request,
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    f"A {operation.operation.value} cannot be sent with GET; use POST.",
                    headers={"Allow": "POST"},
                )
        return await self._execute(request, data, document)

    async def _handle_post(self, request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            return request_error_response(
                request,
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                f"The request body must be {JSON}.",
            )
        body = await self._read_body(request)
        if body is None:
            return request_error_response(
                request,
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"The request body is larger than {self.settings.max_body_bytes} bytes.",
                code=ErrorCode.QUERY_TOO_COMPLEX,
            )
        try:
            data = _json_value(body)
        except NestedTooDeeply:
            return request_error_response(
                request, HTTPStatus.BAD_REQUEST, "The request body nests too deeply."
            )
        except ValueError:
            return request_error_response(
                request, HTTPStatus.BAD_REQUEST, "The request body is not valid JSON."
            )
        if not isinstance(data, dict):
            return request_error_response(
                request,
                HTTPStatus.BAD_REQUEST,
                "The request body must be one JSON object with `query`; batches are not supported.",
            )
        return await self._execute(request, data, None)

    async def _read_body(self, request: Request) -> bytes | None:
        """The body, or None when it is larger than allowed (read no further than that)."""
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def _execute(self, request: Request, data: Any, document: Any) -> Response:
        if not isinstance(data.get("query"), str):
            return request_error_response(
                request, HTTPStatus.BAD_REQUEST, "The request needs a `query` string."
            )
        for name in ("variables", "extensions"):
            if data.get(name) is not None and not isinstance(data[name], dict):
                return request_error_response(
                    request, HTTPStatus.BAD_REQUEST, f"`{name}` must be a JSON object."
                )
        if data.get("operationName") is not None and not isinstance(data["operationName"], str):
            return request_error_response(
                request, HTTPStatus.BAD_REQUEST, "`operationName` must be a string."
            )
        if document is None:
            # Parsed before authentication, so the request log can name the operation; a
            # failing parse is left for `_run_operation` to report.
            with contextlib.suppress(GraphQLError):
                document = parse_cached(data["query"], self.settings.max_tokens)
        request.state.operation_name = data.get("operationName") or _operation_name(document)
        try:
            actor = await self.authenticator(request)
        except DATABASE_UNREACHABLE:
            return request_error_response(
                request,
                HTTPStatus.SERVICE_UNAVAILABLE,
                "The database is not reachable right now; retry later.",
                code=ErrorCode.SERVICE_UNAVAILABLE,
            )
        if actor is None:
            return request_error_response(
                request,
                HTTPStatus.UNAUTHORIZED,
                "A valid key is required: send `Authorization: Bearer <key>`.",
                headers={"WWW-Authenticate": "Bearer"},
                code=ErrorCode.UNAUTHORIZED,
            )
        request.state.graphql_context.authenticate_as(actor)
        # Errors are formatted during execution; a variable's error names its argument
        # from the document.
        document_token = current_document.set(document)
        try:
            # A deadline on this task (not `wait_for`, which runs the query in a task of
            # its own on every request).
            async with asyncio.timeout(self.settings.query_timeout_seconds):
                result = await self._run_operation(request, data, document)
        except TimeoutError:
            # Cancelled where it stood: an open write transaction rolls back.
            detail = (
                f"The request took longer than {self.settings.query_timeout_seconds:g} s "
                "and was stopped; ask for less."
            )
            return request_error_response(
                request, HTTPStatus.BAD_REQUEST, detail, code=ErrorCode.QUERY_TOO_COMPLEX
            )
        finally:
            current_document.reset(document_token)
        errors = result.get("errors") or []
        if result.get("data") is None and errors and all("path" not in e for e in errors):
            # The operation never ran (variables did not coerce): no `data` entry.
            result.pop("data", None)
        media_type = _response_type(request)
        status = HTTPStatus.OK
        if "data" not in result and media_type == GRAPHQL_RESPONSE_JSON:
            status = HTTPStatus.BAD_REQUEST
        return GraphQLJSONResponse(result, status_code=status, media_type=media_type)

    async def _run_operation(
        self, request: Request, data: dict[str, Any], document: DocumentNode | None
    ) -> dict[str, Any]:
        """Ariadne's `graphql()` for this service: the same steps with Ariadne's own
        checks, less its machinery for what the service does not configure (extensions,
        middleware, a root value, asynchronous context), which cost every request."""
        if self.schema is None:
            raise TypeError("the handler is not configured")
        context = request.state.graphql_context
        try:
            validate_data(data)
            operation_name = data.get("operationName")
            if document is None:
                document = parse_cached(data["query"], self.settings.max_tokens)
            rules = self.validation_rules
            if callable(rules):
                rules = rules(context, document, data)
            errors = validate_query(
                self.schema,
                document,
                rules,
                enable_introspection=self.introspection,
                query_validator=self.query_validator,
            )
            if errors:
                return {"errors": [self.error_formatter(error, self.debug) for error in errors]}
            if request.method == "GET":
                validate_operation_is_query(document, operation_name)
            else:
                validate_operation_is_not_subscription(document, operation_name)
            result = execute(
                self.schema,
                document,
                context_value=context,
                variable_values=data.get("variables"),
                operation_name=operation_name,
                execution_context_class=self.execution_context_class,
            )
            if isawaitable(result):
                result = await result
        except GraphQLError as error:
            return {"errors": [self.error_formatter(error, self.debug)]}
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [
                self.error_formatter(error, self.debug) for error in result.errors
            ]
        return response


def create_graphql_app(
    schema: GraphQLSchema, *, settings: Settings, authenticator: Authenticator
) -> GraphQL:
    # Ariadne logs every error, domain errors included, with a traceback; unexpected
    # errors are logged once, with their trace id, by `format_error` instead.
    ariadne_logger = logging.getLogger("app.graphql.ariadne")
    ariadne_logger.setLevel(logging.CRITICAL)
    return GraphQL(
        schema,
        error_formatter=format_error,
        logger=ariadne_logger,
        debug=settings.debug,
        validation_rules=validation_rules_for(limits_from(settings)),
        query_validator=CachedValidator(),
        http_handler=ContractHTTPHandler(authenticator, settings),
        execution_context_class=FieldExecutionContext,
        explorer=GraphiQLExplorer(title="Integrations API", default_query=EXPLORER_QUERY),
    )
