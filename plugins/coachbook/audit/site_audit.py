"""The leak audit of one built site: one function, one policy, called by every part of Coachbook.

The plugin after each build, the firm builder's re-audit of unchanged sites,
`publish`, `bundle` and `coachbook audit` all call `audit_site` with an
`AuditPolicy` from `policy_for`. So `coachbook audit` checks exactly what the
build checked: other clients' strings, held-back text, symbolic links, the
sponsor's limits and requests to other origins, as of the build's date.

It reads every byte a site would publish (`coachbook.audit.files`), normalised
(`coachbook.audit.normalise`), and searches it with an index of every
engagement's strings (`coachbook.audit.index`, or the build's
`coachbook.audit.service`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from coachbook.audit.files import SiteFile, walk_site
from coachbook.audit.index import NeedleFinder
from coachbook.audit.leaks import Leak, LeakKind
from coachbook.audit.needles import Needle, allowed_text, cohort_needles, console_needles, sponsor_needles
from coachbook.audit.origins import other_origin_requests
from coachbook.core.loader import Firm
from coachbook.core.sponsor import sponsor_report
from coachbook.errors import LeakError

__all__ = [
    "AllowedText",
    "Audience",
    "AuditPolicy",
    "NeedleSearch",
    "audit_site",
    "policy_for",
    "require_clean",
    "search_needles",
]


class Audience(StrEnum):
    """Who a site is for, which decides what the audit holds it to."""

    HANDBOOK = "handbook"
    """The public handbook: no client's identity, nothing held back."""
    CLIENT = "client"
    """A client's own site: nothing of anyone else, nothing held back, nothing from another origin."""
    SPONSOR = "sponsor"
    """A client's sponsor: as a client site, and none of the client's own text beyond the progress report."""
    COACH_VIEW = "coach-view"
    """The coach's preview: it shows the owner's held-back text on purpose, and nothing of anyone else."""
    CONSOLE = "console"
    """The coaches' console: every engagement on purpose, coach-only text included; nothing from another origin."""
    COHORT = "cohort"
    """An organisation's cohort report: counts only, so no client's identity, held-back or client-view text."""


class AllowedText:
    """Normalised text a site shows for its own reasons (its program, its owner's client view).

    A needle found in it is not a leak (two clients of one organisation share
    its name). It may be given as a function, worked out only when a needle is
    found: most audits find none.
    """

    def __init__(self, text: str | Callable[[], str]) -> None:
        self._text = text if isinstance(text, str) else None
        self._make = None if isinstance(text, str) else text

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._make is not None
            self._text = self._make()
        return self._text

    def __contains__(self, fragment: object) -> bool:
        return isinstance(fragment, str) and fragment in self.text


@dataclass(frozen=True)
class AuditPolicy:
    """What one site is held to."""

    owner: str | None
    """The client whose site it is (the sponsor's client on a sponsor site); None for the handbook."""
    allowed: AllowedText
    audience: Audience = Audience.CLIENT
    sponsor_needles: tuple[Needle, ...] = ()
    """The client's own texts a sponsor site must not contain."""
    as_of: dt.date | None = None
    """The date the site was built for, which decides what a sponsor may see."""
    only: frozenset[str] | None = None
    """Search only these strings: an unchanged site, audited whole before, searched for strings added since."""
    plain_needles: tuple[Needle, ...] = ()
    """Texts searched for besides every engagement's (the index's): the console's notice in every other site,
    and on a cohort report its members' client views."""

    @property
    def owner_held_back(self) -> bool:
        """Whether the owner's own held-back text is a leak (everywhere but the coach's preview)."""
        return self.audience is not Audience.COACH_VIEW

    @property
    def check_origins(self) -> bool:
        """Client and sponsor sites load nothing from another origin (checked again only with the whole site)."""
        return self.audience is not Audience.HANDBOOK and self.only is None


class NeedleSearch(Protocol):
    """Finds every engagement's strings in a site's files: `LeakIndex`, or `RemoteIndex` to the build's index."""

    def search(self, files: Sequence[SiteFile], policy: AuditPolicy) -> list[Leak]:
        """The `TEXT` leaks among `files` for `policy`'s owner, before `policy.allowed` is applied, in file order."""
        ...


def policy_for(
    firm: Firm, owner: str | None, *, audience: Audience, as_of: dt.date, organisation: str | None = None
) -> AuditPolicy:
    """The policy of the site of `owner` (None: the handbook), for `audience`, as built for `as_of`.

    `firm` needs the programs and the owner's engagement only (for a cohort
    report, the engagements of `organisation`); the other clients' strings
    come from the index `audit_site` is given. Every site but the console is
    searched for the console's notice too.
    """
    console = tuple(console_needles())
    if audience is Audience.CONSOLE:
        return AuditPolicy(None, AllowedText(""), Audience.CONSOLE, as_of=as_of)
    if audience is Audience.COHORT:
        if organisation is None:
            raise ValueError("a cohort report's audit needs its organisation")
        allowed = allowed_text(firm, None, also=(organisation,))
        found = tuple(cohort_needles(firm, organisation, allowed))
        return AuditPolicy(None, AllowedText(allowed), Audience.COHORT, as_of=as_of, plain_needles=console + found)
    if owner is None:
        allowed = allowed_text(firm, None)
        return AuditPolicy(None, AllowedText(allowed), Audience.HANDBOOK, as_of=as_of, plain_needles=console)
    needles: tuple[Needle, ...] = ()
    if audience is Audience.SPONSOR:
        loaded = firm.engagements[owner]
        report = sponsor_report(loaded.engagement, loaded.program, as_of)
        needles = tuple(sponsor_needles(loaded.engagement, owner, report))
    return AuditPolicy(owner, AllowedText(allowed_text(firm, owner)), audience, needles, as_of, plain_needles=console)


def audit_site(site_dir: Path, policy: AuditPolicy, index: NeedleSearch) -> list[Leak]:
    """Every leak in the site at `site_dir` under `policy`: empty when it may be published.

    Leaks come file by file in a stable order: symbolic links and other
    clients' or held-back strings, then the sponsor's limits, then requests to
    other origins.
    """
    files, links = walk_site(site_dir)
    # The console holds every engagement on purpose: what it is searched for is everything else.
    searched = [] if policy.audience is Audience.CONSOLE else index.search(files, policy)
    found = [leak for leak in searched if _counts(leak, policy)]
    if policy.plain_needles and policy.only is None:
        found += [leak for leak in _found(files, policy.plain_needles) if _counts(leak, policy)]
    leaks = _in_file_order([*links, *found])
    if policy.sponsor_needles and policy.only is None:
        leaks += _plain_search(files, policy.sponsor_needles)
    if policy.check_origins:
        leaks += other_origin_requests(files)
    return leaks


def require_clean(site_dir: Path, policy: AuditPolicy, index: NeedleSearch) -> None:
    """Audit the site and raise if it must not be published.

    Raises:
        LeakError: With every leak found.
    """
    leaks = audit_site(site_dir, policy, index)
    if leaks:
        raise LeakError(leaks)


def search_needles(site_dir: Path, needles: Sequence[Needle]) -> list[Leak]:
    """The audit written the plain way: every file searched for every needle, one at a time.

    The reference the leak index is tested against (`needles_for` gives the needles).
    """
    files, links = walk_site(site_dir)
    return _in_file_order([*links, *_plain_search(files, needles)])


def _in_file_order(leaks: list[Leak]) -> list[Leak]:
    """Leaks in the order of their files' paths, as the walk visits them; each file's own order is kept."""
    return sorted(leaks, key=lambda leak: Path(leak.file).parts)


def _found(files: Sequence[SiteFile], needles: Sequence[Needle]) -> list[Leak]:
    """The needles in each file, found in one pass over it (a cohort report's members bring hundreds)."""
    finder = NeedleFinder(n.text for n in needles)
    leaks = []
    for file in files:
        found = finder.found(file.text)
        leaks += [Leak(file.relative, needle) for needle in needles if needle.text in found]
    return leaks


def _plain_search(files: Sequence[SiteFile], needles: Sequence[Needle]) -> list[Leak]:
    return [Leak(file.relative, needle) for file in files for needle in needles if needle.text in file.text]


def _counts(leak: Leak, policy: AuditPolicy) -> bool:
    """Whether a string found is a leak here: not when the site shows that text for its own reasons."""
    return leak.kind is not LeakKind.TEXT or leak.needle is None or leak.needle.text not in policy.allowed
