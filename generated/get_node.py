from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from .base_model import BaseModel
from .fragments import (  # noqa: F401
    IntegrationFields,
    IntegrationFieldsOrganization,
    OrganizationFields,
    OrganizationFieldsParent,
)


class GetNode(BaseModel):
    node: Optional[
        Annotated[
            Union[
                "GetNodeNodeNode", "GetNodeNodeIntegration", "GetNodeNodeOrganization"
            ],
            Field(discriminator="typename__"),
        ]
    ]


class GetNodeNodeNode(BaseModel):
    typename__: Literal["IntegrationKey", "Node"] = Field(alias="__typename")
    id: str


class GetNodeNodeIntegration(IntegrationFields):
    typename__: Literal["Integration"] = Field(alias="__typename")
    id: str


class GetNodeNodeOrganization(OrganizationFields):
    typename__: Literal["Organization"] = Field(alias="__typename")
    id: str


GetNode.model_rebuild()
