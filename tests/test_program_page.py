"""The "Print your program" page: the client's whole program in one printable document.

It gathers where the client is, every client page and every stage guide, rendered from the same templates
and the same guide text as their own pages, from the client view only.
"""

from __future__ import annotations

import copy
import json
import posixpath
import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from coachbook.audit.normalise import normalise
from coachbook.core.loader import Project, load_firm
from coachbook.core.visibility import held_back
from coachbook.render.embed import embed_markdown

from .conftest import AS_OF, REPO, STAGE_IDS, run_coachbook

CLIENTS = ("dana-whitfield", "kwame-asante", "sofia-marquez")
GUIDES = STAGE_IDS
#: The program page's sections, in reading order; closure only once that stage is reached.
SECTIONS = ("program-goals", "program-actions", "program-sessions", "program-reviews", "program-assessment")


def client_site(root: Path, slug: str) -> Path:
    return root / "site" / "clients" / slug


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def program(root: Path, slug: str) -> BeautifulSoup:
    return soup_of(client_site(root, slug) / "program" / "index.html")


def words(node: Tag) -> str:
    """Visible words of a piece of a page, without permalink marks, spaces normalised."""
    for mark in node.select("a.headerlink"):
        mark.decompose()
    return " ".join(node.get_text(" ").split())


def section(article: Tag, heading_id: str) -> Tag:
    """The program page's section under the `h2` with this id, up to the next `h2`, as one fragment."""
    heading = article.find(id=heading_id)
    assert heading is not None and heading.name == "h2", heading_id
    box = BeautifulSoup("<div></div>", "html.parser").div
    for sibling in [heading, *heading.find_next_siblings()]:
        if sibling is not heading and sibling.name == "h2":
            break
        box.append(copy.copy(sibling))
    return box


def page_article(root: Path, slug: str, page: str) -> Tag:
    article = soup_of(client_site(root, slug) / page / "index.html").find("article")
    assert article is not None
    return article


# --------------------------------------------------------------------------- which sites have it


def test_every_client_site_has_the_page_in_its_nav(built_firm: Path) -> None:
    for slug in CLIENTS:
        assert (client_site(built_firm, slug) / "program" / "index.html").is_file(), slug
        soup = soup_of(client_site(built_firm, slug) / "index.html")
        links = {
            a.get_text(" ", strip=True): a["href"] for a in soup.select("nav.md-nav--primary a.md-nav__link[href]")
        }
        assert links.get("Print your program") == "program/", slug


def test_the_dashboard_links_to_it(built_firm: Path) -> None:
    article = soup_of(client_site(built_firm, "dana-whitfield") / "index.html").find("article")
    link = next(a for a in article.find_all("a") if a.get_text(strip=True) == "Print your whole program")
    assert link["href"] == "program/"


def test_neither_the_handbook_nor_the_sponsor_site_has_it(built_firm: Path) -> None:
    handbook = built_firm / "site" / "handbook"
    sponsor = built_firm / "site" / "sponsors" / "dana-whitfield"
    assert sponsor.is_dir()
    for folder in (handbook, sponsor):
        assert not (folder / "program").exists(), folder
        assert "Print your program" not in (folder / "index.html").read_text(encoding="utf-8"), folder


# --------------------------------------------------------------------------- what it says, in order


def test_sections_come_in_reading_order(built_firm: Path) -> None:
    for slug, closed in (("dana-whitfield", False), ("kwame-asante", True), ("sofia-marquez", False)):
        article = program(built_firm, slug).find("article")
        order = [h["id"] for h in article.find_all(["h1", "h2"])]
        expected = [
            "program",
            "where-you-are",
            *SECTIONS,
            "program-agreement",
            *(["program-closure"] if closed else []),
            *(f"guide-{g}" for g in GUIDES),
        ]
        assert order == expected, slug
        # Each stage guide starts a new sheet in print: its heading carries the class print.css breaks before.
        assert [h["id"] for h in article.select("h2.cb-program-guide")] == [f"guide-{g}" for g in GUIDES]


def test_the_header_names_client_coach_program_dates_and_as_of(built_firm: Path) -> None:
    article = program(built_firm, "dana-whitfield").find("article")
    header = words(article.select_one(".cb-program-header"))
    for expected in (
        "Dana Whitfield, Chief Operating Officer, Halden Logistics",
        "Priya Raman",
        "Executive Coaching Programme",
        "13 April 2026 to 29 January 2027",
        "24 November 2026",
    ):
        assert expected in header
    # The contents list leads to every section on the page.
    contents = article.find("strong", string="In this document").find_next("ol")
    targets = [a["href"] for a in contents.find_all("a")]
    assert targets[:2] == ["#where-you-are", "#program-goals"]
    assert all(article.find(id=t.removeprefix("#")) for t in targets)
    assert len(targets) == 1 + len(SECTIONS) + 1 + len(GUIDES)


def test_where_you_are_shows_the_stepper_and_progress(built_firm: Path) -> None:
    root = client_site(built_firm, "dana-whitfield")
    where = section(program(built_firm, "dana-whitfield").find("article"), "where-you-are")
    text = words(where)
    assert "You are in stage 6 of 7, Implementation" in text
    assert "5 of 7 stages done (71%)" in text
    stepper = where.select_one("ol.cb-stepper")
    current = stepper.select_one('[aria-current="step"]')
    assert "Implementation" in current.get_text()
    # Raw HTML links are not rewritten by MkDocs: from program/ they climb out to the guides.
    for link in stepper.select("a"):
        assert link["href"].startswith("../stages/")
        assert (root / "program" / link["href"] / "index.html").resolve().is_file()
    # Wins appear here while the engagement runs; once closure is reached, the closure section lists them.
    assert where.select_one("ol.cb-timeline") is not None
    kwame = section(program(built_firm, "kwame-asante").find("article"), "where-you-are")
    assert kwame.select_one("ol.cb-timeline") is None
    assert "Your engagement is complete" in words(kwame)


@pytest.mark.parametrize("slug", CLIENTS)
def test_each_section_is_the_page_it_comes_from(built_firm: Path, slug: str) -> None:
    article = program(built_firm, slug).find("article")
    pages = ["goals", "actions", "reviews", "assessment", "agreement"] + (["closure"] if slug == "kwame-asante" else [])
    for page in pages:
        assert words(section(article, f"program-{page}")) == words(page_article(built_firm, slug, page)), page
    # Sessions, less the calendar how-to, which is no use on paper.
    sessions = page_article(built_firm, slug, "sessions")
    for tip in sessions.select(".admonition.tip"):
        if tip.select_one(".cb-calendar-link"):
            tip.decompose()
    printed = section(article, "program-sessions")
    assert words(printed) == words(sessions)
    assert printed.select_one(".cb-calendar-link") is None


@pytest.mark.parametrize("slug", CLIENTS)
def test_each_guide_is_printed_as_the_client_reads_it(built_firm: Path, slug: str, sample) -> None:
    article = program(built_firm, slug).find("article")
    for number, stage in enumerate(GUIDES, start=1):
        folder = next((client_site(built_firm, slug) / "stages").glob(f"0{number}-*"))
        page = page_article(built_firm, slug, f"stages/{folder.name}")
        # The guide page's status ends with a link back to the dashboard; the printed guide has no need of it.
        for link in page.find_all("a", string="Back to your dashboard"):
            link.decompose()
        assert words(section(article, f"guide-{stage}")) == words(page), stage
    text = words(article)
    assert "{{" not in text and "}}" not in text
    engagement = sample.engagements[slug].engagement
    assert engagement.client.organisation in words(section(article, "guide-implementation"))
    assert engagement.coach.name in words(section(article, "guide-building-rapport"))


def test_collapsed_blocks_are_printed_open(built_firm: Path) -> None:
    article = program(built_firm, "kwame-asante").find("article")
    details = article.find_all("details")
    assert details and all(d.has_attr("open") for d in details)


# --------------------------------------------------------------------------- what it must not contain


@pytest.fixture(scope="module")
def sample():
    return load_firm(Project(REPO, REPO / "content", REPO / "engagements"))


def _distinctive_sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [normalise(p.strip(" .\"'*-")) for p in parts if len(p.split()) >= 4]


def test_nothing_held_back_is_printed(built_firm: Path, sample) -> None:
    checked = 0
    for slug in CLIENTS:
        text = normalise((client_site(built_firm, slug) / "program" / "index.html").read_text(encoding="utf-8"))
        for secret in held_back(sample.engagements[slug].engagement):
            for sentence in _distinctive_sentences(secret.text):
                checked += 1
                assert sentence not in text, f"{slug} {secret.field} ({secret.reason}) is on the program page"
        assert "coach-notes" not in text and "coach view" not in text
    assert checked > 20


def test_ids_are_unique_and_the_charts_are_the_pages_own(built_firm: Path) -> None:
    for slug in CLIENTS:
        soup = program(built_firm, slug)
        ids = Counter(tag["id"] for tag in soup.find_all(id=True))
        assert [i for i, n in ids.items() if n > 1] == [], slug
        for chart in soup.select("svg.cb-chart"):
            labels = chart["aria-labelledby"].split()
            assert all(label.startswith("program-") and chart.find(id=label) for label in labels), labels
    dana = program(built_firm, "dana-whitfield")
    assert len(dana.select("svg.cb-chart--goal")) == 3
    assert len(dana.select("svg.cb-chart--feedback")) == 1


def test_search_leaves_the_page_out(built_firm: Path) -> None:
    index = json.loads(
        (client_site(built_firm, "dana-whitfield") / "search" / "search_index.json").read_text(encoding="utf-8")
    )
    locations = {doc["location"] for doc in index["docs"]}
    assert not any(loc.startswith("program/") for loc in locations)
    # Every section it prints is found on its own page instead.
    assert {"goals/", "stages/03-assessment/"} <= {loc.split("#")[0] for loc in locations}


# --------------------------------------------------------------------------- printing


def test_the_print_stylesheet_is_linked_on_every_page(built_firm: Path) -> None:
    root = client_site(built_firm, "dana-whitfield")
    css = (root / "assets" / "stylesheets" / "print.css").read_text(encoding="utf-8")
    assert "@media print" in css
    for rule in ("h2.cb-program-guide", "break-before: page", ".cb-print-button", "break-inside: avoid"):
        assert rule in css
    for page, href in (
        ("index.html", "assets/stylesheets/print.css"),
        ("program/index.html", "../assets/stylesheets/print.css"),
    ):
        soup = soup_of(root / page)
        assert soup.select_one(f'head link[rel="stylesheet"][href="{href}"]') is not None, page
    handbook = soup_of(built_firm / "site" / "handbook" / "index.html")
    assert handbook.select_one('head link[href$="assets/stylesheets/print.css"]') is not None


def test_the_print_button_prints_and_is_harmless_without_javascript(built_firm: Path) -> None:
    soup = program(built_firm, "dana-whitfield")
    button = soup.select_one("article a.cb-print-button")
    assert button.get_text(strip=True) == "Print this page"
    assert "window.print()" in button["onclick"]
    # Without JavaScript the link stays on the page, whose text says how to print from the browser.
    assert soup.find(id=button["href"].removeprefix("#")) is not None
    assert "Ctrl+P" in button.parent.get_text()


# --------------------------------------------------------------------------- guides from elsewhere


def test_links_in_a_guide_still_lead_to_the_same_place(firm: Path) -> None:
    guide = firm / "content" / "stages" / "03-assessment.md"
    text = guide.read_text(encoding="utf-8")
    text = text.replace(
        "## How to prepare",
        "See [goal setting](04-goal-setting.md), [preparing](#how-to-prepare) and the [home page](../index.md)."
        "[^raters]\n\n[^raters]: Choose raters who see you often.\n\n## How to prepare",
        1,
    )
    guide.write_text(text, encoding="utf-8")
    other = firm / "content" / "stages" / "04-goal-setting.md"
    other.write_text(
        other.read_text(encoding="utf-8").replace(
            "\n## How to prepare", "\nA note.[^raters]\n\n[^raters]: Not the same note.\n\n## How to prepare", 1
        ),
        encoding="utf-8",
    )
    run_coachbook(firm, "build", "--client", "dana-whitfield", "--as-of", AS_OF, "--strict", check=True)
    root = client_site(firm, "dana-whitfield")
    article = program(firm, "dana-whitfield").find("article")
    printed = section(article, "guide-assessment")
    hrefs = {a.get_text(strip=True): a["href"] for a in printed.find_all("a") if a.get_text(strip=True)}
    assert hrefs["goal setting"] == "../stages/04-goal-setting/"
    assert hrefs["preparing"] == "../stages/03-assessment/#how-to-prepare"
    assert hrefs["home page"] == "../"
    for href in (hrefs["goal setting"], hrefs["home page"]):
        assert (root / posixpath.normpath(posixpath.join("program", href)) / "index.html").is_file()
    # Two guides with a footnote of the same name each keep their own.
    notes = words(article)
    assert "Choose raters who see you often." in notes and "Not the same note." in notes


# --------------------------------------------------------------------------- embedding, unit by unit


def test_embed_markdown_demotes_headings_but_not_code() -> None:
    source = "\n".join(
        [
            "---",
            "title: T",
            "---",
            "",
            "# Title",
            "",
            "## Part { #part }",
            "",
            "Underlined",
            "----------",
            "",
            "```python",
            "# a comment, not a heading",
            "```",
            "",
            '??? note "More"',
            "    Hidden text.",
        ]
    )
    out = embed_markdown(source, section_id="s", section_class="c", id_prefix="p-", source_uri="stages/a.md")
    assert out.splitlines()[:4] == ["", "## Title { #s .c }", "", "### Part { #p-part }"]
    assert "### Underlined" in out and "----------" not in out
    assert "# a comment, not a heading" in out.splitlines()
    assert '???+ note "More"' in out
    assert "title: T" not in out


def test_embed_markdown_gives_a_title_to_a_page_without_one() -> None:
    out = embed_markdown("Some text.\n", section_id="s", title="Fallback")
    assert out.startswith("## Fallback { #s }\n")


def test_embed_markdown_rewrites_links_but_not_code_or_absolute_ones() -> None:
    source = (
        "[a](b.md) ![i](img/x.png) [f](#frag) [w](https://example.com/x) `[c](code.md)` "
        '<a href="c.md#x">h</a> [m](mailto:a@b.example)\n\n[ref]: ../index.md\n'
    )
    out = embed_markdown(source, section_id="s", title="T", source_uri="stages/a.md")
    for expected in (
        "[a](stages/b.md)",
        "![i](stages/img/x.png)",
        "[f](stages/a.md#frag)",
        "[w](https://example.com/x)",
        "`[c](code.md)`",
        'href="stages/c.md#x"',
        "[m](mailto:a@b.example)",
        "[ref]: index.md",
    ):
        assert expected in out, expected
