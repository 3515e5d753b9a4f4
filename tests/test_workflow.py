"""What a consumer and an operator see around the API: the SDL URL, request logs, the
demo tree of a first run."""

import asyncio
import io
import json
import logging
from contextlib import redirect_stdout
from pathlib import Path

import httpx
import pytest
from graphql import build_schema as build_sdl_schema

from app.main import create_app
from app.settings import Settings
from tests.conftest import Service


def test_the_sdl_is_served_as_text_with_a_key(service: Service) -> None:
    response = service.client.get("/graphql/schema.graphql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql")
    schema = build_sdl_schema(response.text)
    assert schema.get_type("Integration") is not None
    with httpx.Client(base_url=service.base_url) as anonymous:
        assert anonymous.get("/graphql/schema.graphql").status_code == 401


def test_every_request_logs_one_line(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.requests"):
        service.post(
            {"query": "query Probe { __typename }"},
            headers={"traceparent": "00-" + "ab" * 16 + "-" + "cd" * 8 + "-01"},
        )
    [line] = [r.getMessage() for r in caplog.records if r.name == "app.requests"]
    assert line.startswith("POST /graphql Probe 200 ")
    assert line.endswith("traceId=" + "ab" * 16)
    assert "Bearer" not in line


def test_request_logs_can_be_json(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'log.db'}", log_json=True))

    async def probe() -> None:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://service"
            ) as client,
        ):
            await client.get("/healthz")

    with caplog.at_level(logging.INFO, logger="app.requests"), redirect_stdout(io.StringIO()):
        asyncio.run(probe())
    [line] = [r.getMessage() for r in caplog.records if r.name == "app.requests"]
    entry = json.loads(line)
    assert entry["method"] == "GET" and entry["path"] == "/healthz" and entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)


def test_a_first_run_with_demo_data_has_a_tree_to_query(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}", demo_data=True))
    output = io.StringIO()

    async def organizations() -> dict[str, object]:
        with redirect_stdout(output):
            async with app.router.lifespan_context(app):
                token = output.getvalue().split("store it now): ")[1].split()[0]
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://service"
                ) as client:
                    response = await client.post(
                        "/graphql",
                        json={
                            "query": "{ organizations(first: 20) { nodes { title } } "
                            "integrations: organizations(filter: {parentIds: []}) "
                            "{ total { count } } }"
                        },
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    result: dict[str, object] = response.json()
                    return result

    result = asyncio.run(organizations())
    titles = [node["title"] for node in result["data"]["organizations"]["nodes"]]  # type: ignore[index]
    assert titles == [
        "Acme",
        "Acme Americas",
        "Acme Europe",
        "Globex",
        "Globex Labs",
        "Initech",
        "Root",
    ]
