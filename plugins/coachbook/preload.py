"""What a firm-wide build hands each site's build, so the site does not load the whole firm again.

A plain `mkdocs build` of one client loads every engagement: the plugin needs
the client's own to render, and everyone else's strings to audit the result.
`coachbook build` loads the firm once, keeps each engagement's audit strings
in a `LeakIndex`, and gives each site's build a `Preload` holding the programs,
that one client's engagement and the index. The plugin then renders from
`firm` exactly as before, and audits against the whole firm through `index`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from coachbook.audit import Leak, _public_corpus
from coachbook.leakindex import LeakIndex
from coachbook.loader import Firm

__all__ = ["Preload"]


@dataclass(frozen=True)
class Preload:
    """The programs and one site's engagement, with every engagement's audit strings."""

    firm: Firm
    """The programs, and only the engagement of the client whose site is built (none for the handbook)."""
    index: LeakIndex
    """Every engagement's audit strings, the other clients' included."""
    known: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Audit strings already found in files that every site shares (theme assets), by file digest."""

    def audit(self, site_dir: Path, owner: str | None, *, owner_held_back: bool = True) -> list[Leak]:
        """What `audit_site(site_dir, needles_for(whole_firm, owner))` would find."""
        allowed = _public_corpus(self.firm, owner)
        return self.index.audit_site(site_dir, owner, allowed, owner_held_back=owner_held_back, known=self.known)
