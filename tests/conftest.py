"""Shared fixtures: a copy of the sample firm, and one build of it for the whole session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
#: The sample firm's engagements are written as of this date; builds in tests pin it.
AS_OF = "2026-11-24"
FIRM_PARTS = ("content", "engagements", "theme", "mkdocs.yml")
#: The sample firm's clients, by slug, sorted: two coaches, five leaders at Halden Logistics, two at Ashgrove Mutual,
#: one at Brightwater Payments and a pro bono engagement with a charity.
SAMPLE_CLIENTS = (
    "dana-whitfield",
    "grace-whitcombe",
    "jonas-brandt",
    "kwame-asante",
    "leila-haddad",
    "marcus-oyelaran",
    "mariam-haddad",
    "ruth-adebayo",
    "shona-macleod",
    "sofia-marquez",
    "tomasz-kowal",
)
#: The sample program's stage ids, in order (content/program.yml).
STAGE_IDS = (
    "contracting",
    "building-rapport",
    "assessment",
    "goal-setting",
    "action-planning",
    "implementation",
    "evaluation-and-closure",
)


def minimal_engagement(**fields: Any) -> dict[str, Any]:
    """The data of a valid engagement with only the required fields, plus `fields`."""
    data: dict[str, Any] = {
        "client": {"name": "Ana Lima", "role": "CTO", "organisation": "Acme"},
        "coach": {"name": "Tom Becker"},
        "start": "2026-01-05",
        "end": "2026-12-18",
        "cadence": {"every_weeks": 2},
        "agreement": {"sessions": 8, "confidentiality": "Kept between us.", "logistics": "Video."},
    }
    data.update(fields)
    return data


def copy_firm(dest: Path) -> Path:
    """Copy the sample firm (content, engagements, theme, mkdocs.yml) into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in FIRM_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part)
        else:
            shutil.copy2(source, dest / part)
    return dest


def run_coachbook(firm: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the real `coachbook` command in `firm` and capture what it prints."""
    result = subprocess.run(
        [sys.executable, "-m", "coachbook", *args],
        cwd=firm,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"coachbook {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def firm(tmp_path: Path) -> Path:
    """A fresh, writable copy of the sample firm."""
    return copy_firm(tmp_path / "firm")


@pytest.fixture(scope="session")
def built_firm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample firm built once with `coachbook build --strict`; tests only read it."""
    root = copy_firm(tmp_path_factory.mktemp("built") / "firm")
    run_coachbook(root, "build", "--as-of", AS_OF, "--strict", check=True)
    return root


#: Where the browser and hosting tests find Chromium and nginx; another path may be given in these variables.
CHROMIUM = Path(os.environ.get("COACHBOOK_TEST_CHROMIUM", "/usr/bin/chromium"))
NGINX = Path(os.environ.get("COACHBOOK_TEST_NGINX", "/usr/sbin/nginx"))
#: What each marker's tests need on the machine, and the Debian package that provides it.
NEEDS = {
    "browser": (CHROMIUM, "apt-get install chromium"),
    "nginx": (NGINX, "apt-get install nginx-light"),
}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run, rather than skip, when a selected test needs a program the machine lacks.

    The README's test command runs every test; a missing Chromium or nginx must
    not turn into a green run. To leave those tests out on purpose, deselect
    them: `pytest -m "not browser and not nginx"` (or `make test-fast`).
    """
    missing = []
    for marker, (program, install) in NEEDS.items():
        count = sum(1 for item in items if item.get_closest_marker(marker) is not None)
        if count and not program.exists():
            missing.append(f"{count} {marker} test(s) need {program} ({install})")
    if missing:
        raise pytest.UsageError(
            "; ".join(missing) + '. Install it, or leave those tests out with -m "not browser and not nginx".'
        )
