"""Organizations through the API: create, update and delete with optimistic locking, the
hierarchy and its delete rule, features as a set, externalId, the text rules, the order
of checks and IDs that answer NOT_FOUND (contract sections 3 and 4)."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import Service
from tests.factories import (
    CREATE_ORGANIZATION,
    ORGANIZATION_FIELDS,
    create_integration,
    create_organization,
    error_codes,
    without_actor_organization,
)

GET_ORGANIZATION = f"query($id: ID!) {{ organization(id: $id) {{ {ORGANIZATION_FIELDS} }} }}"
LIST_ORGANIZATIONS = "{ organizations(first: 100) { nodes { id } } }"
CHILDREN = """
query($id: ID!, $filter: OrganizationChildrenFilter) {
  organization(id: $id) { children(filter: $filter, first: 100) { nodes { id title } } }
}"""
UPDATE_ORGANIZATION = f"""
mutation($input: OrganizationUpdateInput!) {{
  organizationUpdate(input: $input) {{ organization {{ {ORGANIZATION_FIELDS} }} }}
}}"""
DELETE_ORGANIZATION = """
mutation($input: OrganizationDeleteInput!) { organizationDelete(input: $input) { deletedId } }"""
GET_INTEGRATION = "query($id: ID!) { integration(id: $id) { id organization { id } } }"
LIST_INTEGRATIONS = """
query($organizationId: ID!) {
  integrations(organizationId: $organizationId, first: 100) { nodes { id } }
}"""

WHITE_SPACE = [
    pytest.param(char, id=f"U+{ord(char):04X}")
    for char in " \t\n\r\x0b\x0c\x85\xa0\u1680\u2003\u2028\u202f\u3000"
]
CONTROL = [
    pytest.param(char, id=f"U+{ord(char):04X}")
    for char in "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x1c\x1f\x7f\x80\x85\x9f"
]
PROBLEMS = {
    "NOT_FOUND": (404, "Resource Not Found"),
    "VALIDATION_ERROR": (400, "Validation Error"),
    "CONFLICT": (409, "Conflict"),
}
BAD_ID_KINDS = [
    "malformed",
    "empty",
    "padded",
    "no-hyphens",
    "braced",
    "uppercase",
    "other-type",
    "unknown",
    "deleted",
]


# --- helpers --------------------------------------------------------------------------


def read_organization(service: Service, organization_id: str) -> dict[str, Any]:
    organization: dict[str, Any] = service.data(GET_ORGANIZATION, {"id": organization_id})[
        "organization"
    ]
    return organization


def organization_ids(service: Service) -> set[str]:
    """The organizations listed besides the calling actor's own (which is listed too)."""
    nodes = service.data(LIST_ORGANIZATIONS)["organizations"]["nodes"]
    return {node["id"] for node in without_actor_organization(service, nodes)}


def children_of(
    service: Service, organization_id: str, filter: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    data = service.data(CHILDREN, {"id": organization_id, "filter": filter})
    children: list[dict[str, Any]] = data["organization"]["children"]["nodes"]
    return children


def create(service: Service, **input: Any) -> dict[str, Any]:
    return service.gql(CREATE_ORGANIZATION, {"input": input})


def update(service: Service, **input: Any) -> dict[str, Any]:
    return service.gql(UPDATE_ORGANIZATION, {"input": input})


def delete(service: Service, organization_id: str, version: int) -> dict[str, Any]:
    return service.gql(DELETE_ORGANIZATION, {"input": {"id": organization_id, "version": version}})


def updated(service: Service, **input: Any) -> dict[str, Any]:
    result = update(service, **input)
    assert "errors" not in result, result
    organization: dict[str, Any] = result["data"]["organizationUpdate"]["organization"]
    return organization


def deleted(service: Service, organization_id: str, version: int) -> None:
    result = delete(service, organization_id, version)
    assert result == {"data": {"organizationDelete": {"deletedId": organization_id}}}, result


def only_error(result: dict[str, Any], code: str) -> dict[str, Any]:
    assert error_codes(result) == [code], result
    error: dict[str, Any] = result["errors"][0]
    return error


def assert_validation_error(result: dict[str, Any], field: str, root: str) -> None:
    error = only_error(result, "VALIDATION_ERROR")
    assert error["extensions"]["field"] == field, error
    assert result["data"] == {root: None}, result


def assert_not_found(result: dict[str, Any], root: str) -> None:
    assert_problem(only_error(result, "NOT_FOUND"), "NOT_FOUND")
    assert result["data"] == {root: None}, result


def assert_problem(error: dict[str, Any], code: str) -> None:
    extensions = error["extensions"]
    status, title = PROBLEMS[code]
    assert extensions["code"] == code
    assert extensions["status"] == status
    assert extensions["title"] == title
    assert urlparse(extensions["type"]).scheme, extensions["type"]
    assert isinstance(extensions["detail"], str)
    assert extensions["detail"].strip()
    assert extensions["instance"] == "/graphql"
    assert re.fullmatch(r"[0-9a-f]{32}", extensions["traceId"]), extensions["traceId"]
    timestamp = datetime.fromisoformat(extensions["timestamp"])
    assert timestamp.utcoffset() == timedelta(0), extensions["timestamp"]
    assert abs(datetime.now(UTC) - timestamp) < timedelta(minutes=5)


def unknown_like(real_id: str) -> str:
    replacement = "0123456789" if real_id[24:34] != "0123456789" else "9876543210"
    unknown = real_id[:24] + replacement + real_id[34:]
    assert unknown != real_id
    return unknown


def bad_id(kind: str, real_id: str, other_type_id: str, deleted_id: str) -> str:
    if kind == "uppercase":
        assert real_id.upper() != real_id
        return real_id.upper()
    return {
        "malformed": "nope",
        "empty": "",
        "padded": f" {real_id} ",
        "no-hyphens": real_id.replace("-", ""),
        "braced": f"{{{real_id}}}",
        "other-type": other_type_id,
        "unknown": unknown_like(real_id),
        "deleted": deleted_id,
    }[kind]


def features(organization: dict[str, Any]) -> list[str]:
    return sorted(organization["features"])


@pytest.fixture
def organization(service: Service) -> dict[str, Any]:
    return create_organization(service, "Acme", externalId="ext-1", features=["DEALER"])


# --- create ---------------------------------------------------------------------------


def test_create_answers_version_1_and_active(service: Service) -> None:
    created = create_organization(service, "Acme", externalId="crm-42", features=["WHITELABEL"])
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", created["id"]
    )
    assert created == {
        "id": created["id"],
        "version": 1,
        "title": "Acme",
        "externalId": "crm-42",
        "isActive": True,
        "features": ["WHITELABEL"],
        "parent": None,
    }
    assert read_organization(service, created["id"]) == created


@pytest.mark.parametrize(
    "optional",
    [{}, {"parentId": None, "externalId": None, "features": None}],
    ids=["omitted", "null"],
)
def test_create_with_defaults(service: Service, optional: dict[str, Any]) -> None:
    created = create_organization(service, "Acme", **optional)
    assert created == {
        "id": created["id"],
        "version": 1,
        "title": "Acme",
        "externalId": None,
        "isActive": True,
        "features": [],
        "parent": None,
    }
    assert read_organization(service, created["id"]) == created


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param([], [], id="none"),
        pytest.param(["DEALER", "DEALER"], ["DEALER"], id="duplicate"),
        pytest.param(
            ["WHITELABEL", "DEALER", "WHITELABEL", "DEALER"], ["DEALER", "WHITELABEL"], id="both"
        ),
    ],
)
def test_features_are_a_set(
    service: Service, organization: dict[str, Any], given: list[str], expected: list[str]
) -> None:
    created = create_organization(service, "Set", features=given)
    assert features(created) == expected
    assert features(read_organization(service, created["id"])) == expected
    changed = updated(service, id=organization["id"], version=1, features=given)
    assert features(changed) == expected
    assert features(read_organization(service, organization["id"])) == expected


# --- update ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, {}, id="nothing"),
        pytest.param({"title": "Acme"}, {}, id="same-title"),
        pytest.param({"title": "Globex"}, {"title": "Globex"}, id="title"),
        pytest.param({"externalId": "ext-2"}, {"externalId": "ext-2"}, id="external-id"),
        pytest.param({"isActive": False}, {"isActive": False}, id="inactive"),
        pytest.param({"features": ["DEALER"]}, {}, id="same-features"),
        pytest.param({"features": ["WHITELABEL"]}, {"features": ["WHITELABEL"]}, id="replace"),
        pytest.param({"features": []}, {"features": []}, id="no-features"),
        pytest.param(
            {"title": "Globex", "externalId": None, "isActive": False, "features": []},
            {"title": "Globex", "externalId": None, "isActive": False, "features": []},
            id="everything",
        ),
    ],
)
def test_update_increments_version_by_one(
    service: Service,
    organization: dict[str, Any],
    changes: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    first = updated(service, id=organization["id"], version=1, **changes)
    assert first == {**organization, **expected, "version": 2}
    assert read_organization(service, organization["id"]) == first

    second = updated(service, id=organization["id"], version=2, **changes)
    assert second == {**first, "version": 3}
    assert read_organization(service, organization["id"]) == second


def test_omitted_fields_stay(service: Service, organization: dict[str, Any]) -> None:
    first = updated(service, id=organization["id"], version=1, title="Globex")
    assert first == {**organization, "title": "Globex", "version": 2}
    second = updated(service, id=organization["id"], version=2, isActive=False)
    assert second == {**first, "isActive": False, "version": 3}
    third = updated(service, id=organization["id"], version=3, features=["WHITELABEL", "DEALER"])
    assert third["externalId"] == "ext-1"
    assert (third["title"], third["isActive"], third["version"]) == ("Globex", False, 4)
    assert features(third) == ["DEALER", "WHITELABEL"]
    assert read_organization(service, organization["id"]) == third


def test_explicit_null_clears_external_id(service: Service, organization: dict[str, Any]) -> None:
    cleared = updated(service, id=organization["id"], version=1, externalId=None)
    assert cleared == {**organization, "externalId": None, "version": 2}
    assert read_organization(service, organization["id"]) == cleared


@pytest.mark.parametrize("name", ["title", "isActive", "features"])
def test_explicit_null_for_non_null_field_is_refused(
    service: Service, organization: dict[str, Any], name: str
) -> None:
    result = update(service, id=organization["id"], version=1, **{name: None})
    assert_validation_error(result, f"input.{name}", "organizationUpdate")
    assert read_organization(service, organization["id"]) == organization


def test_update_does_not_move_the_organization(service: Service) -> None:
    parent = create_organization(service, "Parent")
    child = create_organization(service, "Child", parentId=parent["id"])
    changed = updated(service, id=child["id"], version=1, title="Renamed")
    assert changed["parent"] == {"id": parent["id"]}


# --- externalId and the text rules ----------------------------------------------------


@pytest.mark.parametrize("space", WHITE_SPACE)
def test_white_space_is_trimmed(service: Service, space: str) -> None:
    created = create_organization(service, f"{space}Acme{space}{space}", externalId=f"{space}e1")
    assert (created["title"], created["externalId"]) == ("Acme", "e1")
    changed = updated(
        service, id=created["id"], version=1, title=f"{space}Globex", externalId=f"e2{space}"
    )
    assert (changed["title"], changed["externalId"]) == ("Globex", "e2")
    assert read_organization(service, created["id"]) == changed


@pytest.mark.parametrize("title", ["", "  ", "\u00a0\u3000\u2003\t\n"])
def test_title_empty_after_trim_is_refused(
    service: Service, organization: dict[str, Any], title: str
) -> None:
    assert_validation_error(create(service, title=title), "input.title", "organizationCreate")
    result = update(service, id=organization["id"], version=1, title=title)
    assert_validation_error(result, "input.title", "organizationUpdate")
    assert read_organization(service, organization["id"]) == organization
    assert organization_ids(service) == {organization["id"]}


@pytest.mark.parametrize(
    ("title", "ok"),
    [
        pytest.param("\U0001f600" * 255, True, id="255-astral"),
        pytest.param("o\u0308" * 127 + "z", True, id="255-combining"),
        pytest.param("\u3000" + "\U0001f600" * 255 + " ", True, id="255-padded"),
        pytest.param("\U0001f600" * 256, False, id="256-astral"),
        pytest.param("o\u0308" * 128, False, id="256-combining"),
        pytest.param("b" * 256, False, id="256-ascii"),
    ],
)
def test_title_length_counts_code_points(
    service: Service, organization: dict[str, Any], title: str, ok: bool
) -> None:
    expected = title.strip(" \u3000")
    if ok:
        created = create_organization(service, title)
        assert created["title"] == expected
        assert read_organization(service, created["id"])["title"] == expected
        assert updated(service, id=organization["id"], version=1, title=title)["title"] == expected
        return
    assert_validation_error(create(service, title=title), "input.title", "organizationCreate")
    result = update(service, id=organization["id"], version=1, title=title)
    assert_validation_error(result, "input.title", "organizationUpdate")
    assert read_organization(service, organization["id"]) == organization
    assert organization_ids(service) == {organization["id"]}


@pytest.mark.parametrize(
    ("external_id", "ok"),
    [
        pytest.param("\U0001f600" * 1024, True, id="1024-astral"),
        pytest.param("a\u0301" * 512, True, id="1024-combining"),
        pytest.param("\n" + "x" * 1024 + "\u3000", True, id="1024-padded"),
        pytest.param("\U0001f600" * 1025, False, id="1025-astral"),
        pytest.param("a\u0301" * 512 + "b", False, id="1025-combining"),
    ],
)
def test_external_id_length_counts_code_points(
    service: Service, organization: dict[str, Any], external_id: str, ok: bool
) -> None:
    expected = external_id.strip("\n\u3000")
    if ok:
        created = create_organization(service, "Other", externalId=external_id)
        assert created["externalId"] == expected
        assert read_organization(service, created["id"])["externalId"] == expected
        changed = updated(service, id=organization["id"], version=1, externalId=external_id)
        assert changed["externalId"] == expected
        return
    result = create(service, title="Other", externalId=external_id)
    assert_validation_error(result, "input.externalId", "organizationCreate")
    result = update(service, id=organization["id"], version=1, externalId=external_id)
    assert_validation_error(result, "input.externalId", "organizationUpdate")
    assert read_organization(service, organization["id"]) == organization
    assert organization_ids(service) == {organization["id"]}


@pytest.mark.parametrize("blank", ["", " ", "\t\u3000\u00a0\n"])
def test_external_id_empty_after_trim_is_stored_as_null(
    service: Service, organization: dict[str, Any], blank: str
) -> None:
    created = create_organization(service, "Other", externalId=blank)
    assert created["externalId"] is None
    assert read_organization(service, created["id"])["externalId"] is None
    changed = updated(service, id=organization["id"], version=1, externalId=blank)
    assert changed == {**organization, "externalId": None, "version": 2}
    assert read_organization(service, organization["id"]) == changed


@pytest.mark.parametrize("name", ["title", "externalId"])
@pytest.mark.parametrize("control", CONTROL)
def test_control_character_is_refused(
    service: Service, organization: dict[str, Any], control: str, name: str
) -> None:
    for value in (f"Ac{control}me", f"Acme{control}x"):
        result = create(service, **{"title": "Other", name: value})
        assert_validation_error(result, f"input.{name}", "organizationCreate")
        result = update(service, id=organization["id"], version=1, **{name: value})
        assert_validation_error(result, f"input.{name}", "organizationUpdate")
    assert read_organization(service, organization["id"]) == organization
    assert organization_ids(service) == {organization["id"]}


@pytest.mark.parametrize("value", ["Acme\nEast", "Acme\tEast", "Acme\r\nEast"])
def test_tab_line_feed_and_carriage_return_inside_are_accepted(
    service: Service, value: str
) -> None:
    created = create_organization(service, value, externalId=value)
    assert (created["title"], created["externalId"]) == (value, value)
    assert read_organization(service, created["id"]) == created


@pytest.mark.parametrize("space", WHITE_SPACE)
def test_title_contains_is_trimmed(service: Service, space: str) -> None:
    parent = create_organization(service, "Parent")
    alpha = create_organization(service, "Alpha East", parentId=parent["id"])
    create_organization(service, "Beta West", parentId=parent["id"])
    found = children_of(service, parent["id"], {"titleContains": f"{space}alpha{space}"})
    assert [child["id"] for child in found] == [alpha["id"]]
    found = children_of(service, parent["id"], {"titleContains": f"{space}a e{space}"})
    assert [child["id"] for child in found] == [alpha["id"]]


@pytest.mark.parametrize("control", CONTROL)
def test_title_contains_refuses_control_characters(service: Service, control: str) -> None:
    parent = create_organization(service, "Parent")
    create_organization(service, "Alpha", parentId=parent["id"])
    result = service.gql(
        CHILDREN, {"id": parent["id"], "filter": {"titleContains": f"a{control}b"}}
    )
    error = only_error(result, "VALIDATION_ERROR")
    assert error["extensions"]["field"].endswith("titleContains"), error


# --- hierarchy ------------------------------------------------------------------------


def test_parent_and_children(service: Service) -> None:
    root = create_organization(service, "Root")
    first = create_organization(service, "First", parentId=root["id"])
    second = create_organization(service, "Second", parentId=root["id"])
    grandchild = create_organization(service, "Grandchild", parentId=first["id"])
    assert first["parent"] == {"id": root["id"]}
    assert read_organization(service, grandchild["id"])["parent"] == {"id": first["id"]}
    assert read_organization(service, root["id"])["parent"] is None
    assert {child["id"] for child in children_of(service, root["id"])} == {
        first["id"],
        second["id"],
    }
    assert [child["id"] for child in children_of(service, first["id"])] == [grandchild["id"]]
    assert children_of(service, second["id"]) == []


def test_delete_with_children_is_refused_until_they_are_gone(service: Service) -> None:
    parent = create_organization(service, "Parent", externalId="p")
    child = create_organization(service, "Child", parentId=parent["id"])
    integration = create_integration(service, parent["id"], "Sync")

    result = delete(service, parent["id"], 1)
    error = only_error(result, "VALIDATION_ERROR")
    assert_problem(error, "VALIDATION_ERROR")
    assert result["data"] == {"organizationDelete": None}
    assert read_organization(service, parent["id"]) == parent
    assert read_organization(service, child["id"]) == child
    assert [item["id"] for item in children_of(service, parent["id"])] == [child["id"]]
    integration_read = service.data(GET_INTEGRATION, {"id": integration["id"]})
    assert integration_read["integration"]["organization"] == {"id": parent["id"]}

    deleted(service, child["id"], 1)
    assert children_of(service, parent["id"]) == []
    deleted(service, parent["id"], 1)
    assert_not_found(service.gql(GET_ORGANIZATION, {"id": parent["id"]}), "organization")
    assert_not_found(service.gql(GET_INTEGRATION, {"id": integration["id"]}), "integration")


@pytest.mark.parametrize(
    ("version", "code"), [(1, "CONFLICT"), (2, "VALIDATION_ERROR")], ids=["stale", "current"]
)
def test_delete_checks_version_before_the_children_rule(
    service: Service, version: int, code: str
) -> None:
    parent = updated(
        service, id=create_organization(service, "Parent")["id"], version=1, title="P2"
    )
    create_organization(service, "Child", parentId=parent["id"])
    only_error(delete(service, parent["id"], version), code)
    assert read_organization(service, parent["id"]) == parent


def test_delete_removes_the_organizations_integrations(service: Service) -> None:
    doomed = create_organization(service, "Doomed")
    kept = create_organization(service, "Kept")
    doomed_integrations = [create_integration(service, doomed["id"], f"I{n}") for n in range(3)]
    kept_integration = create_integration(service, kept["id"], "Stays")

    deleted(service, doomed["id"], 1)

    for integration in doomed_integrations:
        assert_not_found(service.gql(GET_INTEGRATION, {"id": integration["id"]}), "integration")
    listing = service.gql(LIST_INTEGRATIONS, {"organizationId": doomed["id"]})
    only_error(listing, "NOT_FOUND")
    assert listing["data"] is None
    kept_ids = service.data(LIST_INTEGRATIONS, {"organizationId": kept["id"]})
    assert kept_ids["integrations"]["nodes"] == [{"id": kept_integration["id"]}]
    assert read_organization(service, kept["id"]) == kept


def test_delete_answers_deleted_id_then_not_found(
    service: Service, organization: dict[str, Any]
) -> None:
    sibling = create_organization(service, "Sibling")
    updated(service, id=organization["id"], version=1, title="Renamed")
    deleted(service, organization["id"], 2)
    assert_not_found(service.gql(GET_ORGANIZATION, {"id": organization["id"]}), "organization")
    assert organization_ids(service) == {sibling["id"]}
    assert_not_found(delete(service, organization["id"], 2), "organizationDelete")
    assert_not_found(
        update(service, id=organization["id"], version=2, title="x"), "organizationUpdate"
    )
    assert read_organization(service, sibling["id"]) == sibling


# --- order of checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_kind", "version", "changes", "code"),
    [
        pytest.param("unknown", 2, {"title": ""}, "VALIDATION_ERROR", id="blank-title+unknown"),
        pytest.param("unknown", 9, {"features": None}, "VALIDATION_ERROR", id="null-features"),
        pytest.param(
            "malformed", 9, {"externalId": "\x7f"}, "VALIDATION_ERROR", id="control+malformed"
        ),
        pytest.param("malformed", 1, {"title": "\t"}, "VALIDATION_ERROR", id="blank+malformed"),
        pytest.param("malformed", 1, {"features": None}, "VALIDATION_ERROR", id="null+malformed"),
        pytest.param("real", 1, {"isActive": None}, "VALIDATION_ERROR", id="null-active+stale"),
        pytest.param("unknown", 1, {"title": "Fine"}, "NOT_FOUND", id="unknown+wrong-version"),
        pytest.param("malformed", 7, {}, "NOT_FOUND", id="malformed+wrong-version"),
        pytest.param("real", 1, {"title": "Fine"}, "CONFLICT", id="stale-version"),
        pytest.param("real", 3, {}, "CONFLICT", id="future-version"),
    ],
)
def test_update_check_order(
    service: Service,
    organization: dict[str, Any],
    id_kind: str,
    version: int,
    changes: dict[str, Any],
    code: str,
) -> None:
    current = updated(service, id=organization["id"], version=1, isActive=False)
    target = {
        "real": organization["id"],
        "unknown": unknown_like(organization["id"]),
        "malformed": "nope",
    }[id_kind]
    result = update(service, id=target, version=version, **changes)
    only_error(result, code)
    assert result["data"] == {"organizationUpdate": None}
    assert read_organization(service, organization["id"]) == current


@pytest.mark.parametrize(
    ("input", "code"),
    [
        pytest.param({"title": " "}, "VALIDATION_ERROR", id="blank-title"),
        pytest.param({"title": "Ok", "externalId": "\x00"}, "VALIDATION_ERROR", id="control"),
        pytest.param({"title": "Ok"}, "NOT_FOUND", id="unknown-parent"),
    ],
)
@pytest.mark.parametrize("parent_kind", ["unknown", "malformed"])
def test_create_check_order(
    service: Service,
    organization: dict[str, Any],
    input: dict[str, Any],
    code: str,
    parent_kind: str,
) -> None:
    parent_id = unknown_like(organization["id"]) if parent_kind == "unknown" else "nope"
    result = create(service, parentId=parent_id, **input)
    only_error(result, code)
    assert result["data"] == {"organizationCreate": None}
    assert organization_ids(service) == {organization["id"]}


@pytest.mark.parametrize("stale", [1, 3])
def test_conflict_names_versions_and_entity(
    service: Service, organization: dict[str, Any], stale: int
) -> None:
    current = updated(service, id=organization["id"], version=1, features=[])
    for result in (
        update(service, id=organization["id"], version=stale, title="Lost update"),
        delete(service, organization["id"], stale),
    ):
        error = only_error(result, "CONFLICT")
        assert_problem(error, "CONFLICT")
        extensions = error["extensions"]
        assert extensions["expectedVersion"] == stale
        assert extensions["currentVersion"] == 2
        assert extensions["entityType"] == "Organization"
        assert extensions["entityId"] == organization["id"]
    assert read_organization(service, organization["id"]) == current


# --- IDs that answer NOT_FOUND --------------------------------------------------------


ORGANIZATION_OPERATIONS: dict[str, Callable[[Service, str], dict[str, Any]]] = {
    "organization": lambda service, id_: service.gql(GET_ORGANIZATION, {"id": id_}),
    "organizationUpdate": lambda service, id_: update(service, id=id_, version=1, title="New"),
    "organizationDelete": lambda service, id_: delete(service, id_, 1),
    "organizationCreate": lambda service, id_: create(service, parentId=id_, title="Orphan"),
}


@pytest.mark.parametrize("operation", list(ORGANIZATION_OPERATIONS))
@pytest.mark.parametrize("kind", BAD_ID_KINDS)
def test_bad_organization_id_answers_not_found(
    service: Service, organization: dict[str, Any], kind: str, operation: str
) -> None:
    integration = create_integration(service, organization["id"], "Sync")
    doomed = create_organization(service, "Doomed")
    deleted(service, doomed["id"], 1)
    target = bad_id(kind, organization["id"], integration["id"], doomed["id"])

    assert_not_found(ORGANIZATION_OPERATIONS[operation](service, target), operation)

    assert read_organization(service, organization["id"]) == organization
    assert organization_ids(service) == {organization["id"]}
    assert children_of(service, organization["id"]) == []
    still = service.data(GET_INTEGRATION, {"id": integration["id"]})["integration"]
    assert still == {"id": integration["id"], "organization": {"id": organization["id"]}}
