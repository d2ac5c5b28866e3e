"""What changed between two published versions of a client's site.

A client who opens a new version of their site wants to know what is new
without re-reading every page. `compare` works that out from two engagement
snapshots and `changes_page` turns it into the "What changed" page.

Both snapshots must be *client views* (`visibility.client_view`): the
comparison only ever sees what the client may see, so neither a coach-only
item nor the fact that one appeared or went away can show up here. Old
wording that this page repeats (a goal's previous title, a removed action)
was already published to the same client in the previous version; a goal or
action the coach has held back since is left out of the previous version
too (`without_withheld`), so the page does not repeat what was withdrawn.

Like `coachbook.core.progress`, this is pure: the same two snapshots and dates
always give the same page, so a republished version is reproducible.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from markupsafe import Markup

from coachbook.core.i18n import N_, Language, english
from coachbook.core.model import (
    Action,
    ActionStatus,
    Engagement,
    Goal,
    Measurement,
    Program,
    Review,
    Session,
    Stage,
    StageStatus,
    Win,
)
from coachbook.core.progress import ActionState, GoalProgress, Progress, compute_progress
from coachbook.render.embed import page_url
from coachbook.render.templates import render_page
from coachbook.render.tokens import Slots

__all__ = [
    "ActionReschedule",
    "Changes",
    "FieldChange",
    "GoalMovement",
    "GoalRevision",
    "StageChange",
    "changes_page",
    "compare",
    "without_withheld",
]

_T = TypeVar("_T")
_Dated = TypeVar("_Dated", Review, Win)

#: The goal fields whose wording the client reads, in the order the goals page shows them, with their labels
#: (messages, translated on the page).
GOAL_FIELDS: tuple[tuple[str, str], ...] = (
    ("title", N_("Goal")),
    ("specific", N_("Specific")),
    ("measurable", N_("Measurable")),
    ("achievable", N_("Achievable")),
    ("relevant", N_("Relevant")),
    ("deadline", N_("Target date")),
    ("baseline", N_("Baseline")),
    ("target", N_("Target")),
    ("unit", N_("Unit")),
    ("values", N_("Values it serves")),
)


@dataclass(frozen=True)
class StageChange:
    """How the client moved through the program's stages."""

    previous: Stage | None
    """The current stage in the previous version; None if every stage was already done."""
    current: Stage | None
    """The current stage now; None once every stage is done."""
    completed: tuple[Stage, ...]
    """Stages done now that were not done before, in program order (may include `previous`)."""

    @property
    def moved(self) -> bool:
        """True when the current stage is a different one, not only a finished overlapping stage."""
        return _stage_id(self.previous) != _stage_id(self.current)


@dataclass(frozen=True)
class FieldChange:
    """One field of a goal, worded before and now, both already formatted for reading."""

    field: str
    """The model field, such as `measurable`."""
    label: str
    """What the page calls the field, such as "Measurable" (in English, translated on the page)."""
    old: str
    new: str


@dataclass(frozen=True)
class GoalRevision:
    """A goal whose wording, numbers or date changed."""

    goal: Goal
    """The goal as it reads now."""
    changes: tuple[FieldChange, ...]
    """Changed fields in `GOAL_FIELDS` order; never empty."""


@dataclass(frozen=True)
class GoalMovement:
    """A goal whose readings moved since the previous version."""

    old: GoalProgress
    new: GoalProgress
    readings: tuple[Measurement, ...]
    """Readings that the previous version did not show, oldest first."""

    @property
    def goal(self) -> Goal:
        return self.new.goal


@dataclass(frozen=True)
class ActionReschedule:
    """An open action whose due date moved."""

    action: ActionState
    """The action as it stands now."""
    old_due: dt.date


@dataclass(frozen=True)
class Changes:
    """Everything the "What changed" page reports, one tuple per kind of change.

    A kind that did not change is an empty tuple (or None for `stage`), so the
    page shows a section only when there is something in it.
    """

    first: bool
    """True when there is no previous version; every other field is then empty."""
    as_of: dt.date
    """The as-of date of this version."""
    previous_as_of: dt.date | None
    """The as-of date of the previous version; None for the first version."""
    stage: StageChange | None
    """None when the current stage is the same and no stage was completed."""
    goals_added: tuple[GoalProgress, ...]
    goals_achieved: tuple[GoalProgress, ...]
    """Goals shown before that reached their target since (added goals already achieved are not repeated here)."""
    goals_revised: tuple[GoalRevision, ...]
    goals_removed: tuple[Goal, ...]
    """Goals the previous version showed and this one does not, as they read then."""
    goals_moved: tuple[GoalMovement, ...]
    actions_completed: tuple[ActionState, ...]
    actions_added: tuple[ActionState, ...]
    actions_overdue: tuple[ActionState, ...]
    """Actions overdue now that were not overdue as of the previous version (added actions are not repeated here)."""
    actions_rescheduled: tuple[ActionReschedule, ...]
    actions_dropped: tuple[ActionState, ...]
    """Actions whose status became `dropped`; they are still on the plan, struck through."""
    actions_removed: tuple[Action, ...]
    """Actions the previous version showed and this one does not, as they read then."""
    sessions_held: tuple[Session, ...]
    reviews_done: tuple[Review, ...]
    wins: tuple[Win, ...]
    goal_titles: Mapping[str, str] = field(default_factory=dict, hash=False)
    """Title of each goal shown now, by id, so an action line can name its goal."""

    @property
    def empty(self) -> bool:
        """True when there is nothing to list: nothing changed, or this is the first version."""
        return self.stage is None and not (
            self.goals_changed or self.actions_changed or self.sessions_held or self.reviews_done or self.wins
        )

    @property
    def goals_changed(self) -> bool:
        return any((self.goals_added, self.goals_achieved, self.goals_revised, self.goals_removed, self.goals_moved))

    @property
    def actions_changed(self) -> bool:
        return any(
            (
                self.actions_completed,
                self.actions_added,
                self.actions_overdue,
                self.actions_rescheduled,
                self.actions_dropped,
                self.actions_removed,
            )
        )


def without_withheld(old: Engagement, engagement: Engagement, view: Engagement) -> Engagement:
    """The previous version's client view, less the goals and actions the coach has held back since.

    A goal or action the client saw, and that the coach has since made coach-only or a draft, is gone from
    the client view, so `compare` would list it as no longer on the plan, with its wording: exactly what
    holding it back was for. Left out of both sides, it leaves the page without a word (a deleted item is
    still listed as gone). Goals are told by their id; actions by their title, as many of each title as
    are held back now.

    Arguments:
        old: The client view of the previous version.
        engagement: The engagement as it is now, with what it holds back.
        view: Its client view (`visibility.client_view(engagement)`).
    """
    shown_goals = {goal.id for goal in view.goals}
    withheld_goals = {goal.id for goal in engagement.goals} - shown_goals
    withheld_actions = Counter(action.title for action in engagement.actions)
    withheld_actions.subtract(action.title for action in view.actions)
    if not withheld_goals and not +withheld_actions:
        return old
    actions = []
    for action in old.actions:
        if withheld_actions[action.title] > 0:
            withheld_actions[action.title] -= 1
            continue
        actions.append(action)
    goals = [goal for goal in old.goals if goal.id not in withheld_goals]
    return old.model_copy(update={"goals": goals, "actions": actions})


def compare(
    old: Engagement | None,
    new: Engagement,
    program: Program,
    *,
    old_as_of: dt.date | None,
    new_as_of: dt.date,
    language: Language | None = None,
) -> Changes:
    """What changed for the client between the previous published version and this one.

    Goals are matched by `id`. Actions have no id, so they are matched by
    title (several actions with one title are paired in due-date order): an
    action whose title was reworded therefore shows as one action removed and
    one added. Sessions are matched by date, reviews by date and wins by date
    and title, each counted as many times as it occurs.

    Readings, sessions, reviews and wins count from their own dates, as on
    the other pages (a session is held once its date is before the as-of
    date; readings, reviews and wins count on their date). So an item that
    was already in the previous snapshot but dated after its as-of date is
    reported in the first version whose date has reached it, and a goal's
    readings move even when only time has passed.

    Arguments:
        old: The client view of the previous version's engagement, or None if this is the first version.
        new: The client view of this version's engagement.
        program: The program the engagement follows now; both sides are measured against it, so stages line up.
        old_as_of: The as-of date the previous version was built with; required when `old` is given.
        new_as_of: The as-of date of this version.
        language: The language reworded fields are written in for the page (British English by default);
            a date or number counts as changed only if it reads differently.

    Returns:
        The changes, each kind in the order the client's pages list it.

    Raises:
        ValueError: `old` is given without `old_as_of`.
    """
    goal_titles = {g.id: g.title for g in new.goals}
    if old is None:
        return Changes(
            first=True,
            as_of=new_as_of,
            previous_as_of=None,
            stage=None,
            goals_added=(),
            goals_achieved=(),
            goals_revised=(),
            goals_removed=(),
            goals_moved=(),
            actions_completed=(),
            actions_added=(),
            actions_overdue=(),
            actions_rescheduled=(),
            actions_dropped=(),
            actions_removed=(),
            sessions_held=(),
            reviews_done=(),
            wins=(),
            goal_titles=goal_titles,
        )
    if old_as_of is None:
        raise ValueError("compare() needs `old_as_of` when a previous version is given")
    before = compute_progress(old, program, old_as_of)
    now = compute_progress(new, program, new_as_of)

    old_goals = {g.goal.id: g for g in before.goals}
    new_ids = {g.goal.id for g in now.goals}
    goal_pairs = [(old_goals[g.goal.id], g) for g in now.goals if g.goal.id in old_goals]
    revisions = (
        GoalRevision(n.goal, _goal_field_changes(o.goal, n.goal, language or english())) for o, n in goal_pairs
    )
    movements = (GoalMovement(o, n, _new_readings(o, n)) for o, n in goal_pairs if _readings_moved(o, n))

    action_pairs, actions_added, actions_removed = _pair_actions(before.actions, now.actions)
    done = ActionStatus.DONE
    dropped = ActionStatus.DROPPED
    return Changes(
        first=False,
        as_of=new_as_of,
        previous_as_of=old_as_of,
        stage=_stage_change(before, now),
        goals_added=tuple(g for g in now.goals if g.goal.id not in old_goals),
        goals_achieved=tuple(n for o, n in goal_pairs if n.achieved and not o.achieved),
        goals_revised=tuple(r for r in revisions if r.changes),
        goals_removed=tuple(g.goal for g in before.goals if g.goal.id not in new_ids),
        goals_moved=tuple(movements),
        actions_completed=tuple(n for o, n in action_pairs if n.action.status is done and o.action.status is not done),
        actions_added=actions_added,
        actions_overdue=tuple(n for o, n in action_pairs if n.overdue and not o.overdue),
        actions_rescheduled=tuple(
            ActionReschedule(n, o.action.due) for o, n in action_pairs if n.is_open and n.action.due != o.action.due
        ),
        actions_dropped=tuple(
            n for o, n in action_pairs if n.action.status is dropped and o.action.status is not dropped
        ),
        actions_removed=actions_removed,
        sessions_held=_unmatched(now.sessions_held, before.sessions_held, key=lambda s: s.date),
        reviews_done=_unmatched(
            _dated_by(new.reviews, new_as_of), _dated_by(old.reviews, old_as_of), key=lambda r: r.date
        ),
        wins=_unmatched(
            _dated_by(new.wins, new_as_of), _dated_by(old.wins, old_as_of), key=lambda w: (w.date, w.title)
        ),
        goal_titles=goal_titles,
    )


def changes_page(
    changes: Changes,
    *,
    previous_title: str | None,
    slots: Slots,
    directory_urls: bool = True,
    language: Language | None = None,
) -> str:
    """The "What changed" page's Markdown, with every value as a token in `slots`.

    The page links to the other client pages (`goals.md`, `actions.md`,
    `sessions.md`, `reviews.md`) and to stage guides by paths relative to the
    site root, so it must be generated at the root of the version's site,
    next to `index.md`.

    Arguments:
        changes: What `compare` found.
        previous_title: How the client knows the previous version, such as "the version of 3 November 2026";
            it follows "Since" in the page. Ignored for the first version; None reads "the previous version".
        slots: Where this page's values go; fill them into the converted HTML.
        directory_urls: Whether pages live at `name/` or `name.html`. It sets `url()` for links written in raw
            HTML, as on the other client pages; the template now writes only Markdown links, which MkDocs rewrites.
        language: The page's language; British English by default.

    Returns:
        Markdown with front matter, ready for the engine to convert.
    """
    language = language or english()
    stages = []
    if changes.stage is not None:
        stages = [s for s in (changes.stage.previous, changes.stage.current, *changes.stage.completed) if s]
    return render_page(
        "changes.md.j2",
        slots,
        language,
        changes=changes,
        previous_title=previous_title or language.gettext("the previous version"),
        goal_titles=dict(changes.goal_titles),
        # Paths we derive from program.yml are trusted Markdown link targets, not values.
        guide_uri={s.id: Markup(Path(s.guide).as_posix()) for s in stages},
        url=lambda uri: Markup(page_url(uri, directory_urls)),
        # Changes are computed from client views only, so nothing on this page is ever held back.
        coach_view=False,
    )


# --------------------------------------------------------------------------- steps


def _stage_id(stage: Stage | None) -> str | None:
    return stage.id if stage else None


def _stage_change(before: Progress, now: Progress) -> StageChange | None:
    previous = before.current.stage if before.current else None
    current = now.current.stage if now.current else None
    # Both sides use one program, so stage states line up one to one.
    completed = tuple(
        n.stage
        for o, n in zip(before.stages, now.stages, strict=True)
        if n.status is StageStatus.DONE and o.status is not StageStatus.DONE
    )
    if _stage_id(previous) == _stage_id(current) and not completed:
        return None
    return StageChange(previous=previous, current=current, completed=completed)


def _format_field(value: object, language: Language) -> str:
    if isinstance(value, dt.date):
        return language.date(value)
    if isinstance(value, float):
        return language.number(f"{value:g}")
    if isinstance(value, list):
        return language.items(str(v) for v in value) or language.gettext("none")
    return str(value)


def _goal_field_changes(old: Goal, new: Goal, language: Language) -> tuple[FieldChange, ...]:
    # Numbers are compared as the client reads them, so 4 and 4.0 are the same target.
    pairs = (
        (name, label, _format_field(getattr(old, name), language), _format_field(getattr(new, name), language))
        for name, label in GOAL_FIELDS
    )
    return tuple(FieldChange(name, label, o, n) for name, label, o, n in pairs if o != n)


def _reading_key(m: Measurement) -> tuple[dt.date, float]:
    return (m.date, m.value)


def _new_readings(old: GoalProgress, new: GoalProgress) -> tuple[Measurement, ...]:
    return _unmatched(new.measurements, old.measurements, key=_reading_key)


def _readings_moved(old: GoalProgress, new: GoalProgress) -> bool:
    # A corrected or withdrawn reading moves the latest value without adding one, so compare both.
    return bool(_new_readings(old, new)) or old.current_value != new.current_value


def _dated_by(items: Iterable[_Dated], as_of: dt.date) -> list[_Dated]:
    return [i for i in items if i.date <= as_of]


def _unmatched(new: Iterable[_T], old: Iterable[_T], *, key: Callable[[_T], Hashable]) -> tuple[_T, ...]:
    """The items of `new` that `old` has no counterpart for, counting repeated keys one for one."""
    left = Counter(key(i) for i in old)
    out = []
    for item in new:
        k = key(item)
        if left[k]:
            left[k] -= 1
        else:
            out.append(item)
    return tuple(out)


def _pair_actions(
    old: tuple[ActionState, ...], new: tuple[ActionState, ...]
) -> tuple[list[tuple[ActionState, ActionState]], tuple[ActionState, ...], tuple[Action, ...]]:
    """Pair actions by title; both tuples come sorted by due date, so repeated titles pair in that order."""
    pool: dict[str, list[ActionState]] = {}
    for state in old:
        pool.setdefault(state.action.title, []).append(state)
    pairs = []
    added = []
    for state in new:
        same = pool.get(state.action.title)
        if same:
            pairs.append((same.pop(0), state))
        else:
            added.append(state)
    leftover = {id(s) for rest in pool.values() for s in rest}
    removed = tuple(s.action for s in old if id(s) in leftover)
    return pairs, tuple(added), removed
