"""Alembic's environment.

It migrates the connection `app.migrate` hands over in `config.attributes["connection"]`,
or, when Alembic runs from the command line (`alembic upgrade head` with `alembic.ini`),
the database `DATABASE_URL` names, through the project's URL handling and async driver.
All the revisions of one command run in one transaction: a migration that fails leaves
the schema where it was, on PostgreSQL and on SQLite alike.
"""

import asyncio
import logging

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

from app import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from app.database import async_database_url
from app.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata
logger = logging.getLogger("app.migrate")

# One migrating process at a time per PostgreSQL database ("intg").
ADVISORY_LOCK_KEY = 0x696E7467
# The revision that creates the tables as `create_all` made them before there were
# migrations: a database holding those tables and no revision is recorded at it.
FIRST_REVISION = "0001"


def _adopt_tables_made_before_migrations(connection: sa.Connection) -> None:
    migration_context = context.get_context()
    if migration_context.get_current_heads():
        return
    if not sa.inspect(connection).has_table("organizations"):
        return
    logger.info("Tables made before migrations existed: recorded at revision %s", FIRST_REVISION)
    migration_context.stamp(context.script, FIRST_REVISION)


def _migrate(connection: sa.Connection) -> None:
    dialect = connection.dialect.name
    with connection.begin():
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite alters a table by copying it into a new one.
            render_as_batch=dialect == "sqlite",
            compare_type=True,
        )
        if dialect == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
        _adopt_tables_made_before_migrations(connection)
        context.run_migrations()
        if dialect == "sqlite":
            # Foreign keys are off while migrating (see app.migrate); nothing may break them.
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"The migration breaks foreign keys: {broken[:5]}")


async def _migrate_database_url() -> None:
    from app.migrate import create_migration_engine

    engine = create_migration_engine(get_settings())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=async_database_url(get_settings().database_url).render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    _migrate(config.attributes["connection"])
else:
    asyncio.run(_migrate_database_url())
