"""The SDL lint and the breaking-change check behind `make check`."""

import re
from pathlib import Path

import pytest
from ariadne import load_schema_from_path, make_executable_schema
from graphql import build_schema as build_sdl_schema
from graphql import find_breaking_changes

from app.graphql.core.directives import DIRECTIVES
from app.graphql.schema import BINDABLES, SCHEMA_DIR, build_schema
from app.tools import lint_sdl, schema_changes


def _with(extra_sdl: str) -> object:
    sdl = load_schema_from_path(SCHEMA_DIR) + "\n" + extra_sdl
    return make_executable_schema(sdl, BINDABLES, directives=DIRECTIVES, convert_names_case=True)


def test_the_shipped_sdl_passes_the_lint() -> None:
    assert lint_sdl.lint(build_schema()) == []


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('extend type Integration { "Described." notes: String }', None),
        ("extend type Integration { notes: String }", "field Integration.notes has no description"),
        (
            '"A thing." input ThingSettings { "Named badly." on: Boolean }',
            "input ThingSettings does not end in Input, Filter or Order",
        ),
        (
            '"A list." type Things implements Connection { "P." pageInfo: PageInfo! '
            '"T." total: CountInfo }',
            "type Things implements Connection but is not named XConnection",
        ),
        (
            'extend type Mutation { "Does it." integrationPause("The input." id: ID!): '
            "IntegrationPayload }",
            "mutation integrationPause should take exactly one argument, `input`",
        ),
        (
            'extend type Query { "Lists." everything("Which." filter: IntegrationFilter): '
            "IntegrationConnection! }",
            "connection field Query.everything lacks ['first', 'after', 'last', 'before']",
        ),
    ],
)
def test_the_lint_reports_what_breaks_a_rule(extra: str, problem: str | None) -> None:
    problems = lint_sdl.lint(_with(extra))  # type: ignore[arg-type]
    assert problems == ([] if problem is None else [problem])


def test_a_removed_field_is_a_breaking_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    released = tmp_path / "released.graphql"
    monkeypatch.setattr(schema_changes, "RELEASED", released)
    current = schema_changes.current_sdl()
    header = "type Integration implements Actor & Node & Versioned & Titled {\n"
    released.write_text(current.replace(header, header + "  legacyRef: String\n"))
    assert "legacyRef" in released.read_text()
    assert schema_changes.main([]) == 1
    assert "Integration.legacyRef was removed" in capsys.readouterr().err


def test_an_added_field_is_compatible_and_accept_records_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = tmp_path / "released.graphql"
    monkeypatch.setattr(schema_changes, "RELEASED", released)
    current = schema_changes.current_sdl()
    # The released schema lacked the `keys` field that the current one adds.
    released.write_text(re.sub(r'\n  """[^"]*"""\n  keys: \[IntegrationKey!\]!', "", current))
    assert "keys: [IntegrationKey!]!" not in released.read_text()
    assert schema_changes.main([]) == 0
    assert schema_changes.main(["--accept"]) == 0
    assert released.read_text() == current


def test_the_committed_release_matches_the_sdl() -> None:
    released = build_sdl_schema(schema_changes.RELEASED.read_text())
    current = build_sdl_schema(schema_changes.current_sdl())
    assert find_breaking_changes(released, current) == []
