"""Every page says in its own <head> what the host's headers would: noindex where private, and a CSP on client pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from coachbook.access.encryption import binding_for, encrypt_site, generate_passphrase
from coachbook.access.hosting import OFFLINE_CONTENT_SECURITY_POLICY, PAGE_CONTENT_SECURITY_POLICY

from .browser import chromium, free_port, serve
from .conftest import AS_OF, run_coachbook

CLIENTS = ("dana-whitfield", "kwame-asante", "sofia-marquez")
_FIRST_IN_HEAD = re.compile(r"<head[^>]*>\s*<meta charset=\"utf-8\">(<meta [^>]*>)", re.IGNORECASE)


def csp_of(page: Path) -> str | None:
    meta = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find(
        "meta", attrs={"http-equiv": "Content-Security-Policy"}
    )
    return None if meta is None else str(meta["content"])


def private_sites(firm: Path) -> list[Path]:
    return [firm / "site" / "clients" / slug for slug in CLIENTS] + [firm / "site" / "sponsors" / "dana-whitfield"]


def test_client_and_sponsor_pages_carry_the_policy_first_in_their_head(built_firm: Path) -> None:
    pages = [page for site in private_sites(built_firm) for page in site.rglob("*.html")]
    assert any(page.name == "404.html" for page in pages)
    for page in pages:
        first = _FIRST_IN_HEAD.search(page.read_text(encoding="utf-8"))
        assert first is not None and "Content-Security-Policy" in first.group(1), page
        assert csp_of(page) == PAGE_CONTENT_SECURITY_POLICY, page
        # A <meta> policy cannot carry frame-ancestors (browsers say so in the console); the headers do.
        assert "frame-ancestors" not in PAGE_CONTENT_SECURITY_POLICY


def test_the_handbook_is_indexed_and_has_no_client_policy_by_default(built_firm: Path) -> None:
    for page in (built_firm / "site" / "handbook").rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert soup.find("meta", attrs={"name": "robots"}) is None, page
        assert csp_of(page) is None, page


def test_handbook_noindex_asks_search_engines_to_stay_away_and_hosting_follows(firm: Path) -> None:
    config = firm / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "      engagements_dir: engagements\n", "      engagements_dir: engagements\n      handbook_noindex: true\n"
        ),
        encoding="utf-8",
    )
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "sofia-marquez", check=True)
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    pages = list((firm / "site" / "handbook").rglob("*.html"))
    assert pages
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert soup.find("meta", attrs={"name": "robots", "content": "noindex, nofollow"}), page
    nginx = run_coachbook(firm, "hosting", "--htpasswd-dir", str(firm.parent / "pw"), check=True).stdout
    handbook = nginx[nginx.index("location /handbook/") :]
    assert 'add_header X-Robots-Tag "noindex, nofollow" always;' in handbook[: handbook.index("}")]


def test_an_encrypted_sites_shell_carries_the_policy(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><html><head></head><body>x</body></html>", encoding="utf-8")
    encrypt_site(site, passphrase=generate_passphrase(), binding=binding_for("a"))
    assert csp_of(site / "index.html") == PAGE_CONTENT_SECURITY_POLICY


def test_the_offline_policy_lets_files_load_from_the_folder_only() -> None:
    assert "file:" in OFFLINE_CONTENT_SECURITY_POLICY and "http" not in OFFLINE_CONTENT_SECURITY_POLICY


@pytest.fixture(scope="module")
def served_client(built_firm: Path) -> Iterator[str]:
    yield from serve(built_firm / "site" / "clients" / "dana-whitfield")


@pytest.mark.browser
def test_the_policy_stops_a_request_to_another_origin_whatever_the_host_sends(served_client: str) -> None:
    """The test server sends no CSP header: the page's own <meta> is what stops the request."""
    other = f"http://127.0.0.1:{free_port()}/beacon"
    with chromium() as browser:
        page: Any = browser.new_page()
        page.goto(served_client + "goals/")
        outcome = page.evaluate(
            """async (url) => {
                const violations = [];
                document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
                let fetched = "sent";
                try { await fetch(url, { mode: "no-cors" }); } catch (error) { fetched = "blocked"; }
                const image = new Image();
                await new Promise((done) => { image.onload = image.onerror = done; image.src = url + ".png"; });
                await new Promise((done) => setTimeout(done, 100));
                return { fetched, violations };
            }""",
            other,
        )
    assert outcome["fetched"] == "blocked"
    assert {"connect-src", "img-src"} <= set(outcome["violations"]), outcome
