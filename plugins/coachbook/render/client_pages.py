"""The content of every page Coachbook generates, as Markdown with value tokens.

This module decides what a client's site contains: which pages, in which
order, and what each says. It knows nothing of MkDocs; an adapter turns a
`SitePlan` into files and nav for whatever engine builds the site.

Templates live in `templates/pages/`. They are ours and trusted, but the
values they print are not: the environment's `finalize` turns every printed
value into a token (see `coachbook.render.tokens`), so a template cannot put a raw
engagement value into Markdown even by mistake.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from markupsafe import Markup

from coachbook.render import charts
from coachbook.render.calendar import CALENDAR_URI, client_calendar
from coachbook.core.model import Engagement, Program, Stage, StageStatus
from coachbook.render.notes import render_note
from coachbook.core.placeholders import human_date, neutral_values, personal_values, render_guide
from coachbook.core.progress import Progress, StageState
from coachbook.render.tokens import Slots
from coachbook.core.visibility import Secret, strip_comments

__all__ = [
    "PROGRAM_URI",
    "FileSource",
    "GuidePage",
    "NavItem",
    "PageSource",
    "SitePlan",
    "client_plan",
    "embed_markdown",
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


#: The print-friendly page that gathers the client's whole program in one document (see `_program_page`).
PROGRAM_URI = "program.md"

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
    (PROGRAM_URI, "Print your program", "program.md.j2"),
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
    guide_bodies: Mapping[str, str] | None = None,
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
        guide_bodies: Each guide's Markdown body (front matter removed, exactly as MkDocs reads the guide
            page), by uri, for the program page, which prints every guide. None: the site has no program page.
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
        if uri == PROGRAM_URI and guide_bodies is None:
            continue
        slots = Slots()
        if uri == PROGRAM_URI:
            markdown = _program_page(
                slots, context, view, progress, guides, guide_bodies or {}, directory_urls=directory_urls
            )
            pages.append(PageSource(uri=uri, title=title, markdown=markdown, slots=slots))
            continue
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


def _page_url(uri: str, directory_urls: bool, *, page: str = "index.md") -> str:
    """The URL of a page as written on `page` (a page at the site's root), for links inside raw HTML.

    MkDocs does not rewrite links in raw HTML, so they are written relative to where the page is served:
    `program.md` is served at `program/`, one folder down, when `directory_urls` is on.
    """
    url = _root_url(uri, directory_urls)
    here = _root_url(page, directory_urls)
    depth = 0 if here == "./" else here[: here.rfind("/") + 1].count("/")
    if depth == 0:
        return url
    return "../" * depth + ("" if url == "./" else url)


def _root_url(uri: str, directory_urls: bool) -> str:
    stem = uri.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index") or "./"
    return f"{stem}/" if directory_urls else f"{stem}.html"


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
    return _render(
        "guide.md.j2",
        slots,
        guide=guide,
        stage=guide.stage,
        state=guide.state,
        heading=Markup(heading),
        body=Markup(rest),
        home=Markup(home) if dashboard_link else None,
    )


# --------------------------------------------------------------------------- the program page


def _program_page(
    slots: Slots,
    context: dict[str, Any],
    view: Engagement,
    progress: Progress,
    guides: tuple[GuidePage, ...],
    bodies: Mapping[str, str],
    *,
    directory_urls: bool,
) -> str:
    """The client's whole program in one printable page: where they are, every client page, every guide.

    Each section is the very page the site shows on its own (the same template, or the same guide framed
    for the client), rendered into this page's slots and made a section by `embed_markdown`. Only what
    must differ on one page differs: chart ids, links in raw HTML, and no calendar how-to on paper.
    """
    feedback = view.assessment.feedback if view.assessment else None
    ctx = {
        **context,
        "url": lambda uri: Markup(_page_url(uri, directory_urls, page=PROGRAM_URI)),
        "calendar_uri": None,
        # The page draws its own copies of the charts, so every id in it is unique.
        "charts": {g.goal.id: charts.goal_chart(g, chart_id=f"program-goal-{g.goal.id}") for g in progress.goals},
        "feedback_chart": charts.feedback_chart(feedback, chart_id="program-feedback") if feedback else None,
    }
    sections = []
    client_pages = {uri: (title, template) for uri, title, template in CLIENT_PAGES}
    for uri in _PROGRAM_SECTIONS:
        if uri == "closure.md" and not context["closure_reached"]:
            continue
        title, template = client_pages[uri]
        anchor = f"program-{uri.removesuffix('.md')}"
        markdown = embed_markdown(_render(template, slots, **ctx), section_id=anchor)
        sections.append({"title": title, "anchor": Markup(anchor), "markdown": Markup(markdown)})
    guide_sections = []
    for guide in guides:
        anchor = f"guide-{_anchor(guide.stage.id)}"
        markdown = embed_markdown(
            render_guide_page(guide, bodies[guide.uri], slots, dashboard_link=False),
            section_id=anchor,
            section_class="cb-program-guide",
            title=str(slots.text(guide.stage.title)),
            id_prefix=f"{_anchor(guide.stage.id)}-",
            source_uri=guide.uri,
        )
        guide_sections.append({"stage": guide.stage, "anchor": Markup(anchor), "markdown": Markup(markdown)})
    return _render("program.md.j2", slots, **ctx, sections=sections, guide_sections=guide_sections)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_ATX = re.compile(r"^(#{1,6})")
_SETEXT = re.compile(r"^(?:=+|-+)[ \t]*$")
#: The attribute list at the end of a heading, as the attr_list extension finds it.
_HEADING_ATTRS = re.compile(r"[ \t]+\{:?([^}\n]*)\}[ \t]*$")
_ATTR_ID = re.compile(r"(?:(?<=\s)|^)#([^\s}]+)")
_COLLAPSED = re.compile(r"^([ \t]*)\?\?\?(?=[ \t])")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_INLINE_TARGET = re.compile(r"(\]\([ \t]*<?)([^)\s>]+)")
_REFERENCE_TARGET = re.compile(r"^([ ]{0,3}\[(?!\^)[^\]]+\]:[ \t]*<?)([^\s>]+)")
_HTML_TARGET = re.compile(r"""(\b(?:href|src)[ \t]*=[ \t]*)(["'])(.*?)\2""")
_FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")
_ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/)")


def embed_markdown(
    markdown: str,
    *,
    section_id: str,
    section_class: str | None = None,
    title: str | None = None,
    id_prefix: str = "",
    source_uri: str | None = None,
    page_uri: str = PROGRAM_URI,
) -> str:
    """A page's Markdown made into one section of another page.

    The front matter goes; the page's `#` title becomes the section's `##` heading, with `section_id`
    (and `section_class`), or `title` is put there when the page has none; every other heading at the
    start of a line goes one level down too, so the sections sit under the page's own title. Collapsed
    `???` blocks are printed open.

    For a page from elsewhere (`source_uri`, a guide): relative links are rewritten to work from
    `page_uri`, a link to a place in the same page points at that page, and `id_prefix` keeps its
    heading ids and footnotes from meeting another section's. Fenced code is left as it is.
    """
    lines = _FRONT_MATTER.sub("", markdown, count=1).split("\n")
    first = next((line for line in lines if line.strip()), "")
    if not (first.startswith("#") and not first.startswith("##")):
        lines[:0] = [f"# {title or ''}", ""]
    out: list[str] = []
    fence: str | None = None
    titled = False
    blank_before = True
    skip = False
    for index, line in enumerate(lines):
        if skip:
            skip = False
            continue
        if fence is not None:
            out.append(line)
            closing = _FENCE.match(line)
            if closing and closing.group(1).startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            out.append(line)
            blank_before = False
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if blank_before and line.strip() and not line[0].isspace() and _SETEXT.match(following):
            # A title underlined with === or --- is a heading too: write it as one with #.
            line = ("# " if following.startswith("=") else "## ") + line
            skip = True
        heading = _ATX.match(line)
        if heading:
            level = len(heading.group(1))
            rest = line[level:]
            if level == 1 and not titled:
                titled = True
                rest = _with_attrs(rest, section_id, section_class)
            elif id_prefix:
                rest = _prefix_heading_ids(rest, id_prefix)
            line = "#" * min(level + 1, 6) + rest
        line = _COLLAPSED.sub(r"\1???+", line)
        if source_uri is not None:
            line = _rewrite_inline(line, source_uri, page_uri, id_prefix)
        out.append(line)
        blank_before = not line.strip()
    return "\n".join(out)


def _with_attrs(rest: str, section_id: str, section_class: str | None) -> str:
    """A heading's text with the section's id and class, in place of any id it had."""
    ours = f"#{section_id}" + (f" .{section_class}" if section_class else "")
    found = _HEADING_ATTRS.search(rest)
    if found is None:
        return f"{rest.rstrip()} {{ {ours} }}"
    theirs = _ATTR_ID.sub("", found.group(1)).strip()
    return f"{rest[: found.start()]} {{ {ours}{' ' + theirs if theirs else ''} }}"


def _prefix_heading_ids(rest: str, prefix: str) -> str:
    found = _HEADING_ATTRS.search(rest)
    if found is None:
        return rest
    attrs = _ATTR_ID.sub(lambda m: f"#{prefix}{m.group(1)}", found.group(1))
    return f"{rest[: found.start(1)]}{attrs}{rest[found.end(1) :]}"


def _rewrite_inline(line: str, source_uri: str, page_uri: str, id_prefix: str) -> str:
    """Links and footnotes of a line from `source_uri`, made to work on `page_uri`; code spans stay as they are."""

    def rebase(match: re.Match[str]) -> str:
        return match.group(1) + _rebase(match.group(2), source_uri, page_uri)

    def rebase_html(match: re.Match[str]) -> str:
        return f"{match.group(1)}{match.group(2)}{_rebase(match.group(3), source_uri, page_uri)}{match.group(2)}"

    line = _REFERENCE_TARGET.sub(rebase, line)
    parts = []
    position = 0
    for code in [*_CODE_SPAN.finditer(line), None]:
        end = code.start() if code else len(line)
        text = line[position:end]
        text = _INLINE_TARGET.sub(rebase, text)
        text = _HTML_TARGET.sub(rebase_html, text)
        if id_prefix:
            text = _FOOTNOTE.sub(lambda m: f"[^{id_prefix}{m.group(1)}]", text)
        parts.append(text)
        if code:
            parts.append(code.group(0))
            position = code.end()
    return "".join(parts)


def _rebase(target: str, source_uri: str, page_uri: str) -> str:
    """A link target written in `source_uri`, as written in `page_uri` to reach the same place."""
    if not target or _ABSOLUTE.match(target):
        return target
    if target.startswith("#"):
        path, suffix = source_uri, target
    else:
        cut = min((i for i in (target.find("#"), target.find("?")) if i >= 0), default=len(target))
        path, suffix = target[:cut], target[cut:]
        if not path:
            return target
        trailing = "/" if path.endswith("/") else ""
        path = posixpath.normpath(posixpath.join(posixpath.dirname(source_uri), path)) + trailing
    return posixpath.relpath(path, posixpath.dirname(page_uri) or ".") + ("/" if path.endswith("/") else "") + suffix
