"""The JSON Schema of an engagement file, for editors that complete and check YAML as a coach types.

The schema is generated from the pydantic `Engagement` model, so it can never
describe a different format from the one `coachbook check` enforces; field
descriptions are the model's attribute docstrings. An engagement file points
at it with its first line, which the YAML language server (VS Code's YAML
extension, and most other editors through it) reads:

    # yaml-language-server: $schema=engagement.schema.json

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

from coachbook.core.model import Engagement

__all__ = ["SCHEMA_FILE", "SCHEMA_LINE", "engagement_schema", "schema_is_current", "schema_text", "write_schema"]

#: The schema's file name, next to the engagement files it describes.
SCHEMA_FILE = "engagement.schema.json"
#: The first line of every engagement file: tells the YAML language server where the schema is.
SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_FILE}"

_DRAFT = "http://json-schema.org/draft-07/schema#"
_DEFS = "definitions"


def engagement_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of an engagement file, as a dict."""
    generated = Engagement.model_json_schema(ref_template=f"#/{_DEFS}/{{model}}")
    definitions = generated.pop("$defs", {})
    body = _draft07(generated)
    schema: dict[str, Any] = {
        "$schema": _DRAFT,
        "title": "Coachbook engagement",
        "description": (
            "One client's coaching engagement, `engagements/<slug>.yml`. Generated from Coachbook's model by "
            "`coachbook schema`; do not edit by hand."
        ),
    }
    schema.update({key: value for key, value in body.items() if key not in ("title", "description")})
    schema[_DEFS] = {name: _draft07(definition) for name, definition in sorted(definitions.items())}
    return schema


def schema_text() -> str:
    """The schema as the file holds it: two-space indents, non-ASCII kept readable, a final newline."""
    return json.dumps(engagement_schema(), indent=2, ensure_ascii=False) + "\n"


def schema_is_current(engagements_dir: Path) -> bool:
    """Whether the schema file in `engagements_dir` matches the current model byte for byte."""
    path = engagements_dir / SCHEMA_FILE
    return path.is_file() and path.read_text(encoding="utf-8") == schema_text()


def write_schema(engagements_dir: Path) -> tuple[Path, bool]:
    """Write the schema next to the engagement files.

    Returns:
        The file's path, and whether its content changed (False when it was already current).
    """
    path = engagements_dir / SCHEMA_FILE
    text = schema_text()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path, False
    engagements_dir.mkdir(parents=True, exist_ok=True)
    # Write a sibling and rename it, so an editor never reads half a schema.
    partial = path.with_name(f".{SCHEMA_FILE}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
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
