"""Engine creation and the per-request database handle."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from app.settings import Settings

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
}


def async_database_url(database_url: str) -> URL:
    """Turn the configured URL (sync form accepted) into one naming an async driver."""
    url = make_url(database_url)
    return url.set(drivername=_ASYNC_DRIVERS.get(url.drivername, url.drivername))


def create_engine(settings: Settings) -> AsyncEngine:
    url = async_database_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        return _create_postgres_engine(url, settings)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=settings.database_echo, pool_pre_ping=True)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        echo=settings.database_echo,
        connect_args={"timeout": settings.sqlite_busy_timeout_seconds},
    )
    _configure_sqlite(engine, settings)
    return engine


def _configure_sqlite(engine: AsyncEngine, settings: Settings) -> None:
    busy_timeout_ms = int(settings.sqlite_busy_timeout_seconds * 1000)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling issues BEGIN lazily and hides it from
        # SQLAlchemy; take it over so every transaction starts where SQLAlchemy says.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def _create_postgres_engine(url: URL, settings: Settings) -> AsyncEngine:
    """asyncpg behind SQLAlchemy's pool, with every wait bounded by a setting."""
    server_settings = {"application_name": "integrations-api"}
    statement_timeout = settings.database_statement_timeout_seconds
    if statement_timeout > 0:
        server_settings["statement_timeout"] = str(int(statement_timeout * 1000))
    engine = create_async_engine(
        url,
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
        pool_recycle=settings.database_pool_recycle_seconds,
        connect_args={
            "timeout": settings.database_connect_timeout_seconds,
            # The client stops waiting a little after the server would have cancelled:
            # a statement on a connection that no longer answers cannot hang a request.
            "command_timeout": statement_timeout + 1 if statement_timeout > 0 else None,
            "server_settings": server_settings,
        },
    )
    event.listen(engine.sync_engine, "handle_error", _database_unavailable)
    _test_idle_connections(engine)
    return engine


# A connection back in the pool for less than this has just served a request and is
# handed out again untested: the test costs three round trips (BEGIN, a statement,
# ROLLBACK), which under steady traffic made a small read's round trips twice as many.
POOL_TEST_AFTER_IDLE_SECONDS = 1.0


def _test_idle_connections(engine: AsyncEngine) -> None:
    """The pool's pre-ping for connections that sat idle: one that died unnoticed (the
    server restarted, the network dropped it) is replaced, and the pool with it, before
    a request gets it. One that dies in use fails its statement, which drops the pool's
    connections just the same."""

    def note_idle(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def test_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < POOL_TEST_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise sa.exc.InvalidatePoolError(str(error)) from error

    event.listen(engine.sync_engine, "connect", note_idle)
    event.listen(engine.sync_engine, "checkin", note_idle)
    event.listen(engine.sync_engine, "checkout", test_if_idle)


# SQLSTATE classes that say the database cannot serve right now, not that the request is
# wrong: connection exception, insufficient resources (too many connections), operator
# intervention (shutdown, starting up, statement_timeout), system error.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57", "58")


def _database_unavailable(context: sa.engine.ExceptionContext) -> BaseException | None:
    """Report a lost or refused PostgreSQL connection as an OperationalError, the class
    the service answers SERVICE_UNAVAILABLE for (asyncpg's are plain DBAPIErrors)."""
    original = context.original_exception
    sqlstate: str = getattr(original, "sqlstate", None) or ""
    unavailable = context.is_disconnect or sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES
    if not unavailable or context.sqlalchemy_exception is None:
        return None
    if sqlstate[:2] in ("08", "57") and sqlstate != "57014":
        context.is_disconnect = True  # the connection is gone: the pool drops it
    if isinstance(context.sqlalchemy_exception, sa.exc.OperationalError):
        return None
    return sa.exc.OperationalError(
        context.statement,
        context.parameters,
        original,
        connection_invalidated=context.is_disconnect,
    )


async def ping(engine: AsyncEngine, timeout: float = 5.0) -> bool:
    """Whether the database answers a statement within `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout), engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
    except Exception:
        return False
    return True


class RequestDatabase:
    """One request's database session.

    GraphQL resolves sibling fields concurrently, but a session (and its connection)
    serves one statement at a time, so every use goes through a lock. Writes run in a
    transaction of their own that starts with no read snapshot held: on SQLite a
    transaction that reads before it writes can fail to upgrade its lock.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self.wrote = False
        """Whether a write transaction was opened (whatever became of it)."""

    def _current_session(self) -> AsyncSession:
        if self._closed:
            # A straggler of a request that has ended, such as a data loader's batch that
            # outlived an execution stopped at the query timeout: a session opened now
            # would hold a pooled connection that nobody gives back.
            raise asyncio.CancelledError("the request this database served has ended")
        if self._session is None:
            self._session = self._sessionmaker()
        return self._session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            yield self._current_session()

    async def all(
        self, statement: sa.Select[Any], parameters: dict[str, Any] | None = None
    ) -> list[Any]:
        """The first column of every row (model instances for a SELECT of a model)."""
        async with self.read() as session:
            return list((await session.execute(statement, parameters)).scalars().all())

    async def rows(
        self, statement: sa.Select[Any], parameters: dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Every row whole (a tuple of model instances for a SELECT of several models)."""
        async with self.read() as session:
            return [tuple(row) for row in (await session.execute(statement, parameters)).all()]

    async def records(
        self, statement: sa.Select[Any], parameters: dict[str, Any] | None = None
    ) -> list[sa.Row[Any]]:
        """Every row as SQLAlchemy returns it: columns by name, no ORM instances."""
        async with self.read() as session:
            return list((await session.execute(statement, parameters)).all())

    async def one(
        self, statement: sa.Select[Any], parameters: dict[str, Any] | None = None
    ) -> sa.Row[Any]:
        async with self.read() as session:
            row: sa.Row[Any] = (await session.execute(statement, parameters)).one()
            return row

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            session = self._current_session()
            self.wrote = True
            if session.in_transaction():
                # Ends the read snapshot. Commit, not rollback: a rollback would expire
                # the rows this request already loaded (and hands out to resolvers).
                await session.commit()
            async with session.begin():
                yield session

    async def close(self) -> None:
        async with self._lock:  # after a statement still running, if any
            self._closed = True
            if self._session is not None:
                await self._session.close()
                self._session = None


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
