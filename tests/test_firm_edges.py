"""A firm at its edges: its engagements folder gone or misnamed, and a firm with no client yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import AS_OF, run_coachbook

pytestmark = pytest.mark.slow

SLUG = "dana-whitfield"


def test_a_missing_engagements_folder_is_an_error_that_takes_no_site_down(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG, check=True)
    site = firm / "site" / "clients" / SLUG / "index.html"
    before = site.read_bytes()
    # Moved away, or misspelt in mkdocs.yml: not a firm without clients.
    (firm / "engagements").rename(firm / "engagements-moved")
    for command in (("check",), ("build", "--as-of", AS_OF)):
        result = run_coachbook(firm, *command)
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert "engagements:1:1: the engagements folder does not exist" in output
        assert "engagements_dir" in output and "Traceback" not in output
        assert "removed" not in output
    assert site.read_bytes() == before


def test_a_firm_without_clients_yet_builds_its_console_and_handbook(firm: Path) -> None:
    for path in (firm / "engagements").glob("*.yml"):
        path.unlink()
    result = run_coachbook(firm, "build", "--as-of", AS_OF)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "failed" not in output.split("Done:")[1].split("\n")[0].replace("0 failed", "")
    assert (firm / "site" / "handbook" / "index.html").is_file()
    assert (firm / "site" / "firm" / "index.html").is_file()
