"""The docs site for coaches and firms builds without a broken link, and its engagement examples are valid."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, FormatChecker
from pydantic import BaseModel

from coachbook.core.model import Engagement
from coachbook.core.schema import engagement_schema
from coachbook.core.validation import validate_document
from coachbook.core.yaml_reader import YamlDocument, parse_yaml

from .conftest import REPO, copy_firm, minimal_engagement, run_coachbook

CONFIG = REPO / "mkdocs.docs.yml"
DOCS = REPO / "docs"
ENGAGEMENT_PAGE = DOCS / "engagement-file.md"
#: The pages the docs site must have, whatever else is added to it.
REQUIRED_PAGES = (
    "index.md",
    "engagement-file.md",
    "stage-guides.md",
    "preview-publish-share.md",
    "hosting.md",
    "deploying.md",
)
#: The fields that hold material back from the client, documented together rather than in each group's table.
HELD_BACK_FIELDS = frozenset({"private", "coach_only", "draft"})

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_COMPLETE = re.compile(r"<!-- complete-example -->\s*\n```yaml\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_FIELDS_MARK = re.compile(r"^<!-- fields: ([\w.-]+) -->\n((?:\|.*\n)+)", re.MULTILINE)
_FIRST_CODE = re.compile(r"`([^`]+)`")


# --------------------------------------------------------------------------- the site


def nav_pages(nav: list[Any]) -> list[str]:
    """Every Markdown page named in a MkDocs nav, in order."""
    pages: list[str] = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            pages += nav_pages(value)
        elif isinstance(value, str) and value.endswith(".md"):
            pages.append(value)
    return pages


NAV = nav_pages(yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["nav"])


def built_path(site: Path, page: str) -> Path:
    """Where MkDocs writes a page with directory URLs: `x.md` becomes `x/index.html`."""
    stem = page.removesuffix(".md")
    return site / ("index.html" if stem == "index" else f"{stem}/index.html")


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site, built once with `mkdocs build --strict` into a temporary folder."""
    out = tmp_path_factory.mktemp("docs-site") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(CONFIG), "--site-dir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return out


def test_the_nav_lists_the_required_pages_and_every_page_in_docs() -> None:
    assert set(REQUIRED_PAGES) <= set(NAV)
    on_disk = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    missing = [page for page in on_disk if page not in NAV]
    assert not missing, f"add these pages to the nav in mkdocs.docs.yml: {missing}"


@pytest.mark.parametrize("page", NAV)
def test_each_page_is_built(docs_site: Path, page: str) -> None:
    html = built_path(docs_site, page)
    assert html.is_file(), f"{page} was not built to {html.relative_to(docs_site)}"
    title = re.search(r"^# (.+)$", (DOCS / page).read_text(encoding="utf-8"), re.MULTILINE)
    assert title, f"docs/{page} has no `# ` title"
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html.read_text(encoding="utf-8"), re.DOTALL)
    assert heading and title.group(1).replace("`", "") in re.sub(r"<[^>]+>", "", heading.group(1))


def test_the_start_page_links_every_other_page() -> None:
    start = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in REQUIRED_PAGES[1:]:
        assert f"]({page})" in start, f"docs/index.md does not link {page}"


# --------------------------------------------------------------------------- engagement examples


def complete_examples() -> list[str]:
    return _COMPLETE.findall(ENGAGEMENT_PAGE.read_text(encoding="utf-8"))


def yaml_snippets() -> list[str]:
    return [body for lang, body in _FENCE.findall(ENGAGEMENT_PAGE.read_text(encoding="utf-8")) if lang == "yaml"]


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` with `extra` laid over it: groups are merged key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def test_the_engagement_page_has_complete_examples() -> None:
    assert len(complete_examples()) >= 2


@pytest.mark.parametrize("number", range(len(complete_examples())))
def test_each_complete_example_passes_coachbook_check(tmp_path: Path, number: int) -> None:
    text = complete_examples()[number]
    firm = copy_firm(tmp_path / "firm")
    (firm / "engagements" / "docs-example.yml").write_text(text, encoding="utf-8")
    result = run_coachbook(firm, "check")
    assert result.returncode == 0, f"complete example {number + 1} fails `coachbook check`:\n{result.stderr}"
    assert "5 engagement(s)" in result.stdout


@pytest.mark.parametrize("number", range(len(complete_examples())))
def test_each_complete_example_satisfies_the_editor_schema(number: int) -> None:
    data = parse_yaml(complete_examples()[number], Path("docs-example.yml")).data
    validator = Draft7Validator(engagement_schema(), format_checker=FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors


@pytest.mark.parametrize("number", range(len(yaml_snippets())))
def test_each_yaml_snippet_fits_into_a_valid_engagement(number: int) -> None:
    """Partial snippets use real field names and values: laid over a minimal engagement, the model accepts them."""
    snippet = parse_yaml(yaml_snippets()[number], Path(f"snippet-{number + 1}.yml")).data
    merged = deep_merge(minimal_engagement(), snippet)
    validate_document(YamlDocument(path=Path(f"snippet-{number + 1}.yml"), data=merged), Engagement)


# --------------------------------------------------------------------------- field tables


def model_at(path: str) -> type[BaseModel]:
    """The model of a dotted path such as `engagement.goals.measurements`, through lists, dicts and optionals."""
    model: type[BaseModel] = Engagement
    for name in path.split(".")[1:]:
        model = _model_in(model.model_fields[name].annotation)
    return model


def _model_in(annotation: Any) -> type[BaseModel]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict, typing.Annotated):
        for arg in typing.get_args(annotation):
            try:
                return _model_in(arg)
            except LookupError:
                continue
    raise LookupError(f"no model in {annotation!r}")


def field_tables() -> list[tuple[str, list[str]]]:
    """Each `<!-- fields: PATH -->` table of the engagement page: its path and the field named in each row."""
    tables = []
    for path, table in _FIELDS_MARK.findall(ENGAGEMENT_PAGE.read_text(encoding="utf-8")):
        rows = table.strip().splitlines()[2:]
        names = []
        for row in rows:
            first = _FIRST_CODE.match(row.strip("| ").split("|")[0].strip())
            assert first, f"row without a field name under <!-- fields: {path} -->: {row}"
            names.append(first.group(1))
        tables.append((path, names))
    return tables


def documented_models() -> dict[str, type[BaseModel]]:
    """Every model an engagement file can hold, by its dotted path from the engagement."""
    found: dict[str, type[BaseModel]] = {}

    def walk(path: str, model: type[BaseModel]) -> None:
        found[path] = model
        for name, info in model.model_fields.items():
            try:
                child = _model_in(info.annotation)
            except LookupError:
                continue
            walk(f"{path}.{name}", child)

    walk("engagement", Engagement)
    return found


def test_each_field_table_names_real_fields_exactly_once() -> None:
    tables = field_tables()
    assert tables
    for path, names in tables:
        assert len(names) == len(set(names)), f"{path}: a field is listed twice"
        if path == "held-back":
            assert set(names) == HELD_BACK_FIELDS
            continue
        known = set(model_at(path).model_fields)
        assert not set(names) - known, f"{path}: no such field(s) {sorted(set(names) - known)}"


def test_every_field_of_an_engagement_is_documented() -> None:
    documented: dict[str, set[str]] = {}
    for path, names in field_tables():
        documented.setdefault(path, set()).update(names)
    for path, model in documented_models().items():
        expected = set(model.model_fields) - HELD_BACK_FIELDS
        missing = sorted(expected - documented.get(path, set()))
        assert not missing, f"docs/engagement-file.md does not document {', '.join(f'{path}.{m}' for m in missing)}"
