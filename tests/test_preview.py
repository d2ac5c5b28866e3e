"""`coachbook preview`: the built sites served on this computer, as a host serves them, at printed addresses."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser import chromium_page, free_port
from .conftest import run_coachbook


@contextlib.contextmanager
def previewing(firm: Path, *args: str, sites: int) -> Iterator[tuple[str, str]]:
    """`coachbook preview` running in `firm`: its base address and what it printed (its first line, then `sites`)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "coachbook", "preview", "-a", f"127.0.0.1:{port}", *args],
        cwd=firm,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = "".join(process.stdout.readline() for _ in range(1 + sites))
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + "handbook/", timeout=2).close()
                break
            time.sleep(0.05)
        yield base, printed
    finally:
        process.terminate()
        process.communicate(timeout=10)


def status(url: str) -> tuple[int, str]:
    """The status of a GET without following redirects, and the body."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as reply:
            return reply.status, reply.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8", errors="replace")


def test_preview_serves_every_site_at_the_address_it_prints(built_firm: Path) -> None:
    with previewing(built_firm, sites=6) as (base, printed):
        assert printed.startswith(f"Serving site/ at {base} (Ctrl+C to stop). Open in your browser:")
        addresses = dict(re.findall(r"^  (.+?)\s+(http://\S+)$", printed, re.MULTILINE))
        assert addresses["handbook"] == f"{base}handbook/"
        # The firm's own sites, after the handbook, as the build lists them.
        assert addresses["coaches' console"] == f"{base}firm/"
        assert addresses["halden-logistics (cohort report)"] == f"{base}cohorts/halden-logistics/"
        assert status(addresses["coaches' console"])[0] == 200
        assert addresses["dana-whitfield"] == f"{base}clients/dana-whitfield/"
        assert addresses["dana-whitfield (sponsor)"] == f"{base}sponsors/dana-whitfield/"
        code, body = status(addresses["dana-whitfield"])
        assert code == 200 and "Welcome, Dana" in body
        # Every page of the site is a folder with its index.html, as the menu links it.
        code, body = status(f"{base}clients/dana-whitfield/goals/")
        assert code == 200 and "Your goals" in body
        assert status(base)[0] == 302
        # No listing of the clients, no build marks, no parent folders.
        assert status(f"{base}clients/")[0] == 404
        assert status(f"{base}clients/dana-whitfield/.coachbook.json")[0] == 404
        assert status(f"{base}../mkdocs.yml")[0] in (400, 404)
        # A missing page gets the site's own 404 page.
        code, body = status(f"{base}clients/dana-whitfield/no-such-page/")
        assert code == 404 and "<!doctype html>" in body.lower()


def test_preview_of_one_client_prints_its_address_only(built_firm: Path) -> None:
    with previewing(built_firm, "kwame-asante", sites=1) as (base, printed):
        assert printed.splitlines()[1:] == [f"  kwame-asante   {base}clients/kwame-asante/"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody",), "error: no engagement named 'nobody'; expected one of: dana-whitfield, grace-whitcombe"),
        (("--sponsor",), "error: --sponsor needs a client"),
        (("kwame-asante", "--sponsor"), "error: kwame-asante's sponsor site is not built in site/"),
        (("-a", "0.0.0.0:8000"), "can be reached from other devices on the network"),
    ],
)
def test_preview_says_what_is_wrong(built_firm: Path, args: tuple[str, ...], message: str) -> None:
    result = run_coachbook(built_firm, "preview", *args)
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_preview_before_any_build_says_to_build(firm: Path) -> None:
    result = run_coachbook(firm, "preview")
    assert result.returncode == 1
    assert "error: nothing is built in site/ yet; run `coachbook build` first" in result.stderr


@pytest.mark.browser
def test_through_the_preview_the_menu_and_search_work(built_firm: Path) -> None:
    """What a site opened from disk cannot do: the menu opens pages (not folders) and the search box searches."""
    with previewing(built_firm, "dana-whitfield", sites=1) as (base, _), contextlib.closing(chromium_page()) as pages:
        page = next(pages)
        page.goto(f"{base}clients/dana-whitfield/")
        page.locator('nav.md-nav--primary a.md-nav__link[href="goals/"]').first.click()
        page.wait_for_url(f"{base}clients/dana-whitfield/goals/")
        assert page.locator("article h1").first.inner_text().startswith("Your goals")
        page.locator("label.md-search__icon, .md-search__input").first.click()
        page.keyboard.type("delegation")
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
        results = page.locator(".md-search-result__item a").evaluate_all("links => links.map(a => a.href)")
        assert results and all(r.startswith(f"{base}clients/dana-whitfield/") for r in results), results
