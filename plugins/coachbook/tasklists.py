"""Task-list checkboxes that a screen reader can name.

pymdownx.tasklist writes each item as
`<li class="task-list-item"><label class="task-list-control"><input type="checkbox" disabled/>...</label> text</li>`:
the label holds the box but not the text, so the box has no accessible name
(axe-core's `label` rule, critical), and a screen reader announces a bare
"checkbox, checked". Every stage guide has such lists, and so do the action
plan and the closure page. Pointing each box at its own item with
`aria-labelledby` makes the item's text its name, without changing what
anyone sees.
"""

from __future__ import annotations

import itertools
import re

__all__ = ["name_task_boxes"]

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
