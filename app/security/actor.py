"""The calling actor and what it may reach.

An actor reaches its own organization and that organization's descendants. Actors of a
root organization are the platform's operators: they reach every tree, which is what
lets them create new root tenants and then manage them.
"""

from dataclasses import dataclass

from app import models


@dataclass(frozen=True)
class Actor:
    integration_id: str
    organization_id: str
    organization_path: str
    is_operator: bool

    def reaches(self, organization: models.Organization) -> bool:
        return self.is_operator or organization.path.startswith(self.organization_path)
