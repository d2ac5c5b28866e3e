"""The dashboard's charts in a real Chromium: drawn without JavaScript, and legible in dark mode and on paper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from .browser import TIMEOUT_MS, chromium, serve

pytestmark = pytest.mark.browser

#: Colours of a chart's text, its first series, and the page's own text, as the browser computes them.
_COLOURS = """() => {
    const chart = document.querySelector("svg.cb-chart--goal");
    const line = chart.querySelector(".cb-chart__line");
    const text = chart.querySelector("text");
    const body = document.querySelector("article.md-typeset");
    return {
        chart: getComputedStyle(chart).color,
        text: getComputedStyle(text).fill,
        line: getComputedStyle(line).stroke,
        page: getComputedStyle(body).color,
        scheme: document.body.getAttribute("data-md-color-scheme"),
    };
}"""


@pytest.fixture(scope="module")
def site(built_firm: Path) -> Iterator[str]:
    yield from serve(built_firm / "site" / "clients" / "dana-whitfield")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def colours(browser: Browser, url: str, **context: Any) -> dict[str, str]:
    media = context.pop("media", None)
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    if media:
        page.emulate_media(media=media)
    result = page.evaluate(_COLOURS)
    page.context.close()
    assert errors == []
    return result


def test_charts_are_drawn_without_javascript(browser: Browser, site: str) -> None:
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(site)
    boxes = page.eval_on_selector_all(
        "svg.cb-chart", "nodes => nodes.map(n => { const r = n.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    page.context.close()
    assert len(boxes) == 4  # three goals and the 360
    assert all(width > 300 and height > 100 for width, height in boxes), boxes


def test_chart_text_follows_the_theme_in_dark_mode_and_prints_black(browser: Browser, site: str) -> None:
    light = colours(browser, site, color_scheme="light")
    dark = colours(browser, site, color_scheme="dark")
    printed = colours(browser, site, color_scheme="dark", media="print")
    assert (light["scheme"], dark["scheme"]) == ("default", "slate")
    # Text is the page's text colour (dark on light, light on dark), never a fixed colour.
    assert light["chart"] == light["text"] == light["page"]
    assert dark["chart"] == dark["text"] == dark["page"]
    assert light["text"] != dark["text"]
    # Series colours come from the theme's variables, lighter in dark mode.
    assert light["line"] != dark["line"]
    # On paper, even when printed from dark mode: black text and the light scheme's series colours.
    assert printed["chart"] == printed["text"] == "rgb(0, 0, 0)"
    assert printed["line"] == light["line"]
