"""Reuse of parsed and validated documents.

Clients send the same few documents over and over; parsing and validating each again is
most of the cost of a small request. Parsed documents are kept by their text, and
verdicts by document, in bounded LRU caches: the standard rules' verdict, and that of
every rule whose class says its verdict depends on the document alone (`document_only`,
such as the abuse limits' rule, made once per reading of the variables). Other rules
run every time.
"""

from collections.abc import Collection
from functools import lru_cache

from cachetools import LRUCache
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
    """Ariadne's `query_validator`: verdicts are kept per document (the same object for
    the same text, thanks to `parse_cached`) and rule set."""

    def __init__(self, size: int = CACHED_DOCUMENTS) -> None:
        # (id(document), rules) -> (document, errors); the document is held so that its
        # id stays its own, which bounds the verdicts as the parse cache is bounded.
        self._verdicts: LRUCache[
            tuple[int, tuple[type[ASTValidationRule], ...]],
            tuple[DocumentNode, list[GraphQLError]],
        ] = LRUCache(maxsize=size)

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
        errors = list(self._verdict(schema, document, tuple(specified_rules), max_errors))
        if errors:
            return errors
        for rule in custom:
            if getattr(rule, "document_only", False):
                errors += self._verdict(schema, document, (rule,), max_errors)
        others = [rule for rule in custom if not getattr(rule, "document_only", False)]
        if others:
            errors += validate(schema, document, rules=others, max_errors=max_errors)
        return errors

    def _verdict(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
        max_errors: int | None,
    ) -> list[GraphQLError]:
        key = (id(document), rules)
        cached = self._verdicts.get(key)
        if cached is not None and cached[0] is document:
            return cached[1]
        errors = validate(schema, document, rules=rules, max_errors=max_errors)
        self._verdicts[key] = (document, errors)
        return errors
