from typing import Optional

from .base_model import BaseModel
from .fragments import OrganizationFields


class GetOrganization(BaseModel):
    organization: Optional["GetOrganizationOrganization"]


GetOrganizationOrganization = OrganizationFields
GetOrganization.model_rebuild()
