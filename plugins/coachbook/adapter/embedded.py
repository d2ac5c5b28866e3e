"""Sections of a page converted apart and put in afterwards: the stage guides of the print page.

The print page repeats every stage guide. Converting them as part of the
page meant converting every guide again for every client, a third of a
site's build. Each guide is instead an `Embedded` section with values of its
own (`coachbook.render.plan`): its Markdown is the same for every client with
the same standing on the stage, so the build's fork server converts it once
(`coachbook.build.mkdocs_patches.PageConversions`, keyed by the exact
Markdown), and each site only fills in its own values.

A section is converted exactly as the page itself would convert it: by
MkDocs, as the page's own file (so links resolve from the page's address),
with the page's Markdown settings. Its headings join the page's table of
contents, and its ids the page's anchors.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING

from mkdocs.structure.pages import Page

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.toc import AnchorLink

    from coachbook.render.plan import Embedded

__all__ = ["convert_section", "put_in_sections", "rename_ahead"]


def convert_section(section: Embedded, page: Page, config: MkDocsConfig, files: Files) -> Page:
    """The section converted as the Markdown of `page`'s file (its values still tokens)."""
    # A Page registers itself on its file; the section's stand-in must not replace the real page there.
    file = copy.copy(page.file)
    converted = Page(None, file, config)
    converted.markdown = section.markdown
    converted.render(config, files)
    return converted


def put_in_sections(html: str, page: Page, config: MkDocsConfig, files: Files, sections: tuple[Embedded, ...]) -> str:
    """`html` (the page, converted and filled) with each section converted, filled and put at its placeholder.

    Each placeholder is found in the page as converted, and the page is put together once at the end: a
    print page is some 200 kB, and holds ten sections.
    """
    placed: list[tuple[int, int, str]] = []
    for section in sections:
        converted = convert_section(section, page, config, files)
        content = _section_html(section, converted)
        placeholder = f"<p>{section.token}</p>"
        start = html.find(placeholder)
        if start < 0:
            raise ValueError(f"the page {page.file.src_uri} lost the place of its section {section.anchor!r}")
        placed.append((start, start + len(placeholder), content))
        _fill_toc(converted.toc, section)
        _join_toc(page, list(converted.toc))
        if page.present_anchor_ids is not None and converted.present_anchor_ids:
            page.present_anchor_ids |= converted.present_anchor_ids
    pieces = []
    end = 0
    for start, after, content in sorted(placed):
        pieces += [html[end:start], content]
        end = after
    pieces.append(html[end:])
    return "".join(pieces)


#: Ids that Markdown extensions number per conversion (`__tabbed_1_1`, `__codelineno-0-1`): converted apart,
#: every section would start at 1 again, so each section's get its anchor in front.
_NUMBERED_ID = re.compile(r"""(\b(?:id|for|name)=["']|href=["']#)__""")


#: Where an id, or a link to one on the page, starts, and its value up to the first quote (read, not taken):
#: the places `_prefix_headings` renames.
_ID_OR_FRAGMENT = re.compile(r"""(\bid=["']|href=["']#)(?=([^"']*)["'])""")


def _own_ids(html: str, anchor: str) -> str:
    if "__" not in html:
        # Every id the pattern renames starts with `__`; most sections have none.
        return html
    return _NUMBERED_ID.sub(lambda m: f"{m.group(1)}__{anchor}-", html)


#: A section's ids renamed before its values are filled (`_section_html`), by its conversion (the very string the
#: fork server converted ahead), anchor, prefix and ids: the same for every client at the same standing.
_RENAMED: dict[tuple[str, str, str, frozenset[str]], tuple[str, dict[str, str]]] = {}
#: A token inside an id or a link to one, or right before a letter or `=`: where a value filled in could make
#: the renaming read the section otherwise than before it was filled.
_TOKEN_NEAR_ID = re.compile(r"""(?:\b(?:id|for|name)=["']|href=["']#)[^"']*CBV\d{4,}Z|CBV\d{4,}Z(?=[\w=])""")


def rename_ahead(section: Embedded, content: str, anchors: frozenset[str]) -> None:
    """In the fork server: rename the ids of a section converted ahead once, for every site to fill in.

    `content` and `anchors` are the section's conversion (with its values as tokens) and the ids in it.
    `_own_ids` and `_prefix_headings` read the section's tags, and its values are text in it: once no value
    can be read as part of a tag's id (`_TOKEN_NEAR_ID`, `_fills_as_text`), renaming and filling give the
    same page in either order. So a site takes the section renamed, and only fills it.
    """
    if _TOKEN_NEAR_ID.search(content):
        return
    _RENAMED[(content, section.anchor, section.id_prefix, anchors)] = _prefixed(
        _own_ids(content, section.anchor), anchors, section
    )


def _section_html(section: Embedded, converted: Page) -> str:
    """The section's HTML for the page: its values filled in, and its ids made its own."""
    content = converted.content or ""
    anchors = frozenset(converted.present_anchor_ids or ())
    kept = _RENAMED.get((content, section.anchor, section.id_prefix, anchors)) if _RENAMED else None
    if kept is not None and _fills_as_text(section):
        renamed_html, renamed = kept
        html = section.slots.fill(renamed_html)
    else:
        html, renamed = _prefixed(_own_ids(section.slots.fill(content), section.anchor), anchors, section)
    if renamed:
        _rename_toc(converted.toc, renamed)
        converted.present_anchor_ids = (set(anchors) - renamed.keys()) | set(renamed.values())
    return html


def _fills_as_text(section: Embedded) -> bool:
    """Whether every value of the section is text without `=`: filled, it never reads as part of a tag's id."""
    values = section.slots.text_values()
    return values is not None and not any("=" in value for value in values)


def _prefixed(html: str, anchors: frozenset[str], section: Embedded) -> tuple[str, dict[str, str]]:
    """`_prefix_headings`: the section's HTML with the prefix given, and the ids renamed (old to new)."""
    mine = {
        anchor
        for anchor in anchors
        if anchor != section.anchor and not anchor.startswith(section.id_prefix) and not anchor.startswith("__")
    }
    if not section.id_prefix or not mine:
        return html, {}
    return _prefix_headings(html, mine, section), {anchor: section.id_prefix + anchor for anchor in mine}


def _prefix_headings(html: str, mine: set[str], section: Embedded) -> str:
    """Give the section's own prefix to the ids its headings got from their words (`mine`).

    Converted as one page, two guides' "What happens in this stage" would get distinct ids from the
    table of contents extension; converted apart, both get the same one. Ids written in the guide are
    prefixed already (`embed_markdown`), and the section's heading has its anchor.
    """
    if any('"' in a or "'" in a or "=" in a for a in mine):
        pattern = re.compile(
            r"""(\bid=["']|href=["']#)("""
            + "|".join(re.escape(a) for a in sorted(mine, key=len, reverse=True))
            + r""")(["'])"""
        )
        html = pattern.sub(lambda m: f"{m.group(1)}{section.id_prefix}{m.group(2)}{m.group(3)}", html)
    else:
        # An anchor without quotes, followed by a quote, is the whole value up to its first quote; and without
        # `=` it holds no place to rename. So one pattern for every page, which reads the value without taking
        # it, renames the same places as a pattern of the anchors (compiled for each section) would.
        html = _ID_OR_FRAGMENT.sub(lambda m: m.group(1) + section.id_prefix if m.group(2) in mine else m.group(1), html)
    return html


def _rename_toc(items: object, renamed: dict[str, str]) -> None:
    for item in items:  # type: ignore[attr-defined]
        item.id = renamed.get(item.id, item.id)
        _rename_toc(item.children, renamed)


def _fill_toc(items: object, section: Embedded) -> None:
    for item in items:  # type: ignore[attr-defined]
        item.title = section.slots.fill(item.title)
        _fill_toc(item.children, section)


def _join_toc(page: Page, items: list[AnchorLink]) -> None:
    """Add a section's headings to the page's table of contents, under the page's title when it has one."""
    toc = page.toc
    top = list(toc)
    if len(top) == 1 and top[0].level == 1:
        top[0].children.extend(items)
    else:
        toc.items.extend(items)
