"""The test command: the whole suite on SQLite, then on PostgreSQL.

PostgreSQL is `TEST_POSTGRES_URL` (default: the local server, database `test`). When it
cannot be reached the run says so and tests SQLite only, except under CI (`CI=true`),
where a missing PostgreSQL fails the run.
"""

import asyncio
import os
import subprocess
import sys

import asyncpg

from app.database import async_database_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


async def _reachable(url: str) -> str | None:
    """None when PostgreSQL answers at `url`, otherwise why not."""
    dsn = async_database_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = await asyncpg.connect(dsn, timeout=5)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    await connection.close()
    return None


def _pytest(label: str, database_url: str | None, extra: list[str]) -> int:
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    if database_url:
        env["TEST_DATABASE_URL"] = database_url
    print(f"\n=== tests on {label} ===", flush=True)
    code = subprocess.call([sys.executable, "-m", "pytest", *extra], env=env)
    if code == 5:
        print(f"no tests ran on {label}", flush=True)
    return code


def main() -> int:
    extra = sys.argv[1:]
    postgres_url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    results = {"SQLite": _pytest("SQLite", None, extra)}
    why_not = asyncio.run(_reachable(postgres_url))
    if why_not is None:
        results["PostgreSQL"] = _pytest("PostgreSQL", postgres_url, extra)
    elif os.environ.get("CI", "").lower() == "true":
        print(f"\nPostgreSQL is required under CI but unreachable at {postgres_url}: {why_not}")
        results["PostgreSQL"] = 1
    else:
        print(
            f"\nPostgreSQL is not reachable at {postgres_url} ({why_not}); "
            "only the SQLite suite ran. Set TEST_POSTGRES_URL to test PostgreSQL too."
        )
    print(
        "\n"
        + ", ".join(
            f"{name}: {'passed' if code == 0 else 'FAILED'}" for name, code in results.items()
        )
    )
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
