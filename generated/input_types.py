from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import (
    IntegrationOrderField,
    OrderDirection,
    OrganizationFeature,
    OrganizationOrderField,
)


class IntegrationKeyCreateInput(BaseModel):
    """Input for issuing a new key."""

    integration_id: str = Field(alias="integrationId")
    "The integration the key authenticates as."
    label: Optional[str] = None
    "A label that tells the key apart from the integration's other keys."


class IntegrationKeyRevokeInput(BaseModel):
    """Input for revoking a key."""

    id: str
    "The ID of the key to revoke."


class IntegrationFilter(BaseModel):
    """Filtering options for integrations."""

    is_active: Optional[bool] = Field(alias="isActive", default=None)
    "Filter by active status."


class IntegrationOrder(BaseModel):
    """Ordering options for integrations."""

    field: IntegrationOrderField
    "The field to order by."
    direction: OrderDirection
    "The direction to order."


class IntegrationCreateInput(BaseModel):
    """Input for creating a new integration."""

    organization_id: str = Field(alias="organizationId")
    "The organization that will own the integration."
    title: str
    "The display name."
    credential_ref: Optional[str] = Field(alias="credentialRef", default=None)
    "A reference to credentials in a secure vault."


class IntegrationUpdateInput(BaseModel):
    """Input for updating an existing integration."""

    id: str
    "The integration ID to update."
    version: int
    "The current version for optimistic locking."
    title: Optional[str] = None
    "The new display name."
    credential_ref: Optional[str] = Field(alias="credentialRef", default=None)
    "The new credential reference."
    is_active: Optional[bool] = Field(alias="isActive", default=None)
    "The new active status."


class IntegrationDeleteInput(BaseModel):
    """Input for deleting an integration."""

    id: str
    "The integration ID to delete."
    version: int
    "The current version for optimistic locking."


class OrganizationFilter(BaseModel):
    """Filtering options for organizations."""

    parent_ids: Optional[list[str]] = Field(alias="parentIds", default=None)
    "Filter by parent organization: matches organizations whose parent is any of these IDs. An empty list matches nothing."
    is_active: Optional[bool] = Field(alias="isActive", default=None)
    "Filter by active status."


class OrganizationChildrenFilter(BaseModel):
    """Filtering options for child organizations."""

    is_active: Optional[bool] = Field(alias="isActive", default=None)
    "Filter by active status."
    title_contains: Optional[str] = Field(alias="titleContains", default=None)
    "Filter by a part of the title, matched case- and accent-insensitively."


class OrganizationOrder(BaseModel):
    """Ordering options for organizations."""

    field: OrganizationOrderField
    "The field to order by."
    direction: OrderDirection
    "The direction to order."


class OrganizationCreateInput(BaseModel):
    """Input for creating a new organization."""

    parent_id: Optional[str] = Field(alias="parentId", default=None)
    "The parent organization. Omit or pass null to create a root organization."
    title: str
    "The display name."
    external_id: Optional[str] = Field(alias="externalId", default=None)
    "An external system identifier for integration purposes."
    features: Optional[list[OrganizationFeature]] = None
    "The feature flags to enable. Duplicates collapse."


class OrganizationUpdateInput(BaseModel):
    """Input for updating an existing organization."""

    id: str
    "The organization ID to update."
    version: int
    "The current version for optimistic locking."
    title: Optional[str] = None
    "The new display name."
    external_id: Optional[str] = Field(alias="externalId", default=None)
    "The new external system identifier."
    is_active: Optional[bool] = Field(alias="isActive", default=None)
    "The new active status."
    features: Optional[list[OrganizationFeature]] = None
    "The new set of feature flags, replacing the current one. Duplicates collapse."


class OrganizationDeleteInput(BaseModel):
    """Input for deleting an organization."""

    id: str
    "The organization ID to delete."
    version: int
    "The current version for optimistic locking."
