"""What `coachbook build` knows of what it built: a mark inside each site, and a cache beside the project.

**The site mark** (`.coachbook.json` inside every site folder) says what the
site was built from: its fingerprint, the audit strings it was searched for,
the date it was built for, whether its build had warnings, what the folder
held when it was put in place (`site_listing`), and for a published version
its name and title. It is written into the staging folder
before the folder is swapped in, so the two move together in one rename: a
site and its mark can never disagree, whatever is killed when. Whether a
site is up to date is decided from its mark alone. The mark holds digests,
dates and version names, nothing of any client; it is a dotfile, which the
hosting configs never serve.

**The build state** (`.coachbook/builds/<id>.json`, git-ignored, never inside
the served output) is a cache: the sets of audit strings that marks refer to,
and what the theme's assets were found to hold. (Each engagement file's record
is kept for the whole project, `coachbook.audit.records`.) Losing it, or finding it damaged, costs time, never
correctness: it is then treated as missing, and the build says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coachbook.build.fingerprints import digest
from coachbook.core.files import list_tree, write_atomic

__all__ = [
    "MARK_FILE",
    "STATE_VERSION",
    "BuildState",
    "SiteRecord",
    "read_mark",
    "site_listing",
    "state_path",
    "write_mark",
]

#: Bump when the layout of the state file changes; an old file is then ignored (engagements are parsed again).
STATE_VERSION = 4
#: The site mark's file name, at the root of every site Coachbook puts in place.
MARK_FILE = ".coachbook.json"
#: Bump when the mark's layout changes; an old mark then means "build again".
MARK_VERSION = 1


def state_path(project_root: Path, site_root: Path) -> Path:
    """Where the state of builds into `site_root` is kept: `.coachbook/builds/` in the project."""
    return project_root / ".coachbook" / "builds" / f"{digest(str(site_root.resolve()))}.json"


@dataclass
class SiteRecord:
    """A site as it was put in place: what its mark says."""

    fingerprint: str
    folder: str
    """The site's folder, relative to the output root, when it was built (a copy moved by hand is built again)."""
    needles: str
    """Key in `BuildState.needle_sets` of the strings the site was last audited against."""
    warned: bool = False
    """Whether its build had warnings (`--strict` then builds it again, to report them)."""
    as_of: str | None = None
    """The date the site was built for (YYYY-MM-DD), which `coachbook audit` audits it as of."""
    version: str | None = None
    """For a published version: its name."""
    title: str | None = None
    """For a published version: its title, so a lost `versions.json` can be rebuilt."""
    properties: dict[str, Any] = field(default_factory=dict)
    """For a published version: what it was built from (mike's `properties`)."""
    files: str | None = None
    """`site_listing` of the folder when the site was put in place; None in a mark written before it was kept."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "mark": MARK_VERSION,
            "fingerprint": self.fingerprint,
            "folder": self.folder,
            "needles": self.needles,
            "warned": self.warned,
            "as_of": self.as_of,
        }
        if self.files is not None:
            data["files"] = self.files
        if self.version is not None:
            data.update(version=self.version, title=self.title, properties=self.properties)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteRecord:
        if data.get("mark") != MARK_VERSION:
            raise ValueError(f"mark version {data.get('mark')!r}")
        properties = data.get("properties") or {}
        if not isinstance(properties, dict):
            raise TypeError("properties is not a mapping")
        return cls(
            fingerprint=str(data["fingerprint"]),
            folder=str(data["folder"]),
            needles=str(data["needles"]),
            warned=bool(data.get("warned", False)),
            as_of=None if data.get("as_of") is None else str(data["as_of"]),
            version=None if data.get("version") is None else str(data["version"]),
            title=None if data.get("title") is None else str(data["title"]),
            properties=properties,
            files=None if data.get("files") is None else str(data["files"]),
        )


def read_mark(site: Path) -> SiteRecord | None:
    """The mark of the site in `site`; None when it has none, or one that cannot be read (then: build it again)."""
    try:
        return SiteRecord.from_json(json.loads((site / MARK_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def site_listing(site: Path) -> str:
    """A digest of what the site folder `site` holds: each file's path and size, and each link.

    The mark records it when the site is put in place, and the next build compares: a page deleted, added or
    edited to another size by hand, or a link put in, no longer matches, and the site is built (and audited)
    again instead of being called up to date. The mark itself is left out, since a build rewrites it in place.
    Sizes, not times or contents: the mark is part of the output, which two builds of the same inputs write byte
    for byte the same, and reading every byte of every site would cost a build of nothing more than building one.
    """
    return digest(
        [
            ["/".join(parts), None if status is None else status.st_size]
            for parts, status in list_tree(site)
            if parts != (MARK_FILE,)
        ]
    )


def write_mark(site: Path, record: SiteRecord) -> None:
    """Write (or replace) the mark of the site in `site`, in one step."""
    text = json.dumps(record.to_json(), sort_keys=True, separators=(",", ":")) + "\n"
    write_atomic(site / MARK_FILE, text, durable=False)


@dataclass
class BuildState:
    """What `coachbook build` keeps between runs for one output folder, to save time; never needed to be right."""

    needle_sets: dict[str, list[str]] = field(default_factory=dict)
    """Every client's audit strings at the time of an audit, by digest, for the sites that were audited then."""
    asset_needles: str | None = None
    """Key in `needle_sets` of the strings the theme's assets were last searched for."""
    asset_found: dict[str, list[str]] = field(default_factory=dict)
    """What that search found, by asset digest: the next build searches only for strings added since."""
    asset_tools: str | None = None
    """Digest of the tools that search was made with: another version of the audit searches afresh."""
    problem: str | None = None
    """Why the state on disk could not be used, when it could not (it is then empty)."""

    @classmethod
    def load(cls, path: Path) -> BuildState:
        """The state at `path`; an empty one, saying why, when it is unreadable, damaged or of another layout."""
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            return cls(problem=f"it cannot be read ({exc.strerror})")
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
                return cls(problem="it is from another version of Coachbook")
            return cls(
                needle_sets={str(k): [str(t) for t in v] for k, v in data["needle_sets"].items()},
                asset_needles=None if data.get("asset_needles") is None else str(data["asset_needles"]),
                asset_found={str(k): [str(t) for t in v] for k, v in data.get("asset_found", {}).items()},
                asset_tools=None if data.get("asset_tools") is None else str(data["asset_tools"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return cls(problem=f"it is damaged ({type(exc).__name__})")

    def save(self, path: Path, *, in_use: Iterable[str] = ()) -> None:
        """Write the state in one step, keeping only the needle sets that a site mark (`in_use`) refers to.

        Raises:
            OSError: It could not be written (a full disk, a read-only folder); the old file stays.
        """
        used = set(in_use) | {self.asset_needles}
        data = {
            "version": STATE_VERSION,
            "needle_sets": {k: v for k, v in self.needle_sets.items() if k in used},
            "asset_needles": self.asset_needles,
            "asset_found": dict(sorted(self.asset_found.items())),
            "asset_tools": self.asset_tools,
        }
        write_atomic(path, json.dumps(data, separators=(",", ":")))

    def remember_needles(self, texts: Iterable[str]) -> str:
        """Keep a set of audit strings and return its key."""
        ordered = sorted(set(texts))
        key = digest(ordered)
        self.needle_sets.setdefault(key, ordered)
        return key
