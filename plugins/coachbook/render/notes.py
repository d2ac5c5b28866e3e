"""Coach-written Markdown notes, turned into HTML that is safe to publish.

Notes are typed by coaches and may be pasted from anywhere. Python-Markdown
passes raw HTML straight through, `<script>` included, so every note is
converted on its own and then cleaned with an allow-list (nh3): formatting and
links survive; scripts, event handlers, iframes, forms, images, styles,
`javascript:` and `data:` URLs and comments do not.
"""

from __future__ import annotations

import markdown
import nh3

from coachbook.core.visibility import strip_comments

__all__ = ["render_note"]

_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "del", "sub", "sup",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_EXTENSIONS = ["sane_lists", "tables"]
#: One converter for every note of the process: making one (loading its extensions) costs more than converting
#: a note. `reset()` clears what a conversion leaves behind (footnotes, references) before the next.
_CONVERTER = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")


def render_note(text: str) -> str:
    """Convert one note from Markdown to sanitised HTML."""
    # Comments are coach-only by rule; drop them before conversion so their
    # text never reaches the converter, let alone the page.
    source = strip_comments(text)
    converted = _CONVERTER.reset().convert(source)
    return nh3.clean(
        converted,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
