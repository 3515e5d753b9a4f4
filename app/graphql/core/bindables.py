"""Bindables that say where a type's fields come from, so the schema check can prove
that every field of the SDL has a way to resolve."""

from typing import Any

from ariadne import ObjectType


class SourcedObjectType(ObjectType):
    """An `ObjectType` whose fields without a resolver read the attributes of `source`.

    `source` is the Python class of the values this type resolves from; the schema
    check (`app.graphql.coverage`) verifies it has an attribute for each such field.
    """

    def __init__(self, name: str, source: type[Any]) -> None:
        super().__init__(name)
        self.source = source
