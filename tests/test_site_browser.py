"""Every page type of the built sites in a real headless Chromium: clean console, phone layout, search, axe-core.

One Chromium and one static server per site serve the whole module. Screenshots of every page type, full page
at desktop width and at 390 px, land in tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# Both come with the `test` extras: a missing one is an error, not a reason to skip.
from axe_playwright_python import sync_playwright as axe
from playwright.sync_api import expect

from .browser import TIMEOUT_MS, chromium, record_problems, serve

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

#: The sites served, by the name the page types use, as folders of the built firm.
SITES = {
    "client": "site/clients/dana-whitfield",
    "closed": "site/clients/kwame-asante",
    # Jonas's site is in German, whose long words must fit a phone too.
    "german": "site/clients/jonas-brandt",
    "sponsor": "site/sponsors/dana-whitfield",
    "handbook": "site/handbook",
}


@dataclass(frozen=True)
class PageType:
    name: str
    site: str
    path: str
    heading: str  # how the page's h1 begins: proof the page measured is the page meant

    @property
    def missing(self) -> bool:
        return self.name.endswith("not-found")


PAGES = [
    PageType("dashboard", "client", "", "Welcome, Dana"),
    PageType("goals", "client", "goals/", "Your goals"),
    PageType("actions", "client", "actions/", "Action plan"),
    PageType("sessions", "client", "sessions/", "Sessions"),
    PageType("reviews", "client", "reviews/", "Reviews"),
    PageType("assessment", "client", "assessment/", "Assessment"),
    PageType("agreement", "client", "agreement/", "Your coaching agreement"),
    PageType("program", "client", "program/", "Your coaching program"),
    PageType("stage-guide", "client", "stages/06-implementation/", "Implementation"),
    PageType("not-found", "client", "no-such-page/", "404 - Not found"),
    # Kwame's engagement has closed, so only his site has the closure page.
    PageType("closure", "closed", "closure/", "Closure"),
    PageType("sponsor", "sponsor", "", "Coaching progress: Dana Whitfield"),
    PageType("german-dashboard", "german", "", "Willkommen, Jonas"),
    PageType("german-goals", "german", "goals/", "Ihre Ziele"),
    PageType("german-actions", "german", "actions/", "Maßnahmenplan"),
    PageType("german-sessions", "german", "sessions/", "Sitzungen"),
    PageType("german-reviews", "german", "reviews/", "Zwischenbilanzen"),
    PageType("german-assessment", "german", "assessment/", "Standortbestimmung"),
    PageType("german-agreement", "german", "agreement/", "Ihre Coaching-Vereinbarung"),
    PageType("german-program", "german", "program/", "Ihr Coaching-Programm"),
    PageType("german-stage-guide", "german", "stages/05-action-planning/", "Maßnahmenplanung"),
    PageType("german-not-found", "german", "no-such-page/", "404 – Seite nicht gefunden"),
    PageType("handbook-home", "handbook", "", "The coaching handbook"),
    PageType("handbook-guide", "handbook", "stages/03-assessment/", "Assessment"),
]
BY_NAME = {kind.name: kind for kind in PAGES}
#: The pages axe-core also checks in the dark (slate) scheme.
DARK = ("dashboard", "stage-guide", "goals", "handbook-home")

#: How far the page reaches sideways, and the elements that reach past the viewport, widest first.
_OVERFLOW = """() => {
    const root = document.documentElement;
    const wide = [...document.body.querySelectorAll("*")]
        .map(node => [node, node.getBoundingClientRect()])
        .filter(([, box]) => box.width > 0 && box.right > root.clientWidth + 1)
        .sort((a, b) => b[1].right - a[1].right)
        .slice(0, 5)
        .map(([node, box]) => `${node.tagName} class="${node.getAttribute("class")}" right=${Math.round(box.right)}`);
    return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}"""

# ------------------------------------------------------------------ axe-core and what it may report

_SERIOUS = ("serious", "critical")


def axe_violations(page: Any) -> list[str]:
    """Run axe-core on `page`: its serious and critical violations, one line per element."""
    results = axe.Axe().run(page).response
    serious: list[str] = []
    for violation in results["violations"]:
        if violation["impact"] not in _SERIOUS:
            continue
        for node in violation["nodes"]:
            serious.append(
                f"{violation['id']} ({violation['impact']}): {' '.join(node['target'])}: {node['html'][:160]}"
            )
    return serious


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def servers(built_firm: Path) -> Iterator[dict[str, str]]:
    """One static server per site, each at its own root, the way a host serves a site."""
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(contextlib.contextmanager(serve)(built_firm / folder))
            for name, folder in SITES.items()
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _context(browser: Any, **options: Any) -> Iterator[Any]:
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture(scope="module")
def desktop(browser: Any) -> Iterator[Any]:
    yield from _context(browser, viewport=DESKTOP, color_scheme="light")


@pytest.fixture(scope="module")
def phone(browser: Any) -> Iterator[Any]:
    yield from _context(browser, viewport=PHONE, color_scheme="light", has_touch=True)


@pytest.fixture(scope="module")
def dark(browser: Any) -> Iterator[Any]:
    yield from _context(browser, viewport=DESKTOP, color_scheme="dark")


def url_of(servers: dict[str, str], kind: PageType) -> str:
    return servers[kind.site] + kind.path


def open_page(context: Any, url: str, kind: PageType) -> tuple[Any, list[str]]:
    """A new page in `context` at `url`, recording its problems; checks the status and the heading."""
    page = context.new_page()
    problems = record_problems(page, expected_404=url if kind.missing else None)
    answer = page.goto(url)
    assert answer is not None and answer.status == (404 if kind.missing else 200), url
    heading = page.locator("article h1").first.inner_text().strip()
    assert heading.startswith(kind.heading), (url, heading)
    return page, problems


# ------------------------------------------------------------------ the tests


def page_types(root: Path) -> set[str]:
    """The kinds of page in a built site: "" for its home, else the first folder of each page's address."""
    kinds = set()
    for page in root.rglob("*.html"):
        parts = page.relative_to(root).parts
        kinds.add("" if parts == ("index.html",) else parts[0])
    return kinds - {"404.html"}  # the not-found page, reached through a missing address


def test_every_page_type_of_the_built_sites_is_covered(built_firm: Path) -> None:
    """A page type added later fails here until it is in PAGES; every client and sponsor site built is looked at."""
    roles = {"clients": ("client", "closed", "german"), "sponsors": ("sponsor",), "handbook": ("handbook",)}
    for kind_of_site, names in roles.items():
        covered = {kind.path.split("/")[0] for kind in PAGES if kind.site in names}
        folder = built_firm / "site" / kind_of_site
        roots = [folder] if kind_of_site == "handbook" else sorted(p for p in folder.iterdir() if p.is_dir())
        assert roots, folder
        for root in roots:
            assert page_types(root) <= covered, (root.name, sorted(page_types(root) - covered))
            assert (root / "404.html").is_file(), root
    assert "program" in page_types(built_firm / SITES["client"])


@pytest.mark.parametrize("kind", PAGES, ids=[kind.name for kind in PAGES])
def test_each_page_type_renders_cleanly_fits_a_phone_and_passes_axe(
    kind: PageType, servers: dict[str, str], desktop: Any, phone: Any
) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    url = url_of(servers, kind)
    for context, label in ((desktop, "desktop"), (phone, "390px")):
        page, problems = open_page(context, url, kind)
        extent = page.evaluate(_OVERFLOW)
        page.screenshot(path=SCREENSHOTS / f"{kind.name}-{label}.jpg", full_page=True, quality=80)
        if label == "desktop":
            assert page.get_attribute("body", "data-md-color-scheme") == "default"
            found = axe_violations(page)
        page.close()
        assert problems == [], (label, problems)
        assert extent["scroll"] <= extent["client"], (label, extent)
        if label == "390px":
            assert 300 < extent["client"] <= PHONE["width"], extent
    assert found == [], "\n".join(found)


def test_a_wide_table_fits_a_phone_rather_than_scrolling(servers: dict[str, str], phone: Any) -> None:
    """The closure page's five-column goals table, and the guide's three tab labels, fit 390 px without scrolling."""
    for kind, selector in ((BY_NAME["closure"], ".md-typeset__scrollwrap"), (BY_NAME["stage-guide"], ".tabbed-labels")):
        page, _ = open_page(phone, url_of(servers, kind), kind)
        widths = page.eval_on_selector_all(selector, "nodes => nodes.map(n => [n.scrollWidth, n.clientWidth])")
        page.close()
        assert widths, (kind.name, selector)
        assert all(scroll <= client for scroll, client in widths), (kind.name, widths)


def test_navigation_stays_inside_the_client_site(servers: dict[str, str], desktop: Any, phone: Any) -> None:
    base = servers["client"]
    page, problems = open_page(desktop, base, BY_NAME["dashboard"])
    links = page.eval_on_selector_all(".md-nav--primary a.md-nav__link[href]", "nodes => nodes.map(n => n.href)")
    pages = sorted({link.split("#")[0] for link in links})
    assert len(pages) >= 15, pages  # the dashboard, its client pages and the seven stage guides
    for link in pages:
        assert link.startswith(base), link
        assert page.request.get(link).status == 200, link
    # The sidebar leads to a page, the journey stepper to the current stage's guide, and the guide back home.
    # Each page finishes loading (its search worker too) before the next click, which would cancel its requests.
    page.wait_for_load_state("networkidle")
    page.locator('.md-sidebar--primary a.md-nav__link[href="goals/"]').click()
    page.wait_for_url(f"{base}goals/")
    assert page.locator("article h1").inner_text().startswith("Your goals")
    page.wait_for_load_state("networkidle")
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.locator('.cb-stepper [aria-current="step"] a').click()
    page.wait_for_url(f"{base}stages/06-implementation/")
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Back to your dashboard").click()
    page.wait_for_url(base)
    page.close()
    assert problems == []
    # On a phone the navigation lives in the drawer behind the menu button.
    page, problems = open_page(phone, base, BY_NAME["dashboard"])
    page.locator('label.md-header__button[for="__drawer"]').click()
    page.locator('.md-nav--primary a.md-nav__link[href="sessions/"]').click()
    page.wait_for_url(f"{base}sessions/")
    assert page.locator("article h1").inner_text().startswith("Sessions")
    page.close()
    assert problems == []


def search(page: Any, query: str) -> list[str]:
    """Put `query` into Material's search box, wait for its answer to that query, and return the result links."""
    field = page.locator(".md-search__input")
    meta = page.locator(".md-search-result__meta")
    field.click()
    # Material reads the box on keyup: fill it whole, then one key, so no half-typed query answers first.
    field.fill("")
    field.press("End")
    expect(meta).to_have_text("Type to start searching", timeout=TIMEOUT_MS)
    field.fill(query)
    field.press("End")
    expect(meta).to_have_text(re.compile(r"^(\d+ matching documents?|No matching documents)$"), timeout=TIMEOUT_MS)
    return page.eval_on_selector_all(".md-search-result a[href]", "nodes => nodes.map(n => n.href)")


def test_search_finds_this_clients_pages_and_nothing_else(
    built_firm: Path, servers: dict[str, str], desktop: Any
) -> None:
    base = servers["client"]
    root = built_firm / SITES["client"]
    # The words looked for elsewhere do exist elsewhere, so finding nothing means they are not in this site.
    elsewhere = {
        "harrogate": (built_firm / "site/clients/kwame-asante/search/search_index.json").read_text().lower(),
        "shoreditch": (built_firm / "site/clients/sofia-marquez/search/search_index.json").read_text().lower(),
        # A coach-only action's support note in Dana's own engagement file.
        "stamina": (built_firm / "engagements/dana-whitfield.yml").read_text().lower(),
    }
    for term, text in elsewhere.items():
        assert term in text, term
    page, problems = open_page(desktop, base, BY_NAME["dashboard"])
    found = search(page, "Tamworth")
    assert len(found) > 0
    for link in found:
        assert link.startswith(base), link
        path = urlsplit(link).path.lstrip("/")
        assert (root / path / "index.html").is_file() or (root / path).is_file(), link
    for term in elsewhere:
        assert search(page, term) == [], term
        assert page.locator(".md-search-result__meta").inner_text().strip() == "No matching documents"
    page.close()
    assert problems == []


@pytest.mark.parametrize("name", DARK)
def test_axe_finds_nothing_serious_in_the_dark_scheme(name: str, servers: dict[str, str], dark: Any) -> None:
    kind = BY_NAME[name]
    page, _ = open_page(dark, url_of(servers, kind), kind)
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    found = axe_violations(page)
    page.close()
    assert found == [], "\n".join(found)


def test_axe_finds_nothing_serious_at_phone_width_either(servers: dict[str, str], phone: Any) -> None:
    """Some problems appear only on a phone: a table or a row of tabs that scrolls sideways out of keyboard reach."""
    for name in ("closure", "stage-guide"):
        kind = BY_NAME[name]
        page, _ = open_page(phone, url_of(servers, kind), kind)
        serious = axe_violations(page)
        page.close()
        assert serious == [], "\n".join(serious)


def test_task_boxes_are_named_by_their_item(servers: dict[str, str], desktop: Any) -> None:
    """A screen reader reads each task box of a guide with its task, not as a bare "checkbox"."""
    kind = BY_NAME["stage-guide"]
    page, _ = open_page(desktop, url_of(servers, kind), kind)
    names = page.evaluate(
        """() => [...document.querySelectorAll('.task-list-control input[type=checkbox]')].map(box => {
            const item = document.getElementById(box.getAttribute('aria-labelledby'));
            return item ? item.textContent.trim() : null;
        })"""
    )
    page.close()
    assert names and all(names), names
    assert len(set(names)) == len(names)
