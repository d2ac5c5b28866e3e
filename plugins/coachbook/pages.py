"""The content of every page Coachbook generates, as Markdown with value tokens.

This module decides what a client's site contains: which pages, in which
order, and what each says. It knows nothing of MkDocs; an adapter turns a
`SitePlan` into files and nav for whatever engine builds the site.

Templates live in `templates/pages/`. They are ours and trusted, but the
values they print are not: the environment's `finalize` turns every printed
value into a token (see `coachbook.slots`), so a template cannot put a raw
engagement value into Markdown even by mistake.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from markupsafe import Markup

from coachbook import charts
from coachbook.ics import CALENDAR_URI, client_calendar
from coachbook.model import Engagement, Program, Stage, StageStatus
from coachbook.notes import render_note
from coachbook.placeholders import human_date, neutral_values, personal_values, render_guide
from coachbook.progress import Progress, StageState
from coachbook.slots import Slots
from coachbook.visibility import Secret, strip_comments

__all__ = [
    "FileSource",
    "GuidePage",
    "NavItem",
    "PageSource",
    "SitePlan",
    "client_plan",
    "handbook_plan",
    "render_guide_page",
    "render_page",
]


@dataclass(frozen=True)
class PageSource:
    """A generated page: where it goes and its Markdown with tokens."""

    uri: str
    title: str
    markdown: str
    slots: Slots = field(repr=False)


@dataclass(frozen=True)
class FileSource:
    """A generated file that is not a page (the calendar): where it goes and its bytes."""

    uri: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class GuidePage:
    """A stage guide in this site, with what personalises it."""

    uri: str
    stage: Stage
    program: Program
    values: dict[str, str]
    """Placeholder values: a client's, or the neutral wording of the public handbook."""
    state: StageState | None = None
    """The client's standing on this stage; None in the public handbook."""


@dataclass(frozen=True)
class NavItem:
    """One nav entry: a page, or a titled section of entries."""

    title: str
    uri: str | None = None
    children: tuple[NavItem, ...] = ()


@dataclass(frozen=True)
class SitePlan:
    """Everything that makes one site, decided before any engine runs."""

    site_name: str
    """Plain text; adapters escape it for the theme."""
    pages: tuple[PageSource, ...]
    guides: tuple[GuidePage, ...]
    nav: tuple[NavItem, ...]
    client_slug: str | None
    keep_docs: frozenset[str] = frozenset()
    """Source pages of the content folder that belong in this site (besides guides)."""
    coach_view: bool = False
    """A preview for the coach, showing what the coach-only rule holds back; never written to disk."""
    files: tuple[FileSource, ...] = ()
    """Generated files besides pages, such as the client's calendar."""

    def guide(self, uri: str) -> GuidePage | None:
        return next((g for g in self.guides if g.uri == uri), None)

    def page(self, uri: str) -> PageSource | None:
        return next((p for p in self.pages if p.uri == uri), None)


# --------------------------------------------------------------------------- rendering helpers


@pass_context
def _finalize(context: Any, value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return context["slots"].text(value)


def _format_date(value: dt.date | None) -> str:
    return human_date(value) if value else ""


def _format_number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


_ENV = Environment(
    loader=PackageLoader("coachbook", "templates/pages"),
    undefined=StrictUndefined,
    # Autoescape makes macros return Markup, so `finalize` passes their output
    # through; every plain value printed anywhere still becomes a token.
    autoescape=True,
    finalize=_finalize,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _anchor(value: object) -> Markup:
    """A fragment id: lower-case letters, digits and hyphens only, so it is safe to print as is."""
    return Markup(re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-"))


_ENV.filters["date"] = _format_date
_ENV.filters["anchor"] = _anchor
_ENV.filters["num"] = _format_number


def _render(template: str, slots: Slots, **context: Any) -> str:
    def note(text: str | None) -> Markup:
        return slots.block_html(render_note(text)) if text else Markup("")

    def chart(svg: str) -> Markup:
        return slots.block_html(svg)

    def note_inline(text: str | None) -> Markup:
        # For notes inside raw HTML (the wins timeline), where a block token's blank lines would end the block.
        return slots.inline_html(render_note(text)) if text else Markup("")

    return _ENV.get_template(template).render(slots=slots, note=note, note_inline=note_inline, chart=chart, **context)


def render_page(template: str, slots: Slots, **context: Any) -> str:
    """Render one of the page templates; every value it prints becomes a token of `slots`."""
    return _render(template, slots, **context)


def _status_label(status: StageStatus) -> str:
    return {StageStatus.DONE: "Done", StageStatus.IN_PROGRESS: "In progress", StageStatus.NOT_STARTED: "Not started"}[
        status
    ]


_ENV.globals["status_label"] = _status_label
#: The stepper's words per state: hidden text a screen reader reads after the stage's title, and the visible label.
_ENV.globals["step_words"] = {
    "done": ": completed",
    "current": ": current stage",
    "active": ": in progress",
    "upcoming": ": upcoming",
}
_ENV.globals["step_labels"] = {
    "done": "Done",
    "current": "You are here",
    "active": "In progress",
    "upcoming": "Upcoming",
}


# --------------------------------------------------------------------------- plans


def _guide_uri(stage: Stage) -> str:
    return Path(stage.guide).as_posix()


def handbook_plan(programs: tuple[Program, ...], *, site_name: str, extra_docs: frozenset[str]) -> SitePlan:
    """The public handbook: every program's guides in neutral wording, and no client data at all."""
    guides = tuple(
        GuidePage(uri=_guide_uri(stage), stage=stage, program=program, values=neutral_values(program))
        for program in programs
        for stage in program.stages
    )
    sections = tuple(
        NavItem(program.title, children=tuple(NavItem(s.title, _guide_uri(s)) for s in program.stages))
        for program in programs
    )
    home = (NavItem("Home", "index.md"),) if "index.md" in extra_docs else ()
    return SitePlan(
        site_name=site_name,
        pages=(),
        guides=guides,
        nav=home + sections,
        client_slug=None,
        keep_docs=extra_docs,
    )


#: The client's pages, in nav order: (uri, nav title, template).
CLIENT_PAGES: tuple[tuple[str, str, str], ...] = (
    ("index.md", "Dashboard", "dashboard.md.j2"),
    ("goals.md", "Goals", "goals.md.j2"),
    ("actions.md", "Action plan", "actions.md.j2"),
    ("sessions.md", "Sessions", "sessions.md.j2"),
    ("reviews.md", "Reviews", "reviews.md.j2"),
    ("assessment.md", "Assessment", "assessment.md.j2"),
    ("agreement.md", "Agreement", "agreement.md.j2"),
    ("closure.md", "Closure", "closure.md.j2"),
)


#: The coach view's extra page, listing what the coach-only rule holds back.
COACH_NOTES = ("coach-notes.md", "Coach notes", "coach_notes.md.j2")
_HELD_BACK_GROUPS = (
    ("private", "Private notes"),
    ("coach_only", "Coach-only items"),
    ("draft", "Drafts"),
    ("comment", "Comments in notes"),
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
) -> SitePlan:
    """One client's site, rendered from the client view of their engagement only.

    Arguments:
        slug: The client's slug.
        view: The engagement as the client may see it (`visibility.client_view`).
        program: The program the engagement follows.
        progress: Progress computed from `view`.
        directory_urls: Whether pages live at `name/` (MkDocs' default) or `name.html`, for links in raw HTML.
        coach_notes: Only for the coach view: what the rule held back. `view` is
            then the full engagement, and held-back items carry a visible badge.
        extra_pages: Pages rendered elsewhere (a version's "What changed"), listed after the dashboard.
        calendar: Whether the site carries `calendar.ics` of the sessions and due dates (made from the
            client view only), linked from the dashboard and the sessions page. An encrypted site has
            none: the file would be readable by anyone.
    """
    values = personal_values(view, program)
    guides = tuple(
        GuidePage(
            uri=_guide_uri(stage), stage=stage, program=program, values=values, state=progress.stage_state(stage.id)
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
        "url": lambda uri: Markup(_page_url(uri, directory_urls)),
        "coach_view": coach_notes is not None,
        # A file we generate, so a trusted Markdown link target.
        "calendar_uri": Markup(CALENDAR_URI) if calendar else None,
    }
    pages = []
    page_list = CLIENT_PAGES if coach_notes is None else (COACH_NOTES, *CLIENT_PAGES)
    if coach_notes is not None:
        context["held_back"] = [
            (title, [n for n in coach_notes if n.reason == reason]) for reason, title in _HELD_BACK_GROUPS
        ]
    for uri, title, template in page_list:
        if uri == "closure.md" and not closure_reached:
            continue
        slots = Slots()
        if uri == "index.md":
            # The dashboard draws its own copies of the charts: ids must be unique on each page.
            feedback = view.assessment.feedback if view.assessment else None
            context["feedback"] = feedback if feedback and feedback.groups else None
            context["glance_charts"] = {
                g.goal.id: charts.goal_chart(g, chart_id=f"glance-{g.goal.id}") for g in progress.goals
            }
            context["glance_feedback"] = (
                charts.feedback_chart(feedback, chart_id="glance-feedback") if feedback and feedback.groups else None
            )
        if uri == "goals.md":
            context["charts"] = {g.goal.id: charts.goal_chart(g, chart_id=f"goal-{g.goal.id}") for g in progress.goals}
        if uri == "assessment.md":
            feedback = view.assessment.feedback if view.assessment else None
            context["feedback_chart"] = charts.feedback_chart(feedback, chart_id="feedback") if feedback else None
        pages.append(PageSource(uri=uri, title=title, markdown=_render(template, slots, **context), slots=slots))
        if uri == "index.md":
            pages.extend(extra_pages)
    program_nav = NavItem(
        "Your program", children=tuple(NavItem(f"{s.number}. {s.title}", _guide_uri(s)) for s in program.stages)
    )
    nav = (*(NavItem(p.title, p.uri) for p in pages), program_nav)
    return SitePlan(
        site_name=f"{view.client.name} · Coaching" + (" (coach view)" if coach_notes is not None else ""),
        pages=tuple(pages),
        guides=guides,
        nav=nav,
        client_slug=slug,
        coach_view=coach_notes is not None,
        files=(FileSource(CALENDAR_URI, client_calendar(view, program, slug=slug, as_of=progress.as_of)),)
        if calendar
        else (),
    )


def _page_url(uri: str, directory_urls: bool) -> str:
    """The URL of a page from the site root, for links inside raw HTML that MkDocs does not rewrite."""
    stem = uri.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index") or "./"
    return f"{stem}/" if directory_urls else f"{stem}.html"


def render_guide_page(guide: GuidePage, body: str, slots: Slots) -> str:
    """A stage guide's Markdown for this site: the guide itself, framed by the client's status.

    Arguments:
        guide: Which guide, and for whom.
        body: The guide's Markdown body (front matter already removed).
        slots: Where this page's values go.
    """
    tokens = {name: str(slots.text(value)) for name, value in guide.values.items()}
    # A comment in a guide is the firm's note to itself; it would otherwise sit in every page's source.
    text = render_guide(strip_comments(body), tokens).lstrip()
    # The client's status goes right under the guide's own title.
    heading, rest = ("", text)
    if text.startswith("# "):
        heading, _, rest = text.partition("\n")
    home = posixpath.relpath("index.md", posixpath.dirname(guide.uri) or ".")
    return _render(
        "guide.md.j2",
        slots,
        guide=guide,
        stage=guide.stage,
        state=guide.state,
        heading=Markup(heading),
        body=Markup(rest),
        home=Markup(home),
    )
