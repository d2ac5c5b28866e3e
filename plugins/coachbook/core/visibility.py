"""What a client may see: the one rule for coach-only data, applied by construction.

The rule, documented in the README: nothing is published that is

1. under a key named `private`, anywhere in an engagement;
2. an item marked `coach_only: true`;
3. an item marked `draft: true`;
4. inside an HTML comment (`<!-- ... -->`) in any Markdown note.

`client_view` returns a copy of the engagement with all of that removed, and
everything a client site shows is rendered from that copy alone; the full
engagement never reaches a page template. `held_back` lists what was removed,
so the leak audit can prove none of it reached the output anyway.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from coachbook.core.model import Engagement
from coachbook.core.yaml_reader import Loc, dotted

__all__ = ["Secret", "client_view", "held_back", "identifying", "strip_comments"]

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
#: Values with nothing inside to hold back, recognised by their exact type.
_PLAIN: frozenset[type] = frozenset({type(None), bool, int, float, dt.date, dt.datetime})


@dataclass(frozen=True)
class Secret:
    """A piece of text that must not appear in some output, and where it came from."""

    field: str
    """Dotted path of the field in the engagement file, such as `sessions[3].private`."""
    text: str
    reason: str
    """Why it is held back: `private`, `coach_only`, `draft`, `comment` or `identity`."""


def strip_comments(text: str) -> str:
    """Remove HTML comments, including an unterminated one running to the end."""
    return _COMMENT.sub("", text)


def client_view(engagement: Engagement) -> Engagement:
    """The engagement as its client may see it."""
    view, _ = _split(engagement)
    return view


def held_back(engagement: Engagement) -> list[Secret]:
    """Every text the client view leaves out, with the field it came from."""
    _, secrets = _split(engagement)
    return secrets


def identifying(engagement: Engagement) -> list[Secret]:
    """Strings that identify this client, which no other site may contain."""
    c = engagement.client
    out = [Secret("client.name", c.name, "identity"), Secret("client.organisation", c.organisation, "identity")]
    if c.email:
        out.append(Secret("client.email", c.email, "identity"))
    if c.phone:
        out.append(Secret("client.phone", c.phone, "identity"))
    if engagement.sponsor:
        out.append(Secret("sponsor.name", engagement.sponsor.name, "identity"))
        if engagement.sponsor.email:
            out.append(Secret("sponsor.email", engagement.sponsor.email, "identity"))
    if engagement.site.id:
        # The unguessable address keeps the site unguessable only while no other site (the coaches' console
        # links every one) lets it out.
        out.append(Secret("site.id", engagement.site.id, "identity"))
    return out


def _split(engagement: Engagement) -> tuple[Engagement, list[Secret]]:
    secrets: list[Secret] = []
    view = _redact(engagement, (), secrets)
    # Items that pointed at a goal the client cannot see lose the pointer, so
    # the hidden goal's id is not revealed by a dangling reference.
    visible_goals = {g.id for g in view.goals}
    updates: dict[str, Any] = {}
    for name in ("actions", "wins"):
        items = getattr(view, name)
        if any(i.goal and i.goal not in visible_goals for i in items):
            updates[name] = [i.model_copy(update={"goal": None}) if i.goal not in visible_goals else i for i in items]
    return (view.model_copy(update=updates) if updates else view), secrets


def _redact(value: Any, loc: Loc, secrets: list[Secret]) -> Any:
    kind = type(value)
    if kind in _PLAIN or (kind is str and "<!--" not in value):
        return value  # most values of an engagement: nothing inside them to hold back
    if isinstance(value, BaseModel):
        updates: dict[str, Any] = {}
        for name in type(value).model_fields:
            child = getattr(value, name)
            if name == "private":
                if child:
                    secrets.append(Secret(dotted((*loc, name)), child, "private"))
                    updates[name] = None
                continue
            kind = type(child)
            if kind in _PLAIN or (kind is str and "<!--" not in child):
                continue  # most fields: looked at here rather than in a call of their own
            new = _redact(child, (*loc, name), secrets)
            if new is not child:
                updates[name] = new
        return value.model_copy(update=updates) if updates else value
    if isinstance(value, list):
        kept = []
        for index, item in enumerate(value):
            reason = _withheld_reason(item)
            if reason:
                secrets.extend(Secret(f, t, reason) for f, t in _texts(item, (*loc, index)))
                continue
            kept.append(_redact(item, (*loc, index), secrets))
        return kept if len(kept) != len(value) or any(a is not b for a, b in zip(kept, value, strict=True)) else value
    if isinstance(value, dict):
        # A key is text the client reads too (a competency's name in a 360's ratings): its comments are held back
        # like a value's. Two keys that differ only by a comment become one, the later value kept.
        new_dict = {_redact_key(k, loc, secrets): _redact(v, (*loc, k), secrets) for k, v in value.items()}
        same = len(new_dict) == len(value) and all(k in new_dict and new_dict[k] is v for k, v in value.items())
        return value if same else new_dict
    if isinstance(value, str) and "<!--" in value:
        for comment in _COMMENT.findall(value):
            secrets.append(Secret(dotted(loc), comment.removeprefix("<!--").removesuffix("-->").strip(), "comment"))
        return strip_comments(value)
    return value


def _redact_key(key: Any, loc: Loc, secrets: list[Secret]) -> Any:
    """A mapping's key without its comments, and without the spaces they leave, so it still names what it did."""
    redacted = _redact(key, (*loc, key), secrets)
    return redacted.strip() if redacted is not key and isinstance(redacted, str) else redacted


def _withheld_reason(item: Any) -> str | None:
    if getattr(item, "coach_only", False) is True:
        return "coach_only"
    if getattr(item, "draft", False) is True:
        return "draft"
    return None


def _texts(value: Any, loc: Loc) -> list[tuple[str, str]]:
    """Every string inside a withheld item, with its field path."""
    if isinstance(value, BaseModel):
        return [pair for name in type(value).model_fields for pair in _texts(getattr(value, name), (*loc, name))]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _texts(v, (*loc, i))]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in [(dotted((*loc, k)), str(k)), *_texts(v, (*loc, k))]]
    if isinstance(value, str):
        return [(dotted(loc), value)]
    return []
