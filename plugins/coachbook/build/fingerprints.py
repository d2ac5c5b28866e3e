"""What each site is built from, as digests, so an unchanged site is not built again.

A site's fingerprint covers every input that can change its output:

* the engagement file's bytes (client sites);
* the content folder: program, guides and anything else in it, or, for an
  engagement that pins its handbook at a git ref, the commit that ref names;
* `mkdocs.yml` (and a file it `INHERIT`s), the environment variables it reads
  with `!ENV`, and every `COACHBOOK_*` variable;
* the theme's `custom_dir` (the firm's overrides);
* the versions of coachbook (and the bytes of its own code and templates),
  mkdocs, mkdocs-material, pymdown-extensions, markdown and jinja2;
* the as-of date, for client sites only: the handbook does not depend on it;
* for an encrypted site, the size and time of its passphrase file.

The record of what was built lives in `BuildState`, a JSON file under
`.coachbook/` beside the project, never inside the served output: it names
every client and their address, and keeps each engagement's audit fragments
(coach-only text included) so that an unchanged engagement is not parsed
again. `.coachbook/` is git-ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from coachbook.audit.index import Fragments

__all__ = [
    "BuildState",
    "EngagementRecord",
    "SiteRecord",
    "config_inputs",
    "digest",
    "digest_bytes",
    "folder_digest",
    "output_stamp",
    "state_path",
    "tool_versions",
]

#: Bump when the layout of the state file changes; an old file is then ignored (everything is rebuilt).
STATE_VERSION = 2
#: Packages whose version changes the HTML a build writes.
TOOLS = ("coachbook", "mkdocs", "mkdocs-material", "pymdown-extensions", "markdown", "jinja2")
_ENV_TAG = re.compile(r"!ENV\s+(\[[^\]]*\]|[A-Za-z_][A-Za-z0-9_]*)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INHERIT = re.compile(r"^INHERIT:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def digest(*parts: object) -> str:
    """One digest of several values (strings, numbers, None, or lists and dicts of them)."""
    return hashlib.blake2b(json.dumps(parts, sort_keys=True, default=str).encode(), digest_size=16).hexdigest()


def digest_bytes(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def folder_digest(folder: Path | None) -> str:
    """A digest of every file's path and bytes under `folder` (empty if there is no folder)."""
    if folder is None or not folder.is_dir():
        return digest(None)
    entries = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            entries.append((path.relative_to(folder).as_posix(), digest_bytes(path.read_bytes())))
    return digest(entries)


def tool_versions() -> dict[str, str]:
    """Installed versions of the packages whose output a site is made of."""
    found = {}
    for name in TOOLS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "?"
    # A development install keeps its version number while the code changes; its files say more.
    found["coachbook-files"] = folder_digest(Path(__file__).resolve().parent.parent)
    return found


def config_inputs(config_file: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`mkdocs.yml`, a file it inherits, and the environment variables the build reads."""
    environ = os.environ if environ is None else environ
    raw = config_file.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    files = {config_file.name: digest_bytes(raw)}
    inherited = _INHERIT.search(text)
    if inherited:
        parent = (config_file.parent / inherited.group(1)).resolve()
        with contextlib.suppress(OSError):
            files[inherited.group(1)] = digest_bytes(parent.read_bytes())
            text += parent.read_text(encoding="utf-8", errors="replace")
    names = {name for match in _ENV_TAG.finditer(text) for name in _ENV_NAME.findall(match.group(1))}
    names |= {name for name in environ if name.startswith("COACHBOOK_")}
    # Values are mixed into one digest with everything else; a passphrase never stands alone in the state.
    return {"files": files, "env": {name: environ.get(name) for name in sorted(names)}}


def output_stamp(folder: Path) -> list[int] | None:
    """The site folder's inode and modification time: a folder replaced or emptied by hand no longer matches."""
    try:
        stat = folder.stat()
    except OSError:
        return None
    return [stat.st_ino, stat.st_mtime_ns]


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

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "folder": self.folder,
            "stamp": self.stamp,
            "needles": self.needles,
            "warnings": self.warnings,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteRecord:
        return cls(data["fingerprint"], data["folder"], data["stamp"], data["needles"], list(data.get("warnings", [])))


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
