from typing import Any, Optional, Union

from .async_base_client import AsyncBaseClient
from .base_model import UNSET, UnsetType
from .create_integration import CreateIntegration
from .create_integration_key import CreateIntegrationKey
from .create_organization import CreateOrganization
from .delete_integration import DeleteIntegration
from .delete_organization import DeleteOrganization
from .get_integration import GetIntegration
from .get_node import GetNode
from .get_nodes import GetNodes
from .get_organization import GetOrganization
from .input_types import (
    IntegrationCreateInput,
    IntegrationDeleteInput,
    IntegrationFilter,
    IntegrationKeyCreateInput,
    IntegrationKeyRevokeInput,
    IntegrationOrder,
    IntegrationUpdateInput,
    OrganizationChildrenFilter,
    OrganizationCreateInput,
    OrganizationDeleteInput,
    OrganizationFilter,
    OrganizationOrder,
    OrganizationUpdateInput,
)
from .list_integration_keys import ListIntegrationKeys
from .list_integrations import ListIntegrations
from .list_organization_children import ListOrganizationChildren
from .list_organizations import ListOrganizations
from .me import Me
from .revoke_integration_key import RevokeIntegrationKey
from .update_integration import UpdateIntegration
from .update_organization import UpdateOrganization


def gql(q: str) -> str:
    return q


class IntegrationsClient(AsyncBaseClient):
    async def me(self, **kwargs: Any) -> Me:
        query = gql("""
            query Me {
              me {
                __typename
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Me", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Me.model_validate(data)

    async def list_integration_keys(
        self, id: str, **kwargs: Any
    ) -> ListIntegrationKeys:
        query = gql("""
            query ListIntegrationKeys($id: ID!) {
              integration(id: $id) {
                id
                keys {
                  ...IntegrationKeyFields
                }
              }
            }

            fragment IntegrationKeyFields on IntegrationKey {
              id
              label
              hint
              createdAt
              revokedAt
              integration {
                id
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query,
            operation_name="ListIntegrationKeys",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ListIntegrationKeys.model_validate(data)

    async def create_integration_key(
        self, input: IntegrationKeyCreateInput, **kwargs: Any
    ) -> CreateIntegrationKey:
        query = gql("""
            mutation CreateIntegrationKey($input: IntegrationKeyCreateInput!) {
              integrationKeyCreate(input: $input) {
                key {
                  ...IntegrationKeyFields
                }
                secret
              }
            }

            fragment IntegrationKeyFields on IntegrationKey {
              id
              label
              hint
              createdAt
              revokedAt
              integration {
                id
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="CreateIntegrationKey",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CreateIntegrationKey.model_validate(data)

    async def revoke_integration_key(
        self, input: IntegrationKeyRevokeInput, **kwargs: Any
    ) -> RevokeIntegrationKey:
        query = gql("""
            mutation RevokeIntegrationKey($input: IntegrationKeyRevokeInput!) {
              integrationKeyRevoke(input: $input) {
                key {
                  ...IntegrationKeyFields
                }
              }
            }

            fragment IntegrationKeyFields on IntegrationKey {
              id
              label
              hint
              createdAt
              revokedAt
              integration {
                id
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="RevokeIntegrationKey",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RevokeIntegrationKey.model_validate(data)

    async def get_integration(self, id: str, **kwargs: Any) -> GetIntegration:
        query = gql("""
            query GetIntegration($id: ID!) {
              integration(id: $id) {
                ...IntegrationFields
              }
            }

            fragment IntegrationFields on Integration {
              id
              version
              title
              credentialRef
              isActive
              organization {
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="GetIntegration", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GetIntegration.model_validate(data)

    async def list_integrations(
        self,
        organization_id: str,
        filter_: Union[Optional[IntegrationFilter], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        last: Union[Optional[int], UnsetType] = UNSET,
        before: Union[Optional[str], UnsetType] = UNSET,
        order_by: Union[Optional[IntegrationOrder], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> ListIntegrations:
        query = gql("""
            query ListIntegrations($organizationId: ID!, $filter: IntegrationFilter, $first: Int, $after: String, $last: Int, $before: String, $orderBy: IntegrationOrder) {
              integrations(
                organizationId: $organizationId
                filter: $filter
                first: $first
                after: $after
                last: $last
                before: $before
                orderBy: $orderBy
              ) {
                edges {
                  cursor
                  node {
                    ...IntegrationFields
                  }
                }
                pageInfo {
                  ...PageInfoFields
                }
                total {
                  ...CountInfoFields
                }
              }
            }

            fragment CountInfoFields on CountInfo {
              count
              precision
            }

            fragment IntegrationFields on Integration {
              id
              version
              title
              credentialRef
              isActive
              organization {
                id
                title
              }
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }
            """)
        variables: dict[str, object] = {
            "organizationId": organization_id,
            "filter": filter_,
            "first": first,
            "after": after,
            "last": last,
            "before": before,
            "orderBy": order_by,
        }
        response = await self.execute(
            query=query,
            operation_name="ListIntegrations",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ListIntegrations.model_validate(data)

    async def create_integration(
        self, input: IntegrationCreateInput, **kwargs: Any
    ) -> CreateIntegration:
        query = gql("""
            mutation CreateIntegration($input: IntegrationCreateInput!) {
              integrationCreate(input: $input) {
                integration {
                  ...IntegrationFields
                }
              }
            }

            fragment IntegrationFields on Integration {
              id
              version
              title
              credentialRef
              isActive
              organization {
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="CreateIntegration",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CreateIntegration.model_validate(data)

    async def update_integration(
        self, input: IntegrationUpdateInput, **kwargs: Any
    ) -> UpdateIntegration:
        query = gql("""
            mutation UpdateIntegration($input: IntegrationUpdateInput!) {
              integrationUpdate(input: $input) {
                integration {
                  ...IntegrationFields
                }
              }
            }

            fragment IntegrationFields on Integration {
              id
              version
              title
              credentialRef
              isActive
              organization {
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="UpdateIntegration",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return UpdateIntegration.model_validate(data)

    async def delete_integration(
        self, input: IntegrationDeleteInput, **kwargs: Any
    ) -> DeleteIntegration:
        query = gql("""
            mutation DeleteIntegration($input: IntegrationDeleteInput!) {
              integrationDelete(input: $input) {
                deletedId
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="DeleteIntegration",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return DeleteIntegration.model_validate(data)

    async def get_node(self, id: str, **kwargs: Any) -> GetNode:
        query = gql("""
            query GetNode($id: ID!) {
              node(id: $id) {
                __typename
                id
                ... on Integration {
                  ...IntegrationFields
                }
                ... on Organization {
                  ...OrganizationFields
                }
              }
            }

            fragment IntegrationFields on Integration {
              id
              version
              title
              credentialRef
              isActive
              organization {
                id
                title
              }
            }

            fragment OrganizationFields on Organization {
              id
              version
              title
              externalId
              isActive
              features
              parent {
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="GetNode", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GetNode.model_validate(data)

    async def get_nodes(self, ids: list[str], **kwargs: Any) -> GetNodes:
        query = gql("""
            query GetNodes($ids: [ID!]!) {
              nodes(ids: $ids) {
                __typename
                id
                ... on Integration {
                  ...IntegrationFields
                }
                ... on Organization {
                  ...OrganizationFields
                }
              }
            }

            fragment IntegrationFields on Integration {
              id
              version
              title
              credentialRef
              isActive
              organization {
                id
                title
              }
            }

            fragment OrganizationFields on Organization {
              id
              version
              title
              externalId
              isActive
              features
              parent {
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {"ids": ids}
        response = await self.execute(
            query=query, operation_name="GetNodes", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GetNodes.model_validate(data)

    async def get_organization(self, id: str, **kwargs: Any) -> GetOrganization:
        query = gql("""
            query GetOrganization($id: ID!) {
              organization(id: $id) {
                ...OrganizationFields
              }
            }

            fragment OrganizationFields on Organization {
              id
              version
              title
              externalId
              isActive
              features
              parent {
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="GetOrganization", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GetOrganization.model_validate(data)

    async def list_organizations(
        self,
        filter_: Union[Optional[OrganizationFilter], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        last: Union[Optional[int], UnsetType] = UNSET,
        before: Union[Optional[str], UnsetType] = UNSET,
        order_by: Union[Optional[OrganizationOrder], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> ListOrganizations:
        query = gql("""
            query ListOrganizations($filter: OrganizationFilter, $first: Int, $after: String, $last: Int, $before: String, $orderBy: OrganizationOrder) {
              organizations(
                filter: $filter
                first: $first
                after: $after
                last: $last
                before: $before
                orderBy: $orderBy
              ) {
                edges {
                  cursor
                  node {
                    ...OrganizationFields
                  }
                }
                pageInfo {
                  ...PageInfoFields
                }
                total {
                  ...CountInfoFields
                }
              }
            }

            fragment CountInfoFields on CountInfo {
              count
              precision
            }

            fragment OrganizationFields on Organization {
              id
              version
              title
              externalId
              isActive
              features
              parent {
                id
                title
              }
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }
            """)
        variables: dict[str, object] = {
            "filter": filter_,
            "first": first,
            "after": after,
            "last": last,
            "before": before,
            "orderBy": order_by,
        }
        response = await self.execute(
            query=query,
            operation_name="ListOrganizations",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ListOrganizations.model_validate(data)

    async def list_organization_children(
        self,
        id: str,
        filter_: Union[Optional[OrganizationChildrenFilter], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        last: Union[Optional[int], UnsetType] = UNSET,
        before: Union[Optional[str], UnsetType] = UNSET,
        order_by: Union[Optional[OrganizationOrder], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> ListOrganizationChildren:
        query = gql("""
            query ListOrganizationChildren($id: ID!, $filter: OrganizationChildrenFilter, $first: Int, $after: String, $last: Int, $before: String, $orderBy: OrganizationOrder) {
              organization(id: $id) {
                id
                children(
                  filter: $filter
                  first: $first
                  after: $after
                  last: $last
                  before: $before
                  orderBy: $orderBy
                ) {
                  edges {
                    cursor
                    node {
                      ...OrganizationFields
                    }
                  }
                  pageInfo {
                    ...PageInfoFields
                  }
                  total {
                    ...CountInfoFields
                  }
                }
              }
            }

            fragment CountInfoFields on CountInfo {
              count
              precision
            }

            fragment OrganizationFields on Organization {
              id
              version
              title
              externalId
              isActive
              features
              parent {
                id
                title
              }
            }

            fragment PageInfoFields on PageInfo {
              hasNextPage
              hasPreviousPage
              startCursor
              endCursor
            }
            """)
        variables: dict[str, object] = {
            "id": id,
            "filter": filter_,
            "first": first,
            "after": after,
            "last": last,
            "before": before,
            "orderBy": order_by,
        }
        response = await self.execute(
            query=query,
            operation_name="ListOrganizationChildren",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ListOrganizationChildren.model_validate(data)

    async def create_organization(
        self, input: OrganizationCreateInput, **kwargs: Any
    ) -> CreateOrganization:
        query = gql("""
            mutation CreateOrganization($input: OrganizationCreateInput!) {
              organizationCreate(input: $input) {
                organization {
                  ...OrganizationFields
                }
              }
            }

            fragment OrganizationFields on Organization {
              id
              version
              title
              externalId
              isActive
              features
              parent {
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="CreateOrganization",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return CreateOrganization.model_validate(data)

    async def update_organization(
        self, input: OrganizationUpdateInput, **kwargs: Any
    ) -> UpdateOrganization:
        query = gql("""
            mutation UpdateOrganization($input: OrganizationUpdateInput!) {
              organizationUpdate(input: $input) {
                organization {
                  ...OrganizationFields
                }
              }
            }

            fragment OrganizationFields on Organization {
              id
              version
              title
              externalId
              isActive
              features
              parent {
                id
                title
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="UpdateOrganization",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return UpdateOrganization.model_validate(data)

    async def delete_organization(
        self, input: OrganizationDeleteInput, **kwargs: Any
    ) -> DeleteOrganization:
        query = gql("""
            mutation DeleteOrganization($input: OrganizationDeleteInput!) {
              organizationDelete(input: $input) {
                deletedId
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="DeleteOrganization",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return DeleteOrganization.model_validate(data)
