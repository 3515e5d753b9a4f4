"""The database floor: a request's own SQL through the same driver, without GraphQL.

bench/recording.py records the SQL the service runs for a request; this module replays
it with fresh values each time (a new ID for a create, the next version and a new title
for an update, the next ID of the list for a read).

The replay runs in separate processes (as many as the service has workers, at most one
per client), each with its share of the clients as asyncio tasks on connections of their
own, through asyncpg or aiosqlite: the driver's cost is in the floor, GraphQL's is not.
The processes connect first, then start together. They run on uvloop, the event loop
uvicorn gives the service: on asyncio's own loop the same replay served about a third
fewer requests. This module imports little, so that they start fast.
"""

import asyncio
import multiprocessing
import statistics
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.synchronize import Barrier
from typing import Any

import uvloop

from app.graphql.core.ids import new_id

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


class FloorError(RuntimeError):
    pass


@dataclass(frozen=True)
class Slot:
    """A parameter that takes a fresh value on every replay."""

    statement: int
    position: int
    name: str
    """`id`, `version` or one of the title's columns."""
    form: str
    """How the driver was given an ID: `dashed`, `hex` or `uuid`; `plain` for the rest."""


@dataclass
class Plan:
    """The SQL of one request, ready to replay."""

    statements: list[tuple[str, tuple[Any, ...]]]
    slots: list[Slot] = field(default_factory=list)


@dataclass(frozen=True)
class Connect:
    """Where the replay connects: an asyncpg DSN, or a SQLite file."""

    backend: str
    target: str


@dataclass(frozen=True)
class FloorJob:
    """One process's share of a floor run."""

    connect: Connect
    plan: Plan
    kind: str
    """`static`, `ids` (cycle through `ids`), `create` (new IDs) or `update` (`pool`)."""
    clients: int
    first_client: int
    total_clients: int
    ids: list[str]
    pool: list[tuple[str, int]]
    titles: list[dict[str, Any]]
    """Title columns for updates, used in turn."""
    warmup: float
    duration: float
    runs: int


@dataclass
class FloorResult:
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)


def _value(form: str, value: Any) -> Any:
    if form == "hex":
        return str(value).replace("-", "")
    if form == "uuid":
        return uuid.UUID(str(value))
    return value


class _Values:
    """The fresh values of one client's next request."""

    def __init__(self, job: FloorJob, client: int) -> None:
        self.job, self.client, self.count = job, client, 0
        if job.kind == "update":
            self.id, self.version = job.pool[client % len(job.pool)]

    def next(self) -> dict[str, Any]:
        self.count += 1
        job = self.job
        if job.kind == "ids":
            return {"id": job.ids[(self.client + self.count * job.total_clients) % len(job.ids)]}
        if job.kind == "create":
            return {"id": new_id("Integration")}
        if job.kind == "update":
            values: dict[str, Any] = {"id": self.id, "version": self.version}
            values.update(job.titles[(self.client + self.count) % len(job.titles)])
            self.version += 1
            return values
        return {}


def _statements(plan: Plan, values: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    if not plan.slots:
        return plan.statements
    statements = [(text, list(parameters)) for text, parameters in plan.statements]
    for slot in plan.slots:
        statements[slot.statement][1][slot.position] = _value(slot.form, values[slot.name])
    return [(text, tuple(parameters)) for text, parameters in statements]


def _is_write_returning(text: str) -> bool:
    head = text.lstrip()[:6].upper()
    return head in ("UPDATE", "INSERT") and "RETURNING" in text.upper()


class _Postgres:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, target: str) -> "_Postgres":
        import asyncpg

        return cls(await asyncpg.connect(target))

    async def run(self, text: str, parameters: tuple[Any, ...]) -> list[Any]:
        if text in TRANSACTION_CONTROL:
            await self.connection.execute(text)
            return []
        return list(await self.connection.fetch(text, *parameters))

    async def close(self) -> None:
        await self.connection.close()


class _Sqlite:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, target: str) -> "_Sqlite":
        import aiosqlite

        # As the service sets its connections up (app/database.py).
        connection = await aiosqlite.connect(target, isolation_level=None)
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA busy_timeout=30000")
        return cls(connection)

    async def run(self, text: str, parameters: tuple[Any, ...]) -> list[Any]:
        async with self.connection.execute(text, parameters) as cursor:
            return list(await cursor.fetchall())

    async def close(self) -> None:
        await self.connection.close()


async def _run_job(job: FloorJob, barrier: Barrier) -> list[FloorResult]:
    """A warm-up, then `job.runs` runs, each begun by all processes together."""
    driver = _Postgres if job.connect.backend == "postgresql" else _Sqlite
    connections = [await driver.open(job.connect.target) for _ in range(job.clients)]
    # A client's values carry over from run to run: its updates' versions follow on.
    values = [_Values(job, job.first_client + index) for index in range(job.clients)]

    async def client(index: int, stop: float, result: FloorResult | None) -> None:
        connection = connections[index]
        while time.monotonic() < stop:
            started = time.perf_counter()
            failed = False
            for text, parameters in _statements(job.plan, values[index].next()):
                rows = await connection.run(text, parameters)
                failed = failed or (_is_write_returning(text) and not rows)
            if result is not None:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.errors += failed

    async def run(seconds: float, result: FloorResult | None) -> None:
        await asyncio.to_thread(barrier.wait)
        stop = time.monotonic() + seconds
        await asyncio.gather(*(client(index, stop, result) for index in range(job.clients)))

    results = []
    try:
        await run(job.warmup, None)
        for _ in range(job.runs):
            result = FloorResult()
            await run(job.duration, result)
            result.requests = len(result.latencies_ms)
            results.append(result)
    finally:
        for connection in connections:
            await connection.close()
    return results


def _process(job: FloorJob, barrier: Barrier, results: "multiprocessing.Queue[Any]") -> None:
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            results.put(runner.run(_run_job(job, barrier)))
    except BaseException as error:
        barrier.abort()
        results.put(FloorError(f"{type(error).__name__}: {error}"))


@dataclass(frozen=True)
class FloorRun:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))]


def run_floor(
    connect: Connect,
    plan: Plan,
    *,
    kind: str,
    clients: int,
    processes: int,
    ids: list[str],
    pool: list[tuple[str, int]],
    titles: list[dict[str, Any]],
    warmup: float,
    duration: float,
    runs: int,
) -> list[FloorRun]:
    """`clients` concurrent clients replaying `plan`: a warm-up, then `runs` runs of
    `duration` seconds."""
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (index < clients % processes) for index in range(processes)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    queue: multiprocessing.Queue[Any] = context.Queue()
    workers, first = [], 0
    for share in shares:
        job = FloorJob(
            connect, plan, kind, share, first, clients, ids, pool, titles, warmup, duration, runs
        )
        workers.append(context.Process(target=_process, args=(job, barrier, queue)))
        first += share
    for worker in workers:
        worker.start()
    outcomes = [queue.get(timeout=120 + warmup + duration * runs) for _ in workers]
    for worker in workers:
        worker.join()
    failures = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    if failures:
        raise failures[0]
    measured = []
    for number in range(runs):
        results: list[FloorResult] = [outcome[number] for outcome in outcomes]
        latencies = [value for result in results for value in result.latencies_ms]
        measured.append(
            FloorRun(
                rps=sum(result.requests for result in results) / duration,
                p50_ms=statistics.median(latencies) if latencies else 0.0,
                p99_ms=_percentile(latencies, 99),
                errors=sum(result.errors for result in results),
            )
        )
    return measured
