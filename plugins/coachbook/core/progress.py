"""Progress is computed, not typed.

From an engagement and an as-of date this works out where the client is in
the journey, how far each goal has moved, which actions are overdue and what
comes next. It is pure: the same engagement and date always give the same
answer, which is what makes a build reproducible with `--as-of`.

It is always run on the *client view* of an engagement (see
`coachbook.core.visibility`), so counts and lists never reveal that a coach-only
item exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from coachbook.core.model import (
    Action,
    ActionStatus,
    Engagement,
    Goal,
    Measurement,
    Program,
    Session,
    Stage,
    StageStatus,
)
from coachbook.core.status import EngagementStatus, engagement_status

__all__ = ["ActionState", "GoalProgress", "Progress", "StageState", "compute_progress"]

#: How many open actions the dashboard puts first.
NEXT_ACTIONS = 3


@dataclass(frozen=True)
class StageState:
    """One stage of the program as this client stands on it."""

    stage: Stage
    status: StageStatus
    started: dt.date | None
    completed: dt.date | None
    current: bool


@dataclass(frozen=True)
class GoalProgress:
    """How far a goal has moved from its baseline towards its target."""

    goal: Goal
    measurements: tuple[Measurement, ...]
    """Readings up to the as-of date, oldest first."""
    latest: Measurement | None
    fraction: float
    """Share of the way from baseline to target; may exceed 1 or fall below 0."""
    achieved: bool

    @property
    def percent(self) -> int:
        """Progress for display, held between 0 and 100."""
        return round(min(max(self.fraction, 0.0), 1.0) * 100)

    @property
    def current_value(self) -> float:
        return self.latest.value if self.latest else self.goal.baseline

    @property
    def decreasing(self) -> bool:
        """True when success means the number going down (fewer hours, fewer escalations)."""
        return self.goal.target < self.goal.baseline


@dataclass(frozen=True)
class ActionState:
    """An action with its standing on the as-of date."""

    action: Action
    overdue: bool
    days_to_due: int
    """Negative when overdue."""

    @property
    def is_open(self) -> bool:
        return self.action.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Progress:
    """Everything the dashboard and summaries say about progress."""

    as_of: dt.date
    stages: tuple[StageState, ...]
    current: StageState | None
    """The stage the client is in; None once every stage is done."""
    stages_done: int
    goals: tuple[GoalProgress, ...]
    actions: tuple[ActionState, ...]
    sessions_agreed: int
    sessions_held: tuple[Session, ...]
    sessions_upcoming: tuple[Session, ...]
    status: EngagementStatus
    """Where the engagement stands as a whole (`coachbook.core.status`): active, paused, ended early or completed."""

    @property
    def journey_percent(self) -> int:
        return round(100 * self.stages_done / len(self.stages))

    @property
    def closed(self) -> bool:
        return self.current is None

    @property
    def open_actions(self) -> tuple[ActionState, ...]:
        return tuple(a for a in self.actions if a.is_open)

    @property
    def overdue_actions(self) -> tuple[ActionState, ...]:
        return tuple(a for a in self.actions if a.overdue)

    @property
    def done_actions(self) -> tuple[ActionState, ...]:
        return tuple(a for a in self.actions if a.action.status is ActionStatus.DONE)

    @property
    def next_actions(self) -> tuple[ActionState, ...]:
        """The most urgent open actions: overdue first, then by due date."""
        return tuple(sorted(self.open_actions, key=lambda a: (a.action.due, a.action.title))[:NEXT_ACTIONS])

    @property
    def coming_actions(self) -> tuple[ActionState, ...]:
        """The next open actions whose date is still ahead (or today), soonest first: the client's next steps.

        What slipped is said apart, calmly, with a way back (`overdue_actions`), so that the dashboard leads
        with what the client can do next rather than with what they missed.
        """
        ahead = [a for a in self.open_actions if not a.overdue]
        return tuple(sorted(ahead, key=lambda a: (a.action.due, a.action.title))[:NEXT_ACTIONS])

    @property
    def all_stages_done(self) -> bool:
        return self.stages_done == len(self.stages)

    @property
    def next_session(self) -> Session | None:
        return self.sessions_upcoming[0] if self.sessions_upcoming else None

    @property
    def goals_achieved(self) -> int:
        return sum(1 for g in self.goals if g.achieved)

    def stage_state(self, stage_id: str) -> StageState:
        return next(s for s in self.stages if s.stage.id == stage_id)


def compute_progress(engagement: Engagement, program: Program, as_of: dt.date) -> Progress:
    """Work out the client's progress on `as_of`.

    The engagement's status decides what counts: while coaching is paused or after it ended, a date that
    passed is not an overdue action, and once it ended nothing is coming up.
    """
    status = engagement_status(engagement, as_of)
    stages = _stage_states(engagement, program)
    current = next((s for s in stages if s.current), None)
    sessions = sorted((s for s in engagement.sessions if not s.cancelled), key=lambda s: (s.date, s.time or ""))
    return Progress(
        as_of=as_of,
        stages=stages,
        current=current,
        stages_done=sum(1 for s in stages if s.status is StageStatus.DONE),
        goals=tuple(goal_progress(g, as_of) for g in engagement.goals),
        actions=tuple(_action_state(a, as_of, status) for a in sorted(engagement.actions, key=lambda a: a.due)),
        sessions_agreed=engagement.agreement.sessions,
        sessions_held=tuple(s for s in sessions if s.date < as_of and status.keeps(s.date)),
        sessions_upcoming=() if status.ended else tuple(s for s in sessions if s.date >= as_of),
        status=status,
    )


def _stage_states(engagement: Engagement, program: Program) -> tuple[StageState, ...]:
    records = [engagement.stages.get(stage.id) for stage in program.stages]
    statuses = [r.status if r else StageStatus.NOT_STARTED for r in records]
    # The current stage is the furthest one in progress (stages may overlap,
    # as rapport does with contracting); with none in progress, it is the
    # first stage not done yet; with every stage done, there is none.
    in_progress = [i for i, s in enumerate(statuses) if s is StageStatus.IN_PROGRESS]
    not_done = [i for i, s in enumerate(statuses) if s is not StageStatus.DONE]
    current = in_progress[-1] if in_progress else (not_done[0] if not_done else None)
    return tuple(
        StageState(
            stage=stage,
            status=status,
            started=record.started if record else None,
            completed=record.completed if record else None,
            current=index == current,
        )
        for index, (stage, status, record) in enumerate(zip(program.stages, statuses, records, strict=True))
    )


def goal_progress(goal: Goal, as_of: dt.date) -> GoalProgress:
    """A goal's progress from the readings taken up to `as_of`."""
    readings = tuple(sorted((m for m in goal.measurements if m.date <= as_of), key=lambda m: m.date))
    latest = readings[-1] if readings else None
    value = latest.value if latest else goal.baseline
    span = goal.target - goal.baseline
    # The loader refuses a target equal to its baseline (`coachbook.core.rules`); a model made in code is not checked.
    fraction = (value - goal.baseline) / span if span else 0.0
    return GoalProgress(goal=goal, measurements=readings, latest=latest, fraction=fraction, achieved=fraction >= 1.0)


def _action_state(action: Action, as_of: dt.date, status: EngagementStatus) -> ActionState:
    is_open = action.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    overdue = is_open and action.due < as_of and status.counts_overdue
    return ActionState(action=action, overdue=overdue, days_to_due=(action.due - as_of).days)
