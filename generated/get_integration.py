from typing import Optional

from .base_model import BaseModel
from .fragments import IntegrationFields


class GetIntegration(BaseModel):
    integration: Optional["GetIntegrationIntegration"]


GetIntegrationIntegration = IntegrationFields
GetIntegration.model_rebuild()
