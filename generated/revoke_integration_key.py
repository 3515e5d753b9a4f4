from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import IntegrationKeyFields


class RevokeIntegrationKey(BaseModel):
    integration_key_revoke: Optional["RevokeIntegrationKeyIntegrationKeyRevoke"] = (
        Field(alias="integrationKeyRevoke")
    )


class RevokeIntegrationKeyIntegrationKeyRevoke(BaseModel):
    key: "RevokeIntegrationKeyIntegrationKeyRevokeKey"


RevokeIntegrationKeyIntegrationKeyRevokeKey = IntegrationKeyFields
RevokeIntegrationKey.model_rebuild()
RevokeIntegrationKeyIntegrationKeyRevoke.model_rebuild()
