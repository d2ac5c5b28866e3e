"""Read the firm's files as they were at a git ref: for reproducible versions and pinned handbooks.

Coachbook never checks anything out in the coach's working tree. A ref is
resolved to its commit, and the files are exported with `git archive` into a
folder of their own: the whole project for `coachbook publish --ref`, or just
the content folder for an engagement that pins its handbook. Exports of the
content folder are cached under `.coachbook/handbooks/<commit>/`, because a
commit never changes and many clients usually pin the same one.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from coachbook.core.fields import GIT_REF_PATTERN
from coachbook.core.loader import RefProblem

__all__ = [
    "CACHE",
    "GitRefError",
    "Source",
    "check_ref",
    "commits_touching",
    "export_content",
    "export_project",
    "file_at",
    "resolve_commit",
    "unchanged_since_head",
]

#: Coachbook's git-ignored working folder, beside `mkdocs.yml`.
CACHE = Path(".coachbook")
#: What a ref may look like: branch and tag names, commit ids, `HEAD~2`. Never an option (`-x`).
_REF = re.compile(GIT_REF_PATTERN)


class GitRefError(RefProblem):
    """A ref that is malformed, unknown, or cannot be read."""


@dataclass(frozen=True)
class Source:
    """Where a version's files came from: recorded in `versions.json` so anyone can rebuild it."""

    ref: str
    commit: str


def check_ref(ref: str) -> str:
    """Return `ref` if it is shaped like a git ref; the check keeps it from being read as an option.

    Raises:
        GitRefError: It is empty, starts with `-`, or has spaces or other characters refs cannot hold.
    """
    if not _REF.fullmatch(ref) or ".." in ref:
        raise GitRefError(
            f"{ref!r} is not a git ref", "name a tag, a branch or a commit, such as v2026.1, main or 3f2c1ab"
        )
    return ref


def _git(repository: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(repository), *args],
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise GitRefError("git is not installed", "install git to build from a ref") from None


def resolve_commit(repository: Path, ref: str) -> str:
    """The full id of the commit `ref` names.

    Raises:
        GitRefError: The folder is not in a git repository, or no commit has that name.
    """
    check_ref(ref)
    inside = _git(repository, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0:
        raise GitRefError(
            f"{repository} is not in a git repository, so {ref!r} cannot be read", "commit the firm first"
        )
    done = _git(repository, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise GitRefError(f"no tag, branch or commit is named {ref!r}", "`git tag` and `git branch` list them")
    return done.stdout.decode().strip()


def _prefix(repository: Path, folder: Path) -> str:
    """`folder`'s path inside the repository, with a trailing slash, or "" at the top."""
    top = _git(repository, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise GitRefError(f"{repository} is not in a git repository")
    base = Path(top.stdout.decode().strip()).resolve()
    try:
        inner = folder.resolve().relative_to(base)
    except ValueError:
        raise GitRefError(f"{folder} is outside the git repository at {base}") from None
    return "" if inner == Path(".") else inner.as_posix() + "/"


def _export(repository: Path, commit: str, folder: Path, dest: Path) -> None:
    """Write `folder` as it was at `commit` into the new folder `dest`."""
    prefix = _prefix(repository, folder)
    tree = f"{commit}:{prefix.rstrip('/')}" if prefix else commit
    done = _git(repository, "archive", "--format=tar", tree)
    if done.returncode != 0:
        shown = prefix.rstrip("/") or "the project"
        raise GitRefError(f"{shown} does not exist at commit {commit[:12]}")
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        # The data filter refuses absolute paths, `..` and links that point out of dest.
        archive.extractall(dest, filter="data")


def export_project(repository: Path, root: Path, commit: str, dest: Path) -> Path:
    """Export the project folder `root` at `commit` into `dest` (which must not exist); return it."""
    _export(repository, commit, root, dest)
    return dest


def export_content(repository: Path, content_dir: Path, commit: str) -> Path:
    """The content folder `content_dir` as it was at `commit`, exported once into the cache and reused.

    The cache is `.coachbook/handbooks/<commit>/` in `repository`, the project's working tree.

    Raises:
        GitRefError: The content folder did not exist at that commit.
    """
    target = repository / CACHE / "handbooks" / commit
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.parent / f".{commit}-{uuid.uuid4().hex[:8]}"
    try:
        _export(repository, commit, content_dir, staged)
        try:
            os.rename(staged, target)
        except OSError:
            # Another build exported the same commit first; theirs is identical.
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return target


def file_at(repository: Path, commit: str, path: Path) -> bytes | None:
    """The bytes of `path` at `commit`, or None if it did not exist then."""
    try:
        prefix = _prefix(repository, path.parent)
    except GitRefError:
        return None
    done = _git(repository, "show", f"{commit}:{prefix}{path.name}")
    return done.stdout if done.returncode == 0 else None


def unchanged_since_head(repository: Path, path: Path) -> str | None:
    """The HEAD commit if `path` is committed there and unchanged since, else None.

    A version published from the working tree records this commit, so its
    engagement can be read back from git if its snapshot is ever lost.
    """
    head = _git(repository, "rev-parse", "--verify", "--quiet", "HEAD")
    if head.returncode != 0:
        return None
    listed = _git(repository, "ls-files", "--error-unmatch", "--", str(path))
    changed = _git(repository, "diff", "--quiet", "HEAD", "--", str(path))
    if listed.returncode != 0 or changed.returncode != 0:
        return None
    return head.stdout.decode().strip()


def commits_touching(repository: Path, path: Path) -> list[str]:
    """The commits, on any branch or tag, that hold `path` or changed it: where git still has a deleted file.

    Empty outside a git repository, or without git.
    """
    try:
        done = _git(repository, "log", "--all", "--format=%h", "--", str(path))
    except GitRefError:
        return []
    return done.stdout.decode().split() if done.returncode == 0 else []
