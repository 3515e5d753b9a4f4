from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import CountPrecision, OrganizationFeature


class CountInfoFields(BaseModel):
    count: int
    precision: CountPrecision


class IntegrationFields(BaseModel):
    id: str
    version: int
    title: str
    credential_ref: Optional[str] = Field(alias="credentialRef")
    is_active: bool = Field(alias="isActive")
    organization: "IntegrationFieldsOrganization"


class IntegrationFieldsOrganization(BaseModel):
    id: str
    title: str


class IntegrationKeyFields(BaseModel):
    id: str
    label: Optional[str]
    hint: str
    created_at: str = Field(alias="createdAt")
    revoked_at: Optional[str] = Field(alias="revokedAt")
    integration: "IntegrationKeyFieldsIntegration"


class IntegrationKeyFieldsIntegration(BaseModel):
    id: str


class OrganizationFields(BaseModel):
    id: str
    version: int
    title: str
    external_id: Optional[str] = Field(alias="externalId")
    is_active: bool = Field(alias="isActive")
    features: list[OrganizationFeature]
    parent: Optional["OrganizationFieldsParent"]


class OrganizationFieldsParent(BaseModel):
    id: str
    title: str


class PageInfoFields(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    has_previous_page: bool = Field(alias="hasPreviousPage")
    start_cursor: Optional[str] = Field(alias="startCursor")
    end_cursor: Optional[str] = Field(alias="endCursor")


CountInfoFields.model_rebuild()
IntegrationFields.model_rebuild()
IntegrationKeyFields.model_rebuild()
OrganizationFields.model_rebuild()
PageInfoFields.model_rebuild()
