"""The graduation handbook: a client's site zipped so it works opened from disk, with search, in real Chromium."""

from __future__ import annotations

import hashlib
import html
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import chromium_page
from .conftest import AS_OF, copy_firm, run_coachbook

# Each test builds or publishes the sample firm, often more than once.
pytestmark = pytest.mark.slow

SLUG = "kwame-asante"
FOLDER = f"{SLUG}-handbook"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Kwame's closed engagement bundled once; returns the firm and the unzipped site."""
    firm = copy_firm(tmp_path_factory.mktemp("bundle") / "firm")
    done = run_coachbook(firm, "bundle", SLUG, "--as-of", AS_OF, check=True)
    assert f"Wrote bundles/{SLUG}-handbook.zip" in done.stdout
    assert "has not closed" not in done.stdout
    unzipped = firm / "unzipped"
    with zipfile.ZipFile(firm / "bundles" / f"{SLUG}-handbook.zip") as archive:
        archive.extractall(unzipped)
    return firm, unzipped / FOLDER


def test_the_bundle_links_html_files_and_carries_its_search_index(bundled: tuple[Path, Path]) -> None:
    _, site = bundled
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="goals.html"' in index and 'href="closure.html"' in index
    # No link anywhere ends in a folder, which a browser opening files from disk cannot follow.
    for page in site.rglob("*.html"):
        for href in re.findall(r'href="([^"#]*)"', page.read_text(encoding="utf-8")):
            assert not href.endswith("/") or href.startswith(("http:", "https:")), (page, href)
    script = (site / "search" / "search_index.js").read_text(encoding="utf-8")
    assert script.startswith("var __index = {") and "Kwame" in script
    # The web-worker shim is served from the bundle itself, never from unpkg.
    assert '<script src="assets/coachbook/iframe-worker.js"></script>' in index
    assert "unpkg.com" not in index
    assert (site / "assets" / "coachbook" / "iframe-worker.js").read_text().startswith("/*! iframe-worker")


def test_the_bundles_pages_carry_the_policy_for_a_folder(bundled: tuple[Path, Path]) -> None:
    """Opened from disk, 'self' means nothing; the offline policy names the folder's scheme instead."""
    from coachbook.access.hosting import OFFLINE_CONTENT_SECURITY_POLICY

    _, site = bundled
    expected = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(OFFLINE_CONTENT_SECURITY_POLICY)}">'
    for page in site.rglob("*.html"):
        assert expected in page.read_text(encoding="utf-8"), page


def test_the_bundle_holds_only_this_client(bundled: tuple[Path, Path]) -> None:
    _, site = bundled
    everything = b"".join(p.read_bytes() for p in site.rglob("*") if p.is_file())
    for other in (b"Dana Whitfield", b"Sofia Marquez", b"Whitfield"):
        assert other not in everything
    assert not (site / "sitemap.xml").exists()


def test_the_bundle_is_reproducible_and_never_silently_replaced(bundled: tuple[Path, Path]) -> None:
    firm, _ = bundled
    target = firm / "bundles" / f"{SLUG}-handbook.zip"
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    again = run_coachbook(firm, "bundle", SLUG, "--as-of", AS_OF)
    assert again.returncode == 1 and "already exists; pass --force" in again.stderr
    run_coachbook(firm, "bundle", SLUG, "--as-of", AS_OF, "--force", check=True)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest


def test_an_open_engagement_can_be_bundled_with_a_note(firm: Path) -> None:
    done = run_coachbook(firm, "bundle", "dana-whitfield", "--as-of", AS_OF, "-o", "dana.zip", check=True)
    assert "dana-whitfield's engagement has not closed" in done.stdout
    with zipfile.ZipFile(firm / "dana.zip") as archive:
        assert "dana-whitfield-handbook/index.html" in archive.namelist()


def test_an_unknown_client_writes_no_bundle(firm: Path) -> None:
    done = run_coachbook(firm, "bundle", "kwame-asant")
    assert done.returncode == 1 and "kwame-asante" in done.stderr
    assert not (firm / "bundles").exists()


# --------------------------------------------------------------------------- in Chromium, from disk


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    # No --allow-file-access-from-files: the bundle must work in a browser as a client has it.
    yield from chromium_page()


@pytest.mark.browser
def test_opened_from_disk_navigation_and_search_work(bundled: tuple[Path, Path], page: Any) -> None:
    _, site = bundled
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((site / "index.html").as_uri())
    page.locator('nav.md-nav--primary a.md-nav__link[href="goals.html"]').first.click()
    page.wait_for_url("**/goals.html")
    assert page.locator("article h1").inner_text().strip().startswith("Your goals")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Material reads the query from key events, as a reader types it.
    page.locator("input.md-search__input").press_sequentially("closure", delay=30)
    results = page.locator(".md-search-result__item")
    results.first.wait_for()
    assert results.count() > 0
    titles = " ".join(page.locator(".md-search-result__item h1, .md-search-result__item h2").all_inner_texts())
    assert "losure" in titles
    assert all(url.startswith("file://") for url in requests), [u for u in requests if not u.startswith("file://")]
    assert errors == []
