"""Publishing immutable versions of a client's site into the published tree, for real."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mike.versions import Versions

from .conftest import run_coachbook

# Each test builds or publishes the sample firm, often more than once.
pytestmark = pytest.mark.slow

SLUG = "dana-whitfield"


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes, to prove nothing changed."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def client_root(firm: Path) -> Path:
    return firm / "published" / "clients" / SLUG


def publish(firm: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run_coachbook(firm, "publish", SLUG, *args, check=check)


@pytest.fixture
def two_versions(firm: Path) -> Path:
    publish(firm, "--as-of", "2026-11-24")
    publish(firm, "--as-of", "2026-12-10", "--title", "Mid-December")
    return firm


def test_publish_writes_versions_in_mikes_format_newest_first(two_versions: Path) -> None:
    root = client_root(two_versions)
    raw = (root / "versions.json").read_text(encoding="utf-8")
    # mike's own parser accepts the file.
    parsed = Versions.loads(raw)
    assert [str(v.version) for v in parsed] == ["2026-12-10-implementation", "2026-11-24-implementation"]
    data = json.loads(raw)
    assert data[0]["title"] == "Mid-December" and data[0]["aliases"] == ["latest"]
    assert data[1]["title"] == "24 November 2026 · Implementation" and data[1]["aliases"] == []
    for entry in data:
        assert (root / entry["version"] / "index.html").is_file()


def test_latest_is_a_real_copy_and_the_client_root_redirects_to_it(two_versions: Path) -> None:
    root = client_root(two_versions)
    latest = root / "latest"
    assert latest.is_dir() and not latest.is_symlink()
    assert not any(p.is_symlink() for p in latest.rglob("*"))
    assert tree_digest(latest) == tree_digest(root / "2026-12-10-implementation")
    redirect = BeautifulSoup((root / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert redirect.find("meta", attrs={"http-equiv": "refresh"})["content"] == "0; url=latest/"
    assert redirect.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"


def test_each_version_knows_its_address_and_offers_the_version_selector(two_versions: Path) -> None:
    version = client_root(two_versions) / "2026-11-24-implementation"
    soup = BeautifulSoup((version / "goals" / "index.html").read_text(encoding="utf-8"), "html.parser")
    config = json.loads(soup.find("script", id="__config").get_text())
    assert config["version"] == {"provider": "mike", "default": "latest"}
    canonical = soup.find("link", rel="canonical")["href"]
    assert canonical == "http://localhost/clients/dana-whitfield/2026-11-24-implementation/goals/"
    # The selector reads the sitemap to stay on the same page; it lists pages and nothing else.
    sitemap = (version / "sitemap.xml").read_text(encoding="utf-8")
    assert "/clients/dana-whitfield/2026-11-24-implementation/goals/</loc>" in sitemap
    assert "lastmod" not in sitemap and not (version / "sitemap.xml.gz").exists()


def test_published_versions_are_immutable_without_force(two_versions: Path) -> None:
    before = tree_digest(two_versions / "published")
    result = publish(two_versions, "--as-of", "2026-11-24", check=False)
    assert result.returncode == 1
    assert "already published and versions are immutable" in result.stderr
    assert "--force" in result.stderr
    assert tree_digest(two_versions / "published") == before
    replaced = publish(two_versions, "--as-of", "2026-11-24", "--title", "Corrected", "--force")
    assert replaced.returncode == 0
    data = json.loads((client_root(two_versions) / "versions.json").read_text(encoding="utf-8"))
    # A replaced version keeps its place; `latest` stays with the newest.
    assert [(d["version"], d["title"], d["aliases"]) for d in data] == [
        ("2026-12-10-implementation", "Mid-December", ["latest"]),
        ("2026-11-24-implementation", "Corrected", []),
    ]


def test_a_normal_build_never_touches_the_published_tree(two_versions: Path) -> None:
    before = tree_digest(two_versions / "published")
    run_coachbook(two_versions, "build", "--as-of", "2026-11-24", check=True)
    assert tree_digest(two_versions / "published") == before


@pytest.mark.parametrize("name", ["../escape", "a/b", "latest", "Version 2", ".hidden", ""])
def test_a_bad_version_name_is_refused_and_writes_nothing(firm: Path, name: str) -> None:
    result = publish(firm, "--as-of", "2026-11-24", "--version", name, check=False)
    assert result.returncode == 1
    assert "version name" in result.stderr and "Traceback" not in result.stderr
    assert not (firm / "published" / "clients").exists()


def test_versions_lists_and_unpublish_removes_after_confirmation(two_versions: Path) -> None:
    listing = run_coachbook(two_versions, "versions", SLUG, check=True).stdout.splitlines()
    assert listing[0].startswith("2026-12-10-implementation") and listing[0].endswith("Mid-December [latest]")
    root = client_root(two_versions)
    refused = subprocess.run(
        [sys.executable, "-m", "coachbook", "unpublish", SLUG, "2026-12-10-implementation"],
        cwd=two_versions,
        input="n\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1 and (root / "2026-12-10-implementation").is_dir()
    run_coachbook(two_versions, "unpublish", SLUG, "2026-12-10-implementation", "--yes", check=True)
    assert not (root / "2026-12-10-implementation").exists()
    data = json.loads((root / "versions.json").read_text(encoding="utf-8"))
    assert [(d["version"], d["aliases"]) for d in data] == [("2026-11-24-implementation", ["latest"])]
    assert tree_digest(root / "latest") == tree_digest(root / "2026-11-24-implementation")
    unknown = run_coachbook(two_versions, "unpublish", SLUG, "1999-01-01-nothing", "--yes")
    assert unknown.returncode == 1 and "has no published version '1999-01-01-nothing'" in unknown.stderr


def test_a_publish_killed_half_way_leaves_the_earlier_state_intact(firm: Path) -> None:
    publish(firm, "--as-of", "2026-11-24")
    before = tree_digest(firm / "published" / "clients")
    process = subprocess.Popen(
        [sys.executable, "-m", "coachbook", "publish", SLUG, "--as-of", "2026-12-10"],
        cwd=firm,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    staging = firm / ".published.staging"
    deadline = time.monotonic() + 60
    # Kill it while the new version is being built: its staging folder has files in it.
    while time.monotonic() < deadline and not any(staging.rglob("*.html")):
        assert process.poll() is None, "publish finished before it could be interrupted"
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert tree_digest(firm / "published" / "clients") == before
    Versions.loads((client_root(firm) / "versions.json").read_text(encoding="utf-8"))
    # The next publish succeeds despite the debris.
    publish(firm, "--as-of", "2026-12-10")
    assert (client_root(firm) / "2026-12-10-implementation" / "index.html").is_file()


def test_the_audit_covers_the_published_tree(two_versions: Path) -> None:
    clean = run_coachbook(two_versions, "audit", "--site-dir", "published")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    planted = client_root(two_versions) / "2026-11-24-implementation" / "goals" / "index.html"
    planted.write_text(planted.read_text(encoding="utf-8") + "<p>Kwame Asante</p>", encoding="utf-8")
    leaked = run_coachbook(two_versions, "audit", "--site-dir", "published")
    assert leaked.returncode == 1
    assert "2026-11-24-implementation/goals/index.html" in leaked.stdout + leaked.stderr


def changes_text(firm: Path, version: str) -> str:
    page = client_root(firm) / version / "changes" / "index.html"
    article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("article")
    return " ".join(article.get_text(" ").split())


def test_what_changed_lists_the_real_differences_between_versions(firm: Path) -> None:
    publish(firm, "--as-of", "2026-11-24")
    assert "This is the first published version of your site" in changes_text(firm, "2026-11-24-implementation")
    engagement = firm / "engagements" / f"{SLUG}.yml"
    old_title = "I spend my week running the operation, not fighting its incidents."
    text = engagement.read_text(encoding="utf-8")
    assert old_title in text
    engagement.write_text(text.replace(old_title, "I spend my week running the operation, not firefighting."))
    publish(firm, "--as-of", "2026-12-20")
    changed = changes_text(firm, "2026-12-20-implementation")
    assert "Since 24 November 2026 · Implementation" in changed
    # The goal's old and new wording, the sessions held in between, and the action that fell overdue.
    assert old_title in changed and "not firefighting." in changed
    assert "Session on 1 December 2026" in changed and "Session on 15 December 2026" in changed
    assert "Now overdue" in changed and "Agree a development plan with Callum" in changed
    # The page is in the nav, right after the dashboard, and nothing coach-only reached it.
    soup = BeautifulSoup((client_root(firm) / "2026-12-20-implementation" / "index.html").read_text(), "html.parser")
    labels = [a.get_text(" ", strip=True) for a in soup.select("nav.md-nav--primary a.md-nav__link")]
    assert labels.index("Dashboard") < labels.index("What changed") < labels.index("Goals")
    assert "Corrib Shipping" not in changed


def test_a_closed_engagement_publishes_a_version_named_closed(firm: Path) -> None:
    done = run_coachbook(firm, "publish", "kwame-asante", "--as-of", "2026-11-24", check=True)
    assert "version '2026-11-24-closed'" in done.stdout
    assert (firm / "published" / "clients" / "kwame-asante" / "2026-11-24-closed" / "index.html").is_file()


def test_a_new_site_id_warns_that_published_versions_stay_at_the_old_address(firm: Path) -> None:
    publish(firm, "--as-of", "2026-11-24")
    done = run_coachbook(firm, "site-id", SLUG, check=True)
    assert f"published versions stay at published/clients/{SLUG}/, the old address" in done.stderr
    assert f"`coachbook versions {SLUG}` still lists the old ones" in done.stderr
    assert (client_root(firm) / "versions.json").is_file()
    # `versions` and `unpublish` still see them there, until they are taken down.
    listed = run_coachbook(firm, "versions", SLUG, check=True).stdout
    assert f"{SLUG} has no published versions at its new address yet" in listed
    assert f"Still published at the old address published/clients/{SLUG}/, which is guessable" in listed
    assert "2026-11-24-implementation" in listed
    removed = run_coachbook(firm, "unpublish", SLUG, "2026-11-24-implementation", "-y", check=True).stdout
    assert f"Removed '2026-11-24-implementation' at published/clients/{SLUG}/." in removed
    assert not (client_root(firm) / "2026-11-24-implementation").exists()
    assert "Still published at the old address" not in run_coachbook(firm, "versions", SLUG, check=True).stdout


def test_an_action_held_back_after_it_was_published_is_not_named_again(firm: Path) -> None:
    publish(firm, "--as-of", "2026-11-24")
    engagement = firm / "engagements" / f"{SLUG}.yml"
    title = "  - title: Agree a development plan with Callum, including a three-month secondment to Commercial\n"
    text = engagement.read_text(encoding="utf-8")
    assert text.count(title) == 1
    # The coach withdraws it: the client must not read it again, not even as gone from their plan.
    engagement.write_text(text.replace(title, title + "    coach_only: true\n"), encoding="utf-8")
    publish(firm, "--as-of", "2026-12-10")
    changed = changes_text(firm, "2026-12-10-implementation")
    assert "development plan with Callum" not in changed
    assert "development plan with Callum" not in (client_root(firm) / "2026-12-10-implementation").joinpath(
        "search", "search_index.json"
    ).read_text(encoding="utf-8")
    # One deleted outright is still listed as no longer on the plan.
    gone = "  - title: Agree a development plan with Callum, including a three-month secondment to Commercial\n"
    text = engagement.read_text(encoding="utf-8")
    start = text.index(gone)
    end = text.index("  - title:", start + len(gone))
    engagement.write_text(text[:start] + text[end:], encoding="utf-8")
    publish(firm, "--as-of", "2026-12-11")
    assert "development plan with Callum" not in changes_text(firm, "2026-12-11-implementation")


def _replace_client(firm: Path, slug: str) -> None:
    """Delete `slug`'s engagement file (not `forget`), and write a new client's under the same slug."""
    path = firm / "engagements" / f"{slug}.yml"
    text = path.read_text(encoding="utf-8")
    new = (
        text.replace("Dana Whitfield", "Mark Osei")
        .replace("dana.whitfield@haldenlogistics.example", "mark.osei@brightwater.example")
        .replace("Dana", "Mark")
    )
    new = "\n".join(line for line in new.splitlines() if "phone:" not in line) + "\n"
    path.unlink()
    path.write_text(new, encoding="utf-8")


def test_a_new_client_given_a_former_clients_slug_never_inherits_their_versions(firm: Path) -> None:
    publish(firm, "--as-of", "2026-11-24")
    before = tree_digest(client_root(firm))
    _replace_client(firm, SLUG)
    refused = publish(firm, "--as-of", "2026-12-10", check=False)
    assert refused.returncode != 0
    assert "holds versions published for another client ('2026-11-24-implementation')" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert tree_digest(client_root(firm)) == before
    # Their data export would carry the former client's versions too: refused the same way.
    export = run_coachbook(firm, "export", SLUG, "--as-of", "2026-12-10")
    assert export.returncode != 0 and "holds versions published for another client" in export.stderr
    # The same person under a new name (their email unchanged) keeps their versions.
    path = firm / "engagements" / f"{SLUG}.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "mark.osei@brightwater.example", "dana.whitfield@haldenlogistics.example"
        )
    )
    publish(firm, "--as-of", "2026-12-10")


def test_coachbook_new_refuses_a_slug_whose_former_client_left_copies(firm: Path) -> None:
    publish(firm, "--as-of", "2026-11-24")
    (firm / "engagements" / f"{SLUG}.yml").unlink()
    details = ["--name", "Mark Osei", "--role", "CFO", "--organisation", "Brightwater", "--coach", "Priya Raman"]
    refused = run_coachbook(firm, "new", SLUG, *details, "--start", "2026-12-01")
    assert refused.returncode != 0
    assert f"'{SLUG}' was another client's slug" in refused.stderr
    assert f"published/clients/{SLUG}: their published versions" in refused.stderr
    assert not (firm / "engagements" / f"{SLUG}.yml").exists()
    run_coachbook(firm, "forget", SLUG, "--yes", check=True)
    run_coachbook(firm, "new", SLUG, *details, "--start", "2026-12-01", check=True)
