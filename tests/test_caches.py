"""Every cache that makes the coach's loop fast gives way to each input it depends on.

The record cache (`coachbook.audit.records`) lets `check` and the preview skip
engagement files that have not changed; the preview also keeps the compiled
theme, its file listing and the files' digests between rebuilds. Each test
changes one input and shows that what depends on it is seen at once.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coachbook.audit.records import RecordCache
from coachbook.core.loader import load_programs
from coachbook.core.project import Project

from .conftest import AS_OF, run_coachbook


def _project(firm: Path) -> Project:
    return Project(firm, firm / "content", firm / "engagements")


def test_check_reports_a_problem_in_a_file_it_had_passed(firm: Path) -> None:
    assert run_coachbook(firm, "check", check=True).returncode == 0
    path = firm / "engagements" / "sofia-marquez.yml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("start: 2026-", "start: 2026-13-", 1), encoding="utf-8")
    result = run_coachbook(firm, "check")
    assert result.returncode == 1 and "sofia-marquez.yml" in result.stderr
    path.write_text(good, encoding="utf-8")
    assert run_coachbook(firm, "check").returncode == 0


def test_a_program_change_checks_every_engagement_again(firm: Path) -> None:
    """An engagement is checked against the program: unchanged files must be checked again when it changes."""
    assert run_coachbook(firm, "check", check=True).returncode == 0
    program = firm / "content" / "program.yml"
    text = program.read_text(encoding="utf-8")
    renamed = re.sub(r"^(\s+- id: )implementation$", r"\g<1>doing-the-work", text, count=1, flags=re.M)
    assert renamed != text
    program.write_text(renamed, encoding="utf-8")
    result = run_coachbook(firm, "check")
    assert result.returncode == 1
    assert "unknown stage 'implementation'" in result.stderr
    program.write_text(text, encoding="utf-8")
    assert run_coachbook(firm, "check").returncode == 0


def test_records_are_kept_by_what_they_were_checked_against(firm: Path) -> None:
    project = _project(firm)
    programs = load_programs(project)
    cache = RecordCache(project, programs)
    other = RecordCache(project, programs[:0])
    assert cache.context != other.context
    # Coachbook's own code is part of the key too (a new version checks everything again).
    import coachbook.audit.records as records

    original = records.code_digest
    try:
        records.code_digest = lambda: "a later coachbook"  # type: ignore[assignment]
        assert RecordCache(project, programs).context != cache.context
    finally:
        records.code_digest = original


# --------------------------------------------------------------------------- the live preview


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8", "replace"))
    except OSError:
        return ""


def _until(url: str, marker: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if marker in _fetch(url):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def preview(firm: Path) -> Iterator[tuple[Path, str]]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coachbook",
            "serve",
            "--client",
            "dana-whitfield",
            "--as-of",
            AS_OF,
            "-a",
            f"127.0.0.1:{port}",
        ],
        cwd=firm,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        assert _until(url, "Dana", 120), "the preview never served a page"
        yield firm, url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.slow
def test_the_preview_sees_each_input_change(preview: tuple[Path, str]) -> None:
    firm, url = preview
    # The engagement.
    path = firm / "engagements" / "dana-whitfield.yml"
    path.write_text(
        re.sub(
            r"^(  role: ).*$", r"\g<1>Chief Kaleidoscope Officer", path.read_text(encoding="utf-8"), count=1, flags=re.M
        ),
        encoding="utf-8",
    )
    assert _until(url + "agreement/", "Chief Kaleidoscope Officer")
    # A guide.
    guide = firm / "content" / "stages" / "03-assessment.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\nA sentence about marmalade.\n", encoding="utf-8")
    assert _until(url + "stages/03-assessment/", "A sentence about marmalade.")
    # A theme override: the kept, compiled theme reloads a template whose file changed.
    main = firm / "theme" / "main.html"
    main.write_text(
        main.read_text(encoding="utf-8").replace(
            "{% block extrahead %}", '{% block extrahead %}\n  <meta name="cb-marker" content="tangerine">', 1
        ),
        encoding="utf-8",
    )
    assert _until(url, 'content="tangerine"')
    # A file added to the theme's overrides is in the site at the next rebuild.
    (firm / "theme" / "assets" / "firm-note.txt").write_text("plum", encoding="utf-8")
    assert _until(url + "assets/firm-note.txt", "plum")
    # A Markdown setting: the pages the preview keeps converted (`remember_conversions`) are converted again.
    config = firm / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "      permalink: true\n" in text
    config.write_text(text.replace("      permalink: true\n", '      permalink: "§"\n', 1), encoding="utf-8")
    assert _until(url + "goals/", 'title="Permanent link">§</a>')
    assert _until(url + "stages/03-assessment/", 'title="Permanent link">§</a>')
