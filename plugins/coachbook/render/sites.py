"""From a loaded firm to the plan of one site: the core's single entry point for a build.

The data flows one way: the engagement is cut down to its client view, progress
is computed from that view, and the pages are rendered from both. Nothing
downstream of `client_view` ever sees the full engagement, except the coach
view: a preview that `coachbook serve --coach-view` builds in a temporary
folder and that is never written where a site is published.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from coachbook.core.cohort import cohort_report
from coachbook.core.console import firm_overview
from coachbook.core.frontmatter import split_front_matter
from coachbook.core.i18n import Language
from coachbook.core.loader import Firm, LoadedEngagement
from coachbook.core.localise import (
    is_translation,
)
from coachbook.core.model import Engagement, Program
from coachbook.core.progress import compute_progress
from coachbook.core.site_languages import LanguageUse, languages_in_use, localise, site_language
from coachbook.core.snapshots import Snapshot
from coachbook.core.sponsor import sponsor_report, wants_sponsor_site
from coachbook.core.validation import did_you_mean
from coachbook.core.versions import Version, read_versions
from coachbook.core.visibility import Secret, client_view, held_back
from coachbook.errors import CoachbookError
from coachbook.render.changes import changes_page, compare, without_withheld
from coachbook.render.client_pages import client_plan, handbook_plan
from coachbook.render.cohort_page import cohort_plan
from coachbook.render.console_pages import console_plan
from coachbook.render.plan import PageSource, SitePlan
from coachbook.render.sponsor_page import sponsor_plan
from coachbook.render.tokens import Slots

#: Where a published version's "What changed" page lives.
CHANGES_URI = "changes.md"

__all__ = [
    "History",
    "LanguageUse",
    "guide_uris",
    "languages_in_use",
    "plan_client_site",
    "plan_cohort_site",
    "plan_console_site",
    "plan_handbook_site",
    "plan_sponsor_site",
    "published_versions",
    "site_language",
]


def guide_uris(firm: Firm) -> frozenset[str]:
    """Source paths of every program's guides, relative to the content folder."""
    return frozenset(stage.guide for program in firm.programs for stage in program.stages)


@dataclass(frozen=True)
class History:
    """A published version's place in the line of versions, for its "What changed" page."""

    previous: Snapshot | None
    """The previous version's snapshot; None for the first version, or when it was published elsewhere."""
    previous_title: str | None
    """The previous version's title; None for the first version."""


def plan_client_site(
    firm: Firm,
    slug: str,
    as_of: dt.date,
    *,
    directory_urls: bool = True,
    coach_view: bool = False,
    history: History | None = None,
    calendar: bool = True,
) -> SitePlan:
    """Plan the private site of one client, or the coach's preview of it.

    `calendar=False` leaves out `calendar.ics` (for an encrypted site, where it would be plaintext).

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
    local = localise(firm, loaded, loaded.engagement.language)
    bodies = _guide_bodies(firm, loaded, local.sources)

    def plan(view: Engagement, notes: tuple[Secret, ...] | None, extra: tuple[PageSource, ...]) -> SitePlan:
        return client_plan(
            slug,
            view,
            local.program,
            compute_progress(view, local.program, as_of),
            directory_urls=directory_urls,
            coach_notes=notes,
            extra_pages=extra,
            calendar=calendar,
            guide_bodies=bodies,
            language=local.language,
            guide_sources=local.sources,
            fallbacks=local.fallbacks,
        )

    if coach_view:
        return plan(loaded.engagement, tuple(held_back(loaded.engagement)), ())
    view = client_view(loaded.engagement)
    extra = (
        (_changes_page(loaded.engagement, view, local.program, as_of, history, directory_urls, local.language),)
        if history
        else ()
    )
    return plan(view, None, extra)


def _guide_bodies(firm: Firm, loaded: LoadedEngagement, sources: dict[str, str]) -> dict[str, str]:
    """The body of each of the client's guides, for the program page, read just as MkDocs reads the guide's page.

    The same file (from the handbook the client is pinned to, if any, in the client's language where it is
    translated), the same decoding and the same front matter rule (MkDocs', `coachbook.core.frontmatter`),
    so the program page prints exactly the text of each guide page.

    Raises:
        CoachbookError: A guide cannot be read.
    """
    content = loaded.content_dir or firm.project.content_dir
    bodies = {}
    for stage in loaded.program.stages:
        path = content / sources.get(Path(stage.guide).as_posix(), stage.guide)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CoachbookError(f"cannot read the guide {firm.project.shown(path)}: {exc}") from exc
        bodies[Path(stage.guide).as_posix()] = split_front_matter(text)[0]
    return bodies


def _changes_page(
    engagement: Engagement,
    view: Engagement,
    program: Program,
    as_of: dt.date,
    history: History,
    directory_urls: bool,
    language: Language,
) -> PageSource:
    slots = Slots()
    if history.previous_title is not None and history.previous is None:
        markdown = _render_unavailable(history.previous_title, slots, language)
    else:
        old = history.previous
        changes = compare(
            without_withheld(old.engagement, engagement, view) if old else None,
            view,
            program,
            old_as_of=old.as_of if old else None,
            new_as_of=as_of,
            language=language,
        )
        markdown = changes_page(
            changes,
            previous_title=history.previous_title,
            slots=slots,
            directory_urls=directory_urls,
            language=language,
        )
    return PageSource(uri=CHANGES_URI, title=language.gettext("What changed"), markdown=markdown, slots=slots)


def _render_unavailable(previous_title: str, slots: Slots, language: Language) -> str:
    # The snapshot lives beside the project that published it; say so rather than guess.
    title = language.gettext("What changed")
    text = language.tr(
        "This version follows %(version)s. The record of that version was made on another computer, so this page "
        "cannot list what changed since. Your coach can tell you.",
        version=str(slots.text(previous_title)),
    )
    return f"---\ntitle: {json.dumps(title)}\n---\n\n# {title}\n\n{text}\n"


def plan_sponsor_site(firm: Firm, slug: str, as_of: dt.date) -> SitePlan:
    """Plan the progress-only site of a client's sponsor.

    Raises:
        CoachbookError: There is no such engagement, or it does not ask for a sponsor site.
    """
    loaded = firm.engagements.get(slug)
    if loaded is None:
        raise CoachbookError(f"no engagement named {slug!r}; " + did_you_mean(slug, firm.engagements))
    if not wants_sponsor_site(loaded.engagement):
        raise CoachbookError(
            f"{slug} has no sponsor site; add `site: true` under `sponsor:` in {firm.project.shown(loaded.source)}"
        )
    sponsor = loaded.engagement.sponsor
    tag = (sponsor.language if sponsor else None) or loaded.engagement.language
    local = localise(firm, loaded, tag)
    report = sponsor_report(loaded.engagement, local.program, as_of)
    return sponsor_plan(slug, report, local.language, fallbacks=local.program_fallbacks)


def plan_handbook_site(firm: Firm, *, site_name: str) -> SitePlan:
    """Plan the public handbook, in the firm's default language: guides in neutral wording and its other pages.

    A page's translations (`index.de.md` beside `index.md`) are for clients' sites, not pages of their own.
    """
    content = firm.project.content_dir
    guides = guide_uris(firm)
    pages = [p.relative_to(content).as_posix() for p in content.rglob("*.md")]
    extra = frozenset(uri for uri in pages if uri not in guides and not is_translation(uri, pages))
    return handbook_plan(firm.programs, site_name=site_name, extra_docs=extra, language=site_language(firm))


def published_versions(firm: Firm) -> dict[str, list[Version]]:
    """Each client's published versions, newest first, by address; a list that cannot be read counts as none.

    `coachbook versions SLUG` reports a damaged list; the console only links what it can read.
    """
    found: dict[str, list[Version]] = {}
    for loaded in firm.engagements.values():
        try:
            listed = read_versions(firm.project.published / "clients" / loaded.address / "versions.json")
        except CoachbookError:
            continue
        if listed:
            found[loaded.address] = listed
    return found


def plan_console_site(
    firm: Firm,
    as_of: dt.date,
    *,
    directory_urls: bool = True,
    calendars: bool = True,
    published_url: str | None = None,
) -> SitePlan:
    """Plan the coaches' console: every engagement of `firm`, coach-only material included.

    Unlike every other site, it is planned from the full engagements (`coachbook.core.console`). It is written in
    the firm's default language (`theme.language`), whatever language its clients read.
    `calendars=False` leaves out the coaches' calendar feeds (for an encrypted console).
    """
    overview = firm_overview(firm.engagements.values(), as_of, published_versions(firm))
    return console_plan(
        overview,
        site_language(firm),
        directory_urls=directory_urls,
        calendars=calendars,
        published_url=published_url,
    )


def plan_cohort_site(firm: Firm, organisation: str, as_of: dt.date, *, minimum: int) -> SitePlan:
    """Plan the cohort report of `organisation`, from the client views of its engagements in `firm`.

    Raises:
        CoachbookError: The organisation has fewer than `minimum` engagements.
    """
    report = cohort_report(organisation, list(firm.engagements.values()), as_of, minimum=minimum)
    return cohort_plan(report, site_language(firm))
