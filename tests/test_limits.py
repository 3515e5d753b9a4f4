"""Abuse limits: depth, cost, aliases, fragments, tokens, IDs, body size, batches, time."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import Service
from tests.factories import create_organization, error_codes


def refused_with(service: Service, query: str, code: str, variables: Any = None) -> None:
    response = service.post(
        {"query": query, "variables": variables or {}},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    assert error_codes(body) == [code], body


def nested_children(levels: int, first: int = 1) -> str:
    query = "id"
    for _ in range(levels):
        query = f"children(first: {first}) {{ nodes {{ {query} }} }}"
    return f"{{ organizations(first: {first}) {{ nodes {{ {query} }} }} }}"


def test_depth_is_limited(service: Service) -> None:
    limit = service.settings.max_query_depth
    # organizations > nodes > (children > nodes) * n > id is 3 + 2n levels deep.
    fits = (limit - 3) // 2
    assert "errors" not in service.gql(nested_children(fits))
    refused_with(service, nested_children(fits + 1), "QUERY_TOO_DEEP")


def test_depth_counts_through_fragments(service: Service) -> None:
    levels = service.settings.max_query_depth
    fragments = "".join(
        f"fragment F{i} on Organization {{ children(first: 1) {{ nodes {{ ...F{i + 1} }} }} }}\n"
        for i in range(levels)
    )
    query = (
        "{ organizations(first: 1) { nodes { ...F0 } } }\n"
        + fragments
        + f"fragment F{levels} on Organization {{ id }}"
    )
    refused_with(service, query, "QUERY_TOO_DEEP")


def test_cost_multiplies_through_nested_pages(service: Service) -> None:
    small = "{ organizations(first: 10) { nodes { children(first: 10) { nodes { id title } } } } }"
    assert "errors" not in service.gql(small)
    big = "{ organizations(first: 100) { nodes { children(first: 100) { nodes { id title } } } } }"
    refused_with(service, big, "QUERY_TOO_COMPLEX")


def test_cost_reads_page_sizes_from_variables(service: Service) -> None:
    query = """query($n: Int) {
      organizations(first: $n) { nodes { children(first: $n) { nodes { id title } } } }
    }"""
    assert "errors" not in service.gql(query, {"n": 10})
    refused_with(service, query, "QUERY_TOO_COMPLEX", {"n": 100})


def test_a_kept_verdict_follows_the_variables(service: Service) -> None:
    """Verdicts are kept per document and reading of the variables: the same document
    is measured anew when its page sizes change, and alike when they come back."""
    query = """query($n: Int) {
      organizations(first: $n) { nodes { children(first: $n) { nodes { id title } } } }
    }"""
    cases: list[tuple[dict[str, Any], bool]] = [
        ({"n": None}, False),  # the default page size
        ({}, True),  # cannot tell: the largest page size
        ({"n": 10}, False),
        ({"n": 100}, True),
        ({"n": 10}, False),
        ({"n": 100}, True),
    ]
    for variables, refused in cases:
        if refused:
            refused_with(service, query, "QUERY_TOO_COMPLEX", variables)
        else:
            assert "errors" not in service.gql(query, variables), variables


def test_aliases_are_limited(service: Service) -> None:
    limit = service.settings.max_aliases
    many = " ".join(f"a{i}: __typename" for i in range(limit + 1))
    refused_with(service, f"{{ {many} }}", "QUERY_TOO_COMPLEX")
    few = " ".join(f"a{i}: __typename" for i in range(limit))
    assert "errors" not in service.gql(f"{{ {few} }}")


def test_fragments_are_limited(service: Service) -> None:
    limit = service.settings.max_fragments
    definitions = "\n".join(f"fragment F{i} on Query {{ __typename }}" for i in range(limit + 1))
    spreads = " ".join(f"...F{i}" for i in range(limit + 1))
    refused_with(service, f"{{ {spreads} }}\n{definitions}", "QUERY_TOO_COMPLEX")


def test_tokens_are_limited(service: Service) -> None:
    tokens = service.settings.max_tokens
    refused_with(service, "{ " + "__typename " * tokens + "}", "QUERY_TOO_COMPLEX")


def test_nodes_takes_at_most_100_ids(service: Service) -> None:
    organization = create_organization(service)
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert service.data(query, {"ids": [organization["id"]] * 100})["nodes"][0] is not None
    result = service.gql(query, {"ids": [organization["id"]] * 101})
    assert error_codes(result) == ["VALIDATION_ERROR"]
    assert result["errors"][0]["extensions"]["field"] == "ids"


def test_a_large_body_is_refused_with_413(service: Service) -> None:
    padding = "x" * (service.settings.max_body_bytes + 1)
    response = service.post({"query": "{ __typename }", "variables": {"pad": padding}})
    assert response.status_code == 413
    assert error_codes(response.json()) == ["QUERY_TOO_COMPLEX"]


def test_batched_requests_are_refused(service: Service) -> None:
    response = service.post([{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400
    assert error_codes(response.json()) == ["VALIDATION_ERROR"]


def test_a_request_that_runs_too_long_is_stopped(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.graphql.core import loaders

    original = loaders.EntityLoader.batch_load_fn

    async def slow(self: loaders.EntityLoader, ids: Any) -> list[Any]:
        await asyncio.sleep(5)
        return await original(self, ids)

    organization = create_organization(service)
    monkeypatch.setattr(service.settings, "query_timeout_seconds", 0.5)
    monkeypatch.setattr(loaders.EntityLoader, "batch_load_fn", slow)
    response = service.post(
        {
            "query": "query($id: ID!) { node(id: $id) { id } }",
            "variables": {"id": organization["id"]},
        }
    )
    assert response.status_code == 400
    assert error_codes(response.json()) == ["QUERY_TOO_COMPLEX"]


def test_introspection_is_not_counted_as_deep(service: Service) -> None:
    query = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }"
    assert "errors" not in service.gql(query)


def test_limits_apply_over_get_too(service: Service) -> None:
    response = service.client.get(
        "/graphql",
        params={"query": "{ " + "__typename " * (service.settings.max_tokens + 1) + "}"},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    assert error_codes(response.json()) == ["QUERY_TOO_COMPLEX"]


def test_a_plain_client_without_limits_errors_sees_200(service: Service) -> None:
    with httpx.Client(base_url=service.base_url, headers=dict(service.client.headers)) as client:
        response = client.post("/graphql", json={"query": nested_children(20)})
    assert response.status_code == 200
    assert error_codes(response.json()) == ["QUERY_TOO_DEEP"]
