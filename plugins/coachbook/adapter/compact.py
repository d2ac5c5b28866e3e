"""Pages without their indentation: the same page to a browser, about an eighth smaller to upload.

Material's templates indent every line of a page, and a client site is mostly
pages: about 100 KB of each site is the spaces at the start of lines. In HTML
a run of spaces and newlines between words or tags is one space wherever text
is laid out normally, so a newline followed by indentation means exactly what
the newline alone means. `compact_html` removes that indentation and nothing
else: it never joins two lines, so no space between two words or inline
elements is lost.

Where whitespace is kept as written (`<pre>`, `<textarea>`) or is not HTML at
all (`<script>`, `<style>`, and `<code>`, which a stylesheet may lay out as
written), the text is left byte for byte as it was. No stylesheet of the theme
or of Coachbook sets `white-space: pre` on anything else.
"""

from __future__ import annotations

import re

__all__ = ["compact_html"]

#: The elements whose content is left exactly as written, matched from their start tag to their end tag.
_KEPT = re.compile(
    r"<(pre|textarea|script|style|code)\b.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
#: A line break followed by the indentation of the next line.
_INDENT = re.compile(r"\n[ \t]+")


def compact_html(page: str) -> str:
    """`page` with the indentation at the start of each line removed, outside the elements that keep it."""
    parts: list[str] = []
    done = 0
    for kept in _KEPT.finditer(page):
        parts.append(_INDENT.sub("\n", page[done : kept.start()]))
        parts.append(kept.group(0))
        done = kept.end()
    parts.append(_INDENT.sub("\n", page[done:]))
    return "".join(parts)
