"""The coaches' console, planned: one page of every engagement, a page per coach and per engagement.

The console is rendered from a `FirmOverview` (`coachbook.core.console`), the
record of every engagement computed from the full engagements, through the
same templates and value tokens as every other site
(`coachbook.render.templates`). It is the only site planned from anything but
a client view or the program, which is why it lives in a folder of its own
(`site/firm/`), is protected on its own, and why every other site is
searched for what it says.
"""

from __future__ import annotations

from importlib import resources

from markupsafe import Markup

from coachbook.core.console import CONSOLE_NOTICE, EngagementSummary, FirmOverview
from coachbook.core.i18n import Language
from coachbook.render.coach_calendar import coach_calendar, coach_calendar_uri
from coachbook.render.embed import page_url
from coachbook.render.plan import FileSource, NavItem, PageSource, SitePlan
from coachbook.render.templates import render_page
from coachbook.render.tokens import Slots

__all__ = ["CONSOLE_SCRIPT", "coach_uri", "console_plan", "engagement_uri"]

#: Where the table's sorting and filtering script goes in the console.
CONSOLE_SCRIPT = "assets/coachbook/console.js"


def engagement_uri(slug: str) -> str:
    return f"engagements/{slug}.md"


def coach_uri(key: str) -> str:
    return f"coaches/{key}.md"


def console_plan(
    overview: FirmOverview,
    language: Language,
    *,
    directory_urls: bool = True,
    calendars: bool = True,
    published_url: str | None = None,
) -> SitePlan:
    """The console's site: every engagement, every coach, every engagement's own page.

    Arguments:
        overview: The firm's engagements as of the build's date.
        language: The firm's default language, which every word of the console, and its calendars, are in.
        directory_urls: Whether pages live at `name/` or `name.html`, for links in raw HTML.
        calendars: Whether each coach gets a calendar feed; not when the console is encrypted, where the
            `.ics` files would be readable by anyone.
        published_url: Where the published tree is served (`site_url`), to link each published version;
            None: versions are named by their folder only.
    """
    pages = []

    def context(page: str) -> dict[str, object]:
        depth = page.count("/")
        return {
            "o": overview,
            "notice": language.gettext(CONSOLE_NOTICE),
            "url": lambda uri: Markup(page_url(uri, directory_urls, page=page)),
            # The clients' sites sit beside the console (`firm/` and `clients/` share a parent), so a link
            # climbs out of this page's folder and out of the console's.
            "site_root": Markup("../" * (depth + (1 if directory_urls and page != "index.md" else 0) + 1)),
            "calendar": (lambda key: Markup(coach_calendar_uri(key))) if calendars else None,
            "published_url": published_url,
            "engagement_uri": lambda slug: Markup(engagement_uri(slug)),
            "coach_uri": lambda key: Markup(coach_uri(key)),
            "here": Markup(page),
            # Where the table's script writes how many rows its filters leave shown.
            "shown_slot": Markup("{shown}"),
            "short": lambda day: language.short_date(day) if day else "",
        }

    slots = Slots()
    title = language.gettext("Console")
    pages.append(
        PageSource("index.md", title, render_page("console.md.j2", slots, language, **context("index.md")), slots)
    )
    for coach in overview.coaches:
        uri = coach_uri(coach.key)
        slots = Slots()
        markdown = render_page("console_coach.md.j2", slots, language, c=coach, **context(uri))
        pages.append(PageSource(uri, coach.name, markdown, slots))
    for summary in sorted(overview.engagements, key=_by_client):
        uri = engagement_uri(summary.slug)
        slots = Slots()
        markdown = render_page("console_engagement.md.j2", slots, language, e=summary, **context(uri))
        pages.append(PageSource(uri, summary.client_name, markdown, slots))
    sections = (
        NavItem(
            language.gettext("Coaches"), children=tuple(NavItem(c.name, coach_uri(c.key)) for c in overview.coaches)
        ),
        NavItem(
            language.gettext("Engagements"),
            children=tuple(
                NavItem(s.client_name, engagement_uri(s.slug)) for s in sorted(overview.engagements, key=_by_client)
            ),
        ),
    )
    # A firm without engagements yet has a console of one page: a section with nothing in it is no section.
    nav = (NavItem(title, "index.md"), *(section for section in sections if section.children))
    script = resources.files("coachbook").joinpath("assets", "console.js").read_bytes()
    files = [FileSource(CONSOLE_SCRIPT, script)]
    if calendars:
        files += [FileSource(coach_calendar_uri(c.key), coach_calendar(c, language)) for c in overview.coaches]
    return SitePlan(
        site_name=language.gettext("Coaches' console"),
        pages=tuple(pages),
        guides=(),
        nav=nav,
        client_slug=None,
        files=tuple(files),
        scripts=(CONSOLE_SCRIPT,),
        language=language,
    )


def _by_client(summary: EngagementSummary) -> tuple[str, str]:
    return summary.client_name.casefold(), summary.slug
