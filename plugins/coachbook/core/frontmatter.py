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
import re
from collections.abc import Callable
from typing import Any

import yaml

__all__ = ["once_per_text", "split_front_matter"]

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
