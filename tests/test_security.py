"""Authentication by integration keys and tenant isolation."""

import asyncio
import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.graphql.organizations import queries as organization_queries
from app.main import create_app
from app.settings import Settings
from tests.conftest import Service
from tests.factories import (
    create_integration,
    create_organization,
    create_tenant,
    error_codes,
)

ME = "{ me { __typename id title } }"
CREATE_KEY = """
mutation($input: IntegrationKeyCreateInput!) {
  integrationKeyCreate(input: $input) {
    key { id label hint createdAt revokedAt integration { id } }
    secret
  }
}"""
REVOKE_KEY = """
mutation($input: IntegrationKeyRevokeInput!) {
  integrationKeyRevoke(input: $input) { key { id revokedAt } }
}"""
KEYS = "query($id: ID!) { integration(id: $id) { keys { id label hint revokedAt } } }"


def call(service: Service, token: str | None, query: str, variables: Any = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    with httpx.Client(base_url=service.base_url, timeout=30) as client:
        return client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )


def issue_key(service: Service, integration_id: str, label: str | None = None) -> str:
    data = service.data(CREATE_KEY, {"input": {"integrationId": integration_id, "label": label}})
    secret: str = data["integrationKeyCreate"]["secret"]
    return secret


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert "data" not in body
    assert error_codes(body) == ["UNAUTHORIZED"]
    assert body["errors"][0]["extensions"]["status"] == 401


# --- authentication -------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-key",
        "Bearer ik_" + "0" * 32 + "_" + "A" * 43,
    ],
)
def test_requests_without_a_valid_key_are_refused(
    service: Service, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with httpx.Client(base_url=service.base_url) as client:
        response = client.post("/graphql", json={"query": ME}, headers=headers)
    assert_unauthorized(response)


def test_introspection_needs_a_key(service: Service) -> None:
    assert service.actor is not None
    assert_unauthorized(call(service, None, "{ __schema { types { name } } }"))
    assert call(service, service.actor.token, "{ __schema { queryType { name } } }").json() == {
        "data": {"__schema": {"queryType": {"name": "Query"}}}
    }


def test_me_is_the_calling_integration(service: Service) -> None:
    assert service.actor is not None
    assert service.data(ME)["me"] == {
        "__typename": "Integration",
        "id": service.actor.integration_id,
        "title": "Root integration",
    }


def test_an_issued_key_works_is_listed_without_secret_and_stops_when_revoked(
    service: Service,
) -> None:
    organization = create_organization(service, "Tenant")
    integration = create_integration(service, organization["id"], "Robot")
    created = service.data(
        CREATE_KEY, {"input": {"integrationId": integration["id"], "label": "  ci  "}}
    )["integrationKeyCreate"]
    secret = created["secret"]
    key = created["key"]
    assert secret.startswith("ik_") and len(secret) == 3 + 32 + 1 + 43
    assert key["label"] == "ci"
    assert key["revokedAt"] is None
    assert key["integration"] == {"id": integration["id"]}
    assert secret.startswith(key["hint"].rstrip("…"))
    assert key["createdAt"].endswith("Z")

    me = call(service, secret, ME).json()["data"]["me"]
    assert me == {"__typename": "Integration", "id": integration["id"], "title": "Robot"}

    listed = service.data(KEYS, {"id": integration["id"]})["integration"]["keys"]
    assert listed == [{"id": key["id"], "label": "ci", "hint": key["hint"], "revokedAt": None}]
    assert secret not in str(listed)

    revoked = service.data(REVOKE_KEY, {"input": {"id": key["id"]}})["integrationKeyRevoke"]
    assert revoked["key"]["revokedAt"] is not None
    assert_unauthorized(call(service, secret, ME))
    again = service.data(REVOKE_KEY, {"input": {"id": key["id"]}})["integrationKeyRevoke"]
    assert again == revoked


def test_a_secret_altered_by_one_character_is_refused(service: Service) -> None:
    assert service.actor is not None
    token = service.actor.token
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert_unauthorized(call(service, altered, ME))
    assert call(service, token, ME).status_code == 200


def test_keys_of_inactive_integrations_and_organizations_are_refused(service: Service) -> None:
    organization = create_organization(service, "Tenant")
    integration = create_integration(service, organization["id"], "Robot")
    secret = issue_key(service, integration["id"])
    assert call(service, secret, ME).status_code == 200

    service.data(
        "mutation($i: IntegrationUpdateInput!) { integrationUpdate(input: $i) { integration { id } } }",
        {"i": {"id": integration["id"], "version": 1, "isActive": False}},
    )
    assert_unauthorized(call(service, secret, ME))
    service.data(
        "mutation($i: IntegrationUpdateInput!) { integrationUpdate(input: $i) { integration { id } } }",
        {"i": {"id": integration["id"], "version": 2, "isActive": True}},
    )
    assert call(service, secret, ME).status_code == 200

    service.data(
        "mutation($i: OrganizationUpdateInput!) { organizationUpdate(input: $i) { organization { id } } }",
        {"i": {"id": organization["id"], "version": 1, "isActive": False}},
    )
    assert_unauthorized(call(service, secret, ME))


def test_keys_of_deleted_integrations_are_refused(service: Service) -> None:
    organization = create_organization(service, "Tenant")
    integration = create_integration(service, organization["id"], "Robot")
    secret = issue_key(service, integration["id"])
    service.data(
        "mutation($i: IntegrationDeleteInput!) { integrationDelete(input: $i) { deletedId } }",
        {"i": {"id": integration["id"], "version": 1}},
    )
    assert_unauthorized(call(service, secret, ME))


def test_a_key_revoked_through_another_process_stops_working_within_the_cache_time(
    service: Service,
) -> None:
    """Each process keeps the actors of keys it verified for AUTH_CACHE_SECONDS. A
    revocation through this service clears its own cache at once (the tests above); a
    second process, which did not see the write, refuses the key once its entry is older
    than that."""
    ttl = 2.0
    integration = create_integration(service, create_organization(service)["id"], "Robot")
    created = service.data(CREATE_KEY, {"input": {"integrationId": integration["id"]}})
    secret = created["integrationKeyCreate"]["secret"]
    key_id = created["integrationKeyCreate"]["key"]["id"]
    other = create_app(service.settings.model_copy(update={"auth_cache_seconds": ttl}))

    async def in_other_process() -> list[int]:
        statuses = []
        async with (
            other.router.lifespan_context(other),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=other), base_url="http://service"
            ) as client,
        ):

            async def me() -> int:
                headers = {"Authorization": f"Bearer {secret}"}
                response = await client.post("/graphql", json={"query": ME}, headers=headers)
                return response.status_code

            statuses.append(await me())  # verified, and kept
            await asyncio.to_thread(service.data, REVOKE_KEY, {"input": {"id": key_id}})
            statuses.append(await me())  # still kept here
            await asyncio.sleep(ttl)
            statuses.append(await me())
        return statuses

    assert asyncio.run(in_other_process()) == [200, 200, 401]
    assert_unauthorized(call(service, secret, ME))


# --- bootstrap and the command line ---------------------------------------------------


async def _start_and_stop(database_url: str) -> str:
    app = create_app(Settings(database_url=database_url))
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        async with app.router.lifespan_context(app):
            pass
    return output.getvalue()


def test_first_start_prints_a_root_key_once(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = asyncio.run(_start_and_stop(database_url))
    [line] = [line for line in first.splitlines() if "store it now" in line]
    token = line.split()[-1]
    assert token.startswith("ik_")
    # Besides the key itself, only the explorer link carries it.
    [key_line, link_line] = [line for line in first.splitlines() if token in line]
    assert key_line == line
    assert link_line.endswith(f"/graphql#key={token}")
    assert "ik_" not in asyncio.run(_start_and_stop(database_url))

    async def me() -> httpx.Response:
        app = create_app(Settings(database_url=database_url))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://service"
            ) as client,
        ):
            return await client.post(
                "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
            )

    answer = asyncio.run(me()).json()
    assert answer["data"]["me"]["title"] == "Root integration"


def _cli(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "key", *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_command_line_mints_keys_and_prints_only_them(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'cli.db'}"
    first = _cli(database_url)
    assert first.returncode == 0, first.stderr
    second = _cli(database_url)
    assert second.returncode == 0, second.stderr
    tokens = [first.stdout, second.stdout]
    for output in tokens:
        assert output.count("\n") == 1 and output.startswith("ik_")
    assert tokens[0] != tokens[1]

    unknown = _cli(database_url, "--integration", "nope")
    assert unknown.returncode == 1
    assert unknown.stdout == ""
    assert "nope" in unknown.stderr


# --- tenant isolation -----------------------------------------------------------------


@pytest.fixture
def tenants(service: Service) -> dict[str, Any]:
    """Two sibling tenants under a platform organization, each with an actor, a child
    organization and an integration."""
    assert service.actor is not None
    platform = create_organization(service, "Platform")
    a, a_key, _ = create_tenant(service, "Tenant A", platform["id"])
    b, b_key, b_key_id = create_tenant(service, "Tenant B", platform["id"])
    b_child = create_organization(service, "B child", parentId=b["id"])
    b_integration = create_integration(service, b["id"], "B billing")
    return {
        "platform": platform,
        "a": a,
        "a_key": a_key,
        "b": b,
        "b_key": b_key,
        "b_key_id": b_key_id,
        "b_child": b_child,
        "b_integration": b_integration,
    }


def _as(service: Service, token: str, query: str, variables: Any = None) -> dict[str, Any]:
    response = call(service, token, query, variables)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_actor_lists_only_its_own_subtree(service: Service, tenants: dict[str, Any]) -> None:
    titles = _as(
        service,
        tenants["a_key"],
        "{ organizations(first: 100) { nodes { title } total { count } } }",
    )["data"]["organizations"]
    assert titles == {"nodes": [{"title": "Tenant A"}], "total": {"count": 1}}
    # Its own organization's parent is out of reach: it reads as none.
    own = _as(
        service,
        tenants["a_key"],
        "query($id: ID!) { organization(id: $id) { parent { id } } }",
        {"id": tenants["a"]["id"]},
    )
    assert own == {"data": {"organization": {"parent": None}}}


def test_actors_of_different_tenants_share_the_statements_of_their_lists(
    service: Service, tenants: dict[str, Any]
) -> None:
    """An actor's reach is a bound parameter (the root of its subtree): tenants' lists run
    one statement built once, each reading its own subtree."""
    kept = organization_queries.ORGANIZATIONS_IN_REACH._statements
    kept.clear()
    query = "{ organizations(first: 100) { nodes { title } total { count } } }"
    a = _as(service, tenants["a_key"], query)["data"]["organizations"]
    b = _as(service, tenants["b_key"], query)["data"]["organizations"]
    assert a == {"nodes": [{"title": "Tenant A"}], "total": {"count": 1}}
    assert b == {"nodes": [{"title": "B child"}, {"title": "Tenant B"}], "total": {"count": 2}}
    assert [filters for _, filters in kept] == [()], list(kept)


UPDATE_ORGANIZATION = """
mutation($input: OrganizationUpdateInput!) {
  organizationUpdate(input: $input) { organization { title } }
}"""
DELETE_ORGANIZATION = """
mutation($input: OrganizationDeleteInput!) { organizationDelete(input: $input) { deletedId } }"""


def test_an_actors_list_follows_its_subtree_as_it_changes(
    service: Service, tenants: dict[str, Any]
) -> None:
    """The reach is kept by the database as organizations are created, renamed and
    deleted below the actor: its pages, forward and backward, its filters and its
    `total` see the subtree as it is, in title order, and nothing outside it."""
    b, b_child = tenants["b"], tenants["b_child"]
    grandchild = create_organization(service, "item 10", parentId=b_child["id"])
    create_organization(service, "item 2", parentId=grandchild["id"])
    create_organization(service, "Outside", parentId=tenants["platform"]["id"])
    renamed = service.data(
        UPDATE_ORGANIZATION, {"input": {"id": b_child["id"], "version": 1, "title": "Zed"}}
    )["organizationUpdate"]["organization"]
    create_organization(service, "Gone", parentId=b["id"])
    gone = create_organization(service, "also gone", parentId=b["id"])
    service.data(DELETE_ORGANIZATION, {"input": {"id": gone["id"], "version": 1}})
    expected = ["Gone", "item 2", "item 10", "Tenant B", "Zed"]
    assert renamed["title"] == "Zed"

    def walk(forward: bool) -> list[str]:
        titles: list[str] = []
        cursor = None
        while True:
            arguments = "first: 2" if forward else "last: 2"
            if cursor is not None:
                arguments += f', {"after" if forward else "before"}: "{cursor}"'
            page = _as(
                service,
                tenants["b_key"],
                f"{{ organizations({arguments}) {{ nodes {{ title }} total {{ count }}"
                " pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
            )["data"]["organizations"]
            assert page["total"] == {"count": len(expected)}
            found = [node["title"] for node in page["nodes"]]
            titles = titles + found if forward else found + titles
            info = page["pageInfo"]
            if not (info["hasNextPage"] if forward else info["hasPreviousPage"]):
                return titles
            cursor = info["endCursor"] if forward else info["startCursor"]

    assert walk(forward=True) == expected
    assert walk(forward=False) == expected
    filtered = _as(
        service,
        tenants["b_key"],
        "query($parents: [ID!]) { organizations(filter: {parentIds: $parents}) {"
        " nodes { title } total { count } } }",
        {"parents": [b["id"], tenants["platform"]["id"]]},
    )["data"]["organizations"]
    # The platform's children in reach: its own organization, not "Outside".
    assert filtered == {
        "nodes": [{"title": "Gone"}, {"title": "Tenant B"}, {"title": "Zed"}],
        "total": {"count": 3},
    }


SIBLING_READS = {
    "organization": ("query($id: ID!) { organization(id: $id) { id } }", "b"),
    "organization(child)": ("query($id: ID!) { organization(id: $id) { id } }", "b_child"),
    "integration": ("query($id: ID!) { integration(id: $id) { id } }", "b_integration"),
    "integrations": (
        "query($id: ID!) { integrations(organizationId: $id) { nodes { id } } }",
        "b",
    ),
    "keys": ("query($id: ID!) { integration(id: $id) { keys { id } } }", "b_integration"),
}


@pytest.mark.parametrize("operation", list(SIBLING_READS))
def test_a_sibling_tenants_entities_read_as_not_found(
    service: Service, tenants: dict[str, Any], operation: str
) -> None:
    query, target = SIBLING_READS[operation]
    body = _as(service, tenants["a_key"], query, {"id": tenants[target]["id"]})
    assert error_codes(body) == ["NOT_FOUND"]
    assert str(tenants[target]["title"]) not in str(body)


def test_node_and_nodes_answer_null_for_a_sibling_tenant(
    service: Service, tenants: dict[str, Any]
) -> None:
    ids = [tenants["b"]["id"], tenants["b_integration"]["id"], tenants["a"]["id"]]
    body = _as(
        service,
        tenants["a_key"],
        "query($ids: [ID!]!, $id: ID!) { nodes(ids: $ids) { id } node(id: $id) { id } }",
        {"ids": ids, "id": tenants["b"]["id"]},
    )
    assert body == {"data": {"nodes": [None, None, {"id": tenants["a"]["id"]}], "node": None}}


SIBLING_WRITES: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "organizationUpdate": (
        "mutation($i: OrganizationUpdateInput!) { organizationUpdate(input: $i) { organization { id } } }",
        lambda t: {"id": t["b"]["id"], "version": 1, "title": "Taken"},
    ),
    "organizationDelete": (
        "mutation($i: OrganizationDeleteInput!) { organizationDelete(input: $i) { deletedId } }",
        lambda t: {"id": t["b_child"]["id"], "version": 1},
    ),
    "organizationCreate": (
        "mutation($i: OrganizationCreateInput!) { organizationCreate(input: $i) { organization { id } } }",
        lambda t: {"parentId": t["b"]["id"], "title": "Implant"},
    ),
    "integrationCreate": (
        "mutation($i: IntegrationCreateInput!) { integrationCreate(input: $i) { integration { id } } }",
        lambda t: {"organizationId": t["b"]["id"], "title": "Implant"},
    ),
    "integrationUpdate": (
        "mutation($i: IntegrationUpdateInput!) { integrationUpdate(input: $i) { integration { id } } }",
        lambda t: {"id": t["b_integration"]["id"], "version": 1, "isActive": False},
    ),
    "integrationDelete": (
        "mutation($i: IntegrationDeleteInput!) { integrationDelete(input: $i) { deletedId } }",
        lambda t: {"id": t["b_integration"]["id"], "version": 1},
    ),
    "integrationKeyCreate": (
        "mutation($i: IntegrationKeyCreateInput!) { integrationKeyCreate(input: $i) { secret } }",
        lambda t: {"integrationId": t["b_integration"]["id"]},
    ),
    "integrationKeyRevoke": (
        "mutation($i: IntegrationKeyRevokeInput!) { integrationKeyRevoke(input: $i) { key { id } } }",
        lambda t: {"id": t["b_key_id"]},
    ),
}

SNAPSHOT = """
query($b: ID!, $child: ID!, $integration: ID!) {
  b: organization(id: $b) { version title children { nodes { id } } }
  child: organization(id: $child) { version }
  integration: integration(id: $integration) { version isActive keys { id } }
  integrations(organizationId: $b) { nodes { id } }
}"""


@pytest.mark.parametrize("operation", list(SIBLING_WRITES))
def test_a_sibling_tenant_cannot_change_anything(
    service: Service, tenants: dict[str, Any], operation: str
) -> None:
    ids = {
        "b": tenants["b"]["id"],
        "child": tenants["b_child"]["id"],
        "integration": tenants["b_integration"]["id"],
    }
    before = service.data(SNAPSHOT, ids)
    query, make_input = SIBLING_WRITES[operation]
    body = _as(service, tenants["a_key"], query, {"i": make_input(tenants)})
    assert error_codes(body) == ["NOT_FOUND"]
    assert service.data(SNAPSHOT, ids) == before
    # B's own key still works: nothing of B's changed, its keys included.
    assert call(service, tenants["b_key"], ME).status_code == 200


def test_only_actors_of_a_root_organization_create_root_organizations(
    service: Service, tenants: dict[str, Any]
) -> None:
    body = _as(
        service,
        tenants["a_key"],
        'mutation { organizationCreate(input: {title: "Escape"}) { organization { id } } }',
    )
    assert error_codes(body) == ["PERMISSION_DENIED"]
    assert body["errors"][0]["extensions"]["status"] == 403
    created = service.data(
        'mutation { organizationCreate(input: {title: "New tenant"}) { organization { id parent { id } } } }'
    )
    assert created["organizationCreate"]["organization"]["parent"] is None


def test_a_tenant_manages_its_own_subtree(service: Service, tenants: dict[str, Any]) -> None:
    child = _as(
        service,
        tenants["a_key"],
        "mutation($i: OrganizationCreateInput!) { organizationCreate(input: $i) { organization { id parent { id } } } }",
        {"i": {"parentId": tenants["a"]["id"], "title": "A child"}},
    )["data"]["organizationCreate"]["organization"]
    assert child["parent"] == {"id": tenants["a"]["id"]}
    integration = _as(
        service,
        tenants["a_key"],
        "mutation($i: IntegrationCreateInput!) { integrationCreate(input: $i) { integration { id organization { id } } } }",
        {"i": {"organizationId": child["id"], "title": "Grandchild robot"}},
    )["data"]["integrationCreate"]["integration"]
    assert integration["organization"] == {"id": child["id"]}


# --- secrets stay secret ----------------------------------------------------------------


def test_keys_never_reach_logs_or_errors(
    service: Service, tenants: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    secret = tenants["a_key"]
    with caplog.at_level(logging.DEBUG):
        bodies = [
            call(service, secret, ME).text,
            call(service, secret, "{ nope }").text,
            call(service, secret + "x", ME).text,
            call(service, secret, '{ integration(id: "x") { id } }').text,
        ]
    assert all(secret not in body for body in bodies)
    # The key id (`ik_<id>_…`) is the public half that finds the row; the rest is secret.
    assert secret not in caplog.text
    assert secret[-43:] not in caplog.text
