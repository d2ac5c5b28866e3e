"""The coaches' console: every engagement's state in one record, computed from the full engagements.

The firm's coaches need what no client site shows: every engagement side by
side, which of them need attention, and each coach's sessions across clients.
`firm_overview` works that out, as of a date, from the *full* engagements
(coach-only sessions and actions count: they are the coach's own), so it
holds text that no client, sponsor or handbook site may ever contain. The
console site is rendered from this record alone, and only the console is.

Which engagements need attention is one pure function, `attention`, with
each rule stated as a constant here and tested as a table:

* no session held for more than `QUIET_PERIODS` cadence periods;
* actions past their due date and not done;
* ending within `ENDING_DAYS` days, or already past the planned end, with no closure;
* the agreed sessions used up while the engagement is still active;
* no goal measured for more than `STALE_MEASUREMENT_DAYS` days while a goal is still open.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from coachbook.core.i18n import N_
from coachbook.core.loader import LoadedEngagement
from coachbook.core.model import Engagement, EngagementState
from coachbook.core.progress import Progress, compute_progress
from coachbook.core.versions import Version

__all__ = [
    "CONSOLE_NOTICE",
    "ENDING_DAYS",
    "QUIET_PERIODS",
    "STALE_MEASUREMENT_DAYS",
    "Attention",
    "CoachSession",
    "CoachSummary",
    "Concern",
    "EngagementSummary",
    "FirmOverview",
    "OverdueAction",
    "PublishedVersion",
    "attention",
    "coach_key",
    "firm_overview",
]

#: What every page of the console says first, in the console's language (a message, translated where it is shown).
#: Its sentences, in English and in the language the console is built in, are searched for in every other site,
#: where they can only be if a console page ended up there (`coachbook.audit.needles.console_needles`).
CONSOLE_NOTICE = N_(
    "For the firm's coaches only. This console shows every engagement, coach-only notes included: "
    "never share it, or its address, with a client or a sponsor."
)
#: An active engagement needs attention when no session was held for more than this many cadence periods.
QUIET_PERIODS = 2
#: ... when it ends within this many days and no closure is recorded.
ENDING_DAYS = 30
#: ... when no goal was measured for this many days while one is still open (six weeks: monthly readings, and a week
#: of slack).
STALE_MEASUREMENT_DAYS = 42


class Concern(StrEnum):
    """Why an engagement needs attention."""

    NO_RECENT_SESSION = "no-recent-session"
    OVERDUE_ACTIONS = "overdue-actions"
    ENDING_WITHOUT_CLOSURE = "ending-without-closure"
    PAST_END_WITHOUT_CLOSURE = "past-end-without-closure"
    SESSIONS_USED_UP = "sessions-used-up"
    STALE_MEASUREMENTS = "stale-measurements"


@dataclass(frozen=True)
class Attention:
    """One reason an engagement needs attention, with the facts behind it (the template words them)."""

    concern: Concern
    since: dt.date | None = None
    """The last session, the last measurement, or the planned end, as the concern needs."""
    days: int | None = None
    """Days since `since`, or until the planned end."""
    count: int | None = None
    """Overdue actions, or sessions held."""


@dataclass(frozen=True)
class OverdueAction:
    """An action past its due date, coach-only ones included."""

    title: str
    due: dt.date
    held_back: str | None
    """`coach_only` or `draft` when the client's site does not show it."""


@dataclass(frozen=True)
class CoachSession:
    """One session as the coach's schedule lists it, with whose it is."""

    slug: str
    client_name: str
    coach_name: str
    date: dt.date
    time: str | None
    minutes: int
    focus: str
    stage_title: str | None
    where: str | None
    cancelled: bool
    held_back: str | None
    """`coach_only` or `draft` when the client's site does not show it."""


@dataclass(frozen=True)
class PublishedVersion:
    """One version of the client's site in the published tree."""

    name: str
    title: str
    path: str
    """Its folder, relative to the published tree (`clients/<address>/<name>/`)."""


@dataclass(frozen=True)
class EngagementSummary:
    """One engagement as the console shows it."""

    slug: str
    address: str
    client_name: str
    client_role: str
    organisation: str
    coach_name: str
    coach_key: str
    program_title: str
    status: EngagementState
    current_stage: str | None
    """The current stage's title; None once every stage is done."""
    current_stage_number: int | None
    stages_done: int
    stages_total: int
    sessions_held: int
    sessions_agreed: int
    cadence_weeks: int
    last_session: dt.date | None
    next_session: CoachSession | None
    overdue_actions: tuple[OverdueAction, ...]
    last_measurement: dt.date | None
    start: dt.date
    end: dt.date
    closed_on: dt.date | None
    attention: tuple[Attention, ...]
    sponsor_site: bool
    encrypted: bool | None
    """The engagement's own `site.encrypt`; None when it follows the firm's choice."""
    handbook: str | None
    versions: tuple[PublishedVersion, ...]
    """Newest first."""
    upcoming: tuple[CoachSession, ...]
    coach_notes: str | None
    """The coach's notes on the whole engagement (its top-level `private`)."""


@dataclass(frozen=True)
class CoachSummary:
    """One coach: their engagements and their sessions across clients."""

    name: str
    key: str
    """A URL segment made from the name, for the coach's page and calendar feed."""
    email: str | None
    engagements: tuple[str, ...]
    """Slugs, in the console's order."""
    sessions: tuple[CoachSession, ...]
    """Every session of every engagement of theirs, in date order."""
    as_of: dt.date

    @property
    def upcoming(self) -> tuple[CoachSession, ...]:
        """Sessions on or after the as-of date that are not cancelled."""
        return tuple(s for s in self.sessions if s.date >= self.as_of and not s.cancelled)


@dataclass(frozen=True)
class FirmOverview:
    """Every engagement's state, as of a date: what the console shows, and all it shows."""

    as_of: dt.date
    engagements: tuple[EngagementSummary, ...]
    coaches: tuple[CoachSummary, ...]

    @property
    def needs_attention(self) -> tuple[EngagementSummary, ...]:
        return tuple(e for e in self.engagements if e.attention)

    def coach(self, key: str) -> CoachSummary:
        return next(c for c in self.coaches if c.key == key)


def coach_key(name: str) -> str:
    """A URL segment for a coach, from their name: `Zoë O'Neill` → `zoe-o-neill`."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "coach"


def attention(engagement: Engagement, progress: Progress, status: EngagementState) -> tuple[Attention, ...]:
    """Why this engagement needs attention on `progress.as_of`; empty when it needs none.

    An engagement that is over (completed, or ended early) needs none, and a paused one is not expected to
    have had a recent session. `progress` is computed from the full engagement, so a coach-only action
    that is overdue counts.
    """
    if status in (EngagementState.COMPLETED, EngagementState.ENDED_EARLY):
        return ()
    as_of = progress.as_of
    found: list[Attention] = []
    if engagement.start <= as_of and status is not EngagementState.PAUSED:
        last = progress.sessions_held[-1].date if progress.sessions_held else engagement.start
        quiet = (as_of - last).days
        if quiet > QUIET_PERIODS * 7 * engagement.cadence.every_weeks:
            found.append(Attention(Concern.NO_RECENT_SESSION, since=last, days=quiet))
    if progress.overdue_actions:
        found.append(Attention(Concern.OVERDUE_ACTIONS, count=len(progress.overdue_actions)))
    if engagement.closure is None:
        left = (engagement.end - as_of).days
        if left < 0:
            found.append(Attention(Concern.PAST_END_WITHOUT_CLOSURE, since=engagement.end, days=-left))
        elif left <= ENDING_DAYS:
            found.append(Attention(Concern.ENDING_WITHOUT_CLOSURE, since=engagement.end, days=left))
    if len(progress.sessions_held) >= progress.sessions_agreed:
        found.append(Attention(Concern.SESSIONS_USED_UP, count=len(progress.sessions_held)))
    measured = last_measurement(progress)
    if measured is not None and any(not g.achieved for g in progress.goals):
        stale = (as_of - measured).days
        if stale > STALE_MEASUREMENT_DAYS:
            found.append(Attention(Concern.STALE_MEASUREMENTS, since=measured, days=stale))
    return tuple(found)


def last_measurement(progress: Progress) -> dt.date | None:
    """The date of the latest reading of any goal, up to the as-of date."""
    return max((g.latest.date for g in progress.goals if g.latest is not None), default=None)


def firm_overview(
    engagements: Iterable[LoadedEngagement],
    as_of: dt.date,
    versions: Mapping[str, Sequence[Version]] | None = None,
) -> FirmOverview:
    """The console's record of every engagement, computed from the full engagements.

    Arguments:
        engagements: Every engagement of the firm.
        as_of: The date progress is computed for.
        versions: Each client's published versions, newest first, by the site's address.
    """
    versions = versions or {}
    rows = []
    for loaded in engagements:
        sessions = _sessions(loaded)
        rows.append((_summary(loaded, as_of, versions.get(loaded.address, ()), sessions), loaded, sessions))
    # Those that need attention first, then the active ones, each by client: the order the table opens in.
    rows.sort(key=lambda row: (not row[0].attention, row[0].status is EngagementState.COMPLETED, row[0].client_name))
    # One coach, however their name is spaced or capitalised across files; the first spelling names them.
    coaches: dict[str, list[tuple[EngagementSummary, LoadedEngagement, tuple[CoachSession, ...]]]] = {}
    for row in rows:
        coaches.setdefault(" ".join(row[0].coach_name.split()).casefold(), []).append(row)
    keys = _unique_keys([owned[0][0].coach_name for owned in coaches.values()])
    summaries = []
    for key, owned in zip(keys, coaches.values(), strict=True):
        first = owned[0][1].engagement.coach
        email = next((o[1].engagement.coach.email for o in owned if o[1].engagement.coach.email), None)
        summaries.append(
            CoachSummary(
                name=first.name,
                key=key,
                email=email,
                engagements=tuple(o[0].slug for o in owned),
                sessions=tuple(sorted((s for o in owned for s in o[2]), key=_session_order)),
                as_of=as_of,
            )
        )
    summaries.sort(key=lambda c: c.name.casefold())
    by_name = {" ".join(c.name.split()).casefold(): c.key for c in summaries}
    engagements_out = tuple(_with_key(row[0], by_name[" ".join(row[0].coach_name.split()).casefold()]) for row in rows)
    return FirmOverview(as_of, engagements_out, tuple(summaries))


def _with_key(summary: EngagementSummary, key: str) -> EngagementSummary:
    return summary if summary.coach_key == key else replace(summary, coach_key=key)


def _unique_keys(names: Sequence[str]) -> list[str]:
    """A URL segment per coach, numbered when two names make the same one."""
    keys: list[str] = []
    for name in names:
        key = base = coach_key(name)
        number = 2
        while key in keys:
            key, number = f"{base}-{number}", number + 1
        keys.append(key)
    return keys


def _session_order(session: CoachSession) -> tuple[dt.date, str, str]:
    return session.date, session.time or "", session.client_name


def _held_back(item: object) -> str | None:
    if getattr(item, "coach_only", False):
        return "coach_only"
    if getattr(item, "draft", False):
        return "draft"
    return None


def _sessions(loaded: LoadedEngagement) -> tuple[CoachSession, ...]:
    """Every session of the engagement, cancelled and coach-only ones included, in date order."""
    e = loaded.engagement
    stages = {stage.id: stage.title for stage in loaded.program.stages}
    return tuple(
        sorted(
            (
                CoachSession(
                    slug=loaded.slug,
                    client_name=e.client.name,
                    coach_name=e.coach.name,
                    date=session.date,
                    time=session.time,
                    minutes=e.session_minutes(session),
                    focus=session.focus,
                    stage_title=stages.get(session.stage),
                    where=e.cadence.format,
                    cancelled=session.cancelled,
                    held_back=_held_back(session),
                )
                for session in e.sessions
            ),
            key=_session_order,
        )
    )


def _summary(
    loaded: LoadedEngagement, as_of: dt.date, versions: Sequence[Version], sessions: tuple[CoachSession, ...]
) -> EngagementSummary:
    e = loaded.engagement
    progress = compute_progress(e, loaded.program, as_of)
    status = progress.status.state
    upcoming = tuple(s for s in sessions if s.date >= as_of and not s.cancelled)
    overdue = tuple(OverdueAction(a.action.title, a.action.due, _held_back(a.action)) for a in progress.overdue_actions)
    current = progress.current
    return EngagementSummary(
        slug=loaded.slug,
        address=loaded.address,
        client_name=e.client.name,
        client_role=e.client.role,
        organisation=e.client.organisation,
        coach_name=e.coach.name,
        coach_key=coach_key(e.coach.name),
        program_title=loaded.program.title,
        status=status,
        current_stage=current.stage.title if current else None,
        current_stage_number=current.stage.number if current else None,
        stages_done=progress.stages_done,
        stages_total=len(progress.stages),
        sessions_held=len(progress.sessions_held),
        sessions_agreed=progress.sessions_agreed,
        cadence_weeks=e.cadence.every_weeks,
        last_session=progress.sessions_held[-1].date if progress.sessions_held else None,
        next_session=upcoming[0] if upcoming else None,
        overdue_actions=overdue,
        last_measurement=last_measurement(progress),
        start=e.start,
        end=e.end,
        closed_on=e.closure.date if e.closure else None,
        attention=attention(e, progress, status),
        sponsor_site=bool(e.sponsor and e.sponsor.site),
        encrypted=e.site.encrypt,
        handbook=e.handbook,
        versions=tuple(PublishedVersion(v.name, v.title, f"clients/{loaded.address}/{v.name}/") for v in versions),
        upcoming=upcoming,
        coach_notes=e.private,
    )
