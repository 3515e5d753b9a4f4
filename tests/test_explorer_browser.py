"""The GraphiQL explorer in a real browser: headless Chromium opens a key link, runs the
example `Me` and a query over data made here, survives reloads, and takes a second key
from a link; the page asks nothing of any host but the service.

The browser is the system's Chromium (Debian's `chromium`; `CHROMIUM` names another),
driven by a Node script, tests/browser/explorer.mjs, whose package (playwright-core,
which downloads no browser) is pinned in tests/browser/package-lock.json and installed
with `npm ci` when missing. Without Chromium or Node.js the test is skipped, except
under CI (`CI=true`), where it fails.
"""

import json
import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.graphql.http import EXPLORER_QUERY
from tests import node_tools
from tests.conftest import Service
from tests.factories import create_integration, create_organization

BROWSER_DIR = Path(__file__).resolve().parent / "browser"

CREATE_KEY = """
mutation($input: IntegrationKeyCreateInput!) {
  integrationKeyCreate(input: $input) { secret }
}"""


def _chromium() -> str:
    named = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if named is None and Path("/usr/bin/chromium").is_file():
        named = "/usr/bin/chromium"
    if named is None:
        node_tools.required("Chromium is not installed", "the browser test needs `chromium`")
    return named


def _drive(service: Service, second_key: str, query: str) -> dict[str, Any]:
    chromium = _chromium()
    node = node_tools.node("the browser test drives Chromium from Node.js")
    node_tools.npm_ci(BROWSER_DIR, "playwright-core")
    assert service.actor is not None
    completed = subprocess.run(
        [node, str(BROWSER_DIR / "explorer.mjs")],
        cwd=BROWSER_DIR,
        env={
            **os.environ,
            "CHROMIUM": chromium,
            "SERVICE_URL": service.base_url,
            "EXPLORER_KEY": service.actor.token,
            "SECOND_KEY": second_key,
            "QUERY": query,
        },
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, f"explorer.mjs failed:\n{completed.stderr}"
    for key in (service.actor.token, second_key):
        assert key not in completed.stdout
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def test_the_explorer_runs_queries_in_a_browser_with_the_key_from_a_link(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    assert service.actor is not None
    organization = create_organization(service, "Explorer tenant")
    integration = create_integration(service, organization["id"], "Made for the browser")
    second_key = service.data(CREATE_KEY, {"input": {"integrationId": integration["id"]}})[
        "integrationKeyCreate"
    ]["secret"]
    me = service.data("{ me { id title } }")["me"]
    query = (
        "{ me { title } "
        f'integrations(organizationId: "{organization["id"]}", first: 10) {{ nodes {{ title }} }} }}'
    )

    with caplog.at_level(logging.INFO):
        report = _drive(service, second_key, query)

    assert report["pageErrors"] == [] and report["console"] == [], report
    assert report["title"] == "Integrations API"
    # Everything the page asked for came from the service itself.
    assert report["requests"]
    for request in report["requests"]:
        assert request["url"].startswith(f"{service.base_url}/"), request
    steps = {step["name"]: step for step in report["steps"]}
    assert list(steps) == ["link", "reload", "second reload", "second link"]
    for name, step in steps.items():
        # The key left the address bar; GraphiQL fetched the schema with it.
        assert step["url"] == f"{service.base_url}/graphql", step
        assert step["introspectionStatus"] == 200, step
        posts = [request for request in step["requests"] if request["method"] == "POST"]
        assert len(posts) >= 2, step  # the schema, then the operation
        expected = "second key" if name == "second link" else "key"
        assert {request["key"] for request in posts} == {expected}, step
    # The first load opens with the example operations; `Me` picked from the run menu.
    assert steps["link"]["editor"] == EXPLORER_QUERY
    for name in ("link", "reload", "second reload"):
        assert json.loads(steps[name]["result"]) == {
            "data": {"me": {"__typename": "Integration", **me}}
        }
    # An operation typed in, over data made here.
    assert json.loads(report["typedResult"]) == {
        "data": {
            "me": {"title": me["title"]},
            "integrations": {"nodes": [{"title": "Made for the browser"}]},
        }
    }
    # The second link's key acts as its own integration.
    assert steps["second link"]["editor"] == query
    assert json.loads(steps["second link"]["result"]) == {
        "data": {
            "me": {"title": "Made for the browser"},
            "integrations": {"nodes": [{"title": "Made for the browser"}]},
        }
    }
    # Neither key reached the service's logs (a fragment is never sent).
    for record in caplog.records:
        for key in (service.actor.token, second_key):
            assert key not in record.getMessage()
