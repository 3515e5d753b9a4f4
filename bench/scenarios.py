"""The requests the benchmark sends, and what each needs from the data.

Every integration is read with all of its own fields and `organization { id title }`,
as the typed client's `IntegrationFields` fragment does.
"""

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

INTEGRATION_FIELDS = "id version title credentialRef isActive organization { id title }"
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
TOTAL = "total { count precision }"


def _list_document(*, deep: bool, total: bool, filter: str = "") -> str:
    after_variable = ", $after: String" if deep else ""
    after_argument = ", after: $after" if deep else ""
    filter_argument = f", filter: {filter}" if filter else ""
    return (
        f"query ($organizationId: ID!{after_variable}) {{ integrations(organizationId: "
        f"$organizationId, first: 20{after_argument}{filter_argument}) {{ edges {{ cursor node {{ "
        f"{INTEGRATION_FIELDS} }} }} {PAGE_INFO}{' ' + TOTAL if total else ''} }} }}"
    )


class Kind(Enum):
    STATIC = "static"
    """The same body every time."""
    IDS = "ids"
    """A read of one integration, cycling through IDs spread over the list."""
    CREATE = "create"
    """A new integration in the benchmark's own organization."""
    UPDATE = "update"
    """A title change of one of the benchmark's own integrations, at its current version."""


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    kind: Kind
    document: str
    has_floor: bool = True
    """Whether its SQL is replayed as the database floor."""


TYPENAME = Scenario("typename", "`{ __typename }`", Kind.STATIC, "{ __typename }", has_floor=False)
INTEGRATION = Scenario(
    "integration",
    "`integration(id)`",
    Kind.IDS,
    f"query ($id: ID!) {{ integration(id: $id) {{ {INTEGRATION_FIELDS} }} }}",
)
NODE = Scenario(
    "node",
    "`node(id)`",
    Kind.IDS,
    f"query ($id: ID!) {{ node(id: $id) {{ id ... on Integration {{ {INTEGRATION_FIELDS} }} }} }}",
)
LIST = Scenario(
    "list", "`integrations(first: 20)` + total", Kind.STATIC, _list_document(deep=False, total=True)
)
LIST_NO_TOTAL = Scenario(
    "list_no_total",
    "`integrations(first: 20)`, no total",
    Kind.STATIC,
    _list_document(deep=False, total=False),
)
# Profiled in-process only (`python -m bench profile`): what a filter adds to a list.
FILTERED = Scenario(
    "filtered",
    "`integrations(first: 20, filter: {isActive: true})` + total",
    Kind.STATIC,
    _list_document(deep=False, total=True, filter="{isActive: true}"),
)
FILTERED_NO_TOTAL = Scenario(
    "filtered_no_total",
    "`integrations(first: 20, filter: {isActive: true})`, no total",
    Kind.STATIC,
    _list_document(deep=False, total=False, filter="{isActive: true}"),
)
DEEP = Scenario("deep", "deep page + total", Kind.STATIC, _list_document(deep=True, total=True))
DEEP_NO_TOTAL = Scenario(
    "deep_no_total", "deep page, no total", Kind.STATIC, _list_document(deep=True, total=False)
)
CREATE = Scenario(
    "create",
    "`integrationCreate`",
    Kind.CREATE,
    "mutation ($input: IntegrationCreateInput!) { integrationCreate(input: $input) "
    f"{{ integration {{ {INTEGRATION_FIELDS} }} }} }}",
)
UPDATE = Scenario(
    "update",
    "`integrationUpdate`",
    Kind.UPDATE,
    "mutation ($input: IntegrationUpdateInput!) { integrationUpdate(input: $input) "
    f"{{ integration {{ {INTEGRATION_FIELDS} }} }} }}",
)

# The full matrix: every one at every worker and client count.
MATRIX = (TYPENAME, INTEGRATION, LIST, LIST_NO_TOTAL, DEEP, CREATE, UPDATE)
# The flat-cost comparison across data sizes.
FLAT = (LIST_NO_TOTAL, DEEP_NO_TOTAL, LIST, INTEGRATION, NODE)
SCENARIOS = {scenario.name: scenario for scenario in (*MATRIX, *FLAT)}

# Marks the rows the benchmark writes, so it can remove what it created.
CREATED_REFERENCE = "bench-create"


@dataclass
class Targets:
    """What the requests of one data set point at."""

    organization_id: str
    """The seeded organization whose list is read."""
    deep_cursor: str
    """`startCursor` of `last: 100`: the page after it is 80 to 100 items from the end."""
    read_ids: list[str]
    """Integrations of that organization, spread over the list."""
    writes_organization_id: str
    """The benchmark's own organization: creates and updates stay out of the list read."""
    pool: list[tuple[str, int]] = field(default_factory=list)
    """The benchmark's own integrations that updates change: (id, version)."""


def body(scenario: Scenario, targets: Targets, values: dict[str, Any]) -> dict[str, Any]:
    """The request body; `values` gives `id`, `version` and `title` where the kind needs
    them (placeholders for the load generator's templates)."""
    variables: dict[str, Any] = {}
    if scenario in (LIST, LIST_NO_TOTAL, DEEP, DEEP_NO_TOTAL):
        variables["organizationId"] = targets.organization_id
        if scenario in (DEEP, DEEP_NO_TOTAL):
            variables["after"] = targets.deep_cursor
    elif scenario.kind is Kind.IDS:
        variables["id"] = values["id"]
    elif scenario.kind is Kind.CREATE:
        variables["input"] = {
            "organizationId": targets.writes_organization_id,
            "title": values["title"],
            "credentialRef": CREATED_REFERENCE,
        }
    elif scenario.kind is Kind.UPDATE:
        variables["input"] = {
            "id": values["id"],
            "version": values["version"],
            "title": values["title"],
        }
    result: dict[str, Any] = {"query": scenario.document}
    if variables:
        result["variables"] = variables
    return result


def template(scenario: Scenario, targets: Targets) -> str:
    """The body as JSON with `@ID@`, `@V@` (a number) and `@N@` (a counter) to fill in."""
    placeholders = {"id": "@ID@", "version": "@V@", "title": "Bench @N@"}
    text = json.dumps(body(scenario, targets, placeholders), ensure_ascii=False)
    return text.replace('"@V@"', "@V@")
