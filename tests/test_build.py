"""End-to-end: build the sample firm and inspect every site's HTML, search index and other files."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coachbook.audit.normalise import normalise
from coachbook.core.loader import Project, load_firm
from coachbook.core.visibility import held_back, identifying

from .conftest import AS_OF, REPO, run_coachbook

CLIENTS = ("dana-whitfield", "kwame-asante", "sofia-marquez")


def site(root: Path, name: str) -> Path:
    return root / "site" / ("handbook" if name == "handbook" else f"clients/{name}")


def article_text(path: Path) -> str:
    """The visible text of a page's main content, with spaces normalised."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article")
    assert article is not None, f"{path} has no <article>"
    return re.sub(r"\s+", " ", article.get_text(" ")).strip()


def all_output_text(folder: Path) -> dict[str, str]:
    """Every output file's text (decompressing .gz), normalised the way the audit compares it."""
    out = {}
    for path in folder.rglob("*"):
        if path.is_file():
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            text = raw.decode("utf-8", errors="ignore")
            if path.suffix == ".json":
                text += " " + json.dumps(json.loads(text), ensure_ascii=False)
            out[path.relative_to(folder).as_posix()] = normalise(text)
    return out


def search_index(folder: Path) -> dict:
    return json.loads((folder / "search" / "search_index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample():
    return load_firm(Project(REPO, REPO / "content", REPO / "engagements"))


# --------------------------------------------------------------------------- the tree


def test_every_site_is_complete_and_standalone(built_firm: Path) -> None:
    for name in ("handbook", *CLIENTS):
        folder = site(built_firm, name)
        assert (folder / "index.html").is_file(), name
        assert (folder / "404.html").is_file(), name
        assert (folder / "search" / "search_index.json").is_file(), name
        assert (folder / "assets" / "stylesheets" / "coachbook.css").is_file(), name
        assert (folder / "stages" / "01-contracting" / "index.html").is_file(), name
    # Nothing half-built stays behind, and firm data is never published.
    assert not (built_firm / "site" / ".staging").exists() and not (built_firm / ".site.staging").exists()
    for path in (built_firm / "site").rglob("*"):
        assert path.suffix not in (".yml", ".yaml"), path


def test_no_value_token_survives_in_any_output(built_firm: Path) -> None:
    for path in (built_firm / "site").rglob("*"):
        if path.suffix in (".html", ".json", ".xml"):
            assert not re.search(r"CBV\d{4}Z", path.read_text(encoding="utf-8")), path


# --------------------------------------------------------------------------- dashboards


def test_mid_implementation_dashboard_shows_stage_goals_and_next_actions(built_firm: Path) -> None:
    text = article_text(site(built_firm, "dana-whitfield") / "index.html")
    assert "Welcome, Dana" in text
    assert "Where you are: Implementation" in text
    assert "Stage 6 of 7" in text
    assert "5 of 7 stages done (71%)" in text
    assert "12 of 16 agreed sessions held" in text
    assert "3 done, 6 open (3 past the date you planned)" in text
    # Where she is comes first, then the next session, then her next steps, then what slipped, then her journey.
    assert (
        text.index("Where you are")
        < text.index("Next session")
        < text.index("Your next steps")
        < text.index("Getting back on track")
        < text.index("Your journey")
    )
    assert "1 December 2026 at 08:00" in text
    # The actions that slipped are said once, calmly, oldest first, with a way back.
    slipped = text[text.index("Getting back on track") : text.index("Your progress")]
    assert slipped.index("peak-season readiness review") < slipped.index("delegation briefs")
    assert "planned for 30 October 2026" in slipped and "Overdue" not in slipped
    # Goals at a glance with computed percentages.
    goals = text[text.index("Goals at a glance") :]
    for percent in ("67%", "92%", "50%"):
        assert percent in goals


def test_dashboard_stepper_marks_current_stage_for_screen_readers(built_firm: Path) -> None:
    soup = BeautifulSoup((site(built_firm, "dana-whitfield") / "index.html").read_text(), "html.parser")
    stepper = soup.select_one("ol.cb-stepper")
    assert stepper is not None
    assert "5 of 7 stages done" in stepper["aria-label"]
    steps = stepper.find_all("li")
    assert len(steps) == 7
    current = [li for li in steps if li.get("aria-current") == "step"]
    assert len(current) == 1 and "Implementation" in current[0].get_text()
    assert [li["class"][1] for li in steps] == ["cb-step--done"] * 5 + ["cb-step--in-progress", "cb-step--not-started"]
    # Each step links to its guide in this same site.
    assert current[0].a["href"] == "stages/06-implementation/"


def test_just_contracted_dashboard(built_firm: Path) -> None:
    text = article_text(site(built_firm, "sofia-marquez") / "index.html")
    assert "Welcome, Sofia" in text
    assert "Where you are: Building rapport" in text
    assert "1 of 7 stages done" in text
    assert "Not set yet" in text  # no goals
    assert "No open actions yet" in text
    assert "1 December 2026" in text
    goals = article_text(site(built_firm, "sofia-marquez") / "goals" / "index.html")
    assert "No goals yet" in goals


def test_closed_engagement_shows_closure(built_firm: Path) -> None:
    folder = site(built_firm, "kwame-asante")
    text = article_text(folder / "index.html")
    assert "Your engagement is complete" in text
    assert "7 of 7 stages done (100%)" in text
    assert "12 of 12 agreed sessions held" in text
    closure = article_text(folder / "closure" / "index.html")
    assert "Your growth plan" in closure
    assert "Where your goals ended" in closure
    # Closure appears only once that stage is reached.
    assert not (site(built_firm, "dana-whitfield") / "closure").exists()
    assert not (site(built_firm, "sofia-marquez") / "closure").exists()


def test_goals_page_has_a_chart_and_readings_per_goal(built_firm: Path, sample) -> None:
    soup = BeautifulSoup((site(built_firm, "dana-whitfield") / "goals" / "index.html").read_text(), "html.parser")
    charts = soup.select("svg.cb-chart--goal")
    visible_goals = [
        g for g in sample.engagements["dana-whitfield"].engagement.goals if not g.coach_only and not g.draft
    ]
    assert len(charts) == len(visible_goals) >= 3
    for goal in visible_goals:
        assert soup.find(id=f"goal-{goal.id}") is not None
    # Charts are not wrapped in paragraphs.
    assert all(chart.parent.name != "p" for chart in charts)


def test_guides_are_personalised_with_the_clients_status(built_firm: Path) -> None:
    folder = site(built_firm, "dana-whitfield")
    contracting = article_text(folder / "stages" / "01-contracting" / "index.html")
    assert "You completed this stage on" in contracting
    assert "Priya Raman" in contracting
    assert "Halden Logistics" in contracting
    assert "{{" not in contracting
    implementation = article_text(folder / "stages" / "06-implementation" / "index.html")
    assert "You are in this stage, since 6 July 2026" in implementation
    closure_guide = article_text(folder / "stages" / "07-evaluation-and-closure" / "index.html")
    assert "You have not reached this stage yet" in closure_guide


def test_handbook_reads_neutrally_and_has_no_client_status(built_firm: Path) -> None:
    folder = site(built_firm, "handbook")
    text = article_text(folder / "stages" / "01-contracting" / "index.html")
    assert "your coach" in text
    assert "{{" not in text
    assert "You completed this stage" not in text
    home = article_text(folder / "index.html")
    assert "Contracting" in home


def test_client_pages_ask_not_to_be_indexed(built_firm: Path) -> None:
    for name in CLIENTS:
        for page in site(built_firm, name).rglob("*.html"):
            soup = BeautifulSoup(page.read_text(), "html.parser")
            assert soup.find("meta", attrs={"name": "robots", "content": "noindex, nofollow"}), page
            assert soup.find("meta", attrs={"name": "referrer", "content": "no-referrer"}), page


def test_client_sites_have_no_sitemap_but_the_public_handbook_does(built_firm: Path) -> None:
    for name in CLIENTS:
        assert not list(site(built_firm, name).glob("sitemap.xml*")), name
    # The public handbook keeps MkDocs' sitemap (it lists pages once the firm sets site_url).
    assert (site(built_firm, "handbook") / "sitemap.xml").is_file()


def test_client_pages_make_no_request_to_another_origin(built_firm: Path) -> None:
    fetches = re.compile(r"""<(?:script|img|iframe|link)\b[^>]*\s(?:src|href)=["']?(?:https?:)?//""", re.IGNORECASE)
    for name in CLIENTS:
        for page in site(built_firm, name).rglob("*.html"):
            html = page.read_text(encoding="utf-8")
            assert not fetches.search(html), page
            assert "fonts.googleapis.com" not in html, page
        # No edit or repository links either.
        soup = BeautifulSoup((site(built_firm, name) / "index.html").read_text(encoding="utf-8"), "html.parser")
        assert soup.select(".md-source, .md-content__button") == [], name


def test_client_nav_lists_their_pages_and_program(built_firm: Path) -> None:
    soup = BeautifulSoup((site(built_firm, "dana-whitfield") / "index.html").read_text(), "html.parser")
    labels = [a.get_text(" ", strip=True) for a in soup.select("nav.md-nav--primary a.md-nav__link")]
    for expected in ("Dashboard", "Goals", "Action plan", "Sessions", "Reviews", "Assessment", "Agreement"):
        assert expected in labels
    assert "6. Implementation" in labels
    assert soup.title.get_text().endswith("Dana Whitfield · Coaching")


# --------------------------------------------------------------------------- search


def test_each_search_index_covers_only_its_own_site(built_firm: Path, sample) -> None:
    for name in CLIENTS:
        index = search_index(site(built_firm, name))
        locations = {doc["location"].split("#")[0] for doc in index["docs"]}
        assert {"", "goals/", "actions/", "stages/06-implementation/"} <= locations
        blob = normalise(json.dumps(index, ensure_ascii=False))
        own = sample.engagements[name].engagement.client
        assert normalise(own.organisation) in blob or name == "sofia-marquez"
        for other in CLIENTS:
            if other != name:
                assert normalise(sample.engagements[other].engagement.client.name) not in blob
    handbook = search_index(site(built_firm, "handbook"))
    assert {doc["location"].split("#")[0] for doc in handbook["docs"]} >= {"", "stages/01-contracting/"}


# --------------------------------------------------------------------------- confidentiality


def test_handbook_holds_no_client_data(built_firm: Path, sample) -> None:
    files = all_output_text(site(built_firm, "handbook"))
    for loaded in sample.engagements.values():
        for secret in identifying(loaded.engagement):
            needle = normalise(secret.text)
            hits = [name for name, text in files.items() if needle in text]
            assert not hits, f"{secret.field} {secret.text!r} found in handbook files {hits}"


def test_no_client_site_holds_another_clients_identity(built_firm: Path, sample) -> None:
    for name in CLIENTS:
        files = all_output_text(site(built_firm, name))
        for other in CLIENTS:
            if other == name:
                continue
            for secret in identifying(sample.engagements[other].engagement):
                needle = normalise(secret.text)
                hits = [f for f, text in files.items() if needle in text]
                assert not hits, f"{other}'s {secret.field} found in {name}'s site: {hits}"


def _distinctive_sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [normalise(p.strip(" .\"'*-")) for p in parts if len(p.split()) >= 4]


def test_coach_only_text_appears_in_no_output_file(built_firm: Path, sample) -> None:
    everything = {}
    for name in ("handbook", *CLIENTS):
        for file, text in all_output_text(site(built_firm, name)).items():
            everything[f"{name}/{file}"] = text
    checked = 0
    for slug, loaded in sample.engagements.items():
        for secret in held_back(loaded.engagement):
            for sentence in _distinctive_sentences(secret.text):
                checked += 1
                hits = [f for f, text in everything.items() if sentence in text]
                assert not hits, f"{slug} {secret.field} ({secret.reason}) leaked into {hits}: {sentence!r}"
    assert checked > 20  # the sample firm really has coach-only text to check


def test_the_sample_firm_exercises_every_coach_only_mechanism(sample) -> None:
    reasons = {s.reason for loaded in sample.engagements.values() for s in held_back(loaded.engagement)}
    assert reasons == {"private", "coach_only", "draft", "comment"}


def test_finished_actions_are_a_ticked_task_list(built_firm: Path) -> None:
    soup = BeautifulSoup((site(built_firm, "kwame-asante") / "actions" / "index.html").read_text(), "html.parser")
    finished = soup.find(id="done").find_next("ul")
    assert "task-list" in finished.get("class", [])
    items = finished.select("li.task-list-item")
    assert items
    for item in items:
        box = item.find("input", attrs={"type": "checkbox"})
        # Done actions are ticked; dropped ones are not, and are struck through.
        assert box.has_attr("checked") == ("dropped" not in item.get_text()), item
        assert ("dropped" in item.get_text()) == (item.find("del") is not None), item
    assert "[x]" not in finished.get_text() and "~~" not in finished.get_text()


def test_html_comments_in_guides_and_pages_are_never_published(firm: Path) -> None:
    """A firm's note to itself in a guide or the handbook's home stays in the repository."""
    note = "Internal: rewrite this section before the Halden renewal"
    guide = firm / "content" / "stages" / "03-assessment.md"
    guide.write_text(guide.read_text(encoding="utf-8") + f"\n<!-- {note} -->\n", encoding="utf-8")
    home = firm / "content" / "index.md"
    home.write_text(home.read_text(encoding="utf-8") + f"\n<!--\n{note}, twice\n-->\n", encoding="utf-8")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    outputs = [p for p in (firm / "site").rglob("*") if p.is_file()]
    assert any(p.name == "index.html" and "03-assessment" in p.parent.name for p in outputs)
    for path in outputs:
        assert note.encode() not in path.read_bytes(), path
