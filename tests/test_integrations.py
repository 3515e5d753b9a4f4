"""Integrations through the API: create, update and delete with optimistic locking, the
text rules of `@trim` fields, the order of checks, IDs that answer NOT_FOUND and the
problem-details envelope of every error (contract sections 3 and 4)."""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import Service
from tests.factories import (
    CREATE_INTEGRATION,
    INTEGRATION_FIELDS,
    create_integration,
    create_organization,
    error_codes,
)

GET_INTEGRATION = f"query($id: ID!) {{ integration(id: $id) {{ {INTEGRATION_FIELDS} }} }}"
LIST_INTEGRATIONS = """
query($organizationId: ID!) {
  integrations(organizationId: $organizationId, first: 100) { nodes { id } }
}"""
UPDATE_INTEGRATION = f"""
mutation($input: IntegrationUpdateInput!) {{
  integrationUpdate(input: $input) {{ integration {{ {INTEGRATION_FIELDS} }} }}
}}"""
DELETE_INTEGRATION = """
mutation($input: IntegrationDeleteInput!) { integrationDelete(input: $input) { deletedId } }"""
DELETE_ORGANIZATION = """
mutation($input: OrganizationDeleteInput!) { organizationDelete(input: $input) { deletedId } }"""

# Unicode White_Space: stripped at both ends by @trim.
WHITE_SPACE = [
    pytest.param(char, id=f"U+{ord(char):04X}")
    for char in " \t\n\r\x0b\x0c\x85\xa0\u1680\u2003\u2028\u202f\u3000"
]
# Control characters (Unicode Cc) other than tab, line feed and carriage return.
CONTROL = [
    pytest.param(char, id=f"U+{ord(char):04X}")
    for char in "\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x1c\x1f\x7f\x80\x85\x9f"
]
# Control characters that are not white space: refused even at the edges.
CONTROL_NOT_WHITE_SPACE = [
    pytest.param(char, id=f"U+{ord(char):04X}") for char in "\x00\x07\x1c\x1f\x7f\x9f"
]

PROBLEMS = {
    "NOT_FOUND": (404, "Resource Not Found"),
    "VALIDATION_ERROR": (400, "Validation Error"),
    "CONFLICT": (409, "Conflict"),
}


# --- helpers --------------------------------------------------------------------------


def read_integration(service: Service, integration_id: str) -> dict[str, Any]:
    integration: dict[str, Any] = service.data(GET_INTEGRATION, {"id": integration_id})[
        "integration"
    ]
    return integration


def integration_ids(service: Service, organization_id: str) -> list[str]:
    data = service.data(LIST_INTEGRATIONS, {"organizationId": organization_id})
    return [node["id"] for node in data["integrations"]["nodes"]]


def update(service: Service, **input: Any) -> dict[str, Any]:
    return service.gql(UPDATE_INTEGRATION, {"input": input})


def delete(service: Service, integration_id: str, version: int) -> dict[str, Any]:
    return service.gql(DELETE_INTEGRATION, {"input": {"id": integration_id, "version": version}})


def create(service: Service, **input: Any) -> dict[str, Any]:
    return service.gql(CREATE_INTEGRATION, {"input": input})


def updated(service: Service, **input: Any) -> dict[str, Any]:
    result = update(service, **input)
    assert "errors" not in result, result
    integration: dict[str, Any] = result["data"]["integrationUpdate"]["integration"]
    return integration


def only_error(result: dict[str, Any], code: str) -> dict[str, Any]:
    """The one error of `result`, which must carry `code`."""
    assert error_codes(result) == [code], result
    error: dict[str, Any] = result["errors"][0]
    return error


def assert_validation_error(result: dict[str, Any], field: str, root: str) -> None:
    error = only_error(result, "VALIDATION_ERROR")
    assert error["extensions"]["field"] == field, error
    assert result["data"] == {root: None}, result


def assert_problem(error: dict[str, Any], code: str) -> None:
    """The RFC 9457 problem details every error carries in `extensions`."""
    extensions = error["extensions"]
    status, title = PROBLEMS[code]
    assert extensions["code"] == code
    assert extensions["status"] == status
    assert extensions["title"] == title
    assert isinstance(extensions["type"], str)
    assert urlparse(extensions["type"]).scheme, extensions["type"]
    assert isinstance(extensions["detail"], str)
    assert extensions["detail"].strip()
    assert extensions["instance"] == "/graphql"
    assert re.fullmatch(r"[0-9a-f]{32}", extensions["traceId"]), extensions["traceId"]
    timestamp = datetime.fromisoformat(extensions["timestamp"])
    assert timestamp.utcoffset() == timedelta(0), extensions["timestamp"]
    assert abs(datetime.now(UTC) - timestamp) < timedelta(minutes=5)
    assert isinstance(error["message"], str)
    assert error["message"]


def unknown_like(real_id: str) -> str:
    """A well-formed ID no entity has: `real_id` with other random bits."""
    replacement = "0123456789" if real_id[24:34] != "0123456789" else "9876543210"
    unknown = real_id[:24] + replacement + real_id[34:]
    assert unknown != real_id
    return unknown


def bad_id(kind: str, real_id: str, other_type_id: str, deleted_id: str) -> str:
    """An ID that must answer NOT_FOUND where `real_id` would be found."""
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


@pytest.fixture
def organization(service: Service) -> dict[str, Any]:
    return create_organization(service, "Acme")


@pytest.fixture
def integration(service: Service, organization: dict[str, Any]) -> dict[str, Any]:
    return create_integration(
        service, organization["id"], "Billing sync", credentialRef="vault://a"
    )


# --- create ---------------------------------------------------------------------------


def test_create_answers_version_1_and_active(
    service: Service, organization: dict[str, Any]
) -> None:
    created = create_integration(service, organization["id"], "Billing", credentialRef="vault://1")
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", created["id"]
    )
    assert created == {
        "id": created["id"],
        "version": 1,
        "title": "Billing",
        "credentialRef": "vault://1",
        "isActive": True,
        "organization": {"id": organization["id"], "title": "Acme"},
    }
    assert read_integration(service, created["id"]) == created
    assert integration_ids(service, organization["id"]) == [created["id"]]


@pytest.mark.parametrize("credential_ref", [{}, {"credentialRef": None}], ids=["omitted", "null"])
def test_create_without_credential_ref(
    service: Service, organization: dict[str, Any], credential_ref: dict[str, Any]
) -> None:
    created = create_integration(service, organization["id"], "Billing", **credential_ref)
    assert created["credentialRef"] is None
    assert created["version"] == 1
    assert read_integration(service, created["id"])["credentialRef"] is None


# --- update ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, {}, id="nothing"),
        pytest.param({"title": "Billing sync"}, {}, id="same-title"),
        pytest.param({"title": "Payroll"}, {"title": "Payroll"}, id="title"),
        pytest.param({"isActive": False}, {"isActive": False}, id="inactive"),
        pytest.param({"isActive": True}, {}, id="same-active"),
        pytest.param({"credentialRef": "vault://b"}, {"credentialRef": "vault://b"}, id="ref"),
        pytest.param(
            {"title": "Payroll", "credentialRef": "vault://b", "isActive": False},
            {"title": "Payroll", "credentialRef": "vault://b", "isActive": False},
            id="everything",
        ),
    ],
)
def test_update_increments_version_by_one(
    service: Service,
    integration: dict[str, Any],
    changes: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    first = updated(service, id=integration["id"], version=1, **changes)
    assert first == {**integration, **expected, "version": 2}
    assert read_integration(service, integration["id"]) == first

    second = updated(service, id=integration["id"], version=2, **changes)
    assert second == {**first, "version": 3}
    assert read_integration(service, integration["id"]) == second


def test_omitted_fields_stay(service: Service, integration: dict[str, Any]) -> None:
    after_active = updated(service, id=integration["id"], version=1, isActive=False)
    assert after_active["title"] == "Billing sync"
    assert after_active["credentialRef"] == "vault://a"
    after_title = updated(service, id=integration["id"], version=2, title="Payroll")
    assert after_title == {**integration, "title": "Payroll", "isActive": False, "version": 3}
    assert read_integration(service, integration["id"]) == after_title


def test_explicit_null_clears_credential_ref(service: Service, integration: dict[str, Any]) -> None:
    cleared = updated(service, id=integration["id"], version=1, credentialRef=None)
    assert cleared == {**integration, "credentialRef": None, "version": 2}
    assert read_integration(service, integration["id"]) == cleared


@pytest.mark.parametrize(
    ("name", "field"), [("title", "input.title"), ("isActive", "input.isActive")]
)
def test_explicit_null_for_non_null_field_is_refused(
    service: Service, integration: dict[str, Any], name: str, field: str
) -> None:
    result = update(service, id=integration["id"], version=1, **{name: None})
    assert_validation_error(result, field, "integrationUpdate")
    assert read_integration(service, integration["id"]) == integration


# --- delete ---------------------------------------------------------------------------


def test_delete_answers_deleted_id_then_not_found(
    service: Service, organization: dict[str, Any], integration: dict[str, Any]
) -> None:
    sibling = create_integration(service, organization["id"], "Sibling")
    updated(service, id=integration["id"], version=1, title="Renamed")

    result = delete(service, integration["id"], 2)
    assert result == {"data": {"integrationDelete": {"deletedId": integration["id"]}}}

    read = service.gql(GET_INTEGRATION, {"id": integration["id"]})
    only_error(read, "NOT_FOUND")
    assert read["data"] == {"integration": None}
    assert integration_ids(service, organization["id"]) == [sibling["id"]]
    only_error(delete(service, integration["id"], 2), "NOT_FOUND")
    only_error(update(service, id=integration["id"], version=2, title="Again"), "NOT_FOUND")
    assert read_integration(service, sibling["id"]) == sibling


# --- text rules -----------------------------------------------------------------------


@pytest.mark.parametrize("space", WHITE_SPACE)
def test_white_space_is_trimmed(service: Service, organization: dict[str, Any], space: str) -> None:
    created = create_integration(
        service,
        organization["id"],
        f"{space}{space}Billing sync{space}",
        credentialRef=f"{space}r1",
    )
    assert created["title"] == "Billing sync"
    assert created["credentialRef"] == "r1"

    changed = updated(
        service,
        id=created["id"],
        version=1,
        title=f"{space}Payroll{space}{space}",
        credentialRef=f"r2{space}",
    )
    assert changed["title"] == "Payroll"
    assert changed["credentialRef"] == "r2"
    assert read_integration(service, created["id"]) == changed


def test_literal_inputs_follow_the_same_rules(
    service: Service, organization: dict[str, Any], integration: dict[str, Any]
) -> None:
    """Arguments written into the document, not passed as variables."""
    create_literal = (
        "mutation { integrationCreate(input: {organizationId: %s, title: %s, credentialRef: %s})"
        " { integration { id version title credentialRef isActive } } }"
    )
    org = json.dumps(organization["id"])
    created = service.data(create_literal % (org, '"\\u3000 Lit\\t"', '"  "'))
    assert created["integrationCreate"]["integration"] == {
        "id": created["integrationCreate"]["integration"]["id"],
        "version": 1,
        "title": "Lit",
        "credentialRef": None,
        "isActive": True,
    }
    refused = service.gql(create_literal % (org, '"a\\u0007b"', "null"))
    assert_validation_error(refused, "input.title", "integrationCreate")

    update_literal = (
        "mutation { integrationUpdate(input: {id: %s, version: 1, %s})"
        " { integration { version title credentialRef } } }"
    )
    target = json.dumps(integration["id"])
    refused = service.gql(update_literal % (target, "title: null"))
    assert_validation_error(refused, "input.title", "integrationUpdate")
    assert read_integration(service, integration["id"]) == integration
    changed = service.data(update_literal % (target, "credentialRef: null"))
    assert changed["integrationUpdate"]["integration"] == {
        "version": 2,
        "title": "Billing sync",
        "credentialRef": None,
    }


@pytest.mark.parametrize("title", ["", " ", "\t\n\r ", "\u00a0\u3000\u2003\u0085"])
def test_title_empty_after_trim_is_refused(
    service: Service, organization: dict[str, Any], integration: dict[str, Any], title: str
) -> None:
    created = create(service, organizationId=organization["id"], title=title)
    assert_validation_error(created, "input.title", "integrationCreate")
    result = update(service, id=integration["id"], version=1, title=title)
    assert_validation_error(result, "input.title", "integrationUpdate")
    assert read_integration(service, integration["id"]) == integration
    assert integration_ids(service, organization["id"]) == [integration["id"]]


TITLES_OF_255 = [
    pytest.param("a" * 255, id="ascii"),
    pytest.param("\U0001f600" * 255, id="astral"),
    pytest.param("e\u0301" * 127 + "x", id="combining"),
    pytest.param("\U0001f600" * 100 + "e\u0301" * 77 + "\u00e9", id="mixed"),
    pytest.param("  " + "\u00e9" * 255 + "\u3000", id="padded"),
]
TITLES_OF_256 = [
    pytest.param("a" * 256, id="ascii"),
    pytest.param("\U0001f600" * 256, id="astral"),
    pytest.param("e\u0301" * 128, id="combining"),
    pytest.param("\U0001f600" * 100 + "e\u0301" * 78, id="mixed"),
]


@pytest.mark.parametrize("title", TITLES_OF_255)
def test_title_of_255_code_points_is_accepted(
    service: Service, organization: dict[str, Any], integration: dict[str, Any], title: str
) -> None:
    expected = title.strip(" \u3000")
    assert len(expected) == 255
    created = create_integration(service, organization["id"], title)
    assert created["title"] == expected
    assert read_integration(service, created["id"])["title"] == expected
    changed = updated(service, id=integration["id"], version=1, title=title)
    assert changed["title"] == expected
    assert read_integration(service, integration["id"])["title"] == expected


@pytest.mark.parametrize("title", TITLES_OF_256)
def test_title_of_256_code_points_is_refused(
    service: Service, organization: dict[str, Any], integration: dict[str, Any], title: str
) -> None:
    assert len(title) == 256
    created = create(service, organizationId=organization["id"], title=title)
    assert_validation_error(created, "input.title", "integrationCreate")
    result = update(service, id=integration["id"], version=1, title=title)
    assert_validation_error(result, "input.title", "integrationUpdate")
    assert read_integration(service, integration["id"]) == integration
    assert integration_ids(service, organization["id"]) == [integration["id"]]


@pytest.mark.parametrize(
    "reference",
    [
        pytest.param("r" * 1024, id="ascii"),
        pytest.param("\U0001f600" * 1024, id="astral"),
        pytest.param("e\u0301" * 512, id="combining"),
        pytest.param("\t" + "\U0001f600" * 1024 + "\u3000", id="padded"),
    ],
)
def test_credential_ref_of_1024_code_points_is_accepted(
    service: Service, organization: dict[str, Any], integration: dict[str, Any], reference: str
) -> None:
    expected = reference.strip("\t\u3000")
    assert len(expected) == 1024
    created = create_integration(service, organization["id"], credentialRef=reference)
    assert created["credentialRef"] == expected
    assert read_integration(service, created["id"])["credentialRef"] == expected
    changed = updated(service, id=integration["id"], version=1, credentialRef=reference)
    assert changed["credentialRef"] == expected


@pytest.mark.parametrize(
    "reference",
    [
        pytest.param("r" * 1025, id="ascii"),
        pytest.param("\U0001f600" * 1025, id="astral"),
        pytest.param("e\u0301" * 512 + "x", id="combining"),
    ],
)
def test_credential_ref_of_1025_code_points_is_refused(
    service: Service, organization: dict[str, Any], integration: dict[str, Any], reference: str
) -> None:
    assert len(reference) == 1025
    created = create(
        service, organizationId=organization["id"], title="Other", credentialRef=reference
    )
    assert_validation_error(created, "input.credentialRef", "integrationCreate")
    result = update(service, id=integration["id"], version=1, credentialRef=reference)
    assert_validation_error(result, "input.credentialRef", "integrationUpdate")
    assert read_integration(service, integration["id"]) == integration
    assert integration_ids(service, organization["id"]) == [integration["id"]]


@pytest.mark.parametrize("blank", ["", "   ", "\u3000\t\n\u00a0"])
def test_credential_ref_empty_after_trim_is_stored_as_null(
    service: Service, organization: dict[str, Any], integration: dict[str, Any], blank: str
) -> None:
    created = create_integration(service, organization["id"], "Other", credentialRef=blank)
    assert created["credentialRef"] is None
    assert read_integration(service, created["id"])["credentialRef"] is None
    changed = updated(service, id=integration["id"], version=1, credentialRef=blank)
    assert changed == {**integration, "credentialRef": None, "version": 2}
    assert read_integration(service, integration["id"]) == changed


@pytest.mark.parametrize(
    ("name", "field"), [("title", "input.title"), ("credentialRef", "input.credentialRef")]
)
@pytest.mark.parametrize("control", CONTROL)
def test_control_character_inside_is_refused(
    service: Service,
    organization: dict[str, Any],
    integration: dict[str, Any],
    control: str,
    name: str,
    field: str,
) -> None:
    value = f"Bill{control}ing"
    create_input = {"organizationId": organization["id"], "title": "Other", name: value}
    assert_validation_error(create(service, **create_input), field, "integrationCreate")
    result = update(service, id=integration["id"], version=1, **{name: value})
    assert_validation_error(result, field, "integrationUpdate")
    assert read_integration(service, integration["id"]) == integration
    assert integration_ids(service, organization["id"]) == [integration["id"]]


@pytest.mark.parametrize(
    ("name", "field"), [("title", "input.title"), ("credentialRef", "input.credentialRef")]
)
@pytest.mark.parametrize("control", CONTROL_NOT_WHITE_SPACE)
def test_control_character_at_the_edge_is_refused_not_trimmed(
    service: Service,
    organization: dict[str, Any],
    integration: dict[str, Any],
    control: str,
    name: str,
    field: str,
) -> None:
    for value in (f"{control}Billing", f"Billing{control}", f" {control} Billing"):
        create_input = {"organizationId": organization["id"], "title": "Other", name: value}
        assert_validation_error(create(service, **create_input), field, "integrationCreate")
        result = update(service, id=integration["id"], version=1, **{name: value})
        assert_validation_error(result, field, "integrationUpdate")
    assert read_integration(service, integration["id"]) == integration
    assert integration_ids(service, organization["id"]) == [integration["id"]]


@pytest.mark.parametrize("value", ["Line 1\nLine 2", "a\tb", "a\r\nb", "x\ry"])
def test_tab_line_feed_and_carriage_return_inside_are_accepted(
    service: Service, organization: dict[str, Any], integration: dict[str, Any], value: str
) -> None:
    created = create_integration(service, organization["id"], value, credentialRef=value)
    assert (created["title"], created["credentialRef"]) == (value, value)
    assert read_integration(service, created["id"]) == created
    changed = updated(service, id=integration["id"], version=1, title=value, credentialRef=value)
    assert (changed["title"], changed["credentialRef"]) == (value, value)


# --- order of checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_kind", "version", "changes", "code"),
    [
        pytest.param(
            "unknown", 2, {"title": "  "}, "VALIDATION_ERROR", id="blank-title+unknown-id"
        ),
        pytest.param("unknown", 9, {"title": None}, "VALIDATION_ERROR", id="null-title+unknown-id"),
        pytest.param(
            "malformed", 9, {"credentialRef": "a\x00b"}, "VALIDATION_ERROR", id="ref+malformed-id"
        ),
        pytest.param("malformed", 1, {"title": ""}, "VALIDATION_ERROR", id="blank+malformed-id"),
        pytest.param(
            "malformed", 1, {"isActive": None}, "VALIDATION_ERROR", id="null+malformed-id"
        ),
        pytest.param("real", 1, {"title": "x" * 256}, "VALIDATION_ERROR", id="long-title+stale"),
        pytest.param("real", 1, {"isActive": None}, "VALIDATION_ERROR", id="null-active+stale"),
        pytest.param("unknown", 1, {"title": "Fine"}, "NOT_FOUND", id="unknown-id+wrong-version"),
        pytest.param("malformed", 7, {}, "NOT_FOUND", id="malformed-id+wrong-version"),
        pytest.param("real", 1, {"title": "Fine"}, "CONFLICT", id="stale-version"),
        pytest.param("real", 3, {}, "CONFLICT", id="future-version"),
    ],
)
def test_update_check_order(
    service: Service,
    integration: dict[str, Any],
    id_kind: str,
    version: int,
    changes: dict[str, Any],
    code: str,
) -> None:
    current = updated(service, id=integration["id"], version=1, isActive=False)
    target = {
        "real": integration["id"],
        "unknown": unknown_like(integration["id"]),
        "malformed": "nope",
    }[id_kind]
    result = update(service, id=target, version=version, **changes)
    only_error(result, code)
    assert result["data"] == {"integrationUpdate": None}
    assert read_integration(service, integration["id"]) == current


@pytest.mark.parametrize(
    ("organization_kind", "input", "code"),
    [
        pytest.param("unknown", {"title": ""}, "VALIDATION_ERROR", id="blank-title"),
        pytest.param("malformed", {"title": "a\x07"}, "VALIDATION_ERROR", id="control-title"),
        pytest.param(
            "unknown", {"title": "Ok", "credentialRef": "r" * 1025}, "VALIDATION_ERROR", id="ref"
        ),
        pytest.param("unknown", {"title": "Ok"}, "NOT_FOUND", id="unknown-organization"),
    ],
)
def test_create_check_order(
    service: Service,
    organization: dict[str, Any],
    organization_kind: str,
    input: dict[str, Any],
    code: str,
) -> None:
    target = {"unknown": unknown_like(organization["id"]), "malformed": "nope"}[organization_kind]
    result = create(service, organizationId=target, **input)
    only_error(result, code)
    assert result["data"] == {"integrationCreate": None}
    assert integration_ids(service, organization["id"]) == []


@pytest.mark.parametrize(
    ("id_kind", "version", "code"),
    [
        pytest.param("unknown", 1, "NOT_FOUND", id="unknown-id"),
        pytest.param("unknown", 5, "NOT_FOUND", id="unknown-id+wrong-version"),
        pytest.param("real", 1, "CONFLICT", id="stale-version"),
        pytest.param("real", 3, "CONFLICT", id="future-version"),
    ],
)
def test_delete_check_order(
    service: Service, integration: dict[str, Any], id_kind: str, version: int, code: str
) -> None:
    current = updated(service, id=integration["id"], version=1, title="Renamed")
    target = integration["id"] if id_kind == "real" else unknown_like(integration["id"])
    result = delete(service, target, version)
    only_error(result, code)
    assert result["data"] == {"integrationDelete": None}
    assert read_integration(service, integration["id"]) == current


@pytest.mark.parametrize("stale", [1, 3])
def test_conflict_names_versions_and_entity(
    service: Service, integration: dict[str, Any], stale: int
) -> None:
    current = updated(service, id=integration["id"], version=1, credentialRef="vault://b")
    for result in (
        update(service, id=integration["id"], version=stale, title="Lost update"),
        delete(service, integration["id"], stale),
    ):
        error = only_error(result, "CONFLICT")
        assert_problem(error, "CONFLICT")
        extensions = error["extensions"]
        assert extensions["expectedVersion"] == stale
        assert extensions["currentVersion"] == 2
        assert extensions["entityType"] == "Integration"
        assert extensions["entityId"] == integration["id"]
    assert read_integration(service, integration["id"]) == current


# --- IDs that answer NOT_FOUND --------------------------------------------------------


def _deleted_integration_id(service: Service, organization_id: str) -> str:
    doomed = create_integration(service, organization_id, "Doomed")
    assert "errors" not in delete(service, doomed["id"], 1)
    deleted_id: str = doomed["id"]
    return deleted_id


INTEGRATION_OPERATIONS: dict[str, Callable[[Service, str], dict[str, Any]]] = {
    "integration": lambda service, id_: service.gql(GET_INTEGRATION, {"id": id_}),
    "integrationUpdate": lambda service, id_: update(service, id=id_, version=1, title="New"),
    "integrationDelete": lambda service, id_: delete(service, id_, 1),
}


@pytest.mark.parametrize("operation", list(INTEGRATION_OPERATIONS))
@pytest.mark.parametrize("kind", BAD_ID_KINDS)
def test_bad_integration_id_answers_not_found(
    service: Service,
    organization: dict[str, Any],
    integration: dict[str, Any],
    kind: str,
    operation: str,
) -> None:
    deleted_id = _deleted_integration_id(service, organization["id"])
    target = bad_id(kind, integration["id"], organization["id"], deleted_id)
    result = INTEGRATION_OPERATIONS[operation](service, target)
    error = only_error(result, "NOT_FOUND")
    assert_problem(error, "NOT_FOUND")
    assert result["data"] == {operation: None}
    assert read_integration(service, integration["id"]) == integration
    assert integration_ids(service, organization["id"]) == [integration["id"]]


@pytest.mark.parametrize("operation", ["integrations", "integrationCreate"])
@pytest.mark.parametrize("kind", BAD_ID_KINDS)
def test_bad_organization_id_answers_not_found(
    service: Service,
    organization: dict[str, Any],
    integration: dict[str, Any],
    kind: str,
    operation: str,
) -> None:
    doomed = create_organization(service, "Doomed")
    assert "errors" not in service.gql(
        DELETE_ORGANIZATION, {"input": {"id": doomed["id"], "version": 1}}
    )
    target = bad_id(kind, organization["id"], integration["id"], doomed["id"])
    if operation == "integrations":
        result = service.gql(LIST_INTEGRATIONS, {"organizationId": target})
        expected_data: Any = None  # a non-null root field: the whole `data` is null
    else:
        result = create(service, organizationId=target, title="Orphan")
        expected_data = {"integrationCreate": None}
    error = only_error(result, "NOT_FOUND")
    assert_problem(error, "NOT_FOUND")
    assert result["data"] == expected_data
    assert integration_ids(service, organization["id"]) == [integration["id"]]


# --- the error envelope ---------------------------------------------------------------


ERROR_CASES: dict[str, tuple[str, Callable[[Service, dict[str, Any]], dict[str, Any]]]] = {
    "read-not-found": (
        "NOT_FOUND",
        lambda service, item: service.gql(GET_INTEGRATION, {"id": unknown_like(item["id"])}),
    ),
    "list-not-found": (
        "NOT_FOUND",
        lambda service, item: service.gql(LIST_INTEGRATIONS, {"organizationId": "nope"}),
    ),
    "update-not-found": (
        "NOT_FOUND",
        lambda service, item: update(service, id=unknown_like(item["id"]), version=1),
    ),
    "create-not-found": (
        "NOT_FOUND",
        lambda service, item: create(service, organizationId=item["id"], title="Orphan"),
    ),
    "null-title": (
        "VALIDATION_ERROR",
        lambda service, item: update(service, id=item["id"], version=1, title=None),
    ),
    "control-character": (
        "VALIDATION_ERROR",
        lambda service, item: update(service, id=item["id"], version=1, credentialRef="\x1f"),
    ),
    "update-conflict": (
        "CONFLICT",
        lambda service, item: update(service, id=item["id"], version=5, title="x"),
    ),
    "delete-conflict": ("CONFLICT", lambda service, item: delete(service, item["id"], 0)),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_every_error_carries_problem_details(
    service: Service, integration: dict[str, Any], case: str
) -> None:
    code, run = ERROR_CASES[case]
    error = only_error(run(service, integration), code)
    assert_problem(error, code)
    assert read_integration(service, integration["id"]) == integration


def test_problem_type_is_stable_per_code(service: Service, integration: dict[str, Any]) -> None:
    types: dict[str, set[str]] = {}
    for code, run in ERROR_CASES.values():
        error = only_error(run(service, integration), code)
        types.setdefault(code, set()).add(error["extensions"]["type"])
    assert all(len(found) == 1 for found in types.values()), types
    assert len({next(iter(found)) for found in types.values()}) == len(types), types


def test_trace_id_comes_from_traceparent(service: Service, integration: dict[str, Any]) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = service.post(
        {"query": GET_INTEGRATION, "variables": {"id": unknown_like(integration["id"])}},
        headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
    )
    assert response.status_code == 200
    error = only_error(response.json(), "NOT_FOUND")
    assert_problem(error, "NOT_FOUND")
    assert error["extensions"]["traceId"] == trace_id


def test_trace_ids_differ_between_requests(service: Service) -> None:
    trace_ids = {
        only_error(service.gql(GET_INTEGRATION, {"id": "nope"}), "NOT_FOUND")["extensions"][
            "traceId"
        ]
        for _ in range(3)
    }
    assert len(trace_ids) == 3


def test_a_lone_surrogate_is_refused_and_echoed_safely(service: Service) -> None:
    organization = create_organization(service)

    def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        # JSON can carry a lone surrogate only as an escape: send the escaped text as is.
        body = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
        response = service.client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    created = post(
        CREATE_INTEGRATION, {"input": {"organizationId": organization["id"], "title": "a\ud800b"}}
    )
    assert error_codes(created) == ["VALIDATION_ERROR"]
    assert created["errors"][0]["extensions"]["field"] == "input.title"

    # The ID is named in the NOT_FOUND error; the body must still be valid JSON.
    missing = post("query($id: ID!) { integration(id: $id) { id } }", {"id": "\ud800"})
    assert error_codes(missing) == ["NOT_FOUND"]
