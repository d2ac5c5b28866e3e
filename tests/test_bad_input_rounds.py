"""Bad input the reviewer found crashing or slipping through: each is now a clear error at its file and line.

Every case is run through the real command, as a coach would meet it: `check` names the file, line and column
with a hint and prints no traceback, and `build` refuses before anything is built, leaving the last site as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from coachbook.core.yaml_reader import parse_yaml
from coachbook.errors import ProblemList

from .conftest import AS_OF, run_coachbook

CLIENT = "marcus-oyelaran"


def site_digest(firm: Path) -> str:
    """One digest of every file of the built site, to show a refused build changed nothing."""
    digest = hashlib.sha256()
    for path in sorted((firm / "site").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(firm).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def built(firm: Path) -> str:
    """Build the one client's site (fast) and return its digest, before the input is broken."""
    run_coachbook(firm, "build", "--client", CLIENT, "--as-of", AS_OF, "-j", "1", check=True)
    return site_digest(firm)


def assert_refused(firm: Path, *expected: str, before: str | None = None) -> str:
    """`check` fails naming each of `expected` with a hint and no traceback; so does `build`, which keeps the site."""
    result = run_coachbook(firm, "check")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output and "unexpected error" not in output, output
    for text in expected:
        assert text in output, output
    assert "hint:" in output, output
    if before is not None:
        result = run_coachbook(firm, "build", "--client", CLIENT, "--as-of", AS_OF, "-j", "1")
        output = result.stdout + result.stderr
        assert result.returncode != 0, output
        assert "Traceback" not in output and "unexpected error" not in output, output
        for text in expected:
            assert text in output, output
        assert site_digest(firm) == before
    return output


def append(path: Path, data: bytes) -> None:
    path.write_bytes(path.read_bytes() + data)


def lines_of(path: Path) -> int:
    return path.read_bytes().count(b"\n")


# --------------------------------------------------------------------------- control characters in YAML

UNREADABLE = {
    "nul": ("\x00", "U+0000"),
    "bel": ("\x07", "U+0007"),
    "esc": ("\x1b", "U+001B"),
    "del": ("\x7f", "U+007F"),
    "c1": ("\x9b", "U+009B"),
    "fffe": ("\ufffe", "U+FFFE"),
}


@pytest.mark.parametrize("char,code", list(UNREADABLE.values()), ids=list(UNREADABLE))
def test_a_control_character_in_yaml_text_is_named_at_its_line_and_column(char: str, code: str) -> None:
    text = f"client:\n  name: Ana\n# a comment {char} here\n"
    with pytest.raises(ProblemList) as caught:
        parse_yaml(text, Path("engagements/ana.yml"))
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (3, 13)
    assert problem.message.startswith(f"contains {code} (")
    assert problem.hint


def test_a_nul_in_an_engagement_comment_is_an_error_in_check_and_build(firm: Path) -> None:
    before = built(firm)
    path = firm / "engagements" / f"{CLIENT}.yml"
    line = lines_of(path) + 1
    append(path, b"# pasted \x00 from a terminal\n")
    assert_refused(firm, f"engagements/{CLIENT}.yml:{line}:10: contains U+0000 (a control character)", before=before)


def test_an_escape_in_program_yml_is_an_error_in_check_and_build(firm: Path) -> None:
    before = built(firm)
    path = firm / "content" / "program.yml"
    line = lines_of(path) + 1
    append(path, b"# \x1b[31m red\n")
    assert_refused(firm, f"content/program.yml:{line}:3: contains U+001B (a control character)", before=before)


def test_a_control_character_in_the_engagement_serve_reads_is_an_error(firm: Path) -> None:
    path = firm / "engagements" / f"{CLIENT}.yml"
    line = lines_of(path) + 1
    append(path, "# \u0085\x07\n".encode())
    result = run_coachbook(firm, "serve", "--client", CLIENT)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output, output
    assert f"engagements/{CLIENT}.yml:{line}:4: contains U+0007 (a control character)" in output, output
