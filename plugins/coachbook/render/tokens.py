"""Values stay data: they are put into pages only after Markdown has run.

A page's Markdown is written by us (templates) or by the firm (guides). Every
value that comes from an engagement is put into that Markdown as an opaque
token such as `CBV0007Z`, and swapped for escaped HTML once the page has been
converted. So a client's name can never become Markdown, HTML or a template,
whatever characters it holds, and a guide that is the same for every client
is converted once and filled many times.

Tokens are plain capitals and digits, which Markdown leaves alone in every
context (text, tables, links, attributes, headings).

A value in running text is isolated in a `<bdi>` element wherever its
direction could upset the order of what surrounds it: a value holding
right-to-left letters (an Arabic goal title with "(eNPS)" in it reads in
order on an English page), and on a right-to-left page every value with
letters (an English name reads in order on an Arabic page). Elsewhere, left-
to-right text among left-to-right text, isolation would change nothing and is
left out. A value inside a tag (an attribute) cannot hold an element and is
filled in as escaped text.
"""

from __future__ import annotations

import html
import re
import unicodedata

from markupsafe import Markup

__all__ = [
    "DEFERRED_VALUES",
    "SITE_NAME_TOKEN",
    "Slots",
    "fill_deferred",
    "holds_tokens",
    "isolated_text",
    "plain",
    "right_to_left",
]

_BARE_TOKEN = re.compile(r"CBV(\d{4,})Z")
#: Stands for the site's name in a page the theme renders once for every site of its shape.
SITE_NAME_TOKEN = "CBVSITEZ"
_PLAIN_TOKEN = re.compile(r"CBV(\d{4,}|SITE)Z")
#: Characters that escaping, unescaping or stripping tags would change.
_MARKUP = re.compile(r"[&<>\"']")
#: The attribute of an MkDocs page whose content still holds its values as tokens (`Slots.deferrable_values`).
DEFERRED_VALUES = "coachbook_values"
_ASCII_LETTER = re.compile("[A-Za-z]")


def _has_letters(text: str) -> bool:
    """Whether text has a letter, the only kind of character with a direction of its own.

    Digits, punctuation and spaces take the direction of what surrounds them, so a date written in digits or
    a number needs no isolation; a word does.
    """
    if text.isascii():
        return _ASCII_LETTER.search(text) is not None
    return any(ch.isalpha() for ch in text)


def right_to_left(text: str) -> bool:
    """Whether text holds a right-to-left letter (Arabic, Hebrew, Syriac, Thaana, N'Ko...)."""
    # No ASCII character is written right to left; most values are ASCII.
    return not text.isascii() and any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def isolated_text(text: str, *, rtl_page: bool) -> str:
    """Plain text isolated as `<bdi>` would isolate it (U+2068 … U+2069), where it is needed.

    For places that take no elements: a site's name, which the theme prints in the header and the window's title.
    """
    wanted = right_to_left(text) or (rtl_page and _has_letters(text))
    return f"\u2068{text}\u2069" if wanted else text


#: What `Slots.text` makes of a text (escaped, whether it has letters, whether it reads right to left), by the text:
#: a client's pages print the same labels, dates and numbers hundreds of times. Emptied when it holds
#: `_MAX_TEXTS`, so that it stays small.
_TEXTS: dict[str, tuple[str, bool, bool]] = {}
_MAX_TEXTS = 20_000


class Slots:
    """Hands out tokens for values and fills them into converted HTML."""

    def __init__(self) -> None:
        self._html: list[str] = []
        self._block: list[bool] = []
        self._text: list[bool] = []
        """Whether each token is escaped text (rather than trusted HTML)."""
        self._isolated: list[bool] = []
        """Whether each token is text with letters, isolated on a right-to-left page."""
        self._rtl: list[bool] = []
        """Whether each token is text with right-to-left letters, isolated on every page."""

    def __len__(self) -> int:
        return len(self._html)

    def text(self, value: object) -> Markup:
        """A token for text, HTML-escaped (quotes too, so it is safe in attributes) and isolated in running text."""
        text = str(value)
        known = _TEXTS.get(text)
        if known is None:
            if len(_TEXTS) >= _MAX_TEXTS:
                _TEXTS.clear()
            known = _TEXTS[text] = (html.escape(text, quote=True), _has_letters(text), right_to_left(text))
        escaped, isolated, rtl = known
        return self._add(escaped, block=False, text=True, isolated=isolated, rtl=rtl)

    def attribute(self, value: object) -> Markup:
        """A token for an attribute's value: `value` escaped, and any token already in it filled now, escaped.

        For a message written into an attribute (an `aria-label`): its words are trusted but must still be
        escaped there, and the numbers in it are tokens that `fill` could not reach inside another value.
        """
        text = str(value)
        if not isinstance(value, Markup):
            return self._add(html.escape(text, quote=True), block=False, text=True)
        parts = []
        position = 0
        for match in _BARE_TOKEN.finditer(text):
            parts.append(html.escape(text[position : match.start()], quote=True))
            index = int(match.group(1))
            # Only a text token's value is attribute-safe; anything else is left as the inert token it is.
            known = index < len(self._html) and self._text[index]
            parts.append(self._html[index] if known else match.group(0))
            position = match.end()
        parts.append(html.escape(text[position:], quote=True))
        return self._add("".join(parts), block=False, text=True)

    def inline_html(self, trusted: str) -> Markup:
        """A token for HTML we produced and trust (an icon, a sanitised snippet)."""
        return self._add(trusted, block=False)

    def block_html(self, trusted: str) -> Markup:
        """A token standing alone as a paragraph, replaced by a block of trusted HTML (a chart, notes)."""
        return Markup("\n\n") + self._add(trusted, block=True) + Markup("\n\n")

    def _add(
        self, content: str, *, block: bool, text: bool = False, isolated: bool = False, rtl: bool = False
    ) -> Markup:
        self._html.append(content)
        self._block.append(block)
        self._text.append(text)
        self._isolated.append(isolated)
        self._rtl.append(rtl)
        return Markup(f"CBV{len(self._html) - 1:04d}Z")

    def fill(self, converted: str, *, isolate: bool = True, rtl_page: bool = False) -> str:
        """Replace every token in converted HTML (or a title) with its value.

        One pass only: text that a value brings in is never scanned again, so
        a value that happens to look like a token stays as it is.

        Arguments:
            converted: HTML with tokens.
            isolate: Whether text values in running text may become `<bdi>` elements. Not for a page's title,
                which themes also print inside `<title>` and attributes, where an element would show as text.
            rtl_page: Whether the page is laid out right to left, where every value with letters is isolated.
        """
        # The bare token is what is searched for: a pattern that starts with a literal is found by a fast scan,
        # where one starting with an optional `<p>` is tried at every character of the page.
        values = self._html
        parts: list[str] = []
        position = 0
        for match in _BARE_TOKEN.finditer(converted):
            index = int(match.group(1))
            if index >= len(values):
                continue
            start, end = match.span()
            value = values[index]
            if (
                self._block[index]
                and converted.startswith("</p>", end)
                and start - 3 >= position
                and converted.startswith("<p>", start - 3)
            ):
                # Markdown wrapped the block token in a paragraph; a chart or a
                # list must not sit inside <p>, so drop the wrapper.
                parts += (converted[position : start - 3], value)
                position = end + 4
                continue
            wanted = self._rtl[index] or (rtl_page and self._isolated[index])
            if isolate and wanted and not _inside_tag(converted, match.start(1)):
                value = f"<bdi>{value}</bdi>"
            parts += (converted[position:start], value)
            position = end
        if not parts:
            return converted
        parts.append(converted[position:])
        return "".join(parts)

    def text_values(self) -> tuple[str, ...] | None:
        """Every value as escaped text, if each is text (not HTML of its own); None otherwise."""
        return tuple(self._html) if all(self._text) else None

    def deferrable_values(self, *, rtl_page: bool) -> tuple[str, ...] | None:
        """Every value as `fill` writes it, if each can be filled in after the theme has rendered the page.

        That holds when every token is escaped text that `fill` would write as it is (no `<bdi>`, no block),
        on one line, without spaces at either end, and with more than spaces in it (`_one_line`): then the
        page can be rendered with its tokens in it, once for every client of its shape, and filled in
        afterwards (`fill_deferred`), its search entries too. None otherwise.
        """
        if not all(self._text) or any(self._block):
            return None
        for value, rtl, isolated in zip(self._html, self._rtl, self._isolated, strict=True):
            if rtl or (rtl_page and isolated) or not _one_line(value):
                return None
        return tuple(self._html)


def _one_line(value: str) -> bool:
    """Text on one line, neither starting nor ending with a space, with more than spaces in it.

    Compaction removes the spaces that start a line, which a value's own would be after its token is filled;
    Material's search reads a run of text that is only spaces as one space; neither happens around a token.
    """
    return (
        bool(value)
        and "\n" not in value
        and "\r" not in value
        and value == value.strip()
        and bool(html.unescape(value).strip())
    )


def plain(value: str) -> bool:
    """Whether `value` reads the same however a theme prints it: escaped, unescaped, tags stripped or stripped.

    It is not empty, holds no character escaping changes (`& < > " '`), no invisible or control character,
    and no space but single ones between words. Jinja's `e` and `striptags`, Material's search index (which
    unescapes a page's text, escapes it again and trims each entry) and Coachbook's compaction leave such a
    value as it is, so a token for it can be carried through all of them and filled in at the end.
    """
    return bool(value) and value.isprintable() and " ".join(value.split()) == value and not _MARKUP.search(value)


def fill_deferred(text: str, values: tuple[str, ...], site_name: str | None = None) -> str:
    """Replace every token of `values` (and `SITE_NAME_TOKEN`, when given) in `text`, in one pass.

    For the tokens of `Slots.deferrable_values` this is what `Slots.fill` writes in a page's HTML; the site's
    name is filled in only where it is `plain`, which reads the same wherever a theme prints it.
    """

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "SITE":
            return match.group(0) if site_name is None else site_name
        index = int(key)
        return values[index] if index < len(values) else match.group(0)

    return _PLAIN_TOKEN.sub(replace, text)


def holds_tokens(text: str) -> bool:
    """Whether `text` holds anything `fill_deferred` would replace."""
    return _PLAIN_TOKEN.search(text) is not None


def _inside_tag(converted: str, position: int) -> bool:
    """Whether `position` is inside a tag (in an attribute), rather than in the text between tags.

    Converted Markdown escapes `<` in text, so the nearest `<` or `>` before a token says which side of a tag
    it is on. A `>` inside an earlier attribute of the same tag could fool it; the value stays escaped either way.
    """
    return converted.rfind("<", 0, position) > converted.rfind(">", 0, position)
