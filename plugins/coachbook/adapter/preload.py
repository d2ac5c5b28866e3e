"""What a firm-wide build hands each site's build, so the site does not load the whole firm again.

A plain `mkdocs build` of one client loads every engagement: the plugin needs
the client's own to render, and everyone else's strings to audit the result.
`coachbook build` loads the firm once, keeps each engagement's audit strings
in an index, and gives each site's build a `Preload` holding the programs,
that one client's engagement and a way to search the index. The plugin then
renders from `firm` exactly as before, and audits through `index`.
"""

from __future__ import annotations

from dataclasses import dataclass

from coachbook.audit.site_audit import NeedleSearch
from coachbook.core.loader import Firm

__all__ = ["Preload"]


@dataclass(frozen=True)
class Preload:
    """The programs and one site's engagement, with a way to search every engagement's strings."""

    firm: Firm
    """The programs, and only the engagement of the client whose site is built (none for the handbook)."""
    index: NeedleSearch
    """Every engagement's audit strings, the other clients' included, or a service that holds them."""
