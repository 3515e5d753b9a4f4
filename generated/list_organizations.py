from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import CountInfoFields, OrganizationFields, PageInfoFields


class ListOrganizations(BaseModel):
    organizations: "ListOrganizationsOrganizations"


class ListOrganizationsOrganizations(BaseModel):
    edges: list["ListOrganizationsOrganizationsEdges"]
    page_info: "ListOrganizationsOrganizationsPageInfo" = Field(alias="pageInfo")
    total: Optional["ListOrganizationsOrganizationsTotal"]


class ListOrganizationsOrganizationsEdges(BaseModel):
    cursor: str
    node: "ListOrganizationsOrganizationsEdgesNode"


ListOrganizationsOrganizationsEdgesNode = OrganizationFields
ListOrganizationsOrganizationsPageInfo = PageInfoFields
ListOrganizationsOrganizationsTotal = CountInfoFields
ListOrganizations.model_rebuild()
ListOrganizationsOrganizations.model_rebuild()
ListOrganizationsOrganizationsEdges.model_rebuild()
