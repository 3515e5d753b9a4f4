"""Opaque cursors: a keyset position bound to one list and one ordering.

A cursor is base64url of a format byte, a keyed checksum, the item's ID (16 bytes) and
its sort key (UTF-8). The checksum covers the position together with the list's `scope`
(such as `integrations:<organization id>`) and the ordering, so a cursor that was
altered, or made for another list or under another ordering, does not decode: never a
wrong page. Filters are not covered: a cursor stays usable under another filter.
"""

import base64
import binascii
import hashlib
import hmac
import uuid
from typing import NamedTuple

_FORMAT = b"\x01"
_CHECKSUM_BYTES = 8
_HEADER_BYTES = len(_FORMAT) + _CHECKSUM_BYTES + 16


class Position(NamedTuple):
    """Where an item stands in a keyset ordering: its sort key, then its ID."""

    sort_key: str
    id: str


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def _checksum(self, scope: str, ordering: str, position: bytes) -> bytes:
        message = b"\x00".join((scope.encode(), ordering.encode(), position))
        return hmac.digest(self._key, message, "sha256")[:_CHECKSUM_BYTES]

    def encode(self, scope: str, ordering: str, position: Position) -> str:
        # The ID is a UUID in its canonical form (the database's): its hex digits are its
        # 16 bytes, read without `uuid.UUID`'s parsing.
        id_bytes = bytes.fromhex(position.id.replace("-", ""))
        if len(id_bytes) != 16:
            raise ValueError(f"not a UUID: {position.id!r}")
        body = id_bytes + position.sort_key.encode()
        raw = _FORMAT + self._checksum(scope, ordering, body) + body
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str, scope: str, ordering: str) -> Position | None:
        """The position a cursor names, or None unless made for this list and ordering."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            return None
        # Several strings decode to the same bytes; only the one `encode` makes is
        # accepted, so that a changed character is always noticed.
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
            return None
        if len(raw) < _HEADER_BYTES or raw[:1] != _FORMAT:
            return None
        checksum, body = raw[1 : _HEADER_BYTES - 16], raw[_HEADER_BYTES - 16 :]
        if not hmac.compare_digest(checksum, self._checksum(scope, ordering, body)):
            return None
        try:
            sort_key = body[16:].decode()
        except UnicodeDecodeError:
            return None
        return Position(sort_key, str(uuid.UUID(bytes=body[:16])))
