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

`HTMLParser` itself reads a page a tag at a time in Python. Most pages
Material indexes are simple markup: well-formed tags with quoted attributes,
text and character references, and no comments, scripts or styles.
`simple_events` reads such a page with one regular expression, and gives
exactly the calls `HTMLParser` would make (anything else, and it gives None,
so the page is read by `HTMLParser`). It is used only when the installed
Python's `HTMLParser` is the one it was written against (`_HTML_PARSER`).

All of these are used only when
the installed Material's parser is the one it was written against: the
source of each method it replaces is compared with the digest it was written
from (`_MATERIAL_SOURCES`). Any other version keeps its own parser. Tests
compare the two on every page of built sites and on made-up markup.
"""

from __future__ import annotations

import functools
import hashlib
import html.parser
import inspect
import re
import types
from html import escape, unescape
from typing import Any

__all__ = ["FastParser", "matches_html_parser", "matches_material", "simple_events", "use_fast_search_parser"]

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


def use_fast_search_parser(enabled: bool = True, *, plugins: Any = None) -> bool:
    """Index pages with `FastParser` (or Material's own again); False if this Material's parser is not known.

    Arguments:
        enabled: Whether to use the fast parser, or put Material's own back.
        plugins: The plugins of a config loaded already. MkDocs binds each plugin's event methods when it
            loads a config, so such a config's search plugin is pointed at `_on_page_context` (or back) here.
    """
    if _material_search is None or not matches_material():
        return False
    _material_search.Parser = FastParser if enabled else _ORIGINAL
    # Read now, once: in the build's fork server, rather than in every site's process forked from it.
    matches_html_parser()
    hook = _on_page_context if enabled else _ORIGINAL_PAGE_CONTEXT
    _material_search.SearchPlugin.on_page_context = hook
    if plugins is not None:
        registered = plugins.events["page_context"]
        # Which plugin each hook is of, by the hook (for MkDocs' log and the files a plugin adds).
        origins = getattr(plugins, "_event_origins", None)
        for index, method in enumerate(registered):
            if getattr(method, "__func__", None) in (_on_page_context, _ORIGINAL_PAGE_CONTEXT):
                registered[index] = types.MethodType(hook, method.__self__)
                if isinstance(origins, dict) and method in origins:
                    origins[registered[index]] = origins.pop(method)
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


# ------------------------------------------------------------------ simple markup, read in one pass

#: SHA-256 (first 16 hex digits) of the installed `HTMLParser`'s reading of tags, text and references: the
#: source of each method, and the patterns they use. `simple_events` gives the calls this reading makes.
_HTML_PARSER = "7911c393c84f6c82"
_HTML_PARSER_METHODS = (
    "feed",
    "close",
    "goahead",
    "parse_starttag",
    "check_for_whole_start_tag",
    "parse_endtag",
    "handle_startendtag",
    "set_cdata_mode",
)
_HTML_PARSER_PATTERNS = (
    "interesting_normal",
    "starttagopen",
    "tagfind_tolerant",
    "attrfind_tolerant",
    "locatestarttagend_tolerant",
    "endendtag",
    "endtagfind",
)


@functools.cache
def matches_html_parser() -> bool:
    """Whether the installed `HTMLParser` reads markup the way `simple_events` was written to match."""
    try:
        parts = [inspect.getsource(getattr(html.parser.HTMLParser, name)) for name in _HTML_PARSER_METHODS]
        parts += [getattr(html.parser, name).pattern for name in _HTML_PARSER_PATTERNS]
        parts.append(repr(html.parser.HTMLParser.CDATA_CONTENT_ELEMENTS))
    except (OSError, TypeError, AttributeError):  # No source to read, or a parser built otherwise.
        return False
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16] == _HTML_PARSER


#: The whitespace that ends a tag's name for `HTMLParser` (`tagfind_tolerant`); other spaces are left to it.
_WS = "[ \t\n\r\f]"
#: One piece of simple markup: text without `<`, a start tag whose attributes are quoted or bare names, or an
#: end tag. A page is simple when these pieces follow each other from its start to its end.
_PIECE = re.compile(
    r"([^<]+)"
    rf"""|<([a-zA-Z][a-zA-Z0-9-]*)((?:{_WS}+[^\s"'<>/=]+(?:="[^"]*"|='[^']*')?)*){_WS}*(/?)>"""
    r"|</([a-zA-Z][a-zA-Z0-9-]*)>"
)
_ATTRIBUTE = re.compile(rf"""{_WS}+([^\s"'<>/=]+)(?:=(?:"([^"]*)"|'([^']*)'))?""")
#: Attributes already read, by their text: a page repeats the same few (`class="md-..."`) many times.
_ATTRIBUTES: dict[str, tuple[tuple[str, str | None], ...]] = {}
_MAX_ATTRIBUTES = 10_000
#: How far from its end `HTMLParser.goahead` looks for an `&` that may start a reference cut short.
_HELD_BACK = 34
#: Calls `simple_events` gives: handle_data, handle_starttag, handle_endtag, handle_startendtag.
DATA, START, END, START_END = range(4)


def _attributes(text: str) -> tuple[tuple[str, str | None], ...]:
    """A start tag's attributes as `HTMLParser` gives them: lower-case names, values unquoted and unescaped."""
    known = _ATTRIBUTES.get(text)
    if known is not None:
        return known
    found = []
    for match in _ATTRIBUTE.finditer(text):
        name, double, single = match.groups()
        value = double if double is not None else single
        # `HTMLParser` unescapes a value that is not empty; an attribute without one is None.
        found.append((name.lower(), unescape(value) if value else value))
    result = tuple(found)
    if len(_ATTRIBUTES) >= _MAX_ATTRIBUTES:
        _ATTRIBUTES.clear()
    _ATTRIBUTES[text] = result
    return result


def simple_events(data: str) -> list[tuple[Any, ...]] | None:
    """The calls `HTMLParser` makes, fed `data` and closed, when `data` is simple markup; None otherwise.

    Each call is `(DATA, text)`, `(START, tag, attributes)`, `(END, tag)` or `(START_END, tag, attributes)`.
    Simple markup is what `_PIECE` reads, from the first character to the last, without a `<script>` or
    `<style>` (whose content `HTMLParser` reads as raw text). So a comment, a declaration, a stray `<`, an
    unquoted value, a space around `=` or a tag name with other characters sends the page to `HTMLParser`.
    Text is one call from tag to tag, its references converted, as `HTMLParser` does with `convert_charrefs`.
    """
    events: list[tuple[Any, ...]] = []
    append = events.append
    position = 0
    for match in _PIECE.finditer(data):
        if match.start() != position:
            return None
        position = match.end()
        text, tag, attributes, slash, closing = match.groups()
        if text is not None:
            append((DATA, unescape(text)))
        elif closing is not None:
            append((END, closing.lower()))
        else:
            tag = tag.lower()
            if tag in html.parser.HTMLParser.CDATA_CONTENT_ELEMENTS:
                return None
            append((START_END if slash else START, tag, list(_attributes(attributes)) if attributes else []))
    return events if position == len(data) else None


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
        self._fed = False

    def feed(self, data: str) -> None:
        """`HTMLParser.feed`, reading simple markup in one pass (`simple_events`) when given a page at once.

        Only a parser's first feed, as Material feeds a page: a later one may continue what an earlier one
        left (a reference cut in two, a script). And not when the page's last characters hold an `&`: text
        ending in a reference cut short is kept back by `HTMLParser` until it is closed.
        """
        first = not self._fed
        self._fed = True
        if not first or self.rawdata or self.cdata_elem is not None or not self.convert_charrefs:
            super().feed(data)
            return
        events = simple_events(data) if matches_html_parser() and "&" not in data[-_HELD_BACK:] else None
        if events is None:
            super().feed(data)
            return
        for event in events:
            kind = event[0]
            if kind == DATA:
                self.handle_data(event[1])
            elif kind == START:
                self.lasttag = event[1]
                self.handle_starttag(event[1], event[2])
            elif kind == END:
                self.handle_endtag(event[1])
            else:
                self.lasttag = event[1]
                self.handle_startendtag(event[1], event[2])
        # Where `HTMLParser` would stand at the end of the page (`getpos`).
        newlines = data.count("\n")
        if newlines:
            self.lineno += newlines
            self.offset = len(data) - (data.rindex("\n") + 1)
        else:
            self.offset += len(data)

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
