"""Which sites a build makes, skips, searches again or removes: a pure decision, tested as a table.

`plan_builds` looks only at what it is given (the sites this run may touch,
what was recorded of each when it was last put in place, the fingerprints of
their inputs now, and the audit strings now and then) and touches no file,
so every rule can be tested without a build. `coachbook.build.firm_build`
carries the plan out.

The rules:

* What was recorded of a site is its mark (`coachbook.build.state`), kept
  inside the site's folder and swapped in with it, so it is always true.
* A site is **built** when nothing is recorded of it, its inputs' fingerprint
  changed, it moved to another folder, its folder holds no site or not the
  files it was put in place with (edited by hand), `--force` asks for it,
  or `--strict` asks and its last build had warnings.
* An unchanged site last audited against other strings than today's is
  **searched again**, for just the strings added since (a new coach-only
  note, a new client's name). If none were added, its record simply moves on.
  If the strings it was audited against are no longer known, it is built.
* A site that is rebuilt keeps the strings its version in place was never
  searched for (`unsearched`): if its rebuild fails, that version stays only
  if it holds none of them.
* Folders under `clients/` and `sponsors/` that no engagement's site lives in
  any more are **removed**, on a build of the whole firm.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from coachbook.build.state import SiteRecord

__all__ = ["BuildPlan", "Candidate", "Reason", "plan_builds", "stale_folders"]


class Reason(StrEnum):
    """Why a site is built."""

    NEW = "new"
    """Nothing is recorded of it."""
    CHANGED = "changed"
    """Something it is built from changed."""
    MOVED = "moved"
    """It lives in another folder now (a new `site.id`)."""
    MISSING = "missing"
    """Its folder holds no site (deleted by hand, or never restored by a cache)."""
    EDITED = "edited"
    """Its folder does not hold the files it was put in place with: a file edited, deleted or added by hand."""
    FORCED = "forced"
    """`--force`."""
    WARNINGS = "warnings"
    """`--strict`, and its last build had warnings."""
    UNKNOWN_STRINGS = "unknown-strings"
    """What it was last audited against is no longer known, so it cannot be searched for what was added."""


@dataclass(frozen=True)
class Candidate:
    """A site this run may touch, as things stand now."""

    name: str
    folder: str
    """Its folder, relative to the output root."""
    fingerprint: str
    present: bool
    """Whether its folder holds a built site."""
    intact: bool = True
    """Whether its folder holds just the files its mark lists, as they were (`state.site_listing`)."""


@dataclass(frozen=True)
class Planned:
    """A site to build, and why."""

    name: str
    reason: Reason
    unsearched: frozenset[str] | None = None
    """Audit strings its version in place was never searched for; None when it was searched for all."""


@dataclass(frozen=True)
class BuildPlan:
    """What a build does, site by site."""

    build: tuple[Planned, ...] = ()
    reaudit: tuple[tuple[str, frozenset[str]], ...] = ()
    """Unchanged sites to search for the strings added since their last audit."""
    skip: tuple[str, ...] = ()
    """Unchanged sites left as they are."""
    refresh: tuple[str, ...] = ()
    """Skipped sites whose record moves to today's strings: none were added since their last audit."""

    @property
    def empty(self) -> bool:
        return not self.build and not self.reaudit


def plan_builds(
    candidates: Sequence[Candidate],
    saved: Mapping[str, SiteRecord],
    needles: str,
    needle_sets: Mapping[str, Collection[str]],
    *,
    force: bool = False,
    strict: bool = False,
) -> BuildPlan:
    """Decide what happens to each candidate site.

    Arguments:
        candidates: The sites this run may touch, in the order they are to be built.
        saved: What was recorded of each site when it was last put in place, by name.
        needles: The key (in `needle_sets`) of today's audit strings.
        needle_sets: Audit strings by key: today's, and those sites were last audited against.
        force: Build every candidate.
        strict: Build again the sites whose last build had warnings.
    """
    current = frozenset(needle_sets[needles])
    added_since: dict[str, frozenset[str]] = {}

    def added(key: str) -> frozenset[str]:
        # Most sites were last audited against the same set: work out what was added once per set.
        if key not in added_since:
            added_since[key] = current - frozenset(needle_sets.get(key, ()))
        return added_since[key]

    build: list[Planned] = []
    reaudit: list[tuple[str, frozenset[str]]] = []
    skip: list[str] = []
    refresh: list[str] = []
    for site in candidates:
        kept = saved.get(site.name)
        reason = _reason(site, kept, force=force, strict=strict)
        if reason is not None:
            stale = kept is not None and kept.needles != needles
            build.append(Planned(site.name, reason, added(kept.needles) if stale and kept else None))
        elif kept is None or kept.needles == needles:
            skip.append(site.name)
        elif kept.needles not in needle_sets:
            build.append(Planned(site.name, Reason.UNKNOWN_STRINGS, current))
        elif added(kept.needles):
            reaudit.append((site.name, added(kept.needles)))
        else:
            skip.append(site.name)
            refresh.append(site.name)
    return BuildPlan(tuple(build), tuple(reaudit), tuple(skip), tuple(refresh))


def _reason(site: Candidate, kept: SiteRecord | None, *, force: bool, strict: bool) -> Reason | None:
    if force:
        return Reason.FORCED
    if kept is None:
        return Reason.NEW
    if kept.fingerprint != site.fingerprint:
        return Reason.CHANGED
    if kept.folder != site.folder:
        return Reason.MOVED
    # Existence, not the folder's inode or time: a CI cache restores the output as new files, and that is fine
    # (it keeps each file's size, which `intact` compares).
    if not site.present:
        return Reason.MISSING
    if not site.intact:
        return Reason.EDITED
    if strict and kept.warned:
        return Reason.WARNINGS
    return None


def stale_folders(existing: Collection[str], wanted: Collection[str]) -> list[str]:
    """The site folders of a kind (`clients/`, `sponsors/`) that no current site lives in, sorted."""
    return sorted(set(existing) - set(wanted))
