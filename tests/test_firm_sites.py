"""The console and the cohort reports, built with the sample firm: their figures, where they live, and that nothing
of either reaches a client's site, a sponsor's site or the handbook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar

from coachbook.audit.normalise import normalise
from coachbook.core.console import CONSOLE_NOTICE
from coachbook.core.loader import Firm, Project, load_firm
from coachbook.core.visibility import held_back, identifying

from .conftest import AS_OF, REPO, SAMPLE_CLIENTS, run_coachbook

CONSOLE = Path("site") / "firm"
HALDEN = Path("site") / "cohorts" / "halden-logistics"


def text_of(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article")
    assert article is not None, path
    # Text split by markup comes back with a space before punctuation ("leads , due"): put it back.
    return re.sub(r" ([,.;:)])", r"\1", " ".join(article.get_text(" ").split()))


def files_of(folder: Path) -> dict[str, str]:
    """Every file of a site, normalised as the audit compares text."""
    return {
        p.relative_to(folder).as_posix(): normalise(p.read_text(encoding="utf-8", errors="replace"))
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def sample() -> Firm:
    return load_firm(Project(REPO, REPO / "content", REPO / "engagements"))


def other_sites(root: Path) -> list[Path]:
    """Every site of the build that is not the console or a cohort report."""
    site = root / "site"
    return [site / "handbook", *sorted((site / "clients").iterdir()), *sorted((site / "sponsors").iterdir())]


# --------------------------------------------------------------------------- where they live


def test_the_console_and_the_report_live_beside_the_clients(built_firm: Path) -> None:
    site = built_firm / "site"
    assert sorted(p.name for p in site.iterdir()) == ["clients", "cohorts", "firm", "handbook", "sponsors"]
    assert sorted(p.name for p in (site / "clients").iterdir()) == list(SAMPLE_CLIENTS)
    # Ashgrove Mutual is listed too, but has two engagements: no report.
    assert [p.name for p in (site / "cohorts").iterdir()] == ["halden-logistics"]
    assert not (site / "sitemap.xml").exists() and not (built_firm / CONSOLE / "sitemap.xml").exists()


# --------------------------------------------------------------------------- the console's figures


def test_the_console_lists_every_engagement_with_its_figures(built_firm: Path) -> None:
    soup = BeautifulSoup((built_firm / CONSOLE / "index.html").read_text(encoding="utf-8"), "html.parser")
    table = soup.select_one("table[data-cb-console]")
    assert table is not None
    rows = {row["data-slug"]: row for row in table.select("tbody tr")}
    assert sorted(rows) == list(SAMPLE_CLIENTS)

    def cells(slug: str) -> list[str]:
        return [" ".join(td.get_text(" ").split()) for td in rows[slug].find_all("td")]

    assert cells("dana-whitfield") == [
        "Dana Whitfield Attention Halden Logistics",
        "Priya Raman",
        "Executive Coaching Programme",
        "Active",
        "6. Implementation",
        "12 / 16",
        "1 Dec 2026 08:00",
        "3",
        "20 Nov 2026",
        "29 Jan 2027",
    ]
    assert cells("kwame-asante")[3:6] == ["Completed", "All stages done", "12 / 12"]
    assert cells("ruth-adebayo")[4:9] == ["3. Assessment", "3 / 10", "7 Dec 2026 16:00", "0", "Never"]
    assert (rows["tomasz-kowal"]["data-coach"], rows["tomasz-kowal"]["data-status"]) == ("tom-becker", "active")
    # The sort keys are data: ISO dates and numbers, empty when there is nothing.
    ruth = rows["ruth-adebayo"].find_all("td")
    assert (ruth[6]["data-sort"], ruth[8]["data-sort"], ruth[9]["data-sort"]) == ("2026-12-07", "", "2027-06-25")
    attention = " ".join(soup.select_one("#attention").find_next("ul").get_text(" ").split())
    assert "Grace Whitcombe with Priya Raman: no session held since 12 October 2026 (43 days" in attention
    assert "no goal measured since 30 September 2026 (55 days)" in attention
    assert "Mariam Haddad with Priya Raman: ends on 11 December 2026, in 17 days, with no closure recorded" in attention
    assert "all agreed sessions used (8 held of 8)" in attention
    assert "Marcus Oyelaran" not in attention and "Kwame Asante" not in attention


def test_an_engagements_page_has_its_coach_only_material_preview_and_versions(built_firm: Path) -> None:
    page = text_of(built_firm / CONSOLE / "engagements" / "tomasz-kowal" / "index.html")
    assert (
        "Coach only Send Tomasz the short article on coaching questions for shift leads, due 13 November 2026" in page
    )
    assert "coachbook serve --client tomasz-kowal --coach-view" in page
    assert "Not published yet: coachbook publish tomasz-kowal" in page
    dana = text_of(built_firm / CONSOLE / "engagements" / "dana-whitfield" / "index.html")
    assert "Draft 26 January 2027 at 08:00: Closing three-way with Ines and Martin" in dana
    assert "coachbook serve --client dana-whitfield --sponsor" in dana
    assert "Ines let slip during contracting" in dana  # the coach's own notes on the engagement
    # The link to the client's site leaves the console for clients/.
    soup = BeautifulSoup(
        (built_firm / CONSOLE / "engagements" / "dana-whitfield" / "index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    link = soup.find("a", string="clients/dana-whitfield/")
    assert link is not None and link["href"] == "../../../clients/dana-whitfield/"
    target = (built_firm / CONSOLE / "engagements" / "dana-whitfield" / link["href"] / "index.html").resolve()
    assert target == (built_firm / "site" / "clients" / "dana-whitfield" / "index.html").resolve()


def test_each_coach_has_their_sessions_across_clients_and_a_calendar_feed(built_firm: Path) -> None:
    page = text_of(built_firm / CONSOLE / "coaches" / "priya-raman" / "index.html")
    assert "30 November 2026 at 13:00 · 90 minutes Shona MacLeod" in page
    assert "Draft Closing three-way with Ines and Martin" in page
    feed = Calendar.from_ical((built_firm / CONSOLE / "coaches" / "priya-raman.ics").read_bytes())
    events = [e for e in feed.walk("VEVENT")]
    summaries = {str(e["SUMMARY"]) for e in events}
    assert {"Coaching: Dana Whitfield", "Coaching: Mariam Haddad", "Cancelled: Coaching: Grace Whitcombe"} <= summaries
    assert not any("Tom" in s or "Sofia" in s for s in summaries)
    # Every session of every engagement of hers, cancelled ones included, each with its own UID:
    # Dana 17, Kwame 12, Grace 12, Shona 11, Mariam 8.
    assert len(events) == len({str(e["UID"]) for e in events}) == 17 + 12 + 12 + 11 + 8
    tom = {
        str(e["SUMMARY"])
        for e in Calendar.from_ical((built_firm / CONSOLE / "coaches" / "tom-becker.ics").read_bytes()).walk("VEVENT")
    }
    assert "Coaching: Tomasz Kowal" in tom and "Coaching: Dana Whitfield" not in tom


# --------------------------------------------------------------------------- the cohort report


def test_the_cohort_report_shows_counts_and_withholds_small_figures(built_firm: Path) -> None:
    page = text_of(built_firm / HALDEN / "index.html")
    assert "Coaching cohort: Halden Logistics" in page
    assert "Engagements 5 Status Active: 5 Sessions 51 held of 70 agreed (73%)" in page
    assert "from April 2026 to April 2027 (planned)" in page
    assert "6. Implementation 5" in page
    assert "10 goals, set by 5 leaders." in page
    assert "On track 5 50% The others together (achieved, behind or not measured yet) 5 50%" in page
    assert "Delegation and empowerment 3" in page
    # Themes of fewer than three leaders are not there, not even by name.
    for withheld in ("Developing others", "Influence across the organisation", "Strategic thinking"):
        assert withheld not in page
    assert "Achieved 1" not in page and "Behind 4" not in page


def test_the_cohort_report_names_nobody_and_quotes_nothing(built_firm: Path, sample: Firm) -> None:
    site = built_firm / HALDEN
    files = files_of(site)
    halden = [e for e in sample.engagements.values() if e.engagement.client.organisation == "Halden Logistics"]
    assert len(halden) == 5
    # The firm's own words (a stage, a theme) may be there, even where a client happens to use them too.
    program = normalise(" ".join(str(v) for p in sample.programs for v in p.model_dump(mode="json").values()))
    for loaded in halden:
        e = loaded.engagement
        texts = [e.client.name, e.client.email or "", e.client.role, *(g.title for g in e.goals)]
        texts += [s.focus for s in e.sessions] + [a.title for a in e.actions]
        texts += (e.assessment.development_areas if e.assessment else []) + [s.text for s in held_back(e)]
        for text in filter(None, texts):
            needle = normalise(text)
            if needle in program:
                continue
            hits = [name for name, content in files.items() if needle in content]
            assert not hits, f"{loaded.slug}: {text!r} in {hits}"
    # Nor anyone else's.
    for loaded in sample.engagements.values():
        for secret in identifying(loaded.engagement):
            if secret.field != "client.organisation":
                assert not any(normalise(secret.text) in c for c in files.values()), secret


# --------------------------------------------------------------------------- nothing of either reaches another site


def test_nothing_of_the_console_or_the_report_reaches_another_site(built_firm: Path, sample: Firm) -> None:
    console = " ".join(files_of(built_firm / CONSOLE).values())
    notice = [normalise(part) for part in re.split(r"(?<=[.:])\s+", CONSOLE_NOTICE)]
    assert all(part.rstrip(".:") in console for part in notice)
    report = normalise(text_of(built_firm / HALDEN / "index.html"))
    report_sentence = normalise("coaching engagements with leaders at Halden Logistics are progressing")
    assert report_sentence in report
    held = {
        loaded.slug: [normalise(s.text) for s in held_back(loaded.engagement) if len(s.text.split()) >= 4]
        for loaded in sample.engagements.values()
    }
    for site in other_sites(built_firm):
        files = files_of(site)
        text = " ".join(files.values())
        owner = site.name if site.parent.name in ("clients", "sponsors") else None
        assert not any(part.rstrip(".:") in text for part in notice), site
        assert report_sentence not in text, site
        pages = " ".join(content for name, content in files.items() if name.endswith(".html"))
        assert "coaches' console" not in pages and "cohort report" not in pages, site
        # The console's rows: every other client's name; its coach-only text, the owner's own included.
        for loaded in sample.engagements.values():
            if loaded.slug != owner:
                assert normalise(loaded.engagement.client.name) not in text, (site, loaded.slug)
            for sentence in held[loaded.slug]:
                assert sentence not in text, (site, loaded.slug, sentence)
        # No link leads from a client's site into the console or a report.
        assert not re.search(r'href="[^"]*(?:/firm/|/cohorts/)', text), site


def test_the_audit_catches_the_console_planted_in_a_client_site(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "sofia-marquez", check=True)
    page = firm / "site" / "clients" / "sofia-marquez" / "index.html"
    assert run_coachbook(firm, "audit").returncode == 0
    page.write_text(page.read_text(encoding="utf-8") + f"<p>{CONSOLE_NOTICE}</p>", encoding="utf-8")
    done = run_coachbook(firm, "audit")
    assert done.returncode == 1
    assert "the coaches' console's own text, which no other site may hold" in done.stderr


def test_the_audit_catches_a_goal_planted_in_the_cohort_report(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert run_coachbook(firm, "audit").returncode == 0
    page = firm / HALDEN / "index.html"
    title = "Every shift starts with a huddle the shift lead runs."
    page.write_text(page.read_text(encoding="utf-8") + f"<p>{title}</p>", encoding="utf-8")
    done = run_coachbook(firm, "audit")
    assert done.returncode == 1
    assert "halden-logistics (cohort report)" in done.stdout
    assert "engagements/tomasz-kowal.yml, field goals[0].title" in done.stderr


# --------------------------------------------------------------------------- chosen, protected, or not built


def _plugin_options(firm: Path, old: str, new: str) -> None:
    config = firm / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")


def test_a_console_with_no_protection_chosen_is_refused(firm: Path) -> None:
    _plugin_options(firm, "        protect: password\n", "")
    done = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert done.returncode == 1
    assert "mkdocs.yml: plugins.coachbook.console: the console shows every engagement" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (firm / "site").exists()


@pytest.mark.slow
def test_an_encrypted_console_needs_its_own_passphrase_and_has_no_feed(firm: Path) -> None:
    _plugin_options(firm, "        protect: password\n", "        protect: encrypt\n")
    done = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert done.returncode == 1
    assert "The coaches' console is encrypted but has no passphrase: run `coachbook passphrase --console`" in (
        done.stdout + done.stderr
    )
    (firm / ".gitignore").write_text("/secrets/\n", encoding="utf-8")
    made = run_coachbook(firm, "passphrase", "--console", check=True)
    assert "Share it with the firm's coaches only" in made.stdout
    assert (firm / "secrets" / "passphrases" / "firm--console.txt").is_file()
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    index = (firm / CONSOLE / "index.html").read_text(encoding="utf-8")
    assert "Dana Whitfield" not in index and "coachbook-envelope" in index
    assert not list((firm / CONSOLE).rglob("*.ics"))
    assert not (firm / CONSOLE / "search").exists()


@pytest.mark.slow
def test_turning_the_console_off_takes_it_down(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert (firm / CONSOLE / "index.html").is_file()
    _plugin_options(firm, "        enabled: true\n", "        enabled: false\n")
    _plugin_options(firm, "        - organisation: Halden Logistics\n", "")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert not (firm / CONSOLE).exists()
    assert not (firm / HALDEN).exists()
    assert (firm / "site" / "clients" / "dana-whitfield" / "index.html").is_file()


@pytest.mark.slow
def test_a_report_is_removed_when_its_organisation_drops_below_the_minimum(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert (firm / HALDEN / "index.html").is_file()
    (firm / "engagements" / "grace-whitcombe.yml").unlink()
    done = run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert not (firm / HALDEN).exists()
    assert "No cohort report for Halden Logistics: it has 4 engagement(s)" in done.stderr
    # The console no longer lists her either.
    assert "Grace Whitcombe" not in (firm / CONSOLE / "index.html").read_text(encoding="utf-8")


def test_hosting_puts_the_console_and_the_report_behind_their_own_passwords(firm: Path) -> None:
    config = run_coachbook(firm, "hosting", check=True).stdout
    for location, password_file in (
        ("/firm/", "firm--console.htpasswd"),
        ("/cohorts/halden-logistics/", "halden-logistics--cohort.htpasswd"),
    ):
        block = config[config.index(f"location ^~ {location} {{") :]
        block = block[: block.index("}")]
        assert f'auth_basic_user_file "{firm / "secrets" / "htpasswd" / password_file}";' in block
    # No location for a report that is not built, and anything else under cohorts/ is not served.
    assert "/cohorts/ashgrove-mutual/" not in config
    assert "location ^~ /cohorts/ {" in config
    (firm / ".gitignore").write_text("/secrets/\n", encoding="utf-8")
    made = run_coachbook(firm, "passwd", "--console", check=True)
    assert "for user 'coaches'" in made.stdout
    assert (firm / "secrets" / "htpasswd" / "firm--console.htpasswd").is_file()
    refused = run_coachbook(firm, "passwd", "dana-whitfield", "--console")
    assert refused.returncode == 1 and "name one site" in refused.stderr
    unknown = run_coachbook(firm, "passwd", "--cohort", "ashgrove")
    assert unknown.returncode == 1 and "no cohort report has the address 'ashgrove'" in unknown.stderr


def test_no_engagement_can_take_the_consoles_name(firm: Path) -> None:
    source = firm / "engagements" / "sofia-marquez.yml"
    source.rename(firm / "engagements" / "firm.yml")
    done = run_coachbook(firm, "check")
    assert done.returncode == 1 and "'firm' is a reserved name" in done.stderr
    assert run_coachbook(firm, "publish", "firm").returncode == 1
