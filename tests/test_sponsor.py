"""The sponsor site: progress without content, built, isolated and audited like a client's site."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coachbook.audit.needles import sponsor_needles
from coachbook.core.loader import Project, load_firm
from coachbook.core.sponsor import sponsor_report
from coachbook.render.sponsor_page import sponsor_plan

from .conftest import AS_OF, REPO, run_coachbook

SLUG = "dana-whitfield"
CONFIDENTIAL_TITLE = "Someone on my team can run operations day to day by the time the board next asks."
#: Text the client's own site shows and the sponsor's must not: a session note, 360 feedback, an action, a win.
CLIENT_ONLY = [
    "Thank you for a focused start, Dana",
    "You rated yourself lower than others did on almost everything, except delegation.",
    "Run a two-week time audit of escalations using an ESC calendar tag",
    "Callum Reid",
]


def sponsor_site(firm: Path) -> Path:
    return firm / "site" / "sponsors" / SLUG


def text_of(path: Path) -> str:
    return " ".join(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())


def everything(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_the_sponsor_site_shows_progress(built_firm: Path) -> None:
    page = text_of(sponsor_site(built_firm) / "index.html")
    assert "Coaching progress: Dana Whitfield" in page
    assert "5 of 7 stages done (71%)" in page
    assert "Goal setting: done on 19 June 2026" in page and "Implementation: in progress" in page
    # The list numbers the stages; their titles are not numbered again ("1. 1. Contracting").
    assert "4. Goal setting" not in page and "1. Contracting" not in page
    assert "12 held of 16 agreed" in page
    assert "I spend my week running the operation, not fighting its incidents. 67%" in page
    assert "Goal 3 (confidential) 50%" in page


def test_the_sponsor_site_shows_no_content(built_firm: Path) -> None:
    site = sponsor_site(built_firm)
    output = everything(site)
    assert CONFIDENTIAL_TITLE not in output
    for text in CLIENT_ONLY:
        assert text not in output, text
    # One page: no guides, no goals page, no sessions; search finds only it.
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    assert pages == ["index.html"]
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert {doc["location"].split("#")[0] for doc in index["docs"]} == {""}
    assert not (site / "sitemap.xml").exists()


def test_the_client_site_still_has_everything(built_firm: Path) -> None:
    client = everything(built_firm / "site" / "clients" / SLUG)
    assert CONFIDENTIAL_TITLE in client
    assert "Run a two-week time audit of escalations" in client


def test_only_engagements_that_ask_for_one_get_a_sponsor_site(built_firm: Path) -> None:
    assert sorted(p.name for p in (built_firm / "site" / "sponsors").iterdir()) == [SLUG]


def test_the_audit_catches_content_planted_in_a_sponsor_site(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG, check=True)
    page = sponsor_site(firm) / "index.html"
    assert run_coachbook(firm, "audit").returncode == 0
    page.write_text(page.read_text(encoding="utf-8") + f"<p>{CONFIDENTIAL_TITLE}</p>", encoding="utf-8")
    done = run_coachbook(firm, "audit")
    assert done.returncode == 1
    assert "is client-only text" in done.stdout + done.stderr and "goals[2].title" in done.stdout + done.stderr


def test_turning_the_sponsor_site_off_removes_it(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert sponsor_site(firm).is_dir()
    engagement = firm / "engagements" / f"{SLUG}.yml"
    engagement.write_text(engagement.read_text(encoding="utf-8").replace("  site: true\n", ""), encoding="utf-8")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert not sponsor_site(firm).exists()
    assert (firm / "site" / "clients" / SLUG / "index.html").is_file()


@pytest.fixture(scope="module")
def dana() -> tuple[object, object]:
    firm = load_firm(Project(root=REPO, content_dir=REPO / "content", engagements_dir=REPO / "engagements"))
    loaded = firm.engagements[SLUG]
    return loaded.engagement, sponsor_report(loaded.engagement, loaded.program, dt.date.fromisoformat(AS_OF))


def test_the_needles_cover_notes_feedback_actions_and_confidential_wording(dana: tuple[object, object]) -> None:
    engagement, report = dana
    needles = {n.text: n.field for n in sponsor_needles(engagement, SLUG, report)}  # type: ignore[arg-type]
    assert needles[CONFIDENTIAL_TITLE.lower()] == "goals[2].title"
    assert any(f.startswith("sessions[") and f.endswith(".notes") for f in needles.values())
    assert any(f.startswith("assessment.feedback") for f in needles.values())
    assert any(f.startswith("actions[") for f in needles.values())
    # What the sponsor page shows on purpose is never a needle.
    assert "i spend my week running the operation, not fighting its incidents." not in needles
    assert not any(f.startswith(("client.", "coach.", "sponsor.")) for f in needles.values())


# --------------------------------------------------------------------------- protected like a client's site


def test_hosting_puts_the_sponsor_site_behind_its_own_password(firm: Path) -> None:
    config = run_coachbook(firm, "hosting", check=True).stdout
    block = config[config.index(f"location ^~ /sponsors/{SLUG}/ {{") :]
    block = block[: block.index("}")]
    assert f"{SLUG}--sponsor.htpasswd" in block and "auth_basic " in block
    assert "location ^~ /sponsors/ {" in config
    # Only Dana asks for a sponsor site.
    assert "/sponsors/sofia-marquez/" not in config


def test_the_sponsor_password_and_passphrase_are_the_sponsors_own(firm: Path) -> None:
    done = run_coachbook(firm, "passwd", SLUG, "--sponsor", check=True)
    hashed = (firm / "secrets" / "htpasswd" / f"{SLUG}--sponsor.htpasswd").read_text(encoding="utf-8")
    assert hashed.startswith(f"{SLUG}-sponsor:$2b$10$")
    assert not (firm / "secrets" / "htpasswd" / f"{SLUG}.htpasswd").exists()
    assert "Password" in done.stdout
    run_coachbook(firm, "passphrase", SLUG, "--sponsor", check=True)
    assert (firm / "secrets" / "passphrases" / f"{SLUG}--sponsor.txt").is_file()
    refused = run_coachbook(firm, "passwd", "sofia-marquez", "--sponsor")
    assert refused.returncode == 1 and "sofia-marquez has no sponsor site" in refused.stderr


def test_an_encrypted_engagement_encrypts_the_sponsor_site_with_the_sponsors_passphrase(firm: Path) -> None:
    engagement = firm / "engagements" / f"{SLUG}.yml"
    engagement.write_text(engagement.read_text(encoding="utf-8") + "\nsite:\n  encrypt: true\n", encoding="utf-8")
    missing = run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG)
    assert missing.returncode == 1 and f"coachbook passphrase {SLUG} --sponsor" in missing.stderr
    run_coachbook(firm, "passphrase", SLUG, check=True)
    run_coachbook(firm, "passphrase", SLUG, "--sponsor", check=True)
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG, check=True)
    page = (sponsor_site(firm) / "index.html").read_text(encoding="utf-8")
    assert "Coaching progress" not in page and "ciphertext" in page


def test_every_sponsor_site_reads_as_headings_and_paragraphs(built_firm: Path) -> None:
    # An active engagement's page once ran its first heading into the paragraph above it ("...more.## At a glance").
    sites = sorted((built_firm / "site" / "sponsors").glob("*/index.html"))
    assert sites
    for page in sites:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        article = soup.find("article")
        assert article is not None
        assert [h.get("id") for h in article.find_all("h2")][:2] == ["glance", "stages"], page
        assert "##" not in article.get_text(), page
        assert "{ #" not in article.get_text(), page


@pytest.mark.parametrize("day", ["2026-03-01", AS_OF, "2027-06-01"])
def test_the_sponsor_page_keeps_its_blocks_apart_in_every_state(day: str) -> None:
    firm = load_firm(Project(root=REPO, content_dir=REPO / "content", engagements_dir=REPO / "engagements"))
    states = set()
    for slug, loaded in firm.engagements.items():
        if loaded.engagement.sponsor is None:
            continue
        report = sponsor_report(loaded.engagement, loaded.program, dt.date.fromisoformat(day))
        states.add(report.state)
        markdown = sponsor_plan(slug, report).pages[0].markdown
        # Every heading and admonition starts a line of its own, after a blank line.
        for line in markdown.splitlines():
            if "## " in line or "!!! " in line:
                assert line.startswith(("## ", "# ", "!!! ")), (slug, day, line)
        assert "\n\n## " in markdown and "\n\n!!! info" in markdown, (slug, day)
    assert "active" in states or day != AS_OF
