from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import IntegrationFields


class UpdateIntegration(BaseModel):
    integration_update: Optional["UpdateIntegrationIntegrationUpdate"] = Field(
        alias="integrationUpdate"
    )


class UpdateIntegrationIntegrationUpdate(BaseModel):
    integration: "UpdateIntegrationIntegrationUpdateIntegration"


UpdateIntegrationIntegrationUpdateIntegration = IntegrationFields
UpdateIntegration.model_rebuild()
UpdateIntegrationIntegrationUpdate.model_rebuild()
