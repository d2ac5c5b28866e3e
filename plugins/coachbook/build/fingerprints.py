"""What each site is built from, as digests, so an unchanged site is not built again.

A site's fingerprint covers every input that can change its output:

* the engagement file's bytes (client sites);
* the content folder: program, guides and anything else in it, or, for an
  engagement that pins its handbook at a git ref, the commit that ref names;
* `mkdocs.yml` and every file it `INHERIT`s, however deep the chain, the
  environment variables they read with `!ENV`, and every `COACHBOOK_*` variable;
* the files the loaded config names as code or inputs of its own: its `hooks`
  (with the modules beside each, which a hook can import) and its `watch` paths;
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
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from coachbook.core.digests import code_digest, digest, digest_bytes, folder_digest
from coachbook.core.sponsor import sponsor_key

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from coachbook.audit.records import EngagementRecord


__all__ = [
    "config_chain",
    "config_inputs",
    "config_references",
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


def _inherited(text: str) -> str | None:
    """The top-level `INHERIT:` of a config file's text, as written; None if it has none.

    The YAML is composed, not loaded: its tags (`!ENV`, `!!python/name:`) are left as they are, and a key
    written in any YAML style is found. Text that is not YAML is searched line by line instead.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        found = _INHERIT.search(text)
        return found.group(1) if found else None
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "INHERIT" and isinstance(value, yaml.ScalarNode):
            return str(value.value)
    return None


def config_chain(config_file: Path) -> list[tuple[Path, bytes | None]]:
    """`mkdocs.yml` and every file it inherits, nearest first, with their bytes (None: unreadable).

    MkDocs follows `INHERIT` to any depth, each path relative to the folder of the file that names it
    (`mkdocs.utils.yaml.yaml_load`); every file of the chain can change every page, so every one is here.
    A chain that loops is followed once round.
    """
    chain: list[tuple[Path, bytes | None]] = []
    seen: set[str] = set()
    current: Path | None = config_file
    while current is not None and str(current) not in seen:
        seen.add(str(current))
        try:
            raw: bytes | None = current.read_bytes()
        except OSError:
            raw = None
        chain.append((current, raw))
        parent = _inherited(raw.decode("utf-8", errors="replace")) if raw is not None else None
        # As MkDocs joins them: not resolved, so a symlinked folder is read where MkDocs reads it.
        current = Path(os.path.normpath(os.path.join(os.path.dirname(current), parent))) if parent else None
    return chain


def config_references(cfg: MkDocsConfig, *, digested: Iterable[Path] = ()) -> list[Path]:
    """The files and folders the loaded config names whose change can change a site, besides the docs and theme.

    * Each hook's file, and the Python files beside it: MkDocs puts a hook's folder on `sys.path` while
      it imports the hook, so a hook can import its neighbours.
    * The `watch` paths: what a firm lists there is what it says `serve` must rebuild for (snippets,
      macros, data files), so a build must too.

    The docs folder, the theme's `custom_dir` and the firm's catalogs are digested on their own, and each
    engagement file is its own site's input: a `watch` path inside any of `digested` is left out, so that a
    firm watching `engagements/` for `mkdocs serve` does not rebuild every site when one engagement changes.
    """
    inside = [Path(os.path.abspath(folder)) for folder in digested]
    found: list[Path] = []
    for module in dict(cfg["hooks"] or {}).values():
        path = getattr(module, "__file__", None)
        if path:
            hook = Path(path)
            found.append(hook)
            with contextlib.suppress(OSError):
                found.extend(sorted(p for p in hook.parent.glob("*.py") if p != hook))
    for path in cfg["watch"] or ():
        absolute = Path(os.path.abspath(path))
        if not any(absolute == folder or absolute.is_relative_to(folder) for folder in inside):
            found.append(Path(path))
    return found


def _path_digest(path: Path) -> str | None:
    """A file's or folder's digest; None if it is not there or cannot be read."""
    if path.is_dir():
        return folder_digest(path, skip="__pycache__")
    try:
        return digest_bytes(path.read_bytes())
    except OSError:
        return None


def config_inputs(
    config_file: Path, environ: Mapping[str, str] | None = None, references: Iterable[Path] = ()
) -> dict[str, Any]:
    """`mkdocs.yml`, every file it inherits, the files it names, and the environment variables the build reads.

    `references` are the files the loaded config names (`config_references`).
    """
    environ = os.environ if environ is None else environ
    chain = config_chain(config_file)
    # Named relative to mkdocs.yml's folder: the same firm moved, or named another way with -f, is the same.
    root = os.path.dirname(os.path.abspath(config_file))
    files = {os.path.relpath(path, root): digest_bytes(raw) if raw is not None else None for path, raw in chain}
    text = "".join(raw.decode("utf-8", errors="replace") for _path, raw in chain if raw is not None)
    names = {name for match in _ENV_TAG.finditer(text) for name in _ENV_NAME.findall(match.group(1))}
    names |= {name for name in environ if name.startswith("COACHBOOK_")}
    referenced = {os.path.relpath(path, root): _path_digest(path) for path in references}
    # Values are mixed into one digest with everything else; a passphrase never stands alone in the state.
    return {
        "files": files,
        "references": referenced,
        "env": {name: environ.get(name) for name in sorted(names)},
    }


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
