"""The client's dashboard, read from real built sites: "what do I do next" first, then progress."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from coachbook.core.loader import Project, load_firm
from coachbook.core.visibility import client_view

from .conftest import REPO, copy_firm, run_coachbook


@pytest.fixture(scope="module")
def sample():
    return load_firm(Project(REPO, REPO / "content", REPO / "engagements"))


def dashboard(root: Path, slug: str) -> BeautifulSoup:
    return BeautifulSoup((root / "site" / "clients" / slug / "index.html").read_text(encoding="utf-8"), "html.parser")


def article(soup: BeautifulSoup) -> Tag:
    found = soup.find("article")
    assert isinstance(found, Tag)
    return found


def words(node: Tag) -> str:
    return " ".join(node.get_text(" ").split())


def card(soup: BeautifulSoup, heading: str) -> Tag:
    """The "What's next" card whose bold heading starts with `heading`."""
    for item in soup.select(".cb-next > ul > li"):
        strong = item.find("strong")
        if strong and strong.get_text().startswith(heading):
            return item
    raise AssertionError(f"no card {heading!r}")


# --------------------------------------------------------------------------- what's next, first


def test_whats_next_comes_before_progress(built_firm: Path) -> None:
    page = article(dashboard(built_firm, "dana-whitfield"))
    assert [h2["id"] for h2 in page.find_all("h2")] == ["whats-next", "progress"]
    assert page.find("h1")["id"] == "welcome"
    # Where the client is leads, then what they do next; what slipped comes after, on its own.
    cards = [words(li.find("strong")) for li in page.select(".cb-next > ul > li")]
    assert cards == ["Where you are: Implementation", "Next session", "Your next steps"]
    # Every progress element follows the "What's next" cards.
    parts = page.select("h2, h3, .cb-next, .cb-stepper, .cb-timeline")
    order = [tag.get("id") or tag.get("class")[0] for tag in parts]
    assert order == [
        *("whats-next", "grid", "catch-up", "progress", "journey", "cb-stepper"),
        *("goals", "feedback", "wins", "cb-timeline"),
    ]


def test_next_session_card_gives_date_time_and_focus(built_firm: Path) -> None:
    text = words(card(dashboard(built_firm, "dana-whitfield"), "Next session"))
    assert "1 December 2026 at 08:00 · 60 minutes" in text
    assert "Focus: What your team told you they want to own" in text


def test_what_to_prepare_for_an_upcoming_session_is_on_the_dashboard_and_the_sessions_page(built_firm: Path) -> None:
    """Sofia's coach wrote what to bring to the next two sessions; that is what she has to do next."""
    prepare = "Please bring your three career moments."
    next_card = card(dashboard(built_firm, "sofia-marquez"), "Next session")
    assert prepare in words(next_card)
    assert next_card.find("p", string=re.compile("three career moments")) is not None
    sessions = BeautifulSoup(
        (built_firm / "site" / "clients" / "sofia-marquez" / "sessions" / "index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    upcoming = sessions.find("h2", id="upcoming").find_next_sibling("ul").find_all("li", recursive=False)
    assert len(upcoming) == 2
    assert prepare in words(upcoming[0])
    assert "Please think about who would give you honest feedback" in words(upcoming[1])
    # Each note sits in its own session's item, as paragraphs, not as a stray token.
    assert not re.search(r"CBV\d{4}Z", str(sessions)) and not re.search(r"CBV\d{4}Z", str(next_card))


def test_next_steps_are_the_actions_still_ahead_and_what_slipped_is_said_calmly_after(built_firm: Path) -> None:
    """Dana has three actions past their date: the dashboard leads with what she can do next, not with those."""
    page = dashboard(built_firm, "dana-whitfield")
    steps = card(page, "Your next steps").select("ol > li")
    assert [re.search(r"— due (\d+ \w+ \d{4})", words(li))[1] for li in steps] == [
        "18 December 2026",
        "8 January 2027",
        "15 January 2027",
    ]
    # Nothing on the dashboard is an alarm: no "overdue" badge, no "overdue" in bold, anywhere.
    assert page.select(".cb-badge--overdue") == []
    assert "overdue" not in words(article(page)).lower()
    catch_up = article(page).select_one(".cb-catch-up")
    text = words(catch_up)
    assert text.startswith("Getting back on track ¶ 3 actions went past the date you planned for them.")
    assert "bring them to your session on 1 December 2026 to agree a new date with Priya" in text
    slipped = catch_up.select("ul > li")
    assert words(slipped[0]).startswith(
        "Hand the peak-season readiness review to Callum to chair, joining only for final sign-off — planned for "
        "30 October 2026"
    )
    assert len(slipped) == 3
    # The summary counts them without bold or alarm.
    summary = words(article(page).select_one(".cb-summary"))
    assert "3 done, 6 open (3 past the date you planned)" in summary


def test_what_slipped_follows_the_as_of_date(tmp_path: Path) -> None:
    # On 1 November only the peak-season review (due 30 October) is late; the next two are merely due soon.
    firm = copy_firm(tmp_path / "firm")
    run_coachbook(firm, "build", "--client", "dana-whitfield", "--as-of", "2026-11-01", check=True)
    page = dashboard(firm, "dana-whitfield")
    steps = card(page, "Your next steps").select("ol > li")
    assert "due 13 November 2026 (in 12 days)" in words(steps[0])
    slipped = article(page).select(".cb-catch-up ul > li")
    assert len(slipped) == 1 and "planned for 30 October 2026" in words(slipped[0])
    assert "One action went past the date you planned for it." in words(article(page).select_one(".cb-catch-up"))
    # On 15 October nothing has slipped, and the section is not there at all.
    run_coachbook(firm, "build", "--client", "dana-whitfield", "--as-of", "2026-10-15", check=True)
    assert article(dashboard(firm, "dana-whitfield")).select_one(".cb-catch-up") is None


def test_current_stage_card_says_what_the_stage_asks_of_the_client(built_firm: Path, sample) -> None:
    stage = sample.engagements["dana-whitfield"].program.stage("implementation")
    where = card(dashboard(built_firm, "dana-whitfield"), "Where you are")
    assert "Stage 6 of 7" in words(where)
    assert [words(li) for li in where.select("ul > li")] == list(stage.client_does)
    assert where.find("a", string=re.compile("Read the Implementation guide"))["href"] == "stages/06-implementation/"


# --------------------------------------------------------------------------- the stepper


def test_stepper_says_each_stages_state_in_words_for_screen_readers(built_firm: Path) -> None:
    stepper = article(dashboard(built_firm, "dana-whitfield")).select_one("ol.cb-stepper")
    steps = stepper.find_all("li", recursive=False)
    hidden = [li.select_one(".cb-sr-only").get_text() for li in steps]
    assert hidden == [": completed"] * 5 + [": current stage", ": upcoming"]
    # A screen reader hears the title and the state once; the visible label repeats it for the eye only.
    for li in steps:
        assert li.select_one(".cb-step__status")["aria-hidden"] == "true"
        assert li.select_one(".cb-step__num")["aria-hidden"] == "true"
    current = stepper.select('li[aria-current="step"]')
    assert len(current) == 1 and "cb-step--current" in current[0]["class"]
    assert words(current[0].select_one(".cb-step__status")) == "You are here"
    css = (REPO / "theme" / "assets" / "stylesheets" / "coachbook.css").read_text(encoding="utf-8")
    rule = css[css.index(".cb-sr-only {") : css.index("}", css.index(".cb-sr-only {"))]
    assert "clip-path: inset(50%)" in rule and "position: absolute" in rule


def test_closed_engagement_has_every_step_completed_and_none_current(built_firm: Path) -> None:
    stepper = article(dashboard(built_firm, "kwame-asante")).select_one("ol.cb-stepper")
    assert [li.select_one(".cb-sr-only").get_text() for li in stepper.find_all("li")] == [": completed"] * 7
    assert stepper.select('[aria-current="step"]') == []


# --------------------------------------------------------------------------- progress: charts and wins


def test_dashboard_draws_a_goal_chart_per_visible_goal(built_firm: Path, sample) -> None:
    page = article(dashboard(built_firm, "dana-whitfield"))
    view = client_view(sample.engagements["dana-whitfield"].engagement)
    charts = page.select("svg.cb-chart--goal")
    assert len(charts) == len(view.goals) == 3
    for goal, svg in zip(view.goals, charts, strict=True):
        heading = page.find(id=f"glance-{goal.id}")
        assert heading.a["href"] == f"goals/#goal-{goal.id}"
        assert heading.find_next("svg") is svg
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        # A confidential goal's chart is titled by its unit only (the same chart may one day reach a sponsor).
        assert (goal.unit if goal.confidential else goal.title) in svg.find(id=title_id).get_text()
        assert "at baseline" in svg.find(id=desc_id).get_text()
        assert "Baseline" in svg.get_text() and "Target" in svg.get_text()
        assert svg.parent.name != "p"


def test_dashboard_has_the_360_chart_by_rater_group_of_the_client_view_only(built_firm: Path, sample) -> None:
    page = article(dashboard(built_firm, "dana-whitfield"))
    (svg,) = page.select("svg.cb-chart--feedback")
    groups = client_view(sample.engagements["dana-whitfield"].engagement).assessment.feedback.groups
    legend = [words(t) for t in svg.select(".cb-chart__legend-label")]
    assert legend == [f"{g.group} ({g.raters} rater{'s' if g.raters != 1 else ''})" for g in groups]
    # The coach-only rater group of the engagement file is not drawn.
    assert "Board members" not in svg.get_text()
    assert page.find("a", string="Read the whole assessment")["href"] == "assessment/#feedback"


def test_no_feedback_no_goals_no_wins_means_no_empty_sections(built_firm: Path) -> None:
    page = article(dashboard(built_firm, "sofia-marquez"))
    assert page.select("svg.cb-chart") == []
    for section in ("goals", "feedback", "wins"):
        assert page.find(id=section) is None, section


def test_wins_are_a_timeline_oldest_first_with_their_stories(built_firm: Path, sample) -> None:
    page = article(dashboard(built_firm, "dana-whitfield"))
    timeline = page.select_one("ol.cb-timeline")
    wins = sorted(client_view(sample.engagements["dana-whitfield"].engagement).wins, key=lambda w: w.date)
    items = timeline.find_all("li", recursive=False)
    assert [li.time["datetime"] for li in items] == [w.date.isoformat() for w in wins]
    assert [words(li.select_one(".cb-timeline__title")) for li in items] == [w.title for w in wins]
    assert "Tamworth, Daventry, Avonmouth and Teesport" in words(items[0].select_one(".cb-timeline__story"))
    assert items[0].select_one(".cb-timeline__goal a")["href"] == "goals/#goal-step-out-of-escalations"


def test_every_id_on_the_dashboard_is_unique(built_firm: Path) -> None:
    # Charts appear on the dashboard and again on their own pages; their ids must not collide on either.
    for slug in ("dana-whitfield", "kwame-asante"):
        ids = Counter(tag["id"] for tag in dashboard(built_firm, slug).find_all(id=True))
        assert [i for i, n in ids.items() if n > 1] == [], slug
