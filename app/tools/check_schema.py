"""Fail when the SDL and the resolvers disagree (see `app.graphql.coverage`)."""

import sys

from app.graphql.coverage import unresolvable
from app.graphql.schema import BINDABLES, build_schema


def main() -> int:
    try:
        schema = build_schema()
    except (ValueError, TypeError) as error:
        # Ariadne refuses a resolver, enum or directive bound to a name the SDL lacks.
        print(f"check_schema: the schema does not build: {error}", file=sys.stderr)
        return 1
    problems = unresolvable(schema, BINDABLES)
    for problem in problems:
        print(f"check_schema: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_schema: all fields of {len(schema.type_map)} types resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
