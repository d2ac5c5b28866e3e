"""The JSON Schemas of engagement files and of `program.yml`, for editors that complete and check YAML as people type.

Each schema is generated from a pydantic model (`Engagement`, `ProgramFile`),
so it can never describe a different format from the one `coachbook check`
enforces; field descriptions are the models' attribute docstrings, and a test
fails on a field without one, since a field without a description is one an
editor can only name. A file points at its schema with its first line, which
the YAML language server (VS Code's YAML extension, and most other editors
through it) reads:

    # yaml-language-server: $schema=engagement.schema.json
    # yaml-language-server: $schema=program.schema.json

The firm's `.vscode/settings.json` maps the same schemas to the same files,
for editors that read the settings rather than the first line.

The schema is written as JSON Schema draft-07, the newest draft the YAML
language server fully supports: definitions live under `definitions`, and a
`$ref` never has sibling keywords (draft-07 ignores them), so a description or
default next to a reference is kept by wrapping the reference in `allOf`.

The output is deterministic (same model, same bytes), so the committed copy
can be checked for staleness in CI with `coachbook schema --check`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from coachbook.core.files import write_atomic
from coachbook.core.model import Engagement, ProgramFile
from coachbook.core.project import Project

__all__ = [
    "PROGRAM_SCHEMA_FILE",
    "PROGRAM_SCHEMA_LINE",
    "SCHEMA_FILE",
    "SCHEMA_LINE",
    "engagement_schema",
    "program_schema",
    "program_schema_text",
    "schema_is_current",
    "schema_text",
    "schemas_of",
    "write_schema",
    "write_schemas",
]

#: The schema's file name, next to the engagement files it describes.
SCHEMA_FILE = "engagement.schema.json"
#: The first line of every engagement file: tells the YAML language server where the schema is.
SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_FILE}"
#: The program schema's file name, next to `program.yml` in the content folder (never published).
PROGRAM_SCHEMA_FILE = "program.schema.json"
#: The first line of `program.yml`.
PROGRAM_SCHEMA_LINE = f"# yaml-language-server: $schema={PROGRAM_SCHEMA_FILE}"

_DRAFT = "http://json-schema.org/draft-07/schema#"
_DEFS = "definitions"


def engagement_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of an engagement file, as a dict."""
    return _schema(
        Engagement,
        "Coachbook engagement",
        "One client's coaching engagement, `engagements/<slug>.yml`. Generated from Coachbook's model by "
        "`coachbook schema`; do not edit by hand.",
    )


def program_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of `content/program.yml`, as a dict."""
    return _schema(
        ProgramFile,
        "Coachbook program",
        "The firm's coaching program(s), `content/program.yml`: stages in order, each with its guide. Generated "
        "from Coachbook's model by `coachbook schema`; do not edit by hand.",
    )


def _schema(model: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    generated = model.model_json_schema(ref_template=f"#/{_DEFS}/{{model}}")
    definitions = generated.pop("$defs", {})
    body = _draft07(generated)
    schema: dict[str, Any] = {"$schema": _DRAFT, "title": title, "description": description}
    schema.update({key: value for key, value in body.items() if key not in ("title", "description")})
    schema[_DEFS] = {name: _draft07(definition) for name, definition in sorted(definitions.items())}
    return schema


def _text(schema: dict[str, Any]) -> str:
    """A schema as its file holds it: two-space indents, non-ASCII kept readable, a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def schema_text() -> str:
    """The engagement schema as the file holds it."""
    return _text(engagement_schema())


def program_schema_text() -> str:
    """The program schema as the file holds it."""
    return _text(program_schema())


def schemas_of(project: Project) -> list[tuple[Path, str]]:
    """Each schema file of the firm, with the text it should hold."""
    return [
        (project.engagements_dir / SCHEMA_FILE, schema_text()),
        (project.content_dir / PROGRAM_SCHEMA_FILE, program_schema_text()),
    ]


def schema_is_current(engagements_dir: Path) -> bool:
    """Whether the schema file in `engagements_dir` matches the current model byte for byte."""
    path = engagements_dir / SCHEMA_FILE
    return path.is_file() and path.read_text(encoding="utf-8") == schema_text()


def write_schema(engagements_dir: Path) -> tuple[Path, bool]:
    """Write the engagement schema next to the engagement files.

    Returns:
        The file's path, and whether its content changed (False when it was already current).
    """
    return _write(engagements_dir / SCHEMA_FILE, schema_text())


def write_schemas(project: Project) -> list[tuple[Path, bool]]:
    """Write both schemas: each file's path, and whether it changed."""
    return [_write(path, text) for path, text in schemas_of(project)]


def _write(path: Path, text: str) -> tuple[Path, bool]:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path, False
    # Written in one step, so an editor never reads half a schema.
    write_atomic(path, text)
    return path, True


def _draft07(node: Any) -> Any:
    """Rewrite pydantic's output where draft-07 reads it differently from draft 2020-12."""
    if isinstance(node, list):
        return [_draft07(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _draft07(value) for key, value in node.items()}
    if "$ref" in converted and len(converted) > 1:
        # Draft-07 ignores every keyword beside `$ref`; inside `allOf`, the description and default survive.
        ref = converted.pop("$ref")
        return {"allOf": [{"$ref": ref}], **converted}
    return converted
