"""The sponsor's site: one progress page rendered from a `SponsorReport`, so it can show nothing else."""

from __future__ import annotations

from coachbook.core.i18n import Language, english
from coachbook.core.sponsor import SponsorReport
from coachbook.render.plan import NavItem, PageSource, SitePlan
from coachbook.render.templates import render_page
from coachbook.render.tokens import Slots, isolated_text

__all__ = ["sponsor_plan"]


def sponsor_plan(
    slug: str, report: SponsorReport, language: Language | None = None, *, fallbacks: tuple[str, ...] = ()
) -> SitePlan:
    """The sponsor site, in the sponsor's language: one progress page, no guides, no other pages.

    `fallbacks` names the program's words that the language has no translation of.
    """
    language = language or english()
    slots = Slots()
    markdown = render_page("sponsor.md.j2", slots, language, r=report)
    title = language.gettext("Progress")
    page = PageSource(uri="index.md", title=title, markdown=markdown, slots=slots)
    # Isolated where needed, so the name reads in order whatever the script around it.
    name = isolated_text(report.client_name, rtl_page=language.direction == "rtl")
    return SitePlan(
        site_name=language.tr("%(name)s · Coaching progress", name=name),
        pages=(page,),
        guides=(),
        nav=(NavItem(title, "index.md"),),
        client_slug=slug,
        language=language,
        fallbacks=fallbacks,
    )
