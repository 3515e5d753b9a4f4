"""Each organization's number of integrations is kept by the database for every writer
(the mutations, an organization's cascading delete, rows written by SQL, concurrent
writers), so the unfiltered `total` of an organization's integrations, which reads it,
is the list's size."""

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
import sqlalchemy as sa

from app import models
from app.database import create_engine
from app.graphql.core.ids import new_id
from tests.conftest import Service
from tests.factories import (
    CREATE_INTEGRATION,
    actor_organization_id,
    create_integration,
    create_organization,
    error_codes,
    integration_rows,
)
from tests.test_concurrency import (
    DELETE_ORGANIZATION,
    QUERIES,
    THREADS,
    delete_request,
    run_together,
    split,
)

ORGANIZATIONS = models.table_of(models.Organization)
INTEGRATIONS = models.table_of(models.Integration)

DELETE_INTEGRATION = QUERIES["Integration"]["delete"]
TOTAL = """
query($id: ID!) { integrations(organizationId: $id, first: 0) { total { count precision } } }"""


def run_sql(service: Service, work: Callable[[sa.Connection], Any]) -> Any:
    """`work` on a connection of its own, in a transaction that commits."""

    async def run() -> Any:
        engine = create_engine(service.settings)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def kept_counts(service: Service) -> dict[str, int]:
    """Each organization's kept count, after checking it against a count of its rows."""

    def read(connection: sa.Connection) -> list[Any]:
        counted = (
            sa.select(sa.func.count())
            .where(INTEGRATIONS.c.organization_id == ORGANIZATIONS.c.id)
            .scalar_subquery()
        )
        statement = sa.select(ORGANIZATIONS.c.id, models.INTEGRATION_COUNT, counted)
        return list(connection.execute(statement))

    rows = run_sql(service, read)
    assert [(kept, counted) for _, kept, counted in rows if kept != counted] == [], rows
    return {str(organization_id): kept for organization_id, kept, _ in rows}


def total_of(service: Service, organization_id: str) -> int:
    total = service.data(TOTAL, {"id": organization_id})["integrations"]["total"]
    assert total["precision"] == "EXACT", total
    count: int = total["count"]
    return count


def test_the_mutations_keep_the_count(service: Service) -> None:
    acme = create_organization(service, "Acme")["id"]
    globex = create_organization(service, "Globex")["id"]
    made = [create_integration(service, acme, f"Sync {number}") for number in range(3)]
    create_integration(service, globex, "Ledger")
    create_integration(service, globex, "Payroll")
    assert (total_of(service, acme), total_of(service, globex)) == (3, 2)

    gone = made[0]
    input = {"id": gone["id"], "version": gone["version"]}
    service.data(DELETE_INTEGRATION, {"input": input})
    # A refused write changes nothing: a create in an organization that does not exist,
    # a delete at a stale version.
    missing = {"organizationId": new_id("Organization"), "title": "Orphan"}
    assert "errors" in service.gql(CREATE_INTEGRATION, {"input": missing})
    stale = {"id": made[1]["id"], "version": made[1]["version"] + 1}
    assert "errors" in service.gql(DELETE_INTEGRATION, {"input": stale})
    assert (total_of(service, acme), total_of(service, globex)) == (2, 2)
    assert kept_counts(service)[acme] == 2

    # The organization's integrations go with it; the others' counts stay.
    service.data(DELETE_ORGANIZATION, {"input": {"id": globex, "version": 1}})
    counts = kept_counts(service)
    assert globex not in counts
    assert counts[acme] == 2
    assert counts[actor_organization_id(service)] == 1  # the actor's own integration


def test_rows_written_by_sql_keep_the_count(service: Service) -> None:
    """The bulk seed, migrations and tests write rows without the API: statements that
    touch several organizations at once, moves and (on PostgreSQL) TRUNCATE."""
    acme = create_organization(service, "Acme")["id"]
    globex = create_organization(service, "Globex")["id"]
    rows = integration_rows(acme, [f"acme {n}" for n in range(4)]) + integration_rows(
        globex, [f"globex {n}" for n in range(3)]
    )
    run_sql(service, lambda c: c.execute(sa.insert(INTEGRATIONS), rows))
    assert (total_of(service, acme), total_of(service, globex)) == (4, 3)

    # One statement deleting rows of both organizations.
    doomed = [rows[0]["id"], rows[1]["id"], rows[4]["id"]]
    run_sql(
        service, lambda c: c.execute(sa.delete(INTEGRATIONS).where(INTEGRATIONS.c.id.in_(doomed)))
    )
    assert (total_of(service, acme), total_of(service, globex)) == (2, 2)

    # A move counts on both sides; an update of anything else counts nothing.
    moved = rows[2]["id"]
    run_sql(
        service,
        lambda c: c.execute(
            sa.update(INTEGRATIONS).where(INTEGRATIONS.c.id == moved).values(organization_id=globex)
        ),
    )
    run_sql(
        service,
        lambda c: c.execute(
            sa.update(INTEGRATIONS)
            .where(INTEGRATIONS.c.organization_id == globex)
            .values(version=2)
        ),
    )
    assert (total_of(service, acme), total_of(service, globex)) == (1, 3)
    kept_counts(service)

    if service.backend == "postgresql":
        run_sql(service, lambda c: c.execute(sa.text("TRUNCATE integrations CASCADE")))
        assert set(kept_counts(service).values()) == {0}


def test_concurrent_creates_and_deletes_in_one_organization_keep_the_count(
    service: Service,
) -> None:
    """Writers in one organization add to its count in their own transactions, and none
    is lost."""
    acme = create_organization(service, "Acme")["id"]
    existing = [create_integration(service, acme, f"Old {number}") for number in range(THREADS)]
    creates = [
        (CREATE_INTEGRATION, {"input": {"organizationId": acme, "title": f"New {number}"}})
        for number in range(THREADS)
    ]
    deletes = [
        delete_request("Integration", integration["id"], integration["version"])
        for integration in existing[: THREADS // 2]
    ]
    results = run_together(service, creates + deletes)
    _, failed = split(results)
    assert failed == [], [results[index] for index in failed]
    assert total_of(service, acme) == THREADS + THREADS - THREADS // 2
    kept_counts(service)


def test_creates_in_one_organization_do_not_wait_for_one_another_on_postgresql(
    service: Service,
) -> None:
    """Each connection adds to a share of the count of its own (its slot): a create
    holds its share until it commits, and a create on another connection goes on
    meanwhile. (The count in the organization's row made the second create wait.)"""
    if service.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    acme = create_organization(service, "Acme")["id"]
    first, second = integration_rows(acme, ["first", "second"])
    slot = sa.text(f"SELECT pg_backend_pid() % {models.INTEGRATION_COUNT_SLOTS}")

    async def race() -> None:
        engine = create_engine(service.settings)
        try:
            async with engine.connect() as holding:
                await holding.execute(sa.insert(INTEGRATIONS), first)
                slots = {(await holding.execute(slot)).scalar_one()}
                # A connection of another slot: pids are handed out in turn.
                async with AsyncExitStack() as others:
                    while True:
                        other = await others.enter_async_context(engine.connect())
                        if (await other.execute(slot)).scalar_one() not in slots:
                            break
                    await other.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
                    await other.execute(sa.insert(INTEGRATIONS), second)
                    await other.commit()
                await holding.commit()
        finally:
            await engine.dispose()

    asyncio.run(race())
    assert total_of(service, acme) == 2
    kept_counts(service)


def test_an_integration_delete_waiting_on_its_organizations_delete_does_not_deadlock(
    service: Service,
) -> None:
    """An integration's delete takes its organization's row (for the kept count) before
    its own, as the organization's delete does; taken the other way round, the two
    deadlock. Here the organization's delete holds the organization's row while the
    integration's delete arrives, then cascades to the integration: the integration's
    delete must wait, then find it gone."""
    if service.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    acme = create_organization(service, "Acme")["id"]
    integration = create_integration(service, acme, "Doomed")
    input = {"id": integration["id"], "version": integration["version"]}

    async def race() -> dict[str, Any]:
        engine = create_engine(service.settings)
        try:
            async with engine.connect() as organization_delete:
                await organization_delete.execute(
                    sa.select(ORGANIZATIONS.c.id)
                    .where(ORGANIZATIONS.c.id == acme)
                    .with_for_update()
                )
                deleting = asyncio.get_running_loop().run_in_executor(
                    None, lambda: service.gql(DELETE_INTEGRATION, {"input": input})
                )
                await _until_a_session_waits_for_a_lock(organization_delete)
                await organization_delete.execute(
                    sa.delete(ORGANIZATIONS).where(ORGANIZATIONS.c.id == acme)
                )
                await organization_delete.commit()
                return await deleting
        finally:
            await engine.dispose()

    result = asyncio.run(race())
    assert error_codes(result) == ["NOT_FOUND"], result
    assert result["data"] == {"integrationDelete": None}
    assert acme not in kept_counts(service)


async def _until_a_session_waits_for_a_lock(connection: Any) -> None:
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(500):
        if (await connection.execute(waiting)).scalar_one():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the integration's delete never waited for a lock")
