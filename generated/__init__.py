from .async_base_client import AsyncBaseClient
from .base_model import BaseModel, Upload
from .client import IntegrationsClient
from .create_integration import (
    CreateIntegration,
    CreateIntegrationIntegrationCreate,
    CreateIntegrationIntegrationCreateIntegration,
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
    IntegrationOrder,
    IntegrationUpdateInput,
    OrganizationChildrenFilter,
    OrganizationCreateInput,
    OrganizationDeleteInput,
    OrganizationFilter,
    OrganizationOrder,
    OrganizationUpdateInput,
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
    "IntegrationOrder",
    "IntegrationOrderField",
    "IntegrationUpdateInput",
    "IntegrationsClient",
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
    "UpdateIntegration",
    "UpdateIntegrationIntegrationUpdate",
    "UpdateIntegrationIntegrationUpdateIntegration",
    "UpdateOrganization",
    "UpdateOrganizationOrganizationUpdate",
    "UpdateOrganizationOrganizationUpdateOrganization",
    "Upload",
]
