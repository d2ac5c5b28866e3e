"""A built site's files as the audit reads them: each read once, digested once, normalised once.

Every part of the audit (the search for other clients' strings, the sponsor
search, the check for other-origin requests) works from the same `SiteFile`s,
so a file is read from disk one time however many checks look at it, and a
theme asset whose digest is already known is not even normalised.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path

from coachbook.audit.leaks import Leak, LeakKind
from coachbook.audit.normalise import file_text

__all__ = ["SiteFile", "file_digest", "walk_site"]


def file_digest(raw: bytes) -> str:
    """A digest of a file's bytes, to recognise files that are the same in every site."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class SiteFile:
    """One regular file of a site, with its bytes, digest and normalised text read lazily and kept."""

    def __init__(self, relative: str, path: Path) -> None:
        self.relative = relative
        """Path relative to the site, with `/` separators."""
        self.path = path

    @cached_property
    def raw(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def digest(self) -> str:
        return file_digest(self.raw)

    @cached_property
    def text(self) -> str:
        """The file's text as the audit searches it (`coachbook.audit.normalise.file_text`)."""
        return file_text(self.relative, self.raw)

    def __repr__(self) -> str:
        return f"SiteFile({self.relative!r})"


def walk_site(site_dir: Path) -> tuple[list[SiteFile], list[Leak]]:
    """Every regular file of a site, in a stable order, and a leak for each symbolic link.

    A symbolic link is a leak in itself (it could publish any file the server
    can read): it is reported and never followed.
    """
    files: list[SiteFile] = []
    links: list[Leak] = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file() or p.is_symlink()):
        relative = path.relative_to(site_dir).as_posix()
        if path.is_symlink():
            links.append(Leak(relative, kind=LeakKind.LINK))
        else:
            files.append(SiteFile(relative, path))
    return files, links
