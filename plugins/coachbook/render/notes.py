"""Coach-written Markdown notes, turned into HTML that is safe to publish.

Notes are typed by coaches and may be pasted from anywhere. Python-Markdown
passes raw HTML straight through, `<script>` included, so every note is
converted on its own and then cleaned with an allow-list (nh3): formatting and
links survive; scripts, event handlers, iframes, forms, images, styles,
`javascript:` and `data:` URLs and comments do not.

Two things a note may do that a page would otherwise get wrong:

* **Headings.** A note sits inside a page that has its own `#` title and `##`
  sections, so its headings start at level 3: `#` and `##` in a note become
  level 3 headings, and `###` to `######` stay as written.
* **Links to pages.** A note may link to a stage guide as `program.yml` names it
  (`stages/03-assessment.md`) or to a page of the client's site (`goals.md`),
  like a link in a guide. Since notes are converted apart from MkDocs, the link
  is rewritten here to the page's address as seen from the page the note is on
  (`NoteLinks`). A link to a `.md` file that is no page of the site keeps its
  words and loses the link, so nothing broken is published; `coachbook check`
  warns about it (`coachbook.core.rules`), and `--strict` refuses it.
* **Direction.** Where direction matters, every paragraph, list item, heading,
  quote and table cell of a note carries `dir="auto"`: the browser lays each
  out in the direction of its own first letter, so a note written in Arabic
  reads right to left on an English site, and an English sentence left to
  right on an Arabic one. That is every note on a right-to-left page, and
  every note holding right-to-left letters on the others.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections.abc import Collection
from dataclasses import dataclass

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

from coachbook.core.rules import md_link_target
from coachbook.core.visibility import strip_comments
from coachbook.render.embed import page_url
from coachbook.render.tokens import right_to_left

__all__ = ["NoteLinks", "render_note"]


@dataclass(frozen=True)
class NoteLinks:
    """Where a note's links to pages lead: the pages of its site, and the page the note is on."""

    pages: Collection[str]
    """Source paths of every page of the site (`goals.md`, `stages/03-assessment.md`)."""
    page: str = "index.md"
    """The source path of the page the note is shown on."""
    directory_urls: bool = True

    def resolve(self, href: str) -> str | None:
        """The address of `href` as seen from the note's page.

        Returns:
            The rewritten address of a relative link to a `.md` page of the site; `href` itself for any
            other link (a web address, an anchor, a file); None for a `.md` link to no page of the site.
        """
        target = md_link_target(href)
        if target is None:
            return href
        path, fragment = target
        if path not in self.pages:
            return None
        return page_url(path, self.directory_urls, page=self.page) + (f"#{fragment}" if fragment else "")


class _Headings(Treeprocessor):
    """Headings start at level 3 in a note; links to pages lead to them (see the module's docstring)."""

    links: NoteLinks | None = None

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag in ("h1", "h2"):
                element.tag = "h3"
            elif element.tag == "a" and self.links is not None:
                href = element.get("href", "")
                resolved = self.links.resolve(href)
                if resolved is None:
                    # A span keeps the words; the allow-list then drops the tag itself.
                    element.tag = "span"
                    element.attrib.clear()
                elif resolved != href:
                    element.set("href", resolved)


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
_NOTES = _Headings(_CONVERTER)
# After the inline patterns have made the links, before the tree is serialised.
_CONVERTER.treeprocessors.register(_NOTES, "coachbook-notes", 5)


def render_note(text: str, links: NoteLinks | None = None, *, rtl_page: bool = False) -> str:
    """Convert one note from Markdown to sanitised HTML, its blocks directed by their own text where it matters.

    Arguments:
        text: The note.
        links: The site's pages and the page the note is on, to rewrite links to pages; None leaves links as
            written.
        rtl_page: The note is shown on a right-to-left page, so every block is directed by its own words.
    """
    # Comments are coach-only by rule; drop them before conversion so their
    # text never reaches the converter, let alone the page.
    source = strip_comments(text)
    directed = rtl_page or right_to_left(source)
    # Without `[` or `<` a note has no link (inline, reference, automatic or raw), so the page it is on
    # changes nothing: such a note is converted once, though the print page shows it a second time.
    key = (source, directed) if links is None or ("[" not in source and "<" not in source) else None
    if key is not None and (kept := _CONVERTED.get(key)) is not None:
        return kept
    _NOTES.links = links
    converted = _CONVERTER.reset().convert(source)
    cleaned = nh3.clean(
        converted,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        set_tag_attribute_values=_DIRECTED if directed else None,
    ).strip()
    if key is not None:
        if len(_CONVERTED) >= _MAX_CONVERTED:
            _CONVERTED.clear()
        _CONVERTED[key] = cleaned
    return cleaned


#: Notes converted in this process, by their text and whether they are directed (see `render_note`).
_CONVERTED: dict[tuple[str, bool], str] = {}
_MAX_CONVERTED = 5_000
