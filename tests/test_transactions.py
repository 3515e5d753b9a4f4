"""Each mutation is one transaction: one that fails after its writes, before it commits,
leaves the database exactly as it was, cascades included."""

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import RequestDatabase, create_engine
from tests.conftest import Service
from tests.factories import create_integration, create_organization, error_codes

TABLES = ("organizations", "integrations", "integration_keys", "service_state")


async def _snapshot(service: Service) -> dict[str, list[Any]]:
    engine = create_engine(service.settings)
    try:
        async with engine.connect() as connection:
            return {
                table: sorted(
                    tuple(str(value) for value in row)
                    for row in await connection.execute(sa.text(f"SELECT * FROM {table}"))
                )
                for table in TABLES
            }
    finally:
        await engine.dispose()


def snapshot(service: Service) -> dict[str, list[Any]]:
    return asyncio.run(_snapshot(service))


@pytest.fixture
def fail_after_writing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every write transaction of the service fails once its statements have run (and
    been flushed), before its commit; the list counts the failures."""
    original = RequestDatabase.write
    failures: list[int] = []

    @asynccontextmanager
    async def write(self: RequestDatabase) -> AsyncIterator[AsyncSession]:
        async with original(self) as session:
            yield session
            await session.flush()
            failures.append(1)
            raise RuntimeError("injected: the request fails after its writes")

    monkeypatch.setattr(RequestDatabase, "write", write)
    yield failures


KEY_CREATE = """mutation($input: IntegrationKeyCreateInput!) {
  integrationKeyCreate(input: $input) { key { id } secret } }"""

MUTATIONS: dict[str, tuple[str, Any]] = {
    "organizationCreate": (
        "mutation($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { id } } }",
        lambda ids: {"parentId": ids["organization"], "title": "Child"},
    ),
    "organizationUpdate": (
        "mutation($input: OrganizationUpdateInput!) { organizationUpdate(input: $input) { organization { id } } }",
        lambda ids: {"id": ids["organization"], "version": 1, "title": "Renamed"},
    ),
    "organizationDelete": (
        "mutation($input: OrganizationDeleteInput!) { organizationDelete(input: $input) { deletedId } }",
        lambda ids: {"id": ids["organization"], "version": 1},
    ),
    "integrationCreate": (
        "mutation($input: IntegrationCreateInput!) { integrationCreate(input: $input) { integration { id } } }",
        lambda ids: {"organizationId": ids["organization"], "title": "Second"},
    ),
    "integrationUpdate": (
        "mutation($input: IntegrationUpdateInput!) { integrationUpdate(input: $input) { integration { id } } }",
        lambda ids: {"id": ids["integration"], "version": 1, "credentialRef": None},
    ),
    "integrationDelete": (
        "mutation($input: IntegrationDeleteInput!) { integrationDelete(input: $input) { deletedId } }",
        lambda ids: {"id": ids["integration"], "version": 1},
    ),
    "integrationKeyCreate": (KEY_CREATE, lambda ids: {"integrationId": ids["integration"]}),
    "integrationKeyRevoke": (
        "mutation($input: IntegrationKeyRevokeInput!) { integrationKeyRevoke(input: $input) { key { id } } }",
        lambda ids: {"id": ids["key"]},
    ),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_mutation_failing_after_its_writes_leaves_nothing_written(
    service: Service, mutation: str, request: pytest.FixtureRequest
) -> None:
    # An organization with an integration that has a key: what a delete cascades to.
    organization = create_organization(service, "Parent", externalId="crm:1")
    integration = create_integration(service, organization["id"], credentialRef="vault://x")
    key = service.data(KEY_CREATE, {"input": {"integrationId": integration["id"]}})
    ids = {
        "organization": organization["id"],
        "integration": integration["id"],
        "key": key["integrationKeyCreate"]["key"]["id"],
    }
    before = snapshot(service)

    failures = request.getfixturevalue("fail_after_writing")
    query, make_input = MUTATIONS[mutation]
    result = service.gql(query, {"input": make_input(ids)})

    assert failures == [1]
    assert error_codes(result) == ["INTERNAL_ERROR"], result
    assert result["data"] == {mutation: None}
    assert snapshot(service) == before


def test_a_request_stopped_at_the_query_timeout_gives_its_connection_back(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data loader's batch outlives the execution the query timeout stopped; when it
    runs at last it must not take a pooled connection that nobody would give back (one
    per timed-out request would drain the pool)."""
    from app.graphql.core import loaders

    original = loaders.EntityLoader.batch_load_fn
    finished = threading.Event()

    async def late(self: loaders.EntityLoader, ids: Any) -> list[Any]:
        await asyncio.sleep(0.6)
        try:
            return await original(self, ids)
        finally:
            finished.set()

    organization = create_organization(service)
    monkeypatch.setattr(service.settings, "query_timeout_seconds", 0.2)
    monkeypatch.setattr(loaders.EntityLoader, "batch_load_fn", late)
    result = service.post(
        {
            "query": "query($id: ID!) { node(id: $id) { id } }",
            "variables": {"id": organization["id"]},
        }
    )
    assert error_codes(result.json()) == ["QUERY_TOO_COMPLEX"]
    assert finished.wait(timeout=10)
    time.sleep(0.1)
    assert service.app.state.engine.pool.checkedout() == 0
