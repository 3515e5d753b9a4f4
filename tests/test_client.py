"""The generated typed client, used as a library against the running service."""

import asyncio

import pytest

from generated.client import IntegrationsClient
from generated.exceptions import GraphQLClientGraphQLMultiError
from generated.input_types import (
    IntegrationCreateInput,
    IntegrationUpdateInput,
    OrganizationCreateInput,
)
from tests.conftest import Service


async def _walk_with_client(service: Service) -> None:
    async with IntegrationsClient(
        url=f"{service.base_url}/graphql", headers=dict(service.client.headers)
    ) as client:
        created = await client.create_organization(OrganizationCreateInput(title="Acme"))
        assert created.organization_create is not None
        organization = created.organization_create.organization
        for number in range(5):
            await client.create_integration(
                IntegrationCreateInput(organization_id=organization.id, title=f"sync {number}")
            )

        titles: list[str] = []
        after: str | None = None
        while True:
            page = await client.list_integrations(organization.id, first=2, after=after)
            titles += [edge.node.title for edge in page.integrations.edges]
            if not page.integrations.page_info.has_next_page:
                break
            after = page.integrations.page_info.end_cursor
        assert titles == [f"sync {number}" for number in range(5)]
        assert page.integrations.total is not None
        assert page.integrations.total.count == 5

        first = (await client.list_integrations(organization.id, first=1)).integrations.edges[0]
        integration = first.node
        updated = await client.update_integration(
            IntegrationUpdateInput(id=integration.id, version=integration.version, is_active=False)
        )
        assert updated.integration_update is not None
        assert updated.integration_update.integration.version == integration.version + 1
        assert updated.integration_update.integration.is_active is False

        # An omitted field is not sent: the stale version is the only reason to fail.
        with pytest.raises(GraphQLClientGraphQLMultiError) as conflict:
            await client.update_integration(
                IntegrationUpdateInput(id=integration.id, version=integration.version)
            )
        [error] = conflict.value.errors
        assert error.extensions is not None
        assert error.extensions["code"] == "CONFLICT"
        assert error.extensions["currentVersion"] == integration.version + 1


def test_generated_client_lists_creates_and_updates(service: Service) -> None:
    asyncio.run(_walk_with_client(service))
