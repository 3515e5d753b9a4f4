"""The model's reading of the contract's text rules (section 3, "Writes" and "Filtering").

Written from the contract, not from the service: trimming strips Unicode white space
(the White_Space property), lengths count code points, and control characters other
than tab, line feed and carriage return are refused in any string. Lone surrogates
(which JSON can carry as escapes but no database can store) are refused too.
"""

import unicodedata
from dataclasses import dataclass

from app.fuzzing.reference_order import fold

# The Unicode White_Space property (PropList.txt). Not `str.isspace`, which also holds
# the information separators U+001C..U+001F: those are control characters to refuse.
WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
ALLOWED_CONTROLS = frozenset("\t\n\r")


def trim(value: str) -> str:
    """`value` without leading and trailing white space."""
    start, end = 0, len(value)
    while start < end and value[start] in WHITE_SPACE:
        start += 1
    while end > start and value[end - 1] in WHITE_SPACE:
        end -= 1
    return value[start:end]


def forbidden_character(value: str) -> str | None:
    """The first character the contract refuses in a string, if any."""
    for ch in value:
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in ALLOWED_CONTROLS) or category == "Cs":
            return ch
    return None


@dataclass(frozen=True)
class TextRules:
    """Lengths of the contract's `title` (1..255 code points after trimming)."""

    title_min_length: int = 1
    title_max_length: int = 255

    def title(self, raw: str) -> str | None:
        """The title the service stores for `raw`, or None when it must be refused."""
        value = trim(raw)
        if forbidden_character(value) is not None:
            return None
        if not self.title_min_length <= len(value) <= self.title_max_length:
            return None
        return value


def contains_folded(haystack: str, needle: str) -> bool:
    """Case- and accent-insensitive containment (the contract's `titleContains`)."""
    return fold(needle) in fold(haystack)
