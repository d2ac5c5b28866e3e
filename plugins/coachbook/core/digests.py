"""Digests: how Coachbook recognises that something is the same as before, without keeping a copy of it.

Every cache (the sites' fingerprints, the engagement records, the check's
results) is keyed by digests of what it was made from. They are BLAKE2b, 128
bits: not for secrecy, only so that two different inputs never share a key.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

__all__ = ["code_digest", "digest", "digest_bytes", "folder_digest"]


def digest(*parts: object) -> str:
    """One digest of several values (strings, numbers, None, or lists and dicts of them)."""
    return hashlib.blake2b(json.dumps(parts, sort_keys=True, default=str).encode(), digest_size=16).hexdigest()


def digest_bytes(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def folder_digest(folder: Path | None, *, skip: str | None = None) -> str:
    """A digest of every file's path and bytes under `folder` (empty if there is no folder).

    `skip` leaves out every folder of that name (and what it holds).
    """
    if folder is None or not folder.is_dir():
        return digest(None)
    entries = []
    for path in sorted(folder.rglob("*")):
        if skip is not None and skip in path.relative_to(folder).parts:
            continue
        if path.is_file():
            entries.append((path.relative_to(folder).as_posix(), digest_bytes(path.read_bytes())))
    return digest(entries)


@functools.cache
def code_digest() -> str:
    """A digest of Coachbook's own files (code, templates, assets), once per process.

    A development install keeps its version number while the code changes; its files say more. Compiled
    bytecode is left out: Python rewrites it when it likes, and it says nothing the sources do not.
    """
    return folder_digest(Path(__file__).resolve().parent.parent, skip="__pycache__")
