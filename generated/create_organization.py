from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import OrganizationFields


class CreateOrganization(BaseModel):
    organization_create: Optional["CreateOrganizationOrganizationCreate"] = Field(
        alias="organizationCreate"
    )


class CreateOrganizationOrganizationCreate(BaseModel):
    organization: "CreateOrganizationOrganizationCreateOrganization"


CreateOrganizationOrganizationCreateOrganization = OrganizationFields
CreateOrganization.model_rebuild()
CreateOrganizationOrganizationCreate.model_rebuild()
