"""`coachbook new`: a new engagement file from the commented template, ready for `check` and a first build."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coachbook.core.loader import Project, load_firm, load_programs
from coachbook.core.scaffold import NewEngagement, create_engagement, render_engagement
from coachbook.core.schema import SCHEMA_FILE, SCHEMA_LINE
from coachbook.errors import CoachbookError

from .conftest import AS_OF, SAMPLE_CLIENTS, run_coachbook

FLAGS = ("--name", "Jordan Lee", "--role", "Chief Financial Officer", "--organisation", "Corvid Mutual")
FLAGS += ("--coach", "Tom Becker", "--start", "2026-12-01")


def project_of(firm: Path) -> Project:
    return Project(firm, firm / "content", firm / "engagements")


def details(firm: Path, **changes: object) -> NewEngagement:
    fields: dict[str, object] = {
        "slug": "jordan-lee",
        "client_name": "Jordan Lee",
        "role": "CFO",
        "organisation": "Corvid Mutual",
        "coach_name": "Tom Becker",
        "program": load_programs(project_of(firm))[0],
        "start": dt.date(2026, 12, 1),
    }
    fields.update(changes)
    return NewEngagement(**fields)  # type: ignore[arg-type]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_new_with_flags_writes_a_commented_file_that_passes_check(firm: Path) -> None:
    (firm / "engagements" / SCHEMA_FILE).unlink()
    result = run_coachbook(firm, "new", "jordan-lee", *FLAGS)
    assert result.returncode == 0, result.stderr
    assert "Created engagements/jordan-lee.yml for Jordan Lee (Executive Coaching Programme)." in result.stdout
    assert "coachbook serve --client jordan-lee" in result.stdout
    text = (firm / "engagements" / "jordan-lee.yml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    assert "# The coaching engagement of Jordan Lee." in text
    # The schema the first line points at is written too, when the firm has none yet.
    assert (firm / "engagements" / SCHEMA_FILE).is_file()
    assert "Wrote engagements/engagement.schema.json" in result.stdout

    check = run_coachbook(firm, "check")
    assert check.returncode == 0, check.stderr
    assert f"{len(SAMPLE_CLIENTS) + 1} engagement(s)" in check.stdout
    loaded = load_firm(project_of(firm)).engagements["jordan-lee"]
    e = loaded.engagement
    assert (e.client.name, e.client.role, e.client.organisation) == (
        "Jordan Lee",
        "Chief Financial Officer",
        "Corvid Mutual",
    )
    assert (e.coach.name, e.program, e.start) == ("Tom Becker", "executive", dt.date(2026, 12, 1))
    # The planned end follows the default cadence: 12 sessions every 2 weeks.
    assert e.end == dt.date(2027, 5, 18)
    assert (e.cadence.every_weeks, e.agreement.sessions) == (2, 12)


def test_new_asks_for_what_the_flags_leave_out(firm: Path) -> None:
    answers = "Ama Owusu\n   \nHead of Risk\nTidewater Bank\nPriya Raman\n2027-01-11\n"
    result = subprocess.run(
        [sys.executable, "-m", "coachbook", "new", "ama-owusu"],
        cwd=firm,
        input=answers,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for question in ("Client's full name", "Client's role", "Client's organisation", "Coach's full name", "Start date"):
        assert question in result.stdout
    # A blank answer is asked again rather than written as an empty field.
    assert "Please type a value." in result.stderr
    e = load_firm(project_of(firm)).engagements["ama-owusu"].engagement
    assert (e.client.name, e.client.role, e.client.organisation, e.coach.name, e.start) == (
        "Ama Owusu",
        "Head of Risk",
        "Tidewater Bank",
        "Priya Raman",
        dt.date(2027, 1, 11),
    )


def test_new_never_overwrites_an_existing_file(firm: Path) -> None:
    before = digest(firm / "engagements")
    result = run_coachbook(firm, "new", "sofia-marquez", *FLAGS)
    assert result.returncode == 1
    assert "error: engagements/sofia-marquez.yml already exists; edit it, or choose another slug" in result.stderr
    assert digest(firm / "engagements") == before


def test_the_core_refuses_a_name_that_differs_only_by_extension_or_a_file_that_appeared(firm: Path) -> None:
    (firm / "engagements" / "jordan-lee.yaml").write_text("# a stray copy\n", encoding="utf-8")
    with pytest.raises(CoachbookError, match=r"jordan-lee\.yaml already exists, and .*jordan-lee\.yml would collide"):
        create_engagement(project_of(firm), details(firm))
    assert not (firm / "engagements" / "jordan-lee.yml").exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Jordan Lee", "file name 'Jordan Lee' cannot be used in a URL\n    hint: rename it to jordan-lee.yml"),
        ("index", "'index' is a reserved name"),
        ("jördan", "file name 'jördan' is not plain ASCII"),
        ("a" * 65, "file name is 65 characters long"),
        ("jordan--lee", "hint: rename it to jordan-lee.yml"),
    ],
)
def test_new_refuses_slugs_that_cannot_be_an_address(firm: Path, slug: str, message: str) -> None:
    before = digest(firm / "engagements")
    result = run_coachbook(firm, "new", slug, *FLAGS)
    assert result.returncode == 1
    assert f"error: {slug!r} cannot be a client's slug: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert digest(firm / "engagements") == before


def test_slug_with_a_path_is_refused_and_writes_nothing_outside(firm: Path) -> None:
    for slug in ("../escape", "sub/dir", "..\\escape"):
        result = run_coachbook(firm, "new", slug, *FLAGS)
        assert result.returncode == 1
        assert f"error: {slug!r} cannot be a client's slug: it is a path, not a name" in result.stderr
    assert not (firm / "escape.yml").exists()
    assert not list(firm.rglob("*escape*"))
    with pytest.raises(CoachbookError, match="it is a path, not a name"):
        create_engagement(project_of(firm), details(firm, slug="../escape"))


def test_unknown_program_and_bad_dates_are_clear_errors(firm: Path) -> None:
    result = run_coachbook(firm, "new", "jordan-lee", *FLAGS, "--program", "exec")
    assert result.returncode == 1
    assert "error: no program 'exec' in content/program.yml; did you mean 'executive'?" in result.stderr
    result = run_coachbook(firm, "new", "jordan-lee", *FLAGS[:-2], "--start", "1/12/2026")
    assert result.returncode == 2
    assert "'1/12/2026' is not a date; write it as YYYY-MM-DD" in result.stderr
    result = run_coachbook(firm, "new", "jordan-lee", *FLAGS, "--end", "2026-11-01")
    assert result.returncode == 1
    assert "the end date 2026-11-01 is before the start date 2026-12-01" in result.stderr
    assert not (firm / "engagements" / "jordan-lee.yml").exists()


@pytest.mark.parametrize(
    "name",
    ["O'Neil: #1", 'Ana "Nan" Lima', "- [not, a, list]", "true", "Null", "{{ 7*7 }}", "Zoë Ça", "50%: @home"],
)
def test_values_are_written_as_text_whatever_they_hold(firm: Path, name: str) -> None:
    path = create_engagement(project_of(firm), details(firm, client_name=name, organisation=name))
    e = load_firm(project_of(firm)).engagements["jordan-lee"].engagement
    assert (e.client.name, e.client.organisation) == (name, name)
    assert path.read_text(encoding="utf-8").startswith(SCHEMA_LINE + "\n")


@pytest.mark.parametrize("name", ["Ana\nLima", "Ana\tLima", "Ana\x07", "   "])
def test_values_must_be_one_line_of_text(firm: Path, name: str) -> None:
    with pytest.raises(CoachbookError, match="the client name"):
        create_engagement(project_of(firm), details(firm, client_name=name))
    assert not (firm / "engagements" / "jordan-lee.yml").exists()


def test_plain_values_stay_unquoted_for_the_coach_to_edit(firm: Path) -> None:
    text = render_engagement(details(firm), today=dt.date(2026, 11, 24))
    assert "  name: Jordan Lee\n" in text
    assert "program: executive\n" in text
    assert "start: 2026-12-01\n" in text
    assert "# Written by `coachbook new jordan-lee` on 2026-11-24." in text


def test_a_new_engagement_builds_a_site_with_a_useful_dashboard(firm: Path) -> None:
    run_coachbook(firm, "new", "jordan-lee", *FLAGS, check=True)
    run_coachbook(firm, "build", "--client", "jordan-lee", "--as-of", AS_OF, "--strict", check=True)
    page = firm / "site" / "clients" / "jordan-lee" / "index.html"
    article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("article")
    text = " ".join(article.get_text(" ").split())
    assert "Welcome, Jordan" in text
    assert "Where you are: Contracting" in text
    assert "No session is booked yet" in text


def test_new_without_a_terminal_names_what_is_missing_instead_of_aborted(firm: Path) -> None:
    """In a script or CI there is no one to ask: the command says which options to give, never a bare "Aborted!"."""
    result = subprocess.run(
        [sys.executable, "-m", "coachbook", "new", "ama-owusu", "--name", "Ama Owusu", "--coach", "Priya Raman"],
        cwd=firm,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Aborted" not in result.stdout + result.stderr
    assert "error: there was no answer to read, and --role, --organisation, --start are missing" in result.stderr
    assert "coachbook new ama-owusu --name" in result.stderr
    assert not (firm / "engagements" / "ama-owusu.yml").exists()
