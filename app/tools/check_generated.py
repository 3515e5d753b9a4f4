"""Fail when `generated/` differs from what ariadne-codegen makes of `schema/` now.

Generates into a scratch copy of the inputs and compares file by file, so the working
tree is never touched. Run through `make check` (codegen needs ruff on PATH).
"""

import difflib
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from app.settings import PROJECT_ROOT

INPUTS = ("schema", "operations", "codegen.toml")
PACKAGE = "generated"


def _files(root: Path) -> set[Path]:
    return {
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        for name in INPUTS:
            source = PROJECT_ROOT / name
            if source.is_dir():
                shutil.copytree(source, scratch / name)
            else:
                shutil.copy(source, scratch / name)
        codegen = Path(sys.executable).with_name("ariadne-codegen")
        run = subprocess.run(
            [str(codegen), "--config", "codegen.toml"], cwd=scratch, capture_output=True, text=True
        )
        if run.returncode != 0:
            print(run.stdout + run.stderr, file=sys.stderr)
            print("check_generated: ariadne-codegen failed", file=sys.stderr)
            return 1
        fresh, committed = scratch / PACKAGE, PROJECT_ROOT / PACKAGE
        fresh_files, committed_files = _files(fresh), _files(committed)
        problems: list[str] = []
        for missing in sorted(fresh_files - committed_files):
            problems.append(f"missing from generated/: {missing}")
        for extra in sorted(committed_files - fresh_files):
            problems.append(f"not produced by codegen any more: generated/{extra}")
        for common in sorted(fresh_files & committed_files):
            if not filecmp.cmp(fresh / common, committed / common, shallow=False):
                diff = difflib.unified_diff(
                    (committed / common).read_text().splitlines(keepends=True),
                    (fresh / common).read_text().splitlines(keepends=True),
                    f"generated/{common} (committed)",
                    f"generated/{common} (fresh)",
                )
                problems.append("".join(diff))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print("check_generated: generated/ is stale; run `make generate`", file=sys.stderr)
        return 1
    print("check_generated: generated/ matches schema/ and operations/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
