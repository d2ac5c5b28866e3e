"""The published tree: immutable versions of each client's site, in the layout mike and Material expect.

```text
published/clients/<address>/
    versions.json          mike's format, newest first
    index.html             redirects to latest/
    latest/                a full copy of the newest version (never a symlink)
    2026-11-24-implementation/
    2026-09-30-goal-setting/
```

Nothing here builds or writes anything: this is the data model of the tree
(mike's `versions.json` entries) and the rules a version name and the list of
versions follow. `coachbook.publish.publisher` carries out the operations.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coachbook.errors import CoachbookError

__all__ = [
    "LATEST",
    "Version",
    "check_version_name",
    "default_version_name",
    "publishing",
    "read_versions",
    "require_version",
    "versions_json",
    "without_version",
]

#: The alias that always names the newest version.
LATEST = "latest"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: Names that would collide with the tree's own files or aliases.
_RESERVED = frozenset({LATEST, "versions.json", "index.html", "404.html", "assets", "search"})


@dataclass(frozen=True)
class Version:
    """One entry of `versions.json`."""

    name: str
    title: str
    aliases: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)
    """mike's free-form field; Coachbook records the as-of date and the source (`ref`) here."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": self.name, "title": self.title, "aliases": list(self.aliases)}
        if self.properties:
            data["properties"] = self.properties
        return data


def check_version_name(name: str) -> str:
    """Return `name` if it can be a folder and a URL segment of the published tree.

    Raises:
        CoachbookError: It has path characters, capitals or spaces, or is reserved.
    """
    if not _NAME.fullmatch(name) or ".." in name:
        raise CoachbookError(
            f"version name {name!r} cannot be used: use 1 to 64 lower-case letters, digits, '.', '-' or '_', "
            "starting with a letter or digit (for example 2026-03-18-goal-setting)"
        )
    if name in _RESERVED:
        raise CoachbookError(f"version name {name!r} is reserved; choose another, such as a date")
    return name


def default_version_name(as_of: dt.date, stage_id: str | None) -> str:
    """The date and the current stage, such as `2026-03-18-goal-setting`; `-closed` once every stage is done."""
    return f"{as_of.isoformat()}-{stage_id or 'closed'}"


def read_versions(path: Path) -> list[Version]:
    """The versions listed in a `versions.json`, newest first; none if the file does not exist yet.

    Raises:
        CoachbookError: The file is not a list of mike version entries.
    """
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise TypeError("not a list")
        return [
            Version(
                name=check_version_name(str(item["version"])),
                title=str(item.get("title") or item["version"]),
                aliases=tuple(str(a) for a in item.get("aliases", [])),
                properties=dict(item.get("properties") or {}),
            )
            for item in data
        ]
    except (ValueError, TypeError, KeyError, AttributeError, CoachbookError) as exc:
        raise CoachbookError(
            f"{path} is not a valid versions list ({exc}); restore it from your backup or git history"
        ) from None


def require_version(versions: list[Version], name: str, owner: str) -> None:
    """Raise unless `name` is one of the published `versions` of `owner`'s site.

    Raises:
        CoachbookError: It is not, with the names that are.
    """
    if not any(v.name == name for v in versions):
        known = ", ".join(v.name for v in versions) or "none"
        raise CoachbookError(f"{owner} has no published version {name!r} (published: {known})")


def versions_json(versions: list[Version]) -> str:
    return json.dumps([v.to_json() for v in versions], indent=2, ensure_ascii=False) + "\n"


def publishing(versions: list[Version], new: Version) -> list[Version]:
    """The list after publishing `new`: a new name goes first and takes `latest`; a replaced one keeps its place."""
    if any(v.name == new.name for v in versions):
        return [Version(new.name, new.title, v.aliases, new.properties) if v.name == new.name else v for v in versions]
    others = [Version(v.name, v.title, tuple(a for a in v.aliases if a != LATEST), v.properties) for v in versions]
    return [Version(new.name, new.title, (LATEST,), new.properties), *others]


def without_version(versions: list[Version], name: str) -> list[Version]:
    """The list after removing `name`; if it was `latest`, the next newest takes the alias."""
    kept = [v for v in versions if v.name != name]
    if kept and not any(LATEST in v.aliases for v in kept):
        first = kept[0]
        kept[0] = Version(first.name, first.title, (*first.aliases, LATEST), first.properties)
    return kept
