"""Unguessable site addresses: `clients/<id>/` instead of `clients/<slug>/`.

A slug such as `dana-whitfield` is easy to guess, and a guessed URL is the
first step to someone else's coaching notes on a host without access control.
An id of 26 base32 letters carries 128 random bits. It is kept in the
engagement file (`site.id`) rather than derived from a secret, so the address
is reviewable in git and the same on every machine that builds the site.
"""

from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path

from coachbook.core.files import write_atomic
from coachbook.core.loader import LoadedEngagement
from coachbook.errors import CoachbookError

__all__ = ["add_site_id", "new_site_id"]

#: Random bytes in a new id: 16 bytes are 128 bits, written as 26 base32 letters.
ID_BYTES = 16

_SITE_KEY = re.compile(r"^site:[ \t]*(?:#.*)?$", re.MULTILINE)
_FLOW_SITE_KEY = re.compile(r"^site:[ \t]*\S", re.MULTILINE)


def new_site_id() -> str:
    """A fresh id that matches `types.SITE_ID_PATTERN`."""
    return base64.b32encode(secrets.token_bytes(ID_BYTES)).decode("ascii").rstrip("=").lower()


def add_site_id(loaded: LoadedEngagement) -> str:
    """Write a new `site.id` into the engagement file, keeping its comments and layout.

    Raises:
        CoachbookError: The engagement already has an id, or its `site:` entry
            is written in a form this edit cannot extend safely.
    """
    current = loaded.engagement.site.id
    if current:
        raise CoachbookError(
            f"{loaded.source.name} already has site.id {current!r}; delete that line first to change the address"
        )
    site_id = new_site_id()
    text = loaded.source.read_text(encoding="utf-8")
    block = _SITE_KEY.search(text)
    if block is not None:
        indent = _child_indent(text[block.end() :])
        updated = f"{text[: block.end()]}\n{indent}id: {site_id}{text[block.end() :]}"
    elif _FLOW_SITE_KEY.search(text):
        raise CoachbookError(f"{loaded.source.name}: `site:` is written on one line; add `id: {site_id}` to it by hand")
    else:
        updated = text.rstrip("\n") + f"\n\nsite:\n  id: {site_id}\n"
    _replace(loaded.source, updated)
    return site_id


def _child_indent(rest: str) -> str:
    """The indentation of the first entry under `site:`, or two spaces."""
    for line in rest.splitlines()[1:]:
        if line.strip() and not line.lstrip().startswith("#"):
            stripped = line.lstrip(" ")
            return line[: len(line) - len(stripped)] or "  "
    return "  "


def _replace(path: Path, text: str) -> None:
    # Written beside the original and renamed over it, so a crash leaves the old file whole.
    write_atomic(path, text, mode=path.stat().st_mode & 0o777)
