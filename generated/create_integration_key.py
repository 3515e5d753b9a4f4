from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import IntegrationKeyFields


class CreateIntegrationKey(BaseModel):
    integration_key_create: Optional["CreateIntegrationKeyIntegrationKeyCreate"] = (
        Field(alias="integrationKeyCreate")
    )


class CreateIntegrationKeyIntegrationKeyCreate(BaseModel):
    key: "CreateIntegrationKeyIntegrationKeyCreateKey"
    secret: str


CreateIntegrationKeyIntegrationKeyCreateKey = IntegrationKeyFields
CreateIntegrationKey.model_rebuild()
CreateIntegrationKeyIntegrationKeyCreate.model_rebuild()
