"""A client's right to their data: `coachbook export` gives them everything they may see, and `coachbook forget`
leaves no trace of them in anything Coachbook wrote."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from coachbook.audit.normalise import normalise
from coachbook.core.loader import Project, load_firm
from coachbook.core.model import Engagement
from coachbook.core.visibility import client_view, held_back

from .conftest import AS_OF, run_coachbook

SLUG = "dana-whitfield"


def _load(firm: Path) -> Engagement:
    return load_firm(Project(firm, firm / "content", firm / "engagements")).engagements[SLUG].engagement


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?;:])\s+|\n+", text)
    return [normalise(p.strip(" .\"'*-")) for p in parts if len(p.split()) >= 4]


# --------------------------------------------------------------------------- export


@pytest.mark.slow
def test_export_holds_what_the_client_may_see_and_nothing_else(firm: Path) -> None:
    (firm / ".gitignore").write_text("/secrets/\n", encoding="utf-8")
    run_coachbook(firm, "publish", SLUG, "--as-of", AS_OF, check=True)
    done = run_coachbook(firm, "export", SLUG, "--as-of", AS_OF, check=True)
    assert "1 published version(s)" in done.stdout
    archive = firm / "exports" / f"{SLUG}-data.zip"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        data = {name: z.read(name) for name in names}
    prefix = f"{SLUG}-data/"
    assert all(name.startswith(prefix) for name in names)
    for part in ("README.txt", "engagement.yml", "engagement.json", "calendar.ics", "site/index.html"):
        assert prefix + part in names, part
    assert prefix + "published/versions.json" in names
    assert prefix + "published/2026-11-24-implementation/index.html" in names
    engagement = _load(firm)
    view = client_view(engagement).model_dump(mode="json", exclude_none=True)
    assert json.loads(data[prefix + "engagement.json"]) == view
    assert yaml.safe_load(data[prefix + "engagement.yml"]) == view
    events = list(Calendar.from_ical(data[prefix + "calendar.ics"]).walk("VEVENT"))
    assert any(str(e["SUMMARY"]) == "Coaching session: Your 360 feedback" for e in events)
    # The site works opened from disk: links name .html files.
    assert b'href="goals.html"' in data[prefix + "site/index.html"]
    # Nothing held back by the coach-only rule, in any file.
    everything = normalise(" ".join(content.decode("utf-8", errors="replace") for content in data.values()))
    for secret in held_back(engagement):
        for sentence in _sentences(secret.text):
            assert sentence not in everything, (secret.field, sentence)
    # The same data gives the same archive; an existing one is replaced only when asked.
    again = run_coachbook(firm, "export", SLUG, "--as-of", AS_OF)
    assert again.returncode == 1 and "already exists; pass --force" in again.stderr
    before = archive.read_bytes()
    run_coachbook(firm, "export", SLUG, "--as-of", AS_OF, "--force", check=True)
    assert archive.read_bytes() == before


def test_export_refuses_to_write_where_it_would_be_served(firm: Path) -> None:
    done = run_coachbook(firm, "export", SLUG, "-o", "site/dana.zip")
    assert done.returncode == 1 and "refusing to write a client's data into site/" in done.stderr


# --------------------------------------------------------------------------- forget


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) of every file, and of every member of every zip and .gz, as the audit would read them."""
    raw = path.read_bytes()
    if path.suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            for name in z.namelist():
                yield f"{path}!{name}", z.read(name).decode("utf-8", errors="replace")
        return
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", errors="replace")
    if path.suffix == ".json":
        # JSON escapes (\u00e9, \") are decoded the way the audit decodes them.
        with contextlib.suppress(ValueError):
            text += " " + json.dumps(json.loads(text), ensure_ascii=False)
    yield str(path), text


def _every_file(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts)


def _traces(root: Path, needles: list[str]) -> list[str]:
    found = []
    for path in _every_file(root):
        for where, text in _texts(path):
            plain = text.casefold()
            normal = normalise(text)
            found += [f"{where}: {n!r}" for n in needles if n.casefold() in plain or normalise(n) in normal]
    return found


@pytest.mark.slow
def test_forget_leaves_no_trace_of_the_client(firm: Path) -> None:
    (firm / ".gitignore").write_text("/secrets/\n", encoding="utf-8")
    engagement = _load(firm)
    # Every copy Coachbook can make: sites, a published version and its snapshot, secrets, a bundle, an export.
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    run_coachbook(firm, "publish", SLUG, "--as-of", AS_OF, check=True)
    for args in (
        ("passphrase", SLUG),
        ("passphrase", SLUG, "--sponsor"),
        ("passwd", SLUG),
        ("passwd", SLUG, "--sponsor"),
        ("passwd", "--console"),
        ("bundle", SLUG, "--as-of", AS_OF),
        ("export", SLUG, "--as-of", AS_OF),
        ("build", "--as-of", AS_OF),
    ):
        run_coachbook(firm, *args, check=True)
    # What is theirs: their name and contacts, and every sentence of their file no other file of the firm holds.
    others = " ".join(
        normalise(p.read_text(encoding="utf-8"))
        for p in [*(firm / "engagements").glob("*.yml"), *(firm / "content").rglob("*")]
        if p.is_file() and p.name != f"{SLUG}.yml"
    )
    identity = [engagement.client.name, engagement.client.email or "", engagement.client.phone or ""]
    prose = sorted(
        {s for s in _sentences((firm / "engagements" / f"{SLUG}.yml").read_text("utf-8")) if s not in others}
    )
    needles = [n for n in identity if n] + prose
    assert len(prose) > 200
    # The console links the published version (by its folder: the sample firm sets no site_url).
    console_page = (firm / "site" / "firm" / "engagements" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "2026-11-24-implementation (latest)" in console_page
    assert "published/clients/dana-whitfield/2026-11-24-implementation/" in console_page
    before = _traces(firm, [engagement.client.name])
    for place in ("site/clients", "site/sponsors", "site/firm", "published", ".coachbook", "bundles", "exports"):
        assert any(f"/{place}/" in hit for hit in before), place

    done = run_coachbook(firm, "forget", SLUG, "--yes", check=True)
    assert "Removed" in done.stdout and "Coachbook could not remove these" in done.stdout

    assert _traces(firm, needles) == []
    # Everyone else is untouched, and the next build remakes the console without them.
    assert (firm / "site" / "clients" / "kwame-asante" / "index.html").is_file()
    assert (firm / "secrets" / "htpasswd" / "firm--console.htpasswd").is_file()
    rebuilt = run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert "No cohort report for Halden Logistics: it has 4 engagement(s)" in rebuilt.stderr
    assert (firm / "site" / "firm" / "index.html").is_file()
    assert _traces(firm, needles) == []


def test_forget_asks_first_and_says_what_git_still_holds(firm: Path) -> None:
    git = ["git", "-C", str(firm), "-c", "user.name=Coach", "-c", "user.email=coach@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "engagements", "mkdocs.yml"], check=True)
    subprocess.run([*git, "commit", "-qm", "The firm"], check=True)
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG, check=True)
    declined = subprocess.run(
        [sys.executable, "-m", "coachbook", "forget", SLUG],
        cwd=firm,
        input="n\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert declined.returncode == 1 and "nothing was removed" in declined.stderr
    assert (firm / "engagements" / f"{SLUG}.yml").is_file()
    done = run_coachbook(firm, "forget", SLUG, "--yes", check=True)
    assert f"engagements/{SLUG}.yml is still in 1 commit(s)" in done.stdout
    assert f"git filter-repo --invert-paths --path engagements/{SLUG}.yml" in done.stdout
    assert "delete clients/dana-whitfield/, sponsors/dana-whitfield/ wherever site/ is deployed" in done.stdout
    again = run_coachbook(firm, "forget", SLUG, "--yes", check=True)
    assert f"Coachbook holds nothing of {SLUG!r} here." in again.stdout


@pytest.mark.parametrize("slug", ["../mkdocs", "Dana"])
def test_forget_refuses_what_is_not_a_slug(firm: Path, slug: str) -> None:
    done = run_coachbook(firm, "forget", slug, "--yes")
    assert done.returncode == 1 and "is not a client's slug" in done.stderr
    assert (firm / "mkdocs.yml").is_file()
