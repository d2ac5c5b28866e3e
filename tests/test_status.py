"""Engagement status: active, paused, ended early and completed, from the pure rule to every page that tells it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar

from coachbook.core.model import Engagement, EngagementState
from coachbook.core.status import engagement_status

from .conftest import AS_OF, copy_firm, minimal_engagement, run_coachbook

CLOSURE = {"date": "2026-06-30", "reflection": "Done.", "growth_plan": ["Keep going"]}
PAUSE = {"state": "paused", "date": "2026-05-04", "until": "2026-06-29", "reason": "Parental leave."}
EARLY = {"state": "ended-early", "date": "2026-05-08", "reason": "A new role."}

# (status and closure as written, as-of date) -> (state, since, until)
STATUS_TABLE: list[Any] = [
    pytest.param({}, "2026-03-01", ("active", None, None), id="no-status-is-active"),
    pytest.param({"closure": CLOSURE}, "2026-07-01", ("completed", "2026-06-30", None), id="closure-completes"),
    pytest.param({"closure": CLOSURE}, "2026-06-29", ("active", None, None), id="closure-not-reached-yet"),
    pytest.param(
        {"status": {"state": "completed"}, "closure": CLOSURE},
        "2026-06-30",
        ("completed", "2026-06-30", None),
        id="completed-on-the-closure-day",
    ),
    pytest.param({"status": PAUSE}, "2026-05-03", ("active", None, None), id="before-the-pause"),
    pytest.param({"status": PAUSE}, "2026-05-04", ("paused", "2026-05-04", "2026-06-29"), id="first-day-of-pause"),
    pytest.param({"status": PAUSE}, "2026-06-28", ("paused", "2026-05-04", "2026-06-29"), id="last-day-of-pause"),
    pytest.param({"status": PAUSE}, "2026-06-29", ("active", None, None), id="resumed-on-until"),
    pytest.param(
        {"status": {"state": "paused", "date": "2026-05-04"}},
        "2027-01-01",
        ("paused", "2026-05-04", None),
        id="open-ended-pause",
    ),
    pytest.param({"status": EARLY}, "2026-05-07", ("active", None, None), id="before-the-early-end"),
    pytest.param({"status": EARLY}, "2026-05-08", ("ended-early", "2026-05-08", None), id="ended-early"),
    pytest.param(
        {"status": EARLY, "closure": CLOSURE},
        "2026-07-01",
        ("ended-early", "2026-05-08", None),
        id="an-early-end-with-a-closing-session-stays-early",
    ),
    pytest.param({"status": {"state": "active"}}, "2026-03-01", ("active", None, None), id="active-as-written"),
]


@pytest.mark.parametrize(("fields", "as_of", "expected"), STATUS_TABLE)
def test_engagement_status(fields: dict[str, Any], as_of: str, expected: tuple[str, str | None, str | None]) -> None:
    engagement = Engagement.model_validate(minimal_engagement(**fields))
    status = engagement_status(engagement, dt.date.fromisoformat(as_of))
    since = status.since.isoformat() if status.since else None
    until = status.until.isoformat() if status.until else None
    assert (status.state.value, since, until) == expected


@pytest.mark.parametrize(
    ("state", "ended", "expects_sessions", "counts_overdue"),
    [
        ("active", False, True, True),
        ("paused", False, False, False),
        ("ended-early", True, False, False),
        ("completed", True, False, False),
    ],
)
def test_what_each_state_implies(state: str, ended: bool, expects_sessions: bool, counts_overdue: bool) -> None:
    from coachbook.core.status import EngagementStatus

    status = EngagementStatus(EngagementState(state), since=dt.date(2026, 5, 8))
    assert (status.ended, status.expects_sessions, status.counts_overdue) == (ended, expects_sessions, counts_overdue)
    # Only an early end takes back what was planned after it.
    assert status.keeps(dt.date(2026, 5, 9)) is (state != "ended-early")
    assert status.keeps(dt.date(2026, 5, 8))


# --------------------------------------------------------------------------- the sample firm's early end


def page(root: Path, *parts: str) -> BeautifulSoup:
    path = root.joinpath("site", *parts)
    if path.is_dir():
        path = path / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def words(soup: Any) -> str:
    return " ".join(soup.get_text(" ").split())


def test_an_engagement_that_ended_early_says_so_on_the_dashboard(built_firm: Path) -> None:
    """Leila stopped after 7 of 18 sessions, in stage 5: her site says that, not that she finished every stage."""
    text = words(page(built_firm, "clients", "leila-haddad").find("article"))
    assert "Your engagement ended on 8 May 2026" in text
    assert "after 7 of the 18 sessions you agreed, during stage 5, Action planning" in text
    # The reason her coach wrote to her is there; the coach's own note is not.
    assert "You accepted the finance director role at Arden Cold Chain" in text
    assert "reduced-rate restart" not in text
    assert "complete" not in text.lower().replace("completed", "")
    assert "You finished all" not in text
    assert "Where you got to: Action planning" in text
    assert "No more sessions: your engagement ended on 8 May 2026" in text
    assert "7 of 18 agreed sessions held" in text
    # Nothing is late after an end, and nothing is coming up.
    assert "Getting back on track" not in text and "past the date" not in text


def test_the_stepper_and_the_guides_say_where_an_early_end_left_the_client(built_firm: Path) -> None:
    stepper = page(built_firm, "clients", "leila-haddad").select_one("ol.cb-stepper")
    labels = [words(li.select_one(".cb-step__status")) for li in stepper.find_all("li")]
    assert labels == ["Done"] * 4 + ["Ended here", "Not reached", "Not reached"]
    assert stepper.select('[aria-current="step"]') == []
    stopped = words(page(built_firm, "clients", "leila-haddad", "stages", "05-action-planning").find("article"))
    assert "You were in this stage when your engagement ended" in stopped
    later = words(page(built_firm, "clients", "leila-haddad", "stages", "06-implementation").find("article"))
    assert "Your engagement ended before this stage" in later
    assert "You have not reached this stage yet" not in later


def test_the_print_and_sessions_pages_of_an_early_end(built_firm: Path) -> None:
    program = words(page(built_firm, "clients", "leila-haddad", "program").find(id="where-you-are").parent)
    assert "Your engagement ended on 8 May 2026, after 7 of the 18 sessions you agreed" in program
    sessions = page(built_firm, "clients", "leila-haddad", "sessions").find("article")
    text = words(sessions)
    assert "7 of 18 agreed sessions held, until your engagement ended on 8 May 2026." in text
    # No calendar how-to for an engagement that has ended; the cancelled session is listed as cancelled.
    assert sessions.select(".cb-calendar-link") == []
    assert sessions.find(id="upcoming") is None
    assert "11 May 2026: Planning the first month's experiments" in words(sessions.find(id="cancelled").parent)
    actions = words(page(built_firm, "clients", "leila-haddad", "actions").find("article"))
    assert "Still open when coaching ended" in actions and "overdue" not in actions.lower()


def test_the_calendar_leaves_out_what_was_planned_after_an_early_end(built_firm: Path) -> None:
    raw = (built_firm / "site" / "clients" / "leila-haddad" / "calendar.ics").read_bytes()
    events = Calendar.from_ical(raw).walk("VEVENT")
    summaries = {str(e["SUMMARY"]): e for e in events}
    # The action due on 5 June, after the end, is gone; the one done in April stays.
    assert not any("Ask the chair" in s for s in summaries)
    assert any("Before each board meeting" in s for s in summaries)
    # The session cancelled by the early end stays, marked cancelled.
    (cancelled,) = [e for s, e in summaries.items() if s.startswith("Cancelled:")]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    for event in events:
        start = event.decoded("DTSTART")
        day = start.date() if isinstance(start, dt.datetime) else start
        assert day <= dt.date(2026, 5, 8) or str(event["STATUS"]) == "CANCELLED", event["SUMMARY"]


# --------------------------------------------------------------------------- a paused engagement, and its sponsor


@pytest.fixture(scope="module")
def paused(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dana's firm with her coaching paused since 18 November, to start again on 4 January."""
    firm = copy_firm(tmp_path_factory.mktemp("paused") / "firm")
    path = firm / "engagements" / "dana-whitfield.yml"
    text = path.read_text(encoding="utf-8")
    status = (
        "status:\n  state: paused\n  date: 2026-11-18\n  until: 2027-01-04\n"
        "  reason: Your team's peak season needs all of you; we pick up again in the new year.\n"
        "  private: Halden asked to pause the invoices too.\n\n"
    )
    text = text.replace("cadence:\n", status + "cadence:\n", 1)
    # A session booked inside the pause would be a contradiction (check warns); the coach moved them.
    text = text.replace("  - date: 2026-12-01\n", "  - date: 2027-01-05\n", 1)
    text = text.replace("  - date: 2026-12-15\n", "  - date: 2027-01-19\n", 1)
    path.write_text(text, encoding="utf-8")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", "--client", "dana-whitfield", check=True)
    return firm


def test_a_paused_engagement_calls_nothing_late(paused: Path) -> None:
    article = page(paused, "clients", "dana-whitfield").find("article")
    text = words(article)
    assert "Your coaching is paused" in text
    assert "paused since 18 November 2026, and sessions are planned to start again on 4 January 2027" in text
    assert "Your team's peak season needs all of you" in text
    assert "Halden asked to pause the invoices" not in text
    assert article.select_one(".cb-catch-up") is None and "past the date" not in text
    assert "Nothing is due while coaching is paused. When you start again:" in text
    stepper = article.select_one("ol.cb-stepper")
    assert words(stepper.select_one('[aria-current="step"] .cb-step__status')) == "Paused here"
    sessions = words(page(paused, "clients", "dana-whitfield", "sessions").find("article"))
    assert "Coaching is paused" in sessions and "start again on 4 January 2027" in sessions


def test_the_sponsor_learns_that_coaching_paused_and_when_but_not_why(paused: Path) -> None:
    text = words(page(paused, "sponsors", "dana-whitfield").find("article"))
    assert "Coaching is paused" in text
    assert "paused since 18 November 2026; sessions are planned to start again on 4 January 2027" in text
    assert "peak season" not in text and "invoices" not in text


def test_the_sponsor_of_an_early_end_sees_the_date_and_the_sessions(firm: Path) -> None:
    path = firm / "engagements" / "leila-haddad.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  role: Head of People\n", "  role: Head of People\n  site: true\n", 1), "utf-8")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "leila-haddad", check=True)
    sponsor = words(page(firm, "sponsors", "leila-haddad").find("article"))
    assert "The engagement ended early" in sponsor
    assert "It ended on 8 May 2026, after 7 of the 18 sessions agreed." in sponsor
    assert "Action planning: in progress when the engagement ended" in sponsor
    assert "Implementation: not reached" in sponsor
    # Her reason is hers: the sponsor site, audited for every client-view text, holds none of it.
    assert "Arden" not in sponsor and "finance director role" not in sponsor


def test_a_closure_with_stages_in_progress_is_a_warning_and_the_site_does_not_claim_every_stage(firm: Path) -> None:
    kwame = firm / "engagements" / "kwame-asante.yml"
    text = kwame.read_text(encoding="utf-8")
    marker = "  evaluation-and-closure:\n    status: done\n"
    assert marker in text
    kwame.write_text(text.replace(marker, "  evaluation-and-closure:\n    status: in-progress\n", 1), "utf-8")
    result = run_coachbook(firm, "check")
    assert result.returncode == 0
    assert re.search(
        r"engagements/kwame-asante\.yml:\d+:1: warning: closure: the engagement is closed, but stage "
        r"'evaluation-and-closure' is still in progress",
        result.stderr,
    ), result.stderr
