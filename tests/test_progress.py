"""Tests for coachbook.core.progress: progress is computed, not typed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from coachbook.core.loader import Project, load_firm, load_programs
from coachbook.core.model import ActionStatus, Engagement, Goal, Program, StageStatus
from coachbook.core.progress import NEXT_ACTIONS, compute_progress, goal_progress
from coachbook.core.visibility import client_view

from .conftest import STAGE_IDS, minimal_engagement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = Project(root=ROOT, content_dir=ROOT / "content", engagements_dir=ROOT / "engagements")
AS_OF = dt.date(2026, 3, 10)


@pytest.fixture(scope="module")
def program() -> Program:
    return load_programs(PROJECT)[0]


def engagement(**fields: Any) -> Engagement:
    """A valid engagement with only the required fields, plus `fields`."""
    return Engagement.model_validate(minimal_engagement(**fields))


def goal(
    gid: str = "g", baseline: float = 0, target: float = 10, readings: list[tuple[str, float]] | None = None
) -> Goal:
    return Goal.model_validate(
        {
            "id": gid,
            "title": "A goal",
            "specific": "s",
            "measurable": "m",
            "achievable": "a",
            "relevant": "r",
            "deadline": "2026-12-01",
            "baseline": baseline,
            "target": target,
            "unit": "points",
            "measurements": [{"date": d, "value": v} for d, v in (readings or [])],
        }
    )


def stages(**statuses: str) -> dict[str, dict[str, str]]:
    """Stage records with dates that satisfy the model, from `stage_id=status` (underscores for hyphens)."""
    out: dict[str, dict[str, str]] = {}
    for key, status in statuses.items():
        record = {"status": status}
        if status != "not-started":
            record["started"] = "2026-01-05"
        if status == "done":
            record["completed"] = "2026-02-01"
        out[key.replace("_", "-")] = record
    return out


# --------------------------------------------------------------------------- stages


@pytest.mark.parametrize(
    ("records", "current", "done", "percent"),
    [
        pytest.param({}, "contracting", 0, 0, id="nothing-started"),
        pytest.param(stages(contracting="in-progress"), "contracting", 0, 0, id="first-in-progress"),
        pytest.param(stages(contracting="done"), "building-rapport", 1, 14, id="first-done-next-not-started"),
        pytest.param(
            stages(contracting="in-progress", building_rapport="in-progress"),
            "building-rapport",
            0,
            0,
            id="overlapping-furthest-in-progress",
        ),
        pytest.param(
            stages(contracting="done", building_rapport="done"), "assessment", 2, 29, id="first-not-done-after-two"
        ),
        pytest.param(stages(contracting="done", assessment="done"), "building-rapport", 2, 29, id="gap-first-not-done"),
        pytest.param(
            stages(contracting="in-progress", goal_setting="done"),
            "contracting",
            1,
            14,
            id="in-progress-beats-first-not-done",
        ),
        pytest.param(
            stages(contracting="done", building_rapport="in-progress", assessment="in-progress", goal_setting="done"),
            "assessment",
            2,
            29,
            id="furthest-of-several-in-progress",
        ),
        pytest.param(
            {s: {"status": "done", "completed": "2026-02-01"} for s in STAGE_IDS[:6]},
            "evaluation-and-closure",
            6,
            86,
            id="six-done",
        ),
        pytest.param(
            {s: {"status": "done", "completed": "2026-02-01"} for s in STAGE_IDS},
            None,
            7,
            100,
            id="all-done",
        ),
    ],
)
def test_current_stage_and_journey(
    program: Program, records: dict[str, Any], current: str | None, done: int, percent: int
) -> None:
    progress = compute_progress(engagement(stages=records), program, AS_OF)
    assert (progress.current.stage.id if progress.current else None) == current
    assert progress.stages_done == done
    assert progress.journey_percent == percent
    assert progress.closed is (current is None)
    assert [s.current for s in progress.stages].count(True) == (0 if current is None else 1)


def test_stage_states_follow_program_order_and_carry_dates(program: Program) -> None:
    records = {
        "contracting": {"status": "done", "started": "2026-01-05", "completed": "2026-01-20"},
        "building-rapport": {"status": "in-progress", "started": "2026-01-19"},
    }
    progress = compute_progress(engagement(stages=records), program, AS_OF)
    assert [s.stage.id for s in progress.stages] == list(STAGE_IDS)
    assert [s.status for s in progress.stages] == [
        StageStatus.DONE,
        StageStatus.IN_PROGRESS,
        *[StageStatus.NOT_STARTED] * 5,
    ]
    first, second, third = progress.stages[:3]
    assert (first.started, first.completed) == (dt.date(2026, 1, 5), dt.date(2026, 1, 20))
    assert (second.started, second.completed) == (dt.date(2026, 1, 19), None)
    assert (third.started, third.completed) == (None, None)
    assert progress.stage_state("building-rapport") is second
    assert progress.current is second


# --------------------------------------------------------------------------- goals


@pytest.mark.parametrize(
    ("baseline", "target", "readings", "fraction", "percent", "achieved", "current"),
    [
        pytest.param(0, 10, [], 0.0, 0, False, 0, id="no-readings-is-baseline"),
        pytest.param(0, 10, [("2026-02-01", 5)], 0.5, 50, False, 5, id="half-way-up"),
        pytest.param(0, 10, [("2026-02-01", 10)], 1.0, 100, True, 10, id="exactly-target"),
        pytest.param(0, 10, [("2026-02-01", 12)], 1.2, 100, True, 12, id="over-achieved-clamped"),
        pytest.param(0, 10, [("2026-02-01", -2)], -0.2, 0, False, -2, id="went-backwards-clamped"),
        pytest.param(2.8, 4.0, [("2026-02-01", 3.9)], (3.9 - 2.8) / 1.2, 92, False, 3.9, id="fractional-up"),
        pytest.param(14, 5, [("2026-02-01", 8)], 6 / 9, 67, False, 8, id="decreasing-two-thirds"),
        pytest.param(14, 5, [("2026-02-01", 5)], 1.0, 100, True, 5, id="decreasing-exactly-target"),
        pytest.param(14, 5, [("2026-02-01", 3)], 11 / 9, 100, True, 3, id="decreasing-over-achieved"),
        pytest.param(14, 5, [("2026-02-01", 16)], -2 / 9, 0, False, 16, id="decreasing-got-worse"),
        pytest.param(0, 6, [("2026-02-01", 1), ("2026-03-01", 3)], 0.5, 50, False, 3, id="latest-reading-counts"),
        pytest.param(0, 6, [("2026-03-01", 3), ("2026-02-01", 1)], 0.5, 50, False, 3, id="latest-by-date-not-order"),
        pytest.param(0, 10, [("2026-02-01", 4), ("2026-03-11", 9)], 0.4, 40, False, 4, id="future-reading-ignored"),
        pytest.param(0, 10, [("2026-03-10", 7)], 0.7, 70, False, 7, id="reading-on-as-of-counts"),
        pytest.param(0, 10, [("2026-04-01", 10)], 0.0, 0, False, 0, id="only-future-readings"),
    ],
)
def test_goal_progress(
    baseline: float,
    target: float,
    readings: list[tuple[str, float]],
    fraction: float,
    percent: int,
    achieved: bool,
    current: float,
) -> None:
    progress = goal_progress(goal(baseline=baseline, target=target, readings=readings), AS_OF)
    assert progress.fraction == pytest.approx(fraction)
    assert progress.percent == percent
    assert progress.achieved is achieved
    assert progress.current_value == current
    assert progress.decreasing is (target < baseline)


def test_goal_progress_keeps_readings_up_to_as_of_oldest_first() -> None:
    g = goal(readings=[("2026-03-01", 3), ("2026-01-15", 1), ("2026-04-01", 9), ("2026-02-01", 2)])
    progress = goal_progress(g, AS_OF)
    assert [(m.date.isoformat(), m.value) for m in progress.measurements] == [
        ("2026-01-15", 1),
        ("2026-02-01", 2),
        ("2026-03-01", 3),
    ]
    assert progress.latest is not None
    assert progress.latest.date == dt.date(2026, 3, 1)


def test_goals_achieved_counts_goals_at_or_past_target(program: Program) -> None:
    goals = [
        goal("reached", readings=[("2026-02-01", 10)]),
        goal("beyond", readings=[("2026-02-01", 11)]),
        goal("short", readings=[("2026-02-01", 9.99)]),
        goal("late", readings=[("2026-04-01", 10)]),
    ]
    progress = compute_progress(engagement(goals=[g.model_dump(mode="json") for g in goals]), program, AS_OF)
    assert [g.goal.id for g in progress.goals] == ["reached", "beyond", "short", "late"]
    assert [g.achieved for g in progress.goals] == [True, True, False, False]
    assert progress.goals_achieved == 2


# --------------------------------------------------------------------------- actions


def action(title: str, due: str, status: str = "open", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"title": title, "due": due, "status": status, **extra}
    if status == "done" and "done_on" not in extra:
        out["done_on"] = due
    return out


@pytest.mark.parametrize(
    ("status", "due", "overdue", "is_open", "days"),
    [
        ("open", "2026-03-09", True, True, -1),
        ("open", "2026-03-10", False, True, 0),
        ("open", "2026-03-11", False, True, 1),
        ("in-progress", "2026-03-01", True, True, -9),
        ("done", "2026-03-01", False, False, -9),
        ("dropped", "2026-03-01", False, False, -9),
        ("open", "2025-12-31", True, True, -69),
    ],
)
def test_action_state_as_of(program: Program, status: str, due: str, overdue: bool, is_open: bool, days: int) -> None:
    progress = compute_progress(engagement(actions=[action("Do it", due, status)]), program, AS_OF)
    (state,) = progress.actions
    assert state.overdue is overdue
    assert state.is_open is is_open
    assert state.days_to_due == days
    assert (state in progress.overdue_actions) is overdue
    assert (state in progress.open_actions) is is_open
    assert (state in progress.done_actions) is (status == "done")


def test_actions_are_sorted_by_due_date_and_grouped(program: Program) -> None:
    actions = [
        action("Later", "2026-04-01"),
        action("Finished", "2026-02-01", "done"),
        action("Late", "2026-03-01", "in-progress"),
        action("Abandoned", "2026-01-15", "dropped"),
        action("Soon", "2026-03-12"),
    ]
    progress = compute_progress(engagement(actions=actions), program, AS_OF)
    assert [a.action.title for a in progress.actions] == ["Abandoned", "Finished", "Late", "Soon", "Later"]
    assert [a.action.title for a in progress.open_actions] == ["Late", "Soon", "Later"]
    assert [a.action.title for a in progress.overdue_actions] == ["Late"]
    assert [a.action.title for a in progress.done_actions] == ["Finished"]
    assert progress.done_actions[0].action.status is ActionStatus.DONE


def test_next_actions_are_the_three_most_urgent_open_ones(program: Program) -> None:
    actions = [
        action("E", "2026-05-01"),
        action("Done early", "2026-01-01", "done"),
        action("Dropped early", "2026-01-02", "dropped"),
        action("B", "2026-03-20", "in-progress"),
        action("D", "2026-04-01"),
        action("A2", "2026-03-01"),
        action("A1", "2026-03-01"),
    ]
    progress = compute_progress(engagement(actions=actions), program, AS_OF)
    assert NEXT_ACTIONS == 3
    # Overdue first (earliest due), ties broken by title; done and dropped never appear.
    assert [a.action.title for a in progress.next_actions] == ["A1", "A2", "B"]


def test_next_actions_with_fewer_than_three_open(program: Program) -> None:
    actions = [action("Only", "2026-06-01"), action("Done", "2026-02-01", "done")]
    progress = compute_progress(engagement(actions=actions), program, AS_OF)
    assert [a.action.title for a in progress.next_actions] == ["Only"]


# --------------------------------------------------------------------------- sessions


def session(day: str, focus: str, **extra: Any) -> dict[str, Any]:
    return {"date": day, "stage": "contracting", "focus": focus, **extra}


def test_sessions_held_before_as_of_and_upcoming_from_as_of(program: Program) -> None:
    sessions = [
        session("2026-03-24", "Later"),
        session("2026-02-10", "First"),
        session("2026-03-10", "Today"),
        session("2026-03-09", "Yesterday"),
        session("2026-02-24", "Cancelled", cancelled=True),
        session("2026-03-17", "Cancelled upcoming", cancelled=True),
    ]
    progress = compute_progress(engagement(sessions=sessions), program, AS_OF)
    assert [s.focus for s in progress.sessions_held] == ["First", "Yesterday"]
    assert [s.focus for s in progress.sessions_upcoming] == ["Today", "Later"]
    assert progress.next_session is not None
    assert progress.next_session.focus == "Today"
    assert progress.sessions_agreed == 8


def test_sessions_on_the_same_day_are_ordered_by_time(program: Program) -> None:
    sessions = [
        session("2026-04-01", "Afternoon", time="14:00"),
        session("2026-04-01", "Morning", time="09:30"),
        session("2026-04-01", "Untimed"),
    ]
    progress = compute_progress(engagement(sessions=sessions), program, AS_OF)
    assert [s.focus for s in progress.sessions_upcoming] == ["Untimed", "Morning", "Afternoon"]


def test_no_upcoming_sessions_means_no_next_session(program: Program) -> None:
    progress = compute_progress(engagement(sessions=[session("2026-01-10", "Past")]), program, AS_OF)
    assert len(progress.sessions_held) == 1
    assert progress.sessions_upcoming == ()
    assert progress.next_session is None


def test_progress_is_pure(program: Program) -> None:
    e = engagement(
        stages=stages(contracting="done"),
        goals=[goal(readings=[("2026-02-01", 5)]).model_dump(mode="json")],
        actions=[action("A", "2026-03-01")],
        sessions=[session("2026-02-01", "S")],
    )
    assert compute_progress(e, program, AS_OF) == compute_progress(e, program, AS_OF)
    later = compute_progress(e, program, dt.date(2026, 1, 1))
    assert later.sessions_held == ()
    assert later.overdue_actions == ()
    assert later.goals[0].percent == 0


# --------------------------------------------------------------------------- the sample firm on 2026-11-24

SAMPLE_AS_OF = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    firm = load_firm(PROJECT)
    return {
        slug: compute_progress(client_view(loaded.engagement), loaded.program, SAMPLE_AS_OF)
        for slug, loaded in firm.engagements.items()
    }


def test_sample_dana_whitfield(sample: dict[str, Any]) -> None:
    p = sample["dana-whitfield"]
    assert p.current.stage.id == "implementation"
    assert (p.stages_done, len(p.stages), p.journey_percent) == (5, 7, 71)
    assert len(p.overdue_actions) == 3
    assert [a.action.due.isoformat() for a in p.overdue_actions] == ["2026-10-30", "2026-11-13", "2026-11-20"]
    assert [a.action.due.isoformat() for a in p.next_actions] == ["2026-10-30", "2026-11-13", "2026-11-20"]
    assert (len(p.sessions_held), p.sessions_agreed) == (12, 16)
    assert p.next_session.date == dt.date(2026, 12, 1)
    assert {g.goal.id: g.percent for g in p.goals} == {
        "step-out-of-escalations": 67,
        "grow-delegation-score": 92,
        "ready-a-successor": 50,
    }
    assert p.goals_achieved == 0
    assert {g.goal.id for g in p.goals if g.decreasing} == {"step-out-of-escalations"}
    assert not p.closed


def test_sample_dana_whitfield_full_engagement_counts_match(sample: dict[str, Any]) -> None:
    # The cancelled session is never held; the draft one is only in the full engagement.
    firm = load_firm(PROJECT)
    loaded = firm.engagements["dana-whitfield"]
    full = compute_progress(loaded.engagement, loaded.program, SAMPLE_AS_OF)
    view = sample["dana-whitfield"]
    assert len(full.sessions_held) == len(view.sessions_held) == 12
    assert len(full.sessions_upcoming) == len(view.sessions_upcoming) + 1
    assert len(full.actions) == len(view.actions) + 1


def test_sample_kwame_asante_is_closed(sample: dict[str, Any]) -> None:
    p = sample["kwame-asante"]
    assert p.current is None
    assert p.closed
    assert (p.stages_done, p.journey_percent) == (7, 100)
    assert p.overdue_actions == ()
    assert p.next_session is None
    assert {g.goal.id: (g.percent, g.achieved) for g in p.goals} == {
        "decide-at-first-pass": (95, False),
        "explain-the-branch-change": (100, True),
    }
    assert p.goals_achieved == 1


def test_sample_sofia_marquez_is_building_rapport(sample: dict[str, Any]) -> None:
    p = sample["sofia-marquez"]
    assert p.current.stage.id == "building-rapport"
    assert (p.stages_done, p.journey_percent) == (1, 14)
    assert p.goals == ()
    assert p.actions == ()
    assert (len(p.sessions_held), p.sessions_agreed) == (1, 10)
    assert p.next_session.date == dt.date(2026, 12, 1)
