"""Small things a client reads, on real built sites: fact tables, cadence in words, the assessment page, notes.

Each was a slip a firm found in its first hour: a table that opened with an empty header row, "every 1 week",
"Assessment has not started yet" for an assessment that was done, links and headings in notes that came out wrong.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from coachbook.core.rules import SITE_PAGES
from coachbook.render.client_pages import CLIENT_PAGES

from .conftest import AS_OF, copy_firm, run_coachbook


def page(root: Path, *parts: str) -> BeautifulSoup:
    return BeautifulSoup(root.joinpath("site", *parts, "index.html").read_text(encoding="utf-8"), "html.parser")


def words(node: Tag) -> str:
    return " ".join(node.get_text(" ").split())


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# --------------------------------------------------------------------------- fact tables


@pytest.mark.parametrize(
    ("parts", "first_rows"),
    [
        (("clients", "dana-whitfield", "program"), ["Client", "Coach", "Program", "Dates", "As of"]),
        (("clients", "dana-whitfield", "agreement"), ["Client", "Coach", "Sponsor", "Program", "Dates", "Sessions"]),
        (("sponsors", "dana-whitfield"), ["Journey", "Sessions", "Goals"]),
    ],
)
def test_fact_tables_have_no_empty_header_row(built_firm: Path, parts: tuple[str, ...], first_rows: list[str]) -> None:
    table = page(built_firm, *parts).find("article").find("table")
    assert table.find("thead") is None and not [th for th in table.find_all("th") if not th.get_text(strip=True)]
    headers = table.select("tbody > tr > th")
    assert [words(th) for th in headers][: len(first_rows)] == first_rows
    assert all(th["scope"] == "row" for th in headers)


def test_the_agreement_links_the_program_and_says_the_cadence_in_words(built_firm: Path) -> None:
    table = page(built_firm, "clients", "kwame-asante", "agreement").find("article").find("table")
    sessions = next(tr for tr in table.find_all("tr") if words(tr.th) == "Sessions")
    assert words(sessions.td).startswith("12 sessions of 90 minutes, every 3 weeks")
    assert table.find("a", string="Executive Coaching Programme")["href"] == "../stages/01-contracting/"


def test_weekly_sessions_are_every_week_not_every_1_week(firm: Path) -> None:
    edit(firm / "engagements" / "sofia-marquez.yml", "  every_weeks: 2\n", "  every_weeks: 1\n")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "sofia-marquez", check=True)
    site = firm / "site"
    texts = [
        words(page(site.parent, "clients", "sofia-marquez", name).find("article")) for name in ("sessions", "agreement")
    ]
    assert "Sessions run every week for 60 minutes" in texts[0]
    assert "10 sessions of 60 minutes, every week" in texts[1]
    assert not any("every 1 week" in text for text in texts)


# --------------------------------------------------------------------------- the assessment page


def test_an_assessment_stage_done_without_results_is_not_called_not_started(firm: Path) -> None:
    kwame = firm / "engagements" / "kwame-asante.yml"
    text = kwame.read_text(encoding="utf-8")
    start = text.index("\nassessment:\n")
    end = re.compile(r"^\S", re.MULTILINE).search(text, start + len("\nassessment:\n")).start()
    kwame.write_text(text[: start + 1] + text[end:], encoding="utf-8")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "kwame-asante", check=True)
    article = words(page(firm, "clients", "kwame-asante", "assessment").find("article"))
    assert "No assessment results are recorded here" in article
    assert "You completed stage 3, Assessment , on 31 October 2025." in article
    assert "not started" not in article


def test_an_assessment_not_yet_reached_is_not_started(built_firm: Path) -> None:
    article = words(page(built_firm, "clients", "sofia-marquez", "assessment").find("article"))
    assert "Assessment has not started yet" in article


# --------------------------------------------------------------------------- notes: links and headings


def test_the_pages_a_note_may_link_to_are_the_pages_a_site_has() -> None:
    assert set(SITE_PAGES) == {uri for uri, _, _ in CLIENT_PAGES}


@pytest.fixture(scope="module")
def noted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Dana's firm with a guide link, a page link and a broken link in a session note, and headings in notes."""
    firm = copy_firm(tmp_path_factory.mktemp("noted") / "firm")
    dana = firm / "engagements" / "dana-whitfield.yml"
    edit(
        dana,
        "      Please bring the answers from your one-to-ones.",
        "      ## Before we meet\n\n"
        "      Reread [the assessment guide](stages/03-assessment.md#how-to-prepare) and [your goals](goals.md).\n"
        "      The [old form](old-form.md) is gone.\n\n"
        "      Please bring the answers from your one-to-ones.",
    )
    kwame = firm / "engagements" / "kwame-asante.yml"
    edit(kwame, "  reflection: |\n", "  reflection: |\n    # Looking back\n\n")
    check = run_coachbook(firm, "check")
    build = run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "dana-whitfield", "--client", "kwame-asante")
    assert build.returncode == 0, build.stderr
    return firm, check.stderr + "\n" + check.stdout


def test_a_notes_link_to_a_guide_or_a_page_leads_there_from_every_page_it_is_on(noted: tuple[Path, str]) -> None:
    firm, _ = noted
    for parts, prefix in (
        (("clients", "dana-whitfield"), ""),
        (("clients", "dana-whitfield", "sessions"), "../"),
        (("clients", "dana-whitfield", "program"), "../"),
    ):
        article = page(firm, *parts).find("article")
        guide = article.find("a", string="the assessment guide")
        assert guide is not None, parts
        assert guide["href"] == f"{prefix}stages/03-assessment/#how-to-prepare", parts
        assert article.find("a", string="your goals")["href"] == f"{prefix}goals/", parts
        # The link to no page keeps its words and loses the link.
        assert "The old form is gone." in words(article), parts
        assert article.find("a", string="old form") is None, parts
        assert not article.select('a[href$=".md"]'), parts


def test_check_warns_about_a_notes_link_to_no_page_and_strict_refuses_it(noted: tuple[Path, str]) -> None:
    firm, said = noted
    assert re.search(
        r"engagements/dana-whitfield\.yml:\d+:\d+: warning: sessions\[\d+\]\.notes: links to 'old-form\.md', which is "
        r"not a page of the client's site",
        said,
    ), said
    assert "goals.md'" not in said and "03-assessment.md#how-to-prepare'" not in said
    assert run_coachbook(firm, "check", "--strict").returncode == 1
    assert run_coachbook(firm, "build", "--as-of", AS_OF, "--strict").returncode == 1


def test_headings_in_notes_and_the_closing_reflection_are_headings(noted: tuple[Path, str]) -> None:
    firm, _ = noted
    sessions = page(firm, "clients", "dana-whitfield", "sessions").find("article")
    assert [words(h) for h in sessions.find_all("h3") if words(h) == "Before we meet"] == ["Before we meet"]
    closure = page(firm, "clients", "kwame-asante", "closure").find("article")
    (heading,) = [h for h in closure.find_all(re.compile("^h[1-6]$")) if words(h) == "Looking back"]
    assert heading.name == "h3"
    assert "# Looking back" not in words(closure)
