"""GraphQL over HTTP conformance: the graphql-http audit suite (npm `graphql-http`, its
`auditServer`) against the running service, every MUST and every SHOULD passing; and CORS,
off unless origins are configured.

The suite runs in a Node script, tests/http_audit/audit.mjs, whose packages are pinned in
tests/http_audit/package-lock.json and installed with `npm ci` when missing.
"""

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests import node_tools
from tests.conftest import Service

AUDIT_DIR = Path(__file__).resolve().parent / "http_audit"

# Failing audits that the contract overrides, by audit id, each with its reason. Empty:
# the service passes every MUST and every SHOULD of the pinned suite as they stand.
ALLOWED: dict[str, str] = {}

FAILING = ("error", "warn")  # a failing MUST, a failing SHOULD ("notice" is a failing MAY)


# --- the audit suite ---------------------------------------------------------------------


def run_audit(service: Service, path: str = "/graphql") -> list[dict[str, Any]]:
    """The audit results for `path` of the running service, called with the actor's key."""
    node = node_tools.node("the graphql-http audit suite needs Node.js")
    node_tools.npm_ci(AUDIT_DIR, "graphql-http")
    assert service.actor is not None
    completed = subprocess.run(
        [node, str(AUDIT_DIR / "audit.mjs"), f"{service.base_url}{path}"],
        cwd=AUDIT_DIR,
        # The key travels in the environment, not on a command line.
        env={**os.environ, "AUDIT_KEY": service.actor.token},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, f"audit.mjs failed:\n{completed.stderr}"
    assert service.actor.token not in completed.stdout
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    assert results, "the audit suite ran no audit"
    return results


def _describe(result: dict[str, Any]) -> str:
    line = f"{result['id']} [{result['status']}] {result['name']}: {result.get('reason')}"
    response = result.get("response")
    if response:
        line += f"\n    answered {response['status']} {response['contentType']}: {response['body']}"
    return line


def test_audit_passes_every_must_and_should(service: Service) -> None:
    results = run_audit(service)
    ids = {result["id"] for result in results}
    # An allowance for an audit that no longer exists is stale: drop it.
    assert set(ALLOWED) <= ids, set(ALLOWED) - ids
    failing = [
        result for result in results if result["status"] in FAILING and result["id"] not in ALLOWED
    ]
    assert not failing, "graphql-http audit failures:\n" + "\n".join(map(_describe, failing))
    # The MUSTs and SHOULDs did run: a suite that lost them would pass vacuously.
    ran = [result for result in results if result["status"] == "ok"]
    assert sum(result["name"].startswith("MUST") for result in ran) >= 10, results
    assert sum(result["name"].startswith("SHOULD") for result in ran) >= 10, results


def test_audit_reports_failures(service: Service) -> None:
    """The script does report failures: against a path that is not the GraphQL endpoint
    (404 for everything), MUSTs fail."""
    results = run_audit(service, "/not-graphql")
    assert any(result["status"] == "error" for result in results), results


@pytest.mark.parametrize("extensions", ["string", 0, False, ["array"]])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_extensions_that_are_not_an_object_are_400(
    service: Service, extensions: Any, method: str
) -> None:
    body = {"query": "{ __typename }", "extensions": extensions}
    if method == "POST":
        response = service.post(body)
    else:
        params = {"query": body["query"], "extensions": json.dumps(extensions)}
        response = service.client.get("/graphql", params=params)
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "VALIDATION_ERROR"


def test_extensions_object_is_accepted(service: Service) -> None:
    response = service.post({"query": "{ __typename }", "extensions": {"some": "value"}})
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/graphql-response+json", "application/graphql-response+json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (
            "application/json, application/graphql-response+json",
            "application/graphql-response+json",
        ),
        (
            "application/graphql-response+json;q=0.5, application/json;q=0.9",
            "application/json",
        ),
        ("application/graphql-response+json;q=0, application/json", "application/json"),
    ],
)
def test_response_media_type_follows_accept(service: Service, accept: str, expected: str) -> None:
    response = service.post({"query": "{ __typename }"}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == expected


# --- CORS ---------------------------------------------------------------------------------

ALLOWED_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example.net"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def _cors_headers(response: httpx.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-")
    }


def test_cors_is_off_by_default(service: Service) -> None:
    assert service.settings.cors_origins == []
    preflight = service.client.options("/graphql", headers={"Origin": ALLOWED_ORIGIN, **PREFLIGHT})
    assert _cors_headers(preflight) == {}, preflight.headers
    assert preflight.status_code == 405, preflight.text
    response = service.post({"query": "{ __typename }"}, headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 200, response.text
    assert _cors_headers(response) == {}, response.headers


def _call_with_cors(service: Service, requests: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Requests through ASGI to an app built with CORS for ALLOWED_ORIGIN only."""
    app = create_app(
        Settings(database_url=service.settings.database_url, cors_origins=[ALLOWED_ORIGIN])
    )

    async def call() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            try:
                return [await client.request(method, "/graphql", **kw) for method, kw in requests]
            finally:
                await app.state.engine.dispose()

    return asyncio.run(call())


def test_cors_allows_exactly_the_configured_origins(service: Service) -> None:
    assert service.actor is not None
    key = {"Authorization": f"Bearer {service.actor.token}"}
    query = {"query": "{ __typename }"}
    allowed_preflight, other_preflight, allowed_post, other_post = _call_with_cors(
        service,
        [
            ("OPTIONS", {"headers": {"Origin": ALLOWED_ORIGIN, **PREFLIGHT}}),
            ("OPTIONS", {"headers": {"Origin": OTHER_ORIGIN, **PREFLIGHT}}),
            ("POST", {"json": query, "headers": {"Origin": ALLOWED_ORIGIN, **key}}),
            ("POST", {"json": query, "headers": {"Origin": OTHER_ORIGIN, **key}}),
        ],
    )

    assert allowed_preflight.status_code == 200, allowed_preflight.text
    headers = _cors_headers(allowed_preflight)
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in headers["access-control-allow-methods"]
    assert "authorization" in headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in headers

    assert other_preflight.status_code == 400, other_preflight.text
    assert "access-control-allow-origin" not in _cors_headers(other_preflight)

    assert allowed_post.status_code == 200, allowed_post.text
    assert allowed_post.json() == {"data": {"__typename": "Query"}}
    assert allowed_post.headers["access-control-allow-origin"] == ALLOWED_ORIGIN

    # The server still answers (CORS is enforced by browsers), but grants no access.
    assert "access-control-allow-origin" not in other_post.headers
