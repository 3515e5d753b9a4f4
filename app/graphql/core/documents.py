"""Reuse of parsed and validated documents.

Clients send the same few documents over and over; parsing and running the standard
validation rules again on each is most of the cost of a small request. Parsed documents
are kept by their text, and the standard rules' verdict by document, in bounded LRU
caches. The per-request rules (the abuse limits, which read the variables) still run
every time.
"""

from collections import OrderedDict
from collections.abc import Collection
from functools import lru_cache

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    TypeInfo,
    specified_rules,
    validate,
)

from app.graphql.core.limits import parse_limited

CACHED_DOCUMENTS = 512


@lru_cache(maxsize=CACHED_DOCUMENTS)
def parse_cached(query: str, max_tokens: int) -> DocumentNode:
    """`parse_limited`, remembered: a failing parse raises again and is not kept."""
    return parse_limited(query, max_tokens)


class CachedValidator:
    """Ariadne's `query_validator`: the standard rules' verdict is kept per document
    (the same object for the same text, thanks to `parse_cached`)."""

    def __init__(self, size: int = CACHED_DOCUMENTS) -> None:
        self._size = size
        # id(document) -> (document, errors); the document is held so its id stays its own.
        self._verdicts: OrderedDict[int, tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()

    def __call__(
        self,
        schema: GraphQLSchema,
        document_ast: DocumentNode,
        rules: Collection[type[ASTValidationRule]] | None = None,
        max_errors: int | None = None,
        type_info: TypeInfo | None = None,
    ) -> list[GraphQLError]:
        document = document_ast
        custom = [rule for rule in rules or () if rule not in specified_rules]
        errors = list(self._standard_errors(schema, document, max_errors))
        if custom and not errors:
            errors += validate(schema, document, rules=custom, max_errors=max_errors)
        return errors

    def _standard_errors(
        self, schema: GraphQLSchema, document: DocumentNode, max_errors: int | None
    ) -> list[GraphQLError]:
        key = id(document)
        cached = self._verdicts.get(key)
        if cached is not None and cached[0] is document:
            self._verdicts.move_to_end(key)
            return cached[1]
        errors = validate(schema, document, rules=specified_rules, max_errors=max_errors)
        self._verdicts[key] = (document, errors)
        if len(self._verdicts) > self._size:
            self._verdicts.popitem(last=False)
        return errors
