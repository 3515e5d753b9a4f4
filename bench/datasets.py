"""The benchmark's databases: one per engine and size, loaded once by `app.seed` and
reused while the seed's arguments stay the same."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from sqlmodel import col

from app import models
from app.database import async_database_url, create_engine
from app.settings import PROJECT_ROOT, Settings
from bench.config import BenchConfig, size_label
from bench.scenarios import CREATED_REFERENCE, Targets

WRITES_TITLE = "Benchmark writes"
POOL_SIZE = 64
READ_IDS = 1000


@dataclass(frozen=True)
class Dataset:
    engine: str
    size: int
    url: str
    organization_id: str
    seed_seconds: float | None
    """How long `app.seed` took, when this run loaded it."""

    @property
    def label(self) -> str:
        return size_label(self.size)


def database_url(config: BenchConfig, engine: str, size: int) -> str:
    name = f"bench_{size_label(size)}"
    if engine == "sqlite":
        return f"sqlite:///{config.data_dir / (name + '.db')}"
    return f"{config.postgres_url.rstrip('/')}/{name}"


def _dsn(url: str) -> str:
    return (
        async_database_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


async def _create_postgres_database(url: str) -> None:
    parsed = async_database_url(url)
    server = parsed.set(database="postgres").render_as_string(False)
    try:
        maintenance = await asyncpg.connect(_dsn(server), timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        raise SystemExit(
            f"PostgreSQL does not answer at {url.rsplit('/', 1)[0]} "
            f"({error}); set BENCH_POSTGRES_URL, or BENCH_ENGINES=sqlite to leave it out"
        ) from None
    try:
        exists = await maintenance.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
        )
        if not exists:
            await maintenance.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await maintenance.close()


def prepare(config: BenchConfig, engine: str, size: int) -> Dataset:
    """The data set of `size` integrations in one organization, seeded when missing."""
    url = database_url(config, engine, size)
    if engine == "postgresql":
        asyncio.run(_create_postgres_database(url))
    else:
        config.data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "app.seed", "--organizations", "1",
        "--integrations-per-organization", str(size), "--seed", str(config.seed),
        "--database-url", url,
    ]  # fmt: skip
    print(f"seed: {engine} {size_label(size)}", file=sys.stderr, flush=True)
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"seeding {url} failed:\n{result.stdout}")
    organization = re.search(r"First organization: (\S+)", result.stdout)
    seconds = re.search(r"Seeded .* in ([\d.]+) s", result.stdout)
    assert organization, result.stdout
    return Dataset(
        engine,
        size,
        url,
        organization.group(1),
        float(seconds.group(1)) if seconds else None,
    )


def mint_key(url: str) -> str:
    """A new key for the root integration, as an operator gets one (`make key`)."""
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "key", "--label", "benchmark"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return result.stdout.strip()


class Api:
    """The running service, for setting up what the requests point at."""

    def __init__(self, url: str, token: str) -> None:
        self.client = httpx.Client(
            base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}
        )

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        answer = response.json()
        if response.status_code != 200 or answer.get("errors"):
            raise RuntimeError(f"{query[:60]}…: {response.text[:500]}")
        data: dict[str, Any] = answer["data"]
        return data

    def close(self) -> None:
        self.client.close()


def _state_path(config: BenchConfig, url: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9]+", "_", async_database_url(url).render_as_string(False))
    return config.data_dir / f"state_{name.strip('_')}.json"


def _writes_organization(api: Api, state: dict[str, Any]) -> str:
    known = state.get("writes_organization_id")
    if (
        known
        and api.data("query($id: ID!) { organization(id: $id) { id } }", {"id": known})[
            "organization"
        ]
    ):
        return str(known)
    me = api.data("{ me { ... on Integration { organization { id } } } }")
    created = api.data(
        "mutation($input: OrganizationCreateInput!) { organizationCreate(input: $input) "
        "{ organization { id } } }",
        {"input": {"title": WRITES_TITLE, "parentId": me["me"]["organization"]["id"]}},
    )
    return str(created["organizationCreate"]["organization"]["id"])


def pool_versions(api: Api, ids: list[str]) -> list[tuple[str, int]]:
    """The pool's integrations at their current versions."""
    found = api.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Integration { id version } } }",
        {"ids": ids},
    )["nodes"]
    return [(node["id"], node["version"]) for node in found if node]


def settled_pool(api: Api, ids: list[str]) -> list[tuple[str, int]]:
    """The pool's versions once no update is in flight: one the load generator left
    running when it stopped may commit after a first read, so read until two agree."""
    pool = pool_versions(api, ids)
    for _ in range(20):
        time.sleep(0.2)
        again = pool_versions(api, ids)
        if again == pool:
            break
        pool = again
    return pool


def _pool(api: Api, organization_id: str, state: dict[str, Any]) -> list[str]:
    ids: list[str] = list(state.get("pool", []))
    if len(ids) == POOL_SIZE and len(pool_versions(api, ids)) == POOL_SIZE:
        return ids
    ids = []
    for number in range(POOL_SIZE):
        created = api.data(
            "mutation($input: IntegrationCreateInput!) { integrationCreate(input: $input) "
            "{ integration { id } } }",
            {"input": {"organizationId": organization_id, "title": f"Bench pool {number}"}},
        )
        ids.append(created["integrationCreate"]["integration"]["id"])
    return ids


async def _spread_ids(url: str, organization_id: str, count: int) -> list[str]:
    """`count` integrations of the organization, evenly spread over its ID order (which
    is its load order, unrelated to its title order)."""
    engine = create_engine(Settings(database_url=url))
    id_, owner = col(models.Integration.id), col(models.Integration.organization_id)
    try:
        async with engine.connect() as connection:
            total = (
                await connection.execute(sa.select(sa.func.count()).where(owner == organization_id))
            ).scalar_one()
            numbered = (
                sa.select(id_, sa.func.row_number().over(order_by=id_).label("n"))
                .where(owner == organization_id)
                .subquery()
            )
            step = max(1, total // count)
            rows = await connection.execute(
                sa.select(numbered.c.id).where(numbered.c.n % step == 0).limit(count)
            )
            return [str(row[0]) for row in rows]
    finally:
        await engine.dispose()


def targets(config: BenchConfig, dataset: Dataset, api: Api) -> Targets:
    path = _state_path(config, dataset.url)
    state: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    writes = _writes_organization(api, state)
    pool = _pool(api, writes, state)
    read_ids = (
        state.get("read_ids") if state.get("organization_id") == dataset.organization_id else None
    )
    if not read_ids:
        read_ids = asyncio.run(_spread_ids(dataset.url, dataset.organization_id, READ_IDS))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "writes_organization_id": writes,
                "pool": pool,
                "organization_id": dataset.organization_id,
                "read_ids": read_ids,
            }
        )
    )
    last = api.data(
        "query($org: ID!) { integrations(organizationId: $org, last: 100) "
        "{ pageInfo { startCursor } } }",
        {"org": dataset.organization_id},
    )
    return Targets(
        organization_id=dataset.organization_id,
        deep_cursor=last["integrations"]["pageInfo"]["startCursor"],
        read_ids=list(read_ids),
        writes_organization_id=writes,
        pool=pool_versions(api, pool),
    )


async def _tidy_after_writes(url: str, organization_id: str) -> int:
    engine = create_engine(Settings(database_url=url))
    table = models.Integration
    try:
        async with engine.begin() as connection:
            result = await connection.execute(
                sa.delete(table).where(
                    col(table.organization_id) == organization_id,
                    col(table.credential_ref) == CREATED_REFERENCE,
                )
            )
        if engine.dialect.name == "postgresql":
            # The writes leave dead rows and pages the visibility map no longer marks;
            # with autovacuum off or behind, later reads would be planned and run on
            # that. VACUUM runs outside a transaction.
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(sa.text(f"VACUUM ANALYZE {table.__tablename__}"))
        return int(getattr(result, "rowcount", 0))
    finally:
        await engine.dispose()


def tidy_after_writes(dataset: Dataset, targets: Targets) -> int:
    """Delete what the create runs added and, on PostgreSQL, vacuum what the write runs
    left behind, as autovacuum would: every run starts alike."""
    return asyncio.run(_tidy_after_writes(dataset.url, targets.writes_organization_id))
