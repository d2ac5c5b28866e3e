"""`coachbook build` rebuilds only what changed: one test per invalidation rule, and failures stay isolated."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import AS_OF, SAMPLE_CLIENTS, run_coachbook

# Each test builds or publishes the sample firm, often more than once.
pytestmark = pytest.mark.slow

CLIENTS = SAMPLE_CLIENTS
#: The clients whose sites are in the firm's language, English, and show its English guides.
ENGLISH = tuple(slug for slug in SAMPLE_CLIENTS if slug != "jonas-brandt")
#: Dana's engagement also asks for a site for her sponsor.
CLIENT_SITES = (*CLIENTS, "dana-whitfield (sponsor)")
#: The console is made of every engagement, the Halden Logistics cohort report of five of them.
CONSOLE, HALDEN = "coaches' console", "Halden Logistics (cohort report)"
ALL = ("handbook", *CLIENT_SITES, CONSOLE, HALDEN)


def built(stdout: str) -> set[str]:
    """The sites a build's plain output says it built."""
    return set(re.findall(r"^\s+built\s+(.+?)\s+\d+(?:\.\d+)?s$", stdout, re.MULTILINE))


def build(firm: Path, *args: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    if env is None:
        result = run_coachbook(firm, "build", "--as-of", AS_OF, *args, check=True)
    else:
        result = subprocess.run(
            [sys.executable, "-m", "coachbook", "build", "--as-of", AS_OF, *args],
            cwd=firm,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    return built(result.stdout), result.stdout


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_each_input_rebuilds_exactly_the_sites_made_from_it(firm: Path) -> None:
    assert build(firm)[0] == set(ALL)

    sites, out = build(firm)
    assert sites == set()
    assert f"Done: 0 built, 0 failed, {len(ALL)} unchanged" in out

    # One engagement: its site, and the console, which is made of every engagement.
    path = firm / "engagements" / "sofia-marquez.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("Head of Engineering", "VP Engineering"), "utf-8")
    assert build(firm)[0] == {"sofia-marquez", CONSOLE}
    # One of Halden's: its cohort report too.
    path = firm / "engagements" / "tomasz-kowal.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("role: General Manager", "role: Site Director"), "utf-8")
    assert build(firm)[0] == {"tomasz-kowal", CONSOLE, HALDEN}

    # A guide, the theme, the config: every site.
    append(firm / "content" / "stages" / "03-assessment.md", "\nOne more sentence for everyone.\n")
    assert build(firm)[0] == set(ALL)
    append(firm / "theme" / "assets" / "stylesheets" / "coachbook.css", "\n/* a firm's tweak */\n")
    assert build(firm)[0] == set(ALL)
    append(firm / "mkdocs.yml", "\ncopyright: Northlight Coaching\n")
    assert build(firm)[0] == set(ALL)
    # The firm's own catalogs, like the theme: every site.
    catalog = firm / "locales" / "de" / "LC_MESSAGES" / "coachbook.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid "Your goals"\nmsgstr "Was Sie erreichen wollen"\n', encoding="utf-8")
    assert build(firm)[0] == set(ALL)

    # The as-of date changes what client sites, the console and the report say, not the handbook.
    result = run_coachbook(firm, "build", "--as-of", "2026-11-25", check=True)
    assert built(result.stdout) == {*CLIENT_SITES, CONSOLE, HALDEN}, result.stdout

    # --force rebuilds everything, changed or not.
    assert build(firm, "--force")[0] == set(ALL)


def test_environment_read_by_the_config_is_part_of_the_fingerprint(firm: Path) -> None:
    config = firm / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "site_description: ", "site_description: !ENV [FIRM_TAGLINE, 'How coaching works.']\n# was: "
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "FIRM_TAGLINE": "Coaching, step by step."}
    assert build(firm, env=env)[0] == set(ALL)
    assert build(firm, env=env)[0] == set()
    assert build(firm, env={**env, "FIRM_TAGLINE": "Another tagline."})[0] == set(ALL)
    assert build(firm, env={**env, "COACHBOOK_SOMETHING": "1"})[0] == set(ALL)


def test_a_site_removed_by_hand_is_built_again_and_a_deleted_engagement_is_removed(firm: Path) -> None:
    build(firm)
    shutil.rmtree(firm / "site" / "clients" / "kwame-asante")
    assert build(firm)[0] == {"kwame-asante"}
    (firm / "engagements" / "sofia-marquez.yml").unlink()
    sites, out = build(firm)
    # The console no longer lists her.
    assert sites == {CONSOLE}
    assert "removed  sofia-marquez" in out
    assert not (firm / "site" / "clients" / "sofia-marquez").exists()
    # The state of builds is kept beside the project, never in the served output.
    assert not list((firm / "site").rglob("*.json.tmp"))
    assert list((firm / ".coachbook" / "builds").glob("*.json"))
    assert not [p for p in (firm / "site").iterdir() if p.name.startswith(".")]


def test_a_site_whose_files_were_changed_by_hand_is_built_again(firm: Path) -> None:
    """A file edited, deleted or added by hand is not "up to date": the site is built and audited again."""
    build(firm)
    site = firm / "site" / "clients" / "kwame-asante"
    page = site / "goals" / "index.html"
    built_page = page.read_bytes()
    # A page edited; then a page deleted; then a file added.
    edited = built_page.replace(b"</body>", b"<p>Dana Whitfield</p></body>")
    assert edited != built_page
    page.write_bytes(edited)
    assert build(firm)[0] == {"kwame-asante"}
    assert page.read_bytes() == built_page
    (site / "sessions" / "index.html").unlink()
    assert build(firm)[0] == {"kwame-asante"}
    assert (site / "sessions" / "index.html").is_file()
    (site / "notes.txt").write_text("Dana Whitfield's board review", encoding="utf-8")
    assert build(firm)[0] == {"kwame-asante"}
    assert not (site / "notes.txt").exists()
    # Moved elsewhere with its files' times kept, it is as it was built; a rewritten mark changes nothing.
    moved = firm / "moved-site"
    shutil.copytree(firm / "site", moved, copy_function=shutil.copy2)
    shutil.rmtree(firm / "site")
    moved.rename(firm / "site")
    assert build(firm)[0] == set()


def test_one_failing_site_does_not_stop_the_others_and_the_summary_says_why(firm: Path) -> None:
    build(firm)
    old = (firm / "site" / "clients" / "sofia-marquez" / "index.html").read_bytes()
    # Sofia's site is to be encrypted, but nobody has made her passphrase yet.
    append(firm / "engagements" / "sofia-marquez.yml", "\nsite:\n  encrypt: true\n")
    path = firm / "engagements" / "kwame-asante.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("role: Managing Director", "role: MD"), "utf-8")
    result = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert result.returncode == 1
    assert built(result.stdout) == {"kwame-asante", CONSOLE}
    assert "FAILED sofia-marquez" in result.stderr
    assert re.search(rf"Done: 2 built, 1 failed, {len(ALL) - 3} unchanged in [\d.]+s\.", result.stdout), result.stdout
    assert re.search(r"^  sofia-marquez: .*passphrase", result.stderr, re.MULTILINE), result.stderr
    assert "error: 1 site(s) failed: sofia-marquez" in result.stderr
    # The failed site keeps its previous version, and is tried again next time.
    assert (firm / "site" / "clients" / "sofia-marquez" / "index.html").read_bytes() == old
    again = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert again.returncode == 1 and built(again.stdout) == set() and "FAILED sofia-marquez" in again.stderr


def test_new_coach_only_text_is_searched_for_in_unchanged_sites(firm: Path) -> None:
    """Kwame's coach pastes a guide sentence into a private note: every site that shows it now leaks it."""
    build(firm)
    sentence = "Every coaching engagement has an end date, and ending well matters as much as starting well."
    # The file ends inside Kwame's `private: |` block, so this line joins the coach's private notes.
    append(firm / "engagements" / "kwame-asante.yml", f"  {sentence}\n")
    result = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert result.returncode == 1
    assert "unchanged to search for new audit strings" in result.stdout
    # Kwame's site is rebuilt and fails; the others were not rebuilt, only searched, and are taken down.
    for name in ("handbook", *ENGLISH):
        assert f"FAILED {name}" in result.stderr
    # Jonas reads the German guide, which does not hold the sentence: his site stays.
    assert "FAILED jonas-brandt" not in result.stderr
    assert (firm / "site" / "clients" / "jonas-brandt" / "index.html").is_file()
    # Dana's sponsor site has no guides, so the sentence is not in it: it stays.
    assert "FAILED dana-whitfield (sponsor)" not in result.stderr
    assert (firm / "site" / "sponsors" / "dana-whitfield" / "index.html").is_file()
    assert not (firm / "site" / "clients" / "dana-whitfield").exists()
    assert not (firm / "site" / "handbook").exists()
    # Kwame's previous version shows the sentence too: it does not stay in place of the failed rebuild.
    assert not (firm / "site" / "clients" / "kwame-asante").exists()
    assert "the version in place holds newly audited text too, so it was removed" in result.stderr


def test_a_link_put_into_a_built_site_by_hand_makes_it_built_again_never_followed(firm: Path) -> None:
    """A symbolic link put into a published site by hand: the site no longer holds what it was built with."""
    build(firm)
    link = firm / "site" / "clients" / "sofia-marquez" / "notes.txt"
    link.symlink_to(firm / "mkdocs.yml")
    # A new private note of Kwame's: the unchanged sites are searched again, for it only; Sofia's is rebuilt.
    append(firm / "engagements" / "kwame-asante.yml", "  The board still doubts his succession plan.\n")
    sites, _ = build(firm)
    assert {"kwame-asante", "sofia-marquez"} <= sites
    assert "dana-whitfield" not in sites
    assert not link.is_symlink() and not link.exists()
    assert (firm / "site" / "clients" / "dana-whitfield" / "index.html").is_file()


def test_a_rebuilt_site_is_audited_for_new_coach_only_text_in_the_theme_assets(firm: Path) -> None:
    """The theme's assets are searched once per build and only for strings added since; those must still count."""
    phrase = "the quartermain arrangement stays between us"
    append(firm / "theme" / "assets" / "stylesheets" / "coachbook.css", f"\n/* {phrase} */\n")
    build(firm)
    # Now Kwame's coach writes the same words in a private note (the file ends inside a `private: |` block).
    append(firm / "engagements" / "kwame-asante.yml", f"  Remember: {phrase}.\n")
    result = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert result.returncode == 1
    kwame = re.search(r"^FAILED kwame-asante .*$", result.stderr, re.MULTILINE) or re.search(
        r"FAILED\S* kwame-asante.*", result.stderr
    )
    assert kwame, result.stderr
    assert "assets/stylesheets/coachbook.css" in kwame.group(0)
    assert not (firm / "site" / "clients" / "kwame-asante").exists()


def test_theme_assets_are_searched_afresh_when_the_tools_change(firm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What an earlier build found in the assets is reused only by the same version of the audit."""
    import datetime as dt

    from coachbook.audit.index import LeakIndex
    from coachbook.build import firm_build as builder

    calls: list[bool] = []
    original = LeakIndex.found_in_files

    def spy(self: LeakIndex, paths: Any, *, earlier: Any = None) -> Any:
        calls.append(earlier is not None)
        return original(self, paths, earlier=earlier)

    monkeypatch.setattr(LeakIndex, "found_in_files", spy)
    request = builder.FirmBuild(firm / "mkdocs.yml", firm / "site", as_of=dt.date.fromisoformat(AS_OF), force=True)
    for _ in range(2):
        assert not builder.build_firm(request).failed
    monkeypatch.setattr(builder, "tool_versions", lambda: {"coachbook": "a later version"})
    assert not builder.build_firm(request).failed
    assert calls == [False, True, False]


def test_the_consoles_notice_in_a_theme_asset_fails_every_other_site(firm: Path) -> None:
    """Every site but the console is searched for its notice; a theme asset holding it is searched once, for all."""
    from coachbook.core.console import CONSOLE_NOTICE

    append(firm / "theme" / "assets" / "stylesheets" / "coachbook.css", f"\n/* {CONSOLE_NOTICE} */\n")
    result = run_coachbook(firm, "build", "--as-of", AS_OF)
    assert result.returncode == 1
    listed = re.search(r"^error: \d+ site\(s\) failed: (.+)$", result.stderr, re.MULTILINE)
    assert listed, result.stderr
    failed = set(listed.group(1).split(", "))
    assert failed == {"handbook", *CLIENT_SITES, HALDEN}, result.stderr
    for name in failed:
        why = re.search(rf"^\s*{re.escape(name)}: (.*)$", result.stderr, re.MULTILINE)
        assert why and "assets/stylesheets/coachbook.css: contains" in why.group(1), name
        assert "the coaches' console's own text" in why.group(1)
    assert not (firm / "site" / "clients" / "dana-whitfield").exists()
    # A build of one site leaves the assets to it (`SHARED_SEARCH_FROM`): it searches them itself, and fails the same.
    one = run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "sofia-marquez")
    assert one.returncode == 1
    assert re.search(r"sofia-marquez: .*assets/stylesheets/coachbook\.css: contains", one.stderr), one.stderr
