"""Straight-line completers: one generated function per shape of selection.

The executor's short path (`app.graphql.core.execution`) still walks a selection's plan
field by field for every object: a loop, a tuple unpacked and a few branches per field,
a call and a dictionary per object. For a page of twenty integrations that walk was the
largest share of the request's own work. A completer does the same work as Python
written out by hand for that one selection would:

    def complete(source, context):
        try:
            v0 = source.id
            if type(v0) is not str: return SLOW
            v1 = source.title
            ...
            v5 = resolve_5(source, context)
            ...
            v5 = complete_5(v5, context)
            if v5 is SLOW: return SLOW
        except Exception:
            return SLOW
        return {"id": v0, "title": v1, ..., "organization": v5}

It answers only the ordinary case: every value present (or null where the field is
nullable) and of the type that serializes as it is, every object a plain one. Anything
else returns `SLOW`, and the executor completes that object by its general path, which
reports it exactly as graphql-core does; a completer's reads have no effects, so doing
them again changes nothing (a context resolver may be called twice, as its contract
says).

Completers depend on the shape of a selection alone (the type, and per field its
response name, how it is read and served, and the shape below it), never on a
document's nodes, so every request and every document with that shape shares one. They
are kept in a bounded LRU cache: a client cannot grow it without end.
"""

import keyword
from collections.abc import Callable, Mapping
from typing import Any

from cachetools import LRUCache
from graphql import Undefined

CompleteFn = Callable[[Any, Any], Any]
"""`(source, context) -> completed object, or SLOW`."""

SLOW: Any = object()
"""What a completer returns when the object needs the executor's general path."""

LEAF_UNCHANGED = "unchanged"
"""A leaf whose value is served as it is when it has exactly the given type."""
LEAF_INT = "int"
"""An Int leaf: an `int` (not a `bool`) within 32 bits is served as it is."""
LEAF_SERIALIZED = "serialized"
"""A leaf served through its type's serializer."""
TYPENAME = "typename"
OBJECT = "object"
"""An object read as an attribute, or by a context resolver."""
OBJECT_LIST = "list"

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1

FieldShape = tuple[Any, ...]
"""`(response name, kind, nullable, …kind's details)`; see `completer`."""
SelectionShape = tuple[str, tuple[FieldShape, ...]]
"""`(type name, fields)`."""

_PLAIN_BY_TYPE: dict[type, bool] = {}


def _plain(value: Any) -> bool:
    """Whether a value can be completed as an object by a completer: not a mapping (a
    completer reads attributes), an exception, a callable or an awaitable; decided once
    per type."""
    value_type = type(value)
    known = _PLAIN_BY_TYPE.get(value_type)
    if known is None:
        known = _PLAIN_BY_TYPE[value_type] = not (
            issubclass(value_type, Mapping | BaseException)
            or callable(value)
            or hasattr(value_type, "__await__")
            or value is Undefined
        )
    return known


class CompleterCache:
    """Completers by selection shape, the least recently used dropped beyond `size`."""

    def __init__(self, size: int = 1024) -> None:
        self._completers: LRUCache[SelectionShape, CompleteFn] = LRUCache(maxsize=size)

    def completer(self, shape: SelectionShape, nested: Mapping[int, CompleteFn]) -> CompleteFn:
        """The completer of `shape`; `nested` gives, by field index, the completers of
        its object fields (those are part of the shape, so any will do)."""
        found = self._completers.get(shape)
        if found is None:
            found = self._completers[shape] = _generate(shape, nested)
        return found


def _read(expression: str, attribute: str) -> str:
    if attribute.isidentifier() and not keyword.iskeyword(attribute):
        return f"{expression}.{attribute}"
    return f"getattr({expression}, {attribute!r})"


def _generate(shape: SelectionShape, nested: Mapping[int, CompleteFn]) -> CompleteFn:
    type_name, fields = shape
    namespace: dict[str, Any] = {
        "SLOW": SLOW,
        "PLAIN": _PLAIN_BY_TYPE,
        "plain": _plain,
        "Undefined": Undefined,
        "INT_MIN": _INT_MIN,
        "INT_MAX": _INT_MAX,
    }
    body: list[str] = []
    entries: list[str] = []
    for index, (response_name, kind, nullable, *details) in enumerate(fields):
        value = f"v{index}"
        entries.append(f"{response_name!r}: {value}")
        if kind == TYPENAME:
            body.append(f"{value} = {type_name!r}")
            continue
        null_check = f"{value} is not None and " if nullable else ""
        if kind == LEAF_UNCHANGED:
            attribute, value_type = details
            namespace[f"T{index}"] = value_type
            body.append(f"{value} = {_read('source', attribute)}")
            body.append(f"if {null_check}type({value}) is not T{index}: return SLOW")
        elif kind == LEAF_INT:
            (attribute,) = details
            body.append(f"{value} = {_read('source', attribute)}")
            body.append(
                f"if {null_check}(type({value}) is not int "
                f"or not INT_MIN <= {value} <= INT_MAX): return SLOW"
            )
        elif kind == LEAF_SERIALIZED:
            attribute, serialize = details
            namespace[f"serialize{index}"] = serialize
            body.append(f"{value} = {_read('source', attribute)}")
            guard = f"if {value} is not None:" if nullable else f"if {value} is None: return SLOW"
            body.append(guard)
            indent = "    " if nullable else ""
            body.append(f"{indent}if callable({value}): return SLOW")
            body.append(f"{indent}{value} = serialize{index}({value})")
            body.append(f"{indent}if {value} is None or {value} is Undefined: return SLOW")
        elif kind in (OBJECT, OBJECT_LIST):
            attribute, resolve, _nested_shape = details
            namespace[f"complete{index}"] = nested[index]
            if resolve is None:
                body.append(f"{value} = {_read('source', attribute)}")
            else:
                namespace[f"resolve{index}"] = resolve
                body.append(f"{value} = resolve{index}(source, context)")
            if nullable:
                body.append(f"if {value} is not None:")
            else:
                body.append(f"if {value} is None: return SLOW")
            indent = "    " if nullable else ""
            if kind == OBJECT:
                body.append(
                    f"{indent}if not (PLAIN.get(type({value})) or plain({value})): return SLOW"
                )
                body.append(f"{indent}{value} = complete{index}({value}, context)")
                body.append(f"{indent}if {value} is SLOW: return SLOW")
            else:
                body.append(f"{indent}if type({value}) is not list: return SLOW")
                body.append(f"{indent}items = []")
                body.append(f"{indent}for item in {value}:")
                body.append(
                    f"{indent}    if item is None or not (PLAIN.get(type(item)) or plain(item)): "
                    "return SLOW"
                )
                body.append(f"{indent}    item = complete{index}(item, context)")
                body.append(f"{indent}    if item is SLOW: return SLOW")
                body.append(f"{indent}    items.append(item)")
                body.append(f"{indent}{value} = items")
        else:
            raise ValueError(f"unknown field kind {kind!r}")
    lines = ["def complete(source, context):", "    try:"]
    lines += [f"        {line}" for line in body] or ["        pass"]
    lines += [
        "    except Exception:",
        "        return SLOW",
        f"    return {{{', '.join(entries)}}}",
    ]
    code = compile("\n".join(lines), f"<completer {type_name}>", "exec")
    exec(code, namespace)
    completer: CompleteFn = namespace["complete"]
    return completer
