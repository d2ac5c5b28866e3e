"""The coaches' console: the status rule, the attention rules (tables), and the overview of the sample firm."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coachbook.core.console import (
    ENDING_DAYS,
    QUIET_PERIODS,
    STALE_MEASUREMENT_DAYS,
    Concern,
    attention,
    coach_key,
    firm_overview,
)
from coachbook.core.firm_sites import Protection, firm_sites
from coachbook.core.loader import Firm, Project, load_firm, load_programs
from coachbook.core.model import Engagement, EngagementState, Program
from coachbook.core.progress import compute_progress
from coachbook.core.status import engagement_status
from coachbook.errors import CoachbookError

from .conftest import REPO, STAGE_IDS, minimal_engagement

AS_OF = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def program() -> Program:
    return load_programs(Project(REPO, REPO / "content", REPO / "engagements"))[0]


@pytest.fixture(scope="module")
def sample() -> Firm:
    return load_firm(Project(REPO, REPO / "content", REPO / "engagements"))


def _session(day: str, **fields: Any) -> dict[str, Any]:
    return {"date": day, "stage": "implementation", "focus": "A session", **fields}


def _goal(readings: list[tuple[str, float]], target: float = 10) -> dict[str, Any]:
    return {
        "id": "g",
        "title": "A goal",
        "specific": "s",
        "measurable": "m",
        "achievable": "a",
        "relevant": "r",
        "deadline": "2027-03-01",
        "baseline": 0,
        "target": target,
        "unit": "points",
        "measurements": [{"date": d, "value": v} for d, v in readings],
    }


def _engagement(**fields: Any) -> Engagement:
    data = minimal_engagement(**{"start": "2026-09-01", "end": "2027-03-26", **fields})
    return Engagement.model_validate(data)


def _all_done() -> dict[str, dict[str, str]]:
    return {s: {"status": "done", "started": "2026-09-01", "completed": "2026-11-01"} for s in STAGE_IDS}


# --------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, EngagementState.ACTIVE),
        # Every stage done, the closure still to be written: the engagement runs until it is.
        ({"stages": _all_done()}, EngagementState.ACTIVE),
        (
            {"closure": {"date": "2026-11-20", "reflection": "r", "growth_plan": ["keep going"]}},
            EngagementState.COMPLETED,
        ),
        # A closure after the as-of date has not happened yet.
        (
            {"closure": {"date": "2026-12-20", "reflection": "r", "growth_plan": ["keep going"]}},
            EngagementState.ACTIVE,
        ),
        ({"status": {"state": "paused", "date": "2026-11-01"}}, EngagementState.PAUSED),
        (
            {"status": {"state": "ended-early", "date": "2026-11-01", "reason": "A new role"}},
            EngagementState.ENDED_EARLY,
        ),
    ],
    ids=["active", "every-stage-done", "closed", "closure-still-ahead", "paused", "ended-early"],
)
def test_engagement_status(program: Program, fields: dict[str, Any], expected: EngagementState) -> None:
    e = _engagement(**fields)
    assert engagement_status(e, AS_OF).state is expected
    assert compute_progress(e, program, AS_OF).status.state is expected


# --------------------------------------------------------------------------- attention, as a table


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # A session 28 days ago is within two periods; 29 days is not.
        ({"sessions": [_session("2026-10-27")]}, []),
        ({"sessions": [_session("2026-10-26")]}, [(Concern.NO_RECENT_SESSION, 29, None)]),
        # Cancelled sessions were not held; with none held, the clock starts at the engagement's start.
        (
            {"sessions": [_session("2026-11-20", cancelled=True), _session("2026-10-01")]},
            [(Concern.NO_RECENT_SESSION, 54, None)],
        ),
        ({"sessions": [_session("2026-11-20", coach_only=True)]}, []),
        # An engagement that has not started yet has not gone quiet.
        ({"start": "2026-12-01", "end": "2027-06-01"}, []),
        # Overdue actions, coach-only ones included; done and dropped ones never are.
        (
            {
                "sessions": [_session("2026-11-20")],
                "actions": [
                    {"title": "a", "due": "2026-11-01"},
                    {"title": "b", "due": "2026-11-10", "coach_only": True},
                    {"title": "c", "due": "2026-11-01", "status": "done", "done_on": "2026-11-01"},
                    {"title": "d", "due": "2026-11-01", "status": "dropped"},
                    {"title": "e", "due": "2026-11-24"},
                ],
            },
            [(Concern.OVERDUE_ACTIONS, None, 2)],
        ),
        # Ending: on the 30th day it counts, on the 31st not yet; after the end, it is past due.
        ({"sessions": [_session("2026-11-20")], "end": "2026-12-24"}, [(Concern.ENDING_WITHOUT_CLOSURE, 30, None)]),
        ({"sessions": [_session("2026-11-20")], "end": "2026-12-25"}, []),
        (
            {"sessions": [_session("2026-11-20")], "start": "2026-06-01", "end": "2026-11-20"},
            [(Concern.PAST_END_WITHOUT_CLOSURE, 4, None)],
        ),
        # Sessions used up: held (not planned) sessions reach the agreed number.
        (
            {
                "agreement": {"sessions": 2, "confidentiality": "c", "logistics": "l"},
                "sessions": [_session("2026-11-10"), _session("2026-11-20")],
            },
            [(Concern.SESSIONS_USED_UP, None, 2)],
        ),
        (
            {
                "agreement": {"sessions": 2, "confidentiality": "c", "logistics": "l"},
                "sessions": [_session("2026-11-20"), _session("2026-12-01")],
            },
            [],
        ),
        # Stale measurements: an open goal last read more than six weeks ago.
        (
            {"sessions": [_session("2026-11-20")], "goals": [_goal([("2026-10-13", 3)])]},
            [],
        ),
        (
            {"sessions": [_session("2026-11-20")], "goals": [_goal([("2026-10-12", 3)])]},
            [(Concern.STALE_MEASUREMENTS, 43, None)],
        ),
        # An achieved goal needs no more readings; a goal never measured has its baseline as its reading.
        ({"sessions": [_session("2026-11-20")], "goals": [_goal([("2026-06-01", 10)])]}, []),
        ({"sessions": [_session("2026-11-20")], "goals": [_goal([])]}, []),
        # A completed engagement needs nothing, whatever else is true.
        (
            {
                "stages": _all_done(),
                "actions": [{"title": "a", "due": "2026-10-01"}],
                "closure": {"date": "2026-11-20", "reflection": "r", "growth_plan": ["keep going"]},
            },
            [],
        ),
    ],
    ids=[
        "session-28-days-ago",
        "session-29-days-ago",
        "cancelled-not-held",
        "coach-only-session-held",
        "not-started",
        "overdue-actions",
        "ending-in-30-days",
        "ending-in-31-days",
        "past-the-end",
        "sessions-used-up",
        "sessions-planned-not-held",
        "measured-42-days-ago",
        "measured-43-days-ago",
        "goal-achieved",
        "goal-never-measured",
        "completed",
    ],
)
def test_attention(
    program: Program, fields: dict[str, Any], expected: list[tuple[Concern, int | None, int | None]]
) -> None:
    e = _engagement(**fields)
    progress = compute_progress(e, program, AS_OF)
    found = attention(e, progress, progress.status.state)
    assert [(a.concern, a.days, a.count) for a in found] == expected


def test_the_rules_thresholds_are_as_documented() -> None:
    assert (QUIET_PERIODS, ENDING_DAYS, STALE_MEASUREMENT_DAYS) == (2, 30, 42)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Priya Raman", "priya-raman"),
        ("Zoë O'Neill", "zoe-o-neill"),
        ("  Tom   Becker ", "tom-becker"),
        ("李", "coach"),
    ],
)
def test_coach_key(name: str, key: str) -> None:
    assert coach_key(name) == key


# --------------------------------------------------------------------------- the sample firm


def test_the_sample_firms_overview(sample: Firm) -> None:
    overview = firm_overview(sample.engagements.values(), AS_OF)
    rows = {e.slug: e for e in overview.engagements}
    # Figures worked out by hand from the engagement files.
    dana = rows["dana-whitfield"]
    assert (dana.current_stage, dana.sessions_held, dana.sessions_agreed) == ("Implementation", 12, 16)
    assert dana.next_session is not None and dana.next_session.date == dt.date(2026, 12, 1)
    assert (len(dana.overdue_actions), dana.last_measurement) == (3, dt.date(2026, 11, 20))
    # The coach-only draft session is in the console, marked.
    assert [(s.date, s.held_back) for s in dana.upcoming][-1] == (dt.date(2027, 1, 26), "draft")
    assert rows["kwame-asante"].status is EngagementState.COMPLETED and not rows["kwame-asante"].attention
    # Tomasz's only overdue action is coach-only: the console counts it, his site does not.
    assert [(a.title, a.held_back) for a in rows["tomasz-kowal"].overdue_actions] == [
        ("Send Tomasz the short article on coaching questions for shift leads", "coach_only")
    ]
    concerns = {e.slug: [a.concern for a in e.attention] for e in overview.needs_attention}
    assert concerns == {
        "dana-whitfield": [Concern.OVERDUE_ACTIONS],
        "grace-whitcombe": [Concern.NO_RECENT_SESSION, Concern.OVERDUE_ACTIONS, Concern.STALE_MEASUREMENTS],
        # The German client the languages work added to the sample firm has one action past its due date.
        "jonas-brandt": [Concern.OVERDUE_ACTIONS],
        "mariam-haddad": [Concern.ENDING_WITHOUT_CLOSURE, Concern.SESSIONS_USED_UP],
        "tomasz-kowal": [Concern.OVERDUE_ACTIONS],
    }
    # Those that need attention open the table.
    assert [e.slug for e in overview.engagements[: len(concerns)]] == list(concerns)
    coaches = {c.key: c for c in overview.coaches}
    # Katrin Albers coaches Jonas Brandt, the German client the languages work added.
    assert sorted(coaches) == ["katrin-albers", "priya-raman", "tom-becker"]
    assert coaches["katrin-albers"].engagements == ("jonas-brandt",)
    assert coaches["priya-raman"].engagements == (
        "dana-whitfield",
        "grace-whitcombe",
        "mariam-haddad",
        "shona-macleod",
        "kwame-asante",
    )
    upcoming = [(s.date, s.slug) for s in coaches["tom-becker"].upcoming]
    assert upcoming[:2] == [(dt.date(2026, 11, 25), "marcus-oyelaran"), (dt.date(2026, 12, 1), "sofia-marquez")]


# --------------------------------------------------------------------------- the firm's options


@pytest.mark.parametrize(
    ("console", "cohorts", "minimum", "error"),
    [
        ({"enabled": False}, [], 5, None),
        ({"enabled": True, "protect": "password"}, [], 5, None),
        ({"enabled": True, "protect": "encrypt"}, [], 3, None),
        ({"enabled": True, "protect": None}, [], 5, "so it is not built until you choose how it is protected"),
        ({"enabled": True}, [], 5, "`protect: password`"),
        (None, [], 2, "cohort_minimum is 2, but a cohort report needs at least 3"),
        (None, [{"organisation": ""}], 5, "cohorts[0]: name the organisation"),
        (None, [{"organisation": "Acme", "address": "Acme Ltd"}], 5, "cohorts[0].address: 'Acme Ltd' cannot be"),
        (None, [{"organisation": "Acme"}, {"organisation": " acme "}], 5, "cohorts[1]: 'acme' is listed twice"),
        (
            None,
            [{"organisation": "Acme"}, {"organisation": "Beta", "address": "acme"}],
            5,
            "'acme' is already the address of 'Acme'",
        ),
    ],
)
def test_firm_sites_options(
    console: dict[str, Any] | None, cohorts: list[dict[str, Any]], minimum: int, error: str | None
) -> None:
    if error is None:
        sites = firm_sites(console=console, cohorts=cohorts, cohort_minimum=minimum)
        assert (sites.console.protect if sites.console else None) in (None, *Protection)
        return
    with pytest.raises(CoachbookError, match=r"^mkdocs\.yml: plugins\.coachbook") as info:
        firm_sites(console=console, cohorts=cohorts, cohort_minimum=minimum)
    assert error in str(info.value)


def test_a_cohorts_address_is_made_from_its_name() -> None:
    sites = firm_sites(console=None, cohorts=[{"organisation": "Halden  Logistics"}], cohort_minimum=5)
    assert [(c.organisation, c.address) for c in sites.cohorts] == [("Halden Logistics", "halden-logistics")]
