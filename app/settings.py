"""All configuration, read once from the environment (and an optional `.env`)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'app.db'}"
    """A SQLAlchemy URL; the sync form (`sqlite:///…`, `postgresql://…`) is accepted."""

    database_echo: bool = False

    sqlite_busy_timeout_seconds: float = 30.0
    """How long a SQLite writer waits for another writer's lock before failing."""

    # PostgreSQL connections (README: Running on PostgreSQL). Each process keeps its own
    # pool: at most pool size + max overflow connections per process.
    database_pool_size: int = 10
    database_max_overflow: int = 10
    database_pool_timeout_seconds: float = 5.0
    """How long a request waits for a free connection of the pool before failing."""
    database_connect_timeout_seconds: float = 5.0
    database_statement_timeout_seconds: float = 5.0
    """The server's `statement_timeout` and the client's wait for any one statement."""
    database_pool_recycle_seconds: float = 1800.0
    database_random_page_cost: float = 1.1
    """PostgreSQL's `random_page_cost` for the service's sessions: 1.1, the value
    PostgreSQL's documentation gives for data in memory or on SSDs, so that the plan a
    page statement keeps reads the list's index in order. With the server's default of
    4, that plan guesses a handful of children for any parent (most have few) and reads
    and sorts every child of a large one for each page. `0`: the server's own value."""

    migrate_on_start: bool | None = None
    """Upgrade the schema to the newest migration on start. Unset: SQLite does, any other
    database refuses to start when its schema is behind (run `make migrate`)."""

    total_count_cap: int = 10_000
    """`total` counts exactly up to this many items, then answers `AT_LEAST` the cap."""

    default_page_size: int = 20
    max_page_size: int = 100

    cursor_secret: str = "integrations-cursor-v1"
    """Keys the cursor checksum. Every process serving one database must share it."""

    # Abuse limits (README: Security). Each refuses a request with the contract's code.
    max_query_depth: int = 12
    max_query_cost: int = 10_000
    max_aliases: int = 50
    max_fragments: int = 50
    max_tokens: int = 5_000
    max_node_ids: int = 100
    max_body_bytes: int = 256 * 1024
    query_timeout_seconds: float = 10.0
    auth_cache_seconds: float = 1.0
    """How long a process reuses a verified key's actor without asking the database: a
    key revoked, or its integration or organization deactivated or deleted, through
    another process is refused within this long (through the same process at once).
    0: every request looks its key up."""

    cors_origins: list[str] = []
    """Origins (`https://app.example.com`) whose browser pages may call the API across
    origins; in the environment a JSON list: `CORS_ORIGINS='["https://app.example.com"]'`.
    Empty (the default): CORS is off and no `Access-Control-*` header is ever sent."""

    public_url: str = "http://127.0.0.1:8000"
    """Where browsers reach the service (scheme, host and port): the explorer links that
    the first start and `python -m app.cli key --url` print begin with it. `make run`
    sets it from `HOST` and `PORT`."""

    demo_data: bool = False
    """On the first start against an empty database, add a demo tree below the root."""
    log_json: bool = False
    """Request log lines as JSON objects rather than text."""

    debug: bool = False
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
