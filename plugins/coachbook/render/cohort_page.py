"""The cohort report's site: one page rendered from a `CohortReport`, so it can show nothing else."""

from __future__ import annotations

import datetime as dt

from coachbook.core.cohort import MIN_PEOPLE, CohortReport
from coachbook.core.i18n import Language
from coachbook.render.plan import NavItem, PageSource, SitePlan
from coachbook.render.templates import render_page
from coachbook.render.tokens import Slots

__all__ = ["cohort_plan"]

#: How the report words each status and goal standing (`EngagementStatus`, `GoalStanding`).
_STATUS_WORDS = {"active": "Active", "paused": "Paused", "ended-early": "Ended early", "completed": "Completed"}
_STANDING_WORDS = {
    "achieved": "Achieved",
    "on-track": "On track",
    "behind": "Behind",
    "not-measured": "Not measured yet",
}


def _month(day: dt.date) -> str:
    return f"{day:%B %Y}"


def cohort_plan(report: CohortReport, language: Language) -> SitePlan:
    """The cohort site, in the firm's language: one report page, no guides, no other pages."""
    slots = Slots()
    markdown = render_page(
        "cohort.md.j2",
        slots,
        language,
        r=report,
        min_people=MIN_PEOPLE,
        status_words=_STATUS_WORDS,
        standing_words=_STANDING_WORDS,
        month=_month,
    )
    page = PageSource(uri="index.md", title="Cohort report", markdown=markdown, slots=slots)
    return SitePlan(
        site_name=f"{report.organisation} · Coaching cohort",
        pages=(page,),
        guides=(),
        nav=(NavItem("Cohort report", "index.md"),),
        client_slug=None,
        language=language,
    )
