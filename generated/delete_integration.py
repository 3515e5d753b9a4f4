from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class DeleteIntegration(BaseModel):
    integration_delete: Optional["DeleteIntegrationIntegrationDelete"] = Field(
        alias="integrationDelete"
    )


class DeleteIntegrationIntegrationDelete(BaseModel):
    deleted_id: str = Field(alias="deletedId")


DeleteIntegration.model_rebuild()
