"""Opaque cursors: a keyset position bound to one list and one ordering.

A cursor is base64url of a keyed checksum and a JSON payload. The checksum makes any
altered cursor fail to decode (never a wrong page); the payload names the list (its
`scope`, such as `integrations:<organization id>`) and the ordering it was made under,
so reusing it on another list or under another ordering is refused. Filters are not
bound: a cursor stays usable under another filter.
"""

import base64
import binascii
import hashlib
import hmac
import json
from typing import NamedTuple

_FORMAT_VERSION = 1
_CHECKSUM_BYTES = 8


class Position(NamedTuple):
    """Where an item stands in a keyset ordering: its sort key, then its ID."""

    sort_key: str
    id: str


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def _checksum(self, payload: bytes) -> bytes:
        return hmac.digest(self._key, payload, "sha256")[:_CHECKSUM_BYTES]

    def encode(self, scope: str, ordering: str, position: Position) -> str:
        payload = json.dumps(
            [_FORMAT_VERSION, scope, ordering, position.sort_key, position.id],
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        return base64.urlsafe_b64encode(self._checksum(payload) + payload).decode().rstrip("=")

    def decode(self, cursor: str, scope: str, ordering: str) -> Position | None:
        """The position a cursor names, or None unless it was made for this list and ordering."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            return None
        # Base64 lets several strings decode to the same bytes; only the one `encode`
        # makes is accepted, so a changed character is always noticed.
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
            return None
        checksum, payload = raw[:_CHECKSUM_BYTES], raw[_CHECKSUM_BYTES:]
        if not hmac.compare_digest(checksum, self._checksum(payload)):
            return None
        try:
            version, cursor_scope, cursor_ordering, sort_key, item_id = json.loads(payload)
        except (ValueError, TypeError):
            return None
        if (version, cursor_scope, cursor_ordering) != (_FORMAT_VERSION, scope, ordering):
            return None
        if not isinstance(sort_key, str) or not isinstance(item_id, str):
            return None
        return Position(sort_key, item_id)
