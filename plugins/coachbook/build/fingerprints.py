"""What each site is built from, as digests, so an unchanged site is not built again.

A site's fingerprint covers every input that can change its output:

* the engagement file's bytes (client sites);
* the content folder: program, guides and anything else in it, or, for an
  engagement that pins its handbook at a git ref, the commit that ref names;
* `mkdocs.yml` (and a file it `INHERIT`s), the environment variables it reads
  with `!ENV`, and every `COACHBOOK_*` variable;
* the theme's `custom_dir` (the firm's overrides);
* the firm's own message catalogs (`locales/`);
* the versions of coachbook (and the bytes of its own code, templates and
  catalogs), mkdocs, mkdocs-material, pymdown-extensions, markdown, jinja2 and
  babel (whose CLDR data writes the dates and numbers);
* the as-of date, for client sites only: the handbook does not depend on it;
* for an encrypted site, the size and time of its passphrase file.

What was built from which fingerprint is recorded in `coachbook.build.state`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
import re
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachbook.core.digests import code_digest, digest, digest_bytes, folder_digest
from coachbook.core.sponsor import sponsor_key

if TYPE_CHECKING:
    from coachbook.audit.records import EngagementRecord


__all__ = [
    "config_inputs",
    "digest",
    "digest_bytes",
    "folder_digest",
    "output_stamp",
    "site_fingerprints",
    "tool_versions",
]

#: Packages whose version changes the HTML a build writes.
TOOLS = ("coachbook", "mkdocs", "mkdocs-material", "pymdown-extensions", "markdown", "jinja2", "babel")
_ENV_TAG = re.compile(r"!ENV\s+(\[[^\]]*\]|[A-Za-z_][A-Za-z0-9_]*)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INHERIT = re.compile(r"^INHERIT:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def tool_versions() -> dict[str, str]:
    """Installed versions of the packages whose output a site is made of."""
    found = {}
    for name in TOOLS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "?"
    # ProperDocs answers to MkDocs' names: which of the two built a site is part of what it is made of.
    engine = importlib.import_module("mkdocs")
    found["engine"] = f"{engine.__name__} {getattr(engine, '__version__', '?')}"
    # A development install keeps its version number while the code changes; its files say more. Compiled
    # bytecode is left out: Python rewrites it when it likes, and it says nothing the sources do not.
    found["coachbook-files"] = code_digest()
    return found


def config_inputs(config_file: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`mkdocs.yml`, a file it inherits, and the environment variables the build reads."""
    environ = os.environ if environ is None else environ
    raw = config_file.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    files = {config_file.name: digest_bytes(raw)}
    inherited = _INHERIT.search(text)
    if inherited:
        parent = (config_file.parent / inherited.group(1)).resolve()
        with contextlib.suppress(OSError):
            files[inherited.group(1)] = digest_bytes(parent.read_bytes())
            text += parent.read_text(encoding="utf-8", errors="replace")
    names = {name for match in _ENV_TAG.finditer(text) for name in _ENV_NAME.findall(match.group(1))}
    names |= {name for name in environ if name.startswith("COACHBOOK_")}
    # Values are mixed into one digest with everything else; a passphrase never stands alone in the state.
    return {"files": files, "env": {name: environ.get(name) for name in sorted(names)}}


def output_stamp(folder: Path) -> list[int] | None:
    """The site folder's inode and modification time: a folder replaced or emptied by hand no longer matches."""
    try:
        stat = folder.stat()
    except OSError:
        return None
    return [stat.st_ino, stat.st_mtime_ns]


def site_fingerprints(
    shared: str,
    as_of: dt.date,
    records: Mapping[str, EngagementRecord],
    commit_of: Callable[[str], str],
    secret_stamp: Callable[[str], list[int] | None],
) -> dict[str, str]:
    """Each site's fingerprint: what it is built from, digested.

    Arguments:
        shared: The digest of what every site shares (tools, config, content, theme).
        as_of: The build's date; client and sponsor sites depend on it, the handbook does not.
        records: Every engagement's record.
        commit_of: The commit a pinned handbook's ref names now.
        secret_stamp: The stamp of the passphrase file of a site's key (`sponsor_key` for a sponsor site).
    """
    day = as_of.isoformat()
    commits = {ref: commit_of(ref) for ref in {r.handbook for r in records.values() if r.handbook}}
    result = {"handbook": digest(shared, "handbook")}
    for slug, record in records.items():
        result[slug] = digest(
            shared,
            day,
            record.digest,
            commits.get(record.handbook) if record.handbook else None,
            secret_stamp(slug),
        )
        if record.sponsor:
            result[f"{slug} (sponsor)"] = digest(shared, day, record.digest, "sponsor", secret_stamp(sponsor_key(slug)))
    return result
