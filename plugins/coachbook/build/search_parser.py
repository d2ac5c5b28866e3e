"""Material's search index, parsed the same way in less time.

Material's search plugin cuts every page into sections with an `HTMLParser`
subclass. At each tag and each run of text it asks whether any open element
is one to skip (`skip.intersection(context)`) and whether it is inside the
section's heading (`section.el in context`), and both questions hash and
compare its `Element` objects in Python: a large part of what indexing a page
costs. Those objects compare by tag name alone (`Element.__eq__`), so the
skip set is in effect a set of tag names, and each question can be asked of
the open elements' names, kept beside them, in C.

`FastParser` answers every question exactly as Material's `Parser` does,
statement for statement, and gives the same sections. Material's
`SearchPlugin.on_page_context` then strips `data-search-*` attributes from
the page with a regular expression whose optional leading space makes it try
every character, some milliseconds on a client's print page: `_on_page_context`
does the same, and skips that search in a page that has no such attribute.
Both are used only when
the installed Material's parser is the one it was written against: the
source of each method it replaces is compared with the digest it was written
from (`_MATERIAL_SOURCES`). Any other version keeps its own parser. Tests
compare the two on every page of built sites and on made-up markup.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
from html import escape
from typing import Any

__all__ = ["FastParser", "matches_material", "use_fast_search_parser"]

try:
    from material.plugins.search import plugin as _material_search  # type: ignore[import-untyped]
except ImportError:  # Another theme: nothing to speed up.
    _material_search = None

#: SHA-256 (first 16 hex digits) of the source of each part of Material's parser `FastParser` mirrors.
_MATERIAL_SOURCES = {
    "Parser.__init__": "8968f2797e58bb6e",
    "Parser.handle_starttag": "d8444d531aea20f7",
    "Parser.handle_endtag": "fe83f9734a2a6789",
    "Parser.handle_data": "415377ec8360c82a",
    "Element": "7f7b690dae2c2deb",
    "Section": "af84af932f8d1829",
    "SearchPlugin.on_page_context": "33eb62fd1688be4d",
}
#: Material's own parser, kept to put back.
_ORIGINAL: Any = _material_search.Parser if _material_search is not None else None
_ORIGINAL_PAGE_CONTEXT: Any = _material_search.SearchPlugin.on_page_context if _material_search is not None else None
_HEADINGS = frozenset(f"h{x}" for x in range(1, 7))


def _digest(obj: object) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]  # type: ignore[arg-type]


@functools.cache
def _installed_sources() -> dict[str, str] | None:
    """The digests of the installed Material's parser, read once (reading its source takes some milliseconds)."""
    if _material_search is None:
        return None
    # Material's own parser, even once `use_fast_search_parser` has put `FastParser` in its place.
    owners = {
        "Parser": _ORIGINAL,
        "Element": _material_search.Element,
        "Section": _material_search.Section,
        "SearchPlugin": type("SearchPlugin", (), {"on_page_context": _ORIGINAL_PAGE_CONTEXT}),
    }
    found = {}
    try:
        for name in _MATERIAL_SOURCES:
            owner, *path = name.split(".")
            found[name] = _digest(functools.reduce(getattr, path, owners[owner]))
    except (OSError, TypeError, AttributeError):  # No source to read (a frozen install): not known to match.
        return None
    return found


def matches_material() -> bool:
    """Whether the installed Material's search parser is the one `FastParser` mirrors."""
    found = _installed_sources()
    return found is not None and found == _MATERIAL_SOURCES


def use_fast_search_parser(enabled: bool = True) -> bool:
    """Index pages with `FastParser` (or Material's own again); False if this Material's parser is not known."""
    if _material_search is None or not matches_material():
        return False
    _material_search.Parser = FastParser if enabled else _ORIGINAL
    _material_search.SearchPlugin.on_page_context = _on_page_context if enabled else _ORIGINAL_PAGE_CONTEXT
    return True


#: Material's pattern for the `data-search-*` attributes it strips from a page once indexed.
_SEARCH_ATTRIBUTE = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")


def _on_page_context(self: Any, context: Any, *, page: Any, config: Any, nav: Any) -> None:
    """Material's `SearchPlugin.on_page_context`, which searches for the attributes only where they can be."""
    if not self.config.enabled:
        return
    self.search_index.add_entry_from_context(page)
    if "data-search-" in page.content:
        page.content = _SEARCH_ATTRIBUTE.sub("", page.content)


_Base: Any = _ORIGINAL if _ORIGINAL is not None else object


class FastParser(_Base):  # type: ignore[misc]
    """Material's `Parser`, asking its questions of the open elements' tag names.

    `context` holds what it holds in Material's parser, and `_names` mirrors it by tag name. `_skipped` stands
    for Material's `skip`, as the set of tag names it amounts to; `skip` itself keeps only what it starts with
    (nothing outside the parser reads it).
    Each method below follows Material's, line by line; the comments say where a question is asked of names.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._names: list[str] = []
        self._skipped: set[str] = {str(tag) for tag in self.skip}

    def _skipping(self) -> bool:
        # `self.skip.intersection(self.context)`: elements are equal when their tags are.
        return not self._skipped.isdisjoint(self._names)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        attrs = dict(attrs)
        el = _material_search.Element(tag, attrs)
        if tag not in _material_search.void:
            self.context.append(el)
            self._names.append(tag)
        else:
            return
        if tag in _HEADINGS:
            depth = len(self.context)
            if "id" in attrs:
                if tag != "h1" and not self.data:
                    self.section = _material_search.Section(_material_search.Element("hx"), depth)
                    self.data.append(self.section)
                self.section = _material_search.Section(el, depth)
                if self.data:
                    self.section.id = attrs["id"]
                self.data.append(self.section)
        if not self.section:
            self.section = _material_search.Section(_material_search.Element("hx"))
            self.data.append(self.section)
        for key, value in attrs.items():
            if key == "data-search-exclude" or (key == "class" and value == "linenodiv"):
                # `self.skip.add(el)`: a set that holds an element of this tag already keeps it.
                self._skipped.add(tag)
                return
        if not self._skipping() and tag in self.keep:
            data = self.section.text
            # `self.section.el in self.context`
            if self.section.el.tag in self._names:
                data = self.section.title
            data.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        # `self.context[-1] != tag`
        if not self.context or self._names[-1] != tag:
            return
        if self.section.depth > len(self.context):
            for section in reversed(self.data):
                if section.depth <= len(self.context):
                    self.section.depth = float("inf")
                    self.section = section
                    break
        el = self.context.pop()
        self._names.pop()
        # `el in self.skip`
        if el.tag in self._skipped:
            if el.tag not in ["script", "style", "object"]:
                self._skipped.remove(el.tag)
            return
        if not self._skipping() and tag in self.keep:
            data = self.section.text
            if self.section.el.tag in self._names:
                data = self.section.title
            index = data.index(f"<{tag}>")
            for i in range(index + 1, len(data)):
                if not data[i].isspace():
                    index = len(data)
                    break
            if len(data) > index:
                while len(data) > index:
                    data.pop()
            else:
                data.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._skipping():
            return
        # `"pre" in self.context`
        pre = "pre" in self._names
        if not pre:
            data = " " if data.isspace() else data.replace("\n", " ")
        if not self.section:
            self.section = _material_search.Section(_material_search.Element("hx"))
            self.data.append(self.section)
        if self.section.el.tag in self._names:
            permalink = False
            for el in self.context:
                if el.tag == "a" and el.attrs.get("class") == "headerlink":
                    permalink = True
            if not permalink:
                self.section.title.append(escape(data, quote=False))
        elif data.isspace():
            if not self.section.text or not self.section.text[-1].isspace() or pre:
                self.section.text.append(data)
        else:
            self.section.text.append(escape(data, quote=False))
