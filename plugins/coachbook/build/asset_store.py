"""One stored copy of each theme asset, which every site's identical file is hardlinked to.

Every client site carries Material's 2.5 MB of scripts, styles and icons.
Each site stays complete and standalone (a hardlink is a file like any
other), but the disk holds the theme's assets once. Copies are kept under
`.coachbook/assets/`, named by their digest.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from coachbook.audit.files import file_digest, learn_digest

__all__ = ["fill_store", "link_assets"]

log = logging.getLogger(__name__)


def fill_store(store: Path, paths: list[Path], digests: Mapping[str, str]) -> Path | None:
    """One copy of each theme asset, named by its digest, for sites to hardlink to.

    A stored copy is checked once per build, and its digest remembered by its identity on disk
    (`learn_digest`): the sites' processes audit their links to it without reading it again. A new copy
    keeps its source's modification time, so that it is known at once unless its source has just changed.
    """
    try:
        store.mkdir(parents=True, exist_ok=True)
        for path, digest in zip(paths, digests.values(), strict=True):
            target = store / f"{digest}{path.suffix}"
            if target.exists() and learn_digest(target) != digest:
                target.unlink()
            if not target.exists():
                temporary = store / f".{digest}.{os.getpid()}.tmp"
                shutil.copyfile(path, temporary)
                source = os.stat(path)
                os.utime(temporary, ns=(source.st_atime_ns, source.st_mtime_ns))
                temporary.replace(target)
                learn_digest(target)
    except OSError as exc:
        log.debug("no asset store at %s: %s", store, exc)
        return None
    return store


def link_assets(
    site_dir: Path, store: Path | None, digests: Mapping[str, str], *, digest_of: Callable[[bytes], str] = file_digest
) -> int:
    """Replace each theme asset in a built site by a hardlink to the store's identical copy.

    Each site stays complete and standalone (a hardlink is a file like any
    other), but the disk holds the theme's assets once. A file that differs
    from the store's (a plugin changed it) is left alone, and so is everything
    when the filesystem cannot link (another device): the copy simply stays.

    Returns:
        How many files were linked.
    """
    if store is None:
        return 0
    linked = 0
    for uri, digest in digests.items():
        path = site_dir / uri
        source = store / f"{digest}{path.suffix}"
        try:
            if not path.is_file() or path.is_symlink() or digest_of(path.read_bytes()) != digest:
                continue
            temporary = path.with_name(f".{path.name}.link")
            temporary.unlink(missing_ok=True)
            temporary.hardlink_to(source)
            temporary.replace(path)
            linked += 1
        except OSError:
            return linked
    return linked
