"""What one site's build reads when nothing was handed to it: its own engagement, and every other one's audit strings.

`coachbook build` hands each site's build what it needs (`Preload`). A
preview (`coachbook serve --client X`) or a plain `mkdocs build` of one client
has no such help, and used to load and validate every engagement of the firm
on every save: at a thousand clients, fourteen seconds between saving a file
and seeing the change. Now it reads:

* the program and guides (every site needs them);
* the client's own engagement, parsed and validated in full;
* every other engagement's audit strings and address from the project's record
  cache (`coachbook.audit.records`), parsing only the files that changed since
  they were last recorded.

The records of the last load are kept in this process, so a preview that
rebuilds on every save reads the cache from disk only when it changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from coachbook.audit.index import LeakIndex
from coachbook.audit.records import EngagementRecord, RecordCache, records_for
from coachbook.core.loader import (
    Firm,
    content_problems,
    engagement_files,
    load_engagement,
    load_firm,
    load_programs,
    theme_problems,
)
from coachbook.core.model import Program
from coachbook.core.project import Project
from coachbook.core.validation import did_you_mean
from coachbook.errors import CoachbookError, Problem, ProblemList
from coachbook.refs.handbooks import GitHandbooks

__all__ = ["FirmCheck", "SiteInputs", "check_firm", "load_site_inputs"]


@dataclass(frozen=True)
class SiteInputs:
    """The programs, the site's own engagement (none for the handbook), and every engagement's record."""

    firm: Firm
    records: dict[str, EngagementRecord]

    @property
    def index(self) -> LeakIndex:
        """Every engagement's audit strings, searchable (made when first asked for: `check` never is)."""
        return _index(self.records)


_LAST: dict[str, tuple[frozenset[tuple[str, str]], LeakIndex]] = {}


def load_site_inputs(project: Project, slug: str | None) -> SiteInputs:
    """Load what the site of `slug` (None: the public handbook) is built and audited from.

    Raises:
        ProblemList: The program, a guide, the client's engagement or any changed engagement has problems,
            or two sites would share an address.
        CoachbookError: There is no engagement named `slug`.
    """
    programs = load_programs(project)
    paths, problems = engagement_files(project)
    problems += content_problems(project)
    if problems:
        raise ProblemList(problems)
    files = {path.stem: path for path in paths}
    if slug is not None and slug not in files:
        hint = did_you_mean(slug, files)
        raise CoachbookError(
            f"no engagement named {slug!r} in {project.shown(project.engagements_dir)}/" + (f"; {hint}" if hint else "")
        )
    handbooks = GitHandbooks(project)
    cache = RecordCache(project, programs)
    records = records_for(project, programs, files, cache, handbooks=handbooks, jobs=os.cpu_count() or 1)
    cache.save()
    if _shared_address(records):
        # Rare, and the loader words it best (with the file and line of each `site.id`).
        load_firm(project, handbooks=handbooks)
    engagements = {}
    if slug is not None:
        engagements[slug] = load_engagement(project, files[slug], programs, handbooks)
    return SiteInputs(Firm(project, programs, engagements), records)


@dataclass(frozen=True)
class FirmCheck:
    """What `coachbook check` found: every problem and every warning of every file, from one run."""

    programs: tuple[Program, ...]
    """The programs, when program.yml passed; else none."""
    problems: list[Problem]
    warnings: list[Problem]
    engagements: int
    """How many engagement files passed."""
    records: dict[str, EngagementRecord] = field(default_factory=dict)
    """The record of each engagement file that passed, by slug."""


def check_firm(project: Project) -> FirmCheck:
    """Check the program, the guides and every engagement file, and gather everything wrong at once.

    Engagement files unchanged since they last passed are not parsed again (`coachbook.audit.records`);
    their warnings come from the record. When program.yml itself has problems, each engagement file
    is still checked for everything that does not need the program, so nothing waits for a second run
    but what cannot be known yet.
    """
    problems: list[Problem] = []
    try:
        programs = load_programs(project)
    except ProblemList as exc:
        problems += exc.problems
        programs = ()
    paths, folder_problems = engagement_files(project)
    # A guide that is not UTF-8 is reported by the program's checks and by the content folder's: once is enough.
    problems += [problem for problem in folder_problems + content_problems(project) if problem not in problems]
    problems += theme_problems(project)
    files = {path.stem: path for path in paths}
    handbooks = GitHandbooks(project)
    if not programs:
        passed = 0
        for path in paths:
            try:
                load_engagement(project, path, (), handbooks)
            except ProblemList as exc:
                problems += exc.problems
                passed += not exc.problems
        return FirmCheck((), problems, [], passed)
    cache = RecordCache(project, programs)
    found: list[Problem] = []
    records = records_for(
        project, programs, files, cache, handbooks=handbooks, jobs=os.cpu_count() or 1, problems_out=found
    )
    cache.save()
    problems += found
    if _shared_address(records):
        # Rare, and the loader words it best (with the file and line of each `site.id`).
        try:
            load_firm(project, handbooks=handbooks)
        except ProblemList as exc:
            problems += [p for p in exc.problems if p not in found]
    warnings = [warning for _, record in sorted(records.items()) for warning in record.warnings]
    return FirmCheck(programs, problems, warnings, len(records), records)


def _index(records: dict[str, EngagementRecord]) -> LeakIndex:
    """The leak index of these records; the same one as last time in this process when nothing changed."""
    key = frozenset((slug, record.digest) for slug, record in records.items())
    kept = _LAST.get("index")
    if kept is not None and kept[0] == key:
        return kept[1]
    index = LeakIndex({slug: record.fragments for slug, record in records.items()})
    _LAST["index"] = (key, index)
    return index


def _shared_address(records: dict[str, EngagementRecord]) -> bool:
    seen: set[str] = set()
    for slug, record in sorted(records.items()):
        if record.address in seen or (record.address != slug and record.address in records):
            return True
        seen.add(record.address)
    return False


def engagement_path(project: Project, slug: str) -> Path:
    return project.engagements_dir / f"{slug}.yml"
