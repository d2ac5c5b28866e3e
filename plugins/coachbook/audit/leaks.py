"""A leak, as a value: what was found, in which file, and where it came from.

The audit returns leaks; `coachbook.errors.LeakError` carries them when a
site must not be published. Only the edges (the plugin, the build report,
`coachbook audit`) turn them into messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from coachbook.audit.needles import Needle, shown_needle

__all__ = ["Leak", "LeakKind"]


class LeakKind(StrEnum):
    """What makes a file unfit to publish."""

    TEXT = "text"
    """It contains a string that must not be in this site (`Leak.needle` says whose, and from which field;
    `Leak.place` names the metadata field when the string was in one)."""
    LINK = "symlink"
    """It is a symbolic link, which could publish any file the server can read."""
    ORIGIN = "origin"
    """A page or stylesheet loads something from another origin (`Leak.url`, from `Leak.place`)."""
    SCHEME = "scheme"
    """A page links to or loads an address that is not on the web (`file:`, `javascript:`...; `Leak.url`)."""
    METADATA = "metadata"
    """An image still carries metadata (a location, an author) that the build strips (`Leak.place`: the fields)."""


@dataclass(frozen=True)
class Leak:
    """One reason a site must not be published."""

    file: str
    """Path relative to the audited site."""
    needle: Needle | None = None
    """For a `TEXT` leak: the string found and where it came from."""
    kind: LeakKind = LeakKind.TEXT
    url: str = ""
    """For an `ORIGIN` or `SCHEME` leak: the address."""
    place: str = ""
    """Where in the file: the element and attribute of an address (`<img srcset>`), the metadata field a
    string was found in (`EXIF Artist`), or the metadata fields an image carries."""

    def __str__(self) -> str:
        if self.kind is LeakKind.LINK:
            return f"{self.file}: is a symbolic link, which could publish any file the server can read"
        if self.kind is LeakKind.ORIGIN:
            return f"{self.file}: {self.place or 'a request'} loads {self.url} from another origin"
        if self.kind is LeakKind.SCHEME:
            return (
                f"{self.file}: {self.place or 'a link'} points at {self.url!r}, which is not a web address; "
                "link only to http:, https:, mailto: and tel: addresses and to the site's own pages"
            )
        if self.kind is LeakKind.METADATA:
            return (
                f"{self.file}: carries metadata ({self.place}), which no published image may; "
                "build the site again with `coachbook build`, which strips it"
            )
        assert self.needle is not None
        n = self.needle
        shown = shown_needle(n.text)
        if n.reason == "console":
            return f"{self.file}: contains {shown}, the coaches' console's own text, which no other site may hold"
        kind = "identifies another client" if n.reason == "identity" else f"is {n.reason.replace('_', '-')} text"
        where = f" in its {self.place} metadata" if self.place else ""
        return f"{self.file}: contains {shown}{where}, which {kind} (engagements/{n.owner}.yml, field {n.field})"
