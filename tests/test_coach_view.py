"""The coach view: a live preview with the held-back material, behind a banner, never written under site/."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from .browser import free_port
from .conftest import AS_OF, copy_firm


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early:\n{log.read_text(errors='replace')}")
        try:
            fetch(url)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds}s")


@pytest.fixture(scope="module")
def coach_view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`coachbook serve --coach-view` running on Dana's engagement; yields its URL and the firm folder."""
    firm = copy_firm(tmp_path_factory.mktemp("coach") / "firm")
    # Hold back one item of each kind the sample does not: a measurement, an instrument and a win.
    dana = firm / "engagements" / "dana-whitfield.yml"
    text = dana.read_text(encoding="utf-8")
    for anchor, flag in (
        ("      - date: 2026-08-31\n        value: 11.5\n", "        draft: true\n"),
        ("    - name: CliftonStrengths 34\n", "      coach_only: true\n"),
        ("    title: All four site GMs signed the decision-rights matrix\n", "    coach_only: true\n"),
    ):
        assert text.count(anchor) == 1, anchor
        text = text.replace(anchor, anchor + flag)
    dana.write_text(text, encoding="utf-8")
    port = free_port()
    log = firm.parent / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "coachbook", "serve", "--client", "dana-whitfield", "--coach-view"),
                *("--as-of", AS_OF, "--no-livereload", "-a", f"127.0.0.1:{port}"),
            ],
            cwd=firm,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, process, log)
        yield url, firm
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_every_page_of_the_coach_view_carries_the_banner(coach_view: tuple[str, Path]) -> None:
    url, _ = coach_view
    for page in ("", "goals/", "sessions/", "coach-notes/", "program/", "stages/06-implementation/"):
        soup = BeautifulSoup(fetch(url + page), "html.parser")
        banner = soup.select_one(".md-banner .cb-coach-banner")
        assert banner is not None, page
        assert "Coach view." in banner.get_text()
        assert soup.title.get_text().endswith("Dana Whitfield · Coaching (coach view)")


def test_coach_view_shows_what_the_client_site_holds_back(coach_view: tuple[str, Path]) -> None:
    url, _ = coach_view
    notes = BeautifulSoup(fetch(url + "coach-notes/"), "html.parser").get_text(" ")
    # The engagement's own `private` note, a coach-only feedback group and a comment in a session note.
    assert "Corrib Shipping" in notes
    assert "Private notes" in notes and "Coach-only items" in notes and "Drafts" in notes
    goals = BeautifulSoup(fetch(url + "goals/"), "html.parser")
    badges = [b.get_text() for b in goals.select(".cb-badge--coach, .cb-badge--draft")]
    assert badges, "held-back goals carry a badge in the coach view"


def test_every_kind_of_held_back_item_carries_its_badge(coach_view: tuple[str, Path]) -> None:
    url, _ = coach_view
    goals = BeautifulSoup(fetch(url + "goals/"), "html.parser")
    row = next(tr for tr in goals.select("tr") if "31 August 2026" in tr.get_text())
    assert [b.get_text() for b in row.select(".cb-badge--draft")] == ["Draft"]
    assessment = BeautifulSoup(fetch(url + "assessment/"), "html.parser")
    heading = next(h for h in assessment.select("h3") if "CliftonStrengths 34" in h.get_text())
    assert heading.find_next("p").select_one(".cb-badge--coach") is not None
    dashboard = BeautifulSoup(fetch(url), "html.parser")
    win = next(li for li in dashboard.select(".cb-timeline__item") if "decision-rights matrix" in li.get_text())
    assert win.select_one(".cb-badge--coach") is not None
    # Items not held back carry none.
    other = next(li for li in dashboard.select(".cb-timeline__item") if li is not win)
    assert other.select_one(".cb-badge--coach, .cb-badge--draft") is None


def test_coach_view_writes_nothing_into_the_project(coach_view: tuple[str, Path]) -> None:
    _, firm = coach_view
    assert not (firm / "site").exists()
    assert not any("Corrib Shipping" in p.read_text(errors="ignore") for p in firm.rglob("*.html"))


def test_client_site_never_has_coach_notes(built_firm: Path) -> None:
    dana = built_firm / "site" / "clients" / "dana-whitfield"
    assert not (dana / "coach-notes").exists()
    index = (dana / "index.html").read_text(encoding="utf-8")
    assert "cb-coach-banner" not in index and "coach view" not in index.lower()
