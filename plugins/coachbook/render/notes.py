"""Coach-written Markdown notes, turned into HTML that is safe to publish.

Notes are typed by coaches and may be pasted from anywhere. Python-Markdown
passes raw HTML straight through, `<script>` included, so every note is
converted on its own and then cleaned with an allow-list (nh3): formatting and
links survive; scripts, event handlers, iframes, forms, images, styles,
`javascript:` and `data:` URLs and comments do not.

Where direction matters, every paragraph, list item, heading, quote and table
cell of a note carries `dir="auto"`: the browser lays each out in the
direction of its own first letter, so a note written in Arabic reads right to
left on an English site, and an English sentence left to right on an Arabic
one. That is every note on a right-to-left page, and every note holding
right-to-left letters on the others.
"""

from __future__ import annotations

import markdown
import nh3

from coachbook.core.visibility import strip_comments
from coachbook.render.tokens import right_to_left

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
#: The elements of a note that hold its text, each laid out in the direction of its own words.
_DIRECTED = {tag: {"dir": "auto"} for tag in ("p", "li", "h3", "h4", "h5", "h6", "blockquote", "td", "th")}


def render_note(text: str, *, rtl_page: bool = False) -> str:
    """Convert one note from Markdown to sanitised HTML, its blocks directed by their own text where it matters."""
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
        set_tag_attribute_values=_DIRECTED if rtl_page or right_to_left(source) else None,
    ).strip()
