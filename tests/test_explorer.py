"""The GraphiQL explorer without a browser: the page loads nothing but the service's own
files, those files are served with their types and cached for good, the vendored
bundles are the pinned packages' files, and the first start and the command line print
links that open the explorer with a key. tests/test_explorer_browser.py runs the page.
"""

import asyncio
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.graphql.explorer import ASSET_PATH, STATIC_DIR, VENDOR_DIR, explorer_url
from app.graphql.http import EXPLORER_QUERY
from app.main import create_app
from app.settings import Settings
from app.tools import explorer_assets
from tests.conftest import Service

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _page(service: Service) -> str:
    response = service.client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def _referenced(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', page)


def test_the_page_loads_only_the_services_own_files(service: Service) -> None:
    page = _page(service)
    urls = _referenced(page)
    assert urls, page
    files = [url for url in urls if url != "data:,"]  # the empty favicon
    assert all(url.startswith(f"{ASSET_PATH}/") for url in files), urls
    names = {url.removeprefix(f"{ASSET_PATH}/").split("?")[0] for url in files}
    assert names == {
        "graphiql.min.css",
        "explorer.css",
        "explorer.js",
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
    }
    assert "http://" not in page and "https://" not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    directives = dict(item.strip().split(" ", 1) for item in policy.group(1).split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"


def test_the_page_opens_with_the_example_operations(service: Service) -> None:
    page = _page(service)
    assert "<title>Integrations API</title>" in page
    config = re.search(r'<script id="explorer-config" type="application/json">(.*?)</script>', page)
    assert config is not None
    assert json.loads(config.group(1)) == {"endpoint": "/graphql", "defaultQuery": EXPLORER_QUERY}


def test_files_are_served_with_their_type_and_cached_for_good(service: Service) -> None:
    for url in _referenced(_page(service)):
        if not url.startswith(ASSET_PATH):
            continue
        response = service.client.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        name = url.removeprefix(f"{ASSET_PATH}/").split("?")[0]
        expected_type = "text/css" if name.endswith(".css") else "text/javascript"
        assert response.headers["content-type"] == f"{expected_type}; charset=utf-8"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-encoding" not in response.headers
        # The URL names the content, so a new version has a new URL.
        digest = hashlib.sha256(response.content).hexdigest()
        assert url.endswith(f"?v={digest[:16]}")
        source = VENDOR_DIR / name if (VENDOR_DIR / name).is_file() else STATIC_DIR / name
        assert response.content == source.read_bytes()


def test_files_are_compressed_when_accepted_and_revalidated(service: Service) -> None:
    path = f"{ASSET_PATH}/graphiql.min.js"
    plain = service.client.get(path, headers={"Accept-Encoding": "identity"})
    with service.new_client() as client:
        raw = client.build_request("GET", path, headers={"Accept-Encoding": "gzip, br"})
        compressed = client.send(raw, stream=True)
        body = compressed.read()  # decoded by httpx
        assert compressed.headers["content-encoding"] == "gzip"
        assert int(compressed.headers["content-length"]) < len(plain.content) / 2
        compressed.close()
    assert body == plain.content
    assert compressed.headers["etag"] != plain.headers["etag"]
    for response in (plain, compressed):
        encoding = response.headers.get("content-encoding", "identity")
        again = service.client.get(
            path, headers={"If-None-Match": response.headers["etag"], "Accept-Encoding": encoding}
        )
        assert again.status_code == 304
        assert again.content == b""
    head = service.client.head(path, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(plain.content))


@pytest.mark.parametrize(
    "name",
    [
        "nope.js",
        "package.json",
        "package-lock.json",
        "manifest.json",
        "LICENSE.react",
        "..%2Fexplorer.py",
    ],
)
def test_nothing_else_is_served_there(service: Service, name: str) -> None:
    response = service.client.get(f"{ASSET_PATH}/{name}")
    assert response.status_code == 404


# --- the vendored bundles -----------------------------------------------------------------


def test_the_vendored_files_match_their_pins() -> None:
    assert explorer_assets.check() == []
    manifest = explorer_assets.read_manifest()
    assert {entry["package"]: entry["version"] for entry in manifest.values()} == {
        "graphiql": "3.9.0",
        "react": "18.3.1",
        "react-dom": "18.3.1",
    }


def test_the_check_finds_a_changed_file_and_a_stale_lock(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    shutil.copytree(VENDOR_DIR, vendor)
    assert explorer_assets.check(vendor) == []
    with (vendor / "react.production.min.js").open("ab") as file:
        file.write(b"\n")
    lock = json.loads((vendor / "package-lock.json").read_text())
    lock["packages"]["node_modules/graphiql"]["version"] = "3.8.3"
    (vendor / "package-lock.json").write_text(json.dumps(lock))
    problems = explorer_assets.check(vendor)
    assert "react.production.min.js does not match its sha256 in manifest.json" in problems
    assert any(problem.startswith("graphiql.min.js: the manifest has") for problem in problems)


def test_the_vendored_files_are_those_of_the_locked_packages(tmp_path: Path) -> None:
    """`npm ci` installs the lock (refusing any tarball that does not match its
    integrity); the vendored files are byte for byte the installed ones."""
    if shutil.which("npm") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("`npm` is not on PATH; under CI the vendored explorer files are compared")
        pytest.skip("`npm` is not on PATH: comparing the vendored files needs it")
    node_modules = explorer_assets.install_locked(VENDOR_DIR, tmp_path)
    assert explorer_assets.compare_with_packages(VENDOR_DIR, node_modules) == []


# --- links that open the explorer with a key ------------------------------------------------


def test_an_explorer_link_carries_the_key_in_its_fragment() -> None:
    assert explorer_url("http://127.0.0.1:8000", "ik_x") == "http://127.0.0.1:8000/graphql#key=ik_x"
    assert (
        explorer_url("https://api.example.com/", "ik_x")
        == "https://api.example.com/graphql#key=ik_x"
    )


def test_the_first_start_prints_a_link_to_the_explorer_with_the_key(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'fresh.db'}", public_url="http://api.test:9000"
    )
    app = create_app(settings)
    output = io.StringIO()

    async def start_and_stop() -> None:
        with contextlib.redirect_stdout(output):
            async with app.router.lifespan_context(app):
                pass

    asyncio.run(start_and_stop())
    token = output.getvalue().split("store it now): ")[1].split()[0]
    assert f"http://api.test:9000/graphql#key={token}\n" in output.getvalue()


def test_the_command_line_prints_an_explorer_link_on_request(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PUBLIC_URL": "http://api.test:9000",
    }

    def key(*arguments: str) -> str:
        completed = subprocess.run(
            [sys.executable, "-m", "app.cli", "key", *arguments],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        return completed.stdout

    link = key("--url")
    assert re.fullmatch(r"http://api\.test:9000/graphql#key=ik_[0-9a-f]{32}_[\w-]{43}\n", link)
    plain = key()
    assert re.fullmatch(r"ik_[0-9a-f]{32}_[\w-]{43}\n", plain)
    assert plain.strip() not in link  # a new key each time
