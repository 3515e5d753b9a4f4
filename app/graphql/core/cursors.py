"""Opaque cursors: a keyset position bound to one list and one ordering.

A cursor is base64url of a format byte, a keyed checksum, the item's ID (16 bytes) and
its sort key (UTF-8). The checksum covers the position together with the list's `scope`
(such as `integrations:<organization id>`) and the ordering, so a cursor that was
altered, or made for another list or under another ordering, does not decode: never a
wrong page. Filters are not covered: a cursor stays usable under another filter.

The checksum is keyed BLAKE2b, a MAC by design: one call of the library per cursor,
where HMAC-SHA256 through OpenSSL cost four times as much, and a page encodes twenty.
"""

import binascii
import hashlib
import hmac
from collections.abc import Callable
from typing import NamedTuple

_FORMAT = b"\x02"
"""The cursor layout and checksum algorithm of the cursors made now."""
_FORMAT_HMAC = b"\x01"
"""The same layout checked with HMAC-SHA256, as earlier versions made them: still
decoded, so that a walk begun before an upgrade goes on after it."""
_CHECKSUM_BYTES = 8
_HEADER_BYTES = len(_FORMAT) + _CHECKSUM_BYTES + 16


class Position(NamedTuple):
    """Where an item stands in a keyset ordering: its sort key, then its ID."""

    sort_key: str
    id: str


PositionEncoder = Callable[[str, str], str]
"""`(sort key, id) -> cursor` for one list under one ordering."""


_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _base64url(raw: bytes) -> str:
    """`base64.urlsafe_b64encode` without padding, in one pass of calls into C (a page
    encodes twenty cursors)."""
    return binascii.b2a_base64(raw, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()

    def _list_checksum(self, scope: str, ordering: str) -> "hashlib.blake2b":
        """The checksum's state after the list's part of the message: a copy of it
        finishes the checksum of any position of that list."""
        checksum = hashlib.blake2b(key=self._key, digest_size=_CHECKSUM_BYTES)
        checksum.update(b"\x00".join((scope.encode(), ordering.encode(), b"")))
        return checksum

    def encoder(self, scope: str, ordering: str) -> PositionEncoder:
        """The encoder of positions of one list under one ordering (one page's cursors)."""
        list_checksum = self._list_checksum(scope, ordering)

        def encode(sort_key: str, id: str) -> str:
            # The ID is a UUID in its canonical form (the database's): its hex digits are
            # its 16 bytes, read without `uuid.UUID`'s parsing.
            id_bytes = bytes.fromhex(id.replace("-", ""))
            if len(id_bytes) != 16:
                raise ValueError(f"not a UUID: {id!r}")
            body = id_bytes + sort_key.encode()
            checksum = list_checksum.copy()
            checksum.update(body)
            raw = _FORMAT + checksum.digest() + body
            return _base64url(raw)

        return encode

    def encode(self, scope: str, ordering: str, position: Position) -> str:
        return self.encoder(scope, ordering)(position.sort_key, position.id)

    def decode(self, cursor: str, scope: str, ordering: str) -> Position | None:
        """The position a cursor names, or None unless made for this list and ordering."""
        # `base64.urlsafe_b64decode`'s steps, called into C directly (a page after a
        # cursor decodes one per request).
        try:
            padded = (cursor + "=" * (-len(cursor) % 4)).encode("ascii")
            raw = binascii.a2b_base64(padded.translate(_FROM_URLSAFE))
        except (binascii.Error, UnicodeEncodeError):
            return None
        # Several strings decode to the same bytes; only the one `encode` makes is
        # accepted, so that a changed character is always noticed.
        if _base64url(raw) != cursor:
            return None
        if len(raw) < _HEADER_BYTES or raw[:1] not in (_FORMAT, _FORMAT_HMAC):
            return None
        checksum, body = raw[1 : _HEADER_BYTES - 16], raw[_HEADER_BYTES - 16 :]
        if raw[:1] == _FORMAT:
            expected_checksum = self._list_checksum(scope, ordering)
            expected_checksum.update(body)
            expected = expected_checksum.digest()
        else:
            message = b"\x00".join((scope.encode(), ordering.encode(), body))
            expected = hmac.digest(self._key, message, "sha256")[:_CHECKSUM_BYTES]
        if not hmac.compare_digest(checksum, expected):
            return None
        try:
            sort_key = body[16:].decode()
        except UnicodeDecodeError:
            return None
        hex_id = body[:16].hex()  # the canonical form, as `str(uuid.UUID(...))` writes it
        return Position(
            sort_key,
            f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}",
        )
