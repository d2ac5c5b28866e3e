"""The README's test command runs every test: a missing Chromium or nginx stops the run, it never skips quietly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import REPO


def _collect(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Collect (not run) tests in a fresh pytest, as the README's command would, with `env` on top."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "tests", "package"),
    [
        ("COACHBOOK_TEST_CHROMIUM", "tests/test_dashboard_browser.py", "apt-get install chromium"),
        ("COACHBOOK_TEST_NGINX", "tests/test_nginx.py", "apt-get install nginx-light"),
    ],
)
def test_a_missing_tool_stops_the_run_and_says_what_to_install(variable: str, tests: str, package: str) -> None:
    missing = str(REPO / "no-such-program")
    result = _collect(tests, **{variable: missing})
    said = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, said
    assert f"need {missing} ({package})" in said
    assert '-m "not browser and not nginx"' in said

    # Leaving them out on purpose is the explicit way to run without the tool.
    opted_out = _collect(tests, "-m", "not browser and not nginx", **{variable: missing})
    assert opted_out.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, opted_out.stdout + opted_out.stderr
    assert "need" not in opted_out.stdout + opted_out.stderr
