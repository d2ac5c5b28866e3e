"""The firm's own sites in a firm build: the coaches' console and the cohort reports.

Client and sponsor sites are each built from one engagement. The console is
built from every engagement, and a cohort report from the engagements of one
organisation; everything else about them is the same (a process of their
own, staging, the audit, a mark, a fingerprint), so `coachbook.build.firm_build`
treats them as targets like any other. This module decides, as pure
functions of the engagements' records, which of them a build makes, what
each is made of and what its fingerprint covers:

* **The console** (`firm/`), when the firm enables it: every engagement file,
  the published versions' lists it links to, and its passphrase file when
  encrypted. Any edit to any engagement rebuilds it.
* **A cohort report** (`cohorts/<address>/`) for each organisation the firm
  lists that has at least `cohort_minimum` engagements: its members'
  engagement files, and its passphrase file. A listed organisation with
  fewer engagements gets none, and the build says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from coachbook.audit.records import EngagementRecord
from coachbook.build.fingerprints import digest, digest_bytes
from coachbook.build.targets import SiteTarget
from coachbook.core.cohort import same_organisation
from coachbook.core.firm_sites import COHORTS_FOLDER, CONSOLE_FOLDER, CONSOLE_KEY, FirmSites, cohort_key

__all__ = [
    "CONSOLE_NAME",
    "FirmSitePlan",
    "cohort_target",
    "console_target",
    "firm_site_files",
    "firm_site_fingerprints",
    "firm_site_plan",
    "members_of",
]

#: What messages call the console; no slug has a space, so no client's site can have this name.
CONSOLE_NAME = "coaches' console"


def console_target(site_root: Path) -> SiteTarget:
    """Where the console goes: `firm/`, beside `clients/`, never inside it."""
    return SiteTarget(CONSOLE_NAME, None, site_root / CONSOLE_FOLDER, "console")


def cohort_target(site_root: Path, address: str, organisation: str) -> SiteTarget:
    """Where an organisation's cohort report goes: `cohorts/<address>/`."""
    return SiteTarget(
        f"{organisation} (cohort report)", None, site_root / COHORTS_FOLDER / address, "cohort", organisation
    )


@dataclass(frozen=True)
class FirmSitePlan:
    """Which of the firm's own sites this build makes, and why some are not made."""

    targets: tuple[SiteTarget, ...]
    notes: tuple[str, ...]
    """One line per listed organisation that gets no report, saying why."""
    cohort_addresses: frozenset[str]
    """The `cohorts/` folders that hold a report after this build; any other is removed."""


def members_of(records: Mapping[str, EngagementRecord], organisation: str) -> list[str]:
    """The slugs of the engagements of clients at `organisation`, sorted."""
    return sorted(slug for slug, record in records.items() if same_organisation(record.organisation, organisation))


def firm_site_plan(site_root: Path, sites: FirmSites, records: Mapping[str, EngagementRecord]) -> FirmSitePlan:
    """The firm's own sites to build into `site_root`, from the plugin's options and the engagements' records."""
    targets: list[SiteTarget] = []
    notes: list[str] = []
    addresses: set[str] = set()
    if sites.console is not None:
        targets.append(console_target(site_root))
    for cohort in sites.cohorts:
        count = len(members_of(records, cohort.organisation))
        if count < sites.cohort_minimum:
            notes.append(
                f"No cohort report for {cohort.organisation}: it has {count} engagement(s), and a report needs "
                f"at least {sites.cohort_minimum}, so that no figure points at one person."
            )
            continue
        addresses.add(cohort.address)
        targets.append(cohort_target(site_root, cohort.address, cohort.organisation))
    return FirmSitePlan(tuple(targets), tuple(notes), frozenset(addresses))


def firm_site_fingerprints(
    shared: str,
    as_of: dt.date,
    records: Mapping[str, EngagementRecord],
    plan: FirmSitePlan,
    published: Path,
    secret_stamp: Callable[[str], list[int] | None],
) -> dict[str, str]:
    """The fingerprint of each of the firm's own sites, by target name.

    Arguments:
        shared: The digest of what every site shares (tools, config, content, theme).
        as_of: The build's date.
        records: Every engagement's record.
        plan: The firm's own sites this build makes.
        published: The published tree, whose versions the console links.
        secret_stamp: The stamp of the passphrase file of a site's key.
    """
    day = as_of.isoformat()
    result = {}
    for target in plan.targets:
        if target.audience == "console":
            engagements = sorted((slug, r.digest, r.address) for slug, r in records.items())
            listed = published / "clients"
            versions = [_file_digest(listed / r.address / "versions.json") for _, r in sorted(records.items())]
            result[target.name] = digest(shared, day, "console", engagements, versions, secret_stamp(CONSOLE_KEY))
        else:
            assert target.organisation is not None
            members = [(slug, records[slug].digest) for slug in members_of(records, target.organisation)]
            key = cohort_key(target.dest.name)
            result[target.name] = digest(shared, day, "cohort", target.organisation, members, secret_stamp(key))
    return result


def firm_site_files(
    target: SiteTarget, files: Mapping[str, Path], records: Mapping[str, EngagementRecord]
) -> list[tuple[str, Path]]:
    """The engagement files a firm site is built from: every one for the console, its members' for a report."""
    if target.audience == "cohort" and target.organisation is not None:
        return [(slug, files[slug]) for slug in members_of(records, target.organisation) if slug in files]
    return sorted(files.items())


def _file_digest(path: Path) -> str | None:
    try:
        return digest_bytes(path.read_bytes())
    except OSError:
        return None
