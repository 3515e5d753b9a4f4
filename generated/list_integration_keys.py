from typing import Optional

from .base_model import BaseModel
from .fragments import IntegrationKeyFields


class ListIntegrationKeys(BaseModel):
    integration: Optional["ListIntegrationKeysIntegration"]


class ListIntegrationKeysIntegration(BaseModel):
    id: str
    keys: list["ListIntegrationKeysIntegrationKeys"]


ListIntegrationKeysIntegrationKeys = IntegrationKeyFields
ListIntegrationKeys.model_rebuild()
ListIntegrationKeysIntegration.model_rebuild()
