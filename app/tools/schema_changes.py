"""Breaking-change check of the SDL against the released schema.

`schema.released.graphql` is the schema as last released, printed. `make check` runs
this without arguments: it fails on breaking changes (removed or retyped fields,
arguments and enum values, nullability tightened on input, ...) and lists dangerous
ones. `make accept-schema` (`--accept`) records the current schema as released, for an
intended change. Deprecate before removing: `@deprecated(reason: "Use `x` instead.")`.
"""

import argparse
import sys

from graphql import (
    build_schema as build_sdl_schema,
)
from graphql import (
    find_breaking_changes,
    find_dangerous_changes,
    print_schema,
)

from app.graphql.schema import build_schema
from app.settings import PROJECT_ROOT

RELEASED = PROJECT_ROOT / "schema.released.graphql"


def current_sdl() -> str:
    return print_schema(build_schema()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.tools.schema_changes")
    parser.add_argument("--accept", action="store_true", help="record the current schema")
    arguments = parser.parse_args(argv)
    sdl = current_sdl()
    if arguments.accept:
        RELEASED.write_text(sdl)
        print(f"schema_changes: recorded the current schema in {RELEASED.name}")
        return 0
    if not RELEASED.exists():
        print(
            f"schema_changes: {RELEASED.name} is missing; run `make accept-schema`", file=sys.stderr
        )
        return 1
    released = build_sdl_schema(RELEASED.read_text())
    current = build_sdl_schema(sdl)
    breaking = find_breaking_changes(released, current)
    dangerous = find_dangerous_changes(released, current)
    for change in dangerous:
        print(f"schema_changes: dangerous: {change.type.name}: {change.description}")
    for breaking_change in breaking:
        print(
            f"schema_changes: BREAKING: {breaking_change.type.name}: {breaking_change.description}",
            file=sys.stderr,
        )
    if breaking:
        print(
            "schema_changes: the SDL breaks the released schema; deprecate instead, or run "
            "`make accept-schema` if the break is intended",
            file=sys.stderr,
        )
        return 1
    if sdl != RELEASED.read_text():
        print(
            "schema_changes: compatible changes since the release; "
            "`make accept-schema` records them"
        )
    else:
        print("schema_changes: the SDL matches the released schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
