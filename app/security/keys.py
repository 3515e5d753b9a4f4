"""Integration keys: `ik_<key id>_<secret>`.

The key id (the key's UUID, without dashes) finds the row; the secret is 32 random bytes,
stored only as its SHA-256 (a slow hash adds nothing for a secret of that entropy) and
compared in constant time.
"""

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncSession

from app import models
from app.database import PreparedRead, RequestDatabase
from app.graphql.core.ids import new_id
from app.security.actor import Actor

_TOKEN = re.compile(r"^ik_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_hint(key_id: str) -> str:
    """What identifies a key in listings without revealing it."""
    return f"ik_{key_id.replace('-', '')[:12]}…"


def _parse(token: str) -> tuple[str, str] | None:
    match = _TOKEN.match(token)
    if match is None:
        return None
    hex_id, secret = match.groups()
    key_id = f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"
    return key_id, secret


async def mint_key(
    session: AsyncSession, integration_id: str, label: str | None = None
) -> tuple[models.IntegrationKey, str]:
    """A new key for the integration, in the caller's transaction; the token is
    returned once and never stored."""
    key_id = new_id("IntegrationKey")
    secret = secrets.token_urlsafe(32)
    row = models.IntegrationKey(
        id=key_id,
        integration_id=integration_id,
        secret_hash=hash_secret(secret),
        label=label,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return row, f"ik_{key_id.replace('-', '')}_{secret}"


def _key_lookup() -> sa.Select[Any]:
    keys = sa.inspect(models.IntegrationKey).local_table
    integrations = sa.inspect(models.Integration).local_table
    organizations = sa.inspect(models.Organization).local_table
    return (
        sa.select(
            keys.c.secret_hash,
            keys.c.revoked_at,
            integrations.c.id,
            integrations.c.is_active,
            organizations.c.id,
            organizations.c.path,
            organizations.c.parent_id,
            organizations.c.is_active,
        )
        .join_from(keys, integrations, keys.c.integration_id == integrations.c.id)
        .join(organizations, integrations.c.organization_id == organizations.c.id)
        .where(keys.c.id == sa.bindparam("key_id"))
    )


# Built once, on the tables rather than the models: a statement built anew, or one
# naming models, costs SQLAlchemy more than its round trip.
_KEY_LOOKUP = PreparedRead(_key_lookup())


async def authenticate(db: RequestDatabase, token: str) -> Actor | None:
    """The actor a bearer token stands for, or None: unknown, malformed or revoked
    keys, inactive integrations and integrations of inactive organizations."""
    parsed = _parse(token)
    if parsed is None:
        return None
    key_id, secret = parsed
    rows = await db.values(_KEY_LOOKUP, {"key_id": key_id})
    row = rows[0] if rows else None
    # Hash and compare even for an unknown key, so timing does not tell which it was.
    presented = hash_secret(secret)
    stored = row[0] if row is not None else hash_secret("")
    if not hmac.compare_digest(presented, stored) or row is None:
        return None
    (_, revoked_at, integration_id, integration_active, org_id, path, parent_id, org_active) = row
    if revoked_at is not None or not integration_active or not org_active:
        return None
    return Actor(
        integration_id=integration_id,
        organization_id=org_id,
        organization_path=path,
        is_operator=parent_id is None,
    )


class KeyCache:
    """The actors of keys this process verified lately, each kept `ttl` seconds, so that
    a client's requests do not each cost the key's statement.

    Only keys that verified are kept, under the SHA-256 of the whole token: the token
    itself is not held, and a token with an altered secret misses and is checked. So a
    key revoked (or its integration or organization deactivated or deleted) through
    another process still works here for at most `ttl` seconds; a write through this
    process calls `clear`. A `ttl` of 0 keeps nothing.
    """

    def __init__(self, ttl: float, size: int = 4096) -> None:
        self._ttl = ttl
        self._actors: TTLCache[str, Actor] = TTLCache(
            maxsize=size, ttl=max(ttl, 0.0), timer=time.monotonic
        )
        self._generation = 0
        """Changes on `clear`: an actor read before it is not stored after it."""

    async def actor_for(
        self, token: str, look_up: Callable[[], Awaitable[Actor | None]]
    ) -> Actor | None:
        """The kept actor of `token`, else what `look_up` finds (kept when it is one)."""
        actor = self._get(token)
        if actor is not None:
            return actor
        generation = self._generation
        actor = await look_up()
        if actor is not None:
            self._put(token, actor, generation)
        return actor

    def _get(self, token: str) -> Actor | None:
        if self._ttl <= 0:
            return None
        return self._actors.get(hash_secret(token))

    def _put(self, token: str, actor: Actor, generation: int) -> None:
        """Keep `actor`, read from the database while `generation` was current."""
        if self._ttl <= 0 or generation != self._generation:
            return
        self._actors[hash_secret(token)] = actor

    def clear(self) -> None:
        self._actors.clear()
        self._generation += 1
