"""Bulk demo data, loaded through the database's bulk paths (`make seed`).

    python -m app.seed --organizations 10 --integrations-per-organization 100000
    python -m app.seed --organizations 1 --integrations-per-organization 1000000 --seed 7

The database is `--database-url` (default `DATABASE_URL`). It is migrated first and, when
empty, bootstrapped as the service's first start would be: the root integration's key is
printed once. The organizations go below the root organization (or `--parent`), each
with its integrations. Everything is derived from `--seed`: the same arguments on an
empty database give the same rows, IDs included.

Rows are built with the service's own functions (IDs, paths, titles and their sort
keys), so they obey every rule the API does, and written in batches: PostgreSQL's COPY
through asyncpg, SQLite's executemany through aiosqlite, in one transaction either way
(a failed run leaves nothing). A run is recorded in `service_state`: the same seed with
the same arguments again does nothing, with other arguments it is refused.
"""

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from tqdm import tqdm

from app import models
from app.database import async_database_url, create_engine
from app.graphql.core.ids import id_from_parts, id_of_type
from app.graphql.core.ordering import fold_title, title_columns
from app.migrate import upgrade
from app.security.bootstrap import bootstrap, root_integration_id
from app.settings import Settings, get_settings

# IDs carry a timestamp; a fixed epoch (2025-01-01) keeps them repeatable, and one
# millisecond per row keeps each table's primary key growing in insertion order.
EPOCH_MS = 1_735_689_600_000
ORGANIZATION_MS = EPOCH_MS
INTEGRATION_MS = EPOCH_MS + 10**9

# Rows are drawn in chunks, each from a generator seeded by (seed, organization,
# chunk): the data does not depend on the batch size.
CHUNK = 10_000
CHUNKS_PER_BATCH = 2

MARKER_PREFIX = "seed "

VENDORS = [
    "Salesforce", "HubSpot", "Zendesk", "Stripe", "Adyen", "SAP", "Oracle", "Workday",
    "Slack", "Microsoft Teams", "Jira", "GitHub", "GitLab", "Okta", "Auth0", "Twilio",
    "SendGrid", "Mailchimp", "Shopify", "Magento", "NetSuite", "QuickBooks", "Xero",
    "DATEV", "Lexware", "Sage", "Intercom", "Freshdesk", "ServiceNow", "Snowflake",
    "BigQuery", "Datadog", "PagerDuty", "Sentry", "Segment", "Mixpanel", "Airtable",
    "Notion", "Asana", "Trello", "Dropbox", "Box", "DocuSign", "PayPal", "Klarna",
    "Müller Logistik", "Café Société", "Société Générale", "Crédit Agricole", "Škoda Fleet",
    "Øresund Data", "Ærø Shipping", "Zürich Versicherung", "Ångström Analytics",
    "Señor Pago", "Łódź Transit", "Crème CRM", "Naïve Labs", "Dvořák Audio",
    "Αθήνα Pay", "Москва Ops", "東京 Commerce", "서울 Cloud", "İstanbul Kargo",
]  # fmt: skip
PURPOSES = [
    "sync", "Sync", "export", "Export", "import", "Import", "webhook", "Webhook",
    "bridge", "connector", "feed", "Feed", "backup", "alerts", "billing sync",
    "CRM export", "ticket importer", "payroll bridge", "inventory feed", "order sync",
    "invoice export", "user provisioning", "SSO", "audit log shipper", "report",
    "Report", "data pipeline", "event stream", "ETL", "nightly batch",
]  # fmt: skip
QUALIFIERS = [
    "prod", "staging", "dev", "EU-West", "us-east-1", "APAC", "legacy", "v2", "V3",
    "beta", "Test", "(old)", "[primary]", "— fallback", "#ops", "team Zoë", "Ünit 7",
]  # fmt: skip
# Digit runs in several scripts: titles sort by their numeric value whatever the script.
NUMBER_STYLES: list[Callable[[int], str]] = [
    str,
    lambda n: f"{n:03d}",
    lambda n: f"#{n}",
    lambda n: "".join(chr(0x0660 + int(d)) for d in str(n)),  # Arabic-Indic
    lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),  # fullwidth
]
COMPANIES = [
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell",
    "Cyberdyne", "Soylent", "Hooli", "Pied Piper", "Vandelay", "Dunder Mifflin",
    "Gringotts", "Oceanic", "Nakatomi", "Weyland", "Aperture", "Black Mesa",
    "Bäckerei Schmidt", "Élan Vital", "Ñandú", "Þórsmörk", "Ōsaka Shōji", "Çelik",
]  # fmt: skip
DIVISIONS = [
    "", "Europe", "Americas", "APAC", "Labs", "Holding", "Retail", "Logistics",
    "GmbH", "S.A.", "Inc.", "Ltd", "Nord", "Süd", "Digital", "Services",
]  # fmt: skip
FEATURES = ("DEALER", "WHITELABEL")


@dataclass(frozen=True)
class SeedRequest:
    seed: int
    organizations: int
    integrations_per_organization: int
    parent_id: str | None


@dataclass(frozen=True)
class SeedResult:
    organization_ids: list[str]
    integrations: int
    seconds: float
    loaded: bool
    """False when this database already held this seed's rows."""
    root_key: str | None


# The title and the ordering columns the service stores with it, as `title_columns` gives
# them: whatever the service keeps beside a title, the seeded rows keep too.
TITLE_COLUMNS = tuple(title_columns("x"))


@dataclass(frozen=True)
class OrganizationRow:
    id: str
    parent_id: str | None
    path: str
    titled: tuple[str, ...]
    """The values of TITLE_COLUMNS."""
    search_title: str
    external_id: str | None
    is_active: bool
    features: list[str]

    @property
    def title(self) -> str:
        return self.titled[TITLE_COLUMNS.index("title")]


@dataclass(frozen=True)
class IntegrationRow:
    id: str
    organization_id: str
    titled: tuple[str, ...]
    """The values of TITLE_COLUMNS."""
    credential_ref: str | None
    is_active: bool

    @property
    def title(self) -> str:
        return self.titled[TITLE_COLUMNS.index("title")]


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in fold_title(text)).strip("-")


def organization_rows(
    seed: int, count: int, parent: tuple[str, str] | None
) -> list[OrganizationRow]:
    """`count` organizations: tenants below `parent` (id, path), or roots without one,
    and below some tenants their own divisions, at most four levels deep."""
    rng = random.Random(f"{seed}/organizations")
    rows: list[OrganizationRow] = []
    depths: list[int] = []
    for index in range(count):
        organization_id = id_from_parts(
            "Organization", ORGANIZATION_MS + seed * 10**7 + index, rng.getrandbits(80)
        )
        nested = [i for i in range(max(0, index - 50), index) if depths[i] < 3]
        parent_id: str | None
        if nested and rng.random() < 0.4:
            above = rng.choice(nested)
            parent_id, parent_path, depth = rows[above].id, rows[above].path, depths[above] + 1
        else:
            parent_id = parent[0] if parent else None
            parent_path, depth = (parent[1] if parent else "/"), 0
        division = rng.choice(DIVISIONS)
        title = f"{rng.choice(COMPANIES)} {division} {index + 1}".replace("  ", " ")
        if rng.random() < 0.1:
            title = title.upper()
        columns = title_columns(title)
        rows.append(
            OrganizationRow(
                id=organization_id,
                parent_id=parent_id,
                path=f"{parent_path}{organization_id}/",
                titled=tuple(str(value) for value in columns.values()),
                search_title=fold_title(columns["title"]),
                external_id=f"CRM-{rng.randrange(10**7):07d}" if rng.random() < 0.6 else None,
                is_active=rng.random() >= 0.05,
                features=[feature for feature in FEATURES if rng.random() < 0.1],
            )
        )
        depths.append(depth)
    return rows


def _integration_title(rng: random.Random) -> str:
    vendor, purpose = rng.choice(VENDORS), rng.choice(PURPOSES)
    shape = rng.random()
    if shape < 0.3:
        title = f"{vendor} {purpose}"
    elif shape < 0.65:
        title = f"{vendor} {purpose} {rng.choice(NUMBER_STYLES)(rng.randrange(1, 2000))}"
    elif shape < 0.85:
        title = f"{vendor} {purpose} {rng.choice(QUALIFIERS)}"
    else:
        title = f"{purpose.capitalize()} for {vendor} {rng.randrange(1, 100)}"
    if rng.random() < 0.05:
        title = title.lower()
    return title


def integration_chunk(
    seed: int, organization_index: int, organization_id: str, chunk: int, count: int
) -> list[IntegrationRow]:
    """Integrations `chunk * CHUNK` to `chunk * CHUNK + count` of one organization."""
    rng = random.Random(f"{seed}/{organization_index}/{chunk}")
    base_ms = INTEGRATION_MS + seed * 10**10 + organization_index * 10**8
    rows = []
    for number in range(chunk * CHUNK, chunk * CHUNK + count):
        title = _integration_title(rng)
        random_bits = rng.getrandbits(80)
        columns = title_columns(title)
        has_reference, active = rng.random(), rng.random()
        rows.append(
            IntegrationRow(
                id=id_from_parts("Integration", base_ms + number, random_bits),
                organization_id=organization_id,
                titled=tuple(str(value) for value in columns.values()),
                credential_ref=(
                    f"vault://{_slug(title.split()[0]) or 'x'}/{organization_id[:8]}/{number:07d}"
                    if has_reference < 0.8
                    else None
                ),
                is_active=active >= 0.08,
            )
        )
    return rows


def _batches(
    request: SeedRequest, organization_ids: Sequence[str], chunks_per_batch: int
) -> Iterator[list[IntegrationRow]]:
    per_organization = request.integrations_per_organization
    batch: list[IntegrationRow] = []
    for index, organization_id in enumerate(organization_ids):
        for chunk, start in enumerate(range(0, per_organization, CHUNK)):
            count = min(CHUNK, per_organization - start)
            batch.extend(integration_chunk(request.seed, index, organization_id, chunk, count))
            if len(batch) >= chunks_per_batch * CHUNK:
                yield batch
                batch = []
    if batch:
        yield batch


async def _prefetched(
    batches: Iterator[list[IntegrationRow]],
) -> AsyncIterator[list[IntegrationRow]]:
    """The batches, each drawn in a thread while the database takes the one before."""
    pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
    while (batch := await pending) is not None:
        pending = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
        yield batch


# --- writers ---------------------------------------------------------------------------

ORGANIZATION_COLUMNS = [
    "id", "parent_id", "path", "version", *TITLE_COLUMNS, "search_title", "external_id",
    "is_active", "features",
]  # fmt: skip
INTEGRATION_COLUMNS = [
    "id", "organization_id", "version", *TITLE_COLUMNS, "credential_ref", "is_active",
]  # fmt: skip


def _sqlite_id(value: str | None) -> str | None:
    # sa.Uuid on a database without a native UUID type stores 32 hex digits.
    return value.replace("-", "") if value is not None else None


async def _write_sqlite(
    connection: AsyncConnection,
    organizations: list[OrganizationRow],
    batches: AsyncIterator[list[IntegrationRow]],
    marker: tuple[str, str],
    progress: "tqdm[Any]",
) -> None:
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    # One transaction, so durability is asked for once; a large page cache keeps the
    # ordering index's pages in memory while rows arrive in random title order.
    await raw.execute("PRAGMA synchronous=NORMAL")
    await raw.execute("PRAGMA cache_size=-262144")
    await raw.execute("BEGIN IMMEDIATE")
    try:
        await raw.executemany(
            f"INSERT INTO organizations ({', '.join(ORGANIZATION_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(ORGANIZATION_COLUMNS))})",
            [
                (
                    _sqlite_id(row.id),
                    _sqlite_id(row.parent_id),
                    row.path,
                    1,
                    *row.titled,
                    row.search_title,
                    row.external_id,
                    int(row.is_active),
                    json.dumps(row.features),
                )
                for row in organizations
            ],
        )
        insert = (
            f"INSERT INTO integrations ({', '.join(INTEGRATION_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(INTEGRATION_COLUMNS))})"
        )
        async for batch in batches:
            await raw.executemany(
                insert,
                [
                    (
                        _sqlite_id(row.id),
                        _sqlite_id(row.organization_id),
                        1,
                        *row.titled,
                        row.credential_ref,
                        int(row.is_active),
                    )
                    for row in batch
                ],
            )
            progress.update(len(batch))
        await raw.execute("INSERT INTO service_state (name, value) VALUES (?, ?)", marker)
        await raw.execute("COMMIT")
    except BaseException:
        await raw.execute("ROLLBACK")
        raise


async def _write_postgres(
    connection: AsyncConnection,
    organizations: list[OrganizationRow],
    batches: AsyncIterator[list[IntegrationRow]],
    marker: tuple[str, str],
    progress: "tqdm[Any]",
) -> None:
    raw: Any = (await connection.get_raw_connection()).driver_connection
    async with raw.transaction():
        await raw.copy_records_to_table(
            "organizations",
            columns=ORGANIZATION_COLUMNS,
            records=[
                (
                    row.id,
                    row.parent_id,
                    row.path,
                    1,
                    *row.titled,
                    row.search_title,
                    row.external_id,
                    row.is_active,
                    json.dumps(row.features),
                )
                for row in organizations
            ],
        )
        async for batch in batches:
            await raw.copy_records_to_table(
                "integrations",
                columns=INTEGRATION_COLUMNS,
                records=[
                    (
                        row.id,
                        row.organization_id,
                        1,
                        *row.titled,
                        row.credential_ref,
                        row.is_active,
                    )
                    for row in batch
                ],
            )
            progress.update(len(batch))
        await raw.execute("INSERT INTO service_state (name, value) VALUES ($1, $2)", *marker)
    # What autovacuum would do shortly after a load this size: fresh planner statistics
    # and a visibility map, so that reads right after the load plan as they will later.
    for table in ("organizations", "organization_reach", "integrations"):
        await raw.execute(f"VACUUM ANALYZE {table}")


# --- the run ---------------------------------------------------------------------------


async def _parent(engine: AsyncEngine, parent: str | None) -> tuple[str, str] | None:
    """The (id, path) the seeded tenants go below: `parent`, else the root organization."""
    async with AsyncSession(engine) as session:
        if parent is not None:
            parent_id = id_of_type(parent, "Organization")
            if parent_id is None:
                raise SystemExit(f"{parent!r} is not an organization ID.")
        else:
            integration_id = await root_integration_id(session)
            if integration_id is None:
                return None
            integration = await session.get(models.Integration, integration_id)
            assert integration is not None
            parent_id = integration.organization_id
        organization = await session.get(models.Organization, parent_id)
        if organization is None:
            raise SystemExit(f"No organization has the ID {parent_id!r}.")
        return organization.id, organization.path


async def _recorded(engine: AsyncEngine, name: str) -> dict[str, Any] | None:
    async with AsyncSession(engine) as session:
        state = await session.get(models.ServiceState, name)
        return json.loads(state.value) if state is not None else None


async def seed(settings: Settings, request: SeedRequest, *, progress: bool = True) -> SeedResult:
    started = time.perf_counter()
    await upgrade(settings)
    engine = create_engine(settings)
    try:
        root_key = await bootstrap(engine)
        name = f"{MARKER_PREFIX}{request.seed}"
        arguments = asdict(request)
        recorded = await _recorded(engine, name)
        if recorded is not None:
            if recorded["arguments"] != arguments:
                raise SystemExit(
                    f"Seed {request.seed} was loaded into this database with other "
                    f"arguments ({recorded['arguments']}); choose another --seed."
                )
            return SeedResult(
                recorded["organization_ids"],
                recorded["integrations"],
                time.perf_counter() - started,
                loaded=False,
                root_key=root_key,
            )

        organizations = organization_rows(
            request.seed, request.organizations, await _parent(engine, request.parent_id)
        )
        organization_ids = [row.id for row in organizations]
        total = request.organizations * request.integrations_per_organization
        marker = (
            name,
            json.dumps(
                {
                    "arguments": arguments,
                    "organization_ids": organization_ids,
                    "integrations": total,
                }
            ),
        )
        batches = _prefetched(_batches(request, organization_ids, CHUNKS_PER_BATCH))
        backend = async_database_url(settings.database_url).get_backend_name()
        write = _write_postgres if backend == "postgresql" else _write_sqlite
        with tqdm(
            total=total,
            unit=" integrations",
            unit_scale=True,
            disable=not progress,
            file=sys.stderr,
            mininterval=0.5,
        ) as bar:
            async with engine.connect() as connection:
                await write(connection, organizations, batches, marker, bar)
        return SeedResult(
            organization_ids, total, time.perf_counter() - started, loaded=True, root_key=root_key
        )
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.seed", description="Load bulk demo data into the database."
    )
    parser.add_argument("--organizations", type=int, default=10, metavar="N")
    parser.add_argument("--integrations-per-organization", type=int, default=1_000, metavar="M")
    parser.add_argument("--seed", type=int, default=42, help="the same seed, the same rows")
    parser.add_argument(
        "--parent", metavar="ID", help="the organization to seed below (default: the root)"
    )
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    arguments = parser.parse_args(argv)
    if arguments.organizations < 1 or arguments.integrations_per_organization < 0:
        parser.error(
            "--organizations must be at least 1 and --integrations-per-organization 0 or more"
        )
    settings = get_settings()
    if arguments.database_url:
        settings = settings.model_copy(update={"database_url": arguments.database_url})
    request = SeedRequest(
        seed=arguments.seed,
        organizations=arguments.organizations,
        integrations_per_organization=arguments.integrations_per_organization,
        parent_id=arguments.parent,
    )
    try:
        result = asyncio.run(seed(settings, request, progress=not arguments.no_progress))
    except SystemExit as error:
        print(error, file=sys.stderr)
        return 1
    if result.root_key is not None:
        print(f"Root integration key (shown once, store it now): {result.root_key}")
    organizations = len(result.organization_ids)
    plural = "s" if organizations != 1 else ""
    what = f"{organizations} organization{plural}, {result.integrations:,} integrations"
    if result.loaded:
        rate = result.integrations / result.seconds if result.seconds else 0.0
        print(f"Seeded {what} in {result.seconds:.1f} s ({rate:,.0f} integrations/s).")
    else:
        print(f"Seed {request.seed} is already loaded: {what}.")
    print(f"First organization: {result.organization_ids[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
