"""The sponsor view: progress without content, for the organisation that pays for the coaching.

Sponsors (an HR partner, the client's manager) ask whether the coaching is
moving, not what is said in it. A sponsor site therefore shows the stages
reached, each goal's progress as a percentage, the sessions held against
the sessions agreed, and whether coaching is paused or ended (with the dates,
never the reason), and nothing else: no notes, no feedback, no actions, no
wins, and no wording of a goal marked `confidential`.

It is built the way the rest of Coachbook keeps secrets: the page is rendered
from a `SponsorReport`, a small record computed from the client view, so the
template cannot reach anything else; and the leak audit searches the sponsor
site for every text of the client view the report leaves out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from coachbook.core.model import Engagement, Program
from coachbook.core.progress import compute_progress
from coachbook.core.visibility import client_view

__all__ = [
    "SHOWN_FIELDS",
    "SponsorGoal",
    "SponsorReport",
    "SponsorStage",
    "report_strings",
    "sponsor_key",
    "sponsor_report",
    "wants_sponsor_site",
]

#: Fields of the client view that the sponsor page shows, or that are not prose.
SHOWN_FIELDS = frozenset({"client", "coach", "sponsor", "program", "handbook", "site"})


def sponsor_key(slug: str) -> str:
    """The name a sponsor site's passphrase and password go by; no slug holds `--`, so no client has it."""
    return f"{slug}--sponsor"


def wants_sponsor_site(engagement: Engagement) -> bool:
    return engagement.sponsor is not None and engagement.sponsor.site


@dataclass(frozen=True)
class SponsorStage:
    """One stage as the sponsor sees it: its name and how far the client got."""

    number: int
    title: str
    status: str
    """`done`, `in-progress` or `not-started`."""
    completed: dt.date | None


@dataclass(frozen=True)
class SponsorGoal:
    """One goal as the sponsor sees it: a percentage, and its wording unless it is confidential."""

    label: str
    """The goal's title; empty when the engagement marks it confidential (the page says "Goal 2 (confidential)")."""
    confidential: bool
    percent: int
    achieved: bool
    deadline: dt.date
    number: int = 0
    """The goal's place in the list, from 1: how a confidential goal is named."""


@dataclass(frozen=True)
class SponsorReport:
    """Everything a sponsor site shows, and nothing more."""

    client_name: str
    client_role: str
    organisation: str
    coach_name: str
    sponsor_name: str | None
    program_title: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    stages: tuple[SponsorStage, ...]
    stages_done: int
    journey_percent: int
    closed: bool
    """Every stage is done."""
    goals: tuple[SponsorGoal, ...]
    sessions_held: int
    sessions_agreed: int
    state: str = "active"
    """The engagement's status (`coachbook.core.status`): `active`, `paused`, `ended-early` or `completed`.
    The sponsor learns that coaching paused or ended, and when; never why."""
    since: dt.date | None = None
    """When the pause began, the engagement ended early, or it closed."""
    until: dt.date | None = None
    """Paused: when sessions are planned to start again."""


def sponsor_report(engagement: Engagement, program: Program, as_of: dt.date) -> SponsorReport:
    """The sponsor's record of an engagement, computed from the client view only."""
    view = client_view(engagement)
    progress = compute_progress(view, program, as_of)
    goals = tuple(
        SponsorGoal(
            label="" if g.goal.confidential else g.goal.title,
            confidential=g.goal.confidential,
            percent=g.percent,
            achieved=g.achieved,
            deadline=g.goal.deadline,
            number=i,
        )
        for i, g in enumerate(progress.goals, start=1)
    )
    return SponsorReport(
        client_name=view.client.name,
        client_role=view.client.role,
        organisation=view.client.organisation,
        coach_name=view.coach.name,
        sponsor_name=view.sponsor.name if view.sponsor else None,
        program_title=program.title,
        start=view.start,
        end=view.end,
        as_of=as_of,
        stages=tuple(SponsorStage(s.stage.number, s.stage.title, s.status.value, s.completed) for s in progress.stages),
        stages_done=progress.stages_done,
        journey_percent=progress.journey_percent,
        closed=progress.closed,
        goals=goals,
        sessions_held=len(progress.sessions_held),
        sessions_agreed=progress.sessions_agreed,
        state=progress.status.state.value,
        since=progress.status.since,
        until=progress.status.until,
    )


def report_strings(report: SponsorReport) -> Iterator[str]:
    """Every text the sponsor page shows: the audit does not count these as leaks on a sponsor site."""
    yield from (report.client_name, report.client_role, report.organisation, report.coach_name, report.program_title)
    if report.sponsor_name:
        yield report.sponsor_name
    yield from (s.title for s in report.stages)
    yield from (g.label for g in report.goals if not g.confidential)
