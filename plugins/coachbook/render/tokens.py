"""Values stay data: they are put into pages only after Markdown has run.

A page's Markdown is written by us (templates) or by the firm (guides). Every
value that comes from an engagement is put into that Markdown as an opaque
token such as `CBV0007Z`, and swapped for escaped HTML once the page has been
converted. So a client's name can never become Markdown, HTML or a template,
whatever characters it holds, and a guide that is the same for every client
is converted once and filled many times.

Tokens are plain capitals and digits, which Markdown leaves alone in every
context (text, tables, links, attributes, headings).
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

__all__ = ["Slots"]

_TOKEN = re.compile(r"(<p>)?CBV(\d{4,})Z(</p>)?")


class Slots:
    """Hands out tokens for values and fills them into converted HTML."""

    def __init__(self) -> None:
        self._html: list[str] = []
        self._block: list[bool] = []

    def __len__(self) -> int:
        return len(self._html)

    def text(self, value: object) -> Markup:
        """A token for text, to be HTML-escaped (quotes too, so it is safe in attributes)."""
        return self._add(html.escape(str(value), quote=True), block=False)

    def inline_html(self, trusted: str) -> Markup:
        """A token for HTML we produced and trust (an icon, a sanitised snippet)."""
        return self._add(trusted, block=False)

    def block_html(self, trusted: str) -> Markup:
        """A token standing alone as a paragraph, replaced by a block of trusted HTML (a chart, notes)."""
        return Markup("\n\n") + self._add(trusted, block=True) + Markup("\n\n")

    def _add(self, content: str, *, block: bool) -> Markup:
        self._html.append(content)
        self._block.append(block)
        return Markup(f"CBV{len(self._html) - 1:04d}Z")

    def fill(self, converted: str) -> str:
        """Replace every token in converted HTML (or a title) with its value.

        One pass only: text that a value brings in is never scanned again, so
        a value that happens to look like a token stays as it is.
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
            return opened + value + closed

        return _TOKEN.sub(replace, converted)
