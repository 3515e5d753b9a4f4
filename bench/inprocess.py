"""`python -m bench profile`: one request kind driven in-process, CPU per request.

The ASGI application is called directly (no sockets, no uvicorn, uvloop as uvicorn
uses), a few requests at a time, after a warm-up; the process's CPU time is divided by
the requests. Steadier than wrk's figures on a shared machine, and the way the profile
summary in docs/benchmarks.md was measured. For figures that do not move with the
machine's load, count instructions instead: run it under
`valgrind --tool=callgrind` with two request counts and divide the difference
(docs/benchmarks.md, Profile summary).

    python -m bench profile [scenario] [requests] [concurrency]

`scenario` is one of `typename`, `list`, `list_no_total`, `deep`, `deep_no_total`,
`filtered`, `filtered_no_total` (the list with `filter: {isActive: true}`; default
`list_no_total`), read from the benchmark's PostgreSQL data set of
`BENCH_MATRIX_SIZE` integrations (`BENCH_SOAK_ENGINE` picks the engine), which is
seeded first when missing.
"""

import asyncio
import json
import time
from typing import Any

import uvloop

from app.main import create_app
from app.settings import Settings
from bench.config import BenchConfig
from bench.datasets import Dataset, mint_key, prepare
from bench.scenarios import (
    DEEP,
    DEEP_NO_TOTAL,
    FILTERED,
    FILTERED_NO_TOTAL,
    LIST,
    LIST_NO_TOTAL,
    TYPENAME,
)

LISTS = (LIST, LIST_NO_TOTAL, DEEP, DEEP_NO_TOTAL, FILTERED, FILTERED_NO_TOTAL)
PROFILED = {scenario.name: scenario for scenario in (TYPENAME, *LISTS)}
WARM_UP_REQUESTS = 50


async def _call(app: Any, body: bytes, token: str) -> bytes:
    """One POST /graphql through the ASGI application; the response body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"localhost"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    received = False
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


async def _drive(
    scenario_name: str, requests: int, concurrency: int, token: str, dataset: Dataset
) -> float:
    app = create_app(Settings(database_url=dataset.url))
    organization_id = dataset.organization_id
    scenario = PROFILED[scenario_name]
    async with app.router.lifespan_context(app):
        variables: dict[str, Any] = {}
        if scenario in LISTS:
            variables["organizationId"] = organization_id
        if scenario in (DEEP, DEEP_NO_TOTAL):
            last = {
                "query": "query($org: ID!) { integrations(organizationId: $org, last: 100) "
                "{ pageInfo { startCursor } } }",
                "variables": {"org": organization_id},
            }
            answer = json.loads(await _call(app, json.dumps(last).encode(), token))
            variables["after"] = answer["data"]["integrations"]["pageInfo"]["startCursor"]
        body = json.dumps({"query": scenario.document, "variables": variables}).encode()
        answer = json.loads(await _call(app, body, token))
        if answer.get("errors"):
            raise SystemExit(f"the request fails: {answer['errors']}")
        for _ in range(WARM_UP_REQUESTS):
            await _call(app, body, token)
        started = time.process_time()
        for _ in range(requests // concurrency):
            await asyncio.gather(*(_call(app, body, token) for _ in range(concurrency)))
        return (time.process_time() - started) / (requests // concurrency * concurrency)


def profile(
    scenario_name: str = "list_no_total", requests: int = 2000, concurrency: int = 8
) -> int:
    if scenario_name not in PROFILED:
        raise SystemExit(f"unknown scenario {scenario_name!r}; use one of {sorted(PROFILED)}")
    config = BenchConfig()
    dataset = prepare(config, config.soak_engine, config.matrix_size)
    token = mint_key(dataset.url)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        seconds = runner.run(_drive(scenario_name, requests, concurrency, token, dataset))
    print(
        f"{scenario_name} on {dataset.engine} {dataset.label}: {seconds * 1000:.3f} ms of CPU per request "
        f"({requests} requests, {concurrency} at a time)"
    )
    return 0
