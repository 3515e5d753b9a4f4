"""The migrations own the schema: they build exactly what the models declare, every one
of them downgrades and upgrades again, and the service refuses a schema that is behind.

Each test migrates a scratch database of the engine under test: a SQLite file of its
own, or on PostgreSQL a schema of its own in the test database (its `search_path`), so
the service the other tests use is never touched.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from app import models
from app.database import async_database_url
from app.main import create_app
from app.migrate import (
    SchemaNotCurrentError,
    alembic_config,
    create_migration_engine,
    current_revision,
    head_revision,
    run_alembic,
)
from app.settings import PROJECT_ROOT, Settings

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or None

REVISIONS = [
    script.revision
    for script in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
]


class Scratch:
    """A database of the test's own: `engine` migrates it (and `url` names it, for a
    service of its own, on SQLite)."""

    def __init__(self, engine: AsyncEngine, url: str | None) -> None:
        self.engine = engine
        self.url = url

    async def alembic(self, name: str, *args: Any) -> None:
        async with self.engine.connect() as connection:
            await run_alembic(connection, name, *args)

    async def revision(self) -> str | None:
        async with self.engine.connect() as connection:
            return await current_revision(connection)

    async def run(self, fn: Callable[[sa.Connection], Any]) -> Any:
        async with self.engine.begin() as connection:
            return await connection.run_sync(fn)


@asynccontextmanager
async def scratch_database(tmp_path: Path) -> AsyncIterator[Scratch]:
    if POSTGRES_URL is None:
        url = f"sqlite:///{tmp_path / f'scratch-{uuid.uuid4().hex}.db'}"
        engine = create_migration_engine(Settings(database_url=url))
        try:
            yield Scratch(engine, url)
        finally:
            await engine.dispose()
        return
    schema = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(async_database_url(POSTGRES_URL), poolclass=NullPool)
    async with admin.begin() as connection:
        await connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = create_async_engine(
        async_database_url(POSTGRES_URL),
        poolclass=NullPool,
        connect_args={"server_settings": {"search_path": schema}},
    )
    try:
        yield Scratch(engine, None)
    finally:
        await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


def _differences(connection: sa.Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _structure(connection: sa.Connection) -> dict[str, Any]:
    """Everything reflection tells of each table, Alembic's own table aside: what
    autogenerate compares and what it does not (CHECK constraints, collations)."""
    inspector = sa.inspect(connection)
    structure: dict[str, Any] = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        structure[table] = {
            "columns": [
                (c["name"], repr(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(table)
            ],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    (fk.get("options") or {}).get("ondelete"),
                )
                for fk in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "checks": sorted(
                (check["name"], check["sqltext"])
                for check in inspector.get_check_constraints(table)
            ),
        }
    structure["triggers"] = _triggers(connection)
    if connection.dialect.name == "postgresql":
        structure["collations"] = connection.execute(
            sa.text(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND collation_name IS NOT NULL"
                " ORDER BY 1, 2"
            )
        ).all()
    return structure


def _triggers(connection: sa.Connection) -> list[tuple[Any, ...]]:
    """Each trigger's table, name and definition (with its function's, on PostgreSQL)."""
    if connection.dialect.name == "sqlite":
        statement = "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'"
    else:
        statement = (
            # The definition names the table with its (scratch) schema.
            "SELECT c.relname, t.tgname,"
            " replace(pg_get_triggerdef(t.oid), current_schema() || '.', ''), p.prosrc"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
        )
    return sorted(tuple(row) for row in connection.execute(sa.text(statement)))


def test_revisions_form_one_line() -> None:
    assert REVISIONS[0] == "0001"
    assert REVISIONS[-1] == head_revision()
    assert len(set(REVISIONS)) == len(REVISIONS)


def test_migrations_build_what_the_models_declare(tmp_path: Path) -> None:
    async def run() -> None:
        async with scratch_database(tmp_path) as migrated:
            await migrated.alembic("upgrade", "head")
            assert await migrated.revision() == head_revision()
            assert await migrated.run(_differences) == []
            from_migrations = await migrated.run(_structure)
        async with scratch_database(tmp_path) as declared:
            await declared.run(SQLModel.metadata.create_all)
            from_models = await declared.run(_structure)
        assert from_migrations == from_models
        # What the keyset ordering and the contract need is there at all.
        organizations = from_models["organizations"]
        assert ("ix_organizations_parent_order", ("parent_id", "sort_key", "id"), False) in (
            organizations["indexes"]
        )
        assert {name for name, _ in organizations["checks"]} == {
            "ck_organizations_title_length",
            "ck_organizations_external_id_length",
            "ck_organizations_version",
        }
        assert (("organization_id",), "organizations", ("id",), "CASCADE") in (
            from_models["integrations"]["foreign_keys"]
        )
        assert {name for _, name, *_ in from_models["triggers"]} >= {
            "tr_integrations_count_insert",
            "tr_integrations_count_delete",
            "tr_integrations_count_move",
        }
        if POSTGRES_URL is not None:
            assert [tuple(row) for row in from_models["collations"]] == [
                ("integrations", "sort_key", "C"),
                ("integrations", "sort_key_tail", "C"),
                ("organization_reach", "sort_key", "C"),
                ("organization_reach", "sort_key_tail", "C"),
                ("organizations", "path", "C"),
                ("organizations", "sort_key", "C"),
                ("organizations", "sort_key_tail", "C"),
            ]

    asyncio.run(run())


ORGANIZATION_ID = "01a22068-a420-7f1b-93be-c3fc2eb38a01"
INTEGRATION_ID = "01a22068-a420-7f1b-93be-c3fc2eb38a02"


def _insert_rows(connection: sa.Connection) -> None:
    organizations = sa.table("organizations", *(sa.column(name) for name in ORGANIZATION_VALUES))
    integrations = sa.table("integrations", *(sa.column(name) for name in INTEGRATION_VALUES))
    connection.execute(sa.insert(organizations).values(ORGANIZATION_VALUES))
    connection.execute(sa.insert(integrations).values(INTEGRATION_VALUES))


ORGANIZATION_VALUES: dict[str, Any] = {
    "id": ORGANIZATION_ID,
    "parent_id": None,
    "path": f"/{ORGANIZATION_ID}/",
    "version": 3,
    "title": "Acme",
    "sort_key": "acme",
    "search_title": "acme",
    "external_id": "crm:1",
    "is_active": True,
    "features": '["DEALER"]',
}
INTEGRATION_VALUES: dict[str, Any] = {
    "id": INTEGRATION_ID,
    "organization_id": ORGANIZATION_ID,
    "version": 1,
    "title": "Billing sync",
    "sort_key": "billing sync",
    "credential_ref": "vault://billing",
    "is_active": False,
}


def _rows(connection: sa.Connection) -> list[Any]:
    return [
        [
            (str(row.id), row.version, row.title)
            for row in connection.execute(sa.text(f"SELECT id, version, title FROM {table}"))
        ]
        for table in ("organizations", "integrations")
    ]


def _kept_counts(connection: sa.Connection) -> list[int]:
    """Each organization's kept number of integrations, in ID order."""
    organizations = models.table_of(models.Organization)
    statement = (
        sa.select(models.INTEGRATION_COUNT).select_from(organizations).order_by(organizations.c.id)
    )
    return list(connection.execute(statement).scalars())


def test_every_migration_downgrades_and_upgrades_again_keeping_the_data(
    tmp_path: Path,
) -> None:
    async def run() -> None:
        async with scratch_database(tmp_path) as scratch:
            await scratch.alembic("upgrade", REVISIONS[0])
            await scratch.run(_insert_rows)
            rows = await scratch.run(_rows)
            previous = REVISIONS[0]
            for revision in REVISIONS[1:]:
                await scratch.alembic("upgrade", revision)
                await scratch.alembic("downgrade", previous)
                assert await scratch.revision() == previous
                await scratch.alembic("upgrade", revision)
                assert await scratch.revision() == revision
                assert await scratch.run(_rows) == rows
                previous = revision
            assert await scratch.run(_differences) == []
            # The kept count starts from the rows already there (0005), and moves to
            # shares with them (0006).
            assert await scratch.run(_kept_counts) == [1]
            await scratch.alembic("downgrade", "base")
            assert await scratch.revision() is None
            tables = await scratch.run(lambda c: sa.inspect(c).get_table_names())
            assert set(tables) <= {"alembic_version"}
            await scratch.alembic("upgrade", "head")
            assert await scratch.run(_differences) == []

    asyncio.run(run())


def test_the_kept_count_moves_between_its_column_and_its_shares(tmp_path: Path) -> None:
    """0006 moves the count from `organizations.integration_count` (0005) into shares,
    and its downgrade moves it back, with 0005's triggers keeping it again."""
    integrations = sa.table("integrations", *(sa.column(name) for name in INTEGRATION_VALUES))

    def add_integration(connection: sa.Connection) -> None:
        values = INTEGRATION_VALUES | {"id": str(uuid.uuid4()), "title": "Ledger"}
        connection.execute(sa.insert(integrations).values(values))

    def column_counts(connection: sa.Connection) -> list[int]:
        statement = sa.text("SELECT integration_count FROM organizations ORDER BY id")
        return list(connection.execute(statement).scalars())

    async def run() -> None:
        async with scratch_database(tmp_path) as scratch:
            await scratch.alembic("upgrade", "0005")
            await scratch.run(_insert_rows)
            await scratch.run(add_integration)
            await scratch.alembic("upgrade", "0006")
            assert await scratch.run(_kept_counts) == [2]
            await scratch.run(add_integration)
            await scratch.alembic("downgrade", "0005")
            assert await scratch.run(column_counts) == [3]
            await scratch.run(add_integration)
            assert await scratch.run(column_counts) == [4]
            await scratch.alembic("upgrade", "head")
            assert await scratch.run(_kept_counts) == [4]

    asyncio.run(run())


class _Tree:
    """Organizations named by one letter, written without the API, and their rows in
    the reach read back by name."""

    def __init__(self, parents: dict[str, str | None], marker: int) -> None:
        self.parents = parents
        self.ids = {name: str(uuid.UUID(int=n << 8 | marker)) for n, name in enumerate(parents, 1)}
        self.inactive: set[str] = set()

    def path(self, name: str) -> str:
        above = self.parents[name]
        return (self.path(above) if above else "/") + self.ids[name] + "/"

    def insert(self, name: str) -> Callable[[sa.Connection], None]:
        organizations = sa.table("organizations", *map(sa.column, ORGANIZATION_VALUES))
        parent = self.parents[name]
        values = ORGANIZATION_VALUES | {
            "id": self.ids[name],
            "parent_id": self.ids[parent] if parent else None,
            "path": self.path(name),
            "title": name,
            "sort_key": name,
            "is_active": name not in self.inactive,
        }

        def run(connection: sa.Connection) -> None:
            connection.execute(sa.insert(organizations).values(values))

        return run

    def update(self, name: str, column: str, value: Any) -> Callable[[sa.Connection], None]:
        statement = sa.text(f"UPDATE organizations SET {column} = :value WHERE id = :id")

        def run(connection: sa.Connection) -> None:
            connection.execute(statement, {"value": value, "id": self.ids[name]})

        return run

    def reach(self, column: str) -> Callable[[sa.Connection], set[tuple[str, str, Any]]]:
        """Each reach row as (organization, ancestor, `column`)."""
        names = {value: name for name, value in self.ids.items()}
        statement = sa.text(
            f"SELECT organization_id, ancestor_id, {column} FROM organization_reach"
        )

        def read(connection: sa.Connection) -> set[tuple[str, str, Any]]:
            return {
                (names[str(row[0])], names[str(row[1])], row[2])
                for row in connection.execute(statement)
            }

        return read


def test_the_reach_is_written_for_the_organizations_already_there_and_kept(
    tmp_path: Path,
) -> None:
    """0008 writes each existing organization under itself and each ancestor; its
    triggers then add a new organization under its parent's ancestors and move an
    organization's rows with its new title. (A delete cascades: the foreign keys, which
    the service's connections enforce and migrations' do not.)"""
    tree = _Tree({"r": None, "c": "r", "g": "c", "s": None, "n": "g"}, 0x01)

    async def run() -> None:
        async with scratch_database(tmp_path) as scratch:
            await scratch.alembic("upgrade", "0007")
            for name in "rcgs":
                await scratch.run(tree.insert(name))
            await scratch.alembic("upgrade", "0008")
            assert await scratch.run(tree.reach("sort_key")) == {
                ("r", "r", "r"), ("c", "c", "c"), ("c", "r", "c"), ("g", "g", "g"),
                ("g", "c", "g"), ("g", "r", "g"), ("s", "s", "s"),
            }  # fmt: skip
            await scratch.run(tree.insert("n"))
            await scratch.run(tree.update("g", "sort_key", "renamed"))
            assert await scratch.run(tree.reach("sort_key")) == {
                ("r", "r", "r"), ("c", "c", "c"), ("c", "r", "c"),
                ("g", "g", "renamed"), ("g", "c", "renamed"), ("g", "r", "renamed"),
                ("n", "n", "n"), ("n", "g", "n"), ("n", "c", "n"), ("n", "r", "n"),
                ("s", "s", "s"),
            }  # fmt: skip

    asyncio.run(run())


def test_the_reach_copies_each_organizations_flag_from_0009(tmp_path: Path) -> None:
    """0009 copies each organization's `is_active` to its reach rows, and its triggers
    copy a new flag, as they copy a new title; a new organization's rows carry its own."""
    tree = _Tree({"r": None, "c": "r", "g": "c", "n": "c"}, 0x02)
    tree.inactive = {"c", "n"}

    def flags(connection: sa.Connection) -> set[tuple[str, str, bool]]:
        return {
            (name, above, bool(flag)) for name, above, flag in tree.reach("is_active")(connection)
        }

    async def run() -> None:
        async with scratch_database(tmp_path) as scratch:
            await scratch.alembic("upgrade", "0008")
            for name in "rcg":
                await scratch.run(tree.insert(name))
            await scratch.alembic("upgrade", "0009")
            assert await scratch.run(flags) == {
                ("r", "r", True), ("c", "c", False), ("c", "r", False),
                ("g", "g", True), ("g", "c", True), ("g", "r", True),
            }  # fmt: skip
            await scratch.run(tree.insert("n"))
            await scratch.run(tree.update("c", "is_active", True))
            await scratch.run(tree.update("g", "is_active", False))
            assert await scratch.run(flags) == {
                ("r", "r", True), ("c", "c", True), ("c", "r", True),
                ("g", "g", False), ("g", "c", False), ("g", "r", False),
                ("n", "n", False), ("n", "c", False), ("n", "r", False),
            }  # fmt: skip

    asyncio.run(run())


@pytest.mark.skipif(POSTGRES_URL is not None, reason="SQLite rebuilds tables to alter them")
@pytest.mark.parametrize("table", ["organizations", "integration_counts"])
def test_a_later_migration_can_rebuild_a_table_the_count_triggers_name_on_sqlite(
    tmp_path: Path, table: str
) -> None:
    """A batch migration copies the table and renames the copy; the triggers on
    `integrations`, which name it, must neither stop it nor be lost. The table's own
    triggers (the reach's, on `organizations`) go with the old table, as SQLite drops a
    table's triggers with it: a migration that rebuilds it makes them again."""

    def rebuild(connection: sa.Connection) -> None:
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table(table, recreate="always") as batch:
            batch.add_column(sa.Column("scratch", sa.Integer()))

    async def run() -> None:
        async with scratch_database(tmp_path) as scratch:
            await scratch.alembic("upgrade", "head")
            await scratch.run(_insert_rows)
            triggers = await scratch.run(_triggers)
            await scratch.run(rebuild)
            assert await scratch.run(_triggers) == [
                trigger for trigger in triggers if trigger[0] != table
            ]
            await scratch.run(lambda c: c.execute(sa.text("DELETE FROM integrations")))
            assert await scratch.run(_kept_counts) == [0]

    asyncio.run(run())


def test_tables_made_before_migrations_are_taken_over(tmp_path: Path) -> None:
    """A database whose tables `create_all` made before there were migrations holds the
    first revision's tables and no revision: upgrading records it there and goes on."""

    async def run() -> None:
        async with scratch_database(tmp_path) as scratch:
            await scratch.alembic("upgrade", REVISIONS[0])
            await scratch.run(_insert_rows)
            await scratch.run(lambda c: c.execute(sa.text("DROP TABLE alembic_version")))
            await scratch.alembic("upgrade", "head")
            assert await scratch.revision() == head_revision()
            assert await scratch.run(_differences) == []
            assert (await scratch.run(_rows))[1] == [(INTEGRATION_ID, 1, "Billing sync")]

    asyncio.run(run())


@pytest.mark.parametrize(
    ("table", "values", "constraint"),
    [
        ("organizations", {"title": ""}, "ck_organizations_title_length"),
        ("organizations", {"title": "é" * 256}, "ck_organizations_title_length"),
        ("organizations", {"version": 0}, "ck_organizations_version"),
        ("organizations", {"external_id": "x" * 1025}, "ck_organizations_external_id_length"),
        ("integrations", {"title": ""}, "ck_integrations_title_length"),
        ("integrations", {"version": 0}, "ck_integrations_version"),
        ("integrations", {"credential_ref": "é" * 1025}, "ck_integrations_credential_ref_length"),
        ("integrations", {"organization_id": INTEGRATION_ID}, "foreign"),
    ],
)
def test_the_database_refuses_what_the_contract_forbids(
    tmp_path: Path, table: str, values: dict[str, Any], constraint: str
) -> None:
    """Whatever a code path does, these rows cannot be stored; and their limits count
    characters (255 two-byte characters are a valid title)."""

    def insert(connection: sa.Connection) -> None:
        organization = {**ORGANIZATION_VALUES, "title": "é" * 255}
        if table == "organizations":
            organization.update(values)
        integration = {**INTEGRATION_VALUES, **(values if table == "integrations" else {})}
        for name, row in (("organizations", organization), ("integrations", integration)):
            statement = sa.insert(sa.table(name, *(sa.column(column) for column in row)))
            connection.execute(statement.values(row))

    async def run() -> None:
        async with scratch_database(tmp_path) as scratch:
            await scratch.alembic("upgrade", "head")
            if POSTGRES_URL is None:
                # The migration engine keeps foreign keys off; the service's has them on.
                await scratch.engine.dispose()
                scratch.engine = _sqlite_with_foreign_keys(scratch.engine)
            with pytest.raises(sa.exc.DBAPIError) as refused:
                await scratch.run(insert)
            message = str(refused.value)
            if POSTGRES_URL is not None and "value too long" in message:
                pass  # PostgreSQL's varchar(n) counts characters too and refuses first
            elif constraint == "foreign":
                assert isinstance(refused.value, sa.exc.IntegrityError), message
            else:
                assert constraint in message
            # The same rows within the limits are stored.
            await scratch.run(_insert_rows)

    asyncio.run(run())


def _sqlite_with_foreign_keys(engine: AsyncEngine) -> AsyncEngine:
    new = create_async_engine(engine.url, poolclass=NullPool)

    @sa.event.listens_for(new.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return new


async def _start(settings: Settings) -> None:
    """Run the service's start-up (its lifespan) and stop it again."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass


@pytest.mark.skipif(POSTGRES_URL is not None, reason="a SQLite file of its own is needed")
def test_sqlite_upgrades_itself_on_start_unless_told_not_to(tmp_path: Path) -> None:
    async def run() -> None:
        async with scratch_database(tmp_path) as scratch:
            assert scratch.url is not None
            await scratch.alembic("upgrade", REVISIONS[0])
            with pytest.raises(SchemaNotCurrentError, match="make migrate"):
                await _start(Settings(database_url=scratch.url, migrate_on_start=False))
            assert await scratch.revision() == REVISIONS[0]
            await _start(Settings(database_url=scratch.url))
            assert await scratch.revision() == head_revision()

    asyncio.run(run())


def test_the_service_refuses_a_schema_behind(tmp_path: Path) -> None:
    """A server database is migrated by `make migrate`, never by the service: started
    against a schema that is behind, or none, it names the command and does not serve."""
    if POSTGRES_URL is None:
        pytest.skip("on SQLite the service upgrades instead (the test above)")

    async def run() -> None:
        # The service's own engine cannot take the scratch schema's search_path: run the
        # check on a database of its own, the test database, with its revision moved back.
        settings = Settings(database_url=str(POSTGRES_URL))
        engine = create_migration_engine(settings)
        try:
            async with engine.connect() as connection:
                await _set_revision(connection, REVISIONS[0])
            with pytest.raises(SchemaNotCurrentError) as refused:
                await _start(settings)
            message = str(refused.value)
            assert "make migrate" in message
            assert f"at {REVISIONS[0]}" in message
            assert head_revision() in message
            async with engine.connect() as connection:
                await _set_revision(connection, "ffff")
            with pytest.raises(SchemaNotCurrentError, match="does not know"):
                await _start(settings)
        finally:
            async with engine.connect() as connection:
                await _set_revision(connection, head_revision())
            await engine.dispose()

    asyncio.run(run())


async def _set_revision(connection: AsyncConnection, revision: str) -> None:
    await connection.execute(
        sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
    )
    await connection.commit()


def test_the_commands(tmp_path: Path) -> None:
    """`make migrate`'s command creates a new database and says where it stands; the
    `alembic` command (alembic.ini) reaches the same database, and its `check` finds the
    models and the migrations in agreement."""
    if POSTGRES_URL is not None:
        pytest.skip("the commands are tested once, in the SQLite run (on a SQLite file)")
    url = f"sqlite:///{tmp_path / 'commands.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("TEST_DATABASE_URL", None)

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    migrated = run(sys.executable, "-m", "app.migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert f"{head_revision()} (newest: {head_revision()})" in migrated.stdout
    alembic = str(Path(sys.executable).parent / "alembic")
    current = run(alembic, "current")
    assert current.returncode == 0 and f"{head_revision()} (head)" in current.stdout, current
    check = run(alembic, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    unreachable = {**env, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    refused = subprocess.run(
        [sys.executable, "-m", "app.migrate"],
        cwd=PROJECT_ROOT,
        env=unreachable,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1 and "cannot be reached" in refused.stderr, refused
    assert "Traceback" not in refused.stderr
