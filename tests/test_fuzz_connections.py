"""Every connection of the SDL, fuzzed against the running service (`app.fuzzing`).

The connections are discovered from the executable schema: a new connection in the SDL
is fuzzed here with no new test. The budget comes from `HYPOTHESIS_PROFILE`
(`app.fuzzing.profiles`): small and derandomized by default, large under `make fuzz`.
"""

import asyncio

import pytest

from app.fuzzing import (
    DEFAULT_REGISTRY,
    ConnectionField,
    Driver,
    FilterKind,
    FuzzTarget,
    discover_connections,
    discover_mutations,
    fuzz_arguments,
    fuzz_connection,
)
from app.fuzzing.model import ABSENT, PageRequest
from app.graphql.schema import build_schema
from tests.conftest import Service, _empty_tables

SCHEMA = build_schema()
CONNECTIONS = discover_connections(SCHEMA)


def fuzz_target(
    service: Service, monkeypatch: pytest.MonkeyPatch, connection: ConnectionField
) -> FuzzTarget:
    default_cap = service.settings.total_count_cap

    def set_total_count_cap(cap: int | None) -> None:
        monkeypatch.setattr(
            service.settings, "total_count_cap", default_cap if cap is None else cap
        )

    return FuzzTarget(
        schema=SCHEMA,
        connection=connection,
        transport=service,
        reset=lambda: service.act_as(asyncio.run(_empty_tables(service.settings))),
        set_total_count_cap=set_total_count_cap,
        total_count_cap=default_cap,
        connections=CONNECTIONS,
    )


def test_discovery_finds_every_connection_of_the_sdl() -> None:
    found = {connection.key: connection for connection in CONNECTIONS}
    assert sorted(found) == ["Organization.children", "Query.integrations", "Query.organizations"]
    integrations = found["Query.integrations"]
    assert integrations.node_type == "Integration"
    assert [argument.name for argument in integrations.required] == ["organizationId"]
    assert integrations.filter is not None and integrations.filter.type == "IntegrationFilter"
    assert integrations.order is not None
    assert integrations.order.values == ("TITLE",)
    assert integrations.order.default == ("TITLE", "ASC")
    children = found["Organization.children"]
    assert not children.root and children.node_type == "Organization"
    assert children.filter is not None
    kinds = {field.name: (field.kind, field.trimmed) for field in children.filter.fields}
    assert kinds == {
        "isActive": (FilterKind.EQUALS, False),
        "titleContains": (FilterKind.CONTAINS, True),
    }
    organizations = found["Query.organizations"]
    assert organizations.filter is not None
    assert {field.name: field.kind for field in organizations.filter.fields} == {
        "parentIds": FilterKind.ANY_OF_IDS,
        "isActive": FilterKind.EQUALS,
    }


@pytest.mark.parametrize("connection", CONNECTIONS, ids=str)
def test_every_connection_is_fully_fuzzable(connection: ConnectionField) -> None:
    """Nothing is left out silently: a new filter field or ordering value that no
    convention explains fails here until the registry says what it means."""
    assert connection.problems == ()
    assert connection.order is not None
    assert set(connection.order.values) <= set(DEFAULT_REGISTRY.order_keys)
    mutations = discover_mutations(SCHEMA, connection.node_type)
    assert mutations is not None and mutations.update and mutations.delete


@pytest.mark.parametrize("connection", CONNECTIONS, ids=str)
def test_connection_state_machine(
    service: Service, monkeypatch: pytest.MonkeyPatch, connection: ConnectionField
) -> None:
    fuzz_connection(fuzz_target(service, monkeypatch, connection))


@pytest.mark.parametrize("connection", CONNECTIONS, ids=str)
def test_arbitrary_page_arguments(
    service: Service, monkeypatch: pytest.MonkeyPatch, connection: ConnectionField
) -> None:
    fuzz_arguments(fuzz_target(service, monkeypatch, connection))


# --- failures fuzzing found in the service, kept as regression examples ----------------------

BY_KEY = {connection.key: connection for connection in CONNECTIONS}


@pytest.mark.parametrize("size", [2**31, -(2**31) - 1, 10**20])
@pytest.mark.parametrize("argument", ["first", "last"])
def test_page_size_beyond_32_bits_is_refused_naming_the_argument(
    service: Service, monkeypatch: pytest.MonkeyPatch, argument: str, size: int
) -> None:
    """Shrunk from `arbitrary_arguments`: `{"last": 2147483648}` on `children` was refused
    by GraphQL's variable coercion without `field`; contract section 3: a value over 100
    is a VALIDATION_ERROR naming `last`."""
    driver = Driver(fuzz_target(service, monkeypatch, BY_KEY["Query.integrations"]))
    ref = driver.fresh_list(BY_KEY["Query.integrations"])
    request = PageRequest(first=size) if argument == "first" else PageRequest(last=size)
    driver.read(ref, request)


@pytest.mark.parametrize("connection", CONNECTIONS, ids=str)
def test_titles_with_keys_longer_than_an_index_entry_keep_the_title_order(
    service: Service, monkeypatch: pytest.MonkeyPatch, connection: ConnectionField
) -> None:
    """Shrunk from the state machine: U+FDFA folds to 18 characters (33 UTF-8 bytes), and
    the service once cut keys at 2,000 bytes, ordering `<70 x U+FDFA>b` and
    `<70 x U+FDFA>a` by ID (creation); the contract orders `…a` first."""
    driver = Driver(fuzz_target(service, monkeypatch, connection))
    ref = driver.fresh_list(connection)
    for title in ["\ufdfa" * 70 + "b", "\ufdfa" * 70 + "a"]:
        driver.create(connection.node_type, title, dict(ref.bindings))
    driver.read(ref, PageRequest(first=10, order_by=ABSENT))
