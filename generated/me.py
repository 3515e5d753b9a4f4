from typing import Literal

from pydantic import Field

from .base_model import BaseModel


class Me(BaseModel):
    me: "MeMe"


class MeMe(BaseModel):
    typename__: Literal["Actor", "Integration"] = Field(alias="__typename")
    id: str
    title: str


Me.model_rebuild()
