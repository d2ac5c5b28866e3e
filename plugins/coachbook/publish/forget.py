"""A client's right to erasure: every copy Coachbook made of them, found and removed.

Coachbook copies an engagement into many places, each for a reason: the
built site and sponsor site, the console and the cohort report that count
them, published versions and their list, snapshots for "What changed",
bundles and exports, the build's cache of their audit strings, passphrases
and password files. `coachbook forget SLUG` finds each (`forget_plan`, which
only looks), removes them under the project's lock (`forget`), and says what
it could not remove, with the commands to do so (`leftovers`): git history,
and copies already deployed or handed out.

Where a copy lives is derived from the same functions that made it (the
site targets, `client_root`, `snapshot_path`, `passphrase_file`,
`htpasswd_file`), so a new kind of copy is a new line here, and the forget
test, which scans every file the project holds afterwards, fails until it is.

Caches that hold every client's strings together (the build state, with its
audit strings and the theme assets' search results) are removed whole: they
only save time. The console and the organisation's cohort report are removed
too, since they count the client, and rebuilt without them by the next
`coachbook build`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from coachbook.access.passphrases import passphrase_file
from coachbook.access.passwords import htpasswd_file
from coachbook.access.secret_owners import owner_file
from coachbook.audit.records import CACHE_FILE, CACHE_VERSION, EngagementRecord
from coachbook.build.mkdocs_patches import CONVERSIONS
from coachbook.build.staging import clean_leftovers, remove_site
from coachbook.build.targets import client_target, sponsor_target
from coachbook.core.files import remove_tree
from coachbook.core.firm_sites import COHORTS_FOLDER, CONSOLE_FOLDER
from coachbook.core.lock import Holder, RunLock
from coachbook.core.project import Project
from coachbook.core.sponsor import sponsor_key
from coachbook.publish.export import default_export_path
from coachbook.publish.publisher import SNAPSHOTS, client_root
from coachbook.refs.git import CACHE, commits_touching

__all__ = ["Copy", "ForgetPlan", "forget", "forget_plan", "former_copies", "known_addresses", "leftovers"]

#: The build state's folder, and the pinned handbooks' export cache, in Coachbook's working folder.
_BUILDS = "builds"
_HANDBOOKS = "handbooks"


@dataclass(frozen=True)
class Copy:
    """One thing Coachbook made that holds something of the client."""

    path: Path
    what: str
    """What it is, for the list the command prints."""
    served: Path | None = None
    """The tree it is served from (`site/`, `published/`): it is moved out of it in one step, then deleted."""
    shared: bool = False
    """A cache or firm site that holds every client's data, not a copy of this client's alone."""


@dataclass(frozen=True)
class ForgetPlan:
    """Everything to remove for one client: only what exists."""

    slug: str
    addresses: tuple[str, ...]
    """Every address their sites had: the slug, and the `site.id` if they had one."""
    copies: tuple[Copy, ...]


def known_addresses(project: Project, slug: str) -> tuple[set[str], set[str]]:
    """The addresses and organisations the record cache remembers for `slug`, for when its file is gone."""
    addresses, organisations = {slug}, set()
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
        data = json.loads((project.work_dir / CACHE_FILE).read_text(encoding="utf-8"))
        if data.get("version") == CACHE_VERSION and slug in data["records"]:
            record = EngagementRecord.from_json(data["records"][slug])
            addresses.add(record.address)
            if record.organisation:
                organisations.add(record.organisation)
    return addresses, organisations


def forget_plan(
    project: Project,
    slug: str,
    *,
    addresses: Iterable[str],
    site_root: Path,
    htpasswd_dir: Path,
    cohorts: Iterable[str] = (),
) -> ForgetPlan:
    """What `forget` would remove for `slug`: every copy that exists now.

    Arguments:
        project: Where the firm's files are.
        slug: The client's slug.
        addresses: Every address their sites had (the slug, their `site.id`).
        site_root: The built sites (`site/`).
        htpasswd_dir: Where the sites' password files are.
        cohorts: The addresses of cohort reports that count them (their organisation's).
    """
    places = sorted(set(addresses) | {slug})
    candidates: list[Copy] = [Copy(project.engagements_dir / f"{slug}.yml", "the engagement file")]
    for address in places:
        candidates += [
            Copy(client_target(site_root, slug, address).dest, "their site", site_root),
            Copy(sponsor_target(site_root, slug, address).dest, "their sponsor's site", site_root),
            Copy(
                client_root(project.published, address), "their published versions and versions.json", project.published
            ),
            Copy(project.git / SNAPSHOTS / address, "the snapshots of their published versions"),
            Copy(htpasswd_file(htpasswd_dir, address), "the password file of their site"),
            Copy(htpasswd_file(htpasswd_dir, sponsor_key(address)), "the password file of their sponsor's site"),
            Copy(owner_file(project.secrets, htpasswd_file(htpasswd_dir, address)), "whose their password file is"),
            Copy(
                owner_file(project.secrets, htpasswd_file(htpasswd_dir, sponsor_key(address))),
                "whose their sponsor's password file is",
            ),
        ]
    candidates += [
        Copy(
            site_root / CONSOLE_FOLDER,
            "the coaches' console, which lists them (the next build remakes it)",
            site_root,
            shared=True,
        ),
        *(
            Copy(
                site_root / COHORTS_FOLDER / a,
                "the cohort report that counts them (the next build remakes it)",
                site_root,
                shared=True,
            )
            for a in sorted(set(cohorts))
        ),
        Copy(passphrase_file(project.secrets, slug), "the passphrase of their site"),
        Copy(passphrase_file(project.secrets, sponsor_key(slug)), "the passphrase of their sponsor's site"),
        Copy(owner_file(project.secrets, passphrase_file(project.secrets, slug)), "whose their passphrase is"),
        Copy(
            owner_file(project.secrets, passphrase_file(project.secrets, sponsor_key(slug))),
            "whose their sponsor's passphrase is",
        ),
        Copy(project.root / "bundles" / f"{slug}-handbook.zip", "their graduation bundle"),
        Copy(default_export_path(project.root, slug), "their data export"),
        Copy(project.work_dir / _BUILDS, "the build cache, which holds every client's audit strings", shared=True),
        Copy(
            project.work_dir / CACHE_FILE,
            "the record cache of every engagement, which holds their audit strings",
            shared=True,
        ),
        Copy(
            project.work_dir / CONVERSIONS,
            "the build's converted pages, which hold the shape of their pages",
            shared=True,
        ),
        Copy(project.git / CACHE / _HANDBOOKS, "the cache of pinned handbooks", shared=True),
    ]
    seen: set[Path] = set()
    copies = []
    for copy in candidates:
        if copy.path in seen or not (copy.path.exists() or copy.path.is_symlink()):
            continue
        seen.add(copy.path)
        copies.append(copy)
    return ForgetPlan(slug, tuple(places), tuple(copies))


def former_copies(project: Project, slug: str) -> list[Copy]:
    """What a client who had `slug` before left of their own (published versions, passphrases, a built site).

    A new client given the slug would take these over: their versions, their "What changed" and their passwords.
    """
    addresses, _ = known_addresses(project, slug)
    plan = forget_plan(
        project,
        slug,
        addresses=addresses,
        site_root=project.root / "site",
        htpasswd_dir=project.secrets / "htpasswd",
    )
    return [copy for copy in plan.copies if not copy.shared]


def forget(
    project: Project,
    plan: ForgetPlan,
    site_root: Path,
    *,
    wait: bool = True,
    waiting: Callable[[Holder | None], None] | None = None,
) -> list[Copy]:
    """Remove every copy in `plan`, holding the project's lock; a served folder leaves its tree in one step.

    Returns:
        The copies removed.

    Raises:
        OSError: A copy could not be removed (a read-only folder); those before it are gone.
    """
    removed = []
    # The lock's holder record names the command only: it must not name the client either.
    with RunLock(project.work_dir, "coachbook forget", wait=wait, waiting=waiting):
        # What a dead run left half-built may hold a copy too.
        clean_leftovers(site_root)
        clean_leftovers(project.published)
        for copy in plan.copies:
            if copy.served is not None and copy.path.is_dir() and not copy.path.is_symlink():
                remove_site(copy.path, copy.served)
            elif copy.path.is_dir() and not copy.path.is_symlink():
                remove_tree(copy.path)
            else:
                copy.path.unlink(missing_ok=True)
            removed.append(copy)
    return removed


def leftovers(project: Project, plan: ForgetPlan) -> list[str]:
    """What Coachbook could not remove, each with what to do about it, as lines to print."""
    slug = plan.slug
    engagement = project.engagements_dir / f"{slug}.yml"
    try:
        shown = engagement.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        shown = str(engagement)
    lines = []
    commits = commits_touching(project.git, engagement)
    if commits:
        lines += [
            f"git history: {shown} is still in {len(commits)} commit(s). Remove it from history too, then have",
            "  everyone who cloned the repository clone it again:",
            f"    git rm --cached --quiet --ignore-unmatch {shown} && git commit -m 'Remove an engagement'",
            f"    git filter-repo --invert-paths --path {shown}",
            "    git push --force --all && git push --force --tags",
        ]
    sites = " and ".join(f"clients/{a}/, sponsors/{a}/" for a in plan.addresses)
    versions = " and ".join(f"clients/{a}/" for a in plan.addresses)
    lines += [
        f"Deployed sites: delete {sites} wherever site/ is deployed, then run `coachbook build` and",
        "  deploy the console and cohort reports again (an rsync deploy does both: rsync -a --delete site/ HOST:DIR/).",
        f"Deployed versions: delete {versions} wherever published/ is deployed (a gh-pages worktree:",
        "  git -C published add -A && git -C published commit -m 'Remove an engagement' && git -C published push).",
        "Hosting: run `coachbook hosting -o YOUR-CONFIG` again and reload nginx, so that their locations are gone;",
        "  remove their password files too if you keep them outside secrets/.",
        "Elsewhere: bundles or exports written with --output, logs written by `coachbook hours`, anything sent to",
        "  the client or their sponsor, and backups are beyond Coachbook's reach.",
    ]
    return lines
