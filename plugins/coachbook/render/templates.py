"""The page templates' Jinja environment: every value a template prints becomes a value token.

Templates live in `templates/pages/`. They are ours and trusted, but the
values they print are not: the environment's `finalize` turns every printed
value into a token (see `coachbook.render.tokens`), so a template cannot put a
raw engagement value into Markdown even by mistake.

Every word a template writes is a message of the site's language (see
`coachbook.core.i18n`), marked the gettext way: `{% trans %}` blocks, with
`{% pluralize %}` where a number decides the form, and `_()` for short
labels. A translation is trusted text, like the template, and a value inside
it (`{% trans name=... %}`) still becomes a token; numbers and dates are
formatted for the language by the `num`, `percent`, `minutes` and `date`
filters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from markupsafe import Markup

from coachbook.core.i18n import N_, Language
from coachbook.render.notes import NoteLinks, render_note
from coachbook.render.tokens import Slots

__all__ = ["ENV", "STEP_LABELS", "STEP_WORDS", "fragment_id", "render_page", "translator"]


@pass_context
def _finalize(context: Any, value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return context["slots"].text(value)


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
    extensions=["jinja2.ext.i18n"],
)
# New-style gettext: a `{% trans %}` block calls `gettext(message, **values)`, and our callables (given to each
# render, for its language and its tokens) fill the values in. Trimmed: a message's line breaks and indents in the
# template are not part of it.
ENV.newstyle_gettext = True  # type: ignore[attr-defined]
ENV.policies["ext.i18n.trimmed"] = True


def fragment_id(value: object) -> Markup:
    """A fragment id: lower-case letters, digits and hyphens only, so it is safe to print as is."""
    return Markup(re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-"))


def _language(context: Any) -> Language:
    language: Language = context["language"]
    return language


@pass_context
def _format_date(context: Any, value: dt.date | None) -> str:
    return _language(context).date(value) if value else ""


@pass_context
def _format_number(context: Any, value: float) -> str:
    return _language(context).number(value)


@pass_context
def _format_percent(context: Any, value: int) -> str:
    return _language(context).percent(value)


@pass_context
def _format_minutes(context: Any, value: int) -> str:
    return _language(context).minutes(value)


@pass_context
def _attribute(context: Any, value: Any) -> Markup:
    slots: Slots = context["slots"]
    return slots.attribute(value)


@pass_context
def _format_items(context: Any, values: Any) -> str:
    return _language(context).items(values)


ENV.filters["attr"] = _attribute
ENV.filters["items"] = _format_items
ENV.filters["date"] = _format_date
ENV.filters["anchor"] = fragment_id
ENV.filters["num"] = _format_number
ENV.filters["percent"] = _format_percent
ENV.filters["minutes"] = _format_minutes


def translator(language: Language, slots: Slots) -> dict[str, Callable[..., Markup]]:
    """The gettext callables of one render: messages in `language`, their values as tokens of `slots`.

    A value that is already Markup (a token, a macro's output, a trusted link target) goes in as it is;
    a number is formatted for the language; anything else becomes a text token.
    """

    def value(item: Any) -> Markup:
        if isinstance(item, Markup):
            return item
        if isinstance(item, int | float) and not isinstance(item, bool):
            return slots.text(language.number(item))
        return slots.text(item)

    def fill(message: str, english: str, values: Mapping[str, Any]) -> Markup:
        if not values and "%" not in message:
            # Most messages are labels: nothing to fill, and `%` would give the message as it is.
            return Markup(message)
        # The translation is trusted text; `%` with Markup values keeps the tokens as they are, and `%%` is `%`.
        tokens = {key: value(item) for key, item in values.items()}
        for text in (message, english):
            try:
                return Markup(text) % tokens
            except (KeyError, ValueError, TypeError):
                # The catalog check keeps such translations out; a message without values may hold a bare `%`.
                continue
        return Markup(english)

    # Positional-only: a message's values may be called anything, `count` and `message` included.
    def gettext(message: str, /, **values: Any) -> Markup:
        return fill(language.gettext(message), message, values)

    def ngettext(singular: str, plural: str, number: int, /, **values: Any) -> Markup:
        english = singular if number == 1 else plural
        return fill(language.ngettext(singular, plural, number), english, {"num": number, **values})

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


def render_page(template: str, slots: Slots, language: Language, **context: Any) -> str:
    """Render one of the page templates in `language`; every value it prints becomes a token of `slots`.

    A `note_links` in the context (`coachbook.render.notes.NoteLinks`) says which page this is and which
    pages the site has, so that a note's links to pages lead to them from here.
    """
    rtl_page = language.direction == "rtl"
    links: NoteLinks | None = context.get("note_links")

    def note(text: str | None) -> Markup:
        return slots.block_html(render_note(text, links, rtl_page=rtl_page)) if text else Markup("")

    def chart(svg: str) -> Markup:
        return slots.block_html(svg)

    def note_inline(text: str | None) -> Markup:
        # For notes inside raw HTML (the wins timeline), where a block token's blank lines would end the block.
        return slots.inline_html(render_note(text, links, rtl_page=rtl_page)) if text else Markup("")

    return ENV.get_template(template).render(
        slots=slots,
        language=language,
        note=note,
        note_inline=note_inline,
        chart=chart,
        **translator(language, slots),
        **context,
    )


#: The stepper's words per state: hidden text a screen reader reads right after the stage's title.
STEP_WORDS = {
    "done": N_(": completed"),
    "current": N_(": current stage"),
    "active": N_(": in progress"),
    "upcoming": N_(": upcoming"),
}
#: The stepper's visible label per state.
STEP_LABELS = {
    "done": N_("Done"),
    "current": N_("You are here"),
    "active": N_("In progress"),
    "upcoming": N_("Upcoming"),
}
#: A link target written in a template, such as `target("closure.md")`: ours, so trusted, and never a token, which
#: MkDocs would take for a page name.
ENV.globals["target"] = Markup
ENV.globals["step_words"] = STEP_WORDS
ENV.globals["step_labels"] = STEP_LABELS
