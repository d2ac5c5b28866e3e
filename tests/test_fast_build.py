"""The fast builder writes the same pages as a plain `mkdocs build` of the same client and config.

`coachbook build` forks each site from a warmed parent, converts guides ahead
of time, audits through the firm-wide leak index and hardlinks theme assets.
None of that may change a byte of what a client sees: this builds a client
with plain `mkdocs build` (the client named by COACHBOOK_CLIENT, as `coachbook
serve` does) and compares every file with the fast build's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coachbook.build.state import MARK_FILE

from .conftest import AS_OF

#: Files allowed to differ between the two builds, with the reason. None differ today; a difference
#: that is expected (say, a timestamp) must be listed here with why, never silently ignored.
EXPLAINED: dict[str, str] = {}


def files_of(folder: Path) -> dict[str, bytes]:
    # The site's mark (what it was built from, coachbook.build.state) is the builder's, not a page: left out.
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MARK_FILE
    }


def plain_build(firm: Path, slug: str, dest: Path) -> dict[str, bytes]:
    """The files of `slug`'s site as a plain `mkdocs build --strict` of the firm writes them into `dest`."""
    env = {**os.environ, "COACHBOOK_CLIENT": slug, "COACHBOOK_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(dest)],
        cwd=firm,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return files_of(dest)


@pytest.mark.parametrize("slug", ["dana-whitfield", "sofia-marquez", "jonas-brandt"])
def test_fast_build_matches_plain_mkdocs_build(built_firm: Path, tmp_path: Path, slug: str) -> None:
    slow = plain_build(built_firm, slug, tmp_path / "plain")
    fast = files_of(built_firm / "site" / "clients" / slug)
    assert sorted(fast) == sorted(slow)
    differing = sorted(name for name in fast if fast[name] != slow[name] and name not in EXPLAINED)
    assert differing == []
    # Guide pages are among them: they were converted once in the parent and filled for this client.
    assert any(name.startswith("stages/") for name in fast)


def test_theme_assets_are_hardlinked_and_every_site_is_complete(built_firm: Path) -> None:
    clients = built_firm / "site" / "clients"
    bundles = [
        next((clients / slug / "assets" / "javascripts").glob("bundle.*.min.js"))
        for slug in ("dana-whitfield", "sofia-marquez")
    ]
    # One copy on disk, a complete file in each site.
    assert bundles[0].stat().st_ino == bundles[1].stat().st_ino
    assert bundles[0].stat().st_nlink >= 3
    assert bundles[0].read_bytes() == bundles[1].read_bytes() and bundles[0].stat().st_size > 10_000
