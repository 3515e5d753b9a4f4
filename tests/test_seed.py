"""`make seed`: bulk rows that the service serves as it serves its own.

The rows go in through the database's bulk paths, past every resolver, so the service is
asked for them: each organization's list in the contract's order, exact counts, a deep
page reached as a client would, and the fields as they were generated.
"""

import asyncio
from typing import Any

import pytest

from app.seed import (
    CHUNK,
    SeedRequest,
    integration_chunk,
    organization_rows,
    seed,
)
from tests.conftest import Service
from tests.factories import actor_organization_id
from tests.reference_order import sort_key

ORGANIZATIONS = 3
PER_ORGANIZATION = 150

PAGE = """
query($org: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: IntegrationFilter) {
  integrations(organizationId: $org, first: $first, after: $after, last: $last,
               before: $before, filter: $filter) {
    nodes { id title credentialRef isActive version organization { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    total { count precision }
  }
}"""

ORGANIZATION = """
query($id: ID!) {
  organization(id: $id) { id title externalId isActive features parent { id } }
}"""


def _seed(service: Service, request: SeedRequest) -> Any:
    return asyncio.run(seed(service.settings, request, progress=False))


def _page(service: Service, org: str, **arguments: Any) -> dict[str, Any]:
    page: dict[str, Any] = service.data(PAGE, {"org": org, **arguments})["integrations"]
    return page


def _walk(service: Service, org: str, size: int) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = _page(service, org, first=size, after=after)
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


@pytest.fixture
def seeded(service: Service) -> SeedRequest:
    request = SeedRequest(
        seed=7,
        organizations=ORGANIZATIONS,
        integrations_per_organization=PER_ORGANIZATION,
        parent_id=actor_organization_id(service),
    )
    result = _seed(service, request)
    assert result.loaded
    assert result.integrations == ORGANIZATIONS * PER_ORGANIZATION
    return request


def test_seeded_rows_are_served_in_order_with_their_fields(
    service: Service, seeded: SeedRequest
) -> None:
    parent = (seeded.parent_id or "", "")
    organizations = organization_rows(seeded.seed, seeded.organizations, parent)
    for index, organization in enumerate(organizations):
        served = service.data(ORGANIZATION, {"id": organization.id})["organization"]
        assert served == {
            "id": organization.id,
            "title": organization.title,
            "externalId": organization.external_id,
            "isActive": organization.is_active,
            "features": organization.features,
            "parent": {"id": organization.parent_id},
        }
        generated = integration_chunk(
            seeded.seed, index, organization.id, 0, min(CHUNK, PER_ORGANIZATION)
        )
        expected = sorted(generated, key=lambda row: sort_key(row.title, row.id))
        walked = _walk(service, organization.id, 40)
        assert [node["id"] for node in walked] == [row.id for row in expected]
        assert walked == [
            {
                "id": row.id,
                "title": row.title,
                "credentialRef": row.credential_ref,
                "isActive": row.is_active,
                "version": 1,
                "organization": {"id": organization.id},
            }
            for row in expected
        ]
        first = _page(service, organization.id, first=1)
        assert first["total"] == {"count": PER_ORGANIZATION, "precision": "EXACT"}
        inactive = _page(service, organization.id, first=1, filter={"isActive": False})
        assert inactive["total"]["count"] == sum(not row.is_active for row in generated)


def test_a_deep_page_is_reached_from_the_end(service: Service, seeded: SeedRequest) -> None:
    """The benchmark's deep page: `last: 100`, then the page after its `startCursor`."""
    parent = (seeded.parent_id or "", "")
    organization = organization_rows(seeded.seed, seeded.organizations, parent)[0]
    everything = [node["id"] for node in _walk(service, organization.id, 100)]
    tail = _page(service, organization.id, last=100)
    assert [node["id"] for node in tail["nodes"]] == everything[-100:]
    assert tail["pageInfo"]["hasPreviousPage"] and not tail["pageInfo"]["hasNextPage"]
    deep = _page(service, organization.id, first=20, after=tail["pageInfo"]["startCursor"])
    start = PER_ORGANIZATION - 100 + 1
    assert [node["id"] for node in deep["nodes"]] == everything[start : start + 20]
    assert deep["pageInfo"]["hasPreviousPage"] and deep["pageInfo"]["hasNextPage"]
    before = _page(service, organization.id, last=30, before=deep["pageInfo"]["startCursor"])
    assert [node["id"] for node in before["nodes"]] == everything[start - 30 : start]


def test_the_same_seed_is_loaded_once(service: Service, seeded: SeedRequest) -> None:
    again = _seed(service, seeded)
    assert not again.loaded
    assert again.integrations == ORGANIZATIONS * PER_ORGANIZATION
    other = SeedRequest(seeded.seed, 1, 10, seeded.parent_id)
    with pytest.raises(SystemExit, match="other arguments"):
        _seed(service, other)
    fresh = _seed(service, SeedRequest(seeded.seed + 1, 1, 10, seeded.parent_id))
    assert fresh.loaded
    page = _page(service, fresh.organization_ids[0], first=1)
    assert page["total"] == {"count": 10, "precision": "EXACT"}


def test_rows_depend_on_the_seed_alone() -> None:
    one = integration_chunk(3, 0, "01943832-2d00-722e-8864-281169972601", 2, 50)
    assert one == integration_chunk(3, 0, "01943832-2d00-722e-8864-281169972601", 2, 50)
    assert one != integration_chunk(4, 0, "01943832-2d00-722e-8864-281169972601", 2, 50)
    assert len({row.id for row in one}) == 50
    assert organization_rows(3, 20, None) == organization_rows(3, 20, None)
