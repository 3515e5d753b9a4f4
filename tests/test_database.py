"""The request's database handle: `PreparedRead`s give what SQLAlchemy gives, on
PostgreSQL run on the driver itself, outside any transaction, with the driver's errors
reported as SQLAlchemy's would be."""

import asyncio
import fcntl
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app import database, models
from app.database import PreparedRead, RequestDatabase, create_engine, one_of
from app.graphql.core.filters import NO_FILTERS, Condition, Filters
from app.graphql.core.pagination import Listing, PageShape
from app.graphql.integrations.filters import IS_ACTIVE as INTEGRATION_IS_ACTIVE
from app.graphql.integrations.filters import integration_filters
from app.graphql.integrations.queries import INTEGRATIONS_OF_ORGANIZATION
from app.graphql.organizations.filters import IS_ACTIVE, REACH_IS_ACTIVE
from app.graphql.organizations.queries import ORGANIZATIONS as EVERY_ORGANIZATION
from app.graphql.organizations.queries import ORGANIZATIONS_IN_REACH
from app.graphql.organizations.types import CHILDREN
from app.models import table_of
from app.settings import Settings
from generated.enums import OrderDirection
from generated.input_types import IntegrationFilter
from tests.conftest import Service
from tests.factories import (
    create_integration,
    create_organization,
    integration_rows,
    organization_rows,
)

ORGANIZATIONS = table_of(models.Organization)
INTEGRATIONS = table_of(models.Integration)


def with_database(
    settings: Settings, scenario: Callable[[RequestDatabase, Any], Awaitable[Any]]
) -> Any:
    """`scenario(db, engine)` on a request database of an engine of its own."""

    async def run() -> Any:
        engine = create_engine(settings)
        db = RequestDatabase(engine)
        try:
            return await scenario(db, engine)
        finally:
            await db.close()
            await engine.dispose()

    return asyncio.run(run())


def test_prepared_reads_give_what_sqlalchemy_gives(service: Service) -> None:
    """Every column type of the tables (IDs, text, integers, booleans, JSON, nulls), a
    join, literals and a constant limit: the same values as SQLAlchemy's own execution."""
    organization = create_organization(service, "Acme", features=["DEALER", "WHITELABEL"])
    create_integration(service, organization["id"], "Billing", credentialRef="vault:1")
    create_integration(service, organization["id"], "Payroll")
    select = (
        sa.select(*INTEGRATIONS.columns, *ORGANIZATIONS.columns, sa.literal("x").label("mark"))
        .join(ORGANIZATIONS, INTEGRATIONS.c.organization_id == ORGANIZATIONS.c.id)
        .where(ORGANIZATIONS.c.id == sa.bindparam("organization_id"))
        .order_by(INTEGRATIONS.c.title)
        .limit(10)
    )

    async def scenario(db: RequestDatabase, engine: Any) -> tuple[list[Any], list[Any]]:
        prepared = await db.values(PreparedRead(select), {"organization_id": organization["id"]})
        async with engine.connect() as connection:
            result = await connection.execute(select, {"organization_id": organization["id"]})
            return prepared, [tuple(row) for row in result.all()]

    prepared, expected = with_database(service.settings, scenario)
    assert len(expected) == 2
    assert prepared == expected
    assert [type(value) for value in prepared[0]] == [type(value) for value in expected[0]]
    assert prepared[0][
        len(INTEGRATIONS.columns) + list(ORGANIZATIONS.c.keys()).index("features")
    ] == ["DEALER", "WHITELABEL"]


def test_a_read_only_request_sends_no_transaction_control_on_postgresql(service: Service) -> None:
    """On PostgreSQL a list request's reads run on the driver outside a transaction: no
    BEGIN, no ROLLBACK; the statements are still seen by the engine's listeners."""
    organization = create_organization(service)
    create_integration(service, organization["id"])
    engine = service.app.state.engine.sync_engine
    transaction_events: list[str] = []
    listeners = {
        name: (lambda _c, name=name: transaction_events.append(name))
        for name in ("begin", "rollback", "commit")
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        with service.count_statements() as statements:
            data = service.data(
                "query($id: ID!) { integrations(organizationId: $id, first: 5) "
                "{ nodes { title organization { title } } } }",
                {"id": organization["id"]},
            )
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)
    assert data["integrations"]["nodes"] == [
        {"title": "Billing sync", "organization": {"title": "Acme"}}
    ]
    # The organization, the page (SQLite's BEGIN is a statement of SQLAlchemy's "begin").
    assert len([statement for statement in statements if statement != "BEGIN"]) == 2
    if service.backend == "postgresql":
        assert transaction_events == []
    else:  # SQLAlchemy's path, in a transaction
        assert transaction_events == ["begin", "rollback"]


def _postgresql_only(service: Service) -> None:
    if service.backend != "postgresql":
        pytest.skip("PostgreSQL only: reads run on the driver there")


PID = PreparedRead(sa.select(sa.func.pg_backend_pid()))


async def _next_requests_backend(engine: Any) -> int:
    """The server process of the connection the pool gives the next request."""
    db = RequestDatabase(engine)
    try:
        ((pid,),) = await db.values(PID)
    finally:
        await db.close()
    return int(pid)


def test_a_connection_lost_under_a_prepared_read_is_unavailable_and_replaced(
    service: Service,
) -> None:
    _postgresql_only(service)

    async def scenario(db: RequestDatabase, engine: Any) -> tuple[int, Any, int]:
        ((pid,),) = await db.values(PID)
        async with engine.connect() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(sa.exc.OperationalError) as raised:
            await db.values(PID)
        await db.close()
        serving = await _next_requests_backend(engine)
        return pid, raised.value, serving

    pid, error, serving = with_database(service.settings, scenario)
    assert error.connection_invalidated
    assert serving != pid


@pytest.mark.parametrize(
    ("select", "parameters", "sqlstate"),
    [
        # A statement the server refuses: not an integer.
        (sa.select(sa.cast(sa.bindparam("n", type_=sa.Text), sa.Integer)), {"n": "one"}, "22P02"),
        # An argument the driver cannot send: the request's error, found before the server.
        (sa.select(sa.bindparam("n", type_=sa.Integer)), {"n": "not a number"}, "22000"),
    ],
    ids=["refused by the server", "refused by the driver"],
)
def test_a_failing_prepared_read_is_a_database_error_and_the_connection_stays(
    service: Service, select: sa.Select[Any], parameters: dict[str, Any], sqlstate: str | None
) -> None:
    """Not SERVICE_UNAVAILABLE (the database is fine), and the connection serves on."""
    _postgresql_only(service)
    failing = PreparedRead(select)

    async def scenario(db: RequestDatabase, _engine: Any) -> tuple[Any, int, int]:
        ((pid,),) = await db.values(PID)
        with pytest.raises(sa.exc.DBAPIError) as raised:
            await db.values(failing, parameters)
        ((after,),) = await db.values(PID)
        return raised.value, pid, after

    error, pid, after = with_database(service.settings, scenario)
    assert not isinstance(error, sa.exc.OperationalError)
    assert getattr(error.orig, "sqlstate", None) == sqlstate
    assert after == pid


def test_a_prepared_read_past_the_statement_timeout_is_unavailable(service: Service) -> None:
    _postgresql_only(service)
    settings = service.settings.model_copy(update={"database_statement_timeout_seconds": 0.2})
    sleeping = PreparedRead(sa.select(sa.func.pg_sleep(2)))

    async def scenario(db: RequestDatabase, _engine: Any) -> tuple[Any, int, int]:
        ((pid,),) = await db.values(PID)
        with pytest.raises(sa.exc.OperationalError) as raised:
            await db.values(sleeping)
        ((after,),) = await db.values(PID)
        return raised.value, pid, after

    error, pid, after = with_database(settings, scenario)
    assert getattr(error.orig, "sqlstate", None) == "57014"  # cancelled by the server
    assert not error.connection_invalidated
    assert after == pid  # the connection serves on


async def _write_one(db: RequestDatabase, organization_id: str, title: str, hold: float) -> None:
    """One write transaction that holds SQLite for `hold` seconds, then ends the request."""
    try:
        async with db.write() as session:
            await session.execute(
                sa.insert(INTEGRATIONS), integration_rows(organization_id, [title])
            )
            await asyncio.sleep(hold)  # the others arrive meanwhile
    finally:
        await db.close()


async def _integrations_in(engine: Any, organization_id: str) -> int:
    async with engine.connect() as connection:
        counted = sa.select(sa.func.count()).where(
            INTEGRATIONS.c.organization_id == organization_id
        )
        return int((await connection.execute(counted)).scalar_one())


def _sqlite_only(service: Service) -> None:
    if service.backend != "sqlite":
        pytest.skip("PostgreSQL writers run together")


def test_writers_of_one_process_take_sqlite_in_turn(service: Service) -> None:
    """Concurrent write transactions of one process queue for SQLite in the process
    rather than meet its lock: with no busy wait allowed, every one of them commits."""
    _sqlite_only(service)
    settings = service.settings.model_copy(update={"sqlite_busy_timeout_seconds": 0})
    organization_id = create_organization(service, "Acme")["id"]
    writers = 16

    async def scenario(_db: RequestDatabase, engine: Any) -> int:
        await asyncio.gather(
            *(
                _write_one(RequestDatabase(engine), organization_id, f"Writer {n}", 0.005)
                for n in range(writers)
            )
        )
        return await _integrations_in(engine, organization_id)

    assert with_database(settings, scenario) == writers


def test_writers_of_several_processes_take_sqlite_in_turn(service: Service) -> None:
    """Two engines on one SQLite file stand for two processes (each has its own queue and
    its own hold on the lock file beside the database): their writers wait for each
    other there, not on SQLite's busy handler (allowed no wait here), and all commit."""
    _sqlite_only(service)
    organization_id = create_organization(service, "Acme")["id"]
    settings = service.settings.model_copy(update={"sqlite_busy_timeout_seconds": 0})

    def patient(engine: Any) -> Any:
        # SQLite's own wait stays 0; the turn may be waited for.
        writing = database._SQLITE_WRITING[engine.sync_engine]
        database._SQLITE_WRITING[engine.sync_engine] = replace(writing, timeout=10.0)
        return engine

    async def scenario(_db: RequestDatabase, engine: Any) -> int:
        engines = (patient(engine), patient(create_engine(settings)))
        try:
            await asyncio.gather(
                *(
                    _write_one(RequestDatabase(each), organization_id, f"Writer {n}", 0.005)
                    for n in range(8)
                    for each in engines
                )
            )
        finally:
            await engines[1].dispose()
        return await _integrations_in(engine, organization_id)

    assert with_database(settings, scenario) == 16


async def _turn_is_free(lock_file: Any, within: float = 5.0) -> bool:
    """Whether another process could take the writers' turn within `within` seconds."""
    probe = os.open(lock_file, os.O_RDWR)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                await asyncio.sleep(0.02)
                continue
            fcntl.flock(probe, fcntl.LOCK_UN)
            return True
        return False
    finally:
        os.close(probe)


def test_a_writer_refused_its_turn_or_cancelled_leaves_the_turn_free(service: Service) -> None:
    """A writer that cannot get its turn within the busy timeout, because another
    process writes, is refused as SQLite's own lock would refuse it (an OperationalError:
    SERVICE_UNAVAILABLE); with no wait allowed, at once. Neither it nor a writer
    cancelled while waiting (the request's deadline) takes the turn afterwards."""
    _sqlite_only(service)
    organization_id = create_organization(service, "Acme")["id"]
    settings = service.settings.model_copy(update={"sqlite_busy_timeout_seconds": 0.1})
    no_wait = service.settings.model_copy(update={"sqlite_busy_timeout_seconds": 0})

    async def scenario(_db: RequestDatabase, engine: Any) -> tuple[Any, Any, float, int]:
        other, impatient = create_engine(settings), create_engine(no_wait)
        try:
            holding = asyncio.create_task(
                _write_one(RequestDatabase(engine), organization_id, "Holding", 0.5)
            )
            await asyncio.sleep(0.1)
            with pytest.raises(sa.exc.OperationalError) as refused:
                await _write_one(RequestDatabase(other), organization_id, "Refused", 0)
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError) as refused_at_once:
                await _write_one(RequestDatabase(impatient), organization_id, "At once", 0)
            waited = time.monotonic() - started
            cancelled = asyncio.create_task(
                _write_one(RequestDatabase(other), organization_id, "Cancelled", 0)
            )
            await asyncio.sleep(0.05)
            cancelled.cancel()
            await holding
            lock_file = database._SQLITE_WRITING[engine.sync_engine].lock_file
            assert await _turn_is_free(lock_file, within=0.2)
            await _write_one(RequestDatabase(engine), organization_id, "Later", 0)
        finally:
            await other.dispose()
            await impatient.dispose()
        written = await _integrations_in(engine, organization_id)
        return refused.value, refused_at_once.value, waited, written

    refused, refused_at_once, waited, written = with_database(settings, scenario)
    assert "locked" in str(refused.orig) and "locked" in str(refused_at_once.orig)
    assert waited < 0.3  # not until the holder's end, 0.4 s later
    assert written == 2  # "Holding" and "Later"


def test_the_writers_lock_file_lies_beside_the_database_by_its_real_path(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    expected = tmp_path.resolve() / "real" / "api.db-writers"
    assert database._writers_lock_file("real/api.db") == expected
    assert database._writers_lock_file(str(tmp_path / "link" / "api.db")) == expected
    for in_memory_or_uri in (None, "", ":memory:", "file:api.db?mode=memory&cache=shared"):
        assert database._writers_lock_file(in_memory_or_uri) is None


def test_a_deadlock_is_unavailable_not_a_failure(service: Service) -> None:
    """The database rolls back one of two transactions that wait for each other: sent
    again, its request goes through, so the client is told to retry
    (SERVICE_UNAVAILABLE), not that the service failed."""
    _postgresql_only(service)
    first, second = (create_organization(service, name)["id"] for name in ("Acme", "Globex"))

    def lock(organization_id: str) -> Any:
        return sa.select(ORGANIZATIONS.c.id).where(ORGANIZATIONS.c.id == organization_id)

    async def scenario() -> list[BaseException | None]:
        engine = create_engine(service.settings)
        try:
            async with engine.connect() as one, engine.connect() as other:
                await one.execute(lock(first).with_for_update())
                await other.execute(lock(second).with_for_update())
                outcomes = await asyncio.gather(
                    one.execute(lock(second).with_for_update()),
                    other.execute(lock(first).with_for_update()),
                    return_exceptions=True,
                )
                return [error if isinstance(error, BaseException) else None for error in outcomes]
        finally:
            await engine.dispose()

    errors = [error for error in asyncio.run(scenario()) if error is not None]
    assert len(errors) == 1, errors
    assert isinstance(errors[0], sa.exc.OperationalError), errors
    assert getattr(errors[0].orig, "sqlstate", None) == "40P01"
    assert not errors[0].connection_invalidated


def test_a_type_converted_by_what_the_driver_reports_takes_sqlalchemys_path(
    service: Service,
) -> None:
    """PostgreSQL's numerics are converted by the type the driver reports per execution:
    such a statement runs through SQLAlchemy, with the same result."""
    _postgresql_only(service)
    read = PreparedRead(sa.select(sa.cast(sa.bindparam("n", type_=sa.Text), sa.Numeric(10, 2))))

    async def scenario(db: RequestDatabase, engine: Any) -> Any:
        assert read.compiled_for(engine.dialect) is None
        return await db.values(read, {"n": "1.5"})

    assert with_database(service.settings, scenario) == [(Decimal("1.50"),)]


def test_a_prepared_read_cut_short_leaves_a_connection_that_serves_on(service: Service) -> None:
    """A request stopped (its query timeout) while its read runs on the driver: the
    connection goes back to the pool and serves the next request."""
    _postgresql_only(service)
    settings = service.settings.model_copy(
        update={"database_pool_size": 1, "database_max_overflow": 0}
    )
    sleeping = PreparedRead(sa.select(sa.func.pg_sleep(1)))

    async def scenario(db: RequestDatabase, engine: Any) -> tuple[int, int]:
        ((pid,),) = await db.values(PID)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await db.values(sleeping)
        await db.close()
        serving = await _next_requests_backend(engine)
        return pid, serving

    pid, serving = with_database(settings, scenario)
    assert serving == pid  # the pool's only connection, in use again


def test_prepared_reads_shape_rows_into_row_types(service: Service) -> None:
    """`entities`: the leading columns made into row types, the rest plain values, on
    either path."""
    organization = create_organization(service, "Acme")
    create_integration(service, organization["id"], "Billing")
    select = (
        sa.select(
            *models.row_columns(models.Integration),
            *models.row_columns(models.Organization),
            sa.literal(7).label("seven"),
        )
        .join(ORGANIZATIONS, INTEGRATIONS.c.organization_id == ORGANIZATIONS.c.id)
        .where(ORGANIZATIONS.c.id == sa.bindparam("organization_id"))
    )
    entities = (models.row_type_of(models.Integration), models.row_type_of(models.Organization))
    # An expanding parameter is written per execution: SQLAlchemy's path on every engine.
    expanding = select.where(ORGANIZATIONS.c.id.in_(sa.bindparam("ids", expanding=True)))

    # One row type, then plain values: a page read after a cursor, with its flags.
    leading_only = sa.select(
        *models.row_columns(models.Integration), sa.literal(7).label("seven")
    ).where(INTEGRATIONS.c.organization_id == sa.bindparam("organization_id"))

    async def scenario(db: RequestDatabase, engine: Any) -> list[Any]:
        prepared = PreparedRead(select, entities=entities)
        on_sqlalchemy = PreparedRead(expanding, entities=entities)
        leading = PreparedRead(leading_only, entities=entities[:1])
        assert on_sqlalchemy.compiled_for(engine.dialect) is None
        parameters = {"organization_id": organization["id"]}
        return [
            await db.values(prepared, parameters),
            await db.values(on_sqlalchemy, parameters | {"ids": [organization["id"]]}),
            await db.values(leading, parameters),
        ]

    prepared, on_sqlalchemy, leading = with_database(service.settings, scenario)
    assert prepared == on_sqlalchemy
    ((integration, owner, seven),) = prepared
    assert isinstance(integration, entities[0]) and integration.title == "Billing"
    assert isinstance(owner, entities[1]) and owner.title == "Acme"
    assert owner.integration_count == 1  # computed with the row (`COMPUTED_COLUMNS`)
    assert seven == 7
    assert leading == [(integration, 7)]
    assert isinstance(leading[0][0], entities[0])


def test_a_list_parameter_is_one_parameter_on_postgresql(service: Service) -> None:
    """`one_of`: on PostgreSQL `= ANY` of one array, so the statement's SQL is the same
    for lists of any length and runs on the driver; on SQLite an expanding `IN` on
    SQLAlchemy's path. Both answer alike, an empty list included."""
    acme, globex = (create_organization(service, title) for title in ("Acme", "Globex"))
    unknown = "00000000-0000-4000-8000-000000000000"
    read = PreparedRead(
        sa.select(ORGANIZATIONS.c.title)
        .where(one_of(ORGANIZATIONS.c.id, "ids"))
        .order_by(ORGANIZATIONS.c.title)
    )
    lists = [[acme["id"]], [globex["id"], unknown, acme["id"]], [unknown], []]

    async def scenario(db: RequestDatabase, engine: Any) -> list[Any]:
        compiled = read.compiled_for(engine.dialect)
        on_driver = compiled is not None
        if engine.dialect.name == "postgresql":
            assert compiled is not None and "= ANY" in compiled.sql, compiled
        return [on_driver] + [await db.values(read, {"ids": ids}) for ids in lists]

    on_driver, *answers = with_database(service.settings, scenario)
    assert on_driver == (service.backend == "postgresql")
    assert answers == [[("Acme",)], [("Acme",), ("Globex",)], [], []]


def test_a_lost_connection_retires_the_pools_older_connections(service: Service) -> None:
    """As SQLAlchemy does on a disconnect: the connections the pool made before (which a
    server restart would have cut as well) are replaced, not handed out to fail."""
    _postgresql_only(service)
    settings = service.settings.model_copy(
        update={"database_pool_size": 2, "database_max_overflow": 0}
    )

    async def scenario(db: RequestDatabase, engine: Any) -> tuple[set[int], int]:
        other = RequestDatabase(engine)
        ((pid,),) = await db.values(PID)
        ((other_pid,),) = await other.values(PID)
        await other.close()  # back in the pool, and recently used: not tested on checkout
        async with engine.connect() as killer:  # an overflow of none: waits for no one
            await killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(sa.exc.OperationalError):
            await db.values(PID)
        await db.close()
        serving = await _next_requests_backend(engine)
        return {pid, other_pid}, serving

    before, serving = with_database(settings, scenario)
    assert serving not in before


def test_a_failed_driver_read_leaves_the_sessions_reads_working(service: Service) -> None:
    """A read through the session (an `IN` list) opens a transaction; a driver read after
    it that fails (its statement cancelled) must not leave that transaction aborted for
    the session's next read."""
    _postgresql_only(service)
    organization = create_organization(service, "Acme")
    settings = service.settings.model_copy(update={"database_statement_timeout_seconds": 0.2})
    by_ids = PreparedRead(
        sa.select(ORGANIZATIONS.c.title).where(
            ORGANIZATIONS.c.id.in_(sa.bindparam("ids", expanding=True))
        )
    )
    sleeping = PreparedRead(sa.select(sa.func.pg_sleep(2)))

    async def scenario(db: RequestDatabase, _engine: Any) -> list[Any]:
        first = await db.values(by_ids, {"ids": [organization["id"]]})
        with pytest.raises(sa.exc.OperationalError):
            await db.values(sleeping)
        return [first, await db.values(by_ids, {"ids": [organization["id"]]})]

    first, second = with_database(settings, scenario)
    assert first == second == [("Acme",)]


def test_a_driver_read_after_the_session_lost_its_connection_reconnects(
    service: Service,
) -> None:
    """The session's read (an `IN` list) finds its connection gone: that read fails as
    SERVICE_UNAVAILABLE; a driver read later in the same request rolls the dead
    transaction back and runs on a new connection, rather than failing otherwise."""
    _postgresql_only(service)
    organization = create_organization(service, "Acme")
    by_ids = PreparedRead(
        sa.select(ORGANIZATIONS.c.title).where(
            ORGANIZATIONS.c.id.in_(sa.bindparam("ids", expanding=True))
        )
    )

    async def scenario(db: RequestDatabase, engine: Any) -> tuple[int, int]:
        await db.values(by_ids, {"ids": [organization["id"]]})  # opens the session's transaction
        async with db.read() as session:
            pid = (await session.execute(sa.select(sa.func.pg_backend_pid()))).scalar_one()
        async with engine.connect() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(sa.exc.OperationalError):
            await db.values(by_ids, {"ids": [organization["id"]]})
        ((serving,),) = await db.values(PID)
        return pid, serving

    pid, serving = with_database(service.settings, scenario)
    assert serving != pid


PREPARED_PLANS = "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"


async def _a_long_list(
    db: RequestDatabase, organization_id: str, titles: list[str] | None = None
) -> None:
    """3,000 integrations in the organization (or one per title given), and the
    statistics PostgreSQL plans by."""
    if titles is None:
        titles = [f"Integration {n:04}" for n in range(3000)]
    async with db.write() as session:
        await session.execute(sa.insert(INTEGRATIONS), integration_rows(organization_id, titles))
    async with db.read() as session:
        await session.execute(sa.text("ANALYZE integrations"))


def test_page_and_count_statements_settle_on_one_plan_on_postgresql(service: Service) -> None:
    """PostgreSQL plans a prepared statement anew on each execution until its generic
    plan looks as cheap as the custom ones; with a bound LIMIT it estimates a tenth of the
    list read and, on a list this long, never does. The first page, a page after a
    cursor and the capped count each settle on the generic plan, filtered or not."""
    _postgresql_only(service)
    organization = create_organization(service)
    listing = INTEGRATIONS_OF_ORGANIZATION
    first_shape = PageShape(OrderDirection.ASC, True, False, False, 21)
    active = integration_filters(IntegrationFilter(is_active=True))
    first = listing.page_statement(first_shape, NO_FILTERS)
    after = listing.page_statement(PageShape(OrderDirection.ASC, True, True, False, 21), NO_FILTERS)
    count = listing.count_statement(10_000, NO_FILTERS)
    first_active = listing.page_statement(first_shape, active)
    count_active = listing.count_statement(10_000, active)
    scope = {"organization_id": organization["id"]}
    scope_active = scope | dict(active.values)

    async def scenario(db: RequestDatabase, engine: Any) -> dict[str, tuple[int, int]]:
        await _a_long_list(db, organization["id"])
        (tenth,) = (await db.values(first.read, scope))[9]
        cursor = _cursor_values("after", tenth)
        for _ in range(8):
            assert len(await db.values(first.read, scope)) == 21
            assert len(await db.values(after.read, scope | cursor)) == 21
            assert await db.values(count, scope) == [(3000,)]
            assert len(await db.values(first_active.read, scope_active)) == 21
            assert await db.values(count_active, scope_active) == [(3000,)]
        async with db.read() as session:
            plans = (await session.execute(sa.text(PREPARED_PLANS))).all()
        sql = {
            "first": first.read.compiled_for(engine.dialect),
            "after": after.read.compiled_for(engine.dialect),
            "count": count.compiled_for(engine.dialect),
            "first_active": first_active.read.compiled_for(engine.dialect),
            "count_active": count_active.compiled_for(engine.dialect),
        }
        by_sql = {statement: (generic, custom) for statement, generic, custom in plans}
        return {name: by_sql[compiled.sql] for name, compiled in sql.items() if compiled}

    plans = with_database(service.settings, scenario)
    assert set(plans) == {"first", "after", "count", "first_active", "count_active"}
    for name, (generic, custom) in plans.items():
        assert generic >= 3 and custom <= 5, (name, generic, custom)


def _node_types(plan: dict[str, Any]) -> list[str]:
    return [plan["Node Type"], *(t for child in plan.get("Plans", []) for t in _node_types(child))]


def _cursor_values(name: str, row: Any) -> dict[str, Any]:
    """The parameters of the cursor `name` standing at `row`."""
    return {
        f"{name}_sort_key": row.sort_key,
        f"{name}_sort_key_tail": row.sort_key_tail,
        f"{name}_id": row.id,
    }


async def _generic_plans(
    engine: Any, statements: dict[str, tuple[PreparedRead, dict[str, Any]]], *, analyze: bool
) -> dict[str, dict[str, Any]]:
    """The plan PostgreSQL keeps (forced generic) for each read with its values, as
    `EXPLAIN (FORMAT JSON)`'s top node; run, when `analyze`."""
    plans = {}
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        await driver.execute("SET plan_cache_mode = force_generic_plan")
        try:
            for name, (read, values) in statements.items():
                compiled = read.compiled_for(engine.dialect)
                assert compiled is not None
                given = compiled.fixed_values | values
                arguments = ", ".join(
                    "'" + str(given[parameter]).replace("'", "''") + "'"
                    for parameter in compiled.parameter_names
                )
                await driver.execute(f"PREPARE explained AS {compiled.sql}")
                try:
                    explained = await driver.fetchval(
                        f"EXPLAIN ({options}) EXECUTE explained({arguments})"
                    )
                finally:
                    await driver.execute("DEALLOCATE explained")
                plans[name] = explained[0]["Plan"]  # the pool decodes JSON
        finally:
            await driver.execute("RESET plan_cache_mode")
    return plans


@pytest.mark.parametrize("direction", list(OrderDirection), ids=str)
def test_a_pages_far_side_flag_is_one_index_probe_in_the_generic_plan_on_postgresql(
    service: Service, direction: OrderDirection
) -> None:
    """The flag of a page's far side (`hasPreviousPage` after a cursor, `hasNextPage`
    before one) reads through the ordering's index from the cursor, in the plan
    PostgreSQL keeps for the statement. Asked as EXISTS, it was a sequential scan that
    stopped at the first matching row: for a cursor at the far end of the list, most of
    the table."""
    _postgresql_only(service)
    organization = create_organization(service)
    listing = INTEGRATIONS_OF_ORGANIZATION
    after = listing.page_statement(PageShape(direction, True, True, False, 21), NO_FILTERS)
    before = listing.page_statement(PageShape(direction, False, False, True, 21), NO_FILTERS)

    async def scenario(db: RequestDatabase, engine: Any) -> dict[str, list[str]]:
        await _a_long_list(db, organization["id"])
        ordered = await db.values(
            listing.page_statement(PageShape(direction, True, False, False, 3001), NO_FILTERS).read,
            {"organization_id": organization["id"]},
        )
        first, last = ordered[0][0], ordered[-1][0]
        scope = {"organization_id": organization["id"]}
        # The cursor at the end where the far side holds one row: the probe's worst case.
        plans = await _generic_plans(
            engine,
            {
                "after": (after.read, scope | _cursor_values("after", first)),
                "before": (before.read, scope | _cursor_values("before", last)),
            },
            analyze=False,
        )
        return {name: _node_types(plan) for name, plan in plans.items()}

    plans = with_database(service.settings, scenario)
    for name, nodes in plans.items():
        assert "Seq Scan" not in nodes, (name, nodes)
        assert nodes.count("Index Scan") + nodes.count("Index Scan Backward") >= 2, (name, nodes)


def _largest_row_count(plan: dict[str, Any]) -> int:
    """The most rows any node of an `EXPLAIN ANALYZE` plan handled: those it passed on
    and those its filter read and dropped."""
    handled = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
    own = int(handled * plan["Actual Loops"])
    return max([own, *(_largest_row_count(child) for child in plan.get("Plans", []))])


async def _children_rows(
    db: RequestDatabase, parent_id: str, titles: list[str]
) -> list[dict[str, Any]]:
    """`organization_rows` of children of an organization in the database, one per title."""
    async with db.read() as session:
        path_of = sa.select(ORGANIZATIONS.c.path).where(ORGANIZATIONS.c.id == parent_id)
        parent_path = (await session.execute(path_of)).scalar_one()
    return organization_rows(parent_id, parent_path, titles)


async def _write_children(
    db: RequestDatabase, parent_id: str, count: int, title: str, *, grandchildren: bool = False
) -> None:
    """`count` children of one title below the organization (each with a child of its
    own when `grandchildren`), then the statistics both engines plan by."""
    rows = await _children_rows(db, parent_id, [title] * count)
    if grandchildren:
        rows += [
            row
            for child in list(rows)
            for row in organization_rows(child["id"], child["path"], ["A"])
        ]
    async with db.write() as session:
        await session.execute(sa.insert(ORGANIZATIONS), rows)
    async with db.read() as session:
        for table in ("organizations", "organization_reach"):
            await session.execute(sa.text(f"ANALYZE {table}"))


def _assert_pages_read_as_much_at_3000_as_at_300(
    service: Service,
    listing: Listing,
    direction: OrderDirection,
    middles: Callable[[RequestDatabase], Awaitable[dict[int, Any]]],
    values: Callable[[int, str, Any], dict[str, Any]],
    filters: Callable[[int], Filters] = lambda size: NO_FILTERS,
) -> None:
    """The first page of a list, a page after a cursor and a page before one, in lists
    of 300 and of 3,000 (`middles` writes them and answers the row in the middle of
    each; `values(size, page, cursor row)` are a page's parameters, the values of the
    list's `filters(size)` among them), do the same work:
    on PostgreSQL no node of the plan it keeps handles more than two pages' rows of the
    list of 3,000; on SQLite the statement takes about as many virtual-machine steps,
    which do not move with the machine's load, in both."""
    shapes = {
        "first": PageShape(direction, True, False, False, 21),
        "after": PageShape(direction, True, True, False, 21),
        "before": PageShape(direction, False, False, True, 21),
    }
    reads = {
        (name, size): listing.page_statement(shape, filters(size)).read
        for name, shape in shapes.items()
        for size in (300, 3000)
    }

    async def on_postgresql(db: RequestDatabase, engine: Any) -> dict[str, int]:
        middle = await middles(db)
        given = {name: (reads[name, 3000], values(3000, name, middle[3000])) for name in shapes}
        plans = await _generic_plans(engine, given, analyze=True)
        return {name: _largest_row_count(plan) for name, plan in plans.items()}

    async def on_sqlite(db: RequestDatabase, engine: Any) -> dict[str, dict[int, int]]:
        middle = await middles(db)
        async with db.read() as session:
            raw = await (await session.connection()).get_raw_connection()
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0  # go on

        driver: Any = raw.driver_connection
        await driver.set_progress_handler(count, 100)
        found: dict[str, dict[int, int]] = {}
        for name in shapes:
            for size in middle:
                steps[0] = 0
                page = await db.values(reads[name, size], values(size, name, middle[size]))
                assert page, (name, size)
                found.setdefault(name, {})[size] = steps[0]
        return found

    if service.backend == "postgresql":
        largest = with_database(service.settings, on_postgresql)
        assert set(largest) == set(shapes)
        for name, rows in largest.items():
            assert rows <= 2 * 21 + 1, (name, largest)
    else:
        steps = with_database(service.settings, on_sqlite)
        for name, by_size in steps.items():
            assert by_size[3000] <= 1.5 * by_size[300] + 10, (name, steps)


RUNS_OF_ONE_TITLE: dict[str, tuple[Any, str]] = {
    "integrations": (INTEGRATIONS_OF_ORGANIZATION, "organization_id"),
    "children": (CHILDREN, "parent_id"),
}


@pytest.mark.parametrize("kind", list(RUNS_OF_ONE_TITLE))
@pytest.mark.parametrize("direction", list(OrderDirection), ids=str)
def test_a_page_inside_a_run_of_one_title_reads_only_its_page(
    service: Service, direction: OrderDirection, kind: str
) -> None:
    """Integrations (or children) of one title share their key's indexed head; ordered
    by `(head, tail, id)` in one scan, every page that touched the run read and sorted
    all of it. Now the first page, a page after a cursor inside the run and a page
    before one do the same work in a run of 3,000 as in a run of 300, with the tables
    analyzed: on PostgreSQL no node of the plan it keeps handles more than two pages'
    rows (it read 1,500 and more before); on SQLite the statement takes about as many
    virtual-machine steps (10 times as many before; for children, with the statistics,
    SQLite read every child to find those with a tail until it was told the index)."""
    listing, scope = RUNS_OF_ONE_TITLE[kind]
    runs = {length: create_organization(service)["id"] for length in (300, 3000)}
    # As in a real tree, most organizations have few children: 3,000 families of one.
    # With those statistics, SQLite read every child to find those with a tail until it
    # was told the index, and PostgreSQL's plan (at the server's default
    # `random_page_cost`) guessed a handful of children for any parent and read and
    # sorted all 3,000 of the large one for the first page.
    families = create_organization(service)["id"]

    def values(length: int, name: str, cursor: Any) -> dict[str, Any]:
        return {scope: runs[length]} | (_cursor_values(name, cursor) if name != "first" else {})

    async def middles(db: RequestDatabase) -> dict[int, Any]:
        found = {}
        if kind == "children":
            await _write_children(db, families, 3000, "Family", grandchildren=True)
        for length, scope_id in runs.items():
            if kind == "integrations":
                await _a_long_list(db, scope_id, ["Webhook"] * length)
            else:
                await _write_children(db, scope_id, length, "Webhook")
            whole = listing.page_statement(
                PageShape(direction, True, False, False, 3001), NO_FILTERS
            )
            ordered = await db.values(whole.read, {scope: scope_id})
            assert len(ordered) == length
            found[length] = ordered[length // 2][0]
        return found

    _assert_pages_read_as_much_at_3000_as_at_300(service, listing, direction, middles, values)


@pytest.mark.parametrize("direction", list(OrderDirection), ids=str)
def test_a_page_of_an_actors_reach_reads_only_its_page(
    service: Service, direction: OrderDirection
) -> None:
    """The organizations an actor reaches were a range of paths: SQLite read and sorted
    the whole subtree for every page (about 50 ms a page for a subtree of 50,000), and
    through the ordering index a subtree whose titles sort after the rest is reached
    only past the rest. Now a tenant of 3,000 organizations and one of 300, both titled
    after 3,000 organizations outside them, cost a page the same: on PostgreSQL no node
    of the plan it keeps handles more than two pages' rows; on SQLite the statement takes
    about as many virtual-machine steps."""
    platform = create_organization(service, "Platform")["id"]
    tenants = {size: create_organization(service, f"Zulu {size}", parentId=platform)["id"]
               for size in (300, 3000)}  # fmt: skip

    async def write_children(db: RequestDatabase, parent: str, titles: list[str]) -> None:
        rows = await _children_rows(db, parent, titles)
        async with db.write() as session:
            await session.execute(sa.insert(ORGANIZATIONS), rows)

    async def middles(db: RequestDatabase) -> dict[int, Any]:
        await write_children(db, platform, [f"Alpha {n:04}" for n in range(3000)])
        for size, tenant in tenants.items():
            await write_children(db, tenant, [f"Zulu {n:04}" for n in range(size - 1)])
        found = {}
        async with db.read() as session:
            for table in ("organizations", "organization_reach"):
                await session.execute(sa.text(f"ANALYZE {table}"))
        for size, tenant in tenants.items():
            whole = ORGANIZATIONS_IN_REACH.page_statement(
                PageShape(direction, True, False, False, 3001), NO_FILTERS
            )
            ordered = await db.values(whole.read, {"reach_root": tenant})
            assert len(ordered) == size
            found[size] = ordered[size // 2][0]
        return found

    def values(size: int, name: str, cursor: Any) -> dict[str, Any]:
        scope = {"reach_root": tenants[size]}
        return scope | (_cursor_values(name, cursor) if name != "first" else {})

    _assert_pages_read_as_much_at_3000_as_at_300(
        service, ORGANIZATIONS_IN_REACH, direction, middles, values
    )


FILTERED_BY_IS_ACTIVE: dict[str, tuple[Listing, Condition, str | None]] = {
    "integrations": (INTEGRATIONS_OF_ORGANIZATION, INTEGRATION_IS_ACTIVE, "organization_id"),
    "children": (CHILDREN, IS_ACTIVE, "parent_id"),
    "reach": (ORGANIZATIONS_IN_REACH, REACH_IS_ACTIVE, "reach_root"),
    "every organization": (EVERY_ORGANIZATION, IS_ACTIVE, None),
}


@pytest.mark.parametrize("kind", list(FILTERED_BY_IS_ACTIVE))
@pytest.mark.parametrize("direction", list(OrderDirection), ids=str)
def test_a_page_filtered_by_is_active_reads_only_its_page(
    service: Service, direction: OrderDirection, kind: str
) -> None:
    """A list filtered by `isActive` read its ordering index and skipped the rows that
    did not match (or, for every organization, read and sorted them all on SQLite): a
    page of 100 inactive integrations titled between 2,900 active ones read past 1,450
    of them. Each list now has an ordering index with `is_active` after its scope, so
    100 inactive rows among 2,900 active ones cost a page what they cost among 200 (an
    operator's list of every organization, one per database: what the unfiltered list
    costs); on PostgreSQL no node of the plan it keeps handles more than two pages'
    rows; on SQLite the statement takes about as many virtual-machine steps."""
    listing, condition, scope = FILTERED_BY_IS_ACTIVE[kind]
    every = scope is None
    platform = create_organization(service, "Platform")["id"]
    scopes = {size: create_organization(service, f"Scope {size}", parentId=platform)["id"]
              for size in (300, 3000)}  # fmt: skip

    def filters(size: int) -> Filters:
        return NO_FILTERS if every and size == 300 else Filters((condition,))

    def scope_values(size: int) -> dict[str, Any]:
        own = {} if scope is None else {scope: scopes[size]}
        return own | ({"filter_is_active": False} if filters(size) else {})

    async def middles(db: RequestDatabase) -> dict[int, Any]:
        await _write_inactive_among_active(db, kind, scopes)
        found = {}
        for size in scopes:
            whole = listing.page_statement(
                PageShape(direction, True, False, False, 3101), filters(size)
            )
            ordered = [row[0] for row in await db.values(whole.read, scope_values(size))]
            if filters(size):
                assert [row.title[:4] for row in ordered] == ["Mike"] * 100
            found[size] = ordered[len(ordered) // 2]
        return found

    def values(size: int, name: str, cursor: Any) -> dict[str, Any]:
        return scope_values(size) | (_cursor_values(name, cursor) if name != "first" else {})

    _assert_pages_read_as_much_at_3000_as_at_300(
        service, listing, direction, middles, values, filters
    )


async def _write_inactive_among_active(
    db: RequestDatabase, kind: str, scopes: dict[int, str]
) -> None:
    """In each scope of a size (its ID), 100 inactive rows titled between the size's
    other rows, which are active (of every organization, one list: in the scope of
    3,000 alone); then the statistics both engines plan by."""
    for size, scope_id in scopes.items():
        if kind == "every organization" and size != 3000:
            continue
        active = size - 100
        half = active // 2
        titles = [f"Alpha {n:04}" for n in range(half)]
        titles += [f"Mike {n:04}" for n in range(100)]
        titles += [f"Zulu {n:04}" for n in range(active - half)]
        if kind == "integrations":
            rows, table = integration_rows(scope_id, titles), INTEGRATIONS
        else:
            rows, table = await _children_rows(db, scope_id, titles), ORGANIZATIONS
        for row in rows[half : half + 100]:
            row["is_active"] = False
        async with db.write() as session:
            await session.execute(sa.insert(table), rows)
    async with db.read() as session:
        for analyzed in ("integrations", "organizations", "organization_reach"):
            await session.execute(sa.text(f"ANALYZE {analyzed}"))


@pytest.mark.parametrize("kind", list(FILTERED_BY_IS_ACTIVE))
@pytest.mark.parametrize("cap", [50, 10_000])
def test_a_total_filtered_by_is_active_reads_no_further_than_it_counts(
    service: Service, kind: str, cap: int
) -> None:
    """A `total` filtered by `isActive` counts the matching rows up to one past the
    cap; it read the list's other rows too (the integrations' narrow index held no
    flag), so 100 inactive integrations among 2,900 active ones cost a count all 3,000.
    Now it reads a range of an ordering index with the flag: on PostgreSQL no node
    handles more rows than it counts; on SQLite it takes about as many steps among
    2,900 active rows as among 200 (every organization, one list: it searches that
    index)."""
    listing, condition, scope = FILTERED_BY_IS_ACTIVE[kind]
    count = listing.count_statement(cap, Filters((condition,)))
    platform = create_organization(service, "Platform")["id"]
    scopes = {size: create_organization(service, f"Scope {size}", parentId=platform)["id"]
              for size in (300, 3000)}  # fmt: skip
    expected = min(100, cap + 1)

    def values(size: int) -> dict[str, Any]:
        own = {} if scope is None else {scope: scopes[size]}
        return own | {"filter_is_active": False}

    async def on_postgresql(db: RequestDatabase, engine: Any) -> int:
        await _write_inactive_among_active(db, kind, scopes)
        assert await db.values(count, values(3000)) == [(expected,)]
        plans = await _generic_plans(engine, {"count": (count, values(3000))}, analyze=True)
        return _largest_row_count(plans["count"])

    async def on_sqlite(db: RequestDatabase, engine: Any) -> dict[int, int] | str:
        await _write_inactive_among_active(db, kind, scopes)
        async with db.read() as session:
            connection = await session.connection()
            if scope is None:
                sql = count.select.params(values(3000)).compile(
                    dialect=engine.dialect, compile_kwargs={"literal_binds": True}
                )
                plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
                return " / ".join(str(row[-1]) for row in plan)
            raw = await connection.get_raw_connection()
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0  # go on

        driver: Any = raw.driver_connection
        await driver.set_progress_handler(step, 100)
        found = {}
        for size in (300, 3000):
            steps[0] = 0
            assert await db.values(count, values(size)) == [(expected,)]
            found[size] = steps[0]
        return found

    if service.backend == "postgresql":
        assert with_database(service.settings, on_postgresql) <= expected, kind
        return
    found = with_database(service.settings, on_sqlite)
    if isinstance(found, str):
        assert "USING COVERING INDEX ix_organizations_active_order (is_active=?)" in found, found
    else:
        assert found[3000] <= 1.5 * found[300] + 10, found
