"""Text as the leak audit compares it: what a reader of the file could see, in one canonical form.

Output is compared as normalised text: tags dropped but attribute values and
comments kept (anyone can read them in the page source), entities and JSON
escapes decoded, calendar lines unfolded, quotes and dashes folded, case and
spacing ignored. A coach-only sentence therefore matches even after Markdown
turned it into HTML. Needles are normalised by the same function, so both
sides of every comparison are in the same form.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import io
import json
import re
import unicodedata
from typing import Any

__all__ = ["MAX_INFLATED_BYTES", "file_text", "normalise", "strings"]

#: A compressed file is read up to this size, so a crafted archive cannot exhaust memory.
MAX_INFLATED_BYTES = 50_000_000

_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)
#: A tag, captured so that `split` keeps it: split and substitute find the same tags.
_TAG_SPLIT = re.compile(r"(<[^>]*>)")
#: Attribute values inside a tag: a name in `title="..."` or `content='...'` is as readable as body text.
_ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_SPACE = re.compile(r"\s+")
#: Calendar and contact files (RFC 5545, RFC 6350) fold long lines and escape text; see `_unfold_calendar`.
_CALENDAR_SUFFIXES = frozenset({".ics", ".ical", ".ifb", ".vcf"})
_CALENDAR_FOLD = re.compile(r"\r?\n[ \t]")
_CALENDAR_ESCAPE = re.compile(r"\\([\\;,nN])")
_FOLD = (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"), ("\u00a0", " "))


def _tag_values(tag: str) -> str:
    values = (next(v for v in groups if v) for groups in _ATTRIBUTE_VALUE.findall(tag) if any(groups))
    return " " + " ".join(values) + " "


def normalise(text: str) -> str:
    """Text as the audit compares it."""
    # Comments and attribute values are kept as text: anyone can read them in the page source.
    text = _COMMENT.sub(lambda m: f" {m.group(1)} ", text)
    # Splitting on tags finds the same tags as substituting them would, but lets
    # the (many) tags without attributes skip the per-tag regex: a page has
    # thousands of tags, and a callback for each was most of the audit's time.
    parts = _TAG_SPLIT.split(text)
    for i in range(1, len(parts), 2):
        parts[i] = _tag_values(parts[i]) if "=" in parts[i] else "  "
    text = unicodedata.normalize("NFKC", html.unescape("".join(parts)))
    # str.translate with a mapping costs a dictionary lookup per character;
    # a few replacements of the (non-ASCII) folded characters are far cheaper.
    if not text.isascii():
        for old, new in _FOLD:
            if old in text:
                text = text.replace(old, new)
    return _SPACE.sub(" ", text).strip().casefold()


def strings(value: Any) -> str:
    """Every string inside decoded JSON (keys of mappings included), joined by spaces."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(f"{k} {strings(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(strings(v) for v in value)
    return ""


def file_text(name: str, raw: bytes) -> str:
    """A file's text as the audit searches it, from its name (for its kind) and its bytes."""
    inner = name
    if name.endswith(".gz"):
        raw = _inflated(raw)
        inner = name.removesuffix(".gz")
    suffix = "." + inner.rsplit(".", 1)[-1] if "." in inner.rsplit("/", 1)[-1] else ""
    text = raw.decode("utf-8", errors="ignore")
    if suffix == ".json":
        # Decode \u escapes and nested strings the way a browser would.
        with contextlib.suppress(ValueError):
            text = text + " " + strings(json.loads(text))
    elif suffix in _CALENDAR_SUFFIXES:
        # Read text as a calendar app would: a sentence folded over two lines, or with its commas escaped,
        # must still match.
        text = text + " " + _unfold_calendar(text)
    return normalise(text)


def _inflated(raw: bytes) -> bytes:
    """A gzip file's content, up to `MAX_INFLATED_BYTES`; a damaged file gives what could be read of it."""
    out = bytearray()
    with contextlib.suppress(OSError, EOFError), gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
        while len(out) < MAX_INFLATED_BYTES:
            chunk = stream.read(min(1 << 16, MAX_INFLATED_BYTES - len(out)))
            if not chunk:
                break
            out += chunk
    return bytes(out)


def _unfold_calendar(text: str) -> str:
    r"""Calendar or contact text with folded lines joined and the `\,` `\;` `\n` `\\` escapes decoded."""
    unfolded = _CALENDAR_FOLD.sub("", text)
    return _CALENDAR_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), unfolded)
