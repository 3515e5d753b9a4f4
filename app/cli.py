"""Operator commands that work on the database directly, without the API.

    python -m app.cli key                     a new key for the root integration
    python -m app.cli key --integration ID    a new key for any integration
    python -m app.cli key --url               a new key as a link to the explorer with
                                              it set (PUBLIC_URL/graphql#key=ik_...)

The key (or the link) is the only thing written to standard output; messages go to
standard error.
The database is the one `DATABASE_URL` names; an empty one is bootstrapped first.
"""

import argparse
import asyncio
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from app import models
from app.database import create_engine
from app.graphql.core.ids import id_of_type
from app.graphql.explorer import explorer_url
from app.migrate import SchemaNotCurrentError, prepare_schema
from app.security.bootstrap import bootstrap, root_integration_id
from app.security.keys import mint_key
from app.settings import get_settings


async def _mint(integration: str | None, label: str | None) -> str:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        try:
            await prepare_schema(engine, settings)
        except SchemaNotCurrentError as error:
            raise SystemExit(str(error)) from None
        token = await bootstrap(engine)
        if token is not None and integration is None:
            return token  # the root integration's first key is new as well
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            if integration is None:
                integration_id = await root_integration_id(session)
                if integration_id is None:
                    raise SystemExit(
                        "This database has no root integration (it held data before its "
                        "first start); name one with --integration ID."
                    )
            else:
                integration_id = id_of_type(integration, "Integration")
                if integration_id is None or not await session.get(
                    models.Integration, integration_id
                ):
                    raise SystemExit(f"No integration has the ID {integration!r}.")
            _, token = await mint_key(session, integration_id, label=label)
            return token
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    key = commands.add_parser("key", help="mint a key and print it")
    key.add_argument("--integration", help="the integration's ID (default: the root one)")
    key.add_argument("--label", default="cli", help="a label to tell the key by")
    key.add_argument(
        "--url",
        action="store_true",
        help="print a link that opens the explorer with the key set, instead of the key",
    )
    arguments = parser.parse_args(argv)
    try:
        token = asyncio.run(_mint(arguments.integration, arguments.label))
    except SystemExit as error:
        print(error, file=sys.stderr)
        return 1
    print(explorer_url(get_settings().public_url, token) if arguments.url else token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
