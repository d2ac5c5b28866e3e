"""What each engagement file contributes to every build, kept by the digest of its bytes.

Every site is audited against every other engagement's strings, and two sites
must never share an address: so building one client's site, or checking the
firm, seems to need every engagement file parsed and validated. At a
thousand clients that is seconds a coach waits on every save. Instead each
valid file's record (its address, whether it asks for a sponsor site, the
handbook ref it pins, its audit fragments) is kept in
`.coachbook/engagements.json`, keyed by the digest of the file's bytes and
of what it was validated against (the program, Coachbook's own code). A file
whose bytes are unchanged is not parsed again; a changed one is, and only
that one.

The cache is only ever a shortcut: an entry whose digests do not match is
ignored, a damaged cache is an empty one, and two processes that write it at
once can only lose each other's additions, never record something untrue.
It lives beside the project (git-ignored), never in a site: it holds
coach-only text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from coachbook.audit.needles import Fragments, fragments_of
from coachbook.core.digests import code_digest, digest, digest_bytes
from coachbook.core.files import write_atomic
from coachbook.core.loader import HandbookSource, LoadedEngagement, load_engagement
from coachbook.core.model import Program
from coachbook.core.project import Project
from coachbook.core.sponsor import wants_sponsor_site
from coachbook.errors import Problem, ProblemList

__all__ = [
    "CACHE_FILE",
    "EngagementRecord",
    "RecordCache",
    "file_digest_of",
    "parse_records",
    "record_of",
    "records_for",
]

#: The cache's file, in Coachbook's working folder.
CACHE_FILE = "engagements.json"
#: Bump when the layout changes; an older file is then ignored.
CACHE_VERSION = 4
#: Below this many changed files, parsing them here is quicker than starting processes to share the work.
PARALLEL_FROM = 40
#: The cache as last read or written by this process, by file: (its stamp, its records).
_MEMO: dict[Path, tuple[tuple[int, int, str], dict[str, EngagementRecord]]] = {}


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
    organisation: str = ""
    """The client's organisation, which decides the cohort report the engagement counts in."""
    languages: tuple[str, ...] = ()
    """The languages the engagement names for its client's and sponsor's sites; none: the firm's own."""
    warnings: tuple[Problem, ...] = ()
    """What `coachbook check` warns about in the file, kept so that an unchanged file is not read again to say it."""

    def to_json(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "address": self.address,
            "fragments": self.fragments.to_json(),
            "handbook": self.handbook,
            "sponsor": self.sponsor,
            "organisation": self.organisation,
            "languages": list(self.languages),
            "warnings": [warning.to_json() for warning in self.warnings],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EngagementRecord:
        return cls(
            str(data["digest"]),
            str(data["address"]),
            Fragments.from_json(data["fragments"]),
            None if data.get("handbook") is None else str(data["handbook"]),
            bool(data.get("sponsor", False)),
            str(data.get("organisation") or ""),
            tuple(str(tag) for tag in data.get("languages") or ()),
            tuple(Problem.from_json(w) for w in data.get("warnings", ())),
        )


_DIGESTS: dict[Path, tuple[int, int, int, str]] = {}


def file_digest_of(path: Path) -> str:
    """The digest of a file's bytes, read again only when its size, time or inode changed since this process read it.

    A preview rebuilds on every save; reading a thousand engagement files each time to find the one that
    changed is most of what that costs.
    """
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    kept = _DIGESTS.get(path)
    if kept is not None and kept[:3] == stamp:
        return kept[3]
    found = digest_bytes(path.read_bytes())
    _DIGESTS[path] = (*stamp, found)
    return found


def record_of(loaded: LoadedEngagement, raw: bytes) -> EngagementRecord:
    """The record of a loaded engagement whose file held `raw`."""
    return EngagementRecord(
        digest=digest_bytes(raw),
        address=loaded.address,
        fragments=fragments_of(loaded.engagement),
        handbook=loaded.engagement.handbook,
        sponsor=wants_sponsor_site(loaded.engagement),
        organisation=loaded.engagement.client.organisation,
        languages=tuple(
            tag
            for tag in (loaded.engagement.language, loaded.engagement.sponsor and loaded.engagement.sponsor.language)
            if tag
        ),
        warnings=loaded.warnings,
    )


class RecordCache:
    """The engagement records of a project, keyed by the digests of the files and of what they were checked against.

    Arguments:
        project: The firm's folders; the cache is `.coachbook/engagements.json` in it.
        programs: The programs the engagements are validated against (their text is part of every key).
    """

    def __init__(self, project: Project, programs: Iterable[Program]) -> None:
        self.path = project.work_dir / CACHE_FILE
        self.context = digest(code_digest(), [program.model_dump(mode="json") for program in programs])
        self._entries: dict[str, EngagementRecord] = {}
        self._changed = False
        self.problem: str | None = None
        self._load()

    def _load(self) -> None:
        try:
            stat = self.path.stat()
        except OSError:
            return
        stamp = (stat.st_mtime_ns, stat.st_size, self.context)
        kept = _MEMO.get(self.path)
        if kept is not None and kept[0] == stamp:
            # A preview rebuilds on every save: the file is read again only when it changed.
            self._entries = dict(kept[1])
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.problem = f"it cannot be read ({exc})"
            return
        try:
            if (
                not isinstance(data, dict)
                or data.get("version") != CACHE_VERSION
                or data.get("context") != self.context
            ):
                return
            self._entries = {str(k): EngagementRecord.from_json(v) for k, v in data["records"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            self.problem = "it is damaged"
            self._entries = {}
            return
        _MEMO[self.path] = (stamp, dict(self._entries))

    def get(self, slug: str, file_digest: str) -> EngagementRecord | None:
        """The record of `slug` if its file still has these bytes and nothing it was checked against changed."""
        record = self._entries.get(slug)
        if record is None or record.digest != file_digest or record.handbook is not None:
            # A pinned handbook is checked against the program at its ref, which may move: never trusted here.
            return None
        return record

    def put(self, slug: str, record: EngagementRecord) -> None:
        if self._entries.get(slug) != record:
            self._entries[slug] = record
            self._changed = True

    def keep_only(self, slugs: Iterable[str]) -> None:
        """Forget the records of engagements that no longer exist."""
        wanted = set(slugs)
        for slug in list(self._entries):
            if slug not in wanted:
                del self._entries[slug]
                self._changed = True

    def save(self) -> None:
        """Write the cache if it changed; a cache that cannot be written only costs time, so failures are ignored."""
        if not self._changed:
            return
        data = {
            "version": CACHE_VERSION,
            "context": self.context,
            "records": {k: v.to_json() for k, v in sorted(self._entries.items())},
        }
        try:
            write_atomic(self.path, json.dumps(data, separators=(",", ":")), mode=0o600, durable=False)
            stat = self.path.stat()
        except OSError:
            return
        self._changed = False
        _MEMO[self.path] = ((stat.st_mtime_ns, stat.st_size, self.context), dict(self._entries))


def records_for(
    project: Project,
    programs: tuple[Program, ...],
    files: Mapping[str, Path],
    cache: RecordCache,
    *,
    handbooks: HandbookSource | None = None,
    jobs: int = 1,
    problems_out: list[Problem] | None = None,
) -> dict[str, EngagementRecord]:
    """The record of every engagement file in `files` (by slug): from the cache while unchanged, else parsed.

    Changed files are parsed here, or, when many changed, shared among `jobs` processes. `handbooks`
    reads the handbooks engagements pin (`coachbook.refs.handbooks.GitHandbooks`). Given
    `problems_out`, problems are added to it rather than raised, and the records of the valid files
    are returned (and cached) all the same: `coachbook check` reports every file at once.

    Raises:
        ProblemList: Every problem in every changed file (unless `problems_out` is given).
    """
    records: dict[str, EngagementRecord] = {}
    changed: list[tuple[str, Path]] = []
    for slug, path in sorted(files.items()):
        kept = cache.get(slug, file_digest_of(path))
        if kept is not None:
            records[slug] = kept
        else:
            changed.append((slug, path))
    problems: list[Problem] = []
    if len(changed) >= PARALLEL_FROM and jobs > 1:
        chunks = [changed[i :: jobs * 4] for i in range(jobs * 4)]
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
            work = [(project, programs, chunk, handbooks) for chunk in chunks if chunk]
            for parsed, found in pool.map(parse_records, work):
                records.update(parsed)
                problems += found
    else:
        parsed, found = parse_records((project, programs, changed, handbooks))
        records.update(parsed)
        problems += found
    if problems and problems_out is None:
        raise ProblemList(problems)
    if problems_out is not None:
        problems_out += problems
    for slug, record in records.items():
        cache.put(slug, record)
    cache.keep_only(files)
    return records


def parse_records(
    work: tuple[Project, tuple[Program, ...], list[tuple[str, Path]], HandbookSource | None],
) -> tuple[dict[str, EngagementRecord], list[Problem]]:
    """Parse and validate some engagement files: their records, and every problem found."""
    project, programs, chunk, handbooks = work
    records = {}
    problems: list[Problem] = []
    for slug, path in chunk:
        raw = path.read_bytes()
        try:
            loaded = load_engagement(project, path, programs, handbooks)
        except ProblemList as exc:
            problems += exc.problems
            continue
        records[slug] = record_of(loaded, raw)
    return records, problems
