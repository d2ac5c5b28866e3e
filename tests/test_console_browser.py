"""The coaches' console in a real Chromium: its table sorts by any column and filters by coach and status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import TIMEOUT_MS, chromium, record_problems, serve

pytestmark = pytest.mark.browser

#: The rows the reader sees, top to bottom: (slug, the cell of `column`).
_VISIBLE = """(column) => Array.from(document.querySelectorAll("table[data-cb-console] tbody tr"))
    .filter((row) => !row.hidden && getComputedStyle(row).display !== "none")
    .map((row) => [row.dataset.slug, row.cells[column].textContent.trim()])"""
_SORTED = """() => Array.from(document.querySelectorAll("table[data-cb-console] th"))
    .map((th) => th.getAttribute("aria-sort"))"""

#: Column positions in the table.
CLIENT, COACH, STAGE, SESSIONS, MEASURED, END = 0, 1, 4, 5, 8, 9


@pytest.fixture(scope="module")
def console(built_firm: Path) -> Iterator[str]:
    yield from serve(built_firm / "site" / "firm")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def fresh(browser: Any, console: str) -> Iterator[Any]:
    """The console's home page in a tab of its own, which must see no errors and no failed requests."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = record_problems(page)
    page.goto(console)
    page.wait_for_load_state("networkidle")
    yield page
    context.close()
    assert problems == []


def visible(page: Any, column: int = CLIENT) -> list[tuple[str, str]]:
    return [tuple(row) for row in page.evaluate(_VISIBLE, column)]


def test_it_opens_with_every_engagement_and_those_needing_attention_first(fresh: Any) -> None:
    rows = visible(fresh)
    assert len(rows) == 11
    attention = ["dana-whitfield", "grace-whitcombe", "jonas-brandt", "mariam-haddad", "tomasz-kowal"]
    assert [slug for slug, _ in rows[:5]] == attention
    assert fresh.locator("#cb-console-count").inner_text() == "11 of 11 engagements shown"


def test_filtering_by_coach_and_status(fresh: Any) -> None:
    fresh.select_option("#cb-filter-coach", label="Tom Becker")
    rows = visible(fresh, COACH)
    assert sorted(slug for slug, _ in rows) == [
        "leila-haddad",
        "marcus-oyelaran",
        "ruth-adebayo",
        "sofia-marquez",
        "tomasz-kowal",
    ]
    assert {coach for _, coach in rows} == {"Tom Becker"}
    assert fresh.locator("#cb-console-count").inner_text() == "5 of 11 engagements shown"
    fresh.select_option("#cb-filter-status", "completed")
    assert visible(fresh) == []
    assert fresh.locator("#cb-console-count").inner_text() == "0 of 11 engagements shown"
    fresh.select_option("#cb-filter-coach", "")
    assert [slug for slug, _ in visible(fresh)] == ["kwame-asante"]
    # Leila Haddad's engagement ended early: it is over, but not completed.
    fresh.select_option("#cb-filter-status", "ended-early")
    assert [slug for slug, _ in visible(fresh)] == ["leila-haddad"]
    fresh.select_option("#cb-filter-status", "")
    assert len(visible(fresh)) == 11


def test_sorting_by_dates_numbers_and_names(fresh: Any) -> None:
    header = fresh.locator("table[data-cb-console] th button", has_text="Planned end")
    header.click()
    ends = [slug for slug, _ in visible(fresh, END)]
    assert ends[:3] == ["kwame-asante", "leila-haddad", "mariam-haddad"] and ends[-1] == "ruth-adebayo"
    assert fresh.evaluate(_SORTED)[END] == "ascending"
    header.click()
    # Engagements that end on the same day keep their order (Jonas Brandt and Marcus Oyelaran): not a plain reversal.
    descending = [slug for slug, _ in visible(fresh, END)]
    assert descending[0] == "ruth-adebayo" and descending[-3:] == ["mariam-haddad", "leila-haddad", "kwame-asante"]
    assert sorted(descending) == sorted(ends)
    assert fresh.evaluate(_SORTED)[END] == "descending"
    assert fresh.evaluate(_SORTED).count("none") == 9

    # Numbers sort as numbers: 1 before 3 before 10 and 12.
    fresh.locator("table[data-cb-console] th button", has_text="Sessions held / agreed").click()
    held = [int(cell.split(" / ")[0]) for _, cell in visible(fresh, SESSIONS)]
    assert held == sorted(held) and held[0] == 1 and held[-1] == 12

    # The current stage sorts by its number; "All stages done" comes after the last stage.
    fresh.locator("table[data-cb-console] th button", has_text="Current stage").click()
    stages = [cell for _, cell in visible(fresh, STAGE)]
    assert stages[0] == "2. Building rapport" and stages[-1] == "All stages done"

    # Never measured goes last whichever way the column is sorted.
    measured = fresh.locator("table[data-cb-console] th button", has_text="Last measured")
    for _ in range(2):
        measured.click()
        cells = [cell for _, cell in visible(fresh, MEASURED)]
        assert cells[-2:] == ["Never", "Never"] and "Never" not in cells[:-2]

    fresh.locator("table[data-cb-console] th button", has_text="Client").click()
    names = [cell for _, cell in visible(fresh, CLIENT)]
    assert names == sorted(names)


def test_sorting_keeps_the_filter(fresh: Any) -> None:
    fresh.select_option("#cb-filter-coach", label="Priya Raman")
    fresh.locator("table[data-cb-console] th button", has_text="Client").click()
    assert [slug for slug, _ in visible(fresh)] == [
        "dana-whitfield",
        "grace-whitcombe",
        "kwame-asante",
        "mariam-haddad",
        "shona-macleod",
    ]


def test_on_a_phone_the_page_never_grows_wider_than_the_screen(fresh: Any) -> None:
    fresh.set_viewport_size({"width": 390, "height": 844})
    fits = fresh.evaluate(
        """() => {
            const box = document.querySelector(".cb-console-scroll");
            const table = box.querySelector("table");
            return {
                page: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
                // The table either fits its box or scrolls inside it.
                table: table.getBoundingClientRect().right <= box.getBoundingClientRect().right + 1
                    || box.scrollWidth > box.clientWidth,
                box: box.getBoundingClientRect().right <= document.documentElement.clientWidth,
            };
        }"""
    )
    assert fits == {"page": True, "table": True, "box": True}


@pytest.mark.parametrize(
    "path", ["", "coaches/priya-raman/", "engagements/dana-whitfield/"], ids=["home", "coach", "engagement"]
)
def test_axe_finds_nothing_serious_on_the_consoles_pages(browser: Any, console: str, path: str) -> None:
    from .test_site_browser import axe_violations

    page = browser.new_context().new_page()
    page.goto(console + path)
    assert axe_violations(page) == []
    page.context.close()


def test_axe_finds_nothing_serious_on_the_cohort_report(browser: Any, built_firm: Path) -> None:
    from .test_site_browser import axe_violations

    for url in serve(built_firm / "site" / "cohorts" / "halden-logistics"):
        page = browser.new_context().new_page()
        page.goto(url)
        assert "Coaching cohort: Halden Logistics" in page.inner_text("h1")
        assert axe_violations(page) == []
        page.context.close()
