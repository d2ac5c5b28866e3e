"""The client's calendar: valid RFC 5545, reproducible, stable UIDs, and nothing held back, ever."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar, Event

from coachbook.access.encryption import encrypt_site, generate_passphrase
from coachbook.audit.needles import needles_for
from coachbook.audit.normalise import normalise
from coachbook.audit.site_audit import search_needles
from coachbook.core.loader import Project, load_firm
from coachbook.core.model import ActionStatus, Engagement
from coachbook.core.visibility import client_view
from coachbook.render.calendar import CALENDAR_URI, PRODID, calendar_bytes, client_calendar

from .conftest import AS_OF, REPO, copy_firm, minimal_engagement, run_coachbook

AS_OF_DATE = dt.date.fromisoformat(AS_OF)
CLIENTS = ("dana-whitfield", "kwame-asante", "sofia-marquez")


@pytest.fixture(scope="module")
def sample():
    return load_firm(Project(REPO, REPO / "content", REPO / "engagements"))


def calendar_of(loaded: Any, *, as_of: dt.date = AS_OF_DATE, engagement: Engagement | None = None) -> bytes:
    return client_calendar(engagement or loaded.engagement, loaded.program, slug=loaded.slug, as_of=as_of)


def events(data: bytes) -> list[Event]:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def unfolded(data: bytes) -> str:
    """The file as a calendar app reads it: folded lines joined and text escapes decoded."""
    text = re.sub(r"\r\n[ \t]", "", data.decode("utf-8"))
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def assert_valid_rfc5545(data: bytes) -> None:
    """The structural rules of RFC 5545 that a calendar app relies on."""
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    # CRLF only, and no content line longer than 75 octets (3.1).
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75
    calendar = Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"] == PRODID
    uids = []
    for event in calendar.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert required in event, (required, event)
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is type(end) and end > start
        uids.append(str(event["UID"]))
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    # The library reads back exactly what it wrote: nothing it would have to repair.
    assert calendar.to_ical() == data


# --------------------------------------------------------------------------- content


@pytest.mark.parametrize("slug", CLIENTS)
def test_every_sample_calendar_is_valid_rfc_5545(sample, slug: str) -> None:
    assert_valid_rfc5545(calendar_of(sample.engagements[slug]))


def test_events_are_the_client_views_sessions_and_due_dates(sample) -> None:
    loaded = sample.engagements["dana-whitfield"]
    view = client_view(loaded.engagement)
    found = events(calendar_of(loaded))
    sessions = [e for e in found if "Coaching session" in e["CATEGORIES"].cats]
    actions = [e for e in found if "Coaching action" in e["CATEGORIES"].cats]
    assert len(sessions) == len(view.sessions)
    assert len(actions) == len([a for a in view.actions if a.status.value != "dropped"])
    first = min(view.sessions, key=lambda s: s.date)
    event = next(e for e in sessions if e.decoded("DTSTART").date() == first.date)
    assert str(event["SUMMARY"]) == f"Coaching session: {first.focus}"
    assert "With: Priya Raman" in str(event["DESCRIPTION"])


def test_session_times_are_floating_and_last_the_sessions_length(sample) -> None:
    loaded = sample.engagements["dana-whitfield"]
    found = events(calendar_of(loaded))
    session = next(e for e in found if e.decoded("DTSTART") == dt.datetime(2026, 12, 1, 8, 0))
    # Floating local time: no time zone, no trailing Z, as the engagement file has none.
    assert session.decoded("DTSTART").tzinfo is None
    assert b"DTSTART:20261201T080000\r\n" in session.to_ical()
    assert session.decoded("DTEND") - session.decoded("DTSTART") == dt.timedelta(minutes=60)
    assert str(session["STATUS"]) == "CONFIRMED" and str(session["TRANSP"]) == "OPAQUE"


def test_session_without_a_time_is_all_day_and_cancelled_ones_say_so() -> None:
    engagement = Engagement.model_validate(
        minimal_engagement(
            sessions=[
                {"date": "2026-02-02", "stage": "contracting", "focus": "Chemistry"},
                {"date": "2026-02-16", "time": "14:30", "minutes": 90, "stage": "contracting", "focus": "Agreement"},
                {"date": "2026-03-02", "time": "09:00", "stage": "contracting", "focus": "Moved", "cancelled": True},
            ]
        )
    )
    program = load_firm(Project(REPO, REPO / "content", REPO / "engagements")).programs[0]
    data = client_calendar(engagement, program, slug="ana-lima", as_of=dt.date(2026, 1, 10))
    assert_valid_rfc5545(data)
    all_day, long, cancelled = events(data)
    assert (all_day.decoded("DTSTART"), all_day.decoded("DTEND")) == (dt.date(2026, 2, 2), dt.date(2026, 2, 3))
    assert long.decoded("DTEND") == dt.datetime(2026, 2, 16, 16, 0)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]).startswith("Cancelled: ")


def test_actions_are_all_day_reminders_and_dropped_ones_are_left_out() -> None:
    engagement = Engagement.model_validate(
        minimal_engagement(
            actions=[
                {"title": "Write the brief", "due": "2026-02-10", "support": ["Ask Sam"]},
                {"title": "Call the board", "due": "2026-02-12", "status": "done", "done_on": "2026-02-11"},
                {"title": "Abandoned idea", "due": "2026-02-14", "status": "dropped"},
            ]
        )
    )
    program = load_firm(Project(REPO, REPO / "content", REPO / "engagements")).programs[0]
    found = events(client_calendar(engagement, program, slug="ana-lima", as_of=dt.date(2026, 1, 10)))
    assert [str(e["SUMMARY"]) for e in found] == ["Action due: Write the brief", "Action done: Call the board"]
    due = found[0]
    assert (due.decoded("DTSTART"), due.decoded("DTEND")) == (dt.date(2026, 2, 10), dt.date(2026, 2, 11))
    assert str(due["TRANSP"]) == "TRANSPARENT"
    assert "Support: Ask Sam" in str(due["DESCRIPTION"])


# --------------------------------------------------------------------------- reproducible and stable


def test_dtstamp_comes_from_the_as_of_date_and_output_is_byte_for_byte(sample) -> None:
    loaded = sample.engagements["dana-whitfield"]
    first, again = calendar_of(loaded), calendar_of(loaded)
    assert first == again
    stamps = {e.decoded("DTSTAMP") for e in events(first)}
    assert stamps == {dt.datetime(2026, 11, 24, tzinfo=dt.UTC)}
    assert b"DTSTAMP:20261124T000000Z\r\n" in first
    later = calendar_of(loaded, as_of=dt.date(2026, 12, 9))
    # Another as-of date changes the stamps and nothing else.
    assert later.replace(b"20261209T000000Z", b"20261124T000000Z") == first


@pytest.mark.parametrize("length", [60, 72, 73, 74, 75, 76, 77, 150, 151])
def test_calendar_bytes_are_icalendars_own_whatever_the_line_length(length: int) -> None:
    """Short lines are passed over rather than folded by icalendar: the file must not change by a byte."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", "u@coachbook")
    # Lines of every length around the fold, in one-, two-, three- and four-byte characters, and escapes
    # (which icalendar keeps whole across a fold).
    for n, letter in enumerate(("a", "é", "€", "😀", ",", "\\", ";")):
        event.add("summary" if n == 0 else f"x-test-{n}", letter * length)
        event.add(f"x-mixed-{n}", ("ab" + letter) * (length // 3))
    calendar.add_component(event)
    assert calendar_bytes(calendar) == calendar.to_ical()


@pytest.mark.parametrize("slug", CLIENTS)
def test_a_sample_calendar_is_icalendars_own_bytes(sample, slug: str) -> None:
    loaded = sample.engagements[slug]
    data = calendar_of(loaded)
    assert data == Calendar.from_ical(data).to_ical()
    assert data == calendar_bytes(Calendar.from_ical(data))


def test_uids_survive_an_action_being_moved_or_completed(sample) -> None:
    loaded = sample.engagements["dana-whitfield"]
    before = {str(e["SUMMARY"]).split(": ", 1)[1]: str(e["UID"]) for e in events(calendar_of(loaded))}
    action = next(a for a in loaded.engagement.actions if a.status.value == "open" and not a.coach_only)
    moved = action.model_copy(update={"due": action.due + dt.timedelta(days=7), "status": ActionStatus.DONE})
    actions = [moved if a is action else a for a in loaded.engagement.actions]
    changed = calendar_of(loaded, engagement=loaded.engagement.model_copy(update={"actions": actions}))
    after = {str(e["SUMMARY"]).split(": ", 1)[1]: str(e["UID"]) for e in events(changed)}
    assert after == before
    assert f"Action done: {action.title}" in [str(e["SUMMARY"]) for e in events(changed)]
    # UIDs differ between clients even for the same item, and never spell out the slug.
    assert all("dana" not in uid for uid in before.values())
    other = client_calendar(loaded.engagement, loaded.program, slug="someone-else", as_of=AS_OF_DATE)
    assert not {str(e["UID"]) for e in events(other)} & set(before.values())


# --------------------------------------------------------------------------- never anything held back


def test_coach_only_and_draft_items_of_the_sample_never_become_events(sample) -> None:
    loaded = sample.engagements["dana-whitfield"]
    # Even given the full engagement (as the coach view's plan is), the file holds the client view only.
    text = unfolded(calendar_of(loaded))
    assert "Sunday-night messages" not in text  # a coach-only action
    assert "Closing three-way with Ines and Martin" not in text  # a draft session
    assert "DTSTART:20270126" not in text
    assert "Fee agreed at the executive rate" not in text  # a private note


def _plant(path: Path) -> None:
    """Add coach-only, draft, private and commented material to Sofia's engagement."""
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "\nsessions:\n",
        "\nsessions:\n"
        "  - date: 2026-12-08\n"
        '    time: "17:45"\n'
        "    stage: building-rapport\n"
        "    focus: Unannounced debrief with Helen about Sofia's probation risk\n"
        "    coach_only: true\n"
        "  - date: 2026-12-22\n"
        "    stage: building-rapport\n"
        "    focus: Draft agenda about the ledger team's feudal politics\n"
        "    draft: true\n",
        1,
    )
    text = text.replace(
        "    focus: Planning the assessment and choosing your 360 raters\n",
        "    focus: Planning the assessment <!-- ask about Marek's departure --> and choosing your 360 raters\n"
        "    private: Helen hinted the contract may not be renewed after the ledger migration.\n",
        1,
    )
    text += (
        "\nactions:\n"
        "  - title: Write your leadership story in one page\n"
        "    due: 2026-12-01\n"
        "  - title: Quietly sound out Orla Venn about Helen's escalation habit\n"
        "    due: 2026-12-03\n"
        "    coach_only: true\n"
        "  - title: Draft a warning letter about the missed ledger milestone\n"
        "    due: 2026-12-04\n"
        "    draft: true\n"
    )
    path.write_text(text, encoding="utf-8")


def test_adversarial_coach_only_sessions_and_actions_never_reach_the_built_calendar(tmp_path: Path) -> None:
    firm = copy_firm(tmp_path / "firm")
    _plant(firm / "engagements" / "sofia-marquez.yml")
    run_coachbook(firm, "build", "--client", "sofia-marquez", "--as-of", AS_OF, "--strict", check=True)
    data = (firm / "site" / "clients" / "sofia-marquez" / CALENDAR_URI).read_bytes()
    assert_valid_rfc5545(data)
    text = unfolded(data).casefold()
    for secret in (
        "probation risk",
        "20261208T174500",
        "feudal politics",
        "20261222",
        "marek",
        "not be renewed",
        "orla venn",
        "warning letter",
        "20261203",
        "20261204",
    ):
        assert secret.casefold() not in text, secret
    # What the client may see is there: the shared session (its comment removed) and the ordinary action.
    summaries = [str(e["SUMMARY"]) for e in events(data)]
    assert "Coaching session: Planning the assessment and choosing your 360 raters" in [
        " ".join(s.split()) for s in summaries
    ]
    assert "Action due: Write your leadership story in one page" in summaries
    assert len(summaries) == 4  # three shared sessions and one action


def test_the_audit_reads_calendars_as_a_calendar_app_does(tmp_path: Path, sample) -> None:
    # A held-back sentence folded over two lines and with its commas escaped is still found.
    site = tmp_path / "site"
    site.mkdir()
    secret = "Fee agreed at the executive rate with a 10% multi-year discount"
    event = Event()
    # Placed so that the 75-octet fold splits a word of the sentence ("multi-ye" / "ar").
    event.add("summary", "Planning, by " + secret)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(event)
    data = calendar.to_ical()
    # Read as plain text, the sentence is not there: only unfolding finds it.
    assert normalise(secret) not in normalise(data.decode("utf-8"))
    (site / "calendar.ics").write_bytes(data)
    leaks = search_needles(site, needles_for(sample, "dana-whitfield"))
    assert [(leak.file, leak.needle.field) for leak in leaks] == [("calendar.ics", "agreement.private")]


# --------------------------------------------------------------------------- in the built sites


@pytest.mark.parametrize("slug", CLIENTS)
def test_each_client_site_has_its_own_valid_calendar(built_firm: Path, sample, slug: str) -> None:
    path = built_firm / "site" / "clients" / slug / CALENDAR_URI
    data = path.read_bytes()
    assert_valid_rfc5545(data)
    assert data == calendar_of(sample.engagements[slug])
    text = unfolded(data)
    for other in CLIENTS:
        if other != slug:
            client = sample.engagements[other].engagement.client
            assert client.name not in text and client.organisation not in text
    assert not (built_firm / "site" / "handbook" / CALENDAR_URI).exists()


def test_dashboard_and_sessions_page_link_the_calendar_with_a_subscribe_note(built_firm: Path) -> None:
    folder = built_firm / "site" / "clients" / "dana-whitfield"
    for page, href in (("index.html", "calendar.ics"), ("sessions/index.html", "../calendar.ics")):
        soup = BeautifulSoup((folder / page).read_text(encoding="utf-8"), "html.parser")
        link = soup.select_one("article a.cb-calendar-link")
        assert link is not None, page
        assert (link["href"], link["type"], link.get_text()) == (href, "text/calendar", "Add to your calendar")
        assert (folder / page).parent.joinpath(href).resolve() == (folder / CALENDAR_URI).resolve()
    note = BeautifulSoup((folder / "sessions" / "index.html").read_text(encoding="utf-8"), "html.parser")
    tip = note.select_one("article .admonition.tip")
    assert "subscribe" in tip.get_text() and "From URL" in tip.get_text()


def test_an_encrypted_site_has_no_calendar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    firm = copy_firm(tmp_path / "firm")
    engagement = firm / "engagements" / "sofia-marquez.yml"
    engagement.write_text(engagement.read_text(encoding="utf-8") + "\nsite:\n  encrypt: true\n", encoding="utf-8")
    monkeypatch.setenv("COACHBOOK_PASSPHRASE_SOFIA_MARQUEZ", generate_passphrase())
    run_coachbook(firm, "build", "--client", "sofia-marquez", "--as-of", AS_OF, "--strict", check=True)
    folder = firm / "site" / "clients" / "sofia-marquez"
    assert (folder / "index.html").is_file()
    # The file would be plaintext beside encrypted pages, so it is not made, and encryption removes any stray one.
    assert list(folder.rglob("*.ics")) == []


def test_encryption_removes_a_stray_calendar(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text('<html><head></head><body><a href="assets/x">x</a></body></html>', "utf-8")
    (site / "calendar.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    (site / "sub" / "card.vcf").write_bytes(b"BEGIN:VCARD\r\nEND:VCARD\r\n")
    encrypt_site(site, passphrase=generate_passphrase(), binding="0123456789abcdef")
    assert not (site / "calendar.ics").exists() and not (site / "sub" / "card.vcf").exists()
