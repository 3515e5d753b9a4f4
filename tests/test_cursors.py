"""The cursor codec: what it makes, and the cursors of the earlier format it still reads."""

import base64
import hashlib
import hmac
import uuid

from hypothesis import example, given
from hypothesis import strategies as st

from app.graphql.core.cursors import CursorCodec, Position

SCOPE, ORDERING = "integrations:0190c1c2-0000-7000-8000-000000000001", "TITLE:ASC"
POSITION = Position("billing sync \u00e9", "0190c1c2-0000-7000-8000-0000000000ff")


def _format_1(secret: str, scope: str, ordering: str, position: Position) -> str:
    """A cursor as earlier versions made them: checked with HMAC-SHA256."""
    key = hashlib.sha256(secret.encode()).digest()
    body = bytes.fromhex(position.id.replace("-", "")) + position.sort_key.encode()
    message = b"\x00".join((scope.encode(), ordering.encode(), body))
    raw = b"\x01" + hmac.digest(key, message, "sha256")[:8] + body
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def _encoded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_names_its_position_in_its_list_only() -> None:
    codec = CursorCodec("secret")
    cursor = codec.encode(SCOPE, ORDERING, POSITION)
    assert _raw(cursor)[:1] == b"\x02"
    assert codec.decode(cursor, SCOPE, ORDERING) == POSITION
    assert codec.decode(cursor, SCOPE + "x", ORDERING) is None
    assert codec.decode(cursor, SCOPE, "TITLE:DESC") is None
    assert CursorCodec("another secret").decode(cursor, SCOPE, ORDERING) is None


def test_a_cursor_of_the_earlier_format_still_decodes_in_its_list_only() -> None:
    codec = CursorCodec("secret")
    cursor = _format_1("secret", SCOPE, ORDERING, POSITION)
    assert codec.decode(cursor, SCOPE, ORDERING) == POSITION
    assert codec.decode(cursor, SCOPE + "x", ORDERING) is None
    assert CursorCodec("another secret").decode(cursor, SCOPE, ORDERING) is None


def test_a_cursor_relabelled_to_the_other_format_is_refused() -> None:
    codec = CursorCodec("secret")
    current = _raw(codec.encode(SCOPE, ORDERING, POSITION))
    earlier = _raw(_format_1("secret", SCOPE, ORDERING, POSITION))
    assert codec.decode(_encoded(b"\x01" + current[1:]), SCOPE, ORDERING) is None
    assert codec.decode(_encoded(b"\x02" + earlier[1:]), SCOPE, ORDERING) is None


SORT_KEYS = st.text(st.characters(blacklist_categories=["Cs"]))  # what UTF-8 can encode


@given(sort_key=SORT_KEYS, id=st.uuids())
def test_every_position_comes_back_from_its_cursor(sort_key: str, id: uuid.UUID) -> None:
    codec = CursorCodec("secret")
    position = Position(sort_key, str(id))
    assert codec.decode(codec.encode(SCOPE, ORDERING, position), SCOPE, ORDERING) == position


CURSOR = CursorCodec("secret").encode(SCOPE, ORDERING, POSITION)


def _near_cursors() -> st.SearchStrategy[str]:
    """A real cursor with a few characters inserted, or one replaced or removed."""
    characters = st.characters() | st.sampled_from("-_+/=A \n")
    return st.integers(0, len(CURSOR)).flatmap(
        lambda at: st.one_of(
            st.text(characters, min_size=1, max_size=4).map(
                lambda inserted: CURSOR[:at] + inserted + CURSOR[at:]
            ),
            characters.map(lambda c: CURSOR[:at] + c + CURSOR[at + 1 :]),
            st.just(CURSOR[:at] + CURSOR[at + 1 :]),
        )
    )


@given(text=st.text() | _near_cursors())
@example(text=CURSOR + "=")  # the same bytes, spelled otherwise
@example(text=CURSOR[:5] + "    " + CURSOR[5:])
def test_only_the_exact_text_of_a_cursor_decodes(text: str) -> None:
    """Any other text, near a real cursor or not, decodes to nothing: never an error,
    never a position under another spelling."""
    codec = CursorCodec("secret")
    position = codec.decode(text, SCOPE, ORDERING)
    assert position is None or codec.encode(SCOPE, ORDERING, position) == text
