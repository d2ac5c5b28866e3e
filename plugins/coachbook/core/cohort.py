"""The cohort report: how an organisation's leaders are progressing, in counts that name nobody.

A company often buys coaching for several of its leaders, and its HR or L&D
sponsor asks for evidence across the cohort. The report gives it: how many
engagements, where they are in the program, sessions held against agreed,
the share of goals achieved and on track, the development themes the
leaders work on, and the dates the coaching spans. It has no names, no goal
wording and no notes.

It is built the way the sponsor report is (`coachbook.core.sponsor`): the
page is rendered from a `CohortReport`, a small record computed from the
client views of the organisation's engagements, so the template cannot reach
anything else. Small numbers identify people, so:

* an organisation with fewer engagements than the firm's minimum (5 unless
  set otherwise, never below `FLOOR`) gets no report at all;
* every figure that counts fewer than `MIN_PEOPLE` people is withheld, and so
  is any figure that could be worked out from the others: withheld groups are
  merged into one "other" figure, and when that would still count fewer than
  `MIN_PEOPLE` people, the smallest shown group joins it, until it does
  (`suppress`);
* themes are the firm's words (`themes:` in `content/program.yml`), never a
  client's development areas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from coachbook.core.i18n import N_
from coachbook.core.loader import LoadedEngagement
from coachbook.core.model import EngagementState
from coachbook.core.progress import GoalProgress, compute_progress
from coachbook.core.visibility import client_view
from coachbook.errors import CoachbookError

__all__ = [
    "DEFAULT_MINIMUM",
    "FLOOR",
    "MIN_PEOPLE",
    "Cell",
    "CohortReport",
    "Distribution",
    "GoalStanding",
    "check_minimum",
    "cohort_report",
    "goal_standing",
    "members",
    "same_organisation",
    "suppress",
]

#: Where an engagement that is over stands, in place of a stage: messages, translated where the report is shown.
ENDED_EARLY = N_("Ended early")
COMPLETED = N_("Completed")

#: Every figure of a report counts at least this many people, or is withheld.
MIN_PEOPLE = 3
#: Engagements an organisation needs for a report, unless the firm sets `cohort_minimum`.
DEFAULT_MINIMUM = 5
#: The lowest `cohort_minimum` a firm may set: below it, a report's own figures would count too few people.
FLOOR = 3


class GoalStanding(StrEnum):
    """Where one goal stands, for the report's shares."""

    ACHIEVED = "achieved"
    ON_TRACK = "on-track"
    """Not achieved, but at least as far from baseline to target as the share of its time that has passed."""
    BEHIND = "behind"
    NOT_MEASURED = "not-measured"
    """No reading yet beyond the baseline."""


@dataclass(frozen=True)
class Cell:
    """One figure before suppression: what it counts, and the people it counts them over."""

    label: str
    people: frozenset[str]
    """The engagements (slugs) it is made from."""
    count: int
    """What is shown: the number of people, or of their goals."""


@dataclass(frozen=True)
class Distribution:
    """Figures that add up to a shown total, after suppression."""

    shown: tuple[tuple[str, int], ...]
    """(label, count) of every figure that counts enough people, in the order given."""
    other: int | None
    """The withheld figures merged into one, when that counts enough people; None when nothing was withheld or the
    merged figure is withheld too."""
    withheld: bool
    """True when some figures are not shown at all, not even merged."""


@dataclass(frozen=True)
class GoalShares:
    """The organisation's goals by standing, counted over the people who have goals."""

    goals: int
    people: int
    standings: Distribution


@dataclass(frozen=True)
class CohortReport:
    """Everything a cohort report shows, and nothing more: counts, the firm's words and dates."""

    organisation: str
    program_titles: tuple[str, ...]
    as_of: dt.date
    engagements: int
    status: Distribution
    stages: Distribution
    """Where the engagements are: the current stage of each active one, and "Completed"."""
    sessions_held: int
    sessions_agreed: int
    goals: GoalShares | None
    """None when fewer than `MIN_PEOPLE` people have goals yet."""
    themes: tuple[tuple[str, int], ...]
    """Development themes worked on by at least `MIN_PEOPLE` people, most common first."""
    themes_withheld: bool
    """Whether some themes are left out because fewer people work on them."""
    first_start: dt.date
    last_end: dt.date
    minimum: int

    @property
    def sessions_percent(self) -> int:
        return round(100 * self.sessions_held / self.sessions_agreed) if self.sessions_agreed else 0


def check_minimum(value: int) -> int:
    """Return `value` if it may be a firm's `cohort_minimum`.

    Raises:
        CoachbookError: It is below `FLOOR`.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < FLOOR:
        raise CoachbookError(
            f"cohort_minimum is {value!r}, but a cohort report needs at least {FLOOR} engagements; "
            f"set it to {FLOOR} or more (the default is {DEFAULT_MINIMUM})"
        )
    return value


def same_organisation(a: str, b: str) -> bool:
    """Whether two spellings name one organisation: spaces and capitals do not matter."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def members(engagements: Sequence[LoadedEngagement], organisation: str) -> list[LoadedEngagement]:
    """The engagements of clients at `organisation`, by slug."""
    found = [e for e in engagements if same_organisation(e.engagement.client.organisation, organisation)]
    return sorted(found, key=lambda e: e.slug)


def suppress(cells: Sequence[Cell], minimum: int = MIN_PEOPLE) -> Distribution:
    """The figures that may be shown of a set that adds up to a shown total.

    A figure over fewer than `minimum` people is withheld. The withheld ones
    are merged into one "other" figure; if it would count fewer than
    `minimum` people, it could be worked out from the total and the others,
    so the smallest shown figure joins it, until it counts enough people or
    nothing is shown. Figures of zero are left out: they count nobody.
    """
    present = [c for c in cells if c.count]
    shown = [c for c in present if len(c.people) >= minimum]
    hidden = [c for c in present if len(c.people) < minimum]

    def merged() -> frozenset[str]:
        return frozenset().union(*(c.people for c in hidden))

    while hidden and len(merged()) < minimum and shown:
        smallest = min(shown, key=lambda c: (len(c.people), c.count, -present.index(c)))
        shown.remove(smallest)
        hidden.append(smallest)
    figures = tuple((c.label, c.count) for c in present if c in shown)
    if not hidden:
        return Distribution(figures, None, withheld=False)
    if len(merged()) >= minimum:
        return Distribution(figures, sum(c.count for c in hidden), withheld=False)
    return Distribution(figures, None, withheld=True)


def goal_standing(goal: GoalProgress, as_of: dt.date) -> GoalStanding:
    """Whether a goal is achieved, on track, behind, or not measured yet, on `as_of`.

    On track means it has come at least as far from baseline to target as the
    share of its time that has passed, the clock starting at its first reading
    and ending at its deadline: a plain straight line, which the report states.
    """
    if goal.achieved:
        return GoalStanding.ACHIEVED
    if not goal.measurements:
        return GoalStanding.NOT_MEASURED
    start = goal.measurements[0].date
    span = (goal.goal.deadline - start).days
    expected = 1.0 if span <= 0 else min(max((as_of - start).days / span, 0.0), 1.0)
    return GoalStanding.ON_TRACK if goal.fraction >= expected else GoalStanding.BEHIND


def cohort_report(
    organisation: str, engagements: Sequence[LoadedEngagement], as_of: dt.date, *, minimum: int = DEFAULT_MINIMUM
) -> CohortReport:
    """The report of `organisation`, from the client views of its `engagements` (those of other clients are ignored).

    Raises:
        CoachbookError: The organisation has fewer than `minimum` engagements, or `minimum` is below `FLOOR`.
    """
    check_minimum(minimum)
    cohort = members(engagements, organisation)
    if len(cohort) < minimum:
        raise CoachbookError(
            f"{organisation} has {len(cohort)} engagement(s); a cohort report needs at least {minimum}, "
            "so that no figure points at one person"
        )
    statuses: dict[EngagementState, set[str]] = {status: set() for status in EngagementState}
    stages: dict[str, set[str]] = {}
    standings: dict[GoalStanding, tuple[set[str], list[str]]] = {s: (set(), []) for s in GoalStanding}
    themes: dict[str, set[str]] = {}
    held = agreed = 0
    with_goals: set[str] = set()
    programs: list[str] = []
    for loaded in cohort:
        view = client_view(loaded.engagement)
        program = loaded.program
        if program.title not in programs:
            programs.append(program.title)
        progress = compute_progress(view, program, as_of)
        status = progress.status.state
        statuses[status].add(loaded.slug)
        if status is EngagementState.ENDED_EARLY:
            place = ENDED_EARLY
        elif status is EngagementState.COMPLETED or progress.current is None:
            place = COMPLETED
        else:
            place = f"{progress.current.stage.number}. {progress.current.stage.title}"
        stages.setdefault(place, set()).add(loaded.slug)
        held += len(progress.sessions_held)
        agreed += progress.sessions_agreed
        for goal in progress.goals:
            with_goals.add(loaded.slug)
            people, ids = standings[goal_standing(goal, as_of)]
            people.add(loaded.slug)
            ids.append(goal.goal.id)
        titles = {theme.id: theme.title for theme in program.themes}
        for theme_id in dict.fromkeys(view.assessment.themes if view.assessment else []):
            themes.setdefault(titles.get(theme_id, theme_id), set()).add(loaded.slug)
    # Stages in program order, "Completed" last: the order a reader expects.
    order = [f"{s.number}. {s.title}" for e in cohort for s in e.program.stages]
    stage_cells = [
        Cell(label, frozenset(people), len(people))
        for label, people in sorted(
            stages.items(), key=lambda i: (i[0] in (ENDED_EARLY, COMPLETED), i[0] == COMPLETED, _index(order, i[0]))
        )
    ]
    goals = sum(len(ids) for _, ids in standings.values())
    shares = (
        GoalShares(
            goals=goals,
            people=len(with_goals),
            standings=suppress([Cell(s.value, frozenset(people), len(ids)) for s, (people, ids) in standings.items()]),
        )
        if len(with_goals) >= MIN_PEOPLE
        else None
    )
    common = sorted(themes.items(), key=lambda item: (-len(item[1]), item[0]))
    return CohortReport(
        organisation=cohort[0].engagement.client.organisation,
        program_titles=tuple(programs),
        as_of=as_of,
        engagements=len(cohort),
        status=suppress([Cell(s.value, frozenset(p), len(p)) for s, p in statuses.items()]),
        stages=suppress(stage_cells),
        sessions_held=held,
        sessions_agreed=agreed,
        goals=shares,
        themes=tuple((title, len(people)) for title, people in common if len(people) >= MIN_PEOPLE),
        themes_withheld=any(len(people) < MIN_PEOPLE for _, people in common),
        first_start=min(e.engagement.start for e in cohort),
        last_end=max(e.engagement.end for e in cohort),
        minimum=minimum,
    )


def _index(order: list[str], label: str) -> int:
    return order.index(label) if label in order else len(order)
