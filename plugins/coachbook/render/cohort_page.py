"""The cohort report's site: one page rendered from a `CohortReport`, so it can show nothing else."""

from __future__ import annotations

from coachbook.core.cohort import COMPLETED, ENDED_EARLY, MIN_PEOPLE, CohortReport
from coachbook.core.i18n import N_, Language
from coachbook.render.plan import NavItem, PageSource, SitePlan
from coachbook.render.templates import render_page
from coachbook.render.tokens import Slots, isolated_text

__all__ = ["cohort_plan"]

#: How the report words each status and goal standing (`EngagementStatus`, `GoalStanding`).
#: Messages, translated where the report is rendered.
_STATUS_WORDS = {
    "active": N_("Active"),
    "paused": N_("Paused"),
    "ended-early": N_("Ended early"),
    "completed": N_("Completed"),
}
_STANDING_WORDS = {
    "achieved": N_("Achieved"),
    "on-track": N_("On track"),
    "behind": N_("Behind"),
    "not-measured": N_("Not measured yet"),
}


def cohort_plan(report: CohortReport, language: Language) -> SitePlan:
    """The cohort site, in the firm's language: one report page, no guides, no other pages."""
    slots = Slots()
    markdown = render_page(
        "cohort.md.j2",
        slots,
        language,
        r=report,
        min_people=MIN_PEOPLE,
        over=(ENDED_EARLY, COMPLETED),
        status_words={key: language.gettext(word) for key, word in _STATUS_WORDS.items()},
        standing_words={key: language.gettext(word) for key, word in _STANDING_WORDS.items()},
        month=language.month,
    )
    title = language.gettext("Cohort report")
    page = PageSource(uri="index.md", title=title, markdown=markdown, slots=slots)
    # Isolated where needed, so the organisation's name reads in order whatever the script around it.
    name = isolated_text(report.organisation, rtl_page=language.direction == "rtl")
    return SitePlan(
        site_name=language.tr("%(organisation)s · Coaching cohort", organisation=name),
        pages=(page,),
        guides=(),
        nav=(NavItem(title, "index.md"),),
        client_slug=None,
        language=language,
    )
