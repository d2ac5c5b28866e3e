"""What a firm-wide build hands each site's build, so the site does not load the whole firm again.

A plain `mkdocs build` of one client loads every engagement: the plugin needs
the client's own to render, and everyone else's strings to audit the result.
`coachbook build` loads the firm once, keeps each engagement's audit strings
in a `LeakIndex`, and gives each site's build a `Preload` holding the programs,
that one client's engagement and a way to audit against the index. The plugin
then renders from `firm` exactly as before, and audits against the whole firm
through `index`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from coachbook.audit.site_audit import Leak, _public_corpus
from coachbook.core.loader import Firm

__all__ = ["Preload", "SiteAuditor"]


class SiteAuditor(Protocol):
    """Audits one built site against every engagement's strings (`LeakIndex`, or `RemoteIndex` to one)."""

    def audit_site(
        self, site_dir: Path, owner: str | None, allowed: str, *, owner_held_back: bool = True
    ) -> list[Leak]: ...


@dataclass(frozen=True)
class Preload:
    """The programs and one site's engagement, with a way to audit against every engagement's strings."""

    firm: Firm
    """The programs, and only the engagement of the client whose site is built (none for the handbook)."""
    index: SiteAuditor
    """Every engagement's audit strings, the other clients' included, or a service that holds them."""

    def audit(self, site_dir: Path, owner: str | None, *, owner_held_back: bool = True) -> list[Leak]:
        """What `audit_site(site_dir, needles_for(whole_firm, owner))` would find."""
        allowed = _public_corpus(self.firm, owner)
        return self.index.audit_site(site_dir, owner, allowed, owner_held_back=owner_held_back)
