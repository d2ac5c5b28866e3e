"""A built site's files as the audit reads them: each read once, digested once, normalised once.

Every part of the audit (the search for other clients' strings, the sponsor
search, the check for other-origin requests) works from the same `SiteFile`s,
so a file is read from disk one time however many checks look at it, and a
theme asset whose digest is already known is not even normalised.
"""

from __future__ import annotations

import hashlib
import os
import time
from functools import cached_property
from pathlib import Path

from coachbook.audit.leaks import Leak, LeakKind
from coachbook.audit.normalise import page_text
from coachbook.core.files import list_tree

__all__ = ["SiteFile", "file_digest", "learn_digest", "walk_site"]


def file_digest(raw: bytes) -> str:
    """A digest of a file's bytes, to recognise files that are the same in every site."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


#: Digests of files known by where their bytes are on disk: (device, inode) to (size, modification time in
#: nanoseconds, digest). Every site's copy of a theme asset is a hardlink to one stored file
#: (`coachbook.build.asset_store`), so a site's process knows it as that file without reading its bytes.
_KNOWN_DIGESTS: dict[tuple[int, int], tuple[int, int, str]] = {}
#: A file changed less than this long ago is not known by its identity: a write within the same tick of the
#: clock could leave its size and time as they were (git's "racy" entries).
_SETTLED_NS = 2_000_000_000


def learn_digest(path: Path) -> str | None:
    """The digest of the file at `path`, read now; None if it cannot be read.

    The digest is also remembered by the file's identity on disk (`_KNOWN_DIGESTS`), so that a site's
    file that is the same file (a hardlink to it) is known without being read: any write to it changes
    its size or modification time, and then it is read. A file changed within `_SETTLED_NS`, or
    changed while it was read, is not remembered.
    """
    try:
        before = os.stat(path)
        raw = path.read_bytes()
        after = os.stat(path)
    except OSError:
        return None
    digest = file_digest(raw)
    settled = time.time_ns() - after.st_mtime_ns >= _SETTLED_NS
    if settled and _identity(before) == _identity(after) and after.st_size == len(raw):
        _KNOWN_DIGESTS[after.st_dev, after.st_ino] = (after.st_size, after.st_mtime_ns, digest)
    return digest


def _identity(status: os.stat_result) -> tuple[int, int, int, int]:
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


class SiteFile:
    """One regular file of a site, with its bytes, digest and normalised text read lazily and kept."""

    def __init__(self, relative: str, path: Path, status: os.stat_result | None = None) -> None:
        self.relative = relative
        """Path relative to the site, with `/` separators."""
        self.path = path
        self.status = status
        """The file's `lstat`, from the walk of its site: what says it is a file whose digest is known."""

    @cached_property
    def raw(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def digest(self) -> str:
        if self.status is not None and _KNOWN_DIGESTS:
            size, modified, digest = _KNOWN_DIGESTS.get((self.status.st_dev, self.status.st_ino), (-1, -1, ""))
            if (size, modified) == (self.status.st_size, self.status.st_mtime_ns):
                return digest
        return file_digest(self.raw)

    @cached_property
    def text(self) -> str:
        """The file's text as the audit searches it (`coachbook.audit.normalise.file_text`)."""
        text, self.tags = page_text(self.relative, self.raw)
        return text

    tags: list[str] | None = None
    """A page's tags, as `normalise.TAG` finds them in its UTF-8 text, once its text is read and if they were
    found on the way (`normalise.page_text`): the address audit reads them rather than split the page again."""

    def __repr__(self) -> str:
        return f"SiteFile({self.relative!r})"


def walk_site(site_dir: Path) -> tuple[list[SiteFile], list[Leak]]:
    """Every regular file of a site, in a stable order, and a leak for each symbolic link.

    A symbolic link is a leak in itself (it could publish any file the server
    can read): it is reported and never followed. Files come in the order of
    their paths (`list_tree`).
    """
    files: list[SiteFile] = []
    links: list[Leak] = []
    for parts, status in list_tree(site_dir):
        relative = "/".join(parts)
        if status is None:
            links.append(Leak(relative, kind=LeakKind.LINK))
        else:
            files.append(SiteFile(relative, site_dir.joinpath(*parts), status))
    return files, links
