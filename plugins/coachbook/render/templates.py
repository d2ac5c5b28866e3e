"""The page templates' Jinja environment: every value a template prints becomes a value token.

Templates live in `templates/pages/`. They are ours and trusted, but the
values they print are not: the environment's `finalize` turns every printed
value into a token (see `coachbook.render.tokens`), so a template cannot put a
raw engagement value into Markdown even by mistake.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from markupsafe import Markup

from coachbook.core.model import StageStatus
from coachbook.core.placeholders import human_date
from coachbook.render.notes import NoteLinks, render_note
from coachbook.render.tokens import Slots

__all__ = ["ENV", "fragment_id", "render_page"]


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


ENV = Environment(
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


def fragment_id(value: object) -> Markup:
    """A fragment id: lower-case letters, digits and hyphens only, so it is safe to print as is."""
    return Markup(re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-"))


ENV.filters["date"] = _format_date
ENV.filters["anchor"] = fragment_id
ENV.filters["num"] = _format_number


def render_page(template: str, slots: Slots, **context: Any) -> str:
    """Render one of the page templates; every value it prints becomes a token of `slots`.

    A `note_links` in the context (`coachbook.render.notes.NoteLinks`) says which page this is and which
    pages the site has, so that a note's links to pages lead to them from here.
    """
    links: NoteLinks | None = context.get("note_links")

    def note(text: str | None) -> Markup:
        return slots.block_html(render_note(text, links)) if text else Markup("")

    def chart(svg: str) -> Markup:
        return slots.block_html(svg)

    def note_inline(text: str | None) -> Markup:
        # For notes inside raw HTML (the wins timeline), where a block token's blank lines would end the block.
        return slots.inline_html(render_note(text, links)) if text else Markup("")

    return ENV.get_template(template).render(slots=slots, note=note, note_inline=note_inline, chart=chart, **context)


def _status_label(status: StageStatus) -> str:
    return {StageStatus.DONE: "Done", StageStatus.IN_PROGRESS: "In progress", StageStatus.NOT_STARTED: "Not started"}[
        status
    ]


ENV.globals["status_label"] = _status_label
#: The stepper's words per state: hidden text a screen reader reads after the stage's title, and the visible label.
ENV.globals["step_words"] = {
    "done": ": completed",
    "current": ": current stage",
    "active": ": in progress",
    "upcoming": ": upcoming",
}
ENV.globals["step_labels"] = {
    "done": "Done",
    "current": "You are here",
    "active": "In progress",
    "upcoming": "Upcoming",
}
