"""Creating test data through the API itself."""

from typing import Any

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


def error_codes(result: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors", [])]
