"""A page's front matter and body, split by the rules MkDocs 1.6 uses.

The print page repeats every stage guide, so it must read a guide exactly as
the guide's own page reads it. MkDocs (`mkdocs.utils.meta.get_data`) takes a
YAML block between `---` lines when it parses to a mapping, and otherwise
MultiMarkdown-style `key: value` lines up to the first blank line. These
rules are repeated here, so the core never imports MkDocs; a test holds them
to MkDocs' own function on every guide and on the edge cases.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from coachbook.core.yaml_reader import parse_yaml
from coachbook.errors import Problem, ProblemList

__all__ = ["front_matter_problems", "once_per_text", "split_front_matter"]

_OPENING = re.compile(r"^-{3}[ \t]*\n")
_YAML_BLOCK = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
_META_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
_META_MORE = re.compile(r"^([ ]{4}|\t)(\s*)(?P<value>.*)")
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


#: A reader of front matter: a page's text to its body and the data of its front matter.
FrontMatterReader = Callable[[str], tuple[str, dict[str, Any]]]


def once_per_text(read: FrontMatterReader, *, keep: int = 256) -> FrontMatterReader:
    """`read`, remembered by the text it is given (up to `keep` texts), each caller with data of its own.

    Every site's process reads the same guides, which the fork server read first; the data is a deep copy
    of what was read, so a caller (a plugin, through MkDocs) may change it as it could before.
    """
    kept_by_text: dict[str, tuple[str, dict[str, Any]]] = {}

    def remembered(text: str) -> tuple[str, dict[str, Any]]:
        kept = kept_by_text.get(text)
        if kept is None:
            kept = read(text)
            if len(kept_by_text) < keep:
                kept_by_text[text] = kept
        body, data = kept
        return body, copy.deepcopy(data)

    return remembered


def split_front_matter(text: str) -> tuple[str, dict[str, Any]]:
    """The body of a Markdown page and the data of its front matter (empty when it has none).

    Each caller gets data of its own, however often the same text is split (`once_per_text`).
    """
    return _split_once(text)


def _split(text: str) -> tuple[str, dict[str, Any]]:
    block = _YAML_BLOCK.match(text)
    if block:
        try:
            data = yaml.load(block.group(1), _SafeLoader)
        except Exception:  # MkDocs keeps a block it cannot read as part of the page.
            return text, {}
        if isinstance(data, dict):
            return text[block.end() :].lstrip("\n"), data
        return text, {}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta: dict[str, Any] = {}
    key = None
    while lines:
        line = lines.pop(0)
        if line.strip() == "":
            break
        if found := _META_LINE.match(line):
            key = found.group("key").lower().strip()
            value = found.group("value").strip()
            meta[key] = f"{meta[key]} {value}" if key in meta else value
            continue
        more = _META_MORE.match(line)
        if more and key:
            meta[key] += " " + more.group("value").strip()
            continue
        lines.insert(0, line)
        break
    return "\n".join(lines).lstrip("\n"), meta


_split_once = once_per_text(_split)


def front_matter_problems(text: str, shown: Path) -> list[Problem]:
    """What is wrong with a page's `---` front matter block, each at its line; none for a page without one.

    MkDocs keeps a block it cannot read, or one that is not a mapping, as part of the page (see `_split`), so a
    typo in a guide's front matter would be published to every client as text. Only a block at the very top of
    the page is front matter: a `---` rule further down is Markdown. A block is read with Coachbook's own YAML
    reader, which names the line (and refuses what it refuses in engagement files: duplicate keys, tags...).
    `text` has its line breaks as Python reads a text file (each a line feed).
    """
    if not _OPENING.match(text):
        return []
    block = _YAML_BLOCK.match(text)
    if block is None:
        following = next((line for line in text.split("\n")[1:] if line.strip()), "")
        if not _META_LINE.match(following):
            return []  # a horizontal rule atop a page, not front matter
        return [
            Problem(
                shown,
                1,
                1,
                "",
                "front matter: the block opened on line 1 is never closed",
                "end the front matter with a line of three dashes (---) before the page's text",
            )
        ]
    try:
        # The block's text starts on the page's second line: a blank line first keeps the reader's lines the page's.
        data = parse_yaml("\n" + block.group(1), shown).data
    except ProblemList as exc:
        # The field (`title`) goes after "front matter", which says where on the page the field is.
        return [
            dataclasses.replace(
                problem,
                field="",
                message=f"front matter: {problem.field + ': ' if problem.field else ''}{problem.message}",
            )
            for problem in exc.problems
        ]
    if isinstance(data, dict):
        return []
    kind = "a list" if isinstance(data, list) else "text" if isinstance(data, str) else f"a {type(data).__name__}"
    return [
        Problem(
            shown,
            2,
            1,
            "",
            f"front matter: expected `key: value` lines, got {kind}",
            "write `title: ...` lines between the --- lines; if the first --- is meant as a rule, start the page "
            "with its text instead",
        )
    ]
