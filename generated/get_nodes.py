from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .fragments import (  # noqa: F401
    IntegrationFields,
    IntegrationFieldsOrganization,
    OrganizationFields,
    OrganizationFieldsParent,
)


class GetNodes(BaseModel):
    nodes: list[
        Optional[
            Annotated[
                Union[
                    "GetNodesNodesNode",
                    "GetNodesNodesIntegration",
                    "GetNodesNodesOrganization",
                ],
                Field(discriminator="typename__"),
            ]
        ]
    ]


class GetNodesNodesNode(BaseModel):
    typename__: Literal["IntegrationKey", "Node"] = Field(alias="__typename")
    id: str


class GetNodesNodesIntegration(IntegrationFields):
    typename__: Literal["Integration"] = Field(alias="__typename")
    id: str


class GetNodesNodesOrganization(OrganizationFields):
    typename__: Literal["Organization"] = Field(alias="__typename")
    id: str


GetNodes.model_rebuild()
