"""Engine creation and the per-request database handle."""

import asyncio
import logging
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.sql.visitors import InternalTraversal

from app import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from app.settings import Settings

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's writers take turns within a process only
    fcntl = None  # type: ignore[assignment]

# Where DATABASE_ECHO writes the statements run on the driver directly, beside
# SQLAlchemy's own.
_echo = logging.getLogger("sqlalchemy.engine.Engine")
_log = logging.getLogger(__name__)

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
    _SQLITE_WRITING[engine.sync_engine] = _SQLiteWriting(
        _writers_lock_file(url.database), settings.sqlite_busy_timeout_seconds
    )
    return engine


def _writers_lock_file(database: str | None) -> Path | None:
    """Where the writers of the SQLite database at `database` take turns: a file beside
    it, named after its real path so that every spelling of the path shares it. None
    for a database in memory, or one named by a `file:` URI, which this does not read."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{os.path.realpath(database)}-writers")


class _SQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, rendering a table's hint (`Select.with_hint(table, "INDEXED BY
    …", "sqlite")`) after the table, which SQLAlchemy's leaves out."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def _configure_sqlite(engine: AsyncEngine, settings: Settings) -> None:
    busy_timeout_ms = int(settings.sqlite_busy_timeout_seconds * 1000)
    engine.sync_engine.dialect.statement_compiler = _SQLiteCompiler

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
    if settings.database_random_page_cost > 0:
        server_settings["random_page_cost"] = str(settings.database_random_page_cost)
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
# A transaction the database rolled back for a concurrent one (a deadlock, a
# serialization failure): the same request, sent again, goes through.
_UNAVAILABLE_SQLSTATES = ("40001", "40P01")


def _lost_by_sqlstate(sqlstate: str) -> bool:
    """Whether the server's error ended the connection: a connection exception, or
    operator intervention (shutdown) other than a cancelled statement."""
    return sqlstate[:2] in ("08", "57") and sqlstate != "57014"


def _unavailable(sqlstate: str, *, lost: bool) -> bool:
    """Whether an error says the database cannot serve now (SERVICE_UNAVAILABLE), not
    that the request is wrong."""
    return (
        lost or sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in _UNAVAILABLE_SQLSTATES
    )


def _database_unavailable(context: sa.engine.ExceptionContext) -> BaseException | None:
    """Report a lost or refused PostgreSQL connection as an OperationalError, the class
    the service answers SERVICE_UNAVAILABLE for (asyncpg's are plain DBAPIErrors)."""
    original = context.original_exception
    sqlstate: str = getattr(original, "sqlstate", None) or ""
    unavailable = _unavailable(sqlstate, lost=context.is_disconnect)
    if not unavailable or context.sqlalchemy_exception is None:
        return None
    if _lost_by_sqlstate(sqlstate):
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


class _OneOf(sa.ColumnElement[bool]):
    """`column` equal to one of the values of the list parameter named `parameter`."""

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("parameter", InternalTraversal.dp_string),
    ]
    type = sa.Boolean()

    def __init__(self, column: sa.ColumnElement[Any], parameter: str) -> None:
        self.column = column
        self.parameter = parameter

    @property
    def _from_objects(self) -> list[Any]:
        # The column's table, so that a statement selecting no column of it has it in
        # its FROM, as with a comparison of SQLAlchemy's own.
        return self.column._from_objects

    def self_group(self, against: Any = None) -> sa.ColumnElement[bool]:
        # A comparison already: not to be compared with true (`= 1` on SQLite), as a
        # boolean column would be; in parentheses inside anything but AND and OR.
        if against in (operators.and_, operators.or_, operators._asbool):
            return self
        return Grouping(self)

    def _negate(self) -> sa.ColumnElement[Any]:
        raise NotImplementedError("one_of is a condition of its own; it is not negated")


def one_of(column: sa.ColumnElement[Any], parameter: str) -> sa.ColumnElement[bool]:
    """`column` equal to one of the values of the list parameter named `parameter`.

    On PostgreSQL `= ANY` of one array parameter: the statement's SQL is the same for
    lists of every length, so it is compiled once and runs on the driver, prepared once.
    Elsewhere an expanding `IN`, which SQLAlchemy writes per execution for the list's
    length (SQLite has no arrays)."""
    return _OneOf(column, parameter)


@compiles(_OneOf)
def _one_of_elsewhere(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    in_list = element.column.in_(sa.bindparam(element.parameter, expanding=True))
    return compiler.process(in_list, **kw)


@compiles(_OneOf, "postgresql")
def _one_of_on_postgresql(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    array = sa.bindparam(element.parameter, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(array), **kw)


class PreparedRead:
    """A SELECT built once, read as tuples of values, optionally with its leading columns
    made into row types (`entities`: each takes as many columns as it has fields; the
    columns after them stay plain values).

    On PostgreSQL it is compiled once and run on asyncpg itself: SQLAlchemy's execution
    path (its compiled-cache lookup, parameter and result handling, the adapter) cost
    several times what the driver does for a small statement, which made it a third of
    a list request's time. SQLAlchemy still writes the SQL and converts the values (its
    types' own processors), and the engine's `before_cursor_execute` listeners still
    see the statement. A statement that SQLAlchemy rewrites per execution (expanding or
    literal-execute parameters) takes SQLAlchemy's path, as everything does on other
    engines; a list of values written with `one_of` is one parameter on PostgreSQL and
    does not. Made once and kept: compiling costs more than a run on SQLAlchemy's path.
    """

    def __init__(self, select: sa.Select[Any], *, entities: tuple[Any, ...] = ()) -> None:
        self.select = select
        self._compiled: dict[tuple[str, str], _CompiledRead | None] = {}
        self._slices: list[tuple[Any, int, int]] = []
        start = 0
        for row_type in entities:
            self._slices.append((row_type, start, start + len(row_type._fields)))
            start += len(row_type._fields)
        self._rest = start
        self._whole = (
            entities[0] if len(entities) == 1 and start == len(select.selected_columns) else None
        )
        """The one row type that takes every column, when there is one."""
        self._leading = entities[0] if len(entities) == 1 and self._whole is None else None
        """The one row type that takes the leading columns, when other values follow (a
        page read after a cursor, with its flags)."""

    def compiled_for(self, dialect: sa.Dialect) -> "_CompiledRead | None":
        """The statement compiled for `dialect`; None when it cannot run precompiled."""
        key = (dialect.name, dialect.driver)
        if key not in self._compiled:
            self._compiled[key] = _CompiledRead.compile(self.select, dialect)
        return self._compiled[key]

    def shaped(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Each row as its entities' rows, then its other values."""
        if not self._slices:
            return rows
        whole = self._whole
        if whole is not None:
            return [(whole._make(row),) for row in rows]
        rest = self._rest
        leading = self._leading
        if leading is not None:
            # A third of the general case's cost: no generator per row.
            return [(leading._make(row[:rest]), *row[rest:]) for row in rows]
        return [
            tuple(row_type._make(row[start:end]) for row_type, start, end in self._slices)
            + row[rest:]
            for row in rows
        ]


@dataclass(frozen=True)
class _CompiledRead:
    sql: str
    parameter_names: tuple[str, ...]
    fixed_values: dict[str, Any]
    """The parameters that carry their value in the statement (a literal, a constant
    limit), by name."""
    bind_processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    result_processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    @classmethod
    def compile(cls, select: sa.Select[Any], dialect: sa.Dialect) -> "_CompiledRead | None":
        compiled = select.compile(dialect=dialect)
        if (
            compiled.post_compile_params
            or compiled.literal_execute_params
            or compiled.positiontup is None
        ):
            return None
        names = tuple(compiled.positiontup)
        fixed_values = {
            name: compiled.binds[name].effective_value
            for name in names
            if not compiled.binds[name].required
        }
        bind_processors = []
        for index, name in enumerate(names):
            processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind_processors.append((index, processor))
        result_processors = []
        for index, column in enumerate(select.selected_columns):
            try:
                processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            except Exception:
                # Its conversion depends on the type the driver reports per execution
                # (PostgreSQL's numerics refuse to choose without it, one by raising a
                # TypeError): SQLAlchemy's path knows that type.
                return None
            if processor is not None:
                result_processors.append((index, processor))
        return cls(
            str(compiled), names, fixed_values, tuple(bind_processors), tuple(result_processors)
        )

    def arguments(self, parameters: dict[str, Any]) -> tuple[Any, ...]:
        fixed = self.fixed_values
        arguments = [
            parameters[name] if name in parameters else fixed[name] for name in self.parameter_names
        ]
        for index, processor in self.bind_processors:
            arguments[index] = processor(arguments[index])
        return tuple(arguments)

    def rows(self, records: list[Any]) -> list[tuple[Any, ...]]:
        if not self.result_processors:
            return [tuple(record) for record in records]
        rows = []
        for record in records:
            values = list(record)
            for index, processor in self.result_processors:
                values[index] = processor(values[index])
            rows.append(tuple(values))
        return rows


def _connection_lost(error: BaseException, driver_connection: Any) -> bool:
    """Whether an error of asyncpg, used directly, leaves its connection unusable: the
    socket failed or timed out, the connection closed, or the server ended it."""
    if isinstance(error, OSError) or driver_connection.is_closed():
        return True
    return _lost_by_sqlstate(getattr(error, "sqlstate", None) or "")


@dataclass(frozen=True)
class _SQLiteWriting:
    """Where a SQLite engine's writers of all processes take turns, and how long one
    waits for its turn: the database's busy timeout."""

    lock_file: Path | None
    """Beside the database file; None for a database in memory (one process's)."""
    timeout: float


# Set by `create_engine` for each SQLite engine it makes.
_SQLITE_WRITING: weakref.WeakKeyDictionary[sa.Engine, _SQLiteWriting] = weakref.WeakKeyDictionary()


class _SQLiteWriters:
    """The turn of a SQLite database's writers, first among one process's (an asyncio
    lock), then among processes (an advisory lock on a file beside the database).

    SQLite has one writer at a time, and one that finds the database locked retries on
    the busy handler's timer, whose sleeps grow to 100 ms: under 16 concurrent writers
    some waited close to two seconds. Queued here instead, a process's writers take the
    database in order, and the one at the head of the queue waits for the file's lock
    in a thread, which the kernel wakes as soon as the lock is free (polling for it let
    the process that had just written take it again, and kept the other waiting).
    Writers that do not take the turn (migrations, the seed, other programs) still meet
    SQLite's own lock, which keeps the data safe either way.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, writing: _SQLiteWriting | None) -> None:
        self.loop = weakref.ref(loop)
        self._in_process = asyncio.Lock()
        self._timeout = writing.timeout if writing is not None else 0.0
        self._lock_file = writing.lock_file if fcntl is not None and writing else None
        # Threads of their own, so that waits given up on while another process writes
        # (each blocked until it is done) never hold the event loop's default executor.
        self._waiting = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sqlite-turn")
        weakref.finalize(self, self._waiting.shutdown, wait=False)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._in_process:
            if self._lock_file is None:
                yield
                return
            held = await self._take_file_lock(self._lock_file)
            try:
                yield
            finally:
                os.close(held)  # gives the lock back

    async def _take_file_lock(self, lock_file: Path) -> int:
        """An open description of the lock file that holds its lock: each turn opens
        its own, so a wait given up on can only ever hold, and then close, its own."""
        assert fcntl is not None
        try:
            # Read-only is enough for `flock`: whoever may write the database may take
            # the turn.
            file = os.open(lock_file, os.O_RDONLY | os.O_CREAT, 0o666)
        except OSError as error:
            raise sa.exc.OperationalError(None, None, error) from error
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return file
        except BlockingIOError:
            pass
        except BaseException:
            os.close(file)
            raise
        if self._timeout <= 0:
            os.close(file)
            raise _locked_by_another_process()
        wait = _FileLockWait(file)
        waiting = asyncio.get_running_loop().run_in_executor(self._waiting, wait.run)
        try:
            await asyncio.wait_for(asyncio.shield(waiting), self._timeout)
        except BaseException as error:
            wait.abandon()
            if isinstance(error, TimeoutError):
                raise _locked_by_another_process() from error
            raise
        return file


def _locked_by_another_process() -> sa.exc.OperationalError:
    """What SQLite's own lock would answer (SERVICE_UNAVAILABLE)."""
    return sa.exc.OperationalError(
        None, None, TimeoutError("the database is locked by another process")
    )


class _FileLockWait:
    """A blocking wait for a file's lock, which its writer may give up on: the file is
    then closed (and its lock, if taken, given back) by whichever side comes last."""

    def __init__(self, file: int) -> None:
        self._file = file
        self._state = threading.Lock()
        self._taken = self._abandoned = False

    def run(self) -> None:  # in a thread
        assert fcntl is not None
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:
            os.close(self._file)
            raise
        with self._state:
            self._taken = True
            if self._abandoned:
                os.close(self._file)

    def abandon(self) -> None:
        with self._state:
            self._abandoned = True
            if self._taken:
                os.close(self._file)


# Per engine, with the event loop it serves: an asyncio lock serves one loop, and holds
# it once a writer has waited on it, so the writers of a loop gone are replaced.
_SQLITE_WRITERS: weakref.WeakKeyDictionary[sa.Engine, _SQLiteWriters] = weakref.WeakKeyDictionary()


def _sqlite_writers(engine: AsyncEngine) -> _SQLiteWriters:
    """The writers of the SQLite database `engine` writes to, for this event loop."""
    loop = asyncio.get_running_loop()
    writers = _SQLITE_WRITERS.get(engine.sync_engine)
    if writers is None or writers.loop() is not loop:
        writing = _SQLITE_WRITING.get(engine.sync_engine)
        writers = _SQLITE_WRITERS[engine.sync_engine] = _SQLiteWriters(loop, writing)
    return writers


class RequestDatabase:
    """One request's database connection, and a session bound to it.

    GraphQL resolves sibling fields concurrently, but a connection serves one statement
    at a time, so every use goes through a lock. Writes run in a transaction of their
    own that starts with no read snapshot held: on SQLite a transaction that reads
    before it writes can fail to upgrade its lock. On PostgreSQL `PreparedRead`s run on
    the driver outside any transaction (under READ COMMITTED each statement takes its own
    snapshot, in a transaction or not), so a read-only request sends no BEGIN and no
    ROLLBACK; a read transaction the session opened for a read of its own is ended
    before such a read, so that a failing one leaves no transaction aborted behind it.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._direct_reads = engine.dialect.driver == "asyncpg"
        self._connection: AsyncConnection | None = None
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self.wrote = False
        """Whether a write transaction was opened (whatever became of it)."""

    async def _current_connection(self) -> AsyncConnection:
        if self._closed:
            # A straggler of a request that has ended, such as a data loader's batch that
            # outlived an execution stopped at the query timeout: a connection taken now
            # would stay out of the pool with nobody to give it back.
            raise asyncio.CancelledError("the request this database served has ended")
        if self._connection is None:
            self._connection = await self._engine.connect()
        return self._connection

    async def _current_session(self) -> AsyncSession:
        """The session, made on first use: a request that only runs `PreparedRead`s on
        the driver needs none."""
        connection = await self._current_connection()
        if self._session is None:
            self._session = AsyncSession(bind=connection, expire_on_commit=False, autoflush=False)
        return self._session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            yield await self._current_session()

    async def values(
        self, read: PreparedRead, parameters: dict[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Every row as a tuple of its columns' values (no ORM instances), shaped as
        `read` says."""
        async with self._lock:
            compiled = read.compiled_for(self._engine.dialect) if self._direct_reads else None
            if compiled is not None:
                rows = await self._run_on_driver(compiled, parameters or {})
            else:
                session = await self._current_session()
                result = await session.execute(read.select, parameters)
                rows = [tuple(row) for row in result.all()]
            return read.shaped(rows)

    async def _run_on_driver(
        self, compiled: _CompiledRead, parameters: dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        arguments = compiled.arguments(parameters)
        connection = await self._current_connection()
        sync_connection = connection.sync_connection
        assert sync_connection is not None
        session = self._session
        if session is not None and session.in_transaction():
            # See the class's text. Commit keeps the rows loaded; a transaction whose
            # connection was lost can only be rolled back.
            await (session.rollback() if sync_connection.invalidated else session.commit())
        if sync_connection.invalidated:  # lost earlier in this request: SQLAlchemy reconnects
            await connection.get_raw_connection()
        # Checked out and valid, so the driver's connection is at hand without I/O
        # (`get_raw_connection` would cost a greenlet switch on every request).
        driver_connection: Any = sync_connection.connection.driver_connection
        if self._engine.echo:
            _echo.info("%s\n[driver] %r", compiled.sql, arguments)
        announce = sync_connection.dispatch.before_cursor_execute
        if announce:  # the engine's listeners (statement counts, recordings) see it too
            announce(sync_connection, None, compiled.sql, arguments, None, False)
        try:
            records = await driver_connection.fetch(compiled.sql, *arguments)
        except Exception as error:
            raise await self._driver_failure(
                error, connection, driver_connection, compiled.sql, arguments
            ) from error
        return compiled.rows(records)

    async def _driver_failure(
        self,
        error: Exception,
        connection: AsyncConnection,
        driver_connection: Any,
        sql: str,
        arguments: tuple[Any, ...],
    ) -> sa.exc.DBAPIError:
        """The error SQLAlchemy raises for the driver's `error`, after what it does: a lost
        connection is invalidated, and with it every connection the pool made before it
        (as after a server restart); that, and a database that refuses service, is an
        OperationalError (SERVICE_UNAVAILABLE)."""
        lost = _connection_lost(error, driver_connection)
        if lost:
            sync_connection = connection.sync_connection
            if sync_connection is not None and not sync_connection.invalidated:
                # What SQLAlchemy's own error handling does on a disconnect.
                self._engine.sync_engine.pool._invalidate(
                    sync_connection.connection, error, _checkin=False
                )
                await connection.invalidate(error)
        sqlstate: str = getattr(error, "sqlstate", None) or ""
        if _unavailable(sqlstate, lost=lost):
            return sa.exc.OperationalError(sql, arguments, error, connection_invalidated=lost)
        return sa.exc.DBAPIError(sql, arguments, error)

    async def all(
        self, statement: sa.Select[Any], parameters: dict[str, Any] | None = None
    ) -> list[Any]:
        """The first column of every row (model instances for a SELECT of a model)."""
        async with self.read() as session:
            return list((await session.execute(statement, parameters)).scalars().all())

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with self._writer_turn(), self._lock:
            session = await self._current_session()
            self.wrote = True
            if session.in_transaction():
                # Ends the read snapshot. Commit, not rollback: a rollback would expire
                # the rows this request already loaded (and hands out to resolvers).
                await session.commit()
            async with session.begin():
                yield session

    def _writer_turn(self) -> AbstractAsyncContextManager[Any]:
        """The turn to write, on SQLite (`_SQLiteWriters`); PostgreSQL writers run
        together."""
        if self._engine.dialect.name == "sqlite":
            return _sqlite_writers(self._engine).turn()
        return nullcontext()

    async def close(self) -> None:
        async with self._lock:  # after a statement still running, if any
            self._closed = True
            session, connection = self._session, self._connection
            self._session = self._connection = None
            try:
                try:
                    if session is not None:
                        await session.close()
                finally:
                    if connection is not None:
                        await connection.close()
            except Exception:
                # The answer is made (a write committed inside `write`); a connection
                # that fails to end its read transaction is SQLAlchemy's to discard.
                _log.warning(
                    "the request's database connection did not close cleanly", exc_info=True
                )
