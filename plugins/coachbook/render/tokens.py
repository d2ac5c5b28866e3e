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

__all__ = ["Slots", "isolated_text", "right_to_left"]

_TOKEN = re.compile(r"(<p>)?CBV(\d{4,})Z(</p>)?")
_BARE_TOKEN = re.compile(r"CBV(\d{4,})Z")
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
        return self._add(
            html.escape(text, quote=True),
            block=False,
            text=True,
            isolated=_has_letters(text),
            rtl=right_to_left(text),
        )

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

        def replace(match: re.Match[str]) -> str:
            index = int(match.group(2))
            if index >= len(self._html):
                return match.group(0)
            value = self._html[index]
            opened, closed = match.group(1) or "", match.group(3) or ""
            if self._block[index] and opened and closed:
                # Markdown wrapped the block token in a paragraph; a chart or a
                # list must not sit inside <p>, so drop the wrapper.
                return value
            wanted = self._rtl[index] or (rtl_page and self._isolated[index])
            if isolate and wanted and not _inside_tag(converted, match.start(2)):
                value = f"<bdi>{value}</bdi>"
            return opened + value + closed

        return _TOKEN.sub(replace, converted)


def _inside_tag(converted: str, position: int) -> bool:
    """Whether `position` is inside a tag (in an attribute), rather than in the text between tags.

    Converted Markdown escapes `<` in text, so the nearest `<` or `>` before a token says which side of a tag
    it is on. A `>` inside an earlier attribute of the same tag could fool it; the value stays escaped either way.
    """
    return converted.rfind("<", 0, position) > converted.rfind(">", 0, position)
