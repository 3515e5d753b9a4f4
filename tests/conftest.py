"""The service under test runs in uvicorn on a loopback port; tests talk to it over HTTP.

The database is chosen by `TEST_DATABASE_URL` (default: a SQLite file in a temporary
folder). Its tables are dropped and migrated anew at the start of the session and emptied
before every test.
"""

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from app.database import async_database_url, create_engine
from app.main import create_app
from app.migrate import upgrade
from app.security.bootstrap import create_root
from app.settings import Settings


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


async def _recreate_tables(settings: Settings) -> None:
    """Drop every table, then make the schema as a deployment does, by the migrations
    (so the service's start-up check accepts it)."""
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.drop_all)
        await connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()
    await upgrade(settings)


@dataclass(frozen=True)
class Actor:
    """Who the tests call the service as: the root integration of a root organization."""

    token: str
    organization_id: str
    integration_id: str


async def _empty_tables(settings: Settings) -> Actor:
    """Empty every table, then create a root actor to call the service as."""
    engine = create_engine(settings)
    async with engine.begin() as connection:
        for table in ("integration_keys", "integrations", "organizations", "service_state"):
            await connection.execute(sa.text(f"DELETE FROM {table}"))
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        integration, token = await create_root(session)
    await engine.dispose()
    return Actor(token, integration.organization_id, integration.id)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Service:
    """The running service and ways to talk to it."""

    base_url: str
    settings: Settings
    app: Any
    client: httpx.Client = field(init=False)
    actor: Actor | None = None

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base_url, timeout=30)

    def act_as(self, actor: Actor) -> None:
        """Send every later request with `actor`'s key."""
        self.actor = actor
        self.client.headers["Authorization"] = f"Bearer {actor.token}"

    def new_client(self) -> httpx.Client:
        """A client of its own (for another thread), with the current actor's key."""
        return httpx.Client(base_url=self.base_url, timeout=30, headers=dict(self.client.headers))

    @property
    def backend(self) -> str:
        return async_database_url(self.settings.database_url).get_backend_name()

    def post(self, body: Any, **kwargs: Any) -> httpx.Response:
        return self.client.post("/graphql", json=body, **kwargs)

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation; the whole JSON response (`data` and `errors`)."""
        response = self.post({"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation that must succeed; its `data`."""
        result = self.gql(query, variables)
        assert "errors" not in result, result
        data: dict[str, Any] = result["data"]
        return data

    @contextmanager
    def count_statements(self) -> Iterator[list[str]]:
        """The SQL statements the service runs inside the block for the operations
        themselves: authenticating a request is one statement more, asserted apart."""
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "FROM integration_keys JOIN integrations" not in statement:
                statements.append(statement)

        engine = self.app.state.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    settings = Settings(database_url=_database_url(tmp_path_factory.mktemp("db")))
    asyncio.run(_recreate_tables(settings))
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    running = Service(f"http://127.0.0.1:{port}", settings, app)
    yield running
    running.client.close()
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(autouse=True)
def empty_database(service: Service) -> None:
    service.act_as(asyncio.run(_empty_tables(service.settings)))
