from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteOrganization(BaseModel):
    organization_delete: Optional["DeleteOrganizationOrganizationDelete"] = Field(
        alias="organizationDelete"
    )


class DeleteOrganizationOrganizationDelete(BaseModel):
    deleted_id: str = Field(alias="deletedId")


DeleteOrganization.model_rebuild()
