from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import CountInfoFields, OrganizationFields, PageInfoFields


class ListOrganizationChildren(BaseModel):
    organization: Optional["ListOrganizationChildrenOrganization"]


class ListOrganizationChildrenOrganization(BaseModel):
    id: str
    children: "ListOrganizationChildrenOrganizationChildren"


class ListOrganizationChildrenOrganizationChildren(BaseModel):
    edges: list["ListOrganizationChildrenOrganizationChildrenEdges"]
    page_info: "ListOrganizationChildrenOrganizationChildrenPageInfo" = Field(
        alias="pageInfo"
    )
    total: Optional["ListOrganizationChildrenOrganizationChildrenTotal"]


class ListOrganizationChildrenOrganizationChildrenEdges(BaseModel):
    cursor: str
    node: "ListOrganizationChildrenOrganizationChildrenEdgesNode"


ListOrganizationChildrenOrganizationChildrenEdgesNode = OrganizationFields
ListOrganizationChildrenOrganizationChildrenPageInfo = PageInfoFields
ListOrganizationChildrenOrganizationChildrenTotal = CountInfoFields
ListOrganizationChildren.model_rebuild()
ListOrganizationChildrenOrganization.model_rebuild()
ListOrganizationChildrenOrganizationChildren.model_rebuild()
ListOrganizationChildrenOrganizationChildrenEdges.model_rebuild()
