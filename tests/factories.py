"""Creating test data through the API itself, and rows for tests that write with SQL."""

from collections.abc import Iterable
from typing import Any

from app.graphql.core.ids import new_id
from app.graphql.core.ordering import fold_title, title_columns
from tests.conftest import Service

INTEGRATION_FIELDS = "id version title credentialRef isActive organization { id title }"
ORGANIZATION_FIELDS = "id version title externalId isActive features parent { id }"

CREATE_ORGANIZATION = f"""
mutation($input: OrganizationCreateInput!) {{
  organizationCreate(input: $input) {{ organization {{ {ORGANIZATION_FIELDS} }} }}
}}"""

CREATE_INTEGRATION = f"""
mutation($input: IntegrationCreateInput!) {{
  integrationCreate(input: $input) {{ integration {{ {INTEGRATION_FIELDS} }} }}
}}"""


def create_organization(service: Service, title: str = "Acme", **fields: Any) -> dict[str, Any]:
    data = service.data(CREATE_ORGANIZATION, {"input": {"title": title, **fields}})
    organization: dict[str, Any] = data["organizationCreate"]["organization"]
    return organization


def create_integration(
    service: Service, organization_id: str, title: str = "Billing sync", **fields: Any
) -> dict[str, Any]:
    data = service.data(
        CREATE_INTEGRATION,
        {"input": {"organizationId": organization_id, "title": title, **fields}},
    )
    integration: dict[str, Any] = data["integrationCreate"]["integration"]
    return integration


CREATE_TENANT_KEY = """
mutation($input: IntegrationKeyCreateInput!) {
  integrationKeyCreate(input: $input) { key { id } secret }
}"""


def create_tenant(service: Service, title: str, parent_id: str) -> tuple[dict[str, Any], str, str]:
    """An organization below `parent_id` with an integration and a key, whose actor
    reaches that organization's subtree: the organization, the key's secret and the
    key's ID."""
    organization = create_organization(service, title, parentId=parent_id)
    integration = create_integration(service, organization["id"], f"{title} robot")
    created = service.data(CREATE_TENANT_KEY, {"input": {"integrationId": integration["id"]}})
    key = created["integrationKeyCreate"]
    return organization, key["secret"], key["key"]["id"]


def actor_organization_id(service: Service) -> str:
    """The organization of the actor the tests call the service as (a root organization:
    its actor, an operator, reaches every organization, its own included)."""
    assert service.actor is not None
    return service.actor.organization_id


def without_actor_organization(
    service: Service, nodes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The nodes of an unfiltered `organizations` list other than the calling actor's own
    organization, which must be among them exactly once; the others keep their order."""
    actor_id = actor_organization_id(service)
    assert [node["id"] for node in nodes].count(actor_id) == 1, nodes
    return [node for node in nodes if node["id"] != actor_id]


def error_codes(result: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors", [])]


def integration_rows(organization_id: str, titles: Iterable[str]) -> list[dict[str, Any]]:
    """Values of `integrations` rows, one per title, for tests that write without the API
    (`sa.insert(table_of(Integration))`)."""
    return [
        {
            "id": new_id("Integration"),
            "organization_id": organization_id,
            "version": 1,
            "is_active": True,
            **title_columns(title),
        }
        for title in titles
    ]


def organization_rows(
    parent_id: str, parent_path: str, titles: Iterable[str]
) -> list[dict[str, Any]]:
    """Values of `organizations` rows, children of the organization at `parent_path`, one
    per title, for tests that write without the API (`sa.insert(table_of(Organization))`)."""
    rows = []
    for title in titles:
        child_id = new_id("Organization")
        rows.append(
            {
                "id": child_id,
                "parent_id": parent_id,
                "path": f"{parent_path}{child_id}/",
                "version": 1,
                **title_columns(title),
                "search_title": fold_title(title),
                "is_active": True,
                "features": [],
            }
        )
    return rows
