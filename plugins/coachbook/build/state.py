"""What `coachbook build` remembers between runs for one output folder, and where it keeps it.

The record lives in a JSON file under `.coachbook/builds/` beside the
project, never inside the served output: it names every client and their
address, and keeps each engagement's audit fragments (coach-only text
included) so that an unchanged engagement is not parsed again. `.coachbook/`
is git-ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coachbook.audit.needles import Fragments
from coachbook.build.fingerprints import digest

__all__ = ["STATE_VERSION", "BuildState", "EngagementRecord", "SiteRecord", "state_path"]

#: Bump when the layout of the state file changes; an old file is then ignored (everything is rebuilt).
STATE_VERSION = 2


def state_path(project_root: Path, site_root: Path) -> Path:
    """Where the state of builds into `site_root` is kept: `.coachbook/builds/` in the project."""
    return project_root / ".coachbook" / "builds" / f"{digest(str(site_root.resolve()))}.json"


@dataclass
class EngagementRecord:
    """What a build remembers of an engagement file, valid while the file's bytes are the same."""

    digest: str
    address: str
    fragments: Fragments
    handbook: str | None = None
    """The git ref the engagement pins its handbook at, if it does."""
    sponsor: bool = False
    """Whether the engagement asks for a sponsor site."""

    def to_json(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "address": self.address,
            "fragments": self.fragments.to_json(),
            "handbook": self.handbook,
            "sponsor": self.sponsor,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EngagementRecord:
        return cls(
            data["digest"],
            data["address"],
            Fragments.from_json(data["fragments"]),
            data.get("handbook"),
            bool(data.get("sponsor", False)),
        )


@dataclass
class SiteRecord:
    """A site as it was last put in place."""

    fingerprint: str
    folder: str
    """The site's folder, relative to the output root."""
    stamp: list[int] | None
    """The folder's inode and time when it was put in place, for diagnosis; builds only check the folder exists."""
    needles: str
    """Key in `BuildState.needle_sets` of the strings the site was last audited against."""
    warnings: list[str] = field(default_factory=list)
    as_of: str | None = None
    """The date the site was built for (YYYY-MM-DD), which `coachbook audit` audits it as of."""

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "folder": self.folder,
            "stamp": self.stamp,
            "needles": self.needles,
            "warnings": self.warnings,
            "as_of": self.as_of,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteRecord:
        return cls(
            data["fingerprint"],
            data["folder"],
            data["stamp"],
            data["needles"],
            list(data.get("warnings", [])),
            data.get("as_of"),
        )


@dataclass
class BuildState:
    """Everything `coachbook build` remembers between runs for one output folder."""

    engagements: dict[str, EngagementRecord] = field(default_factory=dict)
    sites: dict[str, SiteRecord] = field(default_factory=dict)
    """By site name: `handbook` or the client's slug."""
    needle_sets: dict[str, list[str]] = field(default_factory=dict)
    """Every client's audit strings at the time of an audit, by digest, for the sites that were audited then."""
    asset_needles: str | None = None
    """Key in `needle_sets` of the strings the theme's assets were last searched for."""
    asset_found: dict[str, list[str]] = field(default_factory=dict)
    """What that search found, by asset digest: the next build searches only for strings added since."""
    asset_tools: str | None = None
    """Digest of the tools that search was made with: another version of the audit searches afresh."""

    @classmethod
    def load(cls, path: Path) -> BuildState:
        """The state at `path`; an empty one when it is missing, unreadable or from another version."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                return cls()
            return cls(
                engagements={k: EngagementRecord.from_json(v) for k, v in data["engagements"].items()},
                sites={k: SiteRecord.from_json(v) for k, v in data["sites"].items()},
                needle_sets={k: list(v) for k, v in data["needle_sets"].items()},
                asset_needles=data.get("asset_needles"),
                asset_found={k: list(v) for k, v in data.get("asset_found", {}).items()},
                asset_tools=data.get("asset_tools"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def save(self, path: Path) -> None:
        """Write the state atomically, keeping only the needle sets some site still refers to."""
        used = {site.needles for site in self.sites.values()} | {self.asset_needles}
        data = {
            "version": STATE_VERSION,
            "engagements": {k: v.to_json() for k, v in sorted(self.engagements.items())},
            "sites": {k: v.to_json() for k, v in sorted(self.sites.items())},
            "needle_sets": {k: v for k, v in self.needle_sets.items() if k in used},
            "asset_needles": self.asset_needles,
            "asset_found": dict(sorted(self.asset_found.items())),
            "asset_tools": self.asset_tools,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, path)

    def remember_needles(self, texts: Iterable[str]) -> str:
        """Keep a set of audit strings and return its key."""
        ordered = sorted(set(texts))
        key = digest(ordered)
        self.needle_sets.setdefault(key, ordered)
        return key
