"""The calling actor and what it may reach.

An actor reaches its own organization and that organization's descendants. Actors of a
root organization are the platform's operators: they reach every tree, which is what
lets them create new root tenants and then manage them.
"""

from dataclasses import dataclass
from typing import Any

from sqlmodel import col

from app import models


@dataclass(frozen=True)
class Actor:
    integration_id: str
    organization_id: str
    organization_path: str
    is_operator: bool

    def reaches(self, organization: models.Organization) -> bool:
        return self.is_operator or organization.path.startswith(self.organization_path)

    def organizations_conditions(self) -> list[Any]:
        """The SQL conditions for the organizations this actor reaches: none for an
        operator, so that an operator's unfiltered list of organizations runs the
        statements built once for every request rather than one built for its own."""
        if self.is_operator:
            return []
        return [col(models.Organization.path).startswith(self.organization_path, autoescape=True)]
