"""The `coachbook` command and plain `mkdocs` run for real against copies of the sample firm."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from .conftest import AS_OF, SAMPLE_CLIENTS, run_coachbook


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_check_passes_on_the_sample_firm(firm: Path) -> None:
    result = run_coachbook(firm, "check")
    assert result.returncode == 0, result.stderr
    assert f"OK: 1 program(s), 7 stage guide(s), {len(SAMPLE_CLIENTS)} engagement(s)." in result.stdout


def test_check_on_a_broken_file_prints_file_line_column_field_and_hint(firm: Path) -> None:
    path = firm / "engagements" / "dana-whitfield.yml"
    replace_in(path, "    baseline: 14\n", "    baselin: 14\n")
    line = line_of(path, "baselin: 14")
    result = run_coachbook(firm, "check")
    assert result.returncode == 1
    assert f"engagements/dana-whitfield.yml:{line}:5: goals[0].baselin: unknown field 'baselin'" in result.stderr
    assert "hint: did you mean 'baseline'?" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_check_says_warnings_and_passes_unless_strict(firm: Path) -> None:
    kwame = firm / "engagements" / "kwame-asante.yml"
    replace_in(kwame, "  sessions: 12", "  sessions: 10")
    result = run_coachbook(firm, "check")
    assert result.returncode == 0, result.stderr
    assert f"OK with 1 warning: 1 program(s), 7 stage guide(s), {len(SAMPLE_CLIENTS)} engagement(s)." in result.stdout
    assert re.search(
        r"engagements/kwame-asante\.yml:\d+:1: warning: sessions: 12 sessions are listed \(not counting cancelled "
        r"ones\), but the agreement is for 10\n    hint: if more sessions were agreed, raise `agreement.sessions`",
        result.stderr,
    ), result.stderr
    # Unchanged, the file is not read again: its warning comes from the record cache, and is still said.
    again = run_coachbook(firm, "check")
    assert again.stderr == result.stderr and again.returncode == 0
    strict = run_coachbook(firm, "check", "--strict")
    assert strict.returncode == 1
    assert "error: 1 warning, which --strict treats as errors" in strict.stderr
    # `coachbook build --strict` refuses it before building anything; a plain build says it and builds.
    refused = run_coachbook(firm, "build", "--as-of", AS_OF, "--strict")
    assert refused.returncode == 1 and "warning: sessions: 12 sessions are listed" in refused.stderr
    assert not (firm / "site").exists()
    built = run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "kwame-asante")
    assert built.returncode == 0 and "warning: sessions: 12 sessions are listed" in built.stderr


def test_check_reports_the_program_and_the_engagements_in_one_run(firm: Path) -> None:
    replace_in(firm / "content" / "program.yml", "steps: [goal-setting]", "steps: [goal-seting]")
    dana = firm / "engagements" / "dana-whitfield.yml"
    replace_in(dana, "end: 2027-01-29", "end: 2026-01-29")
    replace_in(dana, "coach:\n  name: Priya", "coahc:\n  name: Priya")
    result = run_coachbook(firm, "check")
    assert result.returncode == 1
    assert "content/program.yml:" in result.stderr and "unknown process step 'goal-seting'" in result.stderr
    assert f"engagements/dana-whitfield.yml:{line_of(dana, 'end: 2026')}:6: end: 2026-01-29 is before" in result.stderr
    assert "unknown field 'coahc'" in result.stderr
    assert "note: engagement files were checked without the program" in result.stderr
    assert "error: 4 problems found" in result.stderr


def test_yaml_one_one_surprises_are_errors_not_silent_values(firm: Path) -> None:
    dana = firm / "engagements" / "dana-whitfield.yml"
    replace_in(dana, "cancelled: true", "cancelled: yes")
    sofia = firm / "engagements" / "sofia-marquez.yml"
    replace_in(sofia, "start: 2026-11-16", "start: 16/11/2026")
    result = run_coachbook(firm, "check")
    assert result.returncode == 1
    assert "2 problems found" in result.stderr
    line = line_of(dana, "cancelled: yes")
    assert f"engagements/dana-whitfield.yml:{line}:16: sessions[" in result.stderr
    assert "cancelled: expected true or false, got 'yes'" in result.stderr
    assert "hint: write true or false (yes/no/on/off are not accepted)" in result.stderr
    assert re.search(
        r"engagements/sofia-marquez\.yml:\d+:8: start: expected an ISO date \(YYYY-MM-DD\), got '16/11/2026'",
        result.stderr,
    )
    assert "hint: write dates as YYYY-MM-DD" in result.stderr
    # Both files' problems are reported together, in file order.
    assert result.stderr.index("dana-whitfield.yml") < result.stderr.index("sofia-marquez.yml")


def test_a_bad_file_stops_the_build_and_writes_nothing(firm: Path) -> None:
    replace_in(firm / "engagements" / "kwame-asante.yml", "program: executive", "program: exec")
    result = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert result.returncode == 1
    assert "unknown program 'exec'" in result.stderr
    assert "nothing was built" in result.stderr
    assert not (firm / "site").exists()


def test_build_one_client_only(firm: Path) -> None:
    result = run_coachbook(firm, "build", "--client", "sofia-marquez", "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert (firm / "site" / "clients" / "sofia-marquez" / "index.html").is_file()
    assert not (firm / "site" / "clients" / "dana-whitfield").exists()
    assert not (firm / "site" / "handbook").exists()
    assert "1 built, 0 failed" in result.stdout


def test_unknown_client_is_a_clear_error(firm: Path) -> None:
    result = run_coachbook(firm, "build", "--client", "dana-whitfeld")
    assert result.returncode == 1
    assert "did you mean 'dana-whitfield'?" in result.stderr


def test_plain_mkdocs_build_makes_the_handbook_and_leaves_client_sites_alone(firm: Path) -> None:
    run_coachbook(firm, "build", "--client", "dana-whitfield", "--as-of", AS_OF, check=True)
    dashboard = firm / "site" / "clients" / "dana-whitfield" / "index.html"
    before = dashboard.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"], cwd=firm, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert (firm / "site" / "handbook" / "stages" / "01-contracting" / "index.html").is_file()
    assert dashboard.read_bytes() == before


def test_plugin_reads_the_client_from_the_environment_as_serve_does(firm: Path) -> None:
    env = {**os.environ, "COACHBOOK_CLIENT": "kwame-asante", "COACHBOOK_AS_OF": AS_OF}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(firm / "preview")],
        cwd=firm,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup((firm / "preview" / "index.html").read_text(), "html.parser")
    assert "Welcome, Kwame" in soup.get_text()


def test_a_site_that_fails_its_audit_is_not_published_and_its_old_version_stays(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    old_handbook = (firm / "site" / "handbook" / "index.html").read_bytes()
    old_sofia = (firm / "site" / "clients" / "sofia-marquez" / "index.html").read_bytes()
    # A guide that names a client leaks to every other site.
    guide = firm / "content" / "stages" / "02-building-rapport.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\nAsk Halden Logistics how they did it.\n", encoding="utf-8")
    result = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert result.returncode == 1
    assert "leak audit failed" in result.stderr
    assert "halden logistics" in result.stderr.lower()
    assert "FAILED handbook" in result.stderr and "FAILED sofia-marquez" in result.stderr
    # Dana's own site may say her organisation; it is rebuilt.
    assert re.search(r"built\s+dana-whitfield", result.stdout)
    assert (firm / "site" / "handbook" / "index.html").read_bytes() == old_handbook
    assert (firm / "site" / "clients" / "sofia-marquez" / "index.html").read_bytes() == old_sofia
    assert not (firm / "site" / ".staging").exists() and not (firm / ".site.staging").exists()


def test_deleting_an_engagement_removes_its_site(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    (firm / "engagements" / "sofia-marquez.yml").unlink()
    result = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    assert not (firm / "site" / "clients" / "sofia-marquez").exists()
    assert "removed  sofia-marquez" in result.stdout


def test_hostile_values_are_escaped_everywhere(firm: Path) -> None:
    path = firm / "engagements" / "sofia-marquez.yml"
    replace_in(path, "name: Sofia Marquez", 'name: "Sofia <script>alert(\'x\')</script> \\"O\'Brien\\" {{ 7*7 }}"')
    replace_in(
        path, "first_name: Sofia", 'first_name: "So<b>fia</b>"'
    ) if "first_name: Sofia" in path.read_text() else None
    result = run_coachbook(firm, "build", "--client", "sofia-marquez", "--as-of", AS_OF, "--strict")
    assert result.returncode == 0, result.stderr
    for page in (firm / "site" / "clients" / "sofia-marquez").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert "49" not in BeautifulSoup(html, "html.parser").get_text().split("{{")[0][-4:]
    agreement = BeautifulSoup(
        (firm / "site" / "clients" / "sofia-marquez" / "agreement" / "index.html").read_text(), "html.parser"
    )
    assert "{{ 7*7 }}" in agreement.get_text()
    assert "<script>alert('x')</script>" in agreement.get_text()
    assert "<script>alert('x')</script>" in agreement.title.get_text()


SECOND_PROGRAM = """
  - id: team-lead
    title: New Team Lead Programme
    summary: Three short stages for people leading a team for the first time.
    process_steps:
      - id: start
        title: Start
        summary: Agree how you will work.
      - id: practise
        title: Practise
        summary: Try it at work.
    stages:
      - id: kickoff
        number: 1
        title: Kick-off
        summary: Agree the ground rules.
        guide: team-lead/kickoff.md
        steps: [start]
        duration: 1 week
        client_does: [Book the sessions]
        coach_does: [Explains the format]
        exit_criteria: [Sessions are booked]
      - id: growth
        number: 2
        title: Growth
        summary: Practise leading, with feedback.
        guide: team-lead/growth.md
        steps: [practise]
        duration: 3 months
        client_does: [Try one new habit a fortnight]
        coach_does: [Gives feedback]
        exit_criteria: [The habits hold]
"""

LEAD_ENGAGEMENT = """\
program: team-lead
client: {name: Noor Haddad, role: Team Lead, organisation: Fenwick Analytics}
coach: {name: Tom Becker}
start: 2026-10-05
end: 2027-01-29
cadence: {every_weeks: 2}
agreement: {sessions: 6, confidentiality: Kept between us., logistics: Video calls.}
stages:
  kickoff: {status: done, started: 2026-10-05, completed: 2026-10-12}
  growth: {status: in-progress, started: 2026-10-12}
sessions:
  - {date: 2026-12-07, stage: growth, focus: Running your first retrospective}
"""


def test_a_second_program_with_its_own_stages_builds(firm: Path) -> None:
    program = firm / "content" / "program.yml"
    program.write_text(program.read_text(encoding="utf-8") + SECOND_PROGRAM, encoding="utf-8")
    (firm / "content" / "team-lead").mkdir()
    for stage in ("kickoff", "growth"):
        (firm / "content" / "team-lead" / f"{stage}.md").write_text(
            f"---\ntitle: {stage.title()}\n---\n\n# {stage.title()}\n\nWith {{{{ coach.name }}}}, step by step.\n",
            encoding="utf-8",
        )
    (firm / "engagements" / "noor-haddad.yml").write_text(LEAD_ENGAGEMENT, encoding="utf-8")
    result = run_coachbook(firm, "build", "--as-of", AS_OF, "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    noor = firm / "site" / "clients" / "noor-haddad"
    dashboard = BeautifulSoup((noor / "index.html").read_text(), "html.parser").get_text(" ")
    assert "Where you are: Growth" in dashboard
    assert "1 of 2 stages done" in dashboard
    # Her site carries her program's guides only, personalised.
    assert "With Tom Becker, step by step." in (noor / "team-lead" / "growth" / "index.html").read_text()
    assert not (noor / "stages").exists()
    # The other clients still follow the default program; the handbook shows both programs.
    assert (firm / "site" / "clients" / "dana-whitfield" / "stages" / "06-implementation" / "index.html").is_file()
    handbook = (firm / "site" / "handbook" / "index.html").read_text()
    assert "New Team Lead Programme" in handbook and "Executive Coaching Programme" in handbook
    assert (
        "With your coach, step by step."
        in (firm / "site" / "handbook" / "team-lead" / "growth" / "index.html").read_text()
    )


def test_site_id_moves_a_client_to_an_unguessable_address(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    path = firm / "engagements" / "kwame-asante.yml"
    before = path.read_text(encoding="utf-8")
    result = run_coachbook(firm, "site-id", "kwame-asante", check=True)
    site_id = re.search(r"clients/([a-z2-7]{26})/", result.stdout)
    assert site_id, result.stdout
    after = path.read_text(encoding="utf-8")
    # The file keeps every comment and line; only the id is added.
    assert after.startswith(before.rstrip("\n")) and after.endswith(f"site:\n  id: {site_id[1]}\n")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    clients = firm / "site" / "clients"
    assert (clients / site_id[1] / "index.html").is_file()
    assert not (clients / "kwame-asante").exists()
    # The audit knows whose site the id is: Kwame's own name is allowed there.
    audit = run_coachbook(firm, "audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    again = run_coachbook(firm, "site-id", "kwame-asante")
    assert again.returncode == 1 and "already has site.id" in again.stderr


def test_site_id_goes_under_an_existing_site_block(firm: Path) -> None:
    path = firm / "engagements" / "sofia-marquez.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\nsite:\n    encrypt: false\n", encoding="utf-8")
    run_coachbook(firm, "site-id", "sofia-marquez", check=True)
    assert re.search(r"\nsite:\n    id: [a-z2-7]{26}\n    encrypt: false\n$", path.read_text(encoding="utf-8"))
    assert run_coachbook(firm, "check").returncode == 0
