"""Node.js for the tests that drive a Node program (the graphql-http audit, the browser
test): a missing tool fails the test under CI and skips it elsewhere, and each program's
packages, pinned by its own lockfile, are installed with `npm ci` on first use."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest


def required(what: str, why: str) -> NoReturn:
    """A tool the test needs is missing: under CI (`CI=true`) a failure, else a skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what}; under CI this test must run")
    pytest.skip(f"{what}: {why}")


def node(why: str) -> str:
    found = shutil.which("node")
    if found is None:
        required("`node` is not on PATH", why)
    return found


def npm_ci(folder: Path, package: str) -> None:
    """Install `folder`'s locked packages unless `package` is there already."""
    # node_modules missing, or left incomplete by an interrupted install: `npm ci` starts over.
    if (folder / "node_modules" / package / "package.json").is_file():
        return
    npm = shutil.which("npm")
    assert npm is not None, "`node` is on PATH but `npm` is not"
    completed = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, f"npm ci failed:\n{completed.stdout}\n{completed.stderr}"
