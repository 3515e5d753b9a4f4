"""Hypothesis strategies for titles, filters, orderings and page arguments, derived from a
discovered connection and the model's current state."""

import string
import unicodedata
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from app.fuzzing.discovery import ConnectionField, FilterField, FilterKind
from app.fuzzing.model import ABSENT, JSON, World

# Pieces of titles that stress the ordering rule: case and accent variants (precomposed
# and combining), ties after folding, characters below the digits, ligatures that NFKD
# splits, an astral character.
FRAGMENTS = [
    "item",
    "Item",
    "ITEM",
    "éclair",
    "Eclair",
    "e\u0301clair",
    "ÉCLAIR",
    "a",
    "A",
    "Ä",
    "a\u0308",
    "b",
    "z",
    "ß",
    "ss",
    "SS",
    "\ufb01",
    "fi",
    "İ",
    "\u0131",  # dotless i
    "ǅ",
    " ",
    "  ",
    "\t",
    "\r\n",
    "-",
    "_",
    "%",
    "#",
    "/",
    "\U0001f600",
]
NON_LATIN = [
    "日本",
    "東京",
    "Ωμέγα",
    "ωμεγα",
    "ΣΊΣΥΦΟΣ",
    "Москва",
    "москва",
    "Ёлка",
    "עברית",
    "العربية",
    "हिन्दी",
    "한국어",
    "ไทย",
    "\U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522",  # Fraktur "Unicode"
]
# Digit runs: leading zeros, long numbers, other scripts' digits, digits NFKD makes.
DIGIT_RUNS = [
    "0",
    "00",
    "1",
    "2",
    "9",
    "10",
    "007",
    "0010",
    "99",
    "100",
    "12345678901234567890123",
    "\u0663",  # Arabic-Indic three
    "\u0661\u0662",  # Arabic-Indic twelve
    "\uff11\uff12",  # fullwidth twelve
    "\u00b2",  # superscript two
    "\u0966\u096f",  # Devanagari zero nine
    "\u2460",  # circled one
]
# Titles that are empty after trimming (refused).
BLANKS = ["", " ", "   ", "\t", "\n \r", "\u3000", "\xa0", "\u2003\u2009", "\x85", "\u2028", "\x0b"]
# Characters refused inside any string: controls other than tab/LF/CR, lone surrogates.
REFUSED = ["\x00", "\x01", "\x08", "\x1b", "\x1c", "\x1f", "\x7f", "\x85", "\x9f", "\ud800"]
# Characters NFKD expands many times over (a 255-character title of them folds to
# thousands of characters).
EXPANDING = ["\ufdfa", "\ufdfb", "\u337f", "\u32ff"]
ALPHABET = "aAbBeEéÉèzZ019 _%-ßΩω日\u0301"
BASE64URL = string.ascii_letters + string.digits + "-_"


def _join(parts: list[str]) -> str:
    return "".join(parts)


composed_titles = st.lists(
    st.sampled_from(FRAGMENTS + NON_LATIN + DIGIT_RUNS)
    | st.text(alphabet=ALPHABET, min_size=1, max_size=3),
    min_size=1,
    max_size=4,
).map(_join)

digit_titles = st.builds(
    lambda prefix, digits, suffix: prefix + digits + suffix,
    st.sampled_from(["", "item ", "Item ", "v", "éclair ", "日本"]),
    st.sampled_from(DIGIT_RUNS) | st.integers(0, 10**25).map(str),
    st.sampled_from(["", " a", "b", " 2", "0", ".5"]),
)

long_titles = st.one_of(
    st.builds(
        lambda ch, extra: ch * (255 + extra), st.sampled_from("a日\U0001f600é"), st.integers(-1, 1)
    ),
    st.text(alphabet="aAéÉ日本Ωω1 ", min_size=240, max_size=256),
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs", "P", "S", "M"]),
        min_size=200,
        max_size=256,
    ),
)

expanding_titles = st.builds(
    lambda ch, count, suffix: ch * count + suffix,
    st.sampled_from(EXPANDING),
    st.integers(40, 250),
    st.sampled_from(["", "a", "b", "1", "2", "Z"]),
)

refused_titles = st.one_of(
    st.sampled_from(BLANKS),
    st.builds(
        lambda before, ch, after: before + ch + after,
        st.sampled_from(["a", "Item ", ""]),
        st.sampled_from(REFUSED),
        st.sampled_from(["b", " 2", ""]),
    ),
)

padded = st.sampled_from(["", " ", "\t", "\u3000", "\xa0", "\n"])


def variants(title: str) -> st.SearchStrategy[str]:
    """Titles that collide with `title`: equal, equal after folding, or one step away."""
    nfd = unicodedata.normalize("NFD", title)
    nfc = unicodedata.normalize("NFC", title)
    simple = [title, title.upper(), title.lower(), title.swapcase(), nfd, nfc, title + "\u0301"]
    return st.one_of(
        st.sampled_from(simple),
        st.builds(lambda pad, end: pad + title + end, padded, padded),
        st.builds(lambda suffix: title + suffix, st.sampled_from(["a", "A", "1", "01", " 2"])),
        st.builds(lambda ch: title[:-1] + ch if len(title) > 1 else ch, st.sampled_from("aAzé09")),
    )


def titles(existing: Sequence[str], *, expanding: bool = True) -> st.SearchStrategy[str]:
    """Titles to create or rename to: mostly valid ones, some refused."""
    choices = [
        composed_titles,
        st.builds(lambda pad, title, end: pad + title + end, padded, composed_titles, padded),
        digit_titles,
        st.sampled_from(NON_LATIN),
        long_titles,
        refused_titles,
    ]
    if expanding:
        choices.append(expanding_titles)
    if existing:
        choices.append(st.sampled_from(sorted(set(existing))).flatmap(variants))
    return st.one_of(*choices)


def valid_titles(existing: Sequence[str], world: World, **options: Any) -> st.SearchStrategy[str]:
    rules = world.registry.text
    return titles(existing, **options).filter(lambda title: rules.title(title) is not None)


# --- filters and orderings ----------------------------------------------------------------


def _needles(existing: Sequence[str]) -> st.SearchStrategy[str]:
    """Pieces of the titles, in another case, or any short text (some refused)."""
    choices: list[st.SearchStrategy[str]] = [
        st.text(alphabet=ALPHABET, max_size=3),
        st.sampled_from([" ", "", "%", "_", "/", "\u0301", "SS", "ß", "ﬁ"]),
        st.sampled_from(REFUSED).map(lambda ch: "a" + ch),
    ]
    if existing:

        @st.composite
        def piece(draw: st.DrawFn) -> str:
            title = draw(st.sampled_from(sorted(set(existing))))
            start = draw(st.integers(0, max(len(title) - 1, 0)))
            end = draw(st.integers(start, len(title)))
            part = title[start:end]
            return draw(
                st.sampled_from([part, part.upper(), part.lower(), f" {part} ", part.swapcase()])
            )

        choices.append(piece())
    return st.one_of(*choices)


def _filter_value(
    filter_field: FilterField, world: World, existing: Sequence[str]
) -> st.SearchStrategy[Any]:
    named = filter_field.named_type
    if filter_field.kind is FilterKind.CONTAINS:
        return _needles(existing)
    if filter_field.kind is FilterKind.ANY_OF_IDS:
        known = list(world.entities)
        ids = st.sampled_from(known) if known else st.nothing()
        odd = st.sampled_from(["", "not-an-id", "00000000-0000-7000-8000-000000000001"])
        return st.lists(ids | odd, max_size=3)
    if named == "Boolean":
        return st.booleans()
    values: list[Any] = sorted(
        {
            entity.values.get(filter_field.node_field or "")
            for entity in world.entities.values()
            if isinstance(entity.values.get(filter_field.node_field or ""), str | int)
        }
    )
    one = st.sampled_from(values) if values else st.text(max_size=3)
    return st.lists(one, max_size=3) if filter_field.is_list else one


@st.composite
def filters(
    draw: st.DrawFn, connection: ConnectionField, world: World, existing: Sequence[str]
) -> Any:
    """ABSENT, null, or an object with some fields absent, null or set."""
    spec = connection.filter
    if spec is None:
        return ABSENT
    shape = draw(st.sampled_from(["absent", "null", "object", "object", "object"]))
    if shape == "absent":
        return ABSENT
    if shape == "null":
        return None
    value: JSON = {}
    for filter_field in spec.fields:
        if filter_field.kind is FilterKind.UNSUPPORTED and (
            f"{spec.type}.{filter_field.name}" not in world.registry.filter_matchers
        ):
            continue
        choice = draw(st.sampled_from(["absent", "null", "value", "value"]))
        if choice == "null":
            value[filter_field.name] = None
        elif choice == "value":
            value[filter_field.name] = draw(_filter_value(filter_field, world, existing))
    return value


def order_by_values(connection: ConnectionField, world: World) -> list[Any]:
    """Every way to ask for an ordering the model supports: absent, null, explicit."""
    order = connection.order
    if order is None:
        return [ABSENT]
    chosen: list[Any] = [ABSENT, None]
    for value in order.values:
        for direction in ("ASC", "DESC"):
            if value in world.registry.order_keys:
                chosen.append({order.field_key: value, order.direction_key: direction})
    return chosen


def spell_ordering(connection: ConnectionField, value: str, direction: str) -> list[Any]:
    """The `orderBy` arguments that ask for (value, direction)."""
    order = connection.order
    if order is None:
        return [ABSENT]
    spellings: list[Any] = [{order.field_key: value, order.direction_key: direction}]
    if order.default == (value, direction):
        spellings += [ABSENT, None]
    return spellings


# --- page arguments -----------------------------------------------------------------------

walk_sizes = st.sampled_from([1, 1, 2, 2, 3, 4, 5, 7, 20, 100])
page_sizes = st.integers(0, 6) | st.sampled_from([20, 99, 100])

BOUNDARY_INTEGERS = [-1, 0, 1, 99, 100, 101, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 2**53]
any_integers = st.one_of(
    st.sampled_from(BOUNDARY_INTEGERS),
    st.integers(-3, 120),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(),
)
"""Any integer for `first`/`last`, biased to the boundaries."""

cursor_like_strings = st.one_of(
    st.text(),
    st.text(alphabet=BASE64URL, min_size=0, max_size=80),
    st.sampled_from(["", " ", "=", "null", "0", "AQ", "AQ==", "\ud800", "\x00"]),
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Cf", "Co", "Zs", "Zl"]), max_size=8),
)
"""Any string for `after`/`before`, many of them almost cursors."""


@st.composite
def altered(draw: st.DrawFn, cursor: str) -> str:
    """`cursor` changed by one character: replaced, inserted or removed."""
    index = draw(st.integers(0, len(cursor) - 1)) if cursor else 0
    how = draw(st.sampled_from(["replace", "replace", "insert", "remove"]))
    character = draw(st.sampled_from(BASE64URL + "=+/ .é\x00") | st.characters())
    if how == "insert":
        return cursor[:index] + character + cursor[index:]
    if how == "remove" and cursor:
        return cursor[:index] + cursor[index + 1 :]
    if cursor and character == cursor[index]:
        character = "A" if character != "A" else "B"
    return cursor[:index] + character + cursor[index + 1 :]
