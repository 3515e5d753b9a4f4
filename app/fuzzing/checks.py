"""The checks every answer goes through; each failure names the request and the answer."""

from typing import Any

from app.fuzzing.model import JSON, Entity, ExpectedPage, ListRef, World
from app.fuzzing.operations import Answer, connection_of


class FuzzFailure(AssertionError):
    """An answer that breaks the contract."""


def fail(message: str, answer: Answer, expected: Any = None) -> FuzzFailure:
    text = f"{message}\n{answer.report()}"
    if expected is not None:
        text += f"\nexpected: {expected!r}"
    return FuzzFailure(text)


def check_refused(answer: Answer, fields: frozenset[str], ref: ListRef | None = None) -> None:
    """A `VALIDATION_ERROR` naming one of `fields`, with HTTP 200 and no page."""
    if answer.status != 200:
        raise fail(f"HTTP {answer.status}, not 200", answer, sorted(fields))
    if not answer.errors:
        raise fail("no error, expected VALIDATION_ERROR", answer, sorted(fields))
    codes = [(error.get("extensions") or {}).get("code") for error in answer.errors]
    if any(code != "VALIDATION_ERROR" for code in codes):
        raise fail(f"error codes {codes}, expected VALIDATION_ERROR", answer, sorted(fields))
    extensions = answer.errors[0].get("extensions") or {}
    if extensions.get("field") not in fields:
        raise fail(
            f"`extensions.field` is {extensions.get('field')!r}, expected one of {sorted(fields)}",
            answer,
        )
    if extensions.get("status") != 400:
        raise fail(f"`extensions.status` is {extensions.get('status')!r}", answer)
    if ref is not None and connection_of(ref, answer) is not None:
        raise fail("a page beside the error", answer)


def check_succeeded(answer: Answer) -> JSON:
    """The `data` of an answer that must have no error."""
    if answer.status != 200 or answer.errors or answer.data is None:
        raise fail("expected success", answer)
    return answer.data


def node_values(node: JSON) -> JSON:
    """A node as the model spells it: a link as the linked ID."""
    return {
        name: (value.get("id") if isinstance(value, dict) else value)
        for name, value in node.items()
    }


def check_node(node: JSON, entity: Entity, answer: Answer) -> None:
    """The node's fields equal what the model knows of the entity."""
    known = {"id": entity.id, "version": entity.version, **entity.values}
    actual = node_values(node)
    differing = {
        name: (actual[name], value)
        for name, value in known.items()
        if name in actual and actual[name] != value
    }
    if differing:
        raise fail(f"node {entity.id} differs from the model (got, expected): {differing}", answer)


def check_total(total: JSON | None, count: int, cap: int | None, answer: Answer) -> None:
    """`total`: EXACT equals the model's count; AT_LEAST is a lower bound (the cap)."""
    if total is None:
        raise fail("`total` is null", answer)
    precision, value = total.get("precision"), total.get("count")
    if not isinstance(value, int) or value < 0:
        raise fail(f"`total.count` is {value!r}", answer)
    if precision == "EXACT":
        if value != count:
            raise fail(f"EXACT total {value}, the model counts {count}", answer)
        if cap is not None and count > cap:
            raise fail(f"EXACT total {value} past the cap {cap}", answer)
    elif precision == "AT_LEAST":
        if value > count:
            raise fail(f"AT_LEAST total {value}, the model counts only {count}", answer)
        if cap is not None and (value != cap or count <= cap):
            raise fail(f"AT_LEAST total {value} with the cap {cap} and {count} items", answer)
    else:
        raise fail(f"`total.precision` is {precision!r}", answer)


def check_page_shape(page: JSON, answer: Answer) -> None:
    """What every page must satisfy on its own (Relay)."""
    edges, info = page.get("edges"), page.get("pageInfo")
    if not isinstance(edges, list) or not isinstance(info, dict):
        raise fail("no `edges` or `pageInfo`", answer)
    if "nodes" in page and [edge["node"] for edge in edges] != page["nodes"]:
        raise fail("`edges.node` and `nodes` disagree", answer)
    cursors = [edge.get("cursor") for edge in edges]
    if not all(isinstance(cursor, str) and cursor for cursor in cursors):
        raise fail("an edge without a cursor", answer)
    if len(set(cursors)) != len(cursors):
        raise fail("two edges of one page share a cursor", answer)
    start, end = (cursors[0], cursors[-1]) if cursors else (None, None)
    if info.get("startCursor") != start or info.get("endCursor") != end:
        raise fail("`startCursor`/`endCursor` are not the first/last edge cursors", answer)
    for flag in ("hasNextPage", "hasPreviousPage"):
        if not isinstance(info.get(flag), bool):
            raise fail(f"`{flag}` is not a boolean", answer)


def check_page(
    world: World,
    ref: ListRef,
    answer: Answer,
    expected: ExpectedPage,
    *,
    total: bool,
    cap: int | None,
) -> JSON:
    """The answer is exactly the model's page; the page."""
    if answer.status != 200 or answer.errors:
        raise fail("expected a page", answer, expected)
    page = connection_of(ref, answer)
    if page is None:
        raise fail("no page", answer, expected)
    check_page_shape(page, answer)
    ids = [edge["node"].get("id") for edge in page["edges"]]
    if ids != expected.ids:
        raise fail("the page's items differ from the model's", answer, expected)
    for edge in page["edges"]:
        check_node(edge["node"], world.entities[edge["node"]["id"]], answer)
    info = page["pageInfo"]
    flags = (info["hasPreviousPage"], info["hasNextPage"])
    if flags != (expected.has_previous_page, expected.has_next_page):
        raise fail(f"(hasPreviousPage, hasNextPage) are {flags}", answer, expected)
    if total:
        check_total(page.get("total"), expected.count, cap, answer)
    return page
