"""ProperDocs builds the sample firm to the same pages as MkDocs: the engine is a choice, not a rewrite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from coachbook.build.state import MARK_FILE

from .conftest import AS_OF, copy_firm, run_coachbook

pytestmark = pytest.mark.slow

#: The one line that names the engine (Material's generator tag); everything else must be the same.
GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def _files(site: Path) -> dict[str, bytes]:
    return {
        path.relative_to(site).as_posix(): GENERATOR.sub(b"", path.read_bytes())
        for path in sorted(site.rglob("*"))
        # The sites' marks record which engine built them, on purpose.
        if path.is_file() and path.name != MARK_FILE
    }


def test_properdocs_builds_the_same_sites_as_mkdocs(built_firm: Path, tmp_path: Path) -> None:
    firm = copy_firm(tmp_path / "firm")
    result = run_coachbook(firm, "--engine", "properdocs", "build", "--as-of", AS_OF, "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    theirs, ours = _files(built_firm / "site"), _files(firm / "site")
    assert sorted(theirs) == sorted(ours)
    assert [name for name in theirs if theirs[name] != ours[name]] == []
    page = (firm / "site" / "clients" / "dana-whitfield" / "index.html").read_text(encoding="utf-8")
    assert "ProperDocs" in page  # the check can fail: it did build with ProperDocs


def test_the_engine_is_chosen_before_anything_loads_mkdocs() -> None:
    code = (
        "import sys\n"
        "from coachbook.adapter.engine import use_engine, engine_in_use\n"
        "assert use_engine('properdocs') == 'properdocs'\n"
        "import mkdocs.plugins, material\n"
        "assert mkdocs.plugins.__name__ == 'properdocs.plugins', mkdocs.plugins.__name__\n"
        "assert engine_in_use() == 'properdocs'\n"
        "from coachbook.errors import CoachbookError\n"
        "try:\n"
        "    use_engine('mkdocs')\n"
        "except CoachbookError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "properdocs is already loaded in this process, so mkdocs cannot be used" in done.stdout


def test_an_unknown_engine_is_refused_with_the_choices(firm: Path) -> None:
    result = run_coachbook(firm, "--engine", "zensical", "check")
    assert result.returncode == 2
    assert "'zensical' is not one of 'auto', 'mkdocs', 'properdocs'" in result.stderr
