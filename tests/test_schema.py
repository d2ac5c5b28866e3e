"""The JSON Schema for editors: generated from the model, committed up to date, and in agreement with the loader."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from coachbook.core.loader import Project, load_programs
from coachbook.core.model import Engagement
from coachbook.core.scaffold import NewEngagement, render_engagement
from coachbook.core.schema import (
    PROGRAM_SCHEMA_FILE,
    PROGRAM_SCHEMA_LINE,
    SCHEMA_FILE,
    SCHEMA_LINE,
    engagement_schema,
    program_schema,
    program_schema_text,
    schema_text,
)
from coachbook.core.validation import validate_document
from coachbook.core.yaml_reader import YamlDocument, load_yaml
from coachbook.errors import ProblemList

from .conftest import REPO, SAMPLE_CLIENTS, minimal_engagement, run_coachbook

SAMPLES = sorted((REPO / "engagements").glob("*.yml"))


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads((REPO / "engagements" / SCHEMA_FILE).read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=FormatChecker())


def messages(validator: Draft7Validator, data: Any) -> list[str]:
    """Every error, with those inside `anyOf` branches (an optional field's real complaint) spelled out."""
    found: list[str] = []
    pending = list(validator.iter_errors(data))
    while pending:
        error = pending.pop(0)
        found.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message}")
        pending.extend(error.context or [])
    return found


def model_accepts(data: Any) -> bool:
    try:
        validate_document(YamlDocument(path=Path("x.yml"), data=data), Engagement)
    except ProblemList:
        return False
    return True


# --------------------------------------------------------------------------- the committed file


def test_the_committed_schema_is_up_to_date_with_the_model() -> None:
    committed = (REPO / "engagements" / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == schema_text(), "run `coachbook schema` and commit engagements/engagement.schema.json"


def test_every_sample_engagement_points_its_editor_at_the_schema() -> None:
    assert len(SAMPLES) == len(SAMPLE_CLIENTS)
    for path in SAMPLES:
        assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE, path.name
    assert SCHEMA_LINE == "# yaml-language-server: $schema=engagement.schema.json"


def test_the_schema_is_draft_07_with_nothing_beside_a_ref() -> None:
    schema = engagement_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in schema and "Goal" in schema["definitions"]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            # Draft-07 ignores keywords next to $ref, so a description there would be lost in the editor.
            assert "$ref" not in node or list(node) == ["$ref"], node
            assert node.get("$ref", "#/definitions/").startswith("#/definitions/"), node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)


def test_descriptions_come_from_the_models_field_docs() -> None:
    schema = engagement_schema()
    goal = schema["definitions"]["Goal"]
    assert goal["description"] == "A SMART goal with a baseline, a target and readings over time."
    assert goal["properties"]["confidential"]["description"].startswith("Hide the goal's wording from the sponsor")
    assert schema["properties"]["end"]["description"] == "Planned end of the engagement."
    # A model-typed field keeps its description and default through the allOf wrapper.
    site = schema["properties"]["site"]
    assert site["description"] == "How the client's site is addressed and protected."
    assert site["allOf"] == [{"$ref": "#/definitions/SiteOptions"}]
    assert schema["definitions"]["Session"]["properties"]["private"]["description"] == (
        "The coach's own notes on this item; never published."
    )


def test_schema_output_is_the_same_in_every_process(tmp_path: Path) -> None:
    # A fresh interpreter with another hash seed must write the very same bytes.
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        code = "import sys; from coachbook.core.schema import schema_text; sys.stdout.write(schema_text())"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == schema_text()


# --------------------------------------------------------------------------- validating files


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_engagement_is_valid_against_the_schema(validator: Draft7Validator, path: Path) -> None:
    data = load_yaml(path).data
    assert messages(validator, data) == []


def test_a_freshly_scaffolded_engagement_is_valid_against_the_schema(validator: Draft7Validator) -> None:
    programs = load_programs(Project(REPO, REPO / "content", REPO / "engagements"))
    new = NewEngagement(
        slug="jordan-lee",
        client_name="Jordan O'Neil: #1",
        role="CFO",
        organisation="Acme",
        coach_name="Tom Becker",
        program=programs[0],
        start=dt.date(2026, 12, 1),
    )
    from coachbook.core.yaml_reader import parse_yaml

    data = parse_yaml(render_engagement(new, today=dt.date(2026, 11, 24)), Path("jordan-lee.yml")).data
    assert messages(validator, data) == []
    assert data["client"]["name"] == "Jordan O'Neil: #1"


def _with(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


_DELETE = object()
_GOAL = {
    "id": "delegate",
    "title": "Delegate more",
    "specific": "s",
    "measurable": "m",
    "achievable": "a",
    "relevant": "r",
    "deadline": "2026-10-01",
    "baseline": 2,
    "target": 6,
    "unit": "decisions",
}
_SESSION = {"date": "2026-03-02", "stage": "contracting", "focus": "Chemistry"}


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("client",), _DELETE, "'client' is a required property"),
        (("clinet",), {"name": "x"}, "Additional properties are not allowed ('clinet' was unexpected)"),
        (("goals",), [{**_GOAL, "baselin": 2}], "Additional properties are not allowed ('baselin' was unexpected)"),
        (("start",), "16/11/2026", "'16/11/2026' is not a 'date'"),
        (("cadence", "every_weeks"), 0, "0 is less than or equal to the minimum of 0"),
        (("cadence", "every_weeks"), "2", "'2' is not of type 'integer'"),
        (("stages",), {"contracting": {"status": "finished"}}, "'finished' is not one of"),
        (("sessions",), [{**_SESSION, "time": "9:30"}], "'9:30' does not match"),
        (("sessions",), [{**_SESSION, "cancelled": "yes"}], "'yes' is not of type 'boolean'"),
        (("goals",), [{**_GOAL, "baseline": "2"}], "'2' is not of type 'number'"),
        (("client", "email"), "not an email", "'not an email' does not match"),
        (("program",), "Executive Coaching", "'Executive Coaching' does not match"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else None,
)
def test_invalid_files_fail_the_schema_and_the_loader_alike(
    validator: Draft7Validator, path: tuple[str | int, ...], value: Any, expected: str
) -> None:
    good = minimal_engagement()
    assert messages(validator, good) == [] and model_accepts(good)
    bad = _with(good, path, value)
    found = messages(validator, bad)
    assert any(expected in m for m in found), found
    # The editor and `coachbook check` agree: what the schema flags, the loader refuses.
    assert not model_accepts(bad)


# --------------------------------------------------------------------------- the command


def test_schema_command_writes_and_checks_the_file(firm: Path) -> None:
    target = firm / "engagements" / SCHEMA_FILE
    result = run_coachbook(firm, "schema", "--check")
    assert result.returncode == 0, result.stderr
    assert "is up to date" in result.stdout

    target.write_text('{"stale": true}\n', encoding="utf-8")
    (firm / "content" / PROGRAM_SCHEMA_FILE).unlink()
    result = run_coachbook(firm, "schema", "--check")
    assert result.returncode == 1
    assert "engagements/engagement.schema.json is missing or out of date." in result.stderr
    assert "content/program.schema.json is missing or out of date." in result.stderr
    assert "error: run `coachbook schema` and commit the schema files" in result.stderr
    assert target.read_text(encoding="utf-8") == '{"stale": true}\n'  # --check writes nothing

    result = run_coachbook(firm, "schema")
    assert result.returncode == 0, result.stderr
    assert "Wrote engagements/engagement.schema.json" in result.stdout
    assert "Wrote content/program.schema.json" in result.stdout
    assert target.read_text(encoding="utf-8") == schema_text()
    assert (firm / "content" / PROGRAM_SCHEMA_FILE).read_text(encoding="utf-8") == program_schema_text()
    assert run_coachbook(firm, "schema").stdout.startswith("Already up to date")
    # The loader reads .yml files only: the schema beside them is not an engagement.
    assert f"{len(SAMPLE_CLIENTS)} engagement(s)" in run_coachbook(firm, "check", check=True).stdout


# --------------------------------------------------------------------------- schemas that teach


def _undescribed(schema: dict[str, Any]) -> list[str]:
    """Every field of the schema, at the root and in every definition, that has no description of its own."""
    missing = [
        f"{schema['title']}.{name}" for name, field in schema["properties"].items() if "description" not in field
    ]
    for model, definition in schema["definitions"].items():
        if "properties" in definition:
            missing += [f"{model}.{name}" for name, f in definition["properties"].items() if "description" not in f]
            if "description" not in definition:
                missing.append(model)
    return missing


@pytest.mark.parametrize("make", [engagement_schema, program_schema], ids=["engagement", "program"])
def test_every_field_has_a_description_an_editor_can_show(make: Any) -> None:
    """Hovering a field in the editor says what it holds; a field with only its name is a test failure."""
    schema = make()
    assert _undescribed(schema) == [], "add a docstring under each of these fields in coachbook.core.model"
    # The test can fail: a schema with one field stripped of its description is caught.
    broken = copy.deepcopy(schema)
    model = sorted(name for name, d in broken["definitions"].items() if "properties" in d)[0]
    field = sorted(broken["definitions"][model]["properties"])[0]
    del broken["definitions"][model]["properties"][field]["description"]
    assert _undescribed(broken) == [f"{model}.{field}"]


def test_smart_fields_baseline_target_and_client_name_say_what_they_hold() -> None:
    definitions = engagement_schema()["definitions"]
    goal = definitions["Goal"]["properties"]
    assert goal["specific"]["description"].startswith("SMART, Specific:")
    assert goal["baseline"]["description"].startswith("Where the measure stood when the goal was set")
    assert goal["target"]["description"].startswith("Where the measure should be by the deadline")
    assert (
        definitions["Client"]["properties"]["name"]["description"] == "The client's full name, as their site shows it."
    )


def test_the_committed_program_schema_is_up_to_date_and_program_yml_points_at_it() -> None:
    committed = (REPO / "content" / PROGRAM_SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == program_schema_text(), "run `coachbook schema` and commit content/program.schema.json"
    assert (REPO / "content" / "program.yml").read_text(encoding="utf-8").splitlines()[0] == PROGRAM_SCHEMA_LINE
    schema = json.loads(committed)
    Draft7Validator.check_schema(schema)
    validator = Draft7Validator(schema)
    data = load_yaml(REPO / "content" / "program.yml").data
    assert list(validator.iter_errors(data)) == []
    # What the loader refuses, the editor flags too: a stage without its guide.
    del data["programs"][0]["stages"][2]["guide"]
    assert any("'guide' is a required property" in e.message for e in validator.iter_errors(data))


def test_the_program_schema_is_never_published(built_firm: Path) -> None:
    assert not list((built_firm / "site").rglob("*.schema.json"))


def test_the_repository_sets_up_vs_code_and_the_browser_editors_of_git_hosts() -> None:
    """Opening the repository in VS Code (or github.dev) offers the YAML extension and maps both schemas."""
    extensions = json.loads((REPO / ".vscode" / "extensions.json").read_text(encoding="utf-8"))
    assert "redhat.vscode-yaml" in extensions["recommendations"]
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapped = {Path(schema).as_posix().removeprefix("./"): globs for schema, globs in settings["yaml.schemas"].items()}
    assert mapped == {
        f"engagements/{SCHEMA_FILE}": ["engagements/*.yml"],
        f"content/{PROGRAM_SCHEMA_FILE}": ["content/program.yml"],
    }
    for schema, globs in mapped.items():
        assert (REPO / schema).is_file(), schema
        for glob in globs:
            assert list(REPO.glob(glob)), glob


def test_the_repository_offers_a_pre_commit_hook_that_runs_check() -> None:
    import re

    import yaml

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "coachbook-check"
    assert hook["entry"] == "coachbook check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    pattern = re.compile(hook["files"])
    for path in ("engagements/dana-whitfield.yml", "content/program.yml", "content/stages/01-contracting.md"):
        assert pattern.search(path), path
    assert not pattern.search("plugins/coachbook/cli/build.py")
