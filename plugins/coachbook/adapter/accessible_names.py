"""Accessible names for the controls that Material and pymdownx leave unnamed.

Task lists: pymdownx.tasklist writes each item as
`<li class="task-list-item"><label class="task-list-control"><input type="checkbox" disabled/>...</label> text</li>`:
the label holds the box but not the text, so the box has no accessible name
(axe-core's `label` rule, critical), and a screen reader announces a bare
"checkbox, checked". Every stage guide has such lists, and so do the action
plan and the closure page. Pointing each box at its own item with
`aria-labelledby` makes the item's text its name, without changing what
anyone sees.

Search: Material's search overlay is `<div class="md-search" role="dialog">`
with no name (axe-core's `aria-dialog-name`, serious). It is given the name
Material itself gives the search field inside it, in the site's language.
Naming it in a copy of Material's `partials/search.html` would mean keeping
that copy in step with every Material release; if Material changes the
markup, this does nothing, and the browser tests say so.
"""

from __future__ import annotations

import itertools
import re

__all__ = ["name_search_dialog", "name_task_boxes"]

_TASK_BOX = re.compile(
    r'<li class="(?P<classes>[^"]*\btask-list-item\b[^"]*)">(?P<para>\s*<p>)?'
    r'<label class="task-list-control"><input type="checkbox"'
)


def name_task_boxes(html: str) -> str:
    """Give each task-list item of a page an id, and its checkbox `aria-labelledby` that id."""
    if "task-list-control" not in html:
        return html
    count = itertools.count(1)

    def named(match: re.Match[str]) -> str:
        item = f"cb-task-{next(count)}"
        return (
            f'<li class="{match["classes"]}" id="{item}">{match["para"] or ""}'
            f'<label class="task-list-control"><input type="checkbox" aria-labelledby="{item}"'
        )

    return _TASK_BOX.sub(named, html)


_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
_SEARCH_FIELD = re.compile(r'<input type="text" class="md-search__input" name="query" aria-label="(?P<name>[^"]*)"')


def name_search_dialog(html: str) -> str:
    """Name Material's search dialog after its search field."""
    if _SEARCH_DIALOG not in html:
        return html
    field = _SEARCH_FIELD.search(html)
    if field is None:
        return html
    named = _SEARCH_DIALOG.removesuffix(">") + f' aria-label="{field["name"]}">'
    return html.replace(_SEARCH_DIALOG, named, 1)
