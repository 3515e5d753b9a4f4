"""The `TITLE` ordering: case- and accent-insensitive, natural, total.

`title_sort_key` turns a title into a string whose code-point (and so UTF-8 byte) order
is the contract's order: fold the title (NFKD, drop combining marks, casefold), split it
into runs of decimal digits and of other characters, and compare run by run, two digit
runs by numeric value, two text runs by code point, a digit run before a text run, a
prefix first. Ties are broken by ID in the query.
"""

import re
import unicodedata
from typing import TypedDict

from app.graphql.core.text import required_text
from app.models import TITLE_MAX_LENGTH

# Marks a digit run. It sorts below every character a text run can hold: titles refuse
# control characters but tab, line feed and carriage return, and PostgreSQL refuses NUL.
_DIGIT_RUN = "\x01"
# The digit count follows the marker, as one code point, so longer numbers sort after
# shorter ones; titles are short enough that the count stays far below the surrogates.
_LENGTH_BASE = 0x20

# A B-tree index entry holds at most about 2,700 bytes on PostgreSQL, and a title of 255
# characters that NFKD expands many times over (U+FDFA is 18 characters) has a key of up
# to about 8,400. So the key is stored in two columns: its first characters, indexed
# (four UTF-8 bytes at most each), and the rest, almost always empty. Ordering by
# (head, tail) is ordering by the whole key: heads that differ decide, and a head
# shorter than the cut is the whole key.
SORT_KEY_HEAD_LENGTH = 500

_RUNS = re.compile(r"(\d+)")


def fold_title(title: str) -> str:
    """The title without case and accents: NFKD, combining marks dropped, casefolded."""
    decomposed = unicodedata.normalize("NFKD", title)
    # Combining marks are the whole General Category M (Mn, Mc and Me), not only the
    # characters with a non-zero combining class that `unicodedata.combining` reports.
    without_marks = "".join(ch for ch in decomposed if unicodedata.category(ch)[0] != "M")
    return without_marks.casefold()


def title_sort_key(title: str) -> str:
    parts: list[str] = []
    for index, run in enumerate(_RUNS.split(fold_title(title))):
        if not run:
            continue
        if index % 2:  # a digit run
            # The numeric value in ASCII digits, whatever the script; zero is "".
            digits = "".join(str(unicodedata.decimal(ch)) for ch in run).lstrip("0")
            parts.append(_DIGIT_RUN + chr(_LENGTH_BASE + len(digits)) + digits)
        else:
            parts.append(run)
    return "".join(parts)


def split_sort_key(key: str) -> tuple[str, str]:
    """The `sort_key` (indexed head) and `sort_key_tail` columns that store `key`."""
    return key[:SORT_KEY_HEAD_LENGTH], key[SORT_KEY_HEAD_LENGTH:]


class SortKeyColumns(TypedDict):
    """The ordering columns of a titled row."""

    sort_key: str
    sort_key_tail: str


class TitleColumns(SortKeyColumns):
    title: str


def sort_key_columns(title: str) -> SortKeyColumns:
    head, tail = split_sort_key(title_sort_key(title))
    return {"sort_key": head, "sort_key_tail": tail}


def title_columns(value: str, *, field: str = "input.title") -> TitleColumns:
    """The validated title of a titled row together with its ordering columns."""
    title = required_text(value, field=field, max_length=TITLE_MAX_LENGTH)
    return {"title": title, **sort_key_columns(title)}
