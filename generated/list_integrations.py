from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import CountInfoFields, IntegrationFields, PageInfoFields


class ListIntegrations(BaseModel):
    integrations: "ListIntegrationsIntegrations"


class ListIntegrationsIntegrations(BaseModel):
    edges: list["ListIntegrationsIntegrationsEdges"]
    page_info: "ListIntegrationsIntegrationsPageInfo" = Field(alias="pageInfo")
    total: Optional["ListIntegrationsIntegrationsTotal"]


class ListIntegrationsIntegrationsEdges(BaseModel):
    cursor: str
    node: "ListIntegrationsIntegrationsEdgesNode"


ListIntegrationsIntegrationsEdgesNode = IntegrationFields
ListIntegrationsIntegrationsPageInfo = PageInfoFields
ListIntegrationsIntegrationsTotal = CountInfoFields
ListIntegrations.model_rebuild()
ListIntegrationsIntegrations.model_rebuild()
ListIntegrationsIntegrationsEdges.model_rebuild()
