"""Tests for coachbook.core.placeholders: the small, documented way a guide speaks to its reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from coachbook.core.loader import Project, load_programs
from coachbook.core.model import Engagement, Program
from coachbook.core.placeholders import (
    PLACEHOLDERS,
    check_guide,
    human_date,
    neutral_values,
    personal_values,
    render_guide,
)

ROOT = Path(__file__).resolve().parents[1]
SHOWN = Path("content/stages/01-contracting.md")
NOT_PLAIN = (
    "only plain placeholders such as {{ client.first_name }} are allowed",
    "remove filters, calls and expressions; see the placeholder list in the README",
)
TAG_HINT = "guides may only use {{ placeholders }}; write literal braces inside {% raw %}...{% endraw %}"
ALL_NAMES = [
    "client.first_name",
    "client.name",
    "client.organisation",
    "client.role",
    "coach.name",
    "coach.first_name",
    "engagement.start",
    "engagement.end",
    "program.title",
]


@pytest.fixture(scope="module")
def program() -> Program:
    return load_programs(Project(root=ROOT, content_dir=ROOT / "content", engagements_dir=ROOT / "engagements"))[0]


def engagement(**client: Any) -> Engagement:
    return Engagement.model_validate(
        {
            "client": {"name": "Ana Lima", "role": "CTO", "organisation": "Acme", **client},
            "coach": {"name": "Tom Becker"},
            "start": "2026-03-03",
            "end": "2026-12-18",
            "cadence": {"every_weeks": 2},
            "agreement": {"sessions": 8, "confidentiality": "Kept.", "logistics": "Video."},
        }
    )


def check(tmp_path: Path, text: str) -> list[tuple[int, int, str, str, str]]:
    path = tmp_path / "guide.md"
    path.write_text(text, encoding="utf-8")
    return [(p.line, p.column, p.field, p.message, p.hint) for p in check_guide(path, SHOWN)]


# --------------------------------------------------------------------------- check_guide accepts


def test_the_documented_placeholders() -> None:
    assert list(PLACEHOLDERS) == ALL_NAMES


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_documented_placeholder_is_accepted(tmp_path: Path, name: str) -> None:
    assert check(tmp_path, f"Hello {{{{ {name} }}}}, and again {{{{{name}}}}}.\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "Plain Markdown with no placeholders.\n",
        "{% raw %}{{ client.name | upper }} {% if x %}{% include 'x' %}{% endraw %}\n",
        "Literal braces: {% raw %}{{ 7*7 }}{% endraw %} and {{ client.first_name }}.\n",
        "{# a template comment is harmless #}\n",
        "---\ntitle: Contracting\n---\n\n# Contracting\n\n{{ coach.name }} explains.\n",
        "Single braces { like this } and }} stray closers are text.\n",
        "Note: a colon after a word is not an address. <b>Tip:</b> neither is this, at 10:30.\n",
        "[A page](../goals.md), [mail](mailto:coach@firm.example), <https://firm.example/>, [call](tel:+441234)\n",
        '![chart](data:image/png;base64,iVBORw0KGgo=) <a href="#top" title="x: y">top</a>\n',
        "[ref]: https://firm.example/guide\n",
    ],
)
def test_accepted_guides(tmp_path: Path, text: str) -> None:
    assert check(tmp_path, text) == []


def test_every_sample_guide_is_clean() -> None:
    # Seven guides, and their German translations (03-assessment.de.md), held to the same rules.
    guides = sorted((ROOT / "content" / "stages").glob("*.md"))
    assert len(guides) == 14
    for guide in guides:
        assert check_guide(guide, guide) == [], guide


# --------------------------------------------------------------------------- check_guide rejects


@pytest.mark.parametrize(
    "expression",
    [
        "client.name | upper",
        "client.name|e",
        "7*7",
        "'text'",
        "coach.name()",
        "client.name.upper()",
        "client",
        "client['name']",
        "client.name ~ coach.name",
        "client.name if true else coach.name",
        "lipsum(1)",
        "client.name.__class__",
        "client.__class__.__mro__",
        "range(10)",
    ],
)
def test_filters_expressions_and_calls_are_rejected(tmp_path: Path, expression: str) -> None:
    text = f"Line one\n\nThen {{{{ {expression} }}}} here.\n"
    assert check(tmp_path, text) == [(3, 1, "", *NOT_PLAIN)]


@pytest.mark.parametrize(
    ("template", "tag"),
    [
        ("{% if client.name %}hi{% endif %}", "if"),
        ("{% for x in range(3) %}x{% endfor %}", "for"),
        ("{% include 'other.md' %}", "include"),
        ("{% import 'macros.j2' as m %}", "import"),
        ("{% from 'macros.j2' import m %}", "fromimport"),
        ("{% set x = 1 %}", "assign"),
        ("{% macro m() %}x{% endmacro %}", "macro"),
        ("{% extends 'base.md' %}", "extends"),
        ("{% block body %}x{% endblock %}", "block"),
        ("{% with x = 1 %}{% endwith %}", "with"),
        ("{% filter upper %}x{% endfilter %}", "filterblock"),
    ],
)
def test_template_tags_are_rejected(tmp_path: Path, template: str, tag: str) -> None:
    text = f"# Title\n\n{template}\n"
    assert check(tmp_path, text) == [(3, 1, "", f"template tag `{tag}` is not allowed in guides", TAG_HINT)]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("client.frist_name", "did you mean 'client.first_name'?"),
        ("clent.name", "did you mean 'client.name'?"),
        ("coach.nam", "did you mean 'coach.name'?"),
        ("engagement.ends", "did you mean 'engagement.end'?"),
        ("client.organization", "did you mean 'client.organisation'?"),
        ("foo.bar", "expected one of: " + ", ".join(sorted(ALL_NAMES))),
    ],
)
def test_unknown_placeholder_has_did_you_mean(tmp_path: Path, name: str, hint: str) -> None:
    assert check(tmp_path, f"{{{{ {name} }}}}\n") == [(1, 1, "", f"unknown placeholder {{{{ {name} }}}}", hint)]


def test_dunder_attribute_is_an_unknown_placeholder(tmp_path: Path) -> None:
    assert check(tmp_path, "{{ client.__class__ }}\n") == [
        (1, 1, "", "unknown placeholder {{ client.__class__ }}", "expected one of: " + ", ".join(sorted(ALL_NAMES)))
    ]


def test_every_problem_in_a_guide_is_reported_with_its_line(tmp_path: Path) -> None:
    text = "{{ client.name }}\n{{ client.nme }}\n\n{{ 7*7 }}\n{% if x %}\n{% endif %}\n"
    assert check(tmp_path, text) == [
        (2, 1, "", "unknown placeholder {{ client.nme }}", "did you mean 'client.name'?"),
        (4, 1, "", *NOT_PLAIN),
        (5, 1, "", "template tag `if` is not allowed in guides", TAG_HINT),
    ]


def test_placeholder_in_front_matter_is_rejected_and_body_lines_stay_right(tmp_path: Path) -> None:
    text = "---\ntitle: {{ client.name }}\ndescription: x\n---\n\nBody\n{{ client.nme }}\n"
    assert check(tmp_path, text) == [
        (1, 1, "front matter", "placeholders do not work in front matter", "move it to the body"),
        (7, 1, "", "unknown placeholder {{ client.nme }}", "did you mean 'client.name'?"),
    ]


def test_tag_in_front_matter_is_rejected(tmp_path: Path) -> None:
    text = "---\ntitle: {% if x %}a{% endif %}\n---\nBody\n"
    assert check(tmp_path, text) == [
        (1, 1, "front matter", "placeholders do not work in front matter", "move it to the body")
    ]


@pytest.mark.parametrize("closing", ["---", "..."])
def test_front_matter_lines_are_counted(tmp_path: Path, closing: str) -> None:
    text = f"---\ntitle: Goals\ndescription: How goals work.\n{closing}\n\n# Goals\n\n{{{{ coach.nmae }}}}\n"
    assert check(tmp_path, text) == [(8, 1, "", "unknown placeholder {{ coach.nmae }}", "did you mean 'coach.name'?")]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Fine\n{{ client.name \n", 2, "placeholder syntax: unexpected end of template"),
        ("Fine\n\n{% endif %}\n", 3, "placeholder syntax: Encountered unknown tag 'endif'."),
        ("{% if x %}\nnever closed\n", 1, "placeholder syntax: Unexpected end of template."),
    ],
)
def test_template_syntax_error_is_reported_with_a_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    (problem,) = check(tmp_path, text)
    assert problem[:3] == (line, 1, "")
    assert problem[3].startswith(message)
    assert problem[4] == "write placeholders as {{ client.first_name }}"


def test_problem_is_named_by_the_shown_path(tmp_path: Path) -> None:
    path = tmp_path / "g.md"
    path.write_text("{{ nope.nope }}\n", encoding="utf-8")
    (problem,) = check_guide(path, SHOWN)
    assert problem.path == SHOWN
    assert str(problem).startswith("content/stages/01-contracting.md:1:1: unknown placeholder {{ nope.nope }}")


# --------------------------------------------------------------------------- rendering


def test_neutral_values(program: Program) -> None:
    assert neutral_values(program) == {
        "client.first_name": "you",
        "client.name": "you",
        "client.organisation": "your organisation",
        "client.role": "your role",
        "coach.name": "your coach",
        "coach.first_name": "your coach",
        "engagement.start": "the start of your engagement",
        "engagement.end": "the end of your engagement",
        "program.title": "Executive Coaching Programme",
    }


def test_render_guide_with_neutral_values(program: Program) -> None:
    guide = (
        "Welcome, {{ client.first_name }}. {{ coach.name }} will guide the {{ program.title }}"
        " from {{ engagement.start }}.\n"
    )
    assert render_guide(guide, neutral_values(program)) == (
        "Welcome, you. your coach will guide the Executive Coaching Programme from the start of your engagement.\n"
    )


def test_personal_values(program: Program) -> None:
    assert personal_values(engagement(), program) == {
        "client.first_name": "Ana",
        "client.name": "Ana Lima",
        "client.organisation": "Acme",
        "client.role": "CTO",
        "coach.name": "Tom Becker",
        "coach.first_name": "Tom",
        "engagement.start": "3 March 2026",
        "engagement.end": "18 December 2026",
        "program.title": "Executive Coaching Programme",
    }


def test_first_name_overrides_the_first_word(program: Program) -> None:
    values = personal_values(engagement(name="Dr Ana Lima", first_name="Ana"), program)
    assert values["client.first_name"] == "Ana"
    assert values["client.name"] == "Dr Ana Lima"


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ 7*7 }}",
        "{% include 'x' %}",
        "{{ client.__class__.__mro__ }}",
        "{% for i in range(9) %}x{% endfor %}",
        "<script>alert(1)</script>",
    ],
)
def test_engagement_values_are_rendered_literally(program: Program, hostile: str) -> None:
    values = personal_values(engagement(name=hostile, organisation=hostile), program)
    out = render_guide("{{ client.name }} at {{ client.organisation }}; hi {{ client.first_name }}", values)
    assert out == f"{hostile} at {hostile}; hi {hostile.split()[0]}"


def test_render_keeps_trailing_newline_and_raw_blocks(program: Program) -> None:
    guide = "A {% raw %}{{ client.name }}{% endraw %} B {{ client.role }}\n\n"
    assert render_guide(guide, neutral_values(program)) == "A {{ client.name }} B your role\n\n"


@pytest.mark.parametrize(
    "template",
    [
        "{{ client.__class__ }}",
        "{{ client.name.__class__ }}",
        "{{ client.name.__class__.__mro__ }}",
        "{{ client.update({}) }}",
        "{{ client.pop('name') }}",
    ],
)
def test_sandbox_blocks_attribute_access(program: Program, template: str) -> None:
    with pytest.raises(SecurityError):
        render_guide(template, neutral_values(program))


def test_render_is_strict_about_unknown_names(program: Program) -> None:
    with pytest.raises(UndefinedError, match="has no attribute 'nme'"):
        render_guide("{{ client.nme }}", neutral_values(program))


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2026, 3, 3), "3 March 2026"),
        (dt.date(2026, 12, 18), "18 December 2026"),
        (dt.date(2027, 1, 1), "1 January 2027"),
    ],
)
def test_human_date(day: dt.date, text: str) -> None:
    assert human_date(day) == text
