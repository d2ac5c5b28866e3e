"""The graduation handbook: a client's whole site in one zip that works opened from disk, search included.

The site is built offline (`coachbook.adapter.offline`: links to `.html`
files, the search index inlined, a vendored web-worker shim), audited like
every other site, and only then zipped here.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import zipfile
from pathlib import Path

__all__ = ["write_zip"]

#: Zip entries before 1980 cannot be stored; the date of a bundle never is.
_ZIP_EPOCH = dt.date(1980, 1, 1)


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
