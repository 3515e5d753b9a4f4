"""Rules for every string a client sends: trimming, length and control characters."""

import re

from app.graphql.core.errors import ValidationError

# The Unicode White_Space property. `str.strip()` would also strip the information
# separators U+001C..U+001F, which are control characters to refuse, not white space.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

# Control characters (Unicode Cc) other than tab, line feed and carriage return, and
# lone surrogates (JSON can carry them as escapes; no database can store them).
_FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

TITLE_MIN_LENGTH = 1


def trim(value: str) -> str:
    return value.strip(WHITE_SPACE)


def _refuse_forbidden_characters(value: str, field: str) -> None:
    match = _FORBIDDEN_CHARACTER.search(value)
    if match:
        kind = "lone surrogate" if "\ud800" <= match.group() <= "\udfff" else "control character"
        raise ValidationError(
            f"`{field}` must not contain the {kind} U+{ord(match.group()):04X}.", field=field
        )


def required_text(value: str, *, field: str, max_length: int) -> str:
    """A non-null string that must hold 1..max_length code points (after trimming)."""
    _refuse_forbidden_characters(value, field)
    if not TITLE_MIN_LENGTH <= len(value) <= max_length:
        raise ValidationError(
            f"`{field}` must be {TITLE_MIN_LENGTH} to {max_length} characters long "
            f"after trimming; it is {len(value)}.",
            field=field,
        )
    return value


def optional_text(value: str | None, *, field: str, max_length: int) -> str | None:
    """A nullable string of at most max_length code points; empty is stored as null."""
    if value is None:
        return None
    _refuse_forbidden_characters(value, field)
    if len(value) > max_length:
        raise ValidationError(
            f"`{field}` must be at most {max_length} characters long after trimming; "
            f"it is {len(value)}.",
            field=field,
        )
    return value or None


def filter_text(value: str | None, *, field: str) -> str | None:
    """A string a filter matches against: control characters refused, no length rule."""
    if value is not None:
        _refuse_forbidden_characters(value, field)
    return value
