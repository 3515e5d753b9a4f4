"""A small demo tree for a first `make run`: tenants under the root organization, each
with a few integrations, so the README's example queries answer with real data."""

from sqlalchemy.ext.asyncio import AsyncSession

from app import models
from app.graphql.core.ids import new_id
from app.graphql.core.ordering import fold_title, sort_key_columns

DEMO_TREE: dict[str, tuple[list[str], list[str]]] = {
    # tenant: (child organizations, integrations)
    "Acme": (["Acme Europe", "Acme Americas"], ["Billing sync", "CRM export", "Slack alerts"]),
    "Globex": (["Globex Labs"], ["Inventory feed", "Payroll bridge"]),
    "Initech": ([], ["TPS reports", "Ticket importer 2", "Ticket importer 10"]),
}


def _organization(title: str, parent: models.Organization | None) -> models.Organization:
    organization_id = new_id("Organization")
    return models.Organization(
        id=organization_id,
        parent_id=parent.id if parent else None,
        path=f"{parent.path if parent else '/'}{organization_id}/",
        title=title,
        **sort_key_columns(title),
        search_title=fold_title(title),
    )


async def add_demo_tree(session: AsyncSession, root: models.Organization) -> None:
    """Add the demo tenants below `root`, in the caller's transaction."""
    for tenant_title, (children, integrations) in DEMO_TREE.items():
        tenant = _organization(tenant_title, root)
        session.add(tenant)
        await session.flush()
        for child_title in children:
            session.add(_organization(child_title, tenant))
        for number, title in enumerate(integrations):
            session.add(
                models.Integration(
                    id=new_id("Integration"),
                    organization_id=tenant.id,
                    title=title,
                    **sort_key_columns(title),
                    credential_ref=f"vault://{tenant_title.lower()}/{number}",
                    is_active=number != 1,
                )
            )
        await session.flush()
