"""The ICF coaching log: totals against figures worked out by hand from the sample firm, and the rules as tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from coachbook.core.coaching_log import Hours, coaches, coaching_log
from coachbook.core.loader import Firm, LoadedEngagement, Project, load_firm
from coachbook.core.model import Engagement
from coachbook.render.coaching_log import COLUMNS, log_csv

from .conftest import AS_OF, REPO, minimal_engagement, run_coachbook

DAY = dt.date.fromisoformat(AS_OF)


@pytest.fixture(scope="module")
def sample() -> Firm:
    return load_firm(Project(REPO, REPO / "content", REPO / "engagements"))


# --------------------------------------------------------------------------- the sample firm, by hand
#
# Priya Raman, sessions held before 24 November 2026 (cancelled ones not counted):
#   Dana Whitfield   12 sessions x 60 min  = 720    unlisted (the 3 August session was cancelled)
#   Kwame Asante     12 sessions x 90 min  = 1,080  unlisted
#   Grace Whitcombe  10 sessions x 60 min  = 600    Halden's policy (21 September cancelled)
#   Shona MacLeod    10 sessions x 90 min  = 900    Halden's policy
#   Mariam Haddad     8 sessions x 60 min  = 480    listed, pro bono
#   paid 720 + 1,080 + 600 + 900 = 3,300 min = 55.00 h; pro bono 8.00 h; 52 sessions, 5 clients.
#
# Tom Becker:
#   Sofia Marquez     1 session  x 60 min  = 60     unlisted
#   Ruth Adebayo      3 sessions x 60 min  = 180    listed
#   Marcus Oyelaran  10 sessions x 60 min  = 600    Halden's policy
#   Tomasz Kowal      9 sessions x 75 min  = 675    Halden's policy
#   Leila Haddad      7 sessions x 60 min  = 420    unlisted (she ended early; the sessions were held)
#   paid 60 + 180 + 600 + 675 + 420 = 1,935 min = 32.25 h; 30 sessions, 5 clients.


def test_priya_ramans_log(sample: Firm) -> None:
    log = coaching_log(sample.engagements.values(), "Priya Raman", as_of=DAY)
    assert log.totals == Hours(paid=3300, pro_bono=480)
    assert (log.clients, log.sessions) == (5, 52)
    [mariam] = log.listed
    assert (mariam.name, mariam.email, mariam.group_size, mariam.start, mariam.end) == (
        "Mariam Haddad",
        "mariam.haddad@caldervalleyfood.example",
        1,
        dt.date(2026, 6, 8),
        None,
    )
    assert (mariam.sessions, mariam.minutes) == (8, Hours(pro_bono=480))
    [halden] = log.organisations
    assert (halden.organisation, halden.clients, halden.sessions, halden.minutes) == (
        "Halden Logistics",
        2,
        20,
        Hours(paid=1500),
    )
    assert (log.unlisted_clients, log.unlisted_sessions, log.unlisted) == (2, 24, Hours(paid=1800))


def test_tom_beckers_log(sample: Firm) -> None:
    log = coaching_log(sample.engagements.values(), "tom  BECKER", as_of=DAY)
    # Leila Haddad's seven sessions before her early end count: they were held.
    assert log.totals == Hours(paid=1935)
    assert (log.clients, log.sessions) == (5, 30)
    assert [(e.name, e.sessions, e.minutes.paid) for e in log.listed] == [("Ruth Adebayo", 3, 180)]
    assert [(g.organisation, g.clients, g.minutes.paid) for g in log.organisations] == [("Halden Logistics", 2, 1275)]
    assert (log.unlisted_clients, log.unlisted) == (2, Hours(paid=480))


def test_a_period_counts_only_its_sessions(sample: Firm) -> None:
    # October 2026: Dana 26 Oct; Grace 12 Oct; Shona 19 Oct; Mariam 12 Oct (pro bono). Kwame had closed.
    log = coaching_log(
        sample.engagements.values(), "Priya Raman", as_of=DAY, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31)
    )
    assert log.totals == Hours(paid=60 + 60 + 90, pro_bono=60)
    assert (log.clients, log.sessions) == (4, 4)


def test_the_firms_coaches(sample: Firm) -> None:
    assert coaches(sample.engagements.values()) == ["Katrin Albers", "Priya Raman", "Tom Becker"]


# --------------------------------------------------------------------------- the rules, as a table


def _loaded(slug: str, **fields: Any) -> LoadedEngagement:
    from coachbook.core.loader import load_programs

    program = load_programs(Project(REPO, REPO / "content", REPO / "engagements"))[0]
    engagement = Engagement.model_validate(minimal_engagement(**fields))
    return LoadedEngagement(slug, engagement, program, Path(f"{slug}.yml"), None)  # type: ignore[arg-type]


def _sessions(*days: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"date": d, "stage": "implementation", "focus": "f", **extra} for d in days]


@pytest.mark.parametrize(
    ("fields", "listed", "organisations", "unlisted", "totals"),
    [
        # Not agreed to be listed (the default): counted, never named.
        ({"sessions": _sessions("2026-03-02")}, [], [], 1, Hours(paid=60)),
        # Listed, with the cadence's length or the session's own.
        (
            {"coaching_log": "listed", "sessions": _sessions("2026-03-02") + _sessions("2026-03-16", minutes=45)},
            [("Ana Lima", 1, 105)],
            [],
            0,
            Hours(paid=105),
        ),
        # Cancelled sessions are not counted; sessions on or after the as-of date have not been held.
        (
            {
                "coaching_log": "listed",
                "sessions": _sessions("2026-03-02")
                + _sessions("2026-03-09", cancelled=True)
                + _sessions(AS_OF, "2026-12-01"),
            },
            [("Ana Lima", 1, 60)],
            [],
            0,
            Hours(paid=60),
        ),
        # Coach-only sessions were held: they count.
        (
            {"coaching_log": "listed", "sessions": _sessions("2026-03-02", coach_only=True)},
            [("Ana Lima", 1, 60)],
            [],
            0,
            Hours(paid=60),
        ),
        # A group of four: one row, marked as a group of four; hours are the session's, not multiplied.
        (
            {"coaching_log": "listed", "group_size": 4, "sessions": _sessions("2026-03-02")},
            [("Ana Lima", 4, 60)],
            [],
            0,
            Hours(paid=60),
        ),
        # Pro bono hours apart from paid ones.
        (
            {"coaching_log": "listed", "pro_bono": True, "sessions": _sessions("2026-03-02")},
            [("Ana Lima", 1, 0)],
            [],
            0,
            Hours(pro_bono=60),
        ),
        # Under the organisation's policy: counted under its name.
        ({"coaching_log": "organisation", "sessions": _sessions("2026-03-02")}, [], [("Acme", 1)], 0, Hours(paid=60)),
        # No session held: not in the log at all.
        ({"coaching_log": "listed"}, [], [], 0, Hours()),
    ],
    ids=[
        "unlisted",
        "listed",
        "cancelled-and-future",
        "coach-only",
        "group",
        "pro-bono",
        "organisation",
        "no-sessions",
    ],
)
def test_log_rules(
    fields: dict[str, Any],
    listed: list[tuple[str, int, int]],
    organisations: list[tuple[str, int]],
    unlisted: int,
    totals: Hours,
) -> None:
    log = coaching_log([_loaded("ana-lima", **fields)], "Tom Becker", as_of=DAY)
    assert [(e.name, e.group_size, e.minutes.paid) for e in log.listed] == listed
    assert [(g.organisation, g.clients) for g in log.organisations] == organisations
    assert log.unlisted_clients == unlisted
    assert log.totals == totals


def test_the_end_date_is_the_closure_once_it_has_happened() -> None:
    closure = {"date": "2026-06-30", "reflection": "r", "growth_plan": ["g"]}
    loaded = _loaded("ana-lima", coaching_log="listed", sessions=_sessions("2026-03-02"), closure=closure)
    assert coaching_log([loaded], "Tom Becker", as_of=DAY).listed[0].end == dt.date(2026, 6, 30)
    # A log up to an earlier date sees the relationship still going on.
    early = coaching_log([loaded], "Tom Becker", as_of=DAY, end=dt.date(2026, 5, 31))
    assert early.listed[0].end is None


def test_organisations_group_across_spellings() -> None:
    first = _loaded("ana-lima", coaching_log="organisation", sessions=_sessions("2026-03-02"))
    client = {"name": "Bo Chen", "role": "CFO", "organisation": "ACME "}
    second = _loaded("bo-chen", client=client, coaching_log="organisation", sessions=_sessions("2026-03-03"))
    [group] = coaching_log([first, second], "Tom Becker", as_of=DAY).organisations
    assert (group.clients, group.sessions, group.minutes) == (2, 2, Hours(paid=120))


# --------------------------------------------------------------------------- the command


def test_the_csv_has_icfs_columns_and_adds_up(firm: Path) -> None:
    done = run_coachbook(firm, "hours", "--coach", "Priya Raman", "--as-of", AS_OF, "--format", "csv", check=True)
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert tuple(rows[0]) == COLUMNS
    named = {row[0]: row for row in rows[1:]}
    assert named["Mariam Haddad"][1:] == [
        "mariam.haddad@caldervalleyfood.example",
        "Individual",
        "",
        "2026-06-08",
        "ongoing",
        "0.00",
        "8.00",
    ]
    halden = next(row for name, row in named.items() if name.startswith("Halden Logistics"))
    assert halden[6:] == ["25.00", "0.00"]
    unlisted = next(row for name, row in named.items() if name.startswith("Not listed: 2 client(s)"))
    assert unlisted[6:] == ["30.00", "0.00"]
    assert rows[-1] == ["Total: 5 client(s)", "", "", "", "", "", "55.00", "8.00"]
    # Neither name of the clients who did not agree is anywhere in it, nor Halden's leaders.
    for name in ("Dana Whitfield", "Kwame Asante", "Grace Whitcombe", "Shona MacLeod"):
        assert name not in done.stdout
    assert log_csv(coaching_log(load_firm_of(firm).engagements.values(), "Priya Raman", as_of=DAY)) == done.stdout


def load_firm_of(root: Path) -> Firm:
    return load_firm(Project(root, root / "content", root / "engagements"))


def test_the_markdown_log_and_its_file(firm: Path) -> None:
    target = firm / "logs" / "icf.md"
    done = run_coachbook(firm, "hours", "--as-of", AS_OF, "--from", "2026-01-01", "-o", str(target), check=True)
    assert "keep it private" in done.stderr
    text = target.read_text(encoding="utf-8")
    assert text.count("# Client coaching log: ") == 3
    # From 1 January 2026, Kwame's five 2025 sessions (7.5 hours) are left out: 7 of his 12 remain.
    assert "| 5 client(s), 47 session(s) | 47.50 | 8.00 | 55.50 |" in text
    assert "| 5 client(s), 30 session(s) | 32.25 | 0.00 | 32.25 |" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--format", "csv"),
            "a CSV log is one coach's; name one with --coach (Katrin Albers, Priya Raman, Tom Becker)",
        ),
        (("--coach", "Pria Raman"), "no engagement is coached by 'Pria Raman'; did you mean 'Priya Raman'?"),
        (("--from", "2026-05-01", "--to", "2026-04-01"), "--to is before --from"),
        (("-o", "site/log.md"), "refusing to write a coaching log into site/"),
    ],
)
def test_hours_refuses(firm: Path, args: tuple[str, ...], message: str) -> None:
    done = run_coachbook(firm, "hours", *args)
    assert done.returncode == 1
    assert message in done.stderr
