"""The coach's client coaching log, in the shape the ICF credential application asks for.

An ICF credential application asks for a log of coaching experience: per
client, the name and contact, individual or group coaching (and the number in
the group), the start and end dates of the coaching relationship, and paid
and pro bono hours. Every session is already in the engagement files, so the
log is computed here instead of kept by hand:

* hours come from sessions held (cancelled ones excluded; coach-only ones
  count, they were held), at each session's length, within the period asked
  for and before the as-of date;
* a client is named only with their consent (`coaching_log: listed`);
* clients coached under their organisation's confidentiality policy
  (`coaching_log: organisation`) are grouped per organisation, whose
  verification letter covers their hours;
* everyone else (`unlisted`, the default) is left off and only counted, so the
  totals still add up.

It is pure: the same engagements, coach and dates always give the same log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from coachbook.core.cohort import same_organisation
from coachbook.core.loader import LoadedEngagement
from coachbook.core.model import CoachingLogListing, Engagement

__all__ = ["CoachingLog", "Hours", "LogEntry", "OrganisationGroup", "coaches", "coaching_log", "held_minutes"]


@dataclass(frozen=True)
class Hours:
    """Minutes of coaching, paid and pro bono; shown as hours."""

    paid: int = 0
    pro_bono: int = 0

    @property
    def total(self) -> int:
        return self.paid + self.pro_bono

    def __add__(self, other: Hours) -> Hours:
        return Hours(self.paid + other.paid, self.pro_bono + other.pro_bono)


@dataclass(frozen=True)
class LogEntry:
    """One client the log names, with their consent."""

    slug: str
    name: str
    email: str | None
    phone: str | None
    organisation: str
    group_size: int
    """1 for individual coaching."""
    start: dt.date
    end: dt.date | None
    """The closure's date; None while the relationship goes on."""
    sessions: int
    minutes: Hours

    @property
    def group(self) -> bool:
        return self.group_size > 1


@dataclass(frozen=True)
class OrganisationGroup:
    """Clients coached under one organisation's confidentiality policy: counted under its name, never theirs."""

    organisation: str
    clients: int
    group_clients: int
    """How many of them were coached in a group."""
    start: dt.date
    end: dt.date | None
    """The last closure, once every relationship has ended; None while any goes on."""
    sessions: int
    minutes: Hours


@dataclass(frozen=True)
class CoachingLog:
    """One coach's log over a period."""

    coach: str
    start: dt.date | None
    """The first day counted; None for "since the first session"."""
    end: dt.date
    """The last day counted (the day before the as-of date, unless an earlier one was asked for)."""
    listed: tuple[LogEntry, ...]
    organisations: tuple[OrganisationGroup, ...]
    unlisted_clients: int
    unlisted_sessions: int
    unlisted: Hours
    """Hours of clients who have not agreed to be listed: counted in the totals, named nowhere."""

    @property
    def clients(self) -> int:
        return len(self.listed) + sum(g.clients for g in self.organisations) + self.unlisted_clients

    @property
    def sessions(self) -> int:
        return (
            sum(e.sessions for e in self.listed) + sum(g.sessions for g in self.organisations) + self.unlisted_sessions
        )

    @property
    def totals(self) -> Hours:
        total = self.unlisted
        for entry in self.listed:
            total += entry.minutes
        for group in self.organisations:
            total += group.minutes
        return total


def _same_coach(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def coaches(engagements: Iterable[LoadedEngagement]) -> list[str]:
    """The firm's coaches, by name, each once, in alphabetical order."""
    names: list[str] = []
    for loaded in engagements:
        name = loaded.engagement.coach.name
        if not any(_same_coach(name, known) for known in names):
            names.append(name)
    return sorted(names, key=str.casefold)


def held_minutes(engagement: Engagement, start: dt.date | None, end: dt.date) -> tuple[int, int]:
    """(sessions, minutes) held from `start` to `end`, both included; cancelled sessions do not count."""
    held = [s for s in engagement.sessions if not s.cancelled and s.date <= end and (start is None or s.date >= start)]
    return len(held), sum(engagement.session_minutes(s) for s in held)


def coaching_log(
    engagements: Iterable[LoadedEngagement],
    coach: str,
    *,
    as_of: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> CoachingLog:
    """The log of `coach` (matched by name, ignoring case and spacing) from `start` to `end`.

    Sessions on or after `as_of` have not been held yet, so the log ends the day before it at the latest.
    Clients with no session held in the period are left out.
    """
    last = min(end, as_of - dt.timedelta(days=1)) if end is not None else as_of - dt.timedelta(days=1)
    listed: list[LogEntry] = []
    grouped: dict[str, list[tuple[LoadedEngagement, int, Hours]]] = {}
    unlisted_clients = unlisted_sessions = 0
    unlisted = Hours()
    for loaded in sorted(engagements, key=lambda e: (e.engagement.client.name.casefold(), e.slug)):
        e = loaded.engagement
        if not _same_coach(e.coach.name, coach):
            continue
        sessions, minutes = held_minutes(e, start, last)
        if not sessions:
            continue
        hours = Hours(pro_bono=minutes) if e.pro_bono else Hours(paid=minutes)
        if e.coaching_log is CoachingLogListing.LISTED:
            listed.append(
                LogEntry(
                    slug=loaded.slug,
                    name=e.client.name,
                    email=e.client.email,
                    phone=e.client.phone,
                    organisation=e.client.organisation,
                    group_size=e.group_size,
                    start=e.start,
                    end=_ended(e, last),
                    sessions=sessions,
                    minutes=hours,
                )
            )
        elif e.coaching_log is CoachingLogListing.ORGANISATION:
            key = next((k for k in grouped if same_organisation(k, e.client.organisation)), e.client.organisation)
            grouped.setdefault(key, []).append((loaded, sessions, hours))
        else:
            unlisted_clients += 1
            unlisted_sessions += sessions
            unlisted += hours
    organisations = tuple(_group(name, rows, last) for name, rows in sorted(grouped.items()))
    return CoachingLog(coach, start, last, tuple(listed), organisations, unlisted_clients, unlisted_sessions, unlisted)


def _ended(engagement: Engagement, last: dt.date) -> dt.date | None:
    closure = engagement.closure
    return closure.date if closure is not None and closure.date <= last else None


def _group(name: str, rows: list[tuple[LoadedEngagement, int, Hours]], last: dt.date) -> OrganisationGroup:
    minutes = Hours()
    for _, _, hours in rows:
        minutes += hours
    ends = [_ended(loaded.engagement, last) for loaded, _, _ in rows]
    return OrganisationGroup(
        organisation=name,
        clients=len(rows),
        group_clients=sum(1 for loaded, _, _ in rows if loaded.engagement.group_size > 1),
        start=min(loaded.engagement.start for loaded, _, _ in rows),
        end=None if any(end is None for end in ends) else max(end for end in ends if end is not None),
        sessions=sum(sessions for _, sessions, _ in rows),
        minutes=minutes,
    )
