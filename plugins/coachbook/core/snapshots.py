"""What a published version was built from, kept for the next version's "What changed" page.

A snapshot holds the client view (never the full engagement) and the as-of
date. It lives in `.coachbook/snapshots/`, beside the project and never in the
served tree, because an encrypted site's snapshot would otherwise sit next to
it in plaintext.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from coachbook.core.files import write_atomic
from coachbook.core.model import Engagement

__all__ = ["Snapshot", "read_snapshot", "write_snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """What a published version was built from: the client view (never the full engagement) and the date."""

    engagement: Engagement
    as_of: dt.date
    title: str


def read_snapshot(path: Path) -> Snapshot | None:
    """The snapshot at `path`, or None when it is missing (published on another machine) or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Snapshot(
            Engagement.model_validate(data["engagement"]), dt.date.fromisoformat(data["as_of"]), str(data["title"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_snapshot(path: Path, view: Engagement, as_of: dt.date, title: str) -> None:
    data = {"as_of": as_of.isoformat(), "title": title, "engagement": view.model_dump(mode="json")}
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
