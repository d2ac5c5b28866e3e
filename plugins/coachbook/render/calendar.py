"""The client's calendar: an iCalendar (RFC 5545) file of their sessions and action due dates.

Each client site carries `calendar.ics`, which a client can import once or
subscribe to, so sessions and deadlines appear in the calendar they already
use between meetings.

* **The engagement's status.** After an engagement ended early, the sessions
  and due dates planned beyond its end are left out (`coachbook.core.status`).
* **Only the client view.** The file is made from `visibility.client_view`,
  whatever view the site is planned from, so a coach-only or draft session or
  action can never become an event; the leak audit reads the file as well.
* **Reproducible.** Nothing depends on the wall clock: `DTSTAMP` is midnight
  UTC of the as-of date, and event order and UIDs derive from the engagement,
  so a published version rebuilds byte for byte.
* **Stable UIDs.** A calendar app matches events across refreshes by UID. A
  session's UID derives from its date and time, and an action's from its
  title, so an action that is moved or completed updates the same event
  instead of adding a second one.
* **Floating times.** Engagement files hold clock times without a time zone,
  so session times are written as floating local times (RFC 5545, 3.3.5,
  form 1): they show at the same clock time wherever the reader is. A session
  without a time is an all-day event.
* **In the client's language.** Titles and descriptions are messages of the
  site's language, and dates in them are written the way it writes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable

from icalendar import Calendar, Event, vDuration

from coachbook.core.i18n import N_, Language, english
from coachbook.core.model import Action, ActionStatus, Engagement, Program, Session
from coachbook.core.status import engagement_status
from coachbook.core.visibility import client_view

__all__ = ["CALENDAR_URI", "PRODID", "calendar_bytes", "client_calendar"]

#: Where the file lives in a client's site.
CALENDAR_URI = "calendar.ics"
#: Who made the file (RFC 5545, 3.7.3).
PRODID = "-//Coachbook//Coaching calendar//EN"
#: How often a subscribing calendar should fetch the file again.
REFRESH = dt.timedelta(days=1)
_UID_DOMAIN = "coachbook"
#: An action's status in an event's description, by status.
_STATUS = {
    ActionStatus.OPEN: N_("open"),
    ActionStatus.IN_PROGRESS: N_("in progress"),
    ActionStatus.DONE: N_("done"),
    ActionStatus.DROPPED: N_("dropped"),
}


def client_calendar(
    engagement: Engagement, program: Program, *, slug: str, as_of: dt.date, language: Language | None = None
) -> bytes:
    """The calendar of one client's sessions and action due dates, as the bytes of an `.ics` file.

    Arguments:
        engagement: The engagement; it is cut down to its client view here, so passing the full
            engagement (as the coach view does) still publishes nothing held back.
        program: The program the engagement follows, for stage titles.
        slug: The client's slug; it makes UIDs unique between clients and never appears in clear.
        as_of: The build's as-of date, which becomes every event's `DTSTAMP`.
        language: The language of the events' titles and descriptions; British English by default.

    Returns:
        The file's content: UTF-8 text with CRLF line endings and folded lines, as RFC 5545 requires.
    """
    view = client_view(engagement)
    language = language or english()
    stamp = dt.datetime.combine(as_of, dt.time(0, 0), tzinfo=dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = language.tr("Coaching with %(coach)s", coach=view.coach.name)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add(
        "description",
        language.tr("%(program)s: your coaching sessions and the due dates of your actions.", program=program.title),
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    # An X- property is text to the library, so the duration is written out as RFC 5545 spells it.
    calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode("ascii"))  # type: ignore[no-untyped-call]
    # After an early end, what was planned beyond it will not happen: it leaves the calendar (cancelled
    # sessions stay, marked cancelled, as they always do).
    status = engagement_status(view, as_of)
    sessions = [s for s in view.sessions if s.cancelled or status.keeps(s.date)]
    actions = [a for a in view.actions if a.status is ActionStatus.DONE or status.keeps(a.due)]
    view = view.model_copy(update={"sessions": sessions, "actions": actions})
    for event in _session_events(view, program, slug, stamp, language):
        calendar.add_component(event)
    for event in _action_events(view, slug, stamp, language):
        calendar.add_component(event)
    return calendar_bytes(calendar)


#: icalendar folds a content line of this many octets or more (RFC 5545, 3.1, allows 75 before the line break).
_FOLD_FROM = 75


def calendar_bytes(calendar: Calendar) -> bytes:
    """`calendar.to_ical()`, byte for byte, with the lines that need no folding passed over as they are.

    icalendar folds every content line a character at a time, and a client's calendar has some two hundred
    lines, nearly all short: that was most of the file's cost. A line too short to fold is its UTF-8 bytes,
    so only the long ones are folded, by icalendar itself.
    """
    lines = []
    for line in calendar.content_lines():
        if line:
            raw = line.encode("utf-8")
            lines.append(raw if len(raw) < _FOLD_FROM else line.to_ical())
    return b"\r\n".join(lines) + b"\r\n"


def _session_events(
    view: Engagement, program: Program, slug: str, stamp: dt.datetime, language: Language
) -> Iterable[Event]:
    stages = {stage.id: stage for stage in program.stages}
    seen: Counter[tuple[dt.date, str]] = Counter()
    for session in sorted(view.sessions, key=lambda s: (s.date, s.time or "", s.focus)):
        key = (session.date, session.time or "")
        seen[key] += 1
        event = Event()
        event.add("uid", _uid("session", slug, session.date.isoformat(), session.time or "", str(seen[key])))
        event.add("dtstamp", stamp)
        start, end = _session_span(view, session)
        event.add("dtstart", start)
        event.add("dtend", end)
        summary = (
            language.tr("Cancelled: Coaching session: %(focus)s", focus=session.focus)
            if session.cancelled
            else language.tr("Coaching session: %(focus)s", focus=session.focus)
        )
        event.add("summary", summary)
        lines = [
            language.tr("Focus: %(focus)s", focus=session.focus),
            language.tr("With: %(coach)s", coach=view.coach.name),
        ]
        stage = stages.get(session.stage)
        if stage is not None:
            lines.append(language.tr("Stage %(number)s: %(stage)s", number=stage.number, stage=stage.title))
        if view.cadence.format:
            lines.append(language.tr("Where: %(place)s", place=view.cadence.format))
        event.add("description", "\n".join(lines))
        event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if session.cancelled else "OPAQUE")
        event.add("categories", [language.gettext("Coaching session")])
        yield event


def _session_span(view: Engagement, session: Session) -> tuple[dt.date, dt.date] | tuple[dt.datetime, dt.datetime]:
    if session.time is None:
        return session.date, session.date + dt.timedelta(days=1)
    hours, minutes = (int(part) for part in session.time.split(":"))
    # Naive on purpose: a floating time (see the module's docstring).
    start = dt.datetime.combine(session.date, dt.time(hours, minutes))
    return start, start + dt.timedelta(minutes=view.session_minutes(session))


def _action_events(view: Engagement, slug: str, stamp: dt.datetime, language: Language) -> Iterable[Event]:
    goals = {goal.id: goal.title for goal in view.goals}
    seen: Counter[str] = Counter()
    # A dropped action has no date to keep; done ones stay, so the calendar shows what was achieved when.
    actions: list[Action] = [a for a in view.actions if a.status is not ActionStatus.DROPPED]
    for action in sorted(actions, key=lambda a: (a.due, a.title)):
        seen[action.title] += 1
        event = Event()
        event.add("uid", _uid("action", slug, action.title, str(seen[action.title])))
        event.add("dtstamp", stamp)
        event.add("dtstart", action.due)
        event.add("dtend", action.due + dt.timedelta(days=1))
        done = action.status is ActionStatus.DONE
        event.add(
            "summary",
            language.tr("Action done: %(action)s", action=action.title)
            if done
            else language.tr("Action due: %(action)s", action=action.title),
        )
        status = language.gettext(_STATUS[action.status])
        if done and action.done_on is not None:
            lines = [language.tr("Status: %(status)s, on %(day)s", status=status, day=language.date(action.done_on))]
        else:
            lines = [language.tr("Status: %(status)s", status=status)]
        if action.goal in goals:
            lines.append(language.tr("Goal: %(goal)s", goal=goals[action.goal]))
        if action.support:
            lines.append(language.tr("Support: %(support)s", support=language.items(action.support)))
        event.add("description", "\n".join(lines))
        event.add("status", "CONFIRMED")
        # A due date is a reminder, not a meeting: it does not make the client look busy.
        event.add("transp", "TRANSPARENT")
        event.add("categories", [language.gettext("Coaching action")])
        yield event


def _uid(kind: str, slug: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join((kind, slug, *parts)).encode("utf-8")).hexdigest()[:32]
    return f"{kind}-{digest}@{_UID_DOMAIN}"
