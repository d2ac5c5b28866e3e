"""Writing sites so that a reader never sees a half-built, half-removed or leaking one.

Each site is built into a staging folder, audited, and only then swapped into
place in one step (`coachbook.core.files.replace_dir`). If anything fails, the
staging folder is deleted and the previous site stays exactly as it was.

Staging lives beside the output, never inside it: for `site/` it is
`.site.staging/`, for `published/` `.published.staging/`. So a folder a firm
deploys (or commits to a pages branch) never holds a half-built site, while
renames stay on one filesystem. A run holds the project's lock
(`coachbook.core.lock`), so anything found in a staging area when a run
starts was left by a run that died: `clean_leftovers` removes it.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from pathlib import Path

from coachbook.core.files import remove_tree, replace_dir

__all__ = ["LEGACY_STAGING", "clean_leftovers", "discard", "remove_site", "staging_area", "staging_dir", "swap_in"]

#: Where staging lived inside the output root before it moved beside it; removed wherever it is found.
LEGACY_STAGING = ".staging"


def staging_area(root: Path) -> Path:
    """The staging area of an output root (`site/` → `.site.staging/`), beside it on the same filesystem."""
    return root.parent / f".{root.name}.staging"


def staging_dir(root: Path, name: str) -> Path:
    """A fresh, empty folder to build one site of `root` into."""
    path = staging_area(root) / f"{name.replace('/', '-').replace(' ', '-')}-{uuid.uuid4().hex[:12]}"
    path.mkdir(parents=True)
    return path


def swap_in(staged: Path, target: Path) -> None:
    """Put a finished site at `target` in one step, replacing any previous one, which is then deleted."""
    replace_dir(staged, target, trash=staged.parent)
    _remove_if_empty(staged.parent)


def discard(path: Path) -> None:
    """Delete a staging folder and, when it is empty, the staging area."""
    shutil.rmtree(path, ignore_errors=True)
    _remove_if_empty(path.parent)


def remove_site(target: Path, root: Path) -> None:
    """Take a site offline: moved out of `root` in one step, then deleted, so it never stands half-removed."""
    area = staging_area(root)
    remove_tree(target, trash=area)
    _remove_if_empty(area)


def clean_leftovers(root: Path) -> list[Path]:
    """Remove what runs that died left in `root`'s staging area; the caller holds the project's lock.

    Returns:
        The folders removed.
    """
    removed = []
    for area in (staging_area(root), root / LEGACY_STAGING):
        if area.is_dir():
            removed += sorted(area.iterdir())
            shutil.rmtree(area, ignore_errors=True)
    return removed


def _remove_if_empty(folder: Path) -> None:
    # Another site may still be staging there; then the folder stays.
    with contextlib.suppress(OSError):
        folder.rmdir()
