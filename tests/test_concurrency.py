"""Concurrent writes through the API: the compare-and-set on `version` is atomic, and
creates racing the delete of their organization or parent never leave orphans.

Every request of a race comes from its own thread with its own `httpx.Client`; the
threads open their connections first and then wait at a barrier, so the writes reach the
service together."""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import Service
from tests.factories import (
    CREATE_INTEGRATION,
    CREATE_ORGANIZATION,
    INTEGRATION_FIELDS,
    ORGANIZATION_FIELDS,
    actor_organization_id,
    create_integration,
    create_organization,
    error_codes,
)

THREADS = 8
ROUNDS = 4
# Creates racing a delete: more rounds, so that both orders (and the ones between) occur.
RACE_ROUNDS = 10

Request = tuple[str, dict[str, Any]]

QUERIES = {
    "Integration": {
        "read": f"query($id: ID!) {{ integration(id: $id) {{ {INTEGRATION_FIELDS} }} }}",
        "update": f"""
mutation($input: IntegrationUpdateInput!) {{
  integrationUpdate(input: $input) {{ integration {{ {INTEGRATION_FIELDS} }} }}
}}""",
        "delete": """
mutation($input: IntegrationDeleteInput!) { integrationDelete(input: $input) { deletedId } }""",
    },
    "Organization": {
        "read": f"query($id: ID!) {{ organization(id: $id) {{ {ORGANIZATION_FIELDS} }} }}",
        "update": f"""
mutation($input: OrganizationUpdateInput!) {{
  organizationUpdate(input: $input) {{ organization {{ {ORGANIZATION_FIELDS} }} }}
}}""",
        "delete": """
mutation($input: OrganizationDeleteInput!) { organizationDelete(input: $input) { deletedId } }""",
    },
}
ROOTS = {
    "Integration": {"read": "integration", "update": "integrationUpdate"},
    "Organization": {"read": "organization", "update": "organizationUpdate"},
}
DELETE_ORGANIZATION = QUERIES["Organization"]["delete"]
ALL_ORGANIZATIONS = "{ organizations(first: 100) { nodes { id parent { id } } } }"


def run_together(service: Service, requests: list[Request]) -> list[dict[str, Any]]:
    """Send every request at once, each from its own thread and client; the responses in
    the order of the requests."""
    barrier = threading.Barrier(len(requests), timeout=30)

    def send(request: Request) -> dict[str, Any]:
        query, variables = request
        with service.new_client() as client:
            warm_up = client.post("/graphql", json={"query": "{ __typename }"})
            assert warm_up.status_code == 200, warm_up.text
            barrier.wait()
            response = client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def make_entity(service: Service, entity_type: str) -> dict[str, Any]:
    organization = create_organization(service, "Acme")
    if entity_type == "Organization":
        return organization
    return create_integration(service, organization["id"], "Billing sync")


def read_result(service: Service, entity_type: str, entity_id: str) -> dict[str, Any]:
    return service.gql(QUERIES[entity_type]["read"], {"id": entity_id})


def assert_reads_not_found(service: Service, entity_type: str, entity_id: str) -> None:
    result = read_result(service, entity_type, entity_id)
    assert error_codes(result) == ["NOT_FOUND"], result
    assert result["data"] == {ROOTS[entity_type]["read"]: None}


def update_request(entity_type: str, entity_id: str, version: int, title: str) -> Request:
    input = {"id": entity_id, "version": version, "title": title}
    return QUERIES[entity_type]["update"], {"input": input}


def delete_request(entity_type: str, entity_id: str, version: int) -> Request:
    return QUERIES[entity_type]["delete"], {"input": {"id": entity_id, "version": version}}


def split(results: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
    """The indexes of the successful results and of the failed ones."""
    succeeded = [index for index, result in enumerate(results) if "errors" not in result]
    failed = [index for index, result in enumerate(results) if "errors" in result]
    return succeeded, failed


def assert_conflicts(results: list[dict[str, Any]], expected: int, current: int) -> None:
    for result in results:
        assert error_codes(result) == ["CONFLICT"], result
        extensions = result["errors"][0]["extensions"]
        assert (extensions["expectedVersion"], extensions["currentVersion"]) == (
            expected,
            current,
        ), extensions


@pytest.mark.parametrize("entity_type", ["Integration", "Organization"])
def test_concurrent_updates_with_one_version_exactly_one_wins(
    service: Service, entity_type: str
) -> None:
    entity = make_entity(service, entity_type)
    update_root = ROOTS[entity_type]["update"]
    key = update_root.removesuffix("Update")
    for version in range(1, ROUNDS + 1):
        titles = [f"Round {version} writer {index}" for index in range(THREADS)]
        results = run_together(
            service, [update_request(entity_type, entity["id"], version, t) for t in titles]
        )
        succeeded, failed = split(results)
        assert len(succeeded) == 1, results
        winner = results[succeeded[0]]["data"][update_root][key]
        assert winner["version"] == version + 1
        assert winner["title"] == titles[succeeded[0]]
        assert_conflicts([results[index] for index in failed], version, version + 1)
        for index in failed:
            assert results[index]["data"] == {update_root: None}
        current = service.data(QUERIES[entity_type]["read"], {"id": entity["id"]})[key]
        assert current == winner
    final = service.data(QUERIES[entity_type]["read"], {"id": entity["id"]})[key]
    assert final["version"] == ROUNDS + 1


@pytest.mark.parametrize("entity_type", ["Integration", "Organization"])
def test_concurrent_deletes_with_one_version_exactly_one_wins(
    service: Service, entity_type: str
) -> None:
    for _ in range(ROUNDS):
        entity = make_entity(service, entity_type)
        results = run_together(
            service, [delete_request(entity_type, entity["id"], 1) for _ in range(THREADS)]
        )
        succeeded, failed = split(results)
        assert len(succeeded) == 1, results
        (payload,) = results[succeeded[0]]["data"].values()
        assert payload == {"deletedId": entity["id"]}
        for index in failed:
            assert error_codes(results[index]) in (["NOT_FOUND"], ["CONFLICT"]), results[index]
        assert_reads_not_found(service, entity_type, entity["id"])


@pytest.mark.parametrize("entity_type", ["Integration", "Organization"])
def test_concurrent_updates_and_deletes_with_one_version_exactly_one_wins(
    service: Service, entity_type: str
) -> None:
    for _ in range(ROUNDS):
        entity = make_entity(service, entity_type)
        requests = [
            update_request(entity_type, entity["id"], 1, f"Writer {index}")
            if index % 2
            else delete_request(entity_type, entity["id"], 1)
            for index in range(THREADS)
        ]
        results = run_together(service, requests)
        succeeded, failed = split(results)
        assert len(succeeded) == 1, results
        for index in failed:
            assert error_codes(results[index]) in (["NOT_FOUND"], ["CONFLICT"]), results[index]
        if succeeded[0] % 2:  # an update won: the deletes lost on the version
            key = ROOTS[entity_type]["update"].removesuffix("Update")
            current = service.data(QUERIES[entity_type]["read"], {"id": entity["id"]})[key]
            assert current["version"] == 2
            assert current["title"] == f"Writer {succeeded[0]}"
            assert_conflicts([results[index] for index in failed], 1, 2)
        else:
            assert_reads_not_found(service, entity_type, entity["id"])


CREATE_INTEGRATION_ID_ONLY = """
mutation($input: IntegrationCreateInput!) {
  integrationCreate(input: $input) { integration { id version isActive } }
}"""


@pytest.mark.parametrize(
    "create_query",
    [
        pytest.param(CREATE_INTEGRATION_ID_ONLY, id="payload-without-organization"),
        pytest.param(CREATE_INTEGRATION, id="payload-with-organization"),
    ],
)
def test_integration_creates_racing_their_organization_delete_leave_no_orphans(
    service: Service, create_query: str
) -> None:
    bystander = create_organization(service, "Bystander")
    bystander_integration = create_integration(service, bystander["id"], "Stays")
    for _ in range(RACE_ROUNDS):
        organization = create_organization(service, "Doomed")
        creates: list[Request] = [
            (create_query, {"input": {"organizationId": organization["id"], "title": t}})
            for t in (f"Racer {index}" for index in range(THREADS - 1))
        ]
        deletion = delete_request("Organization", organization["id"], 1)
        results = run_together(service, [deletion, *creates])

        assert results[0] == {"data": {"organizationDelete": {"deletedId": organization["id"]}}}
        created_ids = []
        for result in results[1:]:
            # Each create either succeeded (and went with the organization) or found no
            # organization; nothing else.
            if "errors" in result:
                assert error_codes(result) == ["NOT_FOUND"], result
                assert result["data"] == {"integrationCreate": None}
            else:
                integration = result["data"]["integrationCreate"]["integration"]
                assert (integration["version"], integration["isActive"]) == (1, True)
                if "organization" in integration:
                    assert integration["organization"]["id"] == organization["id"]
                created_ids.append(integration["id"])
        for integration_id in created_ids:
            assert_reads_not_found(service, "Integration", integration_id)
            node = service.data("query($id: ID!) { node(id: $id) { id } }", {"id": integration_id})
            assert node == {"node": None}
        assert_reads_not_found(service, "Organization", organization["id"])
    remaining = read_result(service, "Integration", bystander_integration["id"])
    assert remaining["data"]["integration"] == bystander_integration


def test_child_creates_racing_their_parent_delete_leave_no_orphans(service: Service) -> None:
    # The calling actor's own organization is a root too, and lists with the others.
    roots = {actor_organization_id(service), create_organization(service, "Bystander")["id"]}
    children: dict[str, str] = {}  # every child created so far -> its parent
    for _ in range(RACE_ROUNDS):
        parent = create_organization(service, "Parent")
        creates: list[Request] = [
            (CREATE_ORGANIZATION, {"input": {"parentId": parent["id"], "title": f"Child {i}"}})
            for i in range(THREADS - 1)
        ]
        deletion = delete_request("Organization", parent["id"], 1)
        results = run_together(service, [deletion, *creates])

        created: list[dict[str, Any]] = []
        for result in results[1:]:
            if "errors" in result:
                assert error_codes(result) == ["NOT_FOUND"], result
                assert result["data"] == {"organizationCreate": None}
            else:
                child = result["data"]["organizationCreate"]["organization"]
                assert child["parent"] == {"id": parent["id"]}
                created.append(child)
                children[child["id"]] = parent["id"]
        if "errors" in results[0]:
            # Refused while it had children: every child created stays under its parent.
            assert error_codes(results[0]) == ["VALIDATION_ERROR"], results[0]
            assert created, results
            roots.add(parent["id"])
            for child in created:
                read = service.data(QUERIES["Organization"]["read"], {"id": child["id"]})
                assert read["organization"]["parent"] == {"id": parent["id"]}
        else:
            # Deleted: then no child may have been created.
            assert results[0] == {"data": {"organizationDelete": {"deletedId": parent["id"]}}}
            assert created == [], results
            assert_reads_not_found(service, "Organization", parent["id"])

        # Exactly the surviving roots and the created children exist, and every child
        # still reaches its parent.
        nodes = service.data(ALL_ORGANIZATIONS)["organizations"]["nodes"]
        listed = {node["id"]: node["parent"] for node in nodes}
        assert set(listed) == roots | set(children)
        for child_id, parent_id in children.items():
            assert listed[child_id] == {"id": parent_id}
