"""The sites a build makes, where each goes, and how its build went."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SiteResult", "SiteTarget", "client_target", "handbook_target", "sponsor_target"]


@dataclass(frozen=True)
class SiteTarget:
    """One site to build and where it goes."""

    name: str
    """What people call it in messages: `handbook`, the client's slug, or `<slug> (sponsor)`."""
    client: str | None
    dest: Path
    audience: str = "client"
    """`client`, or `sponsor` for the progress-only site of the client's sponsor; `console` and `cohort` for the
    firm's own sites (`coachbook.build.firm_sites`)."""
    organisation: str | None = None
    """For a cohort report: the organisation it is about."""


@dataclass(frozen=True)
class SiteResult:
    """How building (or re-auditing) one site went."""

    target: SiteTarget
    ok: bool
    seconds: float
    error: str = ""
    warnings: tuple[str, ...] = field(default=())
    stamp: list[int] | None = None
    """The output folder's stamp once swapped in (`fingerprints.output_stamp`)."""
    peak_kb: int = 0
    """Peak resident memory of the process that built it, in KiB."""
    private_kb: int = 0
    """Memory of that process not shared with the fork server it was forked from, in KiB, when it finished."""
    audited_only: bool = False
    """True when an unchanged site was only searched for new audit strings, not rebuilt."""


def handbook_target(site_root: Path) -> SiteTarget:
    return SiteTarget("handbook", None, site_root / "handbook")


def client_target(site_root: Path, slug: str, address: str | None = None) -> SiteTarget:
    """Where a client's site goes: `clients/<address>/`, the address being an unguessable id or the slug."""
    return SiteTarget(slug, slug, site_root / "clients" / (address or slug))


def sponsor_target(site_root: Path, slug: str, address: str | None = None) -> SiteTarget:
    """Where a client's sponsor site goes: `sponsors/<address>/`, beside the client's own."""
    return SiteTarget(f"{slug} (sponsor)", slug, site_root / "sponsors" / (address or slug), "sponsor")
