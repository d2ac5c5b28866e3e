"""A coach's calendar feed: an iCalendar (RFC 5545) file of their sessions across every client.

The coaches' console carries one `coaches/<coach>.ics` per coach, which a
coach subscribes to so that every client's sessions appear in one calendar.
It is made from the console's record (`coachbook.core.console`), so it holds
coach-only sessions too, marked as such: it is the coach's, and it lives only
in the console, which the audit keeps out of every other site. An encrypted
console has none, since the file would be readable by anyone.

It follows the client's calendar (`coachbook.render.calendar`): nothing
depends on the wall clock (`DTSTAMP` is midnight UTC of the as-of date), UIDs
derive from the coach, the client and the session, and times are floating
local times, as engagement files hold no time zone. Its titles and
descriptions are in the console's language, the firm's default.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

from icalendar import Calendar, Event, vDuration

from coachbook.core.console import CoachSession, CoachSummary
from coachbook.core.i18n import Language
from coachbook.render.calendar import REFRESH, calendar_bytes

__all__ = ["PRODID", "coach_calendar", "coach_calendar_uri"]

#: Who made the file (RFC 5545, 3.7.3).
PRODID = "-//Coachbook//Coach's sessions//EN"
_UID_DOMAIN = "coachbook"


def coach_calendar_uri(key: str) -> str:
    """Where a coach's feed lives in the console."""
    return f"coaches/{key}.ics"


def coach_calendar(coach: CoachSummary, language: Language) -> bytes:
    """The feed of every session of `coach`'s engagements, as the bytes of an `.ics` file, in `language`.

    Returns:
        UTF-8 text with CRLF line endings and folded lines, as RFC 5545 requires.
    """
    stamp = dt.datetime.combine(coach.as_of, dt.time(0, 0), tzinfo=dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = language.tr("Coaching sessions: %(coach)s", coach=coach.name)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add(
        "description", language.gettext("Every client's sessions, from the coaches' console. For the coach only.")
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode("ascii"))  # type: ignore[no-untyped-call]
    seen: Counter[tuple[str, dt.date, str]] = Counter()
    for session in coach.sessions:
        key = (session.slug, session.date, session.time or "")
        seen[key] += 1
        calendar.add_component(_event(coach, session, seen[key], stamp, language))
    return calendar_bytes(calendar)


def _event(
    coach: CoachSummary, session: CoachSession, occurrence: int, stamp: dt.datetime, language: Language
) -> Event:
    event = Event()
    parts = (coach.key, session.slug, session.date.isoformat(), session.time or "", str(occurrence))
    digest = hashlib.sha256("\x1f".join(("coach-session", *parts)).encode("utf-8")).hexdigest()[:32]
    event.add("uid", f"coach-session-{digest}@{_UID_DOMAIN}")
    event.add("dtstamp", stamp)
    if session.time is None:
        event.add("dtstart", session.date)
        event.add("dtend", session.date + dt.timedelta(days=1))
    else:
        hours, minutes = (int(part) for part in session.time.split(":"))
        # Naive on purpose: a floating time (see the module's docstring).
        start = dt.datetime.combine(session.date, dt.time(hours, minutes))
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=session.minutes))
    if session.cancelled:
        summary = language.tr("Cancelled: Coaching: %(client)s", client=session.client_name)
    else:
        summary = language.tr("Coaching: %(client)s", client=session.client_name)
    event.add("summary", summary)
    lines = [language.tr("Focus: %(focus)s", focus=session.focus)]
    if session.stage_title:
        lines.append(language.tr("Stage: %(stage)s", stage=session.stage_title))
    if session.where:
        lines.append(language.tr("Where: %(place)s", place=session.where))
    if session.held_back == "coach_only":
        lines.append(language.gettext("Coach only: not in the client's calendar."))
    elif session.held_back == "draft":
        lines.append(language.gettext("Draft: not in the client's calendar yet."))
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if session.cancelled else "OPAQUE")
    event.add("categories", [language.gettext("Coaching session")])
    return event
