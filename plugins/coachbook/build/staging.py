"""Writing sites so that a reader never sees a half-built or leaking one.

Each site is built into a staging folder beside its destination, audited,
and only then swapped into place. If anything fails, the staging folder is
deleted and the previous site stays exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path

__all__ = ["STAGING", "discard", "remove_site", "staging_dir", "swap_in"]

#: Staging and retired folders live here, inside the output root, so renames stay on one filesystem.
STAGING = ".staging"


def staging_dir(site_root: Path, name: str) -> Path:
    """A fresh, empty folder to build one site into."""
    path = site_root / STAGING / f"{name.replace('/', '-')}-{uuid.uuid4().hex[:12]}"
    path.mkdir(parents=True)
    return path


def swap_in(staged: Path, target: Path) -> None:
    """Put a finished site at `target`, replacing any previous one.

    The old site is renamed aside first and deleted only once the new one is
    in place; if the second rename fails, the old site is put back.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    retired = None
    if target.exists():
        retired = staged.parent / f"{staged.name}.old"
        os.rename(target, retired)
    try:
        os.rename(staged, target)
    except OSError:
        if retired is not None:
            os.rename(retired, target)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
    _remove_if_empty(staged.parent)


def _remove_if_empty(folder: Path) -> None:
    # Another site may still be staging there; then the folder stays.
    with contextlib.suppress(OSError):
        folder.rmdir()


def discard(path: Path) -> None:
    """Delete a staging folder and, when it is empty, the staging area."""
    shutil.rmtree(path, ignore_errors=True)
    _remove_if_empty(path.parent)


def remove_site(target: Path) -> None:
    """Remove a site whose engagement no longer exists."""
    shutil.rmtree(target, ignore_errors=True)
