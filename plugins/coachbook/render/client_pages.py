"""The client's site and the public handbook, planned: which pages, in which order, and what each says.

This module decides what a client's site contains. It knows nothing of
MkDocs; an adapter turns the `SitePlan` into files and nav for whatever
engine builds the site. Every page is rendered from the client view of the
engagement (`coachbook.core.visibility`), through templates that turn every
value into a token (`coachbook.render.templates`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from coachbook.core.i18n import N_, Language, english
from coachbook.core.model import Engagement, Program, Stage, StageRole, StageStatus
from coachbook.core.placeholders import neutral_values, personal_values, render_guide
from coachbook.core.progress import Progress
from coachbook.core.visibility import Secret, strip_comments
from coachbook.render import charts
from coachbook.render.calendar import CALENDAR_URI, client_calendar
from coachbook.render.embed import PROGRAM_URI, embed_markdown, page_url
from coachbook.render.notes import NoteLinks
from coachbook.render.plan import Embedded, FileSource, GuidePage, NavItem, PageSource, SitePlan, embed_token
from coachbook.render.templates import fragment_id, render_page
from coachbook.render.tokens import Slots, isolated_text

__all__ = [
    "CLIENT_PAGES",
    "PROGRAM_URI",
    "client_plan",
    "embedded_guide",
    "handbook_plan",
    "render_guide_page",
]


# --------------------------------------------------------------------------- plans


def _guide_uri(stage: Stage) -> str:
    return Path(stage.guide).as_posix()


def handbook_plan(
    programs: tuple[Program, ...],
    *,
    site_name: str,
    extra_docs: frozenset[str],
    language: Language | None = None,
) -> SitePlan:
    """The public handbook: every program's guides in neutral wording, and no client data at all."""
    language = language or english()
    guides = tuple(
        GuidePage(
            uri=_guide_uri(stage),
            stage=stage,
            program=program,
            values=neutral_values(program, language),
            language=language,
        )
        for program in programs
        for stage in program.stages
    )
    sections = tuple(
        NavItem(program.title, children=tuple(NavItem(s.title, _guide_uri(s)) for s in program.stages))
        for program in programs
    )
    home = (NavItem(language.gettext("Home"), "index.md"),) if "index.md" in extra_docs else ()
    return SitePlan(
        site_name=site_name,
        pages=(),
        guides=guides,
        nav=home + sections,
        client_slug=None,
        keep_docs=extra_docs,
        language=language,
    )


#: The client's pages, in nav order: (uri, nav title, template); titles are messages, translated for each site.
CLIENT_PAGES: tuple[tuple[str, str, str], ...] = (
    ("index.md", N_("Dashboard"), "dashboard.md.j2"),
    ("goals.md", N_("Goals"), "goals.md.j2"),
    ("actions.md", N_("Action plan"), "actions.md.j2"),
    ("sessions.md", N_("Sessions"), "sessions.md.j2"),
    ("reviews.md", N_("Reviews"), "reviews.md.j2"),
    ("assessment.md", N_("Assessment"), "assessment.md.j2"),
    ("agreement.md", N_("Agreement"), "agreement.md.j2"),
    ("closure.md", N_("Closure"), "closure.md.j2"),
    (PROGRAM_URI, N_("Print your program"), "program.md.j2"),
)

#: The client pages the program page gathers, whole and in this order, after its own "Where you are".
_PROGRAM_SECTIONS = (
    "goals.md",
    "actions.md",
    "sessions.md",
    "reviews.md",
    "assessment.md",
    "agreement.md",
    "closure.md",
)


#: The coach view's extra page, listing what the coach-only rule holds back.
COACH_NOTES = ("coach-notes.md", N_("Coach notes"), "coach_notes.md.j2")
_HELD_BACK_GROUPS = (
    ("private", N_("Private notes")),
    ("coach_only", N_("Coach-only items")),
    ("draft", N_("Drafts")),
    ("comment", N_("Comments in notes")),
)


def client_plan(
    slug: str,
    view: Engagement,
    program: Program,
    progress: Progress,
    *,
    directory_urls: bool = True,
    coach_notes: tuple[Secret, ...] | None = None,
    extra_pages: tuple[PageSource, ...] = (),
    calendar: bool = True,
    guide_bodies: Mapping[str, str] | None = None,
    language: Language | None = None,
    guide_sources: Mapping[str, str] | None = None,
    fallbacks: tuple[str, ...] = (),
) -> SitePlan:
    """One client's site, rendered from the client view of their engagement only.

    Arguments:
        slug: The client's slug.
        view: The engagement as the client may see it (`visibility.client_view`).
        program: The program the engagement follows, in the site's language (`core.localise.localised_program`).
        progress: Progress computed from `view` and `program`.
        directory_urls: Whether pages live at `name/` (MkDocs' default) or `name.html`, for links in raw HTML.
        coach_notes: Only for the coach view: what the rule held back. `view` is
            then the full engagement, and held-back items carry a visible badge.
        extra_pages: Pages rendered elsewhere (a version's "What changed"), listed after the dashboard.
        calendar: Whether the site carries `calendar.ics` of the sessions and due dates (made from the
            client view only), linked from the dashboard and the sessions page. An encrypted site has
            none: the file would be readable by anyone.
        guide_bodies: Each guide's Markdown body (front matter removed, exactly as MkDocs reads the guide
            page), by uri, for the program page, which prints every guide. None: the site has no program page.
        language: The site's language; British English when not given.
        guide_sources: The translation each guide is read from, by the guide's uri, where there is one.
        fallbacks: The firm's words the site shows in the default language for want of a translation.
    """
    language = language or english()
    sources = guide_sources or {}
    values = personal_values(view, program, language)
    guides = tuple(
        GuidePage(
            uri=_guide_uri(stage),
            stage=stage,
            program=program,
            values=values,
            state=progress.stage_state(stage.id),
            language=language,
            source=sources.get(_guide_uri(stage)),
            ended=progress.status.ended,
        )
        for stage in program.stages
    )
    # A closed engagement has its last stage done, so this covers it too.
    closure_reached = view.closure is not None or progress.stages[-1].status is not StageStatus.NOT_STARTED
    context = {
        "e": view,
        "program": program,
        "progress": progress,
        # Paths we derive from program.yml are trusted Markdown link targets, not values.
        "guide_uri": {stage.id: Markup(_guide_uri(stage)) for stage in program.stages},
        "closure_reached": closure_reached,
        "goal_titles": {g.id: g.title for g in view.goals},
        "url": lambda uri: Markup(page_url(uri, directory_urls)),
        "coach_view": coach_notes is not None,
        # A file we generate, so a trusted Markdown link target.
        "calendar_uri": Markup(CALENDAR_URI) if calendar else None,
        # The stage of this program that plays each role, for pages that point to "the stage that sets goals".
        "role_stage": {role.value: stage for role in StageRole if (stage := program.stage_for(role)) is not None},
    }
    pages = []
    page_list = CLIENT_PAGES if coach_notes is None else (COACH_NOTES, *CLIENT_PAGES)
    if coach_notes is not None:
        context["held_back"] = [
            (language.gettext(title), [n for n in coach_notes if n.reason == reason])
            for reason, title in _HELD_BACK_GROUPS
        ]
    # Every page the site has, so that a note's link to one leads there (`coachbook.render.notes.NoteLinks`).
    site_pages = frozenset(
        [g.uri for g in guides]
        + [
            uri
            for uri, _, _ in page_list
            if not (uri == "closure.md" and not closure_reached) and not (uri == PROGRAM_URI and guide_bodies is None)
        ]
    )
    # Each chart is drawn once: the dashboard, its own page and the print page show it under ids of their own.
    goal_drawings = {g.goal.id: charts.goal_drawing(g, language=language) for g in progress.goals}
    feedback = view.assessment.feedback if view.assessment else None
    feedback_drawing = charts.feedback_drawing(feedback, language=language) if feedback else None
    for uri, title, template in page_list:
        if uri == "closure.md" and not closure_reached:
            continue
        if uri == PROGRAM_URI and guide_bodies is None:
            continue
        context["note_links"] = NoteLinks(site_pages, page=uri, directory_urls=directory_urls)
        # Links in raw HTML are written from where this page is served (`page_url`).
        context["url"] = lambda target, page=uri: Markup(page_url(target, directory_urls, page=page))
        slots = Slots()
        if uri == PROGRAM_URI:
            markdown, embedded = _program_page(
                slots,
                context,
                guides,
                guide_bodies or {},
                directory_urls=directory_urls,
                language=language,
                goal_drawings=goal_drawings,
                feedback_drawing=feedback_drawing,
            )
            pages.append(
                PageSource(uri=uri, title=language.gettext(title), markdown=markdown, slots=slots, embedded=embedded)
            )
            continue
        if uri == "index.md":
            # The dashboard shows its own copies of the charts: ids must be unique on each page.
            context["feedback"] = feedback if feedback and feedback.groups else None
            context["glance_charts"] = {goal: drawing.svg(f"glance-{goal}") for goal, drawing in goal_drawings.items()}
            context["glance_feedback"] = (
                feedback_drawing.svg("glance-feedback") if feedback_drawing and feedback and feedback.groups else None
            )
        if uri == "goals.md":
            context["charts"] = {goal: drawing.svg(f"goal-{goal}") for goal, drawing in goal_drawings.items()}
        if uri == "assessment.md":
            context["feedback_chart"] = feedback_drawing.svg("feedback") if feedback_drawing else None
        markdown = render_page(template, slots, language, **context)
        pages.append(PageSource(uri=uri, title=language.gettext(title), markdown=markdown, slots=slots))
        if uri == "index.md":
            pages.extend(extra_pages)
    program_nav = NavItem(
        language.gettext("Your program"),
        children=tuple(
            NavItem(language.tr("%(number)s. %(stage)s", number=s.number, stage=s.title), _guide_uri(s))
            for s in program.stages
        ),
    )
    nav = (*(NavItem(p.title, p.uri) for p in pages), program_nav)
    # Isolated where needed, so a name in another script reads in order in the header and the window's title.
    name = isolated_text(view.client.name, rtl_page=language.direction == "rtl")
    site_name = (
        language.tr("%(name)s · Coaching (coach view)", name=name)
        if coach_notes is not None
        else language.tr("%(name)s · Coaching", name=name)
    )
    return SitePlan(
        site_name=site_name,
        pages=tuple(pages),
        guides=guides,
        nav=nav,
        client_slug=slug,
        coach_view=coach_notes is not None,
        files=(
            FileSource(
                CALENDAR_URI, client_calendar(view, program, slug=slug, as_of=progress.as_of, language=language)
            ),
        )
        if calendar
        else (),
        language=language,
        fallbacks=fallbacks,
    )


def render_guide_page(guide: GuidePage, body: str, slots: Slots, *, dashboard_link: bool = True) -> str:
    """A stage guide's Markdown for this site: the guide itself, framed by the client's status.

    Arguments:
        guide: Which guide, and for whom.
        body: The guide's Markdown body (front matter already removed).
        slots: Where this page's values go.
        dashboard_link: Whether the status ends with "Back to your dashboard"; not in the program page,
            which prints the guide as one of its own sections.
    """
    tokens = {name: str(slots.text(value)) for name, value in guide.values.items()}
    # A comment in a guide is the firm's note to itself; it would otherwise sit in every page's source.
    text = render_guide(strip_comments(body), tokens).lstrip()
    # The client's status goes right under the guide's own title.
    heading, rest = ("", text)
    if text.startswith("# "):
        heading, _, rest = text.partition("\n")
    home = posixpath.relpath("index.md", posixpath.dirname(guide.uri) or ".")
    return render_page(
        "guide.md.j2",
        slots,
        guide.language,
        guide=guide,
        stage=guide.stage,
        state=guide.state,
        steps=[guide.program.step(step).title for step in guide.stage.steps],
        ended=guide.ended,
        heading=Markup(heading),
        body=Markup(rest),
        home=Markup(home) if dashboard_link else None,
    )


# --------------------------------------------------------------------------- the program page


def _program_page(
    slots: Slots,
    context: dict[str, Any],
    guides: tuple[GuidePage, ...],
    bodies: Mapping[str, str],
    *,
    directory_urls: bool,
    language: Language,
    goal_drawings: Mapping[str, charts.Drawing],
    feedback_drawing: charts.Drawing | None,
) -> tuple[str, tuple[Embedded, ...]]:
    """The client's whole program in one printable page: where they are, every client page, every guide.

    Each section is the very page the site shows on its own (the same template, or the same guide framed
    for the client), made a section by `embed_markdown`. Only what must differ on one page differs: chart
    ids, links in raw HTML, and no calendar how-to on paper. The guides are embedded sections, converted
    apart (`embedded_guide`): they are most of the page, and the same for every client at the same stage.
    """
    ctx = {
        **context,
        "url": lambda uri: Markup(page_url(uri, directory_urls, page=PROGRAM_URI)),
        "calendar_uri": None,
        # The page shows its own copies of the charts, so every id in it is unique.
        "charts": {goal: drawing.svg(f"program-goal-{goal}") for goal, drawing in goal_drawings.items()},
        "feedback_chart": feedback_drawing.svg("program-feedback") if feedback_drawing else None,
    }
    sections = []
    client_pages = {uri: (title, template) for uri, title, template in CLIENT_PAGES}
    for uri in _PROGRAM_SECTIONS:
        if uri == "closure.md" and not context["closure_reached"]:
            continue
        title, template = client_pages[uri]
        anchor = f"program-{uri.removesuffix('.md')}"
        markdown = embed_markdown(render_page(template, slots, language, **ctx), section_id=anchor)
        sections.append({"title": language.gettext(title), "anchor": Markup(anchor), "markdown": Markup(markdown)})
    guide_sections = []
    embedded = []
    for index, guide in enumerate(guides):
        section = embedded_guide(guide, bodies[guide.uri], token=embed_token(index))
        embedded.append(section)
        guide_sections.append(
            {"stage": guide.stage, "anchor": Markup(section.anchor), "markdown": Markup(section.token)}
        )
    markdown = render_page("program.md.j2", slots, language, **ctx, sections=sections, guide_sections=guide_sections)
    return markdown, tuple(embedded)


def embedded_guide(guide: GuidePage, body: str, *, token: str) -> Embedded:
    """A stage guide as a section of the print page, with its own values, so it converts the same for every client.

    The guide is framed for the client without the link back to the dashboard, its title becomes the
    section's heading and its other headings go one level down, its ids take the stage's prefix and its
    links are made to work from the print page (`embed_markdown`).
    """
    slots = Slots()
    anchor = f"guide-{fragment_id(guide.stage.id)}"
    prefix = f"{fragment_id(guide.stage.id)}-"
    markdown = embed_markdown(
        render_guide_page(guide, body, slots, dashboard_link=False),
        section_id=anchor,
        section_class="cb-program-guide",
        title=str(slots.text(guide.stage.title)),
        id_prefix=prefix,
        source_uri=guide.uri,
    )
    return Embedded(token=token, markdown=markdown, slots=slots, anchor=anchor, id_prefix=prefix)
