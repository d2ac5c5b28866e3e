"""The dashboard's tone, in a real Chromium at a desktop and a phone width.

A client behind on their plan used to open their dashboard on three red OVERDUE badges. It now leads with where
they are and their next step, and says what slipped after that, calmly, with a way back. The screenshots are
saved in the test's temporary folder for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from .browser import TIMEOUT_MS, chromium, serve

pytestmark = pytest.mark.browser

#: What the test reads from the page, in the order a reader meets it.
_LAYOUT = """() => {
    const article = document.querySelector("article.md-typeset");
    const next = article.querySelector(".cb-next");
    const catchUp = article.querySelector(".cb-catch-up");
    const headings = [...article.querySelectorAll("h1, h2, h3")].map(h => h.textContent.replace("¶", "").trim());
    const badges = [...article.querySelectorAll(".cb-badge--overdue")].map(b => {
        const style = getComputedStyle(b);
        return {text: b.textContent.trim(), background: style.backgroundColor, transform: style.textTransform};
    });
    return {
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        headings,
        firstCard: next ? next.querySelector("li, .card, p").textContent : "",
        nextTop: next ? next.getBoundingClientRect().top + scrollY : null,
        catchUpTop: catchUp ? catchUp.getBoundingClientRect().top + scrollY : null,
        catchUpAfterNext:
            !!(next && catchUp && (next.compareDocumentPosition(catchUp) & Node.DOCUMENT_POSITION_FOLLOWING)),
        catchUpText: catchUp ? catchUp.innerText : "",
        text: article.innerText,
        badges,
    };
}"""


@pytest.fixture(scope="module")
def site(built_firm: Path) -> Iterator[str]:
    # Dana Whitfield has actions past their planned date on the sample firm's date.
    yield from serve(built_firm / "site" / "clients" / "dana-whitfield")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("width", [1280, 390])
def test_the_dashboard_leads_with_where_you_are_and_says_what_slipped_calmly(
    browser: Browser, site: str, width: int, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="light")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(site)
    layout = page.evaluate(_LAYOUT)
    shot = tmp_path / f"dashboard-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    context.close()

    assert shot.stat().st_size > 10_000
    assert layout["overflow"] <= 0, f"the page scrolls sideways by {layout['overflow']}px at {width}px"
    # First the welcome, then what's next: where Dana is and her next steps.
    assert layout["headings"][:2] == ["Welcome, Dana", "What's next"], layout["headings"]
    assert "Where you are" in layout["firstCard"]
    # What slipped comes after, as a way back, below the next steps on the screen as in the page.
    assert layout["catchUpAfterNext"]
    assert layout["catchUpTop"] > layout["nextTop"]
    assert layout["headings"].index("Getting back on track") > layout["headings"].index("What's next")
    assert "That happens" in layout["catchUpText"]
    # Calmly: no shouting badge, no block of red, no "overdue".
    assert "overdue" not in layout["text"].lower()
    for badge in layout["badges"]:
        assert badge["transform"] != "uppercase" and badge["text"] != badge["text"].upper(), badge
        assert badge["background"] in ("rgba(0, 0, 0, 0)", "transparent"), badge
