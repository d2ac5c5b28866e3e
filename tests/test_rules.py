"""The rules that span fields (coachbook.core.rules), as tables: data as written in, findings out."""

from __future__ import annotations

from typing import Any

import pytest

from coachbook.core.model import Program, ProgramFile
from coachbook.core.rules import (
    Finding,
    did_you_mean,
    engagement_findings,
    program_findings,
    reference_findings,
)

from .conftest import minimal_engagement

# One finding, as the table writes it: (where, words the message holds, a warning?).
Row = tuple[tuple[str | int, ...], str, bool]


def rows(findings: list[Finding]) -> list[Row]:
    return [(f.loc, f.message, f.warning) for f in findings]


def session(date: str, **fields: Any) -> dict[str, Any]:
    return {"date": date, "stage": "contracting", "focus": "Talk", **fields}


CLOSURE = {"date": "2026-12-18", "reflection": "Done.", "growth_plan": ["Keep going"]}

ENGAGEMENTS: list[Any] = [
    pytest.param({}, [], id="valid"),
    pytest.param(
        {"end": "2026-01-01"},
        [(("end",), "2026-01-01 is before `start` (2026-01-05)", False)],
        id="end-before-start-points-at-end",
    ),
    pytest.param({"end": "not a date"}, [], id="a-bad-date-is-its-fields-business"),
    pytest.param(
        {"stages": {"contracting": {"status": "done"}}},
        [(("stages", "contracting", "status"), "a stage marked done needs its `completed` date", False)],
        id="done-without-completed",
    ),
    pytest.param(
        {"stages": {"contracting": {"status": "in-progress", "started": "2026-02-01", "completed": "2026-01-10"}}},
        [(("stages", "contracting", "completed"), "2026-01-10 is before `started` (2026-02-01)", False)],
        id="completed-before-started",
    ),
    pytest.param(
        {"stages": {"contracting": {"status": "not-started", "started": "2026-02-01"}}},
        [(("stages", "contracting", "started"), "a stage that has not started has no `started` date", False)],
        id="not-started-with-a-date",
    ),
    pytest.param(
        {"goals": [{"id": "g", "baseline": 3, "target": 3.0}]},
        [(("goals", 0, "target"), "equals `baseline` (3), so progress cannot be measured", False)],
        id="target-equals-baseline",
    ),
    pytest.param({"goals": [{"id": "g", "baseline": 3, "target": "3"}]}, [], id="a-target-in-quotes-is-its-fields"),
    pytest.param(
        {"actions": [{"title": "A", "due": "2026-03-01", "done_on": "2026-02-01"}]},
        [(("actions", 0, "done_on"), "is set, but `status` is 'open', not 'done'", False)],
        id="done-on-without-done",
    ),
    pytest.param(
        {"sessions": [session("2026-01-01"), session("2025-12-01", cancelled=True), session("2026-01-05")]},
        [(("sessions", 0, "date"), "2026-01-01 is before the engagement's `start` (2026-01-05)", True)],
        id="session-before-start-warns",
    ),
    pytest.param(
        {"sessions": [session(f"2026-02-{day:02d}") for day in range(1, 10)]},
        [(("sessions",), "9 sessions are listed (not counting cancelled ones), but the agreement is for 8", True)],
        id="more-sessions-than-agreed-warns",
    ),
    pytest.param(
        {"sessions": [session(f"2026-02-{day:02d}", cancelled=day == 1) for day in range(1, 10)]},
        [],
        id="cancelled-sessions-do-not-count",
    ),
    pytest.param(
        {"closure": CLOSURE, "stages": {"implementation": {"status": "in-progress", "started": "2026-03-01"}}},
        [(("closure",), "the engagement is closed, but stage 'implementation' is still in progress", True)],
        id="closure-with-a-stage-in-progress-warns",
    ),
    pytest.param(
        {
            "closure": CLOSURE,
            "status": {"state": "ended-early", "date": "2026-06-01"},
            "stages": {"implementation": {"status": "in-progress", "started": "2026-03-01"}},
        },
        [],
        id="an-early-end-leaves-stages-in-progress",
    ),
    pytest.param(
        {"status": {"state": "paused"}},
        [(("status", "state"), "'paused' needs a `date`: the first day of the pause", False)],
        id="paused-without-a-date",
    ),
    pytest.param(
        {"status": {"state": "ended-early"}},
        [(("status", "state"), "'ended-early' needs a `date`: the day the engagement ended", False)],
        id="ended-early-without-a-date",
    ),
    pytest.param(
        {"status": {"state": "paused", "date": "2026-05-01", "until": "2026-04-01"}},
        [(("status", "until"), "2026-04-01 is not after the pause began (2026-05-01)", False)],
        id="resume-before-pause",
    ),
    pytest.param(
        {"status": {"state": "ended-early", "date": "2026-05-01", "until": "2026-06-01"}},
        [(("status", "until"), "is only for a paused engagement, and the state is 'ended-early'", False)],
        id="until-only-when-paused",
    ),
    pytest.param(
        {"status": {"state": "paused", "date": "2025-12-01"}},
        [(("status", "date"), "2025-12-01 is before the engagement's `start` (2026-01-05)", False)],
        id="pause-before-start",
    ),
    pytest.param(
        {"status": {"state": "completed"}},
        [(("status", "state"), "a completed engagement needs a `closure:`", False)],
        id="completed-without-closure",
    ),
    pytest.param(
        {"status": {"state": "active", "reason": "Back again."}},
        [
            (
                ("status", "reason"),
                "is shown only for a paused engagement or one that ended early, and the state is 'active'",
                False,
            )
        ],
        id="reason-only-when-paused-or-ended",
    ),
    pytest.param(
        {"status": {"state": "paused", "date": "2026-05-01"}, "closure": CLOSURE},
        [(("status", "state"), "is 'paused', but the engagement has a `closure:`", False)],
        id="paused-with-a-closure",
    ),
    pytest.param(
        {"status": {"state": "completed", "date": "2026-05-01"}, "closure": CLOSURE},
        [
            (
                ("status", "date"),
                "is only for a paused engagement or one that ended early, and the state is 'completed'",
                False,
            )
        ],
        id="date-on-a-completed-engagement",
    ),
    pytest.param(
        {
            "status": {"state": "ended-early", "date": "2026-05-01"},
            "sessions": [session("2026-04-20"), session("2026-05-20"), session("2026-06-01", cancelled=True)],
        },
        [(("sessions", 1, "date"), "2026-05-20 is after the engagement ended early (2026-05-01)", True)],
        id="session-after-an-early-end-warns",
    ),
    pytest.param(
        {
            "status": {"state": "paused", "date": "2026-05-01", "until": "2026-07-01"},
            "sessions": [session("2026-04-20"), session("2026-05-20"), session("2026-07-01")],
        },
        [(("sessions", 1, "date"), "2026-05-20 falls in the pause that began on 2026-05-01", True)],
        id="session-in-a-pause-warns",
    ),
    pytest.param(
        {"end": "2025-01-01", "goals": [{"id": "g", "baseline": 1, "target": 1}], "sessions": [session("2025-06-01")]},
        [
            (("end",), "2025-01-01 is before `start` (2026-01-05)", False),
            (("goals", 0, "target"), "equals `baseline` (1), so progress cannot be measured", False),
            (("sessions", 0, "date"), "2025-06-01 is before the engagement's `start` (2026-01-05)", True),
        ],
        id="every-rule-in-one-pass",
    ),
]


@pytest.mark.parametrize(("fields", "expected"), ENGAGEMENTS)
def test_engagement_findings(fields: dict[str, Any], expected: list[Row]) -> None:
    assert rows(engagement_findings(minimal_engagement(**fields))) == expected


def test_engagement_findings_of_a_file_that_is_not_a_mapping() -> None:
    assert engagement_findings(["a", "list"]) == []


def _program(program_id: str, stages: list[str]) -> Program:
    data = {
        "programs": [
            {
                "id": program_id,
                "title": program_id.title() + " coaching",
                "summary": "S",
                "process_steps": [{"id": "step", "title": "Step", "summary": "S"}],
                "stages": [
                    {
                        "id": stage,
                        "number": n,
                        "title": stage.title(),
                        "summary": "S",
                        "guide": f"{stage}.md",
                        "steps": ["step"],
                        "duration": "A week",
                        "client_does": ["x"],
                        "coach_does": ["y"],
                        "exit_criteria": ["z"],
                    }
                    for n, stage in enumerate(stages, start=1)
                ],
            }
        ]
    }
    return ProgramFile.model_validate(data).programs[0]


EXECUTIVE = _program("executive", ["contracting", "goal-setting"])
TEAM = _program("team", ["team-charter", "goal-setting"])

REFERENCES: list[Any] = [
    pytest.param({"stages": {"contracting": {"status": "done"}}}, [], id="known-stage"),
    pytest.param(
        {"stages": {"contractng": {"status": "done"}}},
        [(("stages", "contractng"), "unknown stage 'contractng'", "did you mean 'contracting'?")],
        id="misspelt-stage-key",
    ),
    pytest.param(
        {"sessions": [session("2026-02-01", stage="team-charter")]},
        [
            (
                ("sessions", 0, "stage"),
                "stage 'team-charter' belongs to the program 'team' (Team coaching), but this engagement follows "
                "'executive' (Executive coaching)",
                "use a stage of 'executive' (expected one of: contracting, goal-setting), or set `program: team` if "
                "the client is in that program",
            )
        ],
        id="stage-of-the-other-program",
    ),
    pytest.param(
        {"sessions": [session("2026-02-01", stage="Goal Setting")]},
        [(("sessions", 0, "stage"), "unknown stage 'Goal Setting'", "did you mean 'goal-setting'?")],
        id="stage-written-as-a-title",
    ),
    pytest.param(
        {"goals": [{"id": "calm"}], "actions": [{"title": "A", "goal": "clam"}], "wins": [{"goal": "calm"}]},
        [(("actions", 0, "goal"), "no goal has the id 'clam'", "did you mean 'calm'?")],
        id="action-with-an-unknown-goal",
    ),
    pytest.param(
        {"goals": [{"id": "Stay Calm"}], "actions": [{"title": "A", "goal": "stay-calm"}]},
        [],
        id="a-goal-whose-own-id-is-miswritten-is-reported-there-alone",
    ),
]


@pytest.mark.parametrize(("fields", "expected"), REFERENCES)
def test_reference_findings(fields: dict[str, Any], expected: list[tuple[Any, str, str]]) -> None:
    found = reference_findings(minimal_engagement(**fields), EXECUTIVE, (EXECUTIVE, TEAM))
    assert [(f.loc, f.message, f.hint) for f in found] == expected


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        (None, []),
        ("team", []),
        ("Team", [(("program",), "unknown program 'Team'", "did you mean 'team'?")]),
        ("executiv", [(("program",), "unknown program 'executiv'", "did you mean 'executive'?")]),
        ("group coaching", [(("program",), "unknown program 'group coaching'", "expected one of: executive, team")]),
    ],
)
def test_program_findings(program: str | None, expected: list[tuple[Any, str, str]]) -> None:
    data = minimal_engagement(**({} if program is None else {"program": program}))
    assert [(f.loc, f.message, f.hint) for f in program_findings(data, ["executive", "team"])] == expected


@pytest.mark.parametrize(
    ("word", "choices", "hint"),
    [
        ("Team", ["team", "executive"], "did you mean 'team'?"),
        ("Goal setting", ["goal-setting", "contracting"], "did you mean 'goal-setting'?"),
        ("goal_setting", ["goal-setting", "contracting"], "did you mean 'goal-setting'?"),
        ("contractng", ["goal-setting", "contracting"], "did you mean 'contracting'?"),
    ],
)
def test_did_you_mean_forgives_case_spaces_and_underscores(word: str, choices: list[str], hint: str) -> None:
    assert did_you_mean(word, choices) == hint
