from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import OrganizationFields


class UpdateOrganization(BaseModel):
    organization_update: Optional["UpdateOrganizationOrganizationUpdate"] = Field(
        alias="organizationUpdate"
    )


class UpdateOrganizationOrganizationUpdate(BaseModel):
    organization: "UpdateOrganizationOrganizationUpdateOrganization"


UpdateOrganizationOrganizationUpdateOrganization = OrganizationFields
UpdateOrganization.model_rebuild()
UpdateOrganizationOrganizationUpdate.model_rebuild()
