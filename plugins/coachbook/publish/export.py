"""A client's data, in one archive: everything Coachbook holds about them that may be shared with them.

A client may ask for their data. `coachbook export SLUG` answers with one zip:

```text
<slug>-data/
    README.txt          what each part is
    engagement.yml      the engagement as the client may see it (the client view), as YAML
    engagement.json     the same, as JSON
    calendar.ics        their sessions and action due dates
    site/               their site, working opened from disk, search included
    published/          every published version of their site, with versions.json
```

Nothing held back by the coach-only rule is in it: the engagement files are
the client view, the site is built from it, and the whole folder is audited
like the client's own site (other clients' strings, held-back text, other
origins) before it is zipped. The zip is written in one step, entries sorted
and dated, so the same data gives the same archive.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from coachbook.audit.index import LeakIndex
from coachbook.audit.site_audit import Audience, audit_site, policy_for
from coachbook.build.site_build import build_one
from coachbook.build.targets import SiteTarget
from coachbook.core.files import copy_tree, write_atomic, write_bytes_atomic
from coachbook.core.loader import Firm
from coachbook.core.versions import read_versions
from coachbook.core.visibility import client_view
from coachbook.errors import CoachbookError
from coachbook.publish.publisher import client_root, require_own
from coachbook.render.calendar import client_calendar

__all__ = ["EXPORTS", "ExportResult", "default_export_path", "export_client", "zip_folder"]

#: Where exports go by default, beside the project's other git-ignored output.
EXPORTS = "exports"
#: Zip entries before 1980 cannot be stored.
_ZIP_EPOCH = dt.date(1980, 1, 1)

_README = """\
Your coaching data, from your engagement with {coach}, as of {date}

This archive holds everything we keep about your coaching engagement that is yours to see:

  engagement.yml    Your engagement as your site shows it: the agreement, assessment, goals
                    and readings, actions, sessions, reviews, wins and closure. YAML is plain text.
  engagement.json   The same data as JSON, for other tools.
  calendar.ics      Your sessions and the due dates of your actions, for any calendar app.
  site/             Your site. Open site/index.html in a browser; search works offline.
  published/        Every version of your site that was published to you, with versions.json
                    listing them. Versions that were encrypted still need their passphrase.

Your coach's own working notes are not part of your engagement as shared with you, and
are not in this archive.
"""


@dataclass(frozen=True)
class ExportResult:
    """What `export_client` wrote."""

    path: Path
    files: int
    versions: int


def default_export_path(root: Path, slug: str) -> Path:
    return root / EXPORTS / f"{slug}-data.zip"


def export_client(config_file: Path, firm: Firm, slug: str, target: Path, *, as_of: dt.date) -> ExportResult:
    """Gather the client's data into a folder, audit it as their own site is audited, and zip it to `target`.

    Raises:
        CoachbookError: Their site could not be built, or the audit found something they must not see
            (nothing is written then).
    """
    loaded = firm.engagements[slug]
    view = client_view(loaded.engagement)
    folder_name = f"{slug}-data"
    with tempfile.TemporaryDirectory(prefix="coachbook-export-") as temp:
        root = Path(temp) / folder_name
        root.mkdir()
        data = view.model_dump(mode="json", exclude_none=True)
        write_atomic(root / "engagement.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n", durable=False)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        write_atomic(root / "engagement.yml", text, durable=False)
        calendar = client_calendar(view, loaded.program, slug=slug, as_of=as_of)
        write_bytes_atomic(root / "calendar.ics", calendar, durable=False)
        readme = _README.format(coach=view.coach.name, date=as_of.isoformat())
        write_atomic(root / "README.txt", readme, durable=False)
        result = build_one(
            config_file, SiteTarget(slug, slug, root / "site"), Path(temp), as_of=as_of, options={"offline": True}
        )
        if not result.ok:
            raise CoachbookError(f"{slug}: no export was written; their site could not be built: {result.error}")
        published = client_root(firm.project.published, loaded.address)
        versions = 0
        if published.is_dir():
            listed = read_versions(published / "versions.json")
            require_own(firm, slug, listed, where=published, doing="exporting their data")
            copy_tree(published, root / "published")
            versions = len(listed)
        # The whole archive is held to what the client's own site is held to.
        policy = policy_for(firm, slug, audience=Audience.CLIENT, as_of=as_of)
        leaks = audit_site(root, policy, LeakIndex.of(firm))
        if leaks:
            shown = "; ".join(str(leak) for leak in leaks[:5])
            raise CoachbookError(f"{slug}: no export was written: {len(leaks)} leak(s) in it, such as {shown}")
        archive = zip_folder(root, folder=folder_name, date=as_of)
        files = sum(1 for p in root.rglob("*") if p.is_file())
    write_bytes_atomic(target, archive)
    return ExportResult(target, files, versions)


def zip_folder(source: Path, *, folder: str, date: dt.date) -> bytes:
    """The files under `source` as a zip, each under `folder/`, sorted and dated `date`: the same files, the same bytes.

    Raises:
        CoachbookError: `source` holds a symbolic link, which could put any file of the machine in the archive.
    """
    stamp = (*max(date, _ZIP_EPOCH).timetuple()[:3], 12, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_symlink():
                raise CoachbookError(f"{path} is a symbolic link; an export holds only real files")
            if not path.is_file():
                continue
            entry = zipfile.ZipInfo(f"{folder}/{path.relative_to(source).as_posix()}", date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()
