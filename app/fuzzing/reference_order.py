"""An independent reading of the contract's `TITLE` ordering (section 3, "Ordering").

Written from the contract's words, not from the service's code: fold the title (Unicode
NFKD, drop combining marks, casefold), split it into runs of digits and non-digits, and
compare run by run: two digit runs by numeric value, two text runs by code point, a digit
run before a text run, a title that is a prefix of another first. Ties are broken by ID,
compared as strings.

"Combining marks" are the characters of the Unicode general category Mark (Mn, Mc, Me);
"digits" are the decimal digits (general category Nd) of any script, valued by `int`.
"""

import unicodedata
from collections.abc import Iterable
from typing import Protocol, TypeVar

# A run: (0, value, "") for a digit run, (1, 0, text) for a text run. Tuples compare
# element by element, so a digit run (0, ...) comes before a text run (1, ...), two digit
# runs compare by value and two text runs by code point; lists of runs compare run by
# run, and a list that is a prefix of another comes first.
Run = tuple[int, int, str]
SortKey = tuple[tuple[Run, ...], str]


def fold(text: str) -> str:
    """NFKD, then every combining mark dropped, then casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return kept.casefold()


def runs(title: str) -> tuple[Run, ...]:
    """The folded title split into maximal runs of digits and of other characters."""
    result: list[Run] = []
    current: list[str] = []
    current_is_digit = False
    for ch in fold(title):
        is_digit = ch.isdecimal()
        if current and is_digit != current_is_digit:
            result.append(_run(current, current_is_digit))
            current = []
        current.append(ch)
        current_is_digit = is_digit
    if current:
        result.append(_run(current, current_is_digit))
    return tuple(result)


def _run(chars: list[str], is_digit: bool) -> Run:
    text = "".join(chars)
    if is_digit:
        return (0, int(text), "")
    return (1, 0, text)


def sort_key(title: str, item_id: str) -> SortKey:
    """The position of an item in the ascending `TITLE` order."""
    return runs(title), item_id


class Titled(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


T = TypeVar("T", bound=Titled)


def ordered(items: Iterable[T], *, descending: bool = False) -> list[T]:
    """The items in `TITLE` order; descending is the exact reverse of ascending."""
    return sorted(items, key=lambda item: sort_key(item.title, item.id), reverse=descending)


def ordered_ids(items: Iterable[T], *, descending: bool = False) -> list[str]:
    return [item.id for item in ordered(items, descending=descending)]
