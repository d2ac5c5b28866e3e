"""Client-side encryption, end to end: a real client site, encrypted, served over HTTP and unlocked in Chromium.

The site is built the way a firm builds one: the engagement sets
`site.encrypt: true` and `coachbook build` reads the passphrase from the
environment, turns Material's search off (its index would be plaintext),
encrypts the staged site and audits it before putting it in place.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api

from coachbook.access.encryption import binding_for, generate_passphrase
from coachbook.access.passphrases import env_name

from .browser import TIMEOUT_MS, chromium, serve
from .conftest import AS_OF, copy_firm, run_coachbook

pytestmark = pytest.mark.browser


SLUG = "dana-whitfield"
BINDING = binding_for(SLUG)
STORAGE_NAME = f"coachbook-key:{BINDING}"
#: Text only the decrypted pages contain.
CLIENT_TEXT = ("Dana", "Whitfield", "Halden", "Priya")


@dataclass(frozen=True)
class Site:
    root: Path
    passphrase: str
    url: str
    """Where the site is served, ending in `/`."""


@dataclass
class Tab:
    page: Any
    """A Playwright `Page` in a fresh browser context (fresh storage)."""
    problems: list[str] = field(default_factory=list)
    """Console errors and uncaught page errors, as they happened."""


#: How long the remembering site keeps a key: not the default, to show the firm's choice is the one used.
REMEMBER_DAYS = 7


def envelope_of(shell: Path) -> dict[str, Any]:
    found = re.search(
        r'<script type="application/json" id="coachbook-envelope">(.*?)</script>', shell.read_text(), re.S
    )
    assert found is not None, shell
    envelope: dict[str, Any] = json.loads(found[1])
    return envelope


def _build_encrypted(
    folder: Path, *, remember: bool = False, firm: Path | None = None, passphrase: str | None = None
) -> tuple[Path, str]:
    """Dana's site from `coachbook build`, with `site.encrypt: true` and a fresh passphrase (`firm` builds again)."""
    if firm is None:
        firm = copy_firm(folder / "firm")
        engagement = firm / "engagements" / f"{SLUG}.yml"
        engagement.write_text(engagement.read_text(encoding="utf-8") + "\nsite:\n  encrypt: true\n", encoding="utf-8")
        if remember:
            config = firm / "mkdocs.yml"
            text = config.read_text(encoding="utf-8")
            assert "      engagements_dir: engagements\n" in text
            config.write_text(
                text.replace(
                    "      engagements_dir: engagements\n",
                    "      engagements_dir: engagements\n      remember_device: true\n"
                    f"      remember_days: {REMEMBER_DAYS}\n",
                ),
                encoding="utf-8",
            )
    passphrase = passphrase or generate_passphrase()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(env_name(SLUG), passphrase)
        # Dana's sponsor site is encrypted with its own passphrase.
        patch.setenv(env_name(f"{SLUG}--sponsor"), generate_passphrase())
        run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", "--client", SLUG, check=True)
    return firm / "site" / "clients" / SLUG, passphrase


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root, passphrase = _build_encrypted(tmp_path_factory.mktemp("served"))
    for url in serve(root):
        yield Site(root, passphrase, url)


@pytest.fixture(scope="module")
def remembering_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root, passphrase = _build_encrypted(tmp_path_factory.mktemp("remember"), remember=True)
    for url in serve(root):
        yield Site(root, passphrase, url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


def open_tab(context: Any) -> Tab:
    tab = Tab(context.new_page())
    tab.page.on("console", lambda m: m.type == "error" and tab.problems.append(f"console: {m.text} at {m.location}"))
    tab.page.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    return tab


@pytest.fixture
def tab(context: Any) -> Tab:
    return open_tab(context)


def unlock(page: Any, passphrase: str, *, remember: bool = False) -> None:
    page.get_by_label("Passphrase").fill(passphrase)
    if remember:
        page.get_by_label("Remember on this device").check()
    page.get_by_role("button", name="Unlock").click()


def expect_locked(page: Any, error: str) -> None:
    """The shell still shows, with `error` in its alert, and no client text anywhere in the document."""
    sync_api.expect(page.get_by_role("alert")).to_contain_text(error)
    assert page.title() == "Private site"
    assert visible_client_text(page) == []
    assert page.locator(".md-nav").count() == 0
    assert page.evaluate("(name) => sessionStorage.getItem(name)", STORAGE_NAME) is None


def visible_client_text(page: Any) -> list[str]:
    # The rendered text, not the markup: the shell's base64 could spell "Dana" by chance.
    text = page.locator("body").inner_text()
    return [needle for needle in CLIENT_TEXT if needle in text]


def storage(page: Any, kind: str) -> str | None:
    return page.evaluate(f"(name) => {kind}.getItem(name)", STORAGE_NAME)


# --------------------------------------------------------------------------- unlocking


def test_right_passphrase_shows_the_dashboard(site: Site, tab: Tab) -> None:
    page = tab.page
    page.goto(site.url)
    assert page.title() == "Private site"
    assert visible_client_text(page) == []
    unlock(page, site.passphrase)

    sync_api.expect(page.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()
    assert "Dana Whitfield" in page.title()
    # Material's page rendered: its stylesheet applied, its navigation built, its script ran.
    sync_api.expect(page.locator("nav.md-nav--primary")).to_be_attached()
    sync_api.expect(page.locator(".md-header")).to_be_visible()
    assert page.evaluate("() => typeof document$ !== 'undefined' && typeof __md_scope !== 'undefined'")
    assert page.locator("#coachbook-envelope").count() == 0
    page.wait_for_load_state("load")
    assert tab.problems == []


def test_moving_to_another_page_does_not_ask_again(site: Site, tab: Tab, context: Any) -> None:
    page = tab.page
    page.goto(site.url)
    unlock(page, site.passphrase)
    sync_api.expect(page.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()
    stored = storage(page, "sessionStorage")
    assert stored is not None
    copy = json.loads(stored)
    assert len(base64.b64decode(copy["key"])) == 32 and "expires" not in copy
    assert copy["salt"] == envelope_of(site.root / "index.html")["salt"]
    assert storage(page, "localStorage") is None, "remember-me is off unless the site offers it"

    # A real navigation: the browser loads the goals shell, which finds the key for this tab.
    page.locator("nav.md-nav--primary").get_by_role("link", name="Goals", exact=True).click()
    sync_api.expect(page.get_by_role("heading", name="Your goals", level=1)).to_be_visible()
    assert page.url == site.url + "goals/"
    goal = "I spend my week running the operation, not fighting its incidents."
    sync_api.expect(page.get_by_role("heading", name=goal, level=2)).to_be_visible()
    assert page.get_by_label("Passphrase").count() == 0
    page.wait_for_load_state("load")
    assert tab.problems == []

    # The key belongs to this tab only: a new tab asks again.
    other = open_tab(context).page
    other.goto(site.url + "goals/")
    sync_api.expect(other.get_by_label("Passphrase")).to_be_visible()
    assert storage(other, "sessionStorage") is None


def test_wrong_passphrase_shows_an_error_and_nothing_else(site: Site, tab: Tab) -> None:
    page = tab.page
    page.goto(site.url)
    unlock(page, "aaaa-bbbb-cccc-dddd-eeee")
    expect_locked(page, "did not unlock")
    sync_api.expect(page.get_by_role("button", name="Unlock")).to_be_enabled()
    # And the right one still works afterwards.
    unlock(page, site.passphrase)
    sync_api.expect(page.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()


@pytest.fixture
def tampered_page(site: Site) -> Iterator[str]:
    """The reviews page with one ciphertext byte flipped on the server, restored afterwards."""
    path = site.root / "reviews" / "index.html"
    original = path.read_text(encoding="utf-8")
    found = re.search(r'"ciphertext": "([^"]+)"', original)
    assert found is not None
    data = bytearray(base64.b64decode(found[1]))
    data[len(data) // 2] ^= 0x80
    path.write_text(original.replace(found[1], base64.b64encode(bytes(data)).decode()), encoding="utf-8")
    try:
        yield site.url + "reviews/"
    finally:
        path.write_text(original, encoding="utf-8")


def test_a_tampered_page_shows_an_error_and_nothing_else(site: Site, tab: Tab, tampered_page: str) -> None:
    page = tab.page
    page.goto(tampered_page)
    unlock(page, site.passphrase)
    expect_locked(page, "could not be decrypted")


def test_a_page_served_at_another_address_does_not_decrypt(site: Site, tab: Tab) -> None:
    copy = site.root / "moved" / "index.html"
    copy.parent.mkdir()
    # The goals page, one level deep like the original, so only its address differs.
    shutil.copy2(site.root / "goals" / "index.html", copy)
    try:
        tab.page.goto(site.url + "moved/")
        unlock(tab.page, site.passphrase)
        expect_locked(tab.page, "could not be decrypted")
    finally:
        shutil.rmtree(copy.parent)


@pytest.mark.parametrize("kind", ["an-earlier-format", "another-build", "this-build-but-a-wrong-key"])
def test_a_stale_stored_key_is_dropped_and_the_form_shown(site: Site, tab: Tab, kind: str) -> None:
    page = tab.page
    page.goto(site.url)
    # A key from an earlier build of the site, which had another content key.
    key = base64.b64encode(os.urandom(32)).decode()
    salt = envelope_of(site.root / "index.html")["salt"] if kind == "this-build-but-a-wrong-key" else "AAAA"
    stale = key if kind == "an-earlier-format" else json.dumps({"key": key, "salt": salt})
    page.evaluate("([name, value]) => sessionStorage.setItem(name, value)", [STORAGE_NAME, stale])
    page.reload()
    sync_api.expect(page.get_by_label("Passphrase")).to_be_visible()
    assert storage(page, "sessionStorage") is None
    unlock(page, site.passphrase)
    sync_api.expect(page.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()
    assert storage(page, "sessionStorage") not in (None, stale)


def test_the_404_page_unlocks_at_any_address(site: Site, tab: Tab) -> None:
    page = tab.page
    response = page.goto(site.url + "no/such/page/")
    assert response is not None and response.status == 404
    sync_api.expect(page.get_by_label("Passphrase")).to_be_visible()
    unlock(page, site.passphrase)
    sync_api.expect(page.get_by_role("heading", name="404 - Not found", level=1)).to_be_visible()
    sync_api.expect(page.locator("nav.md-nav--primary")).to_be_attached()
    sync_api.expect(page.get_by_role("button", name="Lock this site")).to_be_visible()


def test_remember_on_this_device_keeps_the_key_across_tabs(remembering_site: Site, context: Any) -> None:
    first = open_tab(context)
    first.page.goto(remembering_site.url)
    unlock(first.page, remembering_site.passphrase, remember=True)
    sync_api.expect(first.page.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()
    remembered = storage(first.page, "localStorage")
    assert remembered is not None
    # The key is kept for the firm's remember_days, no longer.
    now = first.page.evaluate("() => Date.now()")
    days = (json.loads(remembered)["expires"] - now) / 86_400_000
    assert REMEMBER_DAYS - 0.01 < days <= REMEMBER_DAYS

    second = open_tab(context)
    second.page.goto(remembering_site.url + "goals/")
    sync_api.expect(second.page.get_by_role("heading", name="Your goals", level=1)).to_be_visible()
    assert first.problems == second.problems == []


def test_a_remembered_key_is_forgotten_when_its_time_is_up(remembering_site: Site, context: Any) -> None:
    first = open_tab(context).page
    first.goto(remembering_site.url)
    unlock(first, remembering_site.passphrase, remember=True)
    sync_api.expect(first.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()
    # A day passes beyond the expiry: the copy says so (the browser's clock is not ours to move).
    first.evaluate(
        """(name) => {
            const copy = JSON.parse(localStorage.getItem(name));
            copy.expires = Date.now() - 1000;
            localStorage.setItem(name, JSON.stringify(copy));
        }""",
        STORAGE_NAME,
    )
    later = open_tab(context).page  # a new tab: nothing in its sessionStorage
    later.goto(remembering_site.url + "goals/")
    sync_api.expect(later.get_by_label("Passphrase")).to_be_visible()
    assert storage(later, "localStorage") is None, "an expired key is removed, not left behind"
    assert visible_client_text(later) == []


@pytest.mark.parametrize("remember", [False, True])
def test_lock_this_site_forgets_the_key_everywhere(
    site: Site, remembering_site: Site, context: Any, remember: bool
) -> None:
    served = remembering_site if remember else site
    page = open_tab(context).page
    page.goto(served.url + "goals/")
    unlock(page, served.passphrase, remember=remember)
    sync_api.expect(page.get_by_role("heading", name="Your goals", level=1)).to_be_visible()
    assert storage(page, "sessionStorage") is not None
    assert (storage(page, "localStorage") is not None) is remember

    lock = page.get_by_role("button", name="Lock this site")
    sync_api.expect(lock).to_be_visible()
    lock.click()
    sync_api.expect(page.get_by_label("Passphrase")).to_be_visible()
    assert storage(page, "sessionStorage") is None and storage(page, "localStorage") is None
    assert visible_client_text(page) == []
    # Another tab, and another page of the site, ask again too.
    other = open_tab(context).page
    other.goto(served.url)
    sync_api.expect(other.get_by_label("Passphrase")).to_be_visible()


def test_every_unlocked_page_has_the_lock_button(site: Site, tab: Tab) -> None:
    page = tab.page
    page.goto(site.url)
    unlock(page, site.passphrase)
    sync_api.expect(page.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()
    for path in ("", "goals/", "sessions/", "program/"):
        page.goto(site.url + path)
        sync_api.expect(page.get_by_role("button", name="Lock this site")).to_be_visible()
    assert tab.problems == []


def test_a_passphrase_in_the_address_unlocks_and_leaves_no_trace(site: Site, tab: Tab) -> None:
    page = tab.page
    page.goto(site.url)  # an earlier page, so the history has one entry before the link's
    page.goto(site.url + "goals/#passphrase=" + site.passphrase)
    sync_api.expect(page.get_by_role("heading", name="Your goals", level=1)).to_be_visible()
    assert page.url == site.url + "goals/"
    assert page.evaluate("() => location.hash") == ""
    # The link's history entry was rewritten, not added to: going back lands on the earlier page, and
    # no entry holds the passphrase.
    page.go_back()
    page.wait_for_url(site.url)
    assert "passphrase" not in page.url
    page.go_forward()
    page.wait_for_url(site.url + "goals/")
    assert "#" not in page.url
    assert tab.problems == []


def test_a_wrong_passphrase_in_the_address_is_removed_too(site: Site, tab: Tab) -> None:
    page = tab.page
    page.goto(site.url + "#passphrase=aaaa-bbbb-cccc-dddd-eeee")
    expect_locked(page, "did not unlock")
    assert page.evaluate("() => location.hash") == ""


@pytest.fixture
def rotated(tmp_path: Path) -> Iterator[tuple[Site, Any]]:
    """A remembering site, and a function that rotates its passphrase and builds it again in place."""
    folder = tmp_path / "rotating"
    root, passphrase = _build_encrypted(folder, remember=True)
    firm = folder / "firm"

    def rotate() -> str:
        return _build_encrypted(folder, firm=firm, passphrase=generate_passphrase())[1]

    for url in serve(root):
        yield Site(root, passphrase, url), rotate


def test_rotating_the_passphrase_makes_remembered_keys_useless(rotated: tuple[Site, Any], context: Any) -> None:
    site, rotate = rotated
    page = open_tab(context).page
    page.goto(site.url)
    unlock(page, site.passphrase, remember=True)
    sync_api.expect(page.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()
    old_copy = storage(page, "localStorage")
    assert old_copy is not None

    new_passphrase = rotate()
    later = open_tab(context).page
    later.goto(site.url)
    sync_api.expect(later.get_by_label("Passphrase")).to_be_visible()
    assert storage(later, "localStorage") is None, "the old build's key is removed unread"
    unlock(later, site.passphrase)
    expect_locked(later, "did not unlock")
    unlock(later, new_passphrase)
    sync_api.expect(later.get_by_role("heading", name="Welcome, Dana", level=1)).to_be_visible()


def test_without_a_secure_context_the_page_says_to_use_https(site: Site, tab: Tab) -> None:
    # Chromium counts http://127.0.0.1 as secure, so an insecure origin is simulated with a made-up host
    # whose requests Playwright answers from the site folder.
    origin = "http://coachbook-insecure.test/"

    def answer(route: Any) -> None:
        relative = route.request.url.removeprefix(origin).split("?")[0]
        path = site.root / (relative + "index.html" if relative.endswith("/") or not relative else relative)
        if not path.is_file():
            route.fulfill(status=404, body="")
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=path.read_bytes(), headers={"Content-Type": kind})

    tab.page.route(f"{origin}**", answer)
    tab.page.goto(origin)
    assert tab.page.evaluate("() => window.isSecureContext") is False
    sync_api.expect(tab.page.get_by_role("alert")).to_contain_text("must be opened over https")
    sync_api.expect(tab.page.get_by_role("button", name="Unlock")).to_be_disabled()


def test_the_shell_follows_the_colour_scheme(site: Site, browser: Any) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            page.goto(site.url)
            colours[scheme] = page.evaluate(
                """() => [
                    getComputedStyle(document.querySelector('.cb-lock')).backgroundColor,
                    getComputedStyle(document.querySelector('label')).color,
                ]"""
            )
        finally:
            context.close()
    assert colours["light"][0] != colours["dark"][0]
    assert all(background != text for background, text in colours.values()), colours
