"""One site's published versions, changed so that every address answers at every instant.

```text
published/clients/<address>/
    versions.json          mike's format, newest first: exactly the complete versions
    index.html             redirects to latest/
    latest/                a full copy of the newest version (never a symlink)
    2026-11-24-implementation/
    2026-09-30-goal-setting/
```

The order of every change is what makes it safe to kill at any instant:

* a new version is built in staging and renamed into its folder complete
  (an unlisted folder, harmless if we stop here);
* `latest/`'s new copy is made in staging;
* `versions.json` is replaced in one step: the new version is listed only
  once its folder is complete;
* `latest/` is swapped for its new copy in one step (`renameat2` exchange),
  so it never stops answering.

Killed between the last two steps, `latest/` still serves the previous
version, complete, and the next publish (or `coachbook versions --repair`)
copies the newest into it. Every version folder carries its mark
(`coachbook.build.state`), which names the version, so `latest/` can be
checked, and a damaged `versions.json` rebuilt, from the folders themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coachbook.build.staging import staging_area, staging_dir
from coachbook.build.state import read_mark
from coachbook.core.files import copy_tree, remove_tree, replace_dir, write_atomic
from coachbook.core.versions import LATEST, Version, read_versions, versions_json
from coachbook.errors import CoachbookError

__all__ = ["TreeCheck", "VersionTree", "redirect_page"]

VERSIONS_FILE = "versions.json"
INDEX = "index.html"
#: Names in a site's published folder that are not versions.
_NOT_VERSIONS = frozenset({LATEST, VERSIONS_FILE, INDEX})


@dataclass
class TreeCheck:
    """What is wrong with a site's published versions, each thing in words a coach can act on."""

    missing: list[str] = field(default_factory=list)
    """Versions listed in `versions.json` whose folder is gone."""
    unlisted: list[str] = field(default_factory=list)
    """Version folders not in `versions.json`: left by a publish that was interrupted."""
    stale_latest: str | None = None
    """What `latest/` holds when it is not the newest listed version ("nothing" when it is missing)."""
    damaged: str | None = None
    """Why `versions.json` cannot be read, when it cannot."""
    no_index: bool = False
    """The redirecting `index.html` is missing though versions are listed."""

    @property
    def clean(self) -> bool:
        return not (self.missing or self.unlisted or self.stale_latest or self.damaged or self.no_index)

    def lines(self) -> list[str]:
        out = []
        if self.damaged:
            out.append(f"versions.json cannot be read ({self.damaged})")
        out += [f"version {name!r} is listed, but its folder is missing" for name in self.missing]
        out += [f"folder {name!r} is not a listed version (a publish was interrupted)" for name in self.unlisted]
        if self.stale_latest:
            out.append(f"latest/ holds {self.stale_latest}, not the newest version")
        if self.no_index:
            out.append("index.html, which leads to latest/, is missing")
        return out


class VersionTree:
    """The published versions of one site (a client's, or the handbook), in `root` under `published`."""

    def __init__(self, published: Path, root: Path) -> None:
        self.published = published
        self.root = root

    # ------------------------------------------------------------------ reading

    def versions(self) -> list[Version]:
        """The listed versions, newest first.

        Raises:
            CoachbookError: `versions.json` is damaged; `coachbook versions --repair` rebuilds it.
        """
        return read_versions(self.root / VERSIONS_FILE)

    def folders(self) -> list[str]:
        """The version folders on disk."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name not in _NOT_VERSIONS)

    def check(self) -> TreeCheck:
        """What is wrong, without changing anything."""
        result = TreeCheck()
        try:
            listed = self.versions()
        except CoachbookError as exc:
            result.damaged = str(exc)
            return result
        names = [v.name for v in listed]
        on_disk = set(self.folders())
        result.missing = [name for name in names if name not in on_disk]
        result.unlisted = sorted(on_disk - set(names))
        present = [v for v in listed if v.name in on_disk]
        if present:
            newest = present[0].name
            held = self._latest_holds()
            if held != newest:
                result.stale_latest = f"version {held!r}" if held else "nothing"
            result.no_index = not (self.root / INDEX).is_file()
        return result

    def _latest_holds(self) -> str | None:
        mark = read_mark(self.root / LATEST)
        return mark.version if mark is not None else None

    # ------------------------------------------------------------------ changing (under the project's lock)

    def repair(self) -> list[str]:
        """Make the tree consistent again: what `check` finds, fixed. Returns what was done, in words.

        Listed versions whose folder is gone are unlisted; folders a publish
        left unlisted are removed; `latest/` is copied again from the newest
        version; a damaged `versions.json` is rebuilt from the versions' marks.
        """
        done: list[str] = []
        self.clean_staging()
        check = self.check()
        if check.damaged:
            listed = self._from_marks()
            done.append(f"rebuilt versions.json from {len(listed)} version folder(s)")
            check = TreeCheck(unlisted=[n for n in self.folders() if n not in {v.name for v in listed}])
        else:
            listed = self.versions()
        if check.missing:
            listed = _relabel([v for v in listed if v.name not in check.missing])
            done += [f"unlisted version {name!r}, whose folder was missing" for name in check.missing]
        for name in check.unlisted:
            remove_tree(self.root / name, trash=staging_area(self.published))
            done.append(f"removed folder {name!r}, left unlisted by an interrupted publish")
        self.write(listed)
        if check.stale_latest or check.damaged or check.missing:
            done.append("copied the newest version into latest/")
        return done

    def clean_staging(self) -> None:
        """Nothing a dead run left in the published tree's staging area stays."""
        from coachbook.build.staging import clean_leftovers

        clean_leftovers(self.published)

    def write(self, listed: list[Version], *, refresh: bool = False) -> None:
        """Make `versions.json`, `index.html` and `latest/` say `listed` (newest first), in the safe order.

        `latest/`'s copy is made first (the step a full disk stops), then the
        list is replaced, then `latest/` is swapped; with nothing listed, both
        go and the list is empty. `refresh` copies the newest into `latest/`
        even if `latest/` already holds a version of that name (it was replaced
        with `--force`).
        """
        newest = next((v.name for v in listed if LATEST in v.aliases), None)
        staged = None
        if newest is not None and (refresh or self._latest_holds() != newest):
            staged = staging_dir(self.published, f"{self.root.name}-{LATEST}")
            staged.rmdir()
            copy_tree(self.root / newest, staged)
        write_atomic(self.root / VERSIONS_FILE, versions_json(listed))
        if newest is None:
            remove_tree(self.root / LATEST, trash=staging_area(self.published))
            with contextlib.suppress(FileNotFoundError):
                (self.root / INDEX).unlink()
            return
        if staged is not None:
            replace_dir(staged, self.root / LATEST, trash=staging_area(self.published))
        if not (self.root / INDEX).is_file():
            write_atomic(self.root / INDEX, redirect_page(f"{LATEST}/"))

    def _from_marks(self) -> list[Version]:
        """The versions as their folders' marks describe them, newest first by the date they were built for."""
        found = []
        for name in self.folders():
            mark = read_mark(self.root / name)
            if mark is not None and mark.version == name:
                found.append(Version(name, mark.title or name, (), dict(mark.properties)))
        found.sort(key=lambda v: (str(v.properties.get("as_of", "")), v.name), reverse=True)
        return _relabel(found)

    def iter_problems(self) -> Iterator[str]:
        yield from self.check().lines()


def _relabel(listed: list[Version]) -> list[Version]:
    """The list with `latest` on its first entry only."""
    return [
        Version(v.name, v.title, (LATEST,) if i == 0 else tuple(a for a in v.aliases if a != LATEST), v.properties)
        for i, v in enumerate(listed)
    ]


def redirect_page(target: str) -> str:
    """A page that sends the reader on to `target` (relative), with no script and nothing to index."""
    import html

    url = html.escape(target, quote=True)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="robots" content="noindex, nofollow">\n<meta name="referrer" content="no-referrer">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n<title>Redirecting</title>\n'
        # An empty icon: otherwise the browser asks the host for /favicon.ico, which a static host answers with 404.
        '<link rel="icon" href="data:,">\n</head>\n'
        f'<body><p><a href="{url}">Continue to the latest version</a>.</p></body>\n</html>\n'
    )
