r"""Addresses in a site's pages: no request to another origin, and no link to anything that is not on the web.

A font service, an analytics script or a CDN would learn the site's address
and the reader's; so client and sponsor sites load everything from
themselves, and any page, image or stylesheet that would fetch from elsewhere
fails the audit (`LeakKind.ORIGIN`). And no page of any site may point at a
`file:` address, run a `javascript:` one, or use any other scheme that is not
the web's (`LeakKind.SCHEME`), whatever wrote it: a guide's Markdown, a
theme override or a plugin.

Pages are parsed with Lexbor (through selectolax), a parser written to the
HTML standard, so attribute values are decoded, comments end and elements
nest as the browser has them; it is also some ten times faster than
`html.parser`, which matters at a thousand sites a build. A page of plain
markup (every page Coachbook writes: see `plain_addresses`) is read from its
tags alone, each distinct tag once, which finds every address the parser
would and takes half the time. Every attribute
that makes a browser fetch, submit or navigate is read: `src`, `srcset` and `imagesrcset`, `href` on `link`,
`base` and SVG elements (`xlink:href` too), `poster`, `data` on `object`,
`background`, `action` and `formaction`, `ping`, `<meta http-equiv=refresh>`,
`srcdoc` (parsed in turn), and `url()`, `@import` and `image-set()` in
`style` attributes, `<style>` elements and stylesheets. URLs are cleaned the
way browsers clean them first (surrounding spaces and controls dropped, tabs
and newlines removed, backslashes read as slashes), so `ht\ntps://` and
`/\evil.example` are seen for what they are.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from itertools import chain

from selectolax.lexbor import LexborHTMLParser, LexborNode

from coachbook.audit.files import SiteFile
from coachbook.audit.leaks import Leak, LeakKind
from coachbook.audit.normalise import TAG
from coachbook.core.fields import WEB_SCHEMES

__all__ = [
    "NAVIGABLE_SCHEMES",
    "address_problems",
    "css_urls",
    "learn_addresses",
    "page_addresses",
    "plain_addresses",
    "srcset_urls",
    "url_kind",
]

#: Schemes a page may link to (the same list `coachbook check` holds guides to).
NAVIGABLE_SCHEMES = WEB_SCHEMES
#: Schemes a page may load from without a request to anyone: inline data and the empty page.
_LOCAL_SCHEMES = frozenset({"data", "about", "blob"})
#: Schemes that reach another machine.
_NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp", "ftps", "sftp"})
#: `rel` values of `<link>` that name a related page rather than load anything.
_NAVIGATION_RELS = frozenset(
    {"canonical", "alternate", "next", "prev", "author", "license", "help", "bookmark", "me", "search", "nofollow"}
    | {"noopener", "noreferrer", "external", "tag", "privacy-policy", "terms-of-service"}
)
#: Attributes that make a browser load what they name, on any element.
_LOADING = frozenset({"src", "poster", "background", "lowsrc", "dynsrc", "codebase", "manifest", "ping"})
_SUBMITTING = frozenset({"action", "formaction"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_CONTROLS = re.compile(r"[\t\n\r]")
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\\(.)")
_CSS_URL = re.compile(
    r"""(?:url|src)\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)"""
    r"""|@import\s+(?:"([^"]*)"|'([^']*)')"""
    r"""|image-set\(([^)]*)\)""",
    re.IGNORECASE,
)
_CSS_STRING = re.compile(r""""([^"]*)"|'([^']*)'""")
_REFRESH = re.compile(r"""^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.*?)\1\s*$""", re.IGNORECASE | re.DOTALL)
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".svg", ".xml")


def url_kind(url: str) -> tuple[str, str]:
    """(kind, cleaned URL), kind being `relative`, `network` (another origin), `local` (`data:`...) or a scheme.

    The URL is cleaned as a browser would before reading it: leading and
    trailing spaces and control characters dropped, tabs and newlines removed,
    backslashes read as slashes.
    """
    cleaned = _CONTROLS.sub("", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12"
                                           "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))  # fmt: skip
    slashed = cleaned.replace("\\", "/")
    if slashed.startswith("//"):
        return "network", cleaned
    match = _SCHEME.match(slashed)
    if match is None:
        return "relative", cleaned
    scheme = match.group(1).lower()
    if scheme in _NETWORK_SCHEMES:
        return "network", cleaned
    if scheme in _LOCAL_SCHEMES:
        return "local", cleaned
    return scheme, cleaned


def srcset_urls(value: str) -> list[str]:
    """The URLs of a `srcset`, parsed the way the HTML standard does (a URL may itself contain commas)."""
    urls = []
    position = 0
    while position < len(value):
        while position < len(value) and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < len(value) and not value[position].isspace():
            position += 1
        url = value[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            # Skip the descriptors, up to the comma that ends this candidate (not one inside parentheses).
            depth = 0
            while position < len(value) and (value[position] != "," or depth):
                depth += {"(": 1, ")": -1}.get(value[position], 0)
                position += 1
        if url:
            urls.append(url)
    return urls


def css_urls(css: str) -> list[str]:
    """Every address a stylesheet would load: `url()`, `src()`, `@import` and `image-set()`, escapes decoded."""
    text = _CSS_COMMENT.sub(" ", css)
    if "\\" in text:
        text = _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), text)
    urls = []
    for match in _CSS_URL.finditer(text):
        *direct, images = match.groups()
        found = next((v for v in direct if v is not None), None)
        if found is not None:
            urls.append(found)
        elif images is not None:
            urls += [m.group(1) if m.group(1) is not None else m.group(2) for m in _CSS_STRING.finditer(images)]
    return urls


#: Elements whose text browsers treat as raw text, read as markup here all the same (a browser may render it).
#: Every attribute name read for an address (`class`, `id`, `aria-*` and the like are passed over at once).
_READ = _LOADING | _SUBMITTING | {"srcset", "imagesrcset", "href", "xlink:href", "style", "srcdoc", "data"}
_TEXT_AS_MARKUP = frozenset({"iframe", "noembed", "noframes", "xmp"})
_XML_STYLESHEET_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _element_addresses(tag: str, attributes: dict[str, str | None]) -> list[tuple[str, str, bool]]:
    """(place, url, loads) of one element's attributes."""
    found: list[tuple[str, str, bool]] = []
    for name, value in attributes.items():
        if not value or name not in _READ:
            continue
        place = f"<{tag} {name}>"
        if name in _LOADING or (name == "data" and tag == "object"):
            found.append((place, value, True))
        elif name in ("srcset", "imagesrcset"):
            found += [(place, url, True) for url in srcset_urls(value)]
        elif name in _SUBMITTING:
            found.append((place, value, True))
        elif name in ("href", "xlink:href"):
            found.append((place, value, _href_loads(tag, attributes)))
        elif name == "style":
            found += [(f"<{tag} style> url()", url, True) for url in css_urls(value)]
        elif name == "srcdoc":
            found += [(f"<{tag} srcdoc> {p}", u, loads) for p, u, loads in page_addresses(value)]
    if tag == "meta" and (attributes.get("http-equiv") or "").strip().lower() == "refresh":
        match = _REFRESH.match(attributes.get("content") or "")
        if match and match.group(2):
            found.append(("<meta http-equiv=refresh>", match.group(2), True))
    return found


def _comment_addresses(data: str) -> list[tuple[str, str, bool]]:
    """What a comment holds, read as markup; and the stylesheet of `<?xml-stylesheet?>`, which HTML reads as one."""
    if data.lstrip("?").lower().startswith("xml-stylesheet"):
        return [
            ("<?xml-stylesheet href?>", match.group(1) or match.group(2) or "", True)
            for match in _XML_STYLESHEET_HREF.finditer(data)
        ]
    # Parsers have not always agreed where a comment ends (`<!-->`, `--!>`): an address in one counts.
    return [(f"<!-- --> {place}", url, loads) for place, url, loads in page_addresses(data)]


def _tree_addresses(root: LexborNode) -> list[tuple[str, str, bool]]:
    found: list[tuple[str, str, bool]] = []
    for node in root.traverse(include_text=False):
        tag = node.tag
        if tag == "-comment":
            found += _comment_addresses(node.comment_content or "")
        elif tag is not None and not tag.startswith("-"):
            attributes = node.attributes
            # Most elements carry only a class or an id: nothing that names an address.
            if attributes and (tag == "meta" or not _READ.isdisjoint(attributes)):
                found += _element_addresses(tag, attributes)
            if tag == "style":
                found += [("<style> url()", url, True) for url in css_urls(node.text(deep=True))]
            elif tag in _TEXT_AS_MARKUP:
                found += [(f"<{tag}> {p}", u, loads) for p, u, loads in page_addresses(node.text(deep=True))]
    # A template's content is a tree of its own, which a script may put in the page at any time.
    for fragment in root.template_fragments():
        found += _tree_addresses(fragment)
    return found


def _href_loads(tag: str, values: dict[str, str | None]) -> bool:
    """Whether an `href` makes the browser fetch: not on a link to follow (`a`, `area`, `<link rel=canonical>`)."""
    if tag in ("a", "area"):
        return False
    if tag == "link":
        rels = set((values.get("rel") or "").lower().split())
        return not rels or not rels <= _NAVIGATION_RELS
    # <base> moves every relative address; in SVG, <image>, <use>, <feImage> and <script> fetch theirs.
    return True


# Plain markup, read from its tags alone.
#
# Parsing every page with Lexbor and walking every element of it was a fifth of a site's audit, though a site's
# pages are a few hundred distinct tags repeated thousands of times. A page whose markup is plain is read from its
# tags instead, each distinct tag once (`_PLAIN`), and any other page is parsed as before. Plain means:
#
# * every `<` that a browser's tokenizer can take for the start of markup in its data state (`<` and a letter,
#   `/`, `!` or `?`; any other `<` is text in every state) starts a tag that `_PLAIN_TAG` matches whole, up to
#   the first `>` after it: a name of letters, digits and hyphens, attributes apart by spaces, their values
#   quoted, holding no `<` or `>`, and no character reference but the few whose meaning is the same wherever
#   they are (`&amp;`, `&#x27;`...); or it is `<!doctype html>`. So no comment, bogus comment, CDATA section,
#   processing instruction or unquoted value, and no tag that a browser would end anywhere but where the
#   pattern does;
# * no tag opens an element whose text the parser's walk reads as markup or as a stylesheet (`<style>`,
#   `<iframe>`, `<noembed>`...), and no tag gives one attribute twice (a browser keeps the first);
# * no NUL character in a tag.
#
# In such a page, a browser's tokenizer in its data state reads each of these tags as the pattern does, and
# ends it at the same `>`; in any other state (in a `<script>`, a `<title>`, a `<textarea>`), it reads no tag at
# all where this reads one. Every element the browser then builds, wherever its tree puts it (in a template, in
# a table, again by the adoption agency), carries the attributes of one of these tags. So the addresses read
# here are every address the parser's walk reads, and perhaps more (a tag in a script's text), never fewer.
# Tests hold the two readings to the same answer on every page of built sites, and on pages made to differ.

_SPACE = r"[\t\n\f\r ]"
#: Where a browser's tokenizer may start markup in its data state: any other `<` is text in every state.
_MARKUP_START = re.compile(r"<[A-Za-z/!?]")
#: The one markup start a browser's tokenizer reads as neither a tag nor text: `</` before anything but a letter.
_BAD_END_TAG = re.compile(r"</(?![A-Za-z])")
#: Tags as the audit's normaliser finds them: each starts at a `_MARKUP_START` and runs to the next `>`.
_TAG = re.compile(TAG)
_PLAIN_TAG = re.compile(
    rf"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:{_SPACE}+[A-Za-z_:][A-Za-z0-9_:.-]*"
    rf"""(?:{_SPACE}*={_SPACE}*(?:"[^"<>]*"|'[^'<>]*'))?)*){_SPACE}*/?>"""
)
_PLAIN_ATTRIBUTE = re.compile(
    rf"""{_SPACE}+([A-Za-z_:][A-Za-z0-9_:.-]*)(?:{_SPACE}*={_SPACE}*(?:"([^"]*)"|'([^']*)'))?"""
)
_DOCTYPE = re.compile(r"<!doctype html>", re.IGNORECASE)
#: Every attribute `_element_addresses` reads holds one of these words in its name, so its tag holds it in some
#: case (as do tags that name none, `data-x` or `title="href"`: those are read in full, which finds nothing).
_ADDRESS_WORDS = ("src", "href", "data", "style", "action", "poster", "background", "codebase", "manifest", "ping")
#: Character references that mean the same in a value whatever follows them: `html.unescape` reads them as
#: a browser does.
_PLAIN_REFERENCE = re.compile(r"&(?:amp|lt|gt|quot|apos|#39|#x27|#X27|#34|#x22|#X22|#38|#x26|#X26);")
#: Elements whose text the walk reads as markup or as a stylesheet, and the one after which nothing is a tag.
_NOT_PLAIN_ELEMENTS = _TEXT_AS_MARKUP | {"style", "plaintext"}
#: What each tag seen gives, by its text: its addresses, or None if it is not plain. Emptied when it holds
#: `_MAX_PLAIN`, so that it stays small.
_PLAIN: dict[str, tuple[tuple[str, str, bool], ...] | None] = {}
_MAX_PLAIN = 20_000
#: The characters of the tags `_PLAIN` holds at most (an SVG's path is a long tag).
_MAX_PLAIN_CHARS = 4_000_000
_PLAIN_CHARS = [0]


def _plain_tag(tag: str) -> tuple[tuple[str, str, bool], ...] | None:
    """The addresses of one tag of plain markup (see above), or None if it is not plain."""
    if "\x00" in tag or ("&" in tag and len(_PLAIN_REFERENCE.findall(tag)) != tag.count("&")):
        return None
    if tag[1] in "!?":
        return () if _DOCTYPE.fullmatch(tag) else None
    match = _PLAIN_TAG.fullmatch(tag)
    if match is None:
        return None
    closing, name, listed = match.groups()
    name = name.lower()
    if name in _NOT_PLAIN_ELEMENTS:
        return None
    if closing:
        return ()  # A browser ignores an end tag's attributes.
    if name != "meta" and not any(map(listed.lower().__contains__, _ADDRESS_WORDS)):
        return ()  # No attribute of it can name an address (most of a page's tags, a chart's shapes).
    attributes: dict[str, str | None] = {}
    for attribute in _PLAIN_ATTRIBUTE.finditer(listed):
        key = attribute.group(1).lower()
        if key in attributes:
            return None
        value = attribute.group(2) if attribute.group(2) is not None else attribute.group(3)
        if value is not None:
            if "&" in value:
                value = html.unescape(value)
            if "\r" in value:
                # A browser reads every line break as a line feed before it reads any markup.
                value = value.replace("\r\n", "\n").replace("\r", "\n")
        attributes[key] = value
    return tuple(_element_addresses(name, attributes))


def plain_addresses(text: str, tags: list[str] | None = None) -> list[tuple[str, str, bool]] | None:
    """`page_addresses` of a page of plain markup (see above) from its tags alone, or None if it is not plain.

    `tags` are the page's tags as `_TAG` finds them, if the caller has them (`SiteFile.tags`).
    """
    # Each markup start begins a tag `_TAG` finds, is inside one (which `_plain_tag` refuses, as it holds a `<`),
    # or is one that `_TAG` cannot match: `</` before anything but a letter, or a start with no `>` after it.
    if _MARKUP_START.search(text, text.rfind(">") + 1) or _BAD_END_TAG.search(text):
        return None
    if tags is None:
        tags = _TAG.findall(text)
    try:
        read = list(map(_PLAIN.__getitem__, tags))
    except KeyError:
        _learn(tags, room=False)
        read = list(map(_PLAIN.__getitem__, tags))
    try:
        # A tag that is not plain is None, which cannot be iterated.
        return list(chain.from_iterable(read))  # type: ignore[arg-type]
    except TypeError:
        return None


def learn_addresses(markup: str) -> None:
    """Learn now the tags of `markup` not known yet, as `plain_addresses` would learn them on meeting them.

    For the build's fork server, from the page shapes and converted guides that every site's pages are made of
    (as `normalise.learn_tags`): each site's process then starts knowing most of its tags. Only a cache: what a
    tag gives depends on the tag alone.
    """
    _learn(_TAG.findall(markup), room=True)


def _learn(tags: list[str], *, room: bool) -> None:
    """Read the tags of `tags` not known yet into `_PLAIN`.

    If they would make it too full, it is emptied first; or, with `room`, they are left unread.
    """
    new = set(tags).difference(_PLAIN)
    size = sum(map(len, new))
    if len(_PLAIN) + len(new) > _MAX_PLAIN or _PLAIN_CHARS[0] + size > _MAX_PLAIN_CHARS:
        if room:
            return
        _PLAIN.clear()
        _PLAIN_CHARS[0] = 0
        new = set(tags)
        size = sum(map(len, new))
    _PLAIN_CHARS[0] += size
    for tag in new:
        _PLAIN[tag] = _plain_tag(tag)


def page_addresses(
    html: str | bytes, text: str | None = None, tags: list[str] | None = None
) -> list[tuple[str, str, bool]]:
    """(place, url, loads) of every address in a page, as a browser's HTML parser builds it.

    Lexbor parses to the HTML standard, so an attribute is decoded, a comment
    ends and an element nests as a browser has them; `<noscript>` is read as
    markup (as with scripting off), `<template>` contents and `srcdoc` too.
    `html` is text, or its UTF-8 bytes (which selectolax parses faster than text), and `text` the same page
    as text if the caller has it (and `tags`, its tags). A page of plain markup is read without a parser
    (`plain_addresses`).
    """
    if not html:
        return []
    if text is None:
        text = html if isinstance(html, str) else html.decode("utf-8", errors="replace")
    plain = plain_addresses(text, tags)
    if plain is not None:
        return plain
    root = LexborHTMLParser(html).root
    if root is None:
        return []
    # The document node, so that comments before `<html>` and after `</html>` are read too.
    return _tree_addresses(root.parent if root.parent is not None else root)


def _file_addresses(file: SiteFile) -> Iterator[tuple[str, str, bool]]:
    # Read as UTF-8, leaving out what is not UTF-8. A page that is all UTF-8 (every page we write) goes to the
    # parser as the bytes it is: the same text, which selectolax parses some 30% faster from bytes than from a `str`.
    raw = file.raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="ignore")
        raw = text.encode("utf-8")
    if file.relative.endswith(".css"):
        yield from (("stylesheet url()", url, True) for url in css_urls(text))
    else:
        # The tags the normaliser found in the same text, if it read it: `SiteFile.text` decodes it the same way.
        yield from page_addresses(raw, text, file.tags)


#: `url_kind` of each address met, by the address: a site's pages repeat the same few hundred (its navigation,
#: its assets) on every page. Emptied when it holds `_MAX_KINDS`, so that it stays small.
_KINDS: dict[str, tuple[str, str]] = {}
_MAX_KINDS = 10_000


def _kind(url: str) -> tuple[str, str]:
    known = _KINDS.get(url)
    if known is None:
        if len(_KINDS) >= _MAX_KINDS:
            _KINDS.clear()
        known = _KINDS[url] = url_kind(url)
    return known


def address_problems(files: Iterable[SiteFile], *, origins: bool) -> list[Leak]:
    """Every address of the site's pages, SVG images and stylesheets that must not be there, file by file.

    Arguments:
        files: The site's files (others than pages, SVG and CSS are not read).
        origins: Also refuse requests to other origins (client and sponsor sites; the public handbook may
            embed what it likes).
    """
    found: list[Leak] = []
    for file in files:
        if not file.relative.endswith((*_PAGE_SUFFIXES, ".css")):
            continue
        for place, url, loads in _file_addresses(file):
            kind, cleaned = _kind(url)
            if kind in ("relative", "local") and (loads or kind == "relative"):
                continue
            if kind == "network":
                if origins and loads:
                    found.append(Leak(file.relative, kind=LeakKind.ORIGIN, url=cleaned, place=place))
                continue
            if not loads and kind in NAVIGABLE_SCHEMES:
                continue
            found.append(Leak(file.relative, kind=LeakKind.SCHEME, url=cleaned, place=place))
    return found
