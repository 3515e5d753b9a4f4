"""The service against a PostgreSQL that stops, vanishes from the network or hangs.

The tests own the database: a throwaway cluster (the machine's PostgreSQL binaries, a
free loopback port) reached through a TCP proxy, so they can stop and start the server
and cut or black-hole the network between it and the service. The service runs under
uvicorn in a process of its own, with short timeouts. Also here, as they need databases
of their own: several uvicorn workers making their first start together on one empty
database, and 16 clients racing them.
"""

import os
import pwd
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Service
from tests.processes import (
    CREATE,
    CREATE_INTEGRATION,
    ME,
    READ_INTEGRATION,
    UPDATE_INTEGRATION,
    ServiceProcess,
    TcpProxy,
    ThrowawayPostgres,
    gql,
    integration_locked,
    postgres_bin_dir,
    race_updates,
    service_process,
)

pytestmark = pytest.mark.postgres_only

CONNECT_TIMEOUT = 1.0
STATEMENT_TIMEOUT = 2.0
# The longest a request may take while the database does not answer: connecting, one
# statement the client gives up on, and the cleanup that follows, with room to spare.
WORST_CASE_SECONDS = CONNECT_TIMEOUT + 2 * (STATEMENT_TIMEOUT + 1) + 2


@pytest.fixture(scope="module")
def cluster(service: Service) -> Iterator[ThrowawayPostgres]:
    if service.backend != "postgresql":
        pytest.skip("PostgreSQL only: these tests stop and start a PostgreSQL server")
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
    if os.geteuid() == 0 and not _has_user("postgres"):
        pytest.skip("running as root, and no user `postgres` to run a cluster as")
    postgres = ThrowawayPostgres(bin_dir)
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.remove()


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module")
def proxy(cluster: ThrowawayPostgres) -> Iterator[TcpProxy]:
    tcp_proxy = TcpProxy(cluster.port)
    yield tcp_proxy
    tcp_proxy.close()


@pytest.fixture(scope="module")
def faulty(
    cluster: ThrowawayPostgres, proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServiceProcess, str]]:
    """The service on a migrated database of the cluster, through the proxy; and its
    root key."""
    import asyncio

    from app.migrate import upgrade
    from app.settings import Settings

    direct_url = cluster.create_database("faults")
    asyncio.run(upgrade(Settings(database_url=direct_url)))
    env = {
        "DATABASE_URL": cluster.url("faults", port=proxy.port),
        "DATABASE_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT),
        "DATABASE_STATEMENT_TIMEOUT_SECONDS": str(STATEMENT_TIMEOUT),
        "DATABASE_POOL_TIMEOUT_SECONDS": "1",
        "DATABASE_POOL_SIZE": "4",
        # Authentication is then each request's first database access, whose failure
        # answers HTTP 503 (a key verified within the cache's time would answer 200,
        # with the error in `errors`, from the operation's first access instead).
        "AUTH_CACHE_SECONDS": "0",
    }
    with service_process(tmp_path_factory.mktemp("faults"), env) as running:
        (key,) = running.root_keys()
        yield running, key


@pytest.fixture
def client(faulty: tuple[ServiceProcess, str]) -> Iterator[httpx.Client]:
    running, key = faulty
    with running.client(key) as http:
        yield http


def assert_unavailable(response: httpx.Response, elapsed: float, status: int = 503) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"], body
    assert "Traceback" not in response.text and "asyncpg" not in response.text
    assert elapsed < WORST_CASE_SECONDS, elapsed


def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def wait_until_served(client: httpx.Client, timeout: float = 20) -> float:
    """Seconds until the service answers again, by itself."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if gql(client, ME).status_code == 200 and client.get("/healthz").status_code == 200:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"the service did not recover within {timeout} s")


def create_organization(client: httpx.Client, title: str) -> dict[str, Any]:
    response = gql(client, CREATE, {"input": {"title": title}})
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    organization: dict[str, Any] = response.json()["data"]["organizationCreate"]["organization"]
    return organization


def test_a_connection_dropped_while_idle_is_replaced_before_use(service: Service) -> None:
    """A pooled connection that sat idle is tested before a request gets it: one the
    server dropped meanwhile is replaced instead of failing the request."""
    import asyncio

    import sqlalchemy as sa

    from app.database import POOL_TEST_AFTER_IDLE_SECONDS, create_engine

    if service.backend != "postgresql":
        pytest.skip("PostgreSQL only: the pool's test of idle connections")

    async def scenario() -> tuple[int, int]:
        engine, other = create_engine(service.settings), create_engine(service.settings)
        try:
            async with engine.connect() as connection:
                dropped = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).one()[0]
            async with other.connect() as connection:
                terminate = sa.text("SELECT pg_terminate_backend(:pid)")
                await connection.execute(terminate, {"pid": dropped})
            await asyncio.sleep(POOL_TEST_AFTER_IDLE_SECONDS)
            async with engine.connect() as connection:
                serving = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).one()[0]
            return dropped, serving
        finally:
            await engine.dispose()
            await other.dispose()

    dropped, serving = asyncio.run(scenario())
    assert serving != dropped


@pytest.mark.parametrize("fault", ["server stopped", "network cut", "network black hole"])
def test_unreachable_database_answers_service_unavailable_then_recovers(
    faulty: tuple[ServiceProcess, str],
    client: httpx.Client,
    cluster: ThrowawayPostgres,
    proxy: TcpProxy,
    fault: str,
) -> None:
    running, _ = faulty
    before = create_organization(client, f"Before {fault}")
    assert gql(client, ME).status_code == 200

    {"server stopped": cluster.stop, "network cut": proxy.cut}.get(fault, proxy.black_hole)()
    try:
        for _ in range(2):  # the pool's connections die on the first; then none connect
            response, elapsed = timed(lambda: gql(client, ME))
            assert_unavailable(response, elapsed)
            response, elapsed = timed(lambda: gql(client, CREATE, {"input": {"title": "No"}}))
            assert_unavailable(response, elapsed)
        health, elapsed = timed(lambda: client.get("/healthz"))
        assert health.status_code == 503 and elapsed < CONNECT_TIMEOUT + 2, (health, elapsed)
        sdl = client.get("/graphql/schema.graphql")
        assert sdl.status_code == 503 and "Traceback" not in sdl.text, sdl.text
    finally:
        {"server stopped": cluster.start}.get(fault, proxy.restore)()

    recovered_after = wait_until_served(client)
    assert recovered_after < 10
    organizations = gql(client, "{ organizations(first: 100) { nodes { id title } } }").json()
    titles = [node["title"] for node in organizations["data"]["organizations"]["nodes"]]
    assert before["title"] in titles and "No" not in titles
    assert running.process.poll() is None  # never restarted
    assert "Traceback" not in running.output()


def test_database_stopping_during_a_mutation(
    faulty: tuple[ServiceProcess, str], client: httpx.Client, cluster: ThrowawayPostgres
) -> None:
    """Past authentication, inside a write: a GraphQL error SERVICE_UNAVAILABLE, and the
    write is not half done."""
    running, _ = faulty
    organization = create_organization(client, "Mid-request")
    response = gql(
        client, CREATE_INTEGRATION, {"input": {"organizationId": organization["id"], "title": "A"}}
    )
    integration = response.json()["data"]["integrationCreate"]["integration"]
    update = {"input": {"id": integration["id"], "version": 1, "title": "Half way"}}

    results: list[httpx.Response] = []
    with integration_locked(cluster.url("faults"), integration["id"]):
        # The update waits for the lock; then the server goes down under it.
        sender = threading.Thread(
            target=lambda: results.append(gql(client, UPDATE_INTEGRATION, update))
        )
        sender.start()
        time.sleep(0.5)
        cluster.stop()
    try:
        sender.join(timeout=WORST_CASE_SECONDS)
        assert results, "the request hung"
        response = results[0]
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] == {"integrationUpdate": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
        assert "Traceback" not in response.text
    finally:
        cluster.start()
    wait_until_served(client)
    current = gql(client, READ_INTEGRATION, {"id": integration["id"]}).json()
    assert current["data"]["integration"] == integration  # version 1, title unchanged
    assert "Traceback" not in running.output()


def test_workers_share_only_the_database(
    cluster: ThrowawayPostgres, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Four workers start together on one empty, migrated database: exactly one creates
    the root actor. Then 16 clients update one integration with the same version through
    them: exactly one wins, 15 get CONFLICT."""
    import asyncio

    from app.migrate import upgrade
    from app.settings import Settings

    url = cluster.create_database("workers")
    asyncio.run(upgrade(Settings(database_url=url)))
    tmp_dir = tmp_path_factory.mktemp("workers")
    with service_process(tmp_dir, {"DATABASE_URL": url}, workers=4) as running:
        (key,) = running.root_keys()
        race_updates(running, key, clients=16)


def test_a_statement_past_the_statement_timeout_is_cancelled(
    faulty: tuple[ServiceProcess, str], client: httpx.Client, cluster: ThrowawayPostgres
) -> None:
    """A write stuck behind a lock longer than DATABASE_STATEMENT_TIMEOUT_SECONDS is
    cancelled by the server: SERVICE_UNAVAILABLE after that long, and nothing written."""
    organization = create_organization(client, "Locked")
    response = gql(
        client, CREATE_INTEGRATION, {"input": {"organizationId": organization["id"], "title": "L"}}
    )
    integration = response.json()["data"]["integrationCreate"]["integration"]
    update = {"input": {"id": integration["id"], "version": 1, "title": "Never"}}
    with integration_locked(cluster.url("faults"), integration["id"]):
        response, elapsed = timed(lambda: gql(client, UPDATE_INTEGRATION, update))
    assert_unavailable(response, elapsed, status=200)
    assert STATEMENT_TIMEOUT <= elapsed < STATEMENT_TIMEOUT + 1.5, elapsed
    assert response.json()["data"] == {"integrationUpdate": None}
    current = gql(client, READ_INTEGRATION, {"id": integration["id"]}).json()
    assert current["data"]["integration"] == integration
