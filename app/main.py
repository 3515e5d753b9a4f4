"""The FastAPI application: `uvicorn app.main:app`."""

import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from graphql import print_schema
from starlette.types import ASGIApp, Receive, Scope, Send

from app.database import RequestDatabase, create_engine, ping
from app.graphql.core.context import RequestContext
from app.graphql.core.cursors import CursorCodec
from app.graphql.core.errors import (
    DATABASE_UNREACHABLE,
    ErrorCode,
    current_trace_id,
    trace_id_from_traceparent,
)
from app.graphql.explorer import explorer_url
from app.graphql.explorer import router as explorer_router
from app.graphql.http import create_graphql_app, request_error_response
from app.graphql.schema import build_schema
from app.migrate import SchemaNotCurrentError, prepare_schema
from app.request_log import RequestLogMiddleware
from app.security.actor import Actor
from app.security.bootstrap import bootstrap
from app.security.keys import KeyCache, authenticate
from app.settings import Settings, get_settings

logger = logging.getLogger("app")

GRAPHQL_PATH = "/graphql"


class IntegrationsAPI(FastAPI):
    """FastAPI, with `POST`/`GET /graphql` served ahead of its middleware stack.

    Starlette's and FastAPI's middleware (error pages, exception handlers, body limits,
    the exit stack for dependencies) and the router cost a list request a tenth of its
    CPU, and the GraphQL endpoint needs none of them: it reads its body within its own
    limit and answers every failure in the contract's format itself. It keeps what it
    does need, the request log and CORS, as its own wrappers (`graphql_endpoint`).
    Every other path, and `/graphql` under a root path, goes through FastAPI."""

    graphql_endpoint: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.graphql_endpoint
        if endpoint is not None and scope["type"] == "http" and scope["path"] == GRAPHQL_PATH:
            scope["app"] = self
            await endpoint(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _announce_root_key(token: str, settings: Settings) -> None:
    # Printed once, on the start that created the root actor; never logged.
    print(
        "\n  The database was empty: a root organization and integration were created.\n"
        f"  Root integration key (shown once, store it now): {token}\n"
        f"  The explorer, with the key set: {explorer_url(settings.public_url, token)}\n",
        file=sys.stdout,
        flush=True,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    # No line shows the thread or the process, and looking them up was a third of the
    # cost of each request's log record (the logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    engine = create_engine(settings)
    cursors = CursorCodec(settings.cursor_secret)

    key_cache = KeyCache(settings.auth_cache_seconds)

    async def authenticate_request(request: Request) -> Actor | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        context: RequestContext = request.state.graphql_context

        return await key_cache.actor_for(token, lambda: authenticate(context.db, token))

    schema = build_schema()
    graphql_app = create_graphql_app(schema, settings=settings, authenticator=authenticate_request)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            await prepare_schema(engine, settings)
        except BaseException as error:
            if isinstance(error, SchemaNotCurrentError):
                logger.error("%s", error)
            await engine.dispose()  # no pooled connection outlives a failed start
            raise
        token = await bootstrap(engine, demo_data=settings.demo_data)
        if token is not None:
            _announce_root_key(token, settings)
        # What start-up made (the schema, the models, SQLAlchemy's and pydantic's
        # machinery) lives as long as the process. Left to the collector, each full
        # collection walked it all again, stalling every request in flight for 100 ms
        # and more; frozen, it is never walked.
        gc.collect()
        gc.freeze()
        # A request allocates thousands of containers and frees nearly all of them on
        # its own; collecting the youngest generation every 700 net allocations walked
        # the objects of the requests in flight again and again (2.5 % of a list
        # request's instructions). Cyclic garbage waits longer instead: every collection
        # comes about 30 times less often, the older generations' ratios are Python's.
        thresholds = gc.get_threshold()
        gc.set_threshold(20_000, thresholds[1], thresholds[2])
        yield
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        await engine.dispose()

    app = IntegrationsAPI(
        title="Integrations API", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.engine = engine

    def with_shared_middleware(endpoint: ASGIApp) -> ASGIApp:
        """`endpoint` wrapped in the request log and CORS, the same for FastAPI's stack
        and for the GraphQL endpoint ahead of it."""
        if settings.cors_origins:
            # Off unless origins are configured: then for exactly those. Keys travel in
            # the Authorization header, never in cookies, so credentials stay disallowed.
            endpoint = CORSMiddleware(
                endpoint,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept", "traceparent"],
                max_age=600,
            )
        return RequestLogMiddleware(endpoint, as_json=settings.log_json)

    app.add_middleware(with_shared_middleware)

    async def graphql(request: Request) -> Response:
        trace_id = trace_id_from_traceparent(request.headers.get("traceparent"))
        current_trace_id.set(trace_id)
        request.state.trace_id = trace_id
        db = RequestDatabase(engine)
        request.state.graphql_context = RequestContext(
            db=db, settings=settings, cursors=cursors, trace_id=trace_id
        )
        try:
            return await graphql_app.handle_request(request)
        finally:
            if db.wrote:
                # The write may have revoked a key or deactivated its integration or
                # organization: this process verifies keys anew from now on.
                key_cache.clear()
            await db.close()

    async def serve_graphql(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await graphql(request)
        except Exception:
            # What Starlette's error middleware did, in the contract's envelope.
            logger.exception("Unexpected error (traceId=%s)", current_trace_id.get())
            response = request_error_response(
                request,
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "An unexpected error occurred.",
                code=ErrorCode.INTERNAL_ERROR,
            )
        await response(scope, receive, send)

    app.graphql_endpoint = with_shared_middleware(serve_graphql)
    # Also a plain route, for `/graphql` under a root path (the endpoint takes the
    # request and nothing else: FastAPI's dependency resolution would only add cost).
    app.add_route(
        GRAPHQL_PATH, graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    )
    app.include_router(explorer_router)

    schema_sdl = print_schema(schema) + "\n"

    @app.get("/graphql/schema.graphql")
    async def sdl(request: Request) -> Response:
        """The schema as SDL, for clients that generate code from it (a key is needed,
        as for introspection)."""
        db = RequestDatabase(engine)
        request.state.graphql_context = RequestContext(
            db=db, settings=settings, cursors=cursors, trace_id=""
        )
        try:
            actor = await authenticate_request(request)
        except DATABASE_UNREACHABLE:
            return PlainTextResponse(
                "The database is not reachable right now; retry later.\n", status_code=503
            )
        finally:
            await db.close()
        if actor is None:
            return PlainTextResponse(
                "A valid key is required: send `Authorization: Bearer <key>`.\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return PlainTextResponse(schema_sdl, media_type="application/graphql")

    @app.get("/healthz")
    async def healthz() -> Response:
        if await ping(engine, settings.database_connect_timeout_seconds):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    return app


app = create_app()
