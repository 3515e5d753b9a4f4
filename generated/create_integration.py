from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import IntegrationFields


class CreateIntegration(BaseModel):
    integration_create: Optional["CreateIntegrationIntegrationCreate"] = Field(
        alias="integrationCreate"
    )


class CreateIntegrationIntegrationCreate(BaseModel):
    integration: "CreateIntegrationIntegrationCreateIntegration"


CreateIntegrationIntegrationCreateIntegration = IntegrationFields
CreateIntegration.model_rebuild()
CreateIntegrationIntegrationCreate.model_rebuild()
