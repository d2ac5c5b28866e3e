"""Pages lose the theme's indentation and nothing else (`coachbook.adapter.compact`)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from coachbook.adapter.compact import compact_html

PAGE = """<!doctype html>
<html>
  <head>
    <style>
      .a { color: red; }
    </style>
    <script>
      var text = "  keep\\n    these";
    </script>
  </head>
  <body>
    <p>Two
       words <em>and</em>
       <strong>more</strong></p>
    <pre><code>def f():
    return 1
</code></pre>
    <p>Inline <code>  spaced  </code> code, and a
      <textarea>
  typed
    text</textarea></p>
  </body>
</html>
"""


class _Text(HTMLParser):
    """The text a browser lays out, with runs of whitespace collapsed, except inside pre and textarea."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.kept = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.kept += tag in ("pre", "textarea", "script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.kept -= tag in ("pre", "textarea", "script", "style")

    def handle_data(self, data: str) -> None:
        self.parts.append(data if self.kept else re.sub(r"\s+", " ", data))


def laid_out(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return re.sub(r" +", " ", "".join(parser.parts))


def test_indentation_goes_and_what_a_reader_sees_stays() -> None:
    compact = compact_html(PAGE)
    assert len(compact) < len(PAGE)
    assert laid_out(compact) == laid_out(PAGE)
    # No line break between words is removed: "Two words and more" keeps its spaces.
    assert "<p>Two\nwords <em>and</em>\n<strong>more</strong></p>" in compact


def test_preformatted_text_scripts_styles_and_code_are_left_byte_for_byte() -> None:
    compact = compact_html(PAGE)
    for kept in (
        "<pre><code>def f():\n    return 1\n</code></pre>",
        "<textarea>\n  typed\n    text</textarea>",
        '<script>\n      var text = "  keep\\n    these";\n    </script>',
        "<style>\n      .a { color: red; }\n    </style>",
        "<code>  spaced  </code>",
    ):
        assert kept in compact, kept


def test_a_built_page_has_no_indented_line_outside_what_is_kept(built_firm: Path) -> None:
    pages = sorted((built_firm / "site" / "clients" / "dana-whitfield").rglob("*.html"))
    assert len(pages) > 15
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert compact_html(text) == text, page
        outside = re.sub(r"<(pre|textarea|script|style|code)\b.*?</\1\s*>", "", text, flags=re.I | re.S)
        assert not re.search(r"\n[ \t]+", outside), page
