"""Property-based fuzzing of every Relay connection of a GraphQL schema.

Given the executable schema, `discover_connections` finds every connection field and
derives what fuzzing it needs from the SDL; `fuzz_connection` runs a hypothesis state
machine against a running service for one of them, `fuzz_arguments` a property over
arbitrary `first`/`last`/`after`/`before`. Rules the SDL cannot carry live in a
`Registry` (`DEFAULT_REGISTRY` holds this service's). See the README, "Fuzzing
connections". Imported by tests only: it needs hypothesis.
"""

from app.fuzzing.discovery import (
    ConnectionField,
    FilterKind,
    Mutations,
    discover_connections,
    discover_mutations,
)
from app.fuzzing.driver import Driver, FuzzTarget, Unsupported
from app.fuzzing.machine import (
    ConnectionMachine,
    connection_machine,
    fuzz_arguments,
    fuzz_connection,
)
from app.fuzzing.model import ABSENT, ListRef, ModelSettings, PageRequest, World
from app.fuzzing.operations import Transport
from app.fuzzing.profiles import argument_settings, machine_settings
from app.fuzzing.registry import DEFAULT_REGISTRY, DeleteRules, OrderKey, Registry, title_order

__all__ = [
    "ABSENT",
    "DEFAULT_REGISTRY",
    "ConnectionField",
    "ConnectionMachine",
    "DeleteRules",
    "Driver",
    "FilterKind",
    "FuzzTarget",
    "ListRef",
    "ModelSettings",
    "Mutations",
    "OrderKey",
    "PageRequest",
    "Registry",
    "Transport",
    "Unsupported",
    "World",
    "argument_settings",
    "connection_machine",
    "discover_connections",
    "discover_mutations",
    "fuzz_arguments",
    "fuzz_connection",
    "machine_settings",
    "title_order",
]
