"""The leak audit of one built site: one function, one policy, called by every part of Coachbook.

The plugin after each build, the firm builder's re-audit of unchanged sites,
`publish`, `bundle` and `coachbook audit` all call `audit_site` with an
`AuditPolicy` from `policy_for`. So `coachbook audit` checks exactly what the
build checked: other clients' strings, held-back text, symbolic links, the
sponsor's limits, metadata left in images, requests to other origins and links
that are not on the web, as of the build's date.

It reads every byte a site would publish (`coachbook.audit.files`), normalised
(`coachbook.audit.normalise`), and searches it with an index of every
engagement's strings (`coachbook.audit.index`, or the build's
`coachbook.audit.service`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from coachbook.audit.files import SiteFile, walk_site
from coachbook.audit.index import NeedleFinder
from coachbook.audit.leaks import Leak, LeakKind
from coachbook.audit.metadata import IMAGE_SUFFIXES, METADATA_SUFFIXES, metadata_fields, strip_metadata
from coachbook.audit.needles import (
    SPELLED,
    Needle,
    allowed_identity_text,
    allowed_text,
    cohort_needles,
    console_needles,
    occurs,
    pasted,
    sponsor_needles,
)
from coachbook.audit.normalise import file_text, normalise, squashed
from coachbook.audit.origins import address_problems
from coachbook.core.i18n import Language, load_language
from coachbook.core.loader import Firm
from coachbook.core.project import Project
from coachbook.core.sponsor import sponsor_report
from coachbook.errors import LeakError

__all__ = [
    "AllowedText",
    "Audience",
    "AuditPolicy",
    "NeedleSearch",
    "SharedFound",
    "audit_site",
    "everyone_needles",
    "metadata_leaks",
    "policy_for",
    "remember_found",
    "remember_shared_files",
    "require_clean",
    "search_needles",
    "shared_found",
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

    A needle found in it is not a leak. Held-back text is measured against
    all of it (a short sentence said of two clients); another client's held-back
    sentence of `PASTED_WORDS` words or more only against `firm`, the text every
    site shows for the firm's reasons (the program), since a sentence that long
    found in the owner's own notes was pasted there; another client's name,
    organisation or contact only against `identity`, the program and the owner's
    own identifying strings (two clients of one organisation share its name), so
    another client named in the owner's notes is still a leak. Each may be given
    as a function, worked out only when a needle is found: most audits find none.
    Without `identity` or `firm`, the whole text serves for them.
    """

    def __init__(
        self,
        text: str | Callable[[], str],
        identity: str | Callable[[], str] | None = None,
        firm: str | Callable[[], str] | None = None,
    ) -> None:
        self._text = _Lazy(text)
        self._identity = self._text if identity is None else _Lazy(identity)
        self._firm = self._text if firm is None else _Lazy(firm)
        self._identity_spelled = _Lazy(lambda: squashed(self._identity.value))

    @property
    def text(self) -> str:
        return self._text.value

    def __contains__(self, fragment: object) -> bool:
        return isinstance(fragment, str) and fragment in self._text.value

    def allows(self, needle: Needle, owner: str | None) -> bool:
        """Whether `needle`, found in the site of `owner`, is text this site shows for its own reasons."""
        if needle.reason == "identity":
            if needle.text.startswith(SPELLED):
                return needle.text[len(SPELLED) :] in self._identity_spelled.value
            return needle.text in self._identity.value
        return occurs(needle.text, (self._firm if pasted(needle, owner) else self._text).value)


class _Lazy:
    """A string, or the function that makes it, called once when first needed."""

    def __init__(self, text: str | Callable[[], str]) -> None:
        self._value = text if isinstance(text, str) else None
        self._make = None if isinstance(text, str) else text

    @property
    def value(self) -> str:
        if self._value is None:
            assert self._make is not None
            self._value = self._make()
        return self._value


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

    @property
    def check_files(self) -> bool:
        """Addresses and image metadata are checked with the whole site, not when searching for added strings."""
        return self.only is None


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
    searched for the console's notice too, in English and in the firm's language, which the console is written in.
    """
    console = everyone_needles(firm.project)
    if audience is Audience.CONSOLE:
        return AuditPolicy(None, AllowedText(""), Audience.CONSOLE, as_of=as_of)
    if audience is Audience.COHORT:
        if organisation is None:
            raise ValueError("a cohort report's audit needs its organisation")
        text = allowed_text(firm, None, also=(organisation,))
        found = tuple(cohort_needles(firm, organisation, text))
        return AuditPolicy(None, AllowedText(text), Audience.COHORT, as_of=as_of, plain_needles=console + found)
    if owner is None:
        allowed = AllowedText(allowed_text(firm, None), allowed_identity_text(firm, None))
        return AuditPolicy(None, allowed, Audience.HANDBOOK, as_of=as_of, plain_needles=console)
    needles: tuple[Needle, ...] = ()
    if audience is Audience.SPONSOR:
        loaded = firm.engagements[owner]
        report = sponsor_report(loaded.engagement, loaded.program, as_of)
        needles = tuple(sponsor_needles(loaded.engagement, owner, report))
    allowed = AllowedText(
        allowed_text(firm, owner), allowed_identity_text(firm, owner), lambda: allowed_text(firm, None)
    )
    return AuditPolicy(owner, allowed, audience, needles, as_of, plain_needles=console)


def everyone_needles(project: Project) -> tuple[Needle, ...]:
    """What every site but the console is searched for besides the index's strings: the console's notice.

    The console is written in the firm's default language, and its notice is searched for in that language
    and in English (`console_needles`); in English only when the firm's language is not one Coachbook can write.
    """
    try:
        language: Language | None = load_language(project.language, project.locales)
    except ValueError:
        language = None
    return tuple(console_needles(language))


def audit_site(site_dir: Path, policy: AuditPolicy, index: NeedleSearch) -> list[Leak]:
    """Every leak in the site at `site_dir` under `policy`: empty when it may be published.

    Leaks come file by file in a stable order: symbolic links and other
    clients' or held-back strings (with the metadata field they were in, if
    any), then the sponsor's limits, then image metadata, then addresses:
    requests to other origins and links that are not on the web.
    """
    files, links = walk_site(site_dir)
    # The console holds every engagement on purpose: what it is searched for is everything else.
    searched = [] if policy.audience is Audience.CONSOLE else index.search(files, policy)
    found = [leak for leak in searched if _counts(leak, policy)]
    if policy.plain_needles and policy.only is None:
        found += [leak for leak in _found(files, policy.plain_needles) if _counts(leak, policy)]
    leaks = _placed(_in_file_order([*links, *found]), files)
    if policy.sponsor_needles and policy.only is None:
        leaks += _placed(_plain_search(files, policy.sponsor_needles), files)
    if policy.check_files:
        leaks += _file_problems(files, origins=policy.check_origins)
    return leaks


#: Image metadata and address problems of files every site shares (the theme's assets), by (path in the site,
#: digest, origins). They depend on nothing but a file's name (which says whether it is an image, a page or a
#: stylesheet) and bytes, so they are checked once in the process the sites' processes are forked from
#: (`remember_shared_files`) rather than once in every site.
_SHARED: dict[tuple[str, str, bool], tuple[list[Leak], list[Leak]]] = {}
#: The paths in a site of `_SHARED`'s files: a file at any other path is no shared file, and needs no digest.
_SHARED_PATHS: set[str] = set()


#: What `_found` finds in a file every site shares (the theme's assets), by (path in the site, digest, the
#: needles' texts). A file's text depends on nothing but its name and bytes; every site is searched for the
#: console's notice, and normalising the theme's assets to search them was some 8 ms of each site's audit.
SharedFound = dict[tuple[str, str, frozenset[str]], frozenset[str]]
_SHARED_FOUND: SharedFound = {}
_SHARED_FOUND_PATHS: set[str] = set()


def remember_shared_files(files: Sequence[SiteFile]) -> None:
    """Check `files` now, so that a site holding a file of the same path and bytes is not checked for it again."""
    for file in files:
        for origins in (False, True):
            found = (metadata_leaks([file]), address_problems([file], origins=origins))
            _SHARED[file.relative, file.digest, origins] = found
        _SHARED_PATHS.add(file.relative)


def shared_found(files: Sequence[SiteFile], needles: Sequence[Needle]) -> SharedFound:
    """`needles` found in each of `files`, files every site holds: for `remember_found` in the sites' process."""
    if not needles:
        return {}
    texts = frozenset(needle.text for needle in needles)
    finder = NeedleFinder(texts)
    # Each file's text is made, searched and let go in turn (not kept on the file): the theme's scripts are large.
    return {
        (file.relative, file.digest, texts): frozenset(finder.found(file_text(file.relative, file.raw)))
        for file in files
    }


def remember_found(found: SharedFound) -> None:
    """Use what `shared_found` found rather than search those files again, in this process and its children."""
    _SHARED_FOUND.update(found)
    _SHARED_FOUND_PATHS.update(relative for relative, _, _ in found)


def _file_problems(files: Sequence[SiteFile], *, origins: bool) -> list[Leak]:
    """Image metadata, then addresses, of every file: each file a site shares with all others looked up."""
    own: list[SiteFile] = []
    metadata: list[Leak] = []
    addresses: list[Leak] = []
    for file in files:
        known = _SHARED.get((file.relative, file.digest, origins)) if file.relative in _SHARED_PATHS else None
        if known is None:
            own.append(file)
        else:
            metadata += [replace(leak, file=file.relative) for leak in known[0]]
            addresses += [replace(leak, file=file.relative) for leak in known[1]]
    metadata += metadata_leaks(own)
    addresses += address_problems(own, origins=origins)
    order = {file.relative: position for position, file in enumerate(files)}
    return sorted(metadata, key=lambda leak: order[leak.file]) + sorted(addresses, key=lambda leak: order[leak.file])


def metadata_leaks(files: Sequence[SiteFile]) -> list[Leak]:
    """Images that still carry metadata (a location, an author, a comment) the build should have stripped."""
    leaks = []
    for file in files:
        if not file.relative.lower().endswith(tuple(IMAGE_SUFFIXES)):
            continue
        stripped = strip_metadata(file.relative, file.raw)
        if stripped is not None and stripped != file.raw:
            fields = sorted({field for field, _ in metadata_fields(file.relative, file.raw)})
            place = ", ".join(fields) if fields else "blocks a browser does not need to show the image"
            leaks.append(Leak(file.relative, kind=LeakKind.METADATA, place=place))
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
    return _placed(_in_file_order([*links, *_plain_search(files, needles)]), files)


def _in_file_order(leaks: list[Leak]) -> list[Leak]:
    """Leaks in the order of their files' paths, as the walk visits them; each file's own order is kept."""
    return sorted(leaks, key=lambda leak: Path(leak.file).parts)


def _placed(leaks: list[Leak], files: Sequence[SiteFile]) -> list[Leak]:
    """Leaks with the metadata field each string was found in, for files that have fields (images, documents)."""
    if not any(leak.kind is LeakKind.TEXT and leak.file.lower().endswith(tuple(METADATA_SUFFIXES)) for leak in leaks):
        return leaks
    by_name = {file.relative: file for file in files}
    fields: dict[str, list[tuple[str, str]]] = {}
    placed = []
    for leak in leaks:
        file = by_name.get(leak.file)
        if leak.kind is LeakKind.TEXT and leak.needle is not None and file is not None:
            if file.relative not in fields:
                fields[file.relative] = [(f, normalise(t)) for f, t in metadata_fields(file.relative, file.raw)]
            where = next((f for f, text in fields[file.relative] if occurs(leak.needle.text, text)), "")
            if where:
                leak = replace(leak, place=where)
        placed.append(leak)
    return placed


def _found(files: Sequence[SiteFile], needles: Sequence[Needle]) -> list[Leak]:
    """The needles in each file, found in one pass over it (a cohort report's members bring hundreds)."""
    texts = frozenset(n.text for n in needles)
    finder = NeedleFinder(texts)
    leaks = []
    for file in files:
        # A file's text depends on nothing but its name and bytes: a shared file's needles were found already.
        known = _SHARED_FOUND.get((file.relative, file.digest, texts)) if file.relative in _SHARED_FOUND_PATHS else None
        found = known if known is not None else finder.found(file.text)
        leaks += [Leak(file.relative, needle) for needle in needles if needle.text in found]
    return leaks


def _plain_search(files: Sequence[SiteFile], needles: Sequence[Needle]) -> list[Leak]:
    return [Leak(file.relative, needle) for file in files for needle in needles if occurs(needle.text, file.text)]


def _counts(leak: Leak, policy: AuditPolicy) -> bool:
    """Whether a string found is a leak here: not when the site shows that text for its own reasons."""
    return leak.kind is not LeakKind.TEXT or leak.needle is None or not policy.allowed.allows(leak.needle, policy.owner)
