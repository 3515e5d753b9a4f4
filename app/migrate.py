"""The database schema belongs to Alembic: its migrations live in `app/migrations/`.

    python -m app.migrate                  upgrade to the newest revision (`make migrate`)
    python -m app.migrate current          the database's revision and the newest one
    python -m app.migrate downgrade REV    back to revision REV (`base`: no tables)

The database is the one `DATABASE_URL` names. On start the service checks that the
schema is current and refuses to serve otherwise; SQLite databases (and any other with
`MIGRATE_ON_START=true`) are upgraded on start instead. Migrations of several processes
at once are safe: on PostgreSQL they take an advisory lock, on SQLite the write lock,
and the second one then finds nothing left to do.
"""

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.database import async_database_url
from app.settings import Settings, get_settings

logger = logging.getLogger("app.migrate")


def _quiet(record: logging.LogRecord) -> bool:
    """Keep Alembic's "Running upgrade …" lines, drop its notes on every connection."""
    return not record.getMessage().startswith(("Context impl", "Will assume"))


logging.getLogger("alembic.runtime.migration").addFilter(_quiet)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATE_COMMAND = "make migrate"


class SchemaNotCurrentError(RuntimeError):
    """The database's schema is not the one this version of the service needs."""


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration without an ini file; `connection` is the one env.py
    migrates (a new engine on `DATABASE_URL` when None)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "app/migrations has no revision"
    return head


def create_migration_engine(settings: Settings) -> AsyncEngine:
    """An engine for migrating: one connection, no pool. On SQLite every transaction
    takes the write lock at once (a second migrating process waits for the first, then
    reads the revision it left), and foreign keys are off while tables are rebuilt
    (dropping a referenced table would otherwise cascade); `env.py` checks them after."""
    url = async_database_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(
            url,
            poolclass=NullPool,
            connect_args={"timeout": settings.database_connect_timeout_seconds},
        )
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, poolclass=NullPool, connect_args={"timeout": settings.sqlite_busy_timeout_seconds}
    )
    busy_timeout_ms = int(settings.sqlite_busy_timeout_seconds * 1000)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=OFF")
        # A batch migration rebuilds a table and renames the copy to the table's name.
        # SQLite's newer rename checks every trigger against the schema first, and the
        # triggers on `integrations` name `organizations`, which is gone at that moment;
        # the legacy rename leaves them alone, as nothing in them needs rewriting.
        cursor.execute("PRAGMA legacy_alter_table=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def run_alembic(connection: AsyncConnection, name: str, *args: Any) -> None:
    """Run the Alembic command `name` (`upgrade`, `downgrade`, `stamp`…) on `connection`
    and commit. Use a connection of `create_migration_engine` (or one alike) on SQLite."""

    def run(sync_connection: sa.Connection) -> None:
        getattr(command, name)(alembic_config(sync_connection), *args)

    await connection.run_sync(run)
    await connection.commit()


async def upgrade(settings: Settings, revision: str = "head") -> None:
    engine = create_migration_engine(settings)
    try:
        async with engine.connect() as connection:
            await run_alembic(connection, "upgrade", revision)
    finally:
        await engine.dispose()


async def downgrade(settings: Settings, revision: str) -> None:
    engine = create_migration_engine(settings)
    try:
        async with engine.connect() as connection:
            await run_alembic(connection, "downgrade", revision)
    finally:
        await engine.dispose()


async def current_revision(connection: AsyncConnection) -> str | None:
    def read(sync_connection: sa.Connection) -> str | None:
        heads = MigrationContext.configure(sync_connection).get_current_heads()
        return heads[0] if heads else None

    revision = await connection.run_sync(read)
    await connection.rollback()
    return revision


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    known: bool
    """Whether `current` is a revision of this version of the service."""

    @property
    def is_current(self) -> bool:
        return self.current == self.head


async def schema_status(engine: AsyncEngine) -> SchemaStatus:
    async with engine.connect() as connection:
        current = await current_revision(connection)
    script = ScriptDirectory.from_config(alembic_config())
    known = current is None or any(r.revision == current for r in script.walk_revisions())
    return SchemaStatus(current=current, head=head_revision(), known=known)


def _not_current_message(status: SchemaStatus, settings: Settings) -> str:
    where = async_database_url(settings.database_url).render_as_string(hide_password=True)
    if not status.known:
        return (
            f"The database schema of {where} is at revision {status.current}, which this "
            f"version of the service does not know (it needs {status.head}): the database "
            "was migrated by a newer version. Run that version, or downgrade the database "
            "with the newer version's `python -m app.migrate downgrade`."
        )
    state = "has no tables yet" if status.current is None else f"is at {status.current}"
    return (
        f"The database schema of {where} {state}; this version of the service needs "
        f"revision {status.head}. Run `{MIGRATE_COMMAND}` (with the same DATABASE_URL) "
        "first, then start the service again."
    )


def migrates_on_start(settings: Settings) -> bool:
    if settings.migrate_on_start is not None:
        return settings.migrate_on_start
    return async_database_url(settings.database_url).get_backend_name() == "sqlite"


async def prepare_schema(engine: AsyncEngine, settings: Settings) -> None:
    """On start: upgrade the schema where that is the rule, then make sure it is current;
    SchemaNotCurrentError (naming `make migrate`) when it is not."""
    if migrates_on_start(settings):
        await upgrade(settings)
    status = await schema_status(engine)
    if not status.is_current:
        raise SchemaNotCurrentError(_not_current_message(status, settings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.migrate")
    commands = parser.add_subparsers(dest="command")
    upgrade_command = commands.add_parser("upgrade", help="upgrade (the default)")
    upgrade_command.add_argument("revision", nargs="?", default="head")
    downgrade_command = commands.add_parser("downgrade", help="downgrade to REVISION")
    downgrade_command.add_argument("revision")
    commands.add_parser("current", help="print the revision and the newest one")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = get_settings()
    where = async_database_url(settings.database_url).render_as_string(hide_password=True)

    async def run() -> None:
        if arguments.command == "downgrade":
            await downgrade(settings, arguments.revision)
        elif arguments.command != "current":
            await upgrade(settings, getattr(arguments, "revision", "head"))
        engine = create_migration_engine(settings)
        try:
            status = await schema_status(engine)
        finally:
            await engine.dispose()
        print(f"{where}: {status.current or 'no revision'} (newest: {status.head})")

    try:
        asyncio.run(run())
    except (OSError, TimeoutError, sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        print(f"{where} cannot be reached: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
