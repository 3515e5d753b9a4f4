from .async_base_client import AsyncBaseClient
from .base_model import BaseModel, Upload
from .client import IntegrationsClient
from .create_integration import (
    CreateIntegration,
    CreateIntegrationIntegrationCreate,
    CreateIntegrationIntegrationCreateIntegration,
)
from .create_integration_key import (
    CreateIntegrationKey,
    CreateIntegrationKeyIntegrationKeyCreate,
    CreateIntegrationKeyIntegrationKeyCreateKey,
)
from .create_organization import (
    CreateOrganization,
    CreateOrganizationOrganizationCreate,
    CreateOrganizationOrganizationCreateOrganization,
)
from .delete_integration import DeleteIntegration, DeleteIntegrationIntegrationDelete
from .delete_organization import (
    DeleteOrganization,
    DeleteOrganizationOrganizationDelete,
)
from .enums import (
    CountPrecision,
    IntegrationOrderField,
    OrderDirection,
    OrganizationFeature,
    OrganizationOrderField,
)
from .exceptions import (
    GraphQLClientError,
    GraphQLClientGraphQLError,
    GraphQLClientGraphQLMultiError,
    GraphQLClientHttpError,
    GraphQLClientInvalidResponseError,
)
from .fragments import (
    CountInfoFields,
    IntegrationFields,
    IntegrationFieldsOrganization,
    IntegrationKeyFields,
    IntegrationKeyFieldsIntegration,
    OrganizationFields,
    OrganizationFieldsParent,
    PageInfoFields,
)
from .get_integration import GetIntegration, GetIntegrationIntegration
from .get_node import (
    GetNode,
    GetNodeNodeIntegration,
    GetNodeNodeNode,
    GetNodeNodeOrganization,
)
from .get_nodes import (
    GetNodes,
    GetNodesNodesIntegration,
    GetNodesNodesNode,
    GetNodesNodesOrganization,
)
from .get_organization import GetOrganization, GetOrganizationOrganization
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
from .list_integration_keys import (
    ListIntegrationKeys,
    ListIntegrationKeysIntegration,
    ListIntegrationKeysIntegrationKeys,
)
from .list_integrations import (
    ListIntegrations,
    ListIntegrationsIntegrations,
    ListIntegrationsIntegrationsEdges,
    ListIntegrationsIntegrationsEdgesNode,
    ListIntegrationsIntegrationsPageInfo,
    ListIntegrationsIntegrationsTotal,
)
from .list_organization_children import (
    ListOrganizationChildren,
    ListOrganizationChildrenOrganization,
    ListOrganizationChildrenOrganizationChildren,
    ListOrganizationChildrenOrganizationChildrenEdges,
    ListOrganizationChildrenOrganizationChildrenEdgesNode,
    ListOrganizationChildrenOrganizationChildrenPageInfo,
    ListOrganizationChildrenOrganizationChildrenTotal,
)
from .list_organizations import (
    ListOrganizations,
    ListOrganizationsOrganizations,
    ListOrganizationsOrganizationsEdges,
    ListOrganizationsOrganizationsEdgesNode,
    ListOrganizationsOrganizationsPageInfo,
    ListOrganizationsOrganizationsTotal,
)
from .me import Me, MeMe
from .revoke_integration_key import (
    RevokeIntegrationKey,
    RevokeIntegrationKeyIntegrationKeyRevoke,
    RevokeIntegrationKeyIntegrationKeyRevokeKey,
)
from .update_integration import (
    UpdateIntegration,
    UpdateIntegrationIntegrationUpdate,
    UpdateIntegrationIntegrationUpdateIntegration,
)
from .update_organization import (
    UpdateOrganization,
    UpdateOrganizationOrganizationUpdate,
    UpdateOrganizationOrganizationUpdateOrganization,
)

__all__ = [
    "AsyncBaseClient",
    "BaseModel",
    "CountInfoFields",
    "CountPrecision",
    "CreateIntegration",
    "CreateIntegrationIntegrationCreate",
    "CreateIntegrationIntegrationCreateIntegration",
    "CreateIntegrationKey",
    "CreateIntegrationKeyIntegrationKeyCreate",
    "CreateIntegrationKeyIntegrationKeyCreateKey",
    "CreateOrganization",
    "CreateOrganizationOrganizationCreate",
    "CreateOrganizationOrganizationCreateOrganization",
    "DeleteIntegration",
    "DeleteIntegrationIntegrationDelete",
    "DeleteOrganization",
    "DeleteOrganizationOrganizationDelete",
    "GetIntegration",
    "GetIntegrationIntegration",
    "GetNode",
    "GetNodeNodeIntegration",
    "GetNodeNodeNode",
    "GetNodeNodeOrganization",
    "GetNodes",
    "GetNodesNodesIntegration",
    "GetNodesNodesNode",
    "GetNodesNodesOrganization",
    "GetOrganization",
    "GetOrganizationOrganization",
    "GraphQLClientError",
    "GraphQLClientGraphQLError",
    "GraphQLClientGraphQLMultiError",
    "GraphQLClientHttpError",
    "GraphQLClientInvalidResponseError",
    "IntegrationCreateInput",
    "IntegrationDeleteInput",
    "IntegrationFields",
    "IntegrationFieldsOrganization",
    "IntegrationFilter",
    "IntegrationKeyCreateInput",
    "IntegrationKeyFields",
    "IntegrationKeyFieldsIntegration",
    "IntegrationKeyRevokeInput",
    "IntegrationOrder",
    "IntegrationOrderField",
    "IntegrationUpdateInput",
    "IntegrationsClient",
    "ListIntegrationKeys",
    "ListIntegrationKeysIntegration",
    "ListIntegrationKeysIntegrationKeys",
    "ListIntegrations",
    "ListIntegrationsIntegrations",
    "ListIntegrationsIntegrationsEdges",
    "ListIntegrationsIntegrationsEdgesNode",
    "ListIntegrationsIntegrationsPageInfo",
    "ListIntegrationsIntegrationsTotal",
    "ListOrganizationChildren",
    "ListOrganizationChildrenOrganization",
    "ListOrganizationChildrenOrganizationChildren",
    "ListOrganizationChildrenOrganizationChildrenEdges",
    "ListOrganizationChildrenOrganizationChildrenEdgesNode",
    "ListOrganizationChildrenOrganizationChildrenPageInfo",
    "ListOrganizationChildrenOrganizationChildrenTotal",
    "ListOrganizations",
    "ListOrganizationsOrganizations",
    "ListOrganizationsOrganizationsEdges",
    "ListOrganizationsOrganizationsEdgesNode",
    "ListOrganizationsOrganizationsPageInfo",
    "ListOrganizationsOrganizationsTotal",
    "Me",
    "MeMe",
    "OrderDirection",
    "OrganizationChildrenFilter",
    "OrganizationCreateInput",
    "OrganizationDeleteInput",
    "OrganizationFeature",
    "OrganizationFields",
    "OrganizationFieldsParent",
    "OrganizationFilter",
    "OrganizationOrder",
    "OrganizationOrderField",
    "OrganizationUpdateInput",
    "PageInfoFields",
    "RevokeIntegrationKey",
    "RevokeIntegrationKeyIntegrationKeyRevoke",
    "RevokeIntegrationKeyIntegrationKeyRevokeKey",
    "UpdateIntegration",
    "UpdateIntegrationIntegrationUpdate",
    "UpdateIntegrationIntegrationUpdateIntegration",
    "UpdateOrganization",
    "UpdateOrganizationOrganizationUpdate",
    "UpdateOrganizationOrganizationUpdateOrganization",
    "Upload",
]
