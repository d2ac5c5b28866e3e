"""`coachbook publish`: build one client's site as a new, immutable version in the published tree.

The order of the steps is what makes a publish safe to interrupt:

1. the version is built and audited in a staging folder, then renamed into
   `clients/<address>/<version>/` (an unlisted folder, harmless if we stop here);
2. the client view it was built from is kept as a snapshot, for the next
   version's "What changed" page;
3. `latest/` is replaced by a copy of the new version, swapped in whole;
4. `versions.json` and the redirecting `index.html` are replaced atomically.

Killed at any point, every earlier version and `versions.json` are intact.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from coachbook.builder import SiteTarget, build_one
from coachbook.errors import CoachbookError
from coachbook.loader import Firm
from coachbook.output import discard, staging_dir, swap_in
from coachbook.placeholders import human_date
from coachbook.progress import compute_progress
from coachbook.versions import (
    LATEST,
    Version,
    check_version_name,
    default_version_name,
    publishing,
    read_versions,
    redirect_page,
    require_version,
    versions_json,
    without_version,
    write_atomic,
    write_snapshot,
)
from coachbook.visibility import client_view

__all__ = ["PublishResult", "client_root", "publish", "snapshot_path", "unpublish"]

#: Where snapshots are kept: beside the project, never inside the served tree, because an
#: encrypted site's snapshot would otherwise sit next to it in plaintext.
SNAPSHOTS = Path(".coachbook") / "snapshots"


@dataclass(frozen=True)
class PublishResult:
    """What `publish` did, for the command to report."""

    version: str
    path: Path
    latest: bool
    previous: str | None


def client_root(published: Path, address: str) -> Path:
    return published / "clients" / address


def snapshot_path(root: Path, address: str, version: str) -> Path:
    return root / SNAPSHOTS / address / f"{version}.json"


def publish(
    config_file: Path,
    firm: Firm,
    slug: str,
    *,
    published: Path,
    as_of: dt.date,
    name: str | None = None,
    title: str | None = None,
    force: bool = False,
    base_url: str = "http://localhost/",
) -> PublishResult:
    """Build and publish a new version of `slug`'s site.

    Raises:
        CoachbookError: The name is unusable or taken (without `force`), or the build failed.
    """
    loaded = firm.engagements[slug]
    view = client_view(loaded.engagement)
    progress = compute_progress(view, loaded.program, as_of)
    current = progress.current.stage.id if progress.current else None
    name = check_version_name(default_version_name(as_of, current) if name is None else name)
    root = client_root(published, loaded.address)
    versions = read_versions(root / "versions.json")
    if any(v.name == name for v in versions) and not force:
        raise CoachbookError(
            f"version {name!r} of {slug} is already published and versions are immutable; "
            "choose another name with --version, or pass --force to replace it"
        )
    previous = next((v for v in versions if v.name != name), None)
    options: dict[str, object] = {"version": name}
    if previous is not None:
        options["changes_from"] = str(snapshot_path(firm.project.root, loaded.address, previous.name))
        options["changes_title"] = previous.title
    site_url = f"{base_url.rstrip('/')}/clients/{loaded.address}/{name}/"
    result = build_one(
        config_file,
        SiteTarget(slug, slug, root / name),
        published,
        as_of=as_of,
        options=options,
        site_url=site_url,
    )
    if not result.ok:
        raise CoachbookError(f"{slug}: version {name!r} was not published: {result.error}")

    stage_title = progress.current.stage.title if progress.current else None
    title = title or human_date(as_of) + (f" · {stage_title}" if stage_title else "")
    write_snapshot(snapshot_path(firm.project.root, loaded.address, name), view, as_of, title)
    entry = Version(name, title, properties={"as_of": as_of.isoformat()})
    updated = publishing(versions, entry)
    is_latest = LATEST in updated[0].aliases and updated[0].name == name
    if is_latest:
        _replace_alias(published, root, name)
    write_atomic(root / "versions.json", versions_json(updated))
    write_atomic(root / "index.html", redirect_page(f"{LATEST}/"))
    return PublishResult(name, root / name, is_latest, previous.name if previous else None)


def unpublish(firm: Firm, slug: str, version: str, *, published: Path) -> list[Version]:
    """Remove one version; if it was the latest, `latest/` moves to the next newest.

    Raises:
        CoachbookError: No such version.
    """
    loaded = firm.engagements[slug]
    root = client_root(published, loaded.address)
    versions = read_versions(root / "versions.json")
    require_version(versions, version, slug)
    remaining = without_version(versions, version)
    if remaining:
        _replace_alias(published, root, remaining[0].name)
        write_atomic(root / "versions.json", versions_json(remaining))
    else:
        write_atomic(root / "versions.json", versions_json([]))
        shutil.rmtree(root / LATEST, ignore_errors=True)
        (root / "index.html").unlink(missing_ok=True)
    shutil.rmtree(root / version, ignore_errors=True)
    snapshot_path(firm.project.root, loaded.address, version).unlink(missing_ok=True)
    return remaining


def _replace_alias(published: Path, root: Path, version: str) -> None:
    """Make `latest/` a full copy of `version`: symlinks break on object stores, redirects break deep links."""
    staged = staging_dir(published, f"{root.name}-{LATEST}")
    try:
        shutil.copytree(root / version, staged, dirs_exist_ok=True)
        swap_in(staged, root / LATEST)
    except BaseException:
        discard(staged)
        raise
