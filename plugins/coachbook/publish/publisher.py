"""`coachbook publish`: build a site as a new, immutable version in the published tree.

A version is built and audited like any site, into staging, and then put in
the tree in the order `coachbook.publish.tree` describes, so a publish killed
at any instant leaves every earlier version, `latest/` and `versions.json`
complete and true. The whole publish holds the project's lock
(`coachbook.core.lock`): two publishes run one after the other, and each reads
`versions.json` afresh under the lock, so neither loses the other's version.
The public handbook is published the same way under `handbook/<version>/`.

A version can be built from the working tree or from a git ref. From a ref,
the whole project (config, guides, engagements, theme) is exported at that
commit into a temporary folder and built there, so the same ref and as-of
date give the same site, byte for byte.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coachbook.build.site_build import build_one
from coachbook.build.staging import clean_leftovers, staging_area
from coachbook.build.state import SiteRecord
from coachbook.build.targets import SiteTarget
from coachbook.core.files import describe_os_error, remove_tree
from coachbook.core.loader import Firm, load_engagement
from coachbook.core.localise import localised_program
from coachbook.core.lock import Holder, RunLock
from coachbook.core.placeholders import human_date
from coachbook.core.progress import compute_progress
from coachbook.core.project import Project
from coachbook.core.site_languages import site_language
from coachbook.core.snapshots import Snapshot, write_snapshot
from coachbook.core.versions import (
    LATEST,
    Version,
    check_version_name,
    default_version_name,
    publishing,
    require_version,
    without_version,
)
from coachbook.core.visibility import client_view
from coachbook.errors import CoachbookError, ProblemList
from coachbook.publish.owners import require_own_versions
from coachbook.publish.tree import VersionTree
from coachbook.refs.git import Source, export_project, file_at, resolve_commit, unchanged_since_head
from coachbook.refs.handbooks import GitHandbooks

__all__ = [
    "HANDBOOK",
    "PublishResult",
    "Release",
    "at_ref",
    "client_root",
    "handbook_root",
    "publish",
    "publish_handbook",
    "require_own",
    "snapshot_path",
    "unpublish",
]

#: Where snapshots are kept: beside the project, never inside the served tree, because an
#: encrypted site's snapshot would otherwise sit next to it in plaintext.
SNAPSHOTS = Path(".coachbook") / "snapshots"
#: The published handbook's folder, beside `clients/`.
HANDBOOK = "handbook"


@dataclass(frozen=True)
class PublishResult:
    """What `publish` did, for the command to report."""

    version: str
    path: Path
    latest: bool
    previous: str | None
    source: Source | None = None


def client_root(published: Path, address: str) -> Path:
    return published / "clients" / address


def handbook_root(published: Path) -> Path:
    return published / HANDBOOK


def snapshot_path(root: Path, address: str, version: str) -> Path:
    return root / SNAPSHOTS / address / f"{version}.json"


@contextlib.contextmanager
def at_ref(project: Project, config_file: Path, ref: str) -> Iterator[tuple[Path, Project, Source]]:
    """The project as it was at `ref`, exported into a temporary folder for as long as the block runs.

    Yields the exported `mkdocs.yml`, a `Project` that reads the exported
    files but publishes, keeps secrets and resolves pinned handbooks in the
    real project, and the ref with its commit.

    Raises:
        GitRefError: The ref is unknown, or the project did not exist at it.
    """
    commit = resolve_commit(project.root, ref)
    try:
        inner = config_file.resolve().relative_to(project.root)
        content = project.content_dir.resolve().relative_to(project.root)
        engagements = project.engagements_dir.resolve().relative_to(project.root)
    except ValueError:
        raise CoachbookError(
            "--ref needs the content and engagements folders inside the folder of mkdocs.yml, so git holds them"
        ) from None
    with tempfile.TemporaryDirectory(prefix="coachbook-ref-") as folder:
        exported = export_project(project.root, project.root, commit, Path(folder) / "project")
        config = exported / inner
        if not config.is_file():
            raise CoachbookError(f"{inner} does not exist at {ref!r} ({commit[:12]}); that commit predates the firm")
        moved = Project(
            root=exported,
            content_dir=exported / content,
            engagements_dir=exported / engagements,
            secrets_dir=project.secrets,
            published_dir=project.published,
            repository=project.root,
        )
        yield config, moved, Source(ref, commit)


@dataclass(frozen=True)
class Release:
    """What a publish is asked for, the same for a client's site and for the handbook."""

    published: Path
    as_of: dt.date
    name: str | None = None
    """The version's name; None for the default."""
    title: str | None = None
    force: bool = False
    """Replace a version already published under this name."""
    base_url: str = "http://localhost/"
    source: Source | None = None
    """The git ref the firm was exported at (see `at_ref`); None for the working tree."""
    wait: bool = True
    """Wait for another run that holds the project's lock; if False, stop at once (`--no-wait`)."""
    waiting: Callable[[Holder | None], None] | None = None
    """Called when this publish has to wait for another run, to say so."""


def publish(config_file: Path, firm: Firm, slug: str, release: Release) -> PublishResult:
    """Build and publish a new version of `slug`'s site.

    Without a `release.source` the working tree is published, and the HEAD
    commit is recorded when the engagement file is committed unchanged there.

    Raises:
        CoachbookError: The name is unusable or taken (without `force`), the build failed, or the tree
            could not be written (the published versions are then as they were).
    """
    published, as_of, title, source = release.published, release.as_of, release.title, release.source
    project = firm.project
    loaded = firm.engagements[slug]
    view = client_view(loaded.engagement)
    progress = compute_progress(view, loaded.program, as_of)
    current = progress.current.stage.id if progress.current else None
    name = release.name
    name = check_version_name(default_version_name(as_of, current) if name is None else name)
    tree = VersionTree(published, client_root(published, loaded.address))
    # The client reads the version's title in their site's selector: their language's date and stage name.
    language = site_language(firm, loaded.engagement.language)
    stage = progress.current.stage if progress.current else None
    program = localised_program(loaded.program, language.tag, project.language)
    stage_title = program.stage(stage.id).title if stage else None
    title = title or human_date(as_of, language) + (f" · {stage_title}" if stage_title else "")
    properties = _properties(as_of, source, project, loaded.source)
    if loaded.engagement.handbook is not None:
        properties["handbook"] = {"ref": loaded.engagement.handbook, "commit": loaded.handbook_commit}
    with _lock(project, release, f"coachbook publish {slug}"):
        versions = _open_for(tree, name, release.force, owner=slug)
        previous = next((v for v in versions if v.name != name), None)
        # Every version's snapshot, rebuilt from git where it can be: for whose versions they are, and for
        # "What changed". A former client's versions, left under a slug now given to someone else, are never
        # theirs to inherit.
        require_own(firm, slug, versions, where=tree.root, doing=f"publishing version {name!r}")
        options: dict[str, Any] = {"version": name, **_paths(project)}
        if previous is not None:
            options["changes_from"] = str(snapshot_path(project.git, loaded.address, previous.name))
            options["changes_title"] = previous.title
        entry = Version(name, title, properties=properties)
        created = _build(config_file, tree, SiteTarget(slug, slug, tree.root / name), release, options, entry)
        try:
            is_latest = _record(
                tree,
                versions,
                entry,
                created,
                before=lambda: write_snapshot(snapshot_path(project.git, loaded.address, name), view, as_of, title),
            )
        except OSError as exc:
            raise CoachbookError(f"{slug}: version {name!r} was not published: {describe_os_error(exc)}") from None
    return PublishResult(name, tree.root / name, is_latest, previous.name if previous else None, source)


def publish_handbook(config_file: Path, firm: Firm, release: Release) -> PublishResult:
    """Publish the public handbook as a version under `handbook/<version>/`, in the same layout as a client's.

    The default name is the ref when it can be one (a tag such as `v2026.1`), else the date.

    Raises:
        CoachbookError: The name is unusable or taken (without `force`), the build failed, or the tree
            could not be written (the published versions are then as they were).
    """
    published, as_of, name, source = release.published, release.as_of, release.name, release.source
    if name is None:
        name = source.ref.lower() if source and _usable(source.ref.lower()) else as_of.isoformat()
    name = check_version_name(name)
    tree = VersionTree(published, handbook_root(published))
    dated = human_date(as_of, site_language(firm))
    title = release.title or (source.ref if source and name == source.ref.lower() else dated)
    properties = _properties(as_of, source, firm.project, None)
    with _lock(firm.project, release, "coachbook publish --handbook"):
        versions = _open_for(tree, name, release.force, owner="the handbook")
        previous = next((v for v in versions if v.name != name), None)
        options = {"version": name, **_paths(firm.project)}
        entry = Version(name, title, properties=properties)
        created = _build(config_file, tree, SiteTarget(HANDBOOK, None, tree.root / name), release, options, entry)
        try:
            is_latest = _record(tree, versions, entry, created)
        except OSError as exc:
            raise CoachbookError(
                f"the handbook: version {name!r} was not published: {describe_os_error(exc)}"
            ) from None
    return PublishResult(name, tree.root / name, is_latest, previous.name if previous else None, source)


@contextlib.contextmanager
def _lock(project: Project, release: Release, command: str) -> Iterator[None]:
    """Hold the project's lock (the real project's, even for a version built from an exported ref).

    While it is held, anything in the published tree's staging area is this run's: it is all removed at
    the end, whether the publish succeeded, failed or was interrupted.
    """
    with RunLock(project.work_dir, command, wait=release.wait, waiting=release.waiting):
        try:
            yield
        finally:
            clean_leftovers(release.published)


def _usable(name: str) -> bool:
    try:
        check_version_name(name)
    except CoachbookError:
        return False
    return True


def _open_for(tree: VersionTree, name: str, force: bool, *, owner: str) -> list[Version]:
    """The versions as they are now, read under the lock, after repairing what an interrupted run left."""
    tree.repair()
    versions = tree.versions()
    if any(v.name == name for v in versions) and not force:
        raise CoachbookError(
            f"version {name!r} of {owner} is already published and versions are immutable; "
            "choose another name with --version, or pass --force to replace it"
        )
    return versions


def _paths(project: Project) -> dict[str, str]:
    """Plugin options that keep a build from an exported ref tied to the real project."""
    if project.repository is None:
        return {}
    return {"repository": str(project.repository), "secrets_dir": str(project.secrets)}


def _properties(
    as_of: dt.date, source: Source | None, project: Project, engagement_file: Path | None
) -> dict[str, Any]:
    """What a version was built from, kept in `versions.json` so anyone can rebuild it."""
    properties: dict[str, Any] = {"as_of": as_of.isoformat()}
    if source is not None:
        properties.update(ref=source.ref, commit=source.commit)
    elif engagement_file is not None:
        commit = unchanged_since_head(project.git, engagement_file)
        if commit is not None:
            properties["commit"] = commit
    return properties


def _build(
    config_file: Path,
    tree: VersionTree,
    target: SiteTarget,
    release: Release,
    options: dict[str, Any],
    entry: Version,
) -> bool:
    """Build the version into its folder (complete, still unlisted); True if the folder is new.

    Raises:
        CoachbookError: The build or its audit failed; nothing was changed.
    """
    published = tree.published
    site_url = f"{release.base_url.rstrip('/')}/{tree.root.relative_to(published).as_posix()}/{entry.name}/"
    mark = SiteRecord(
        fingerprint="published",
        folder=target.dest.relative_to(published).as_posix(),
        needles="",
        as_of=release.as_of.isoformat(),
        version=entry.name,
        title=entry.title,
        properties=entry.properties,
    )
    created = not target.dest.exists()
    result = build_one(
        config_file,
        target,
        published,
        as_of=release.as_of,
        options=options,
        site_url=site_url,
        mark=lambda warned: replace(mark, warned=warned),
    )
    if not result.ok:
        raise CoachbookError(f"{target.name}: version {entry.name!r} was not published: {result.error}")
    return created


def _record(
    tree: VersionTree,
    versions: list[Version],
    entry: Version,
    created: bool,
    before: Callable[[], None] | None = None,
) -> bool:
    """List the new version and point `latest/` at it when it is the newest; True if it is.

    `before` runs first (the snapshot for the next version's "What changed"). If anything fails
    before the list names the version, a version folder this publish created is removed again, so
    no unlisted version is left behind.
    """
    updated = publishing(versions, entry)
    is_latest = LATEST in updated[0].aliases and updated[0].name == entry.name
    try:
        if before is not None:
            before()
        tree.write(updated, refresh=is_latest)
    except OSError:
        # Undo what was done, newest step first, so the tree says what it said before this publish.
        with contextlib.suppress(OSError, CoachbookError):
            if any(v.name == entry.name for v in _listed_now(tree)) and created:
                tree.write(versions)
            if created and not any(v.name == entry.name for v in _listed_now(tree)):
                remove_tree(tree.root / entry.name, trash=staging_area(tree.published))
        raise
    return is_latest


def _listed_now(tree: VersionTree) -> list[Version]:
    try:
        return tree.versions()
    except CoachbookError:
        return []


def require_own(firm: Firm, slug: str, versions: list[Version], *, where: Path, doing: str) -> None:
    """Refuse to go on (`doing`) if any of `versions`, published at `where`, was another client's.

    Each version's snapshot is read for it, a missing one rebuilt from git if it can be (`require_own_versions`).

    Raises:
        CoachbookError: A version was published for someone else.
    """
    for version in versions:
        _previous_snapshot(firm, slug, version)
    loaded = firm.engagements[slug]
    require_own_versions(
        versions,
        snapshot_path(firm.project.git, loaded.address, "-").parent,
        loaded.engagement.client,
        slug=slug,
        where=f"{firm.project.shown(where)}/",
        doing=doing,
    )


def _previous_snapshot(firm: Firm, slug: str, previous: Version) -> Path:
    """The previous version's snapshot; rebuilt from git when it is missing but its commit is known.

    A snapshot lives in the git-ignored `.coachbook/`, so a version published
    on another computer has none here. If that version recorded the commit
    its engagement was committed at, the client view is read back from git.
    """
    project = firm.project
    loaded = firm.engagements[slug]
    path = snapshot_path(project.git, loaded.address, previous.name)
    commit = previous.properties.get("commit")
    if path.is_file() or not isinstance(commit, str):
        return path
    recovered = _snapshot_from_git(firm, slug, commit, previous)
    if recovered is not None:
        write_snapshot(path, recovered.engagement, recovered.as_of, recovered.title)
    return path


def _snapshot_from_git(firm: Firm, slug: str, commit: str, previous: Version) -> Snapshot | None:
    project = firm.project
    loaded = firm.engagements[slug]
    inner = loaded.source.resolve().relative_to(project.root)
    data = file_at(project.git, commit, project.git / inner)
    try:
        as_of = dt.date.fromisoformat(str(previous.properties.get("as_of")))
    except ValueError:
        return None
    if data is None:
        return None
    with tempfile.TemporaryDirectory(prefix="coachbook-snapshot-") as folder:
        copy = Path(folder) / loaded.source.name
        copy.write_bytes(data)
        try:
            old = load_engagement(project, copy, firm.programs, GitHandbooks(project))
        except ProblemList:
            return None
    return Snapshot(client_view(old.engagement), as_of, previous.title)


def former_address(firm: Firm, slug: str, published: Path) -> str | None:
    """The address a client's published versions may still be at, since `coachbook site-id` moved their site.

    A site's address is its slug until it is given an unguessable id, and `site-id` never replaces an id, so
    the only address a client's versions can have been left at is the slug. Published versions carry their
    address inside (links, the sitemap) and are never moved: they stay there until they are unpublished.
    """
    loaded = firm.engagements[slug]
    if loaded.address == slug:
        return None
    old = VersionTree(published, client_root(published, slug))
    return slug if old.versions() or old.folders() else None


def unpublish(
    firm: Firm,
    slug: str | None,
    version: str,
    *,
    published: Path,
    release: Release | None = None,
    address: str | None = None,
) -> list[Version]:
    """Remove one version of a client's site (or of the handbook when `slug` is None), under the project's lock.

    The version is unlisted first (and `latest/` moved to the next newest if it was the latest), then its
    folder removed, so the list never names a folder that is gone. `address` names where the client's
    versions are, when not at their site's address (`former_address`).

    Raises:
        CoachbookError: No such version.
    """
    if slug is None:
        root, owner, address = handbook_root(published), "the handbook", None
    else:
        address = address or firm.engagements[slug].address
        root, owner = client_root(published, address), slug
    tree = VersionTree(published, root)
    wait = release.wait if release else True
    waiting = release.waiting if release else None
    with RunLock(firm.project.work_dir, f"coachbook unpublish {owner}", wait=wait, waiting=waiting):
        tree.clean_staging()
        tree.repair()
        versions = tree.versions()
        require_version(versions, version, owner)
        remaining = without_version(versions, version)
        tree.write(remaining)
        remove_tree(root / version, trash=staging_area(published))
        if address is not None:
            snapshot_path(firm.project.git, address, version).unlink(missing_ok=True)
        tree.clean_staging()
    return remaining


def repair(firm: Firm, slug: str | None, *, published: Path, wait: bool = True) -> list[str]:
    """Repair a site's published versions (`coachbook versions --repair`); what was done, in words."""
    root = handbook_root(published) if slug is None else client_root(published, firm.engagements[slug].address)
    with RunLock(firm.project.work_dir, "coachbook versions --repair", wait=wait):
        return VersionTree(published, root).repair()
