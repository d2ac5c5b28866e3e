"""Versions built from git refs: reproducible client versions, pinned handbooks and published handbook versions."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mike.versions import Versions

from .conftest import AS_OF, copy_firm, run_coachbook

# Each test builds or publishes the sample firm, often more than once.
pytestmark = pytest.mark.slow

SLUG = "dana-whitfield"
PINNED = "sofia-marquez"
GUIDE = Path("content") / "stages" / "01-contracting.md"
#: A sentence the firm adds to a guide after tagging v2026.1.
NEW_SENTENCE = "From 2027 every agreement also names a second coach who can step in."
#: An action the coach adds to Dana's engagement after the tag.
NEW_ACTION = "Write the incident-review charter with the four site general managers"


def git(folder: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Priya Raman",
        "GIT_AUTHOR_EMAIL": "priya@example.com",
        "GIT_COMMITTER_NAME": "Priya Raman",
        "GIT_COMMITTER_EMAIL": "priya@example.com",
    }
    done = subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def add_action(engagement: Path, title: str) -> None:
    text = engagement.read_text(encoding="utf-8")
    entry = f"actions:\n  - title: {title}\n    due: 2026-12-04\n    status: open\n\n"
    engagement.write_text(text.replace("actions:\n", entry, 1), encoding="utf-8")


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def page_text(path: Path) -> str:
    return " ".join(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The sample firm in git: tagged v2026.1, then one commit that changes a guide and Dana's plan."""
    firm = copy_firm(tmp_path / "firm")
    (firm / ".gitignore").write_text("/site/\n/published/\n/.coachbook/\n/secrets/\n", encoding="utf-8")
    git(firm, "init", "-q", "-b", "main")
    git(firm, "add", "-A")
    git(firm, "commit", "-q", "-m", "The firm's first handbook")
    git(firm, "tag", "v2026.1")
    guide = firm / GUIDE
    guide.write_text(guide.read_text(encoding="utf-8") + f"\n{NEW_SENTENCE}\n", encoding="utf-8")
    add_action(firm / "engagements" / f"{SLUG}.yml", NEW_ACTION)
    git(firm, "commit", "-q", "-am", "Second coach in every agreement; Dana's new action")
    return firm


def client_root(firm: Path, slug: str = SLUG) -> Path:
    return firm / "published" / "clients" / slug


# --------------------------------------------------------------------------- --ref


def test_publish_from_a_ref_builds_the_files_as_committed_there(repo: Path) -> None:
    # An uncommitted edit in the working tree must not reach a version built from a ref either.
    add_action(repo / "engagements" / f"{SLUG}.yml", "Uncommitted draft action")
    done = run_coachbook(repo, "publish", SLUG, "--ref", "v2026.1", "--as-of", AS_OF, "--version", "signed")
    assert done.returncode == 0, done.stderr
    commit = git(repo, "rev-parse", "v2026.1")
    assert f"from v2026.1 ({commit[:12]})" in done.stdout
    root = client_root(repo)
    text = page_text(root / "signed" / "stages" / "01-contracting" / "index.html")
    assert "Contracting" in text and NEW_SENTENCE not in text
    actions = page_text(root / "signed" / "actions" / "index.html")
    assert NEW_ACTION not in actions and "Uncommitted draft action" not in actions
    entry = json.loads((root / "versions.json").read_text(encoding="utf-8"))[0]
    assert entry["properties"] == {"as_of": AS_OF, "ref": "v2026.1", "commit": commit}

    # The working tree, published as usual, has both.
    run_coachbook(repo, "publish", SLUG, "--as-of", AS_OF, "--version", "now", check=True)
    assert NEW_SENTENCE in page_text(root / "now" / "stages" / "01-contracting" / "index.html")
    assert NEW_ACTION in page_text(root / "now" / "actions" / "index.html")


def test_the_same_ref_and_date_build_the_same_site_byte_for_byte(repo: Path, tmp_path: Path) -> None:
    run_coachbook(repo, "publish", SLUG, "--ref", "v2026.1", "--as-of", AS_OF, "--version", "v1", check=True)
    first = tree_digest(client_root(repo) / "v1")
    # On another computer: a fresh clone, a different folder, another day.
    clone = tmp_path / "elsewhere" / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    run_coachbook(clone, "publish", SLUG, "--ref", "v2026.1", "--as-of", AS_OF, "--version", "v1", check=True)
    assert tree_digest(client_root(clone) / "v1") == first
    # Rebuilt in place with --force: the same bytes again.
    run_coachbook(repo, "publish", SLUG, "--ref", "v2026.1", "--as-of", AS_OF, "--version", "v1", "--force", check=True)
    assert tree_digest(client_root(repo) / "v1") == first
    # A whole site (a published version keeps only the theme files its pages use).
    assert len(first) > 20 and "agreement/index.html" in first and "sitemap.xml" in first


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("no-such-tag", "no tag, branch or commit is named 'no-such-tag'"),
        ("-x", "'-x' is not a git ref"),
        ("v2026.1..main", "is not a git ref"),
        ("HEAD~5", "no tag, branch or commit is named 'HEAD~5'"),
    ],
)
def test_a_bad_ref_is_a_clear_error_and_writes_nothing(repo: Path, ref: str, message: str) -> None:
    done = run_coachbook(repo, "publish", SLUG, f"--ref={ref}", "--as-of", AS_OF)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (repo / "published").exists()


def test_a_ref_needs_a_git_repository(firm: Path) -> None:
    done = run_coachbook(firm, "publish", SLUG, "--ref", "main", "--as-of", AS_OF)
    assert done.returncode == 1
    assert "is not in a git repository" in done.stderr and "commit the firm first" in done.stderr
    assert not (firm / "published").exists()


# --------------------------------------------------------------------------- pinned handbook


def pin(firm: Path, slug: str, ref: str) -> int:
    """Pin `slug`'s handbook at `ref`; return the line number of the new `handbook:` line."""
    engagement = firm / "engagements" / f"{slug}.yml"
    lines = engagement.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("client:"))
    lines.insert(at, f"handbook: {ref}\n")
    engagement.write_text("".join(lines), encoding="utf-8")
    return at + 1


def test_a_pinned_engagement_reads_the_guides_of_its_ref(repo: Path) -> None:
    pin(repo, PINNED, "v2026.1")
    run_coachbook(repo, "build", "--as-of", AS_OF, check=True)
    site = repo / "site"
    pinned = page_text(site / "clients" / PINNED / "stages" / "01-contracting" / "index.html")
    following = page_text(site / "clients" / SLUG / "stages" / "01-contracting" / "index.html")
    assert "Contracting" in pinned and NEW_SENTENCE not in pinned
    assert NEW_SENTENCE in following
    assert NEW_SENTENCE not in (site / "clients" / PINNED / "search" / "search_index.json").read_text()
    # The pinned guides are still personalised for the client.
    assert "Sofia" in pinned
    # The export is cached by commit, beside the project and out of every site.
    commit = git(repo, "rev-parse", "v2026.1")
    assert (repo / ".coachbook" / "handbooks" / commit / "program.yml").is_file()


def test_publishing_a_pinned_engagement_records_its_handbook(repo: Path) -> None:
    pin(repo, PINNED, "v2026.1")
    run_coachbook(repo, "publish", PINNED, "--as-of", AS_OF, "--version", "first", check=True)
    entry = json.loads((client_root(repo, PINNED) / "versions.json").read_text(encoding="utf-8"))[0]
    assert entry["properties"]["handbook"] == {"ref": "v2026.1", "commit": git(repo, "rev-parse", "v2026.1")}
    text = page_text(client_root(repo, PINNED) / "first" / "stages" / "01-contracting" / "index.html")
    assert NEW_SENTENCE not in text


def test_an_unknown_pinned_ref_names_the_file_line_and_field(repo: Path) -> None:
    line = pin(repo, PINNED, "v1999.9")
    done = run_coachbook(repo, "build", "--as-of", AS_OF)
    assert done.returncode == 1
    where = f"engagements/{PINNED}.yml:{line}:11"
    assert f"{where}: handbook: no tag, branch or commit is named 'v1999.9'" in done.stderr, done.stderr
    assert "hint: `git tag` and `git branch` list them" in done.stderr
    assert not (repo / "site").exists()


def test_a_pinned_engagement_is_checked_against_the_program_of_its_ref(repo: Path) -> None:
    # The firm renames a stage after the tag; a client pinned to the tag keeps the old stage id.
    program = repo / "content" / "program.yml"
    program.write_text(program.read_text(encoding="utf-8").replace("id: building-rapport", "id: rapport"))
    for engagement in sorted((repo / "engagements").glob("*.yml")):
        if engagement.stem != PINNED:
            engagement.write_text(engagement.read_text(encoding="utf-8").replace("building-rapport", "rapport"))
    git(repo, "commit", "-q", "-am", "Shorter stage id")
    assert run_coachbook(repo, "check").returncode == 1  # Sofia still says building-rapport
    pin(repo, PINNED, "v2026.1")
    done = run_coachbook(repo, "check")
    assert done.returncode == 0, done.stderr


def test_a_broken_handbook_at_the_ref_is_reported_on_the_pin(repo: Path) -> None:
    program = repo / "content" / "program.yml"
    program.write_text(program.read_text(encoding="utf-8").replace("guide: stages/01-contracting.md", "guide: x.md"))
    git(repo, "commit", "-q", "-am", "Broken program")
    git(repo, "tag", "broken")
    git(repo, "revert", "--no-edit", "HEAD")
    line = pin(repo, PINNED, "broken")
    done = run_coachbook(repo, "check")
    assert done.returncode == 1
    assert f"engagements/{PINNED}.yml:{line}:11: handbook: the handbook at 'broken' has 1 problem(s)" in done.stderr
    assert "guide file 'x.md' does not exist" in done.stderr


# --------------------------------------------------------------------------- handbook versions


def test_the_public_handbook_is_published_in_versions(repo: Path) -> None:
    first = run_coachbook(repo, "publish", "--handbook", "--ref", "v2026.1", "--as-of", AS_OF)
    assert first.returncode == 0, first.stderr
    git(repo, "tag", "v2026.2")
    run_coachbook(repo, "publish", "--handbook", "--ref", "v2026.2", "--as-of", "2026-12-01", check=True)
    root = repo / "published" / "handbook"
    parsed = Versions.loads((root / "versions.json").read_text(encoding="utf-8"))
    assert [str(v.version) for v in parsed] == ["v2026.2", "v2026.1"]
    data = json.loads((root / "versions.json").read_text(encoding="utf-8"))
    assert data[0]["aliases"] == ["latest"] and data[0]["title"] == "v2026.2"
    assert tree_digest(root / "latest") == tree_digest(root / "v2026.2")
    assert 'url=latest/"' in (root / "index.html").read_text(encoding="utf-8")
    assert NEW_SENTENCE not in page_text(root / "v2026.1" / "stages" / "01-contracting" / "index.html")
    assert NEW_SENTENCE in page_text(root / "v2026.2" / "stages" / "01-contracting" / "index.html")
    # Each version knows its own address and shows Material's version selector.
    html = (root / "v2026.1" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="http://localhost/handbook/v2026.1/">' in html
    soup = BeautifulSoup(html, "html.parser")
    config = json.loads(soup.find(id="__config").get_text())
    assert config["version"] == {"provider": "mike", "default": "latest"}
    sitemap = (root / "v2026.1" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>http://localhost/handbook/v2026.1/stages/01-contracting/</loc>" in sitemap
    assert "lastmod" not in sitemap
    listed = run_coachbook(repo, "versions", "--handbook", check=True)
    assert "v2026.2" in listed.stdout and "[latest]" in listed.stdout and "(from v2026.1)" in listed.stdout


def test_a_handbook_version_is_immutable_and_can_be_unpublished(repo: Path) -> None:
    run_coachbook(repo, "publish", "--handbook", "--ref", "v2026.1", "--as-of", AS_OF, check=True)
    again = run_coachbook(repo, "publish", "--handbook", "--ref", "v2026.1", "--as-of", AS_OF)
    assert again.returncode == 1 and "already published" in again.stderr
    run_coachbook(repo, "publish", "--handbook", "--version", "draft", "--as-of", AS_OF, check=True)
    done = run_coachbook(repo, "unpublish", "--handbook", "draft", "--yes")
    assert done.returncode == 0, done.stderr
    root = repo / "published" / "handbook"
    assert not (root / "draft").exists()
    assert tree_digest(root / "latest") == tree_digest(root / "v2026.1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("publish",), "name a client (coachbook publish SLUG) or pass --handbook, not both"),
        (("publish", SLUG, "--handbook"), "name a client (coachbook publish SLUG) or pass --handbook, not both"),
        (("versions",), "name a client (coachbook versions SLUG) or pass --handbook, not both"),
        (("unpublish", "--handbook", "a", "b"), "usage: coachbook unpublish SLUG VERSION"),
        (("unpublish", "--handbook", "nope", "--yes"), "the handbook has no published version 'nope'"),
    ],
)
def test_handbook_commands_refuse_bad_arguments(repo: Path, args: tuple[str, ...], message: str) -> None:
    done = run_coachbook(repo, *args)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr


# --------------------------------------------------------------------------- snapshot from git


def test_a_lost_snapshot_is_read_back_from_git(repo: Path) -> None:
    run_coachbook(repo, "publish", SLUG, "--as-of", AS_OF, "--version", "first", check=True)
    entry = json.loads((client_root(repo) / "versions.json").read_text(encoding="utf-8"))[0]
    assert entry["properties"]["commit"] == git(repo, "rev-parse", "HEAD")
    # The snapshot is gone (published on another computer); the engagement moves on and is committed.
    shutil.rmtree(repo / ".coachbook" / "snapshots")
    engagement = repo / "engagements" / f"{SLUG}.yml"
    engagement.write_text(engagement.read_text(encoding="utf-8").replace(NEW_ACTION, "Charter for incident reviews"))
    git(repo, "commit", "-q", "-am", "Reworded action")
    run_coachbook(repo, "publish", SLUG, "--as-of", "2026-12-01", "--version", "second", check=True)
    changed = page_text(client_root(repo) / "second" / "changes" / "index.html")
    assert "made on another computer" not in changed
    assert "Charter for incident reviews" in changed


def test_a_version_from_a_changed_working_tree_records_no_commit(repo: Path) -> None:
    add_action(repo / "engagements" / f"{SLUG}.yml", "Not committed yet")
    run_coachbook(repo, "publish", SLUG, "--as-of", AS_OF, "--version", "first", check=True)
    entry = json.loads((client_root(repo) / "versions.json").read_text(encoding="utf-8"))[0]
    assert entry["properties"] == {"as_of": AS_OF}
    shutil.rmtree(repo / ".coachbook" / "snapshots")
    run_coachbook(repo, "publish", SLUG, "--as-of", "2026-12-01", "--version", "second", check=True)
    assert "made on another computer" in page_text(client_root(repo) / "second" / "changes" / "index.html")


# --------------------------------------------------------------------------- deployment (docs/deploying.md)


def test_a_pages_branch_worktree_keeps_every_published_version(repo: Path) -> None:
    git(repo, "switch", "-q", "--orphan", "gh-pages")
    git(repo, "commit", "-q", "--allow-empty", "-m", "Published sites")
    git(repo, "switch", "-q", "main")
    git(repo, "worktree", "add", "-q", "published", "gh-pages")
    for as_of, version in ((AS_OF, "first"), ("2026-12-01", "second")):
        run_coachbook(repo, "publish", SLUG, "--as-of", as_of, "--version", version, check=True)
        git(repo / "published", "add", "-A")
        git(repo / "published", "commit", "-q", "-m", f"Publish {version}")
    on_pages = git(repo, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    for path in ("first/index.html", "second/changes/index.html", "latest/index.html", "versions.json", "index.html"):
        assert f"clients/{SLUG}/{path}" in on_pages
    assert not any(".staging" in path for path in on_pages)
    assert not any(path.startswith("published/") for path in git(repo, "ls-tree", "-r", "--name-only", "main").split())
    versions = json.loads(git(repo, "show", f"gh-pages:clients/{SLUG}/versions.json"))
    assert [v["version"] for v in versions] == ["second", "first"]
    audit = run_coachbook(repo, "audit", "--site-dir", "published")
    assert audit.returncode == 0, audit.stdout + audit.stderr
