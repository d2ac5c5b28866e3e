"""From a loaded firm to the plan of one site: the core's single entry point for a build.

The data flows one way: the engagement is cut down to its client view, progress
is computed from that view, and the pages are rendered from both. Nothing
downstream of `client_view` ever sees the full engagement, except the coach
view: a preview that `coachbook serve --coach-view` builds in a temporary
folder and that is never written where a site is published.
"""

from __future__ import annotations

import datetime as dt

from coachbook.errors import CoachbookError
from coachbook.loader import Firm
from coachbook.pages import SitePlan, client_plan, handbook_plan
from coachbook.progress import compute_progress
from coachbook.validation import did_you_mean
from coachbook.visibility import client_view, held_back

__all__ = ["guide_uris", "plan_client_site", "plan_handbook_site"]


def guide_uris(firm: Firm) -> frozenset[str]:
    """Source paths of every program's guides, relative to the content folder."""
    return frozenset(stage.guide for program in firm.programs for stage in program.stages)


def plan_client_site(
    firm: Firm, slug: str, as_of: dt.date, *, directory_urls: bool = True, coach_view: bool = False
) -> SitePlan:
    """Plan the private site of one client, or the coach's preview of it.

    Raises:
        CoachbookError: There is no engagement with this slug.
    """
    loaded = firm.engagements.get(slug)
    if loaded is None:
        hint = did_you_mean(slug, firm.engagements)
        raise CoachbookError(
            f"no engagement named {slug!r} in {firm.project.shown(firm.project.engagements_dir)}/"
            + (f"; {hint}" if hint else "")
        )
    if coach_view:
        engagement = loaded.engagement
        progress = compute_progress(engagement, loaded.program, as_of)
        notes = tuple(held_back(engagement))
        return client_plan(slug, engagement, loaded.program, progress, directory_urls=directory_urls, coach_notes=notes)
    view = client_view(loaded.engagement)
    progress = compute_progress(view, loaded.program, as_of)
    return client_plan(slug, view, loaded.program, progress, directory_urls=directory_urls)


def plan_handbook_site(firm: Firm, *, site_name: str) -> SitePlan:
    """Plan the public handbook: guides in neutral wording and the firm's other pages."""
    content = firm.project.content_dir
    guides = guide_uris(firm)
    extra = frozenset(
        p.relative_to(content).as_posix()
        for p in content.rglob("*.md")
        if p.relative_to(content).as_posix() not in guides
    )
    return handbook_plan(firm.programs, site_name=site_name, extra_docs=extra)
