"""One log line per HTTP request: method, path, GraphQL operation name, status,
duration and trace id; as JSON when `LOG_JSON` is set. Headers are never logged."""

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("app.requests")


class RequestLogMiddleware:
    """Pure ASGI middleware: the GraphQL layer leaves the operation name and trace id in
    the request's state (`scope["state"]`) for this line."""

    def __init__(self, app: ASGIApp, *, as_json: bool) -> None:
        self.app = app
        self.as_json = as_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            state: dict[str, Any] = scope.get("state", {})
            self._log(
                method=scope["method"],
                path=scope["path"],
                operation=state.get("operation_name"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                trace_id=state.get("trace_id"),
            )

    def _log(self, **fields: Any) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        if self.as_json:
            message = json.dumps({"event": "request", **fields}, separators=(",", ":"))
            arguments: Any = ()
        else:
            message = (
                "%(method)s %(path)s %(operation)s %(status)s %(duration_ms).2fms "
                "traceId=%(trace_id)s"
            )
            arguments = {**fields, "operation": fields["operation"] or "-"}
        # The record made directly: `logger.info` would first walk the stack for the
        # caller's file and line, which this line never shows, on every request.
        logger.handle(
            logger.makeRecord(
                logger.name,
                logging.INFO,
                __file__,
                0,
                message,
                (arguments,) if arguments else (),
                None,
            )
        )
