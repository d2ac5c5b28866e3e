"""Guide placeholders: the small, documented way a stage guide speaks to its reader.

A guide may contain `{{ client.first_name }}` and the other names listed in
`PLACEHOLDERS`, and nothing else Jinja offers: no filters, no tags, no calls.
That keeps guides safe to accept from anyone at the firm (mkdocs-macros lets
Markdown run code; this does not) and lets one conversion of a guide serve
every client, because a placeholder is always plain text in running prose.

Rendering uses a sandboxed environment with strict undefined. The values are
passed in as data and never rendered as templates themselves, so `{{ 7*7 }}`
typed into an engagement file shows literally.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from coachbook.core.fields import BIDI_CONTROLS, WEB_SCHEMES
from coachbook.core.i18n import N_, Language, english
from coachbook.core.validation import did_you_mean
from coachbook.core.yaml_reader import line_and_column, not_utf8
from coachbook.errors import Problem

if TYPE_CHECKING:
    import datetime as dt

    from coachbook.core.model import Engagement, Program

__all__ = [
    "PLACEHOLDERS",
    "Placeholder",
    "check_guide",
    "human_date",
    "neutral_values",
    "personal_values",
    "render_guide",
]


def human_date(day: dt.date, language: Language | None = None) -> str:
    """A date the way people write it in `language` (British English by default): 3 March 2026, 3. März 2026."""
    return (language or english()).date(day)


@dataclass(frozen=True)
class Placeholder:
    """One name a guide may use."""

    name: str
    description: str
    neutral: str
    """What the public handbook shows instead of a client's value: an English message, translated when shown."""
    value: Callable[[Engagement, Program, Language], str]


PLACEHOLDERS: dict[str, Placeholder] = {
    p.name: p
    for p in (
        Placeholder("client.first_name", "the client's first name", N_("you"), lambda e, _, __: e.client.given_name),
        Placeholder("client.name", "the client's full name", N_("you"), lambda e, _, __: e.client.name),
        Placeholder(
            "client.organisation",
            "the client's organisation",
            N_("your organisation"),
            lambda e, _, __: e.client.organisation,
        ),
        Placeholder("client.role", "the client's role", N_("your role"), lambda e, _, __: e.client.role),
        Placeholder("coach.name", "the coach's full name", N_("your coach"), lambda e, _, __: e.coach.name),
        Placeholder(
            "coach.first_name", "the coach's first name", N_("your coach"), lambda e, _, __: e.coach.given_name
        ),
        Placeholder(
            "engagement.start",
            "the start date, e.g. 3 March 2026",
            N_("the start of your engagement"),
            lambda e, _, language: human_date(e.start, language),
        ),
        Placeholder(
            "engagement.end",
            "the planned end date",
            N_("the end of your engagement"),
            lambda e, _, language: human_date(e.end, language),
        ),
        Placeholder("program.title", "the program's title", "", lambda _, p, __: p.title),
    )
}

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_FRONT_MATTER = re.compile(r"\A(---\s*\n.*?\n)(---|\.\.\.)\s*\n", re.DOTALL)


def personal_values(engagement: Engagement, program: Program, language: Language | None = None) -> dict[str, str]:
    """Each placeholder's value for one client, dates written in their site's language."""
    language = language or english()
    return {name: p.value(engagement, program, language) for name, p in PLACEHOLDERS.items()}


def neutral_values(program: Program, language: Language | None = None) -> dict[str, str]:
    """Each placeholder's value in the public handbook, where there is no client, in the handbook's language."""
    language = language or english()
    return {name: (language.gettext(p.neutral) if p.neutral else program.title) for name, p in PLACEHOLDERS.items()}


def render_guide(markdown: str, values: Mapping[str, str]) -> str:
    """Replace the placeholders in a guide's Markdown body with `values`.

    The caller decides what a value is: a client's text, neutral wording, or
    an opaque token that is swapped for escaped HTML after conversion.
    """
    context: dict[str, dict[str, str]] = {}
    for name, value in values.items():
        group, attr = name.split(".")
        context.setdefault(group, {})[attr] = value
    return _compiled(markdown).render(context)


@functools.lru_cache(maxsize=512)
def _compiled(markdown: str) -> Template:
    """A guide's template, compiled once per process: every client's copy of a guide is the same text.

    Rendering a compiled template has no side effects, so one compiled guide serves every client.
    """
    return _ENV.from_string(markdown)


def check_guide(path: Path, shown: Path) -> list[Problem]:
    """Every placeholder problem in one guide file, with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [not_utf8(shown, exc)]
    match = _FRONT_MATTER.match(text)
    problems: list[Problem] = _bidi_problems(text, shown) + _scheme_problems(text, shown)
    if match:
        front = match.group(0)
        if "{{" in front or "{%" in front:
            problems.append(
                Problem(shown, 1, 1, "front matter", "placeholders do not work in front matter", "move it to the body")
            )
        # Keep line numbers right by blanking the front matter instead of cutting it.
        text = "\n" * front.count("\n") + text[len(front) :]
    try:
        tree = _ENV.parse(text)
    except TemplateSyntaxError as exc:
        return [
            *problems,
            Problem(
                shown,
                exc.lineno or 1,
                1,
                "",
                f"placeholder syntax: {exc.message}",
                "write placeholders as {{ client.first_name }}",
            ),
        ]
    for node in tree.body:
        problems += _check_node(node, shown)
    return problems


#: Where a Markdown guide names an address: an inline link or image, a reference definition, an autolink, or an
#: HTML attribute that holds one. The address is captured as written, up to where it must end.
_ADDRESS = re.compile(
    r"""(?:\]\(\s*<?|^\s{0,3}\[[^\]]+\]:\s*<?|<(?=[a-zA-Z&][^\s<>]*:)"""
    r"""|\b(?:href|src|srcset|action|formaction|poster|data|background|ping)\s*=\s*["']?\s*)"""
    r"""([^\s"'<>()]+)""",
    re.MULTILINE | re.IGNORECASE,
)
#: A URL's scheme, once the URL is read as a browser reads it (`_as_read`).
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_TABS_AND_NEWLINES = re.compile(r"[\t\n\r]")


def _as_read(address: str) -> str:
    """An address as a browser reads it, so that `jav&#x61;script:` is a `javascript:` address.

    Character references decoded, tabs and newlines gone, and no leading spaces or control characters.
    """
    return _TABS_AND_NEWLINES.sub("", html.unescape(address)).lstrip("".join(map(chr, range(0x21))))


def _scheme_problems(text: str, shown: Path) -> list[Problem]:
    """A guide may link to web addresses and its own pages only: `file:`, `javascript:` and the rest are refused.

    The leak audit refuses them in the built pages too, whatever wrote them; this names the guide's line first.
    """
    problems = []
    for found in _ADDRESS.finditer(text):
        read = _SCHEME.match(_as_read(found.group(1)))
        if read is None:
            continue  # A page of the handbook, or an address relative to one.
        scheme = read.group(1).lower()
        # A data: URL is an inline image as often as not; the audit refuses one that is followed as a link.
        if scheme in WEB_SCHEMES or scheme == "data":
            continue
        line, column = line_and_column(text, found.start(1))
        problems.append(
            Problem(
                shown,
                line,
                column,
                "",
                f"links to a {scheme}: address, which readers' browsers would open on their own computer or run",
                "link only to http:, https:, mailto: and tel: addresses and to the handbook's own pages",
            )
        )
    return problems


def _bidi_problems(text: str, shown: Path) -> list[Problem]:
    """A guide is shown to every client: a bidi override in it would make what follows display reversed."""
    problems = []
    for found in BIDI_CONTROLS.finditer(text):
        line, column = line_and_column(text, found.start())
        name = unicodedata.name(found.group(), "bidi control").lower()
        problems.append(
            Problem(
                shown,
                line,
                column,
                "",
                f"contains U+{ord(found.group()):04X} ({name}), which can make the text after it display reversed",
                "delete it: retype the line rather than pasting it from a word processor, a PDF or a chat",
            )
        )
    return problems


def _check_node(node: nodes.Node, shown: Path) -> list[Problem]:
    if isinstance(node, nodes.Output):
        out: list[Problem] = []
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            name = _placeholder_name(child)
            if name is None:
                out.append(
                    Problem(
                        shown,
                        child.lineno,
                        1,
                        "",
                        "only plain placeholders such as {{ client.first_name }} are allowed",
                        "remove filters, calls and expressions; see the placeholder list in the README",
                    )
                )
            elif name not in PLACEHOLDERS:
                out.append(
                    Problem(
                        shown,
                        child.lineno,
                        1,
                        "",
                        f"unknown placeholder {{{{ {name} }}}}",
                        did_you_mean(name, PLACEHOLDERS),
                    )
                )
        return out
    return [
        Problem(
            shown,
            node.lineno,
            1,
            "",
            f"template tag `{type(node).__name__.lower()}` is not allowed in guides",
            "guides may only use {{ placeholders }}; write literal braces inside {% raw %}...{% endraw %}",
        )
    ]


def _placeholder_name(expr: nodes.Node) -> str | None:
    if isinstance(expr, nodes.Getattr) and isinstance(expr.node, nodes.Name):
        return f"{expr.node.name}.{expr.attr}"
    return None
