"""A page's front matter is read by Coachbook's core exactly as MkDocs reads it, once per text."""

from __future__ import annotations

from pathlib import Path

import pytest

from coachbook.build import mkdocs_patches
from coachbook.core.frontmatter import split_front_matter

REPO = Path(__file__).resolve().parent.parent
GUIDES = sorted((REPO / "content").rglob("*.md"))
EDGE_CASES = [
    "",
    "# Title only\n",
    "---\ntitle: Contracting\n---\n\n# Contracting\n",
    "---\ntitle: A\ntags: [x, y]\n...\nBody\n",
    "---\n- a list\n- not a mapping\n---\nBody\n",
    "---\ntitle: [unclosed\n---\nBody\n",
    "---   \ntitle: spaces after the dashes\n---\t\nBody\n",
    "Title: MultiMarkdown\nAuthor: Someone\n    who wraps\n\nBody\n",
    "Title: one line only",
    "Not: meta\r\nWindows: lines\r\n\r\nBody\r\n",
    "\n---\ntitle: not at the start\n---\n",
    "---\ntitle: no end\n\nBody\n",
]


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8-sig") for p in GUIDES] + EDGE_CASES)
def test_front_matter_is_split_as_mkdocs_splits_it(text: str) -> None:
    assert split_front_matter(text) == mkdocs_patches._original_get_data(text)
    # Read again (from what was kept), and through the patched reader MkDocs uses in a build: the same.
    assert split_front_matter(text) == mkdocs_patches._get_data(text) == mkdocs_patches._original_get_data(text)


def test_each_reader_gets_front_matter_of_its_own() -> None:
    text = "---\ntitle: Goals\ntags: [one, two]\n---\nBody\n"
    for read in (split_front_matter, mkdocs_patches._get_data):
        _, first = read(text)
        first["tags"].append("changed by a plugin")
        first["title"] = "changed"
        assert read(text)[1] == {"title": "Goals", "tags": ["one", "two"]}
