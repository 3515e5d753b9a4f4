"""The schema check catches SDL and resolvers that disagree."""

import pytest
from ariadne import load_schema_from_path, make_executable_schema

from app.graphql.core.bindables import SourcedObjectType
from app.graphql.core.directives import DIRECTIVES
from app.graphql.coverage import unresolvable
from app.graphql.integrations.types import integration
from app.graphql.schema import BINDABLES, SCHEMA_DIR, build_schema
from app.models import Integration


def test_the_shipped_schema_resolves_every_field() -> None:
    assert unresolvable(build_schema(), BINDABLES) == []


def test_a_field_without_resolver_or_attribute_is_reported() -> None:
    sdl = load_schema_from_path(SCHEMA_DIR) + "\nextend type Integration { secretSauce: String }"
    schema = make_executable_schema(sdl, BINDABLES, directives=DIRECTIVES, convert_names_case=True)
    assert unresolvable(schema, BINDABLES) == [
        "Integration.secretSauce: no resolver, and Integration has no attribute `secret_sauce`"
    ]


def test_a_dropped_resolver_is_reported() -> None:
    bare_integration = SourcedObjectType("Integration", Integration)
    bindables = [bare_integration if b is integration else b for b in BINDABLES]
    assert unresolvable(build_schema(), bindables) == [
        "Integration.organization: no resolver, and Integration has no attribute `organization`"
    ]


def test_a_resolver_for_a_field_the_sdl_lacks_fails_the_build() -> None:
    stray = SourcedObjectType("Integration", Integration)
    stray.set_field("notInSchema", lambda *_: None)
    with pytest.raises(ValueError, match="notInSchema"):
        make_executable_schema(load_schema_from_path(SCHEMA_DIR), [*BINDABLES, stray])
