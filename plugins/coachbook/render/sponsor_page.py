"""The sponsor's site: one progress page rendered from a `SponsorReport`, so it can show nothing else."""

from __future__ import annotations

from coachbook.core.sponsor import SponsorReport
from coachbook.render.plan import NavItem, PageSource, SitePlan
from coachbook.render.templates import render_page
from coachbook.render.tokens import Slots

__all__ = ["sponsor_plan"]


def sponsor_plan(slug: str, report: SponsorReport) -> SitePlan:
    """The sponsor site: one progress page, no guides, no other pages."""
    slots = Slots()
    markdown = render_page("sponsor.md.j2", slots, r=report)
    page = PageSource(uri="index.md", title="Progress", markdown=markdown, slots=slots)
    return SitePlan(
        site_name=f"{report.client_name} · Coaching progress",
        pages=(page,),
        guides=(),
        nav=(NavItem("Progress", "index.md"),),
        client_slug=slug,
    )
