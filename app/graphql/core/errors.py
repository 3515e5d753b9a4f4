"""The error envelope of the contract: GraphQL errors carrying RFC 9457 problem details.

Resolvers raise a `DomainError` subclass; `format_error` turns every error that leaves
execution (domain, request or unexpected) into the contract's `extensions`.
"""

import logging
import random
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy.exc
from graphql import GraphQLError

from app.graphql.core.variables import variable_error_field

logger = logging.getLogger("app.errors")

PROBLEM_INSTANCE = "/graphql"


class ErrorCode(StrEnum):
    UNAUTHORIZED = "UNAUTHORIZED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    CONFLICT = "CONFLICT"
    DUPLICATE = "DUPLICATE"
    RATE_LIMITED = "RATE_LIMITED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class Problem(NamedTuple):
    status: int
    title: str


PROBLEMS: dict[ErrorCode, Problem] = {
    ErrorCode.UNAUTHORIZED: Problem(401, "Unauthorized"),
    ErrorCode.PERMISSION_DENIED: Problem(403, "Forbidden"),
    ErrorCode.NOT_FOUND: Problem(404, "Resource Not Found"),
    ErrorCode.VALIDATION_ERROR: Problem(400, "Validation Error"),
    ErrorCode.CONFLICT: Problem(409, "Conflict"),
    ErrorCode.DUPLICATE: Problem(409, "Duplicate Entry"),
    ErrorCode.RATE_LIMITED: Problem(429, "Too Many Requests"),
    ErrorCode.QUERY_TOO_COMPLEX: Problem(400, "Query Too Complex"),
    ErrorCode.QUERY_TOO_DEEP: Problem(400, "Query Too Deep"),
    ErrorCode.INTERNAL_ERROR: Problem(500, "Internal Server Error"),
    ErrorCode.SERVICE_UNAVAILABLE: Problem(503, "Service Unavailable"),
}


def problem_type(code: ErrorCode) -> str:
    """The stable URI that names a problem type."""
    return "urn:integrations:problem:" + code.lower().replace("_", "-")


# --- trace ids ---------------------------------------------------------------------

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
current_trace_id: ContextVar[str] = ContextVar("current_trace_id", default="0" * 32)


def trace_id_from_traceparent(traceparent: str | None) -> str:
    """The trace id of a W3C `traceparent` header, or a new one when absent or invalid."""
    if traceparent:
        match = _TRACEPARENT.match(traceparent.strip().lower())
        if match and match.group(1) != "0" * 32:
            return match.group(1)
    # Pseudo-random, as OpenTelemetry's own generator makes them: a trace id is no secret,
    # and `secrets` cost a system call on every request. Never all zeros (invalid).
    return f"{random.getrandbits(128) or 1:032x}"


# --- domain errors -----------------------------------------------------------------


class DomainError(Exception):
    """An error a resolver reports to the client; `code` selects the problem type."""

    code: ErrorCode = ErrorCode.INTERNAL_ERROR

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
        expected_version: int | None = None,
        current_version: int | None = None,
        constraint: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.details: dict[str, Any] = {
            key: value
            for key, value in (
                ("field", field),
                ("entityType", entity_type),
                ("entityId", entity_id),
                ("expectedVersion", expected_version),
                ("currentVersion", current_version),
                ("constraint", constraint),
            )
            if value is not None
        }


class ValidationError(DomainError):
    code = ErrorCode.VALIDATION_ERROR


class NotFoundError(DomainError):
    code = ErrorCode.NOT_FOUND

    def __init__(self, entity_type: str, entity_id: str, *, field: str | None = None) -> None:
        super().__init__(
            f"{entity_type} {entity_id!r} was not found.",
            field=field,
            entity_type=entity_type,
            entity_id=entity_id,
        )


class ConflictError(DomainError):
    code = ErrorCode.CONFLICT

    def __init__(
        self, entity_type: str, entity_id: str, *, expected_version: int, current_version: int
    ) -> None:
        super().__init__(
            f"{entity_type} {entity_id!r} is at version {current_version}, "
            f"not {expected_version}; read it again and retry.",
            field="input.version",
            entity_type=entity_type,
            entity_id=entity_id,
            expected_version=expected_version,
            current_version=current_version,
        )


class PermissionDeniedError(DomainError):
    code = ErrorCode.PERMISSION_DENIED


# --- formatting --------------------------------------------------------------------


def problem_extensions(code: ErrorCode, detail: str, **details: Any) -> dict[str, Any]:
    problem = PROBLEMS[code]
    return {
        "type": problem_type(code),
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
        "instance": PROBLEM_INSTANCE,
        "code": code.value,
        "traceId": current_trace_id.get(),
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        **details,
    }


# Failures to reach the database, or of a database that cannot serve the request now, as
# the drivers and SQLAlchemy raise them (`app.database` makes the latter OperationalErrors).
DATABASE_UNREACHABLE = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def format_error(error: GraphQLError, debug: bool = False) -> dict[str, Any]:
    """Ariadne's error formatter: every error leaves in the contract's envelope."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error

    if isinstance(original, DATABASE_UNREACHABLE):
        message = "The database cannot serve this request right now; retry later."
        logger.warning(
            "Database unavailable (traceId=%s): %s", current_trace_id.get(), type(original).__name__
        )
        extensions = problem_extensions(ErrorCode.SERVICE_UNAVAILABLE, message)
    elif isinstance(original, DomainError):
        message = original.detail
        extensions = problem_extensions(original.code, original.detail, **original.details)
    elif error.path is None:
        # Raised before execution (errors inside execution carry a path): the document
        # does not parse or validate, or the variables do not coerce.
        message = error.message
        details = {}
        field = variable_error_field(error)
        if field is not None:
            details["field"] = field
        extensions = problem_extensions(ErrorCode.VALIDATION_ERROR, error.message, **details)
    else:
        message = "An unexpected error occurred."
        logger.error(
            "Unexpected error (traceId=%s) at %s",
            current_trace_id.get(),
            error.path,
            exc_info=original or error,
        )
        extensions = problem_extensions(ErrorCode.INTERNAL_ERROR, message)

    formatted: dict[str, Any] = {"message": message}
    if error.locations:
        formatted["locations"] = [location._asdict() for location in error.locations]
    if error.path is not None:
        formatted["path"] = error.path
    formatted["extensions"] = extensions
    return formatted
