"""Global IDs, `node(id)` and `nodes(ids)`, and the statements they cost."""

import re
import time
import uuid
from typing import Any

import pytest

from app.graphql.core import ids as global_ids
from tests.conftest import Service
from tests.factories import (
    create_integration,
    create_organization,
    error_codes,
)

NODE_FIELDS = """
  __typename
  ... on Node { id }
  ... on Titled { title }
  ... on Versioned { version }
  ... on Actor { actorId: id actorTitle: title }
  ... on Integration { isActive credentialRef organization { id title } }
  ... on Organization { externalId isActive features parent { id } }
"""
NODE = f"query($id: ID!) {{ node(id: $id) {{ {NODE_FIELDS} }} }}"
NODES = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {NODE_FIELDS} }} }}"
NODE_IDS = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Titled { title } } }"

UUID_FORM = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


def queries(statements: list[str]) -> list[str]:
    """The statements that read or write data (SQLite's explicit BEGIN is left out)."""
    return [statement for statement in statements if not TRANSACTION_CONTROL.match(statement)]


def node(service: Service, id_: str) -> Any:
    result = service.gql(NODE, {"id": id_})
    assert "errors" not in result, result
    return result["data"]["node"]


def nodes(service: Service, ids: list[str]) -> list[Any]:
    result = service.gql(NODES, {"ids": ids})
    assert "errors" not in result, result
    answered: list[Any] = result["data"]["nodes"]
    return answered


def expected_integration(integration: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "Integration",
        "id": integration["id"],
        "title": integration["title"],
        "version": integration["version"],
        "actorId": integration["id"],
        "actorTitle": integration["title"],
        "isActive": integration["isActive"],
        "credentialRef": integration["credentialRef"],
        "organization": integration["organization"],
    }


def expected_organization(organization: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "Organization",
        "id": organization["id"],
        "title": organization["title"],
        "version": organization["version"],
        "externalId": organization["externalId"],
        "isActive": organization["isActive"],
        "features": organization["features"],
        "parent": organization["parent"],
    }


def delete_integration(service: Service, integration: dict[str, Any]) -> None:
    service.data(
        "mutation($input: IntegrationDeleteInput!) { integrationDelete(input: $input) "
        "{ deletedId } }",
        {"input": {"id": integration["id"], "version": integration["version"]}},
    )


def delete_organization(service: Service, organization: dict[str, Any]) -> None:
    service.data(
        "mutation($input: OrganizationDeleteInput!) { organizationDelete(input: $input) "
        "{ deletedId } }",
        {"input": {"id": organization["id"], "version": organization["version"]}},
    )


def unknown_like(id_: str) -> str:
    """A well-formed ID that names nothing: `id_` with its creation time moved by a few
    milliseconds (the lowest digit of UUIDv7's 48-bit timestamp), the rest kept."""
    position = 11
    digit = "0" if id_[position] != "0" else "1"
    return id_[:position] + digit + id_[position + 1 :]


# --- node(id) ---------------------------------------------------------------------------


def test_node_answers_an_integration_through_every_interface(service: Service) -> None:
    organization = create_organization(service, "Acme")
    integration = create_integration(
        service, organization["id"], "Billing sync", credentialRef="vault:billing"
    )
    assert node(service, integration["id"]) == expected_integration(integration)


def test_node_answers_an_organization_which_is_not_an_actor(service: Service) -> None:
    parent = create_organization(service, "Parent")
    organization = create_organization(
        service, "Acme", parentId=parent["id"], externalId="ext-1", features=["DEALER"]
    )
    answered = node(service, organization["id"])
    assert answered == expected_organization(organization)
    assert "actorId" not in answered
    assert answered["parent"] == {"id": parent["id"]}


def test_node_reflects_updates(service: Service) -> None:
    organization = create_organization(service, "Acme")
    integration = create_integration(service, organization["id"], "Old")
    service.data(
        "mutation($input: IntegrationUpdateInput!) { integrationUpdate(input: $input) "
        "{ integration { id } } }",
        {"input": {"id": integration["id"], "version": 1, "title": "New", "isActive": False}},
    )
    answered = node(service, integration["id"])
    assert answered["title"] == "New"
    assert answered["actorTitle"] == "New"
    assert answered["version"] == 2
    assert answered["isActive"] is False


def test_interface_typename_selection(service: Service) -> None:
    organization = create_organization(service, "Acme")
    integration = create_integration(service, organization["id"])
    data = service.data(
        "query($o: ID!, $i: ID!) { o: node(id: $o) { __typename } i: node(id: $i) "
        "{ ... on Actor { __typename } ... on Versioned { version } } }",
        {"o": organization["id"], "i": integration["id"]},
    )
    assert data == {
        "o": {"__typename": "Organization"},
        "i": {"__typename": "Integration", "version": 1},
    }


MALFORMED_IDS = [
    "nope",
    "",
    " ",
    "1",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    str(uuid.UUID(int=0x123456789ABCDEF)),
    "not-a-uuid-at-all-but-long-enough-yes",
    "0190a5b2-7c3e-7d4f-8a1b-2c3d4e5f6a0",  # one digit short
    "0190a5b2-7c3e-7d4f-8a1b-2c3d4e5f6a011",  # one digit long
    "0190a5b27c3e7d4f8a1b2c3d4e5f6a01",  # no dashes
    "{0190a5b2-7c3e-7d4f-8a1b-2c3d4e5f6a01}",
    "' OR 1=1 --",
    "\u0000",
]


@pytest.mark.parametrize("id_", MALFORMED_IDS)
def test_node_is_null_without_error_for_a_malformed_id(service: Service, id_: str) -> None:
    create_organization(service, "Acme")
    result = service.gql(NODE, {"id": id_})
    assert result == {"data": {"node": None}}


def test_node_is_null_without_error_for_random_uuids(service: Service) -> None:
    create_organization(service, "Acme")
    for candidate in (str(uuid.uuid4()), str(uuid.uuid1()), str(uuid.uuid4()).upper()):
        assert service.gql(NODE, {"id": candidate}) == {"data": {"node": None}}


def test_node_is_null_without_error_for_an_unknown_id(service: Service) -> None:
    organization = create_organization(service, "Acme")
    integration = create_integration(service, organization["id"])
    for id_ in (organization["id"], integration["id"]):
        unknown = unknown_like(id_)
        assert unknown != id_
        assert service.gql(NODE, {"id": unknown}) == {"data": {"node": None}}


def test_node_is_null_without_error_for_deleted_entities(service: Service) -> None:
    organization = create_organization(service, "Acme")
    kept = create_integration(service, organization["id"], "Kept")
    integration = create_integration(service, organization["id"], "Gone")
    delete_integration(service, integration)
    assert service.gql(NODE, {"id": integration["id"]}) == {"data": {"node": None}}
    assert node(service, kept["id"])["title"] == "Kept"

    delete_organization(service, organization)
    for id_ in (organization["id"], kept["id"]):
        assert service.gql(NODE, {"id": id_}) == {"data": {"node": None}}


def test_ids_of_another_type_are_not_found_in_typed_fields(service: Service) -> None:
    organization = create_organization(service, "Acme")
    integration = create_integration(service, organization["id"])
    result = service.gql(
        "query($o: ID!, $i: ID!) { integration(id: $o) { id } organization(id: $i) { id } }",
        {"o": organization["id"], "i": integration["id"]},
    )
    assert result["data"] == {"integration": None, "organization": None}
    assert error_codes(result) == ["NOT_FOUND", "NOT_FOUND"]


# --- nodes(ids) -------------------------------------------------------------------------


def test_nodes_answers_in_input_order_with_nulls_and_duplicates(service: Service) -> None:
    first = create_organization(service, "First")
    second = create_organization(service, "Second")
    integration = create_integration(service, second["id"], "Sync")
    gone = create_integration(service, second["id"], "Gone")
    delete_integration(service, gone)
    ids = [
        integration["id"],
        "nope",
        second["id"],
        first["id"],
        gone["id"],
        integration["id"],
        unknown_like(first["id"]),
        first["id"],
    ]
    assert nodes(service, ids) == [
        expected_integration(integration),
        None,
        expected_organization(second),
        expected_organization(first),
        None,
        expected_integration(integration),
        None,
        expected_organization(first),
    ]


def test_nodes_of_nothing(service: Service) -> None:
    assert nodes(service, []) == []
    assert nodes(service, ["nope", ""]) == [None, None]


def test_nodes_reversed_input_gives_reversed_output(service: Service) -> None:
    organization = create_organization(service, "Acme")
    created = [create_integration(service, organization["id"], f"i{n}") for n in range(5)]
    ids = [organization["id"], *(integration["id"] for integration in created)]
    forward = nodes(service, ids)
    backward = nodes(service, ids[::-1])
    assert [answer["id"] for answer in forward] == ids
    assert backward == forward[::-1]


# --- the form of IDs --------------------------------------------------------------------


def test_ids_are_lowercase_uuid_version_7(service: Service) -> None:
    organization = create_organization(service, "Acme")
    child = create_organization(service, "Child", parentId=organization["id"])
    integration = create_integration(service, organization["id"])
    for id_ in (organization["id"], child["id"], integration["id"]):
        assert UUID_FORM.match(id_), id_
        parsed = uuid.UUID(id_)
        assert str(parsed) == id_
        assert parsed.variant == uuid.RFC_4122, id_
        assert parsed.version == 7, id_


def test_ids_are_unique_across_types(service: Service) -> None:
    organizations = [create_organization(service, f"o{n}") for n in range(10)]
    integrations = [
        create_integration(service, organization["id"], f"i{n}")
        for n, organization in enumerate(organizations)
    ]
    ids = [entity["id"] for entity in (*organizations, *integrations)]
    assert len(set(ids)) == len(ids)
    answered = nodes(service, ids)
    assert [entity["__typename"] for entity in answered] == ["Organization"] * 10 + [
        "Integration"
    ] * 10


def test_ids_are_time_ordered(service: Service) -> None:
    organization = create_organization(service, "Root")
    ids = [organization["id"]]
    for n in range(6):
        time.sleep(0.003)
        if n % 2:
            ids.append(create_organization(service, f"o{n}")["id"])
        else:
            ids.append(create_integration(service, organization["id"], f"i{n}")["id"])
    assert ids == sorted(ids)
    timestamps = [uuid.UUID(id_).int >> 80 for id_ in ids]
    assert timestamps == sorted(timestamps)
    assert abs(timestamps[-1] - time.time() * 1000) < 60_000


def test_ids_made_in_one_millisecond_increase() -> None:
    """Within one millisecond, and when the clock steps back, each new ID is greater than
    the one before (rows created one after another sort in that order among equal
    titles; with random bits alone, two rows of one millisecond sorted by chance), and
    keeps its form and its type."""
    readings = [2_000_000_000_000] * 400 + [1_999_999_999_000] * 200
    maker = global_ids.IdMaker(clock=iter(readings).__next__)
    made = []
    for entity_type in ("Organization", "Integration") * (len(readings) // 2):
        made.append((entity_type, maker.new_id(entity_type)))
    values = [uuid.UUID(id_).int for _, id_ in made]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert {value >> 80 for value in values} == {2_000_000_000_000}
    for entity_type, id_ in made:
        assert global_ids.decode_id(id_) == global_ids.GlobalId(entity_type, id_)


# --- statements -------------------------------------------------------------------------


def test_nodes_of_twenty_mixed_ids_is_one_statement_per_type(service: Service) -> None:
    organizations = [create_organization(service, f"o{n:02}") for n in range(10)]
    integrations = [
        create_integration(service, organization["id"], f"i{n:02}")
        for n, organization in enumerate(organizations)
    ]
    ids = [
        entity["id"] for pair in zip(organizations, integrations, strict=True) for entity in pair
    ]
    assert len(ids) == 20
    with service.count_statements() as statements:
        data = service.data(NODE_IDS, {"ids": ids})
    assert [answer["id"] for answer in data["nodes"]] == ids
    assert len(queries(statements)) <= 2, statements

    with service.count_statements() as statements:
        data = service.data(NODE_IDS, {"ids": ids[:2]})
    assert len(queries(statements)) <= 2, statements


def test_nodes_of_one_type_is_one_statement(service: Service) -> None:
    organizations = [create_organization(service, f"o{n:02}") for n in range(20)]
    ids = [organization["id"] for organization in organizations]
    with service.count_statements() as statements:
        service.data(NODE_IDS, {"ids": [*ids, "nope", *ids[:3]]})
    assert len(queries(statements)) == 1, statements


INTEGRATIONS_WITH_ORGANIZATION = """
query($org: ID!, $first: Int, $after: String) {
  integrations(organizationId: $org, first: $first, after: $after) {
    nodes { id organization { id title } }
    pageInfo { endCursor hasNextPage hasPreviousPage }
  }
}
"""


def _integrations_statements(
    service: Service, organization_id: str, first: int, after: str | None = None
) -> tuple[int, str | None]:
    """The statements of one page with `organization` selected, and its end cursor."""
    variables = {"org": organization_id, "first": first, "after": after}
    with service.count_statements() as statements:
        data = service.data(INTEGRATIONS_WITH_ORGANIZATION, variables)
    listed = data["integrations"]["nodes"]
    assert listed and len(listed) <= first
    assert all(item["organization"]["id"] == organization_id for item in listed)
    return len(queries(statements)), data["integrations"]["pageInfo"]["endCursor"]


def test_statements_per_page_are_constant_in_page_size_and_data_size(service: Service) -> None:
    """The organization, then the page: two statements for a page of 1, 20 or 100 of a
    list of 1, 20 or 100 items, after a cursor too (`hasPreviousPage` is a column of the
    page's statement). Never one per item."""
    sizes = (1, 20, 100)
    organizations = [create_organization(service, f"Org {size}") for size in sizes]
    for size, organization in zip(sizes, organizations, strict=True):
        for n in range(size):
            create_integration(service, organization["id"], f"i{n:03}")
    costs = {
        (items, first): _integrations_statements(service, organization["id"], first)[0]
        for items, organization in zip(sizes, organizations, strict=True)
        for first in sizes
    }
    assert set(costs.values()) == {2}, costs
    largest = organizations[-1]["id"]
    _, cursor = _integrations_statements(service, largest, 1)
    deep = {first: _integrations_statements(service, largest, first, cursor)[0] for first in sizes}
    assert set(deep.values()) == {2}, deep


@pytest.mark.parametrize(
    "document",
    [
        "query($org: ID!) { a: integrations(organizationId: $org, first: 1) { nodes { id } }"
        " b: integrations(organizationId: $org, first: 2) { nodes { id } } }",
        "query($org: ID!) { integrations(organizationId: $org) { nodes { id } }"
        " organization(id: $org) { id } }",
        "query($org: ID!) { organization(id: $org) { id }"
        " integrations(organizationId: $org) { nodes { id } } }",
    ],
    ids=["two-lists", "list-then-organization", "organization-then-list"],
)
def test_root_fields_on_one_organization_load_it_once(service: Service, document: str) -> None:
    """Root fields run concurrently: whichever asks second waits for the first's load."""
    organization = create_organization(service, "Acme")
    for n in range(3):
        create_integration(service, organization["id"], f"i{n}")
    with service.count_statements() as statements:
        service.data(document, {"org": organization["id"]})
    lists = document.count("integrations(")
    organization_reads = [
        statement
        for statement in queries(statements)
        if re.search(r"FROM organizations\s+WHERE organizations\.id (=|IN) ", statement)
    ]
    assert len(organization_reads) == 1, statements
    assert len(queries(statements)) == 1 + lists, statements


def test_an_empty_page_after_a_cursor_asks_its_flag_on_its_own(service: Service) -> None:
    """No row carries the `hasPreviousPage` column past the end: one statement more."""
    organization = create_organization(service, "Acme")
    for n in range(2):
        create_integration(service, organization["id"], f"i{n}")
    variables = {"org": organization["id"], "first": 2}
    end = service.data(INTEGRATIONS_WITH_ORGANIZATION, variables)["integrations"]["pageInfo"]
    with service.count_statements() as statements:
        data = service.data(
            INTEGRATIONS_WITH_ORGANIZATION, {**variables, "after": end["endCursor"]}
        )
    page = data["integrations"]
    assert page["nodes"] == []
    assert page["pageInfo"] == {"endCursor": None, "hasNextPage": False, "hasPreviousPage": True}
    assert len(queries(statements)) == 3, statements


LOOKUPS = {
    "integration": "query($id: ID!) { integration(id: $id) { id title version isActive } }",
    "node": "query($id: ID!) { node(id: $id) { id ... on Integration { title isActive } } }",
}


@pytest.mark.parametrize("field", LOOKUPS)
def test_a_lookup_by_id_is_one_statement_by_primary_key(service: Service, field: str) -> None:
    organization = create_organization(service, "Acme")
    integrations = [create_integration(service, organization["id"], f"i{n}") for n in range(30)]
    wanted = integrations[17]["id"]
    with service.count_statements() as statements:
        data = service.data(LOOKUPS[field], {"id": wanted})
    assert data[field]["id"] == wanted
    assert len(queries(statements)) == 1, queries(statements)
    [statement] = queries(statements)
    assert re.search(r"WHERE integrations\.id (=|IN) ", statement), statement
