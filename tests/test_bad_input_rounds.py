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


# --------------------------------------------------------------------------- Markdown that is not UTF-8, or a link loop


@pytest.mark.parametrize(
    "page", ["stages/03-assessment.md", "stages/03-assessment.de.md", "index.md", "notes/extra.md"]
)
def test_a_page_that_is_not_utf8_is_an_error_in_check_and_build(firm: Path, page: str) -> None:
    before = built(firm)
    path = firm / "content" / page
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text("# Extra\n\nA page beside the guides.\n", encoding="utf-8")
    append(path, b"caf\xe9\n")
    assert_refused(firm, f"content/{page}:1:1: is not UTF-8 text", before=before)


def test_every_page_that_is_not_utf8_is_named_in_one_build(firm: Path) -> None:
    append(firm / "content" / "stages" / "03-assessment.md", b"\xe9")
    append(firm / "content" / "index.md", b"\xe9")
    result = run_coachbook(firm, "build", "--client", CLIENT, "--as-of", AS_OF, "-j", "1")
    output = result.stdout + result.stderr
    assert "content/index.md:1:1: is not UTF-8 text" in output, output
    assert output.count("content/stages/03-assessment.md:1:1: is not UTF-8 text") == 1, output
    result = run_coachbook(firm, "check")
    output = result.stdout + result.stderr
    assert output.count("content/stages/03-assessment.md:1:1: is not UTF-8 text") == 1, output


def test_a_guide_that_links_to_itself_is_an_error(firm: Path) -> None:
    before = built(firm)
    guide = firm / "content" / "stages" / "03-assessment.md"
    guide.unlink()
    guide.symlink_to(guide.name)
    assert_refused(firm, "'stages/03-assessment.md' is a symbolic link", before=before)


# --------------------------------------------------------------------------- broken front matter

GUIDE = "content/stages/03-assessment.md"


def break_front_matter(firm: Path, old: str, new: str) -> None:
    path = firm / GUIDE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "old,new,where",
    [
        ("title: Assessment\n", "title: [Assessment\n", f"{GUIDE}:3:12: front matter: YAML syntax error"),
        ("title: Assessment\ndescription:", "- title: Assessment\n- description:", f"{GUIDE}:2:1: front matter"),
        ("stand today.\n---\n", "stand today.\n", f"{GUIDE}:1:1: front matter: the block opened on line 1"),
        (
            "title: Assessment\n",
            "title: Assessment\ntitle: Again\n",
            f"{GUIDE}:3:1: front matter: title: duplicate key 'title' (first written on line 2)",
        ),
    ],
    ids=["syntax", "list", "unclosed", "duplicate"],
)
def test_broken_front_matter_is_an_error_not_page_text(firm: Path, old: str, new: str, where: str) -> None:
    before = built(firm)
    break_front_matter(firm, old, new)
    assert_refused(firm, where, before=before)


def test_broken_front_matter_of_a_page_beside_the_guides_is_an_error(firm: Path) -> None:
    path = firm / "content" / "index.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "title: [", 1), encoding="utf-8")
    assert_refused(firm, "content/index.md:3:12: front matter: YAML syntax error")


@pytest.mark.parametrize(
    "text",
    [
        "# No front matter\n\nText.\n\n---\n\nA rule, then more text.\n",
        "---\n\n# A rule atop the page\n\nText.\n",
        "Title: Old-style metadata\n\n# Heading\n",
    ],
    ids=["rule-later", "rule-first", "multimarkdown"],
)
def test_a_guide_without_front_matter_is_fine(firm: Path, text: str) -> None:
    (firm / GUIDE).write_text(text, encoding="utf-8")
    result = run_coachbook(firm, "check")
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- numbers too large for any chart or total


@pytest.mark.parametrize(
    "old,new,where",
    [
        ("  sessions: 16\n", "  sessions: 99999999999999999999999999999\n", "agreement.sessions: must be at most 500"),
        ("    target: 80\n", "    target: 99999999999999999999999999999\n", "target: must be at most 1000000000"),
        ("        value: 40\n", "        value: 1.0e+300\n", "value: must be at most 1000000000"),
        ("        value: 40\n", "        value: -1.0e+300\n", "value: must be at least -1000000000"),
        ("  minutes: 60\n", "  minutes: 100000000000000\n", "cadence.minutes: must be at most 1440"),
        ("  every_weeks: 2\n", "  every_weeks: 100000000000000\n", "cadence.every_weeks: must be at most 1000"),
    ],
    ids=["sessions", "target", "value", "negative-value", "cadence-minutes", "every-weeks"],
)
def test_a_number_too_large_is_a_range_error_at_its_line(firm: Path, old: str, new: str, where: str) -> None:
    path = firm / "engagements" / f"{CLIENT}.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    output = assert_refused(firm, where)
    assert f"engagements/{CLIENT}.yml:{line}:" in output, output


def test_a_session_too_long_is_an_error_in_check_build_and_hours(firm: Path) -> None:
    before = built(firm)
    path = firm / "engagements" / f"{CLIENT}.yml"
    text = path.read_text(encoding="utf-8")
    old = "\nsessions:\n  - date:"
    assert old in text
    at = text.index(old)
    new = "\nsessions:\n  - minutes: 100000000000000\n    date:"
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    line = text[:at].count("\n") + 3
    assert_refused(
        firm, f"engagements/{CLIENT}.yml:{line}:14: sessions[0].minutes: must be at most 1440", before=before
    )
    result = run_coachbook(firm, "hours")
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stdout + result.stderr
    assert "must be at most 1440" in result.stdout + result.stderr
