"""The root actor: created once, on the first start against an empty database."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from app import models
from app.demo import add_demo_tree
from app.graphql.core.ids import new_id
from app.graphql.core.ordering import fold_title, sort_key_columns
from app.security.keys import mint_key

BOOTSTRAP = "bootstrap_root_integration"
ROOT_ORGANIZATION_TITLE = "Root"
ROOT_INTEGRATION_TITLE = "Root integration"


async def create_root(session: AsyncSession) -> tuple[models.Integration, str]:
    """A root organization with an integration and a key for it, in the caller's
    transaction; the integration and the key's token."""
    organization_id = new_id("Organization")
    session.add(
        models.Organization(
            id=organization_id,
            path=f"/{organization_id}/",
            title=ROOT_ORGANIZATION_TITLE,
            **sort_key_columns(ROOT_ORGANIZATION_TITLE),
            search_title=fold_title(ROOT_ORGANIZATION_TITLE),
        )
    )
    await session.flush()  # the organization first: the integration's foreign key needs it
    integration = models.Integration(
        id=new_id("Integration"),
        organization_id=organization_id,
        title=ROOT_INTEGRATION_TITLE,
        **sort_key_columns(ROOT_INTEGRATION_TITLE),
    )
    session.add(integration)
    await session.flush()
    _, token = await mint_key(session, integration.id, label="bootstrap")
    return integration, token


async def bootstrap(engine: AsyncEngine, *, demo_data: bool = False) -> str | None:
    """On an empty database, create the root actor (and with `demo_data`, a demo tree
    below it): its key's token. None when the database was bootstrapped before (by this
    or another process) or holds data."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        try:
            async with session.begin():
                # The marker is written first: of several processes starting at once,
                # one inserts it and the others fail here, before creating anything.
                marker = models.ServiceState(name=BOOTSTRAP, value="")
                session.add(marker)
                await session.flush()
                if (await session.execute(sa.select(col(models.Organization.id)).limit(1))).first():
                    return None
                integration, token = await create_root(session)
                if demo_data:
                    root = await session.get(models.Organization, integration.organization_id)
                    assert root is not None
                    await add_demo_tree(session, root)
                marker.value = integration.id
                return token
        except IntegrityError:
            return None


async def root_integration_id(session: AsyncSession) -> str | None:
    """The root integration recorded by the bootstrap, when it still exists."""
    marker = await session.get(models.ServiceState, BOOTSTRAP)
    if marker is None or not marker.value:
        return None
    integration = await session.get(models.Integration, marker.value)
    return integration.id if integration is not None else None
