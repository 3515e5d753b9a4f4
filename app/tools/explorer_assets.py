"""The GraphiQL explorer's vendored browser bundles, in `app/static/explorer/vendor/`.

The explorer page loads React, ReactDOM and GraphiQL from the service itself: it has to
work on a network without the internet, and a fresh clone has to serve it without
Node.js. So the few bundle files are committed, copied out of the npm packages that
`package.json` and `package-lock.json` in that folder pin; `manifest.json` records for
each file its package, version and path in the package, the lock's integrity of that
package, and the file's size and sha256.

    python -m app.tools.explorer_assets            checks the folder (make check): every
                                                   file matches its sha256, the manifest
                                                   matches the lock, the lock package.json
    python -m app.tools.explorer_assets --npm      also installs the lock with `npm ci`
                                                   (npm checks each package's integrity)
                                                   and compares the files byte for byte
    python -m app.tools.explorer_assets --refresh  copies the files anew from `npm ci` of
                                                   the lock and rewrites the manifest
                                                   (make explorer-assets)

To move to other versions: change `package.json`, run `npm install --package-lock-only`
in that folder, then `make explorer-assets`, and try the explorer.
"""

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.settings import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "app" / "static" / "explorer" / "vendor"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class VendoredFile:
    name: str
    """The file's name in the vendor folder (and, for bundles, under /graphql/explorer/)."""
    package: str
    path: str
    """Where the file is inside its npm package."""


# React 18 is the last React with browser (UMD) builds, and GraphiQL 3 the last GraphiQL
# with a bundle that takes React from the page's globals: no bundler needed.
FILES = (
    VendoredFile("react.production.min.js", "react", "umd/react.production.min.js"),
    VendoredFile("react-dom.production.min.js", "react-dom", "umd/react-dom.production.min.js"),
    VendoredFile("graphiql.min.js", "graphiql", "graphiql.min.js"),
    VendoredFile("graphiql.min.css", "graphiql", "graphiql.min.css"),
    VendoredFile("LICENSE.react", "react", "LICENSE"),
    VendoredFile("LICENSE.react-dom", "react-dom", "LICENSE"),
    VendoredFile("LICENSE.graphiql", "graphiql", "LICENSE"),
)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(vendor_dir: Path = VENDOR_DIR) -> dict[str, dict[str, Any]]:
    manifest: dict[str, dict[str, Any]] = json.loads((vendor_dir / MANIFEST).read_text())
    return manifest


def _locked_packages(vendor_dir: Path) -> dict[str, dict[str, Any]]:
    lock = json.loads((vendor_dir / "package-lock.json").read_text())
    packages: dict[str, dict[str, Any]] = lock["packages"]
    return packages


def check(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """What is wrong with the vendor folder, without the network: empty when the files
    are those the manifest records and the manifest agrees with the lock."""
    problems: list[str] = []
    try:
        manifest = read_manifest(vendor_dir)
        packages = _locked_packages(vendor_dir)
        pinned: dict[str, str] = json.loads((vendor_dir / "package.json").read_text())[
            "dependencies"
        ]
    except (OSError, ValueError, KeyError) as error:
        return [f"cannot read the manifest, lock or package.json: {error}"]
    locked_root = packages.get("", {}).get("dependencies", {})
    if locked_root != pinned:
        problems.append(
            f"package-lock.json was made for other pins ({locked_root}) than package.json "
            f"({pinned}): run `npm install --package-lock-only` there"
        )
    if set(manifest) != {file.name for file in FILES}:
        problems.append(f"{MANIFEST} lists {sorted(manifest)}, expected {[f.name for f in FILES]}")
    for file in FILES:
        entry = manifest.get(file.name)
        if entry is None:
            continue
        locked = packages.get(f"node_modules/{file.package}", {})
        if file.package not in pinned:
            problems.append(f"{file.package} is not pinned in package.json")
        recorded = (entry.get("package"), entry.get("path"), entry.get("version"))
        if recorded != (file.package, file.path, locked.get("version")):
            problems.append(
                f"{file.name}: the manifest has {recorded}, the lock "
                f"{(file.package, file.path, locked.get('version'))}"
            )
        if entry.get("integrity") != locked.get("integrity"):
            problems.append(f"{file.name}: the manifest's integrity is not the lock's")
        path = vendor_dir / file.name
        if not path.is_file():
            problems.append(f"{file.name} is missing")
        elif sha256_of(path) != entry.get("sha256"):
            problems.append(f"{file.name} does not match its sha256 in {MANIFEST}")
    return problems


def install_locked(vendor_dir: Path, into: Path) -> Path:
    """`npm ci` of the vendor folder's lock in `into` (npm refuses a package whose
    tarball does not match the lock's integrity); its node_modules."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("`npm` is not on PATH")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(vendor_dir / name, into / name)
    completed = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=into,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"npm ci failed:\n{completed.stdout}\n{completed.stderr}")
    return into / "node_modules"


def compare_with_packages(vendor_dir: Path, node_modules: Path) -> list[str]:
    """The vendored files that differ from the installed packages' files."""
    problems = []
    for file in FILES:
        source = node_modules / file.package / file.path
        if not source.is_file():
            problems.append(f"{file.package} has no {file.path}")
        elif source.read_bytes() != (vendor_dir / file.name).read_bytes():
            problems.append(f"{file.name} differs from {file.package}/{file.path}")
    return problems


def refresh(vendor_dir: Path = VENDOR_DIR) -> dict[str, dict[str, Any]]:
    """Copy every file from `npm ci` of the lock and rewrite the manifest."""
    packages = _locked_packages(vendor_dir)
    manifest: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        node_modules = install_locked(vendor_dir, Path(scratch))
        for file in FILES:
            target = vendor_dir / file.name
            shutil.copyfile(node_modules / file.package / file.path, target)
            installed = json.loads((node_modules / file.package / "package.json").read_text())
            locked = packages[f"node_modules/{file.package}"]
            manifest[file.name] = {
                "package": file.package,
                "version": installed["version"],
                "path": file.path,
                "integrity": locked["integrity"],
                "bytes": target.stat().st_size,
                "sha256": sha256_of(target),
            }
    (vendor_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.tools.explorer_assets")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--refresh", action="store_true", help="copy the files anew from npm")
    mode.add_argument("--npm", action="store_true", help="also compare with `npm ci` of the lock")
    arguments = parser.parse_args(argv)
    try:
        if arguments.refresh:
            for name, entry in refresh().items():
                print(f"explorer_assets: {name} from {entry['package']}@{entry['version']}")
        problems = check()
        if arguments.npm and not problems:
            with tempfile.TemporaryDirectory() as scratch:
                problems = compare_with_packages(
                    VENDOR_DIR, install_locked(VENDOR_DIR, Path(scratch))
                )
    except RuntimeError as error:
        print(f"explorer_assets: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"explorer_assets: {problem}", file=sys.stderr)
    if problems:
        print(
            "explorer_assets: the vendored explorer files do not match their pins; "
            "`make explorer-assets` copies them anew",
            file=sys.stderr,
        )
        return 1
    print("explorer_assets: the vendored explorer files match their pins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
