"""Tests for coachbook.core.validation and coachbook.core.loader: the error messages people see."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from coachbook.core.loader import Firm, Project, load_firm, load_programs, slug_problem
from coachbook.core.model import Engagement
from coachbook.core.validation import did_you_mean, validate_document
from coachbook.core.yaml_reader import parse_yaml
from coachbook.errors import Problem, ProblemList

from .conftest import SAMPLE_CLIENTS

ROOT = Path(__file__).resolve().parents[1]
DANA = "engagements/dana-whitfield.yml"
KWAME = "engagements/kwame-asante.yml"
SOFIA = "engagements/sofia-marquez.yml"
PROGRAM = "content/program.yml"


# --------------------------------------------------------------------------- helpers


def copy_firm(tmp_path: Path) -> Project:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "engagements", tmp_path / "engagements")
    return Project(root=tmp_path, content_dir=tmp_path / "content", engagements_dir=tmp_path / "engagements")


def edit(project: Project, name: str, old: str, new: str) -> str:
    """Replace the one occurrence of `old` in a copied file; return the new text."""
    path = project.root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


def locate(text: str, marker: str, sub: str | None = None) -> tuple[int, int]:
    """1-based line and column of `sub` inside the one occurrence of `marker` in `text`."""
    assert text.count(marker) == 1, f"{marker!r} occurs {text.count(marker)} times"
    index = text.index(marker) + (marker.index(sub) if sub is not None else 0)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def problems_of(project: Project) -> list[Problem]:
    with pytest.raises(ProblemList) as exc:
        load_firm(project)
    return exc.value.problems


def load(project: Project) -> Firm:
    return load_firm(project)


@dataclass(frozen=True)
class Expect:
    """One expected problem: where (by a marker in the edited text) and what."""

    marker: str
    sub: str | None
    field: str
    message: str
    hint: str


def as_tuple(problem: Problem) -> tuple[str, int, int, str, str, str]:
    return (problem.path.as_posix(), problem.line, problem.column, problem.field, problem.message, problem.hint)


# --------------------------------------------------------------------------- the sample firm


def test_the_sample_firm_loads_cleanly() -> None:
    firm = load(Project(root=ROOT, content_dir=ROOT / "content", engagements_dir=ROOT / "engagements"))
    assert sorted(firm.engagements) == list(SAMPLE_CLIENTS)
    assert [p.id for p in firm.programs] == ["executive"]
    assert firm.program(None).id == "executive"
    dana = firm.engagements["dana-whitfield"]
    assert dana.slug == "dana-whitfield"
    assert dana.program.id == "executive"
    assert dana.source == ROOT / DANA
    assert dana.engagement.client.name == "Dana Whitfield"


# --------------------------------------------------------------------------- one error at a time

ENGAGEMENT_CASES = [
    pytest.param(
        ("coach:\n  name: Priya", "coahc:\n  name: Priya"),
        [
            Expect("program: executive", "program", "coach", "is required but missing", "add `coach:` here"),
            Expect("coahc:", "coahc", "coahc", "unknown field 'coahc'", "did you mean 'coach'?"),
        ],
        id="unknown-top-level-key",
    ),
    pytest.param(
        ("    baseline: 14\n", "    baselin: 14\n"),
        [
            Expect(
                "  - id: step-out-of-escalations",
                "id",
                "goals[0].baseline",
                "is required but missing",
                "add `baseline:` here",
            ),
            Expect(
                "    baselin: 14", "baselin", "goals[0].baselin", "unknown field 'baselin'", "did you mean 'baseline'?"
            ),
        ],
        id="nested-typo",
    ),
    pytest.param(
        ("  role: Chief Operating Officer\n", ""),
        [Expect("  name: Dana Whitfield", "name", "client.role", "is required but missing", "add `role:` here")],
        id="missing-required-points-at-parent",
    ),
    pytest.param(
        ("    cancelled: true", "    cancelled: yes"),
        [
            Expect(
                "    cancelled: yes",
                "yes",
                "sessions[8].cancelled",
                "expected true or false, got 'yes'",
                "write true or false (yes/no/on/off are not accepted)",
            )
        ],
        id="boolean-as-yes",
    ),
    pytest.param(
        ("    focus: Your 360 feedback", "    focus: 360"),
        [
            Expect(
                "    focus: 360",
                "360",
                "sessions[3].focus",
                "expected text, got 360",
                'put the value in quotes: "360"',
            )
        ],
        id="number-where-text-expected",
    ),
    pytest.param(
        ("  sessions: 16", "  sessions: 0"),
        [Expect("  sessions: 0", "0", "agreement.sessions", "must be above zero, got 0", "use a number above zero")],
        id="zero-sessions",
    ),
    pytest.param(
        ("  every_weeks: 2", "  every_weeks: 2.5"),
        [
            Expect(
                "  every_weeks: 2.5",
                "2.5",
                "cadence.every_weeks",
                "expected a whole number, got 2.5",
                "write a whole number such as 12",
            )
        ],
        id="fraction-where-whole-number-expected",
    ),
    pytest.param(
        ("  implementation:\n    status: in-progress", "  implementation:\n    status: in progres"),
        [
            Expect(
                "    status: in progres",
                "in progres",
                "stages.implementation.status",
                "'in progres' is not allowed",
                "did you mean 'in-progress'?",
            )
        ],
        id="enum-typo",
    ),
    pytest.param(
        ("  goal-setting:\n    status: done", "  goal-settng:\n    status: done"),
        [
            Expect(
                "  goal-settng:",
                "goal-settng",
                "stages.goal-settng",
                "unknown stage 'goal-settng'",
                "did you mean 'goal-setting'?",
            )
        ],
        id="unknown-stage-key",
    ),
    pytest.param(
        ("    stage: contracting\n    focus", "    stage: contractng\n    focus"),
        [
            Expect(
                "    stage: contractng",
                "contractng",
                "sessions[0].stage",
                "unknown stage 'contractng'",
                "did you mean 'contracting'?",
            )
        ],
        id="unknown-session-stage",
    ),
    pytest.param(
        ("  development_areas:\n    - Letting", "  themes: [delegaton]\n  development_areas:\n    - Letting"),
        [
            Expect(
                "  themes: [delegaton]",
                "delegaton",
                "assessment.themes[0]",
                "unknown theme 'delegaton'",
                "did you mean 'delegation'?",
            )
        ],
        id="unknown-theme",
    ),
    pytest.param(
        ("start: 2026-04-13", "coaching_log: listd\nstart: 2026-04-13"),
        [Expect("coaching_log: listd", "listd", "coaching_log", "'listd' is not allowed", "did you mean 'listed'?")],
        id="coaching-log-typo",
    ),
    pytest.param(
        ("    goal: ready-a-successor\n    due: 2026-10-30", "    goal: ready-a-succesor\n    due: 2026-10-30"),
        [
            Expect(
                "    goal: ready-a-succesor",
                "ready-a-succesor",
                "actions[3].goal",
                "no goal has the id 'ready-a-succesor'",
                "did you mean 'ready-a-successor'?",
            )
        ],
        id="action-unknown-goal",
    ),
    pytest.param(
        ("    goal: grow-delegation-score\n    story", "    goal: nope\n    story"),
        [
            Expect(
                "    goal: nope",
                "nope",
                "wins[2].goal",
                "no goal has the id 'nope'",
                "expected one of: grow-delegation-score, ready-a-successor, step-out-of-escalations",
            )
        ],
        id="win-unknown-goal-lists-choices",
    ),
    pytest.param(
        (
            "    status: done\n    started: 2026-06-01\n    completed: 2026-06-19\n",
            "    status: done\n    started: 2026-06-01\n",
        ),
        [
            Expect(
                "  goal-setting:\n    status: done",
                "done",
                "stages.goal-setting.status",
                "a stage marked done needs its `completed` date",
                "add `completed: YYYY-MM-DD` under it: the day the stage ended",
            )
        ],
        id="done-stage-without-completed",
    ),
    pytest.param(
        ("    status: done\n    started: 2026-06-01\n", "    status: not-started\n    started: 2026-06-01\n"),
        [
            Expect(
                "  goal-setting:\n    status: not-started\n    started: 2026-06-01",
                "2026-06-01",
                "stages.goal-setting.started",
                "a stage that has not started has no `started` date",
                "set `status: in-progress` (or `done`) if it has started, or remove the date",
            ),
            Expect(
                "    started: 2026-06-01\n    completed: 2026-06-19",
                "2026-06-19",
                "stages.goal-setting.completed",
                "a stage that has not started has no `completed` date",
                "set `status: in-progress` (or `done`) if it has started, or remove the date",
            ),
        ],
        id="not-started-stage-with-dates",
    ),
    pytest.param(
        ("    status: done\n    done_on: 2026-07-29", "    status: open\n    done_on: 2026-07-29"),
        [
            Expect(
                "    status: open\n    done_on: 2026-07-29",
                "2026-07-29",
                "actions[1].done_on",
                "is set, but `status` is 'open', not 'done'",
                "set `status: done`, or remove `done_on` if the action is not finished",
            )
        ],
        id="done-on-without-done",
    ),
    pytest.param(
        ("end: 2027-01-29", "end: 2026-01-29"),
        [
            Expect(
                "end: 2026-01-29",
                "2026-01-29",
                "end",
                "2026-01-29 is before `start` (2026-04-13)",
                "the planned end comes after the first day; check the year and the order of month and day",
            )
        ],
        id="end-before-start",
    ),
    pytest.param(
        ("program: executive", "program: executiv"),
        [
            Expect(
                "program: executiv",
                "executiv",
                "program",
                "unknown program 'executiv'",
                "did you mean 'executive'?",
            )
        ],
        id="unknown-program",
    ),
    pytest.param(
        ("  - id: ready-a-successor", "  - id: Ready A Successor"),
        [
            Expect(
                "  - id: Ready A Successor",
                "Ready",
                "goals[2].id",
                "'Ready A Successor' is not a valid id",
                "use lower-case words joined by hyphens, such as `delegate-more`",
            )
        ],
        id="id-not-slug",
    ),
    pytest.param(
        ("    focus: Your 360 feedback", "    focus: ''"),
        [
            Expect(
                "    focus: ''",
                "''",
                "sessions[3].focus",
                "must not be empty",
                "write a value, or remove the line if the field is optional",
            )
        ],
        id="empty-text",
    ),
    pytest.param(
        (
            "sponsor:\n  name: Ines Carvalho\n  role: Chief People Officer\n"
            "  email: ines.carvalho@haldenlogistics.example\n"
            "  # Ines sees a progress-only site: stages, goal percentages and sessions held.\n"
            "  site: true\n",
            "sponsor: Ines Carvalho\n",
        ),
        [
            Expect(
                "sponsor: Ines Carvalho",
                "Ines",
                "sponsor",
                "expected a mapping of `key: value` lines, got str",
                "indent the fields under this key",
            )
        ],
        id="text-where-mapping-expected",
    ),
]


@pytest.mark.parametrize(("change", "expected"), ENGAGEMENT_CASES)
def test_one_error_in_an_engagement(tmp_path: Path, change: tuple[str, str], expected: list[Expect]) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, DANA, *change)
    problems = problems_of(project)
    want = [(DANA, *locate(text, e.marker, e.sub), e.field, e.message, e.hint) for e in expected]
    assert [as_tuple(p) for p in problems] == want


# Values whose messages come from coachbook.core.fields: position, field and hint are right ...
VALUE_CASES = [
    pytest.param(("start: 2026-04-13", "start: 2026-13-01"), "2026-13-01", "start", "date", id="impossible-date"),
    pytest.param(("start: 2026-04-13", "start: 18/03/2026"), "18/03/2026", "start", "date", id="day-first-date"),
    pytest.param(("start: 2026-04-13", "start: 20260413"), "20260413", "start", "date", id="integer-date"),
    pytest.param(
        ('    time: "09:00"\n    stage: contracting', "    time: 9:30\n    stage: contracting"),
        "9:30",
        "sessions[0].time",
        "time",
        id="single-digit-hour",
    ),
    pytest.param(
        ('    time: "09:00"\n    stage: contracting', '    time: "24:00"\n    stage: contracting'),
        '"24:00"',
        "sessions[0].time",
        "time",
        id="hour-24",
    ),
    pytest.param(("    target: 5\n", '    target: "5"\n'), '"5"', "goals[0].target", "number", id="number-as-text"),
    pytest.param(
        ("    target: 5\n", "    target: 5 hours\n"), "5 hours", "goals[0].target", "number", id="number-with-unit"
    ),
]
HINTS = {
    "date": "write dates as YYYY-MM-DD, for example 2026-03-18",
    "time": 'write times in quotes as HH:MM, for example "09:30"',
    "number": "write a plain number such as 42 or 3.5, without units or quotes",
}


@pytest.mark.parametrize(("change", "written", "field", "kind"), VALUE_CASES)
def test_bad_value_points_at_the_value_with_a_hint(
    tmp_path: Path, change: tuple[str, str], written: str, field: str, kind: str
) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, DANA, *change)
    (problem,) = problems_of(project)
    line, column = locate(text, change[1], written)
    assert (problem.path.as_posix(), problem.line, problem.column, problem.field, problem.hint) == (
        DANA,
        line,
        column,
        field,
        HINTS[kind],
    )


# ... and the message quotes the value as it was written.
VALUE_MESSAGES = [
    pytest.param(("start: 2026-04-13", "start: 2026-13-01"), "'2026-13-01' is not a real calendar date", id="date-13"),
    pytest.param(
        ("start: 2026-04-13", "start: 18/03/2026"),
        "expected an ISO date (YYYY-MM-DD), got '18/03/2026'",
        id="date-day-first",
    ),
    pytest.param(
        ("start: 2026-04-13", "start: 20260413"), "expected an ISO date (YYYY-MM-DD), got 20260413", id="date-integer"
    ),
    pytest.param(
        ('    time: "09:00"\n    stage: contracting', "    time: 9:30\n    stage: contracting"),
        "expected a 24-hour time such as \"09:30\", got '9:30'",
        id="time",
    ),
    pytest.param(("    target: 5\n", '    target: "5"\n'), "expected a number, got '5'", id="number"),
]


@pytest.mark.parametrize(("change", "message"), VALUE_MESSAGES)
def test_bad_value_message_quotes_the_value(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    project = copy_firm(tmp_path)
    edit(project, DANA, *change)
    (problem,) = problems_of(project)
    assert problem.message == message


def test_unquoted_clock_time_stays_text_and_is_valid(tmp_path: Path) -> None:
    # YAML 1.1 would read 12:30 as the number 750; our loader keeps it as "12:30".
    project = copy_firm(tmp_path)
    edit(project, DANA, '    time: "09:00"\n    stage: contracting', "    time: 12:30\n    stage: contracting")
    firm = load(project)
    assert firm.engagements["dana-whitfield"].engagement.sessions[0].time == "12:30"


def test_duplicate_goal_ids(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, DANA, "  - id: ready-a-successor", "  - id: step-out-of-escalations\n    # was ready")
    problems = problems_of(project)
    first_line, _ = locate(text, "goals:\n  - id: step-out-of-escalations", "id:")
    line, column = locate(text, "  - id: step-out-of-escalations\n    # was ready", "step-out")
    assert (
        DANA,
        line,
        column,
        "goals[2].id",
        f"goal id 'step-out-of-escalations' is used twice (first on line {first_line})",
        "ids must be unique",
    ) in [as_tuple(p) for p in problems]
    # The two actions that pointed at the renamed goal are reported as well, and nothing else.
    assert sorted(p.field for p in problems) == ["actions[3].goal", "actions[6].goal", "goals[2].id"]


def test_action_goal_hint_when_there_are_no_goals(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    text = edit(
        project,
        SOFIA,
        "sessions:\n",
        "actions:\n  - title: Read the agreement\n    goal: settle-in\n    due: 2026-12-01\n\nsessions:\n",
    )
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        SOFIA,
        *locate(text, "    goal: settle-in", "settle-in"),
        "actions[0].goal",
        "no goal has the id 'settle-in'",
        "add the goal under `goals:` first",
    )


def test_problem_str_format(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, DANA, "    stage: contracting\n    focus", "    stage: contractng\n    focus")
    (problem,) = problems_of(project)
    line, column = locate(text, "    stage: contractng", "contractng")
    assert str(problem) == (
        f"{DANA}:{line}:{column}: sessions[0].stage: unknown stage 'contractng'\n    hint: did you mean 'contracting'?"
    )


# --------------------------------------------------------------------------- several files at once


def test_all_problems_from_several_files_are_reported_together_and_sorted(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    sofia = edit(
        project, SOFIA, "  building-rapport:\n    status: in-progress", "  building-rapport:\n    status: started"
    )
    kwame = edit(project, KWAME, "  sessions: 12", "  sessions: 0")
    edit(project, DANA, "    goal: grow-delegation-score\n    story", "    goal: nope\n    story")
    dana = edit(project, DANA, "    stage: contracting\n    focus", "    stage: contractng\n    focus")
    with pytest.raises(ProblemList) as exc:
        load_firm(project)
    problems = exc.value.problems
    assert [(p.path.as_posix(), p.line, p.field) for p in problems] == [
        (DANA, locate(dana, "    stage: contractng")[0], "sessions[0].stage"),
        (DANA, locate(dana, "    goal: nope")[0], "wins[2].goal"),
        (KWAME, locate(kwame, "  sessions: 0")[0], "agreement.sessions"),
        (SOFIA, locate(sofia, "    status: started")[0], "stages.building-rapport.status"),
    ]
    message = str(exc.value)
    assert message.startswith("4 problems found:\n")
    assert message.splitlines()[1].startswith(f"{DANA}:")
    assert "hint: did you mean 'not-started'?" in message


def test_problem_list_sorts_by_path_then_numeric_line_then_column() -> None:
    a, b = Path("engagements/a.yml"), Path("engagements/b.yml")
    problems = [
        Problem(b, 1, 1, "", "b1"),
        Problem(a, 10, 1, "", "a10"),
        Problem(a, 9, 5, "", "a9c5"),
        Problem(a, 9, 2, "", "a9c2"),
    ]
    assert [p.message for p in ProblemList(problems).problems] == ["a9c2", "a9c5", "a10", "b1"]


def test_problem_list_str_counts_problems() -> None:
    one = ProblemList([Problem(Path("x.yml"), 3, 4, "", "is bad")])
    assert str(one) == "1 problem found:\nx.yml:3:4: is bad"
    two = ProblemList([Problem(Path("x.yml"), 3, 4, "a.b", "is bad", "fix it"), Problem(Path("x.yml"), 1, 1, "", "no")])
    assert str(two) == "2 problems found:\nx.yml:1:1: no\nx.yml:3:4: a.b: is bad\n    hint: fix it"


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (
            Problem(Path("e/x.yml"), 4, 7, "goals[0].target", "is bad", "fix it"),
            "e/x.yml:4:7: goals[0].target: is bad\n    hint: fix it",
        ),
        (Problem(Path("e/x.yml"), 4, 7, "goals[0].target", "is bad"), "e/x.yml:4:7: goals[0].target: is bad"),
        (
            Problem(Path("e/x.yml"), 1, 1, "", "is a symbolic link", "replace it"),
            "e/x.yml:1:1: is a symbolic link\n    hint: replace it",
        ),
    ],
)
def test_problem_str(problem: Problem, text: str) -> None:
    assert str(problem) == text


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("name", "message", "hint"),
    [
        ("Dana Whitfield.yml", "file name 'Dana Whitfield' cannot be used in a URL", "rename it to dana-whitfield.yml"),
        ("Dana-Whitfield.yml", "file name 'Dana-Whitfield' cannot be used in a URL", "rename it to dana-whitfield.yml"),
        ("dana_whitfield.yml", "file name 'dana_whitfield' cannot be used in a URL", "rename it to dana-whitfield.yml"),
        (
            "dana--whitfield.yml",
            "file name 'dana--whitfield' cannot be used in a URL",
            "rename it to dana-whitfield.yml",
        ),
        ("-dana.yml", "file name '-dana' cannot be used in a URL", "rename it to dana.yml"),
        ("___.yml", "file name '___' cannot be used in a URL", "rename it to client-name.yml"),
        ("index.yml", "'index' is a reserved name", "add the client's surname, e.g. index-smith"),
        ("search.yml", "'search' is a reserved name", "add the client's surname, e.g. index-smith"),
        ("con.yml", "'con' is a reserved name", "add the client's surname, e.g. index-smith"),
        ("lpt1.yml", "'lpt1' is a reserved name", "add the client's surname, e.g. index-smith"),
        ("a" * 65 + ".yml", "file name is 65 characters long", "keep it to 64"),
        (
            "dana-whitfi\u00e9ld.yml",
            "file name 'dana-whitfi\u00e9ld' is not plain ASCII",
            "rename it using a-z, 0-9 and hyphens",
        ),
        ("dana.whitfield.yml", "file name 'dana.whitfield' cannot be used in a URL", "rename it to dana-whitfield.yml"),
        # A file name may end in a newline; a pattern's `$` matches before one.
        ("dana\n.yml", "file name 'dana\\n' cannot be used in a URL", "rename it to dana.yml"),
    ],
)
def test_bad_file_name(tmp_path: Path, name: str, message: str, hint: str) -> None:
    project = copy_firm(tmp_path)
    (project.engagements_dir / "dana-whitfield.yml").rename(project.engagements_dir / name)
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (f"engagements/{name}", 1, 1, "", message, hint)


def test_slug_of_exactly_the_maximum_length_loads(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    slug = "a" * 64
    (project.engagements_dir / "dana-whitfield.yml").rename(project.engagements_dir / f"{slug}.yml")
    assert slug in load(project).engagements


def test_slug_problem_accepts_a_good_name() -> None:
    assert slug_problem(Path("engagements/ana-lima-2.yml"), Path("engagements/ana-lima-2.yml")) is None


def test_yaml_extension_is_refused_with_a_rename_hint(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    (project.engagements_dir / "dana-whitfield.yml").rename(project.engagements_dir / "dana-whitfield.yaml")
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        "engagements/dana-whitfield.yaml",
        1,
        1,
        "",
        "has the extension .yaml",
        "rename it to dana-whitfield.yml",
    )


def test_other_files_and_dotfiles_are_ignored(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    (project.engagements_dir / "README.md").write_text("notes", encoding="utf-8")
    (project.engagements_dir / ".draft.yml").write_text("broken: [", encoding="utf-8")
    (project.engagements_dir / "engagement.schema.json").write_text("{}", encoding="utf-8")
    (project.engagements_dir / "archive.yml").mkdir()
    assert sorted(load(project).engagements) == list(SAMPLE_CLIENTS)


def test_symlinked_engagement_is_refused(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    real = tmp_path / "elsewhere.yml"
    (project.engagements_dir / "sofia-marquez.yml").rename(real)
    try:
        os.symlink(real, project.engagements_dir / "sofia-marquez.yml")
    except OSError:  # pragma: no cover
        pytest.skip("symlinks are not available")
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        SOFIA,
        1,
        1,
        "",
        "is a symbolic link",
        "engagement files must be real files in engagements/",
    )


def test_names_differing_only_by_case_collide(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    other = project.engagements_dir / "Dana-whitfield.yml"
    other.write_text((project.engagements_dir / "dana-whitfield.yml").read_text(encoding="utf-8"), encoding="utf-8")
    if len([p for p in project.engagements_dir.iterdir() if p.stem.lower() == "dana-whitfield"]) != 2:
        pytest.skip("the filesystem is case-insensitive")
    problems = problems_of(project)
    assert [as_tuple(p) for p in problems] == [
        (
            "engagements/Dana-whitfield.yml",
            1,
            1,
            "",
            "file name 'Dana-whitfield' cannot be used in a URL",
            "rename it to dana-whitfield.yml",
        ),
        (
            DANA,
            1,
            1,
            "",
            "collides with Dana-whitfield.yml (names differ only by case or accents)",
            "rename one",
        ),
    ]


def test_symlinked_engagement_is_refused_even_if_named_oddly(tmp_path: Path) -> None:
    # Whatever the link is called in messages, it is never loaded as an engagement.
    project = copy_firm(tmp_path)
    real = tmp_path / "elsewhere.yml"
    (project.engagements_dir / "sofia-marquez.yml").rename(real)
    try:
        os.symlink(real, project.engagements_dir / "sofia-marquez.yml")
    except OSError:  # pragma: no cover
        pytest.skip("symlinks are not available")
    (problem,) = problems_of(project)
    assert (problem.message, problem.hint) == (
        "is a symbolic link",
        "engagement files must be real files in engagements/",
    )


def test_only_unknown_slug_has_a_hint(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    with pytest.raises(ProblemList) as exc:
        load_firm(project, only=["dana-whitfeld"])
    (problem,) = exc.value.problems
    assert as_tuple(problem) == (
        "engagements/dana-whitfeld.yml",
        1,
        1,
        "",
        "no engagement 'dana-whitfeld'",
        "did you mean 'dana-whitfield'?",
    )


def test_only_loads_just_the_named_engagements(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    edit(project, KWAME, "  sessions: 12", "  sessions: 0")  # not loaded, so not reported
    firm = load_firm(project, only=["sofia-marquez"])
    assert list(firm.engagements) == ["sofia-marquez"]


# --------------------------------------------------------------------------- program.yml


def test_wrong_stage_number(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, PROGRAM, "        number: 3\n", "        number: 4\n")
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        PROGRAM,
        *locate(text, "        number: 4\n        title: Assessment", "4"),
        "programs[0].stages[2].number",
        "is 4 but this is stage 3 in the list",
        "stages are listed in order; renumber them 1, 2, 3, ...",
    )


def test_unknown_process_step(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, PROGRAM, "steps: [goal-setting]", "steps: [goal-seting]")
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        PROGRAM,
        *locate(text, "steps: [goal-seting]", "goal-seting"),
        "programs[0].stages[3].steps[0]",
        "unknown process step 'goal-seting'",
        "did you mean 'goal-setting'?",
    )


def test_duplicate_stage_id(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, PROGRAM, "      - id: building-rapport\n", "      - id: contracting\n")
    problems = problems_of(project)
    first, _ = locate(text, "      - id: contracting\n        number: 1", "id")
    line, column = locate(text, "      - id: contracting\n        number: 2", "contracting")
    assert as_tuple(problems[0]) == (
        PROGRAM,
        line,
        column,
        "programs[0].stages[1].id",
        f"stage id 'contracting' is used twice (first on line {first})",
        "ids must be unique",
    )
    assert len(problems) == 1


@pytest.mark.parametrize(
    ("guide", "message", "hint"),
    [
        (
            "stages/04-goal-seting.md",
            "guide file 'stages/04-goal-seting.md' does not exist",
            "did you mean 'stages/04-goal-setting.md'?",
        ),
        (
            "../engagements/x.md",
            "'../engagements/x.md' points outside the content folder",
            "name a file under content/",
        ),
        ("/etc/passwd.md", "'/etc/passwd.md' points outside the content folder", "name a file under content/"),
        (
            "stages/../stages/04-goal-setting.md",
            "'stages/../stages/04-goal-setting.md' is not a plain Markdown file name",
            "use letters, digits, - and _, ending in .md",
        ),
        (
            "stages/04-goal-setting.txt",
            "'stages/04-goal-setting.txt' is not a plain Markdown file name",
            "use letters, digits, - and _, ending in .md",
        ),
    ],
)
def test_bad_guide_path(tmp_path: Path, guide: str, message: str, hint: str) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, PROGRAM, "guide: stages/04-goal-setting.md", f"guide: {guide}")
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        PROGRAM,
        *locate(text, f"guide: {guide}", guide),
        "programs[0].stages[3].guide",
        message,
        hint,
    )


def test_symlinked_guide_is_refused(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    guide = project.content_dir / "stages" / "04-goal-setting.md"
    real = project.content_dir / "stages" / "real.md"
    guide.rename(real)
    try:
        os.symlink(real, guide)
    except OSError:  # pragma: no cover
        pytest.skip("symlinks are not available")
    text = (project.root / PROGRAM).read_text(encoding="utf-8")
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        PROGRAM,
        *locate(text, "guide: stages/04-goal-setting.md", "stages/"),
        "programs[0].stages[3].guide",
        "'stages/04-goal-setting.md' is a symbolic link",
        "replace the link with the real file",
    )


def test_guide_placeholder_problem_is_reported_against_the_guide(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    name = "content/stages/03-assessment.md"
    text = edit(project, name, "{{ client.organisation }}", "{{ client.organisation | upper }}")
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        name,
        locate(text, "{{ client.organisation | upper }}")[0],
        1,
        "",
        "only plain placeholders such as {{ client.first_name }} are allowed",
        "remove filters, calls and expressions; see the placeholder list in the README",
    )


def test_program_problems_stop_before_engagements(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    edit(project, PROGRAM, "steps: [goal-setting]", "steps: [goal-seting]")
    edit(project, DANA, "coach:\n  name: Priya", "coahc:\n  name: Priya")
    problems = problems_of(project)
    assert [p.path.as_posix() for p in problems] == [PROGRAM]


def test_missing_program_file(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    (project.content_dir / "program.yml").unlink()
    (problem,) = problems_of(project)
    assert as_tuple(problem) == (
        PROGRAM,
        1,
        1,
        "",
        "is missing",
        "create content/program.yml listing the program's stages",
    )


def test_program_unknown_key_in_stage(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    text = edit(
        project,
        PROGRAM,
        "        duration: 1–2 weeks\n        client_does:\n          - Choose",
        "        durations: 1–2 weeks\n        client_does:\n          - Choose",
    )
    with pytest.raises(ProblemList) as exc:
        load_programs(project)
    assert [as_tuple(p) for p in exc.value.problems] == [
        (
            PROGRAM,
            *locate(text, "      - id: goal-setting\n        number: 4", "id"),
            "programs[0].stages[3].duration",
            "is required but missing",
            "add `duration:` here",
        ),
        (
            PROGRAM,
            *locate(text, "        durations:", "durations"),
            "programs[0].stages[3].durations",
            "unknown field 'durations'",
            "did you mean 'duration'?",
        ),
    ]


# --------------------------------------------------------------------------- validate_document directly

MINIMAL = """\
client:
  name: Ana Lima
  role: CTO
  organisation: Acme
coach:
  name: Tom Becker
start: 2026-01-05
end: 2026-06-30
cadence:
  every_weeks: 2
agreement:
  sessions: 6
  confidentiality: Kept between us.
  logistics: Video.
"""


def validate(extra: str) -> list[tuple[int, int, str, str, str]]:
    doc = parse_yaml(MINIMAL + extra, Path("engagements/ana-lima.yml"))
    with pytest.raises(ProblemList) as exc:
        validate_document(doc, Engagement)
    return [(p.line, p.column, p.field, p.message, p.hint) for p in exc.value.problems]


def test_minimal_engagement_is_valid() -> None:
    engagement = validate_document(parse_yaml(MINIMAL, Path("e.yml")), Engagement)
    assert engagement.client.given_name == "Ana"
    assert engagement.goals == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "private: 42\n",
            (15, 10, "private", "expected text, got 42", 'put the value in quotes: "42"'),
        ),
        (
            "wins: nope\n",
            (15, 7, "wins", "expected a list, got 'nope'", "write a list, one `- item` per line"),
        ),
        (
            "closure:\n  date: 2026-06-30\n  reflection: Done.\n  growth_plan: []\n",
            (
                18,
                16,
                "closure.growth_plan",
                "must list at least one item",
                "write a list, one `- item` per line",
            ),
        ),
        (
            "reviews:\n  - date: 2026-02-01\n    coach_only: on\n",
            (
                17,
                17,
                "reviews[0].coach_only",
                "expected true or false, got 'on'",
                "write true or false (yes/no/on/off are not accepted)",
            ),
        ),
        (
            "sessions:\n  - date: 2026-02-01\n    stage: contracting\n    focus: Start\n    minutes: true\n",
            (19, 14, "sessions[0].minutes", "expected a whole number, got true", "write a whole number such as 12"),
        ),
        (
            "stages:\n  contracting:\n    status: done\n    started: 2026-02-01\n    completed: 2026-01-01\n",
            (
                19,
                16,
                "stages.contracting.completed",
                "2026-01-01 is before `started` (2026-02-01)",
                "check both dates: a stage is completed on or after the day it started",
            ),
        ),
    ],
)
def test_validate_document_problem_kinds(extra: str, expected: tuple[int, int, str, str, str]) -> None:
    assert validate(extra) == [expected]


def test_goal_target_equal_to_baseline() -> None:
    goal = (
        "goals:\n  - id: calm\n    title: Calm\n    specific: a\n    measurable: a\n    achievable: a\n"
        "    relevant: a\n    deadline: 2026-05-01\n    baseline: 3\n    target: 3\n    unit: points\n"
    )
    assert validate(goal) == [
        (
            24,
            13,
            "goals[0].target",
            "equals `baseline` (3), so progress cannot be measured",
            "set `target` to the value the client wants to reach, above or below the baseline",
        )
    ]


def test_infinite_measurement_is_refused() -> None:
    goal = (
        "goals:\n  - id: calm\n    title: Calm\n    specific: a\n    measurable: a\n    achievable: a\n"
        "    relevant: a\n    deadline: 2026-05-01\n    baseline: 3\n    target: 4\n    unit: points\n"
        "    measurements:\n      - date: 2026-02-01\n        value: 1e999\n"
    )
    assert validate(goal) == [
        (
            28,
            16,
            "goals[0].measurements[0].value",
            "expected an ordinary number, got one too large to write down",
            "write a plain number such as 42 or 3.5, without units or quotes",
        )
    ]


def test_zero_raters_in_a_feedback_group() -> None:
    feedback = (
        "assessment:\n  feedback:\n    groups:\n      - group: Peers\n        raters: 0\n"
        "        ratings:\n          Vision: 4\n"
    )
    assert validate(feedback) == [
        (19, 17, "assessment.feedback.groups[0].raters", "must be above zero, got 0", "use a number above zero")
    ]


@pytest.mark.parametrize("text", ["- a\n- b\n", "just words\n", "42\n", "---\n"])
def test_document_that_is_not_a_mapping(text: str) -> None:
    with pytest.raises(ProblemList) as exc:
        validate_document(parse_yaml(text, Path("e.yml")), Engagement)
    (problem,) = exc.value.problems
    assert (problem.line, problem.column, problem.field, problem.message, problem.hint) == (
        1,
        1,
        "",
        "must be a mapping of `key: value` lines",
        "see the example in the README",
    )


def test_empty_file_lists_every_required_top_level_field() -> None:
    with pytest.raises(ProblemList) as exc:
        validate_document(parse_yaml("", Path("e.yml")), Engagement)
    assert [(p.line, p.column, p.field, p.hint) for p in exc.value.problems] == [
        (1, 1, name, f"add `{name}:` here") for name in ("client", "coach", "start", "end", "cadence", "agreement")
    ]


@pytest.mark.parametrize(
    ("word", "choices", "hint"),
    [
        ("coahc", ["coach", "client", "cadence"], "did you mean 'coach'?"),
        ("in progres", ["not-started", "in-progress", "done"], "did you mean 'in-progress'?"),
        ("zzz", ["b", "a", "c", "a"], "expected one of: a, b, c"),
        (
            "zzz",
            [f"choice-{i:02d}" for i in range(12)],
            "expected one of: " + ", ".join(f"choice-{i:02d}" for i in range(12)),
        ),
        (
            "zzz",
            [f"choice-{i:02d}" for i in range(13)],
            "it is none of the 13 known ones, such as choice-00, choice-01, choice-02, choice-03",
        ),
        ("x", [], "expected one of: "),
    ],
)
def test_did_you_mean(word: str, choices: list[str], hint: str) -> None:
    assert did_you_mean(word, choices) == hint


# --------------------------------------------------------------------------- everything in one run


def test_every_kind_of_problem_in_one_file_is_reported_in_one_run(tmp_path: Path) -> None:
    """A field error, two cross-field errors, a misspelt program and a stage reference, all at once."""
    project = copy_firm(tmp_path)
    edit(project, DANA, "program: executive", "program: Executive")
    edit(project, DANA, "end: 2027-01-29", "end: 2026-01-29")
    edit(project, DANA, "  every_weeks: 2", "  every_weeks: 2.5")
    edit(project, DANA, "    baseline: 14\n    target: 5\n", "    baseline: 14\n    target: 14\n")
    text = edit(project, DANA, "    stage: contracting\n    focus", "    stage: contractng\n    focus")
    assert [as_tuple(p) for p in problems_of(project)] == [
        (DANA, *locate(text, "program: Executive", "Executive"), "program", "unknown program 'Executive'",
         "did you mean 'executive'?"),
        (DANA, *locate(text, "end: 2026-01-29", "2026"), "end", "2026-01-29 is before `start` (2026-04-13)",
         "the planned end comes after the first day; check the year and the order of month and day"),
        (DANA, *locate(text, "  every_weeks: 2.5", "2.5"), "cadence.every_weeks", "expected a whole number, got 2.5",
         "write a whole number such as 12"),
        (DANA, *locate(text, "    target: 14", "14"), "goals[0].target",
         "equals `baseline` (14), so progress cannot be measured",
         "set `target` to the value the client wants to reach, above or below the baseline"),
        (DANA, *locate(text, "    stage: contractng", "contractng"), "sessions[0].stage", "unknown stage 'contractng'",
         "did you mean 'contracting'?"),
    ]  # fmt: skip


def test_a_stage_of_the_other_program_says_so(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    program = (project.content_dir / "program.yml").read_text(encoding="utf-8")
    body = program[program.index("  - id: executive") :]
    second = body.replace("  - id: executive", "  - id: team", 1).replace(
        "      - id: contracting\n", "      - id: team-charter\n", 1
    )
    (project.content_dir / "program.yml").write_text(program + second, encoding="utf-8")
    text = edit(project, SOFIA, "    stage: contracting\n", "    stage: team-charter\n")
    (problem,) = problems_of(project)
    assert as_tuple(problem)[:4] == (
        SOFIA,
        *locate(text, "    stage: team-charter", "team-charter"),
        "sessions[0].stage",
    )
    assert problem.message == (
        "stage 'team-charter' belongs to the program 'team' (Executive Coaching Programme), but this engagement "
        "follows 'executive' (Executive Coaching Programme)"
    )
    assert problem.hint.startswith("use a stage of 'executive' (expected one of: action-planning, assessment,")
    assert problem.hint.endswith("or set `program: team` if the client is in that program")


def test_warnings_do_not_stop_a_load_and_point_at_their_field(tmp_path: Path) -> None:
    project = copy_firm(tmp_path)
    text = edit(project, KWAME, "  sessions: 12", "  sessions: 11")
    firm = load(project)
    (warning,) = firm.engagements["kwame-asante"].warnings
    assert warning.warning
    assert (warning.line, warning.field) == (locate(text, "\nsessions:\n", "sessions")[0], "sessions")
    assert warning.message == "12 sessions are listed (not counting cancelled ones), but the agreement is for 11"
    assert str(warning).startswith(f"{KWAME}:{warning.line}:1: warning: sessions: 12 sessions")


def test_no_message_is_in_pydantics_words(tmp_path: Path) -> None:
    """Every kind of value error a coach can make is worded plainly, never "Input should be ..."."""
    bad = (
        "agreement:\n  sessions: -1\n  confidentiality: [a]\n  logistics: {a: 1}\n"
        "cadence:\n  every_weeks: 1.5\n  minutes: '60'\n"
        "goals: 3\nwins: {}\nreviews:\n  - date: 2026-01-01\n    working: text\n"
        "stages:\n  contracting:\n    status: 3\n"
        "site:\n  encrypt: 1\n  id: x\nhandbook: -x\n"
        "client:\n  name: [A]\n  role: ''\n  organisation: " + "A" * 10 + "\n  email: not-an-email\n"
        "closure:\n  date: 2026-06-30\n  reflection: Done.\n  growth_plan: []\n"
        "program: " + "a" * 70 + "\n"
    )
    doc = parse_yaml(bad + "coach:\n  name: T\nstart: 2026-01-05\nend: 2026-02-05\n", Path("e.yml"))
    with pytest.raises(ProblemList) as exc:
        validate_document(doc, Engagement)
    messages = [p.message for p in exc.value.problems]
    assert len(messages) >= 15
    for message in messages:
        assert "Input should" not in message and "Value error" not in message and "validation" not in message, message
