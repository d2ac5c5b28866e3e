"""The graduation handbook: a client's whole site in one zip that works opened from disk, search included.

A site served from a web server does not work from a folder: links end in
`/`, and the search index is fetched by a web worker, which browsers refuse
on `file://`. The offline variant therefore links to `.html` files, inlines
the search index into a script, and loads a small web-worker shim
(iframe-worker, vendored so nothing comes from another origin). It is built,
audited like every other site, and only then zipped.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

__all__ = ["POLYFILL_PATH", "inline_search_index", "polyfill_source", "write_zip"]

#: Where the web-worker shim goes in an offline site.
POLYFILL_PATH = "assets/coachbook/iframe-worker.js"
#: Zip entries before 1980 cannot be stored; the date of a bundle never is.
_ZIP_EPOCH = dt.date(1980, 1, 1)


def polyfill_source() -> str:
    """The vendored iframe-worker shim, which Material's search uses when the site is opened from disk."""
    return resources.files("coachbook").joinpath("assets", "iframe-worker.js").read_text(encoding="utf-8")


def inline_search_index(site_dir: Path) -> None:
    """Copy the search index into `search/search_index.js`, which Material loads with a script tag on `file://`."""
    index = site_dir / "search" / "search_index.json"
    if index.is_file():
        data = index.read_text(encoding="utf-8")
        (site_dir / "search" / "search_index.js").write_text(f"var __index = {data}", encoding="utf-8")


def write_zip(site_dir: Path, target: Path, *, folder: str, date: dt.date) -> None:
    """Zip `site_dir` into `target`, every file under `folder/`, and replace `target` in one step.

    Entries are sorted and dated `date`, so the same site gives the same zip.
    """
    stamp = (*max(date, _ZIP_EPOCH).timetuple()[:3], 12, 0, 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
                entry = zipfile.ZipInfo(f"{folder}/{path.relative_to(site_dir).as_posix()}", date_time=stamp)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                archive.writestr(entry, path.read_bytes())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
