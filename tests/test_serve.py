"""The preview server listens on this computer only, unless the coach asks for the network, and then says so."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from coachbook.access.preview import check_preview_address, is_loopback
from coachbook.cli.serve import error_page
from coachbook.errors import CoachbookError, Problem, ProblemList

from .browser import free_port


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:8000", True),
        ("127.3.4.5:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("0.0.0.0:8000", False),
        ("[::]:8000", False),
        ("192.168.1.20:8000", False),
        (":8000", False),
        ("coachbook-no-such-host.invalid:8000", False),
    ],
)
def test_is_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_the_network_needs_expose_and_never_gets_the_coach_view() -> None:
    assert check_preview_address("127.0.0.1:8000", expose=False, coach_view=True, what="x") is None
    with pytest.raises(CoachbookError, match="--expose"):
        check_preview_address("0.0.0.0:8000", expose=False, coach_view=False, what="x")
    with pytest.raises(CoachbookError, match="shows coach-only material, so it is served on this computer only"):
        check_preview_address("0.0.0.0:8000", expose=True, coach_view=True, what="x")
    warning = check_preview_address("0.0.0.0:8000", expose=True, coach_view=False, what="ana's private site")
    assert warning is not None and "every device" in warning and "ana's private site" in warning


def _start(firm: Path, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=firm,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_expose_serves_the_network_with_a_warning(firm: Path) -> None:
    port = free_port()
    server = _start(firm, ["coachbook", "serve", "--client", "dana-whitfield", "--expose", "-a", f"0.0.0.0:{port}"], {})
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if "Serving on" in line or "error" in line.lower():
                break
        output = "".join(lines)
        assert f"warning: serving dana-whitfield's private site on 0.0.0.0:{port}" in output, output
        assert "Serving on" in output, output
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_a_plain_mkdocs_serve_of_a_client_is_held_to_the_same(firm: Path) -> None:
    """`mkdocs serve` has no --expose: the plugin refuses a client's site on the network."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"0.0.0.0:{free_port()}"],
        cwd=firm,
        env={**os.environ, "COACHBOOK_CLIENT": "dana-whitfield"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "can be reached from other devices on the network" in result.stdout + result.stderr


def _get(url: str) -> tuple[int, str]:
    """Status and text of one page; a request that hangs fails the test instead of hanging it."""
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def _until(url: str, status: int, deadline: float = 90) -> str:
    """The page at `url` once it answers with `status`, within `deadline` seconds."""
    end = time.monotonic() + deadline
    seen: tuple[int, str] = (0, "")
    while time.monotonic() < end:
        try:
            seen = _get(url)
        except OSError:  # Not listening yet.
            seen = (0, "")
        if seen[0] == status:
            return seen[1]
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered {status}; last {seen[0]}:\n{seen[1][:2000]}")


def test_a_bad_edit_shows_its_problem_in_the_browser_and_the_fix_brings_the_site_back(firm: Path) -> None:
    """The live preview used to leave the browser loading forever after a bad edit; now it says what to fix."""
    port = free_port()
    server = _start(firm, ["coachbook", "serve", "--client", "dana-whitfield", "-a", f"127.0.0.1:{port}"], {})
    engagement = firm / "engagements" / "dana-whitfield.yml"
    good = engagement.read_text(encoding="utf-8")
    lines = good.splitlines()
    line = next(number for number, text in enumerate(lines, 1) if text.startswith("start: "))
    try:
        page = f"http://127.0.0.1:{port}/goals/"
        assert "Dana Whitfield" in _until(page, 200)

        engagement.write_text(good.replace(lines[line - 1], "start: 2026-13-45"), encoding="utf-8")
        broken = _until(page, 500)
        assert f"engagements/dana-whitfield.yml:{line}:8" in broken
        assert "not a real calendar date" in broken
        assert "hint: write dates as YYYY-MM-DD" in broken
        # MkDocs' reload script, so the fixed file reloads the open page into the site.
        assert "livereload(" in broken
        # Every page says so, not only the one that was open; the last good build's assets still load.
        assert _get(f"http://127.0.0.1:{port}/")[0] == 500
        assert _get(f"http://127.0.0.1:{port}/sitemap.xml")[0] != 500

        engagement.write_text(good, encoding="utf-8")
        fixed = _until(page, 200)
        assert "Dana Whitfield" in fixed and "not a real calendar date" not in fixed
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "the preview shows this in the browser" in output.lower(), output
    assert output.count("Building documentation") <= 6, "a failed build must not start the next one by itself"


def test_the_error_page_shows_the_firm_s_text_as_text() -> None:
    problem = Problem(
        Path("engagements/<b>x</b>.yml"), 3, 5, "goals[0].title", "'<script>alert(1)</script>' is too long", "a & b"
    )
    page = error_page(ProblemList([problem]))
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page
    assert "engagements/&lt;b&gt;x&lt;/b&gt;.yml:3:5" in page
    assert "goals[0].title: &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39; is too long" in page
    assert "hint: a &amp; b" in page
