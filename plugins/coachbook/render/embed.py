"""One page's Markdown made into a section of another: how the print page gathers the whole program.

Headings move one level down under the section's title, ids are prefixed so
two sections never share one, collapsed blocks print open, and relative links
of a page from elsewhere (a guide) are rewritten to work from the new page.
"""

from __future__ import annotations

import functools
import posixpath
import re

__all__ = ["PROGRAM_URI", "embed_markdown", "page_url"]

#: The print-friendly page that gathers the client's whole program in one document.
PROGRAM_URI = "program.md"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_ATX = re.compile(r"^(#{1,6})")
_SETEXT = re.compile(r"^(?:=+|-+)[ \t]*$")
#: The attribute list at the end of a heading, as the attr_list extension finds it.
_HEADING_ATTRS = re.compile(r"[ \t]+\{:?([^}\n]*)\}[ \t]*$")
_ATTR_ID = re.compile(r"(?:(?<=\s)|^)#([^\s}]+)")
_COLLAPSED = re.compile(r"^([ \t]*)\?\?\?(?=[ \t])")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_INLINE_TARGET = re.compile(r"(\]\([ \t]*<?)([^)\s>]+)")
_REFERENCE_TARGET = re.compile(r"^([ ]{0,3}\[(?!\^)[^\]]+\]:[ \t]*<?)([^\s>]+)")
_HTML_TARGET = re.compile(r"""(\b(?:href|src)[ \t]*=[ \t]*)(["'])(.*?)\2""")
_FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")
_ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/)")


@functools.lru_cache(maxsize=256)
def embed_markdown(
    markdown: str,
    *,
    section_id: str,
    section_class: str | None = None,
    title: str | None = None,
    id_prefix: str = "",
    source_uri: str | None = None,
    page_uri: str = PROGRAM_URI,
) -> str:
    """A page's Markdown made into one section of another page.

    The front matter goes; the page's `#` title becomes the section's `##` heading, with `section_id`
    (and `section_class`), or `title` is put there when the page has none; every other heading at the
    start of a line goes one level down too, so the sections sit under the page's own title. Collapsed
    `???` blocks are printed open.

    For a page from elsewhere (`source_uri`, a guide): relative links are rewritten to work from
    `page_uri`, a link to a place in the same page points at that page, and `id_prefix` keeps its
    heading ids and footnotes from meeting another section's. Fenced code is left as it is.

    Kept for the arguments it was last given: a guide framed for a client's standing on its stage is the
    same Markdown (values are tokens) for every client, and the build's fork server embeds each guide in
    each frame before any site's process is forked from it (`coachbook.build.prewarm`).
    """
    lines = _FRONT_MATTER.sub("", markdown, count=1).split("\n")
    first = next((line for line in lines if line.strip()), "")
    if not (first.startswith("#") and not first.startswith("##")):
        lines[:0] = [f"# {title or ''}", ""]
    out: list[str] = []
    fence: str | None = None
    titled = False
    blank_before = True
    skip = False
    for index, line in enumerate(lines):
        if skip:
            skip = False
            continue
        if fence is not None:
            out.append(line)
            closing = _FENCE.match(line)
            if closing and closing.group(1).startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            out.append(line)
            blank_before = False
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if blank_before and line.strip() and not line[0].isspace() and _SETEXT.match(following):
            # A title underlined with === or --- is a heading too: write it as one with #.
            line = ("# " if following.startswith("=") else "## ") + line
            skip = True
        heading = _ATX.match(line)
        if heading:
            level = len(heading.group(1))
            rest = line[level:]
            if level == 1 and not titled:
                titled = True
                rest = _with_attrs(rest, section_id, section_class)
            elif id_prefix:
                rest = _prefix_heading_ids(rest, id_prefix)
            line = "#" * min(level + 1, 6) + rest
        line = _COLLAPSED.sub(r"\1???+", line)
        if source_uri is not None:
            line = _rewrite_inline(line, source_uri, page_uri, id_prefix)
        out.append(line)
        blank_before = not line.strip()
    return "\n".join(out)


def _with_attrs(rest: str, section_id: str, section_class: str | None) -> str:
    """A heading's text with the section's id and class, in place of any id it had."""
    ours = f"#{section_id}" + (f" .{section_class}" if section_class else "")
    found = _HEADING_ATTRS.search(rest)
    if found is None:
        return f"{rest.rstrip()} {{ {ours} }}"
    theirs = _ATTR_ID.sub("", found.group(1)).strip()
    return f"{rest[: found.start()]} {{ {ours}{' ' + theirs if theirs else ''} }}"


def _prefix_heading_ids(rest: str, prefix: str) -> str:
    found = _HEADING_ATTRS.search(rest)
    if found is None:
        return rest
    attrs = _ATTR_ID.sub(lambda m: f"#{prefix}{m.group(1)}", found.group(1))
    return f"{rest[: found.start(1)]}{attrs}{rest[found.end(1) :]}"


def _rewrite_inline(line: str, source_uri: str, page_uri: str, id_prefix: str) -> str:
    """Links and footnotes of a line from `source_uri`, made to work on `page_uri`; code spans stay as they are."""

    def rebase(match: re.Match[str]) -> str:
        return match.group(1) + _rebase(match.group(2), source_uri, page_uri)

    def rebase_html(match: re.Match[str]) -> str:
        return f"{match.group(1)}{match.group(2)}{_rebase(match.group(3), source_uri, page_uri)}{match.group(2)}"

    line = _REFERENCE_TARGET.sub(rebase, line)
    parts = []
    position = 0
    for code in [*_CODE_SPAN.finditer(line), None]:
        end = code.start() if code else len(line)
        text = line[position:end]
        text = _INLINE_TARGET.sub(rebase, text)
        text = _HTML_TARGET.sub(rebase_html, text)
        if id_prefix:
            text = _FOOTNOTE.sub(lambda m: f"[^{id_prefix}{m.group(1)}]", text)
        parts.append(text)
        if code:
            parts.append(code.group(0))
            position = code.end()
    return "".join(parts)


def _rebase(target: str, source_uri: str, page_uri: str) -> str:
    """A link target written in `source_uri`, as written in `page_uri` to reach the same place."""
    if not target or _ABSOLUTE.match(target):
        return target
    if target.startswith("#"):
        path, suffix = source_uri, target
    else:
        cut = min((i for i in (target.find("#"), target.find("?")) if i >= 0), default=len(target))
        path, suffix = target[:cut], target[cut:]
        if not path:
            return target
        trailing = "/" if path.endswith("/") else ""
        path = posixpath.normpath(posixpath.join(posixpath.dirname(source_uri), path)) + trailing
    return posixpath.relpath(path, posixpath.dirname(page_uri) or ".") + ("/" if path.endswith("/") else "") + suffix


def page_url(uri: str, directory_urls: bool, *, page: str = "index.md") -> str:
    """The URL of a page as written on `page` (a page at the site's root), for links inside raw HTML.

    MkDocs does not rewrite links in raw HTML, so they are written relative to where the page is served:
    `program.md` is served at `program/`, one folder down, when `directory_urls` is on.
    """
    url = _root_url(uri, directory_urls)
    here = _root_url(page, directory_urls)
    depth = 0 if here == "./" else here[: here.rfind("/") + 1].count("/")
    if depth == 0:
        return url
    return "../" * depth + ("" if url == "./" else url)


def _root_url(uri: str, directory_urls: bool) -> str:
    stem = uri.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index") or "./"
    return f"{stem}/" if directory_urls else f"{stem}.html"
