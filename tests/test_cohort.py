"""The cohort report: suppression as a table, goal standings, and the sample firm's Halden Logistics cohort."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from coachbook.core.cohort import (
    FLOOR,
    MIN_PEOPLE,
    Cell,
    Distribution,
    GoalStanding,
    check_minimum,
    cohort_report,
    goal_standing,
    suppress,
)
from coachbook.core.loader import Firm, Project, load_firm
from coachbook.core.model import Goal
from coachbook.core.progress import goal_progress
from coachbook.errors import CoachbookError

from .conftest import REPO

AS_OF = dt.date(2026, 11, 24)


def people(*names: str) -> frozenset[str]:
    return frozenset(names)


def count(label: str, *names: str) -> Cell:
    """A figure that counts people: its count is how many."""
    return Cell(label, people(*names), len(names))


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Every figure counts three or more: all shown.
        ([count("a", "1", "2", "3"), count("b", "4", "5", "6")], Distribution((("a", 3), ("b", 3)), None, False)),
        # One figure of two, the rest large: merged with nothing else it would be worked out from the total,
        # so the smallest shown figure joins it.
        (
            [count("a", "1", "2", "3"), count("b", "4", "5", "6", "7"), count("c", "8", "9")],
            Distribution((("b", 4),), 5, False),
        ),
        # Small figures that together reach three are shown together.
        (
            [count("a", "1", "2", "3"), count("b", "4", "5"), count("c", "6")],
            Distribution((("a", 3),), 3, False),
        ),
        # Three and two of five: nothing can be shown but the total.
        ([count("a", "1", "2", "3"), count("b", "4", "5")], Distribution((), 5, False)),
        # Everyone in one place: shown. Empty figures are left out.
        ([count("a", "1", "2", "3", "4", "5"), count("b")], Distribution((("a", 5),), None, False)),
        # Fewer than three people in all: nothing at all.
        ([count("a", "1"), count("b", "2")], Distribution((), None, True)),
        # A figure of many goals from two people is still a figure about two people.
        (
            [Cell("on-track", people("1", "2", "3"), 5), Cell("achieved", people("1", "2"), 4)],
            Distribution((), 9, False),
        ),
        # Goals of one person in two figures: the union of people decides.
        (
            [
                Cell("on-track", people("1", "2", "3", "4"), 6),
                Cell("achieved", people("1"), 1),
                Cell("behind", people("2", "5"), 2),
            ],
            Distribution((("on-track", 6),), 3, False),
        ),
    ],
    ids=[
        "all-large",
        "one-small",
        "small-ones-together",
        "three-and-two",
        "unanimous",
        "too-few-people",
        "many-goals-few-people",
        "people-overlap",
    ],
)
def test_suppress(cells: list[Cell], expected: Distribution) -> None:
    assert suppress(cells) == expected


def test_no_shown_figure_counts_fewer_than_three_and_none_can_be_worked_out() -> None:
    # Every split of up to fifteen people into three groups.
    for sizes in itertools.product(range(6), repeat=3):
        names = iter(str(i) for i in range(100))
        cells = [count(label, *(next(names) for _ in range(size))) for label, size in zip("abc", sizes, strict=True)]
        result = suppress(cells)
        assert all(n >= MIN_PEOPLE for _, n in result.shown)
        hidden = sum(sizes) - sum(n for _, n in result.shown)
        # What is left over is either shown as "other" (and counts enough people), nothing, or withheld with the rest.
        assert (
            hidden == 0 or (result.other == hidden and hidden >= MIN_PEOPLE) or (result.withheld and not result.shown)
        )


def _goal(readings: list[tuple[str, float]], deadline: str = "2027-01-01") -> Goal:
    data: dict[str, Any] = {
        "id": "g",
        "title": "t",
        "specific": "s",
        "measurable": "m",
        "achievable": "a",
        "relevant": "r",
        "deadline": deadline,
        "baseline": 0,
        "target": 10,
        "unit": "u",
        "measurements": [{"date": d, "value": v} for d, v in readings],
    }
    return Goal.model_validate(data)


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        ([], GoalStanding.NOT_MEASURED),
        ([("2026-09-01", 10)], GoalStanding.ACHIEVED),
        # First reading 2026-09-01, deadline 2027-01-01: 122 days, 84 gone by 24 November, so 69% expected.
        ([("2026-09-01", 2), ("2026-11-20", 7)], GoalStanding.ON_TRACK),
        ([("2026-09-01", 2), ("2026-11-20", 6)], GoalStanding.BEHIND),
    ],
)
def test_goal_standing(readings: list[tuple[str, float]], expected: GoalStanding) -> None:
    assert goal_standing(goal_progress(_goal(readings), AS_OF), AS_OF) is expected


@pytest.mark.parametrize(("value", "ok"), [(2, False), (3, True), (5, True), (True, False), ("5", False)])
def test_the_minimum_is_never_below_three(value: object, ok: bool) -> None:
    if ok:
        assert check_minimum(value) == value  # type: ignore[arg-type]
    else:
        with pytest.raises(CoachbookError, match=f"at least {FLOOR}"):
            check_minimum(value)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sample() -> Firm:
    return load_firm(Project(REPO, REPO / "content", REPO / "engagements"))


def test_the_halden_cohort_report(sample: Firm) -> None:
    report = cohort_report("Halden Logistics", list(sample.engagements.values()), AS_OF)
    assert report.engagements == 5
    assert report.status == Distribution((("active", 5),), None, False)
    assert report.stages == Distribution((("6. Implementation", 5),), None, False)
    # Sessions held before 24 November, from the client views: 12 + 10 + 10 + 9 + 10.
    assert (report.sessions_held, report.sessions_agreed) == (51, 70)
    # Ten goals from five leaders: five on track (four leaders); one achieved (one leader) and four behind
    # (two leaders) are counted together, so that neither small figure can be read.
    assert report.goals is not None
    assert (report.goals.goals, report.goals.people) == (10, 5)
    assert report.goals.standings == Distribution((("on-track", 5),), 5, False)
    # Delegation is tagged by three leaders; the others by fewer, so they are left out.
    assert report.themes == (("Delegation and empowerment", 3),)
    assert report.themes_withheld
    assert (report.first_start, report.last_end) == (dt.date(2026, 4, 13), dt.date(2027, 4, 30))


def test_an_organisation_below_the_minimum_gets_no_report(sample: Firm) -> None:
    with pytest.raises(CoachbookError, match="Ashgrove Mutual has 2 engagement"):
        cohort_report("Ashgrove Mutual", list(sample.engagements.values()), AS_OF)
    # The minimum is the firm's to raise, and to lower as far as three.
    with pytest.raises(CoachbookError, match="Halden Logistics has 5 engagement"):
        cohort_report("Halden Logistics", list(sample.engagements.values()), AS_OF, minimum=6)
    assert cohort_report("halden  logistics", list(sample.engagements.values()), AS_OF, minimum=3).engagements == 5
