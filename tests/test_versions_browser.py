"""Material's version selector over real published versions, in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser import chromium_page, free_port, serve
from .conftest import copy_firm, run_coachbook

pytestmark = pytest.mark.browser

SLUG = "dana-whitfield"
OLD, NEW = "2026-11-24-implementation", "2026-12-10-implementation"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two published versions of Dana's site, served the way a host serves `published/`."""
    firm = copy_firm(tmp_path_factory.mktemp("versions") / "firm")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    run_coachbook(firm, "publish", SLUG, "--as-of", "2026-11-24", "--base-url", base, check=True)
    run_coachbook(
        firm, "publish", SLUG, "--as-of", "2026-12-10", "--title", "Mid-December", "--base-url", base, check=True
    )
    yield from serve(firm / "published", port)


@pytest.fixture(scope="module")
def page(published: str) -> Iterator[Any]:
    yield from chromium_page()


def test_the_client_root_lands_on_latest_and_the_selector_lists_both_versions(published: str, page: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{published}clients/{SLUG}/")
    page.wait_for_url(f"{published}clients/{SLUG}/latest/")
    selector = page.locator(".md-version")
    selector.wait_for()
    assert page.locator(".md-version__current").inner_text().strip() == "Mid-December"
    titles = [t.strip() for t in page.locator(".md-version__link").all_inner_texts()]
    assert titles == ["Mid-December", "24 November 2026 · Implementation"]
    assert errors == []


def test_switching_versions_stays_on_the_same_page(published: str, page: Any) -> None:
    page.goto(f"{published}clients/{SLUG}/{NEW}/goals/")
    page.locator(".md-version").wait_for()
    # The list opens on hover, the way a reader reaches it.
    page.locator(".md-version").hover()
    page.locator(".md-version__link", has_text="24 November 2026").click()
    page.wait_for_url(f"{published}clients/{SLUG}/{OLD}/goals/")
    assert page.locator("article h1").inner_text().strip().startswith("Your goals")
    assert page.locator(".md-version__current").inner_text().strip() == "24 November 2026 · Implementation"
