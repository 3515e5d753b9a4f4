"""Global IDs.

An ID is a UUIDv7 (time-ordered, lowercase 8-4-4-4-12) whose last byte names the entity
type, so `node(id)` reads the type from the ID and goes straight to its table. Clients
treat IDs as opaque.
"""

import os
import re
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

ENTITY_TAGS: dict[str, int] = {
    "Organization": 0x01,
    "Integration": 0x02,
    "IntegrationKey": 0x03,
}
_ENTITY_TYPES_BY_TAG = {tag: entity_type for entity_type, tag in ENTITY_TAGS.items()}

_UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class GlobalId(NamedTuple):
    entity_type: str
    value: str


_RANDOM_BITS_USED = 1 << 74
"""`id_from_parts` keeps 74 of the random bits (rand_a, then rand_b)."""


def _milliseconds_now() -> int:
    return time.time_ns() // 1_000_000


class IdMaker:
    """Makes IDs, each greater than every ID it made before (RFC 9562, 6.2, method 2):
    within one millisecond, or when the clock steps back, the random bits of the one
    before plus a random step. Rows created one after another then sort in that order
    among equal titles, where random bits alone made the order of two rows created
    within one millisecond a matter of chance. One per process (`new_id`); `clock` (Unix
    milliseconds) is for tests."""

    def __init__(self, clock: Callable[[], int] = _milliseconds_now) -> None:
        self._clock = clock
        self._last_made = (0, 0)
        self._making = threading.Lock()

    def new_id(self, entity_type: str) -> str:
        with self._making:
            unix_ms = self._clock()
            last_ms, last_bits = self._last_made
            random_bits: int | None = None
            if unix_ms <= last_ms:
                # The step skips rand_b's last byte, which the entity tag replaces.
                step = (int.from_bytes(os.urandom(4)) + 1) << 8
                unix_ms, random_bits = last_ms, last_bits + step
                if random_bits >= _RANDOM_BITS_USED:  # spent: on to the next millisecond
                    unix_ms, random_bits = last_ms + 1, None
            if random_bits is None:
                random_bits = int.from_bytes(os.urandom(10), "big") % _RANDOM_BITS_USED
            self._last_made = (unix_ms, random_bits)
        return id_from_parts(entity_type, unix_ms, random_bits)


new_id = IdMaker().new_id
"""A new ID of `entity_type`, greater than every ID this process made before it."""


def id_from_parts(entity_type: str, unix_ms: int, random_bits: int) -> str:
    """The ID of `entity_type` made of a millisecond timestamp and 80 random bits; bulk
    loaders that must be repeatable supply both from a seeded generator."""
    tag = ENTITY_TAGS[entity_type]
    value = (unix_ms & (2**48 - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= (random_bits >> 62 & 0xFFF) << 64  # rand_a
    value |= 0b10 << 62  # RFC 9562 variant
    value |= (random_bits & (2**62 - 1)) & ~0xFF  # rand_b, less its last byte
    value |= tag
    hex_value = f"{value:032x}"
    return "-".join(
        (hex_value[:8], hex_value[8:12], hex_value[12:16], hex_value[16:20], hex_value[20:])
    )


def decode_id(value: object) -> GlobalId | None:
    """The entity type and value of an ID, or None when it is not one of ours."""
    if not isinstance(value, str) or not _UUID7.match(value):
        return None
    entity_type = _ENTITY_TYPES_BY_TAG.get(int(value[-2:], 16))
    if entity_type is None:
        return None
    return GlobalId(entity_type, value)


def id_of_type(value: object, entity_type: str) -> str | None:
    """`value` when it is a well-formed ID of `entity_type`, otherwise None."""
    decoded = decode_id(value)
    if decoded is None or decoded.entity_type != entity_type:
        return None
    return decoded.value
