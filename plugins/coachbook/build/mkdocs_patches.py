"""Every change Coachbook makes to MkDocs' internals, in one place, and only in the build's fork server.

`coachbook build` pays a build's fixed costs once, in the fork server, and
forks one process per site from it (`coachbook.build.prewarm`). Three of those
savings need MkDocs to reuse what the server prepared instead of making it
again, which MkDocs has no hook for. Each patch below says what it assumes of
MkDocs. They are applied only when the MkDocs in use (or ProperDocs, which
answers to the same names) is a version they were written against
(`SUPPORTED`); otherwise nothing is patched and sites build the ordinary way,
slower and the same. Plain `mkdocs build` never applies them; `coachbook serve`
applies the live preview's own (`reuse_theme_environments`,
`remember_theme_listings`, `remember_conversions`, `watch_with_events`,
`show_build_errors`). Two more live in modules of their own, guarded the same
way: Material's search parser, the one piece of Material replaced, in
`coachbook.build.search_parser`; and rendering a page through the theme once
per shape, in `coachbook.build.theme_renders`.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mkdocs
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.utils import meta

from coachbook.core.files import write_atomic
from coachbook.core.frontmatter import once_per_text

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig

__all__ = [
    "CONVERSIONS",
    "RENDERS",
    "SUPPORTED",
    "ConversionStore",
    "PageConversions",
    "link_theme_assets",
    "list_theme_files",
    "read_front_matter",
    "remember_conversions",
    "remember_theme_listings",
    "reuse_theme_environments",
    "share_theme_environment",
    "show_build_errors",
    "supported",
    "use_theme_listing",
    "watch_with_events",
]

#: MkDocs (or ProperDocs) versions whose internals the patches were written against.
SUPPORTED = ("1.6.",)

_original_add_files_from_theme = Files.add_files_from_theme
_original_render = Page.render
_original_get_data = meta.get_data


def supported() -> bool:
    """Whether the MkDocs in use is one the patches know; if not, none is applied."""
    return str(getattr(mkdocs, "__version__", "")).startswith(SUPPORTED)


# ------------------------------------------------------------------ patch 1: one compiled theme


def share_theme_environment(config: MkDocsConfig, env: jinja2.Environment) -> bool:
    """Have every build with `config` use the theme environment `env`, whose templates are compiled already.

    Assumes: `mkdocs.commands.build.build` calls `config.theme.get_env()` once
    per build and renders every template from what it returns, and nothing
    else differs between two environments of the same theme. Only this
    config's theme object is changed.
    """
    if not supported():
        return False
    config.theme.get_env = lambda: env  # type: ignore[method-assign]
    return True


def reuse_theme_environments(bytecode: Path | None = None) -> bool:
    """For a live preview: keep one compiled environment per theme across rebuilds, reloading changed templates.

    `mkdocs serve` loads the config again on every change, and with it a new
    theme whose `get_env()` compiles Material's templates anew: most of a
    small site's rebuild. Assumes: `Theme.get_env(self)` makes an environment
    from the theme's folders and locale alone (a loader, the `url` and
    `script_tag` filters, the theme's translations) and holds nothing of the
    config it came with. The kept environment reloads a template whose file
    changed (`auto_reload`), so editing an override still shows at once;
    `bytecode` is Jinja's cache of compiled templates between runs.
    """
    if not supported():
        return False
    from jinja2 import FileSystemBytecodeCache
    from mkdocs.theme import Theme

    original = Theme.get_env
    kept: dict[tuple[Any, ...], jinja2.Environment] = {}

    def get_env(self: Theme) -> jinja2.Environment:
        key = (tuple(self.dirs), str(getattr(self, "locale", "")))
        env = kept.get(key)
        if env is None:
            env = original(self)
            env.auto_reload = True
            if bytecode is not None:
                with contextlib.suppress(OSError):
                    bytecode.mkdir(parents=True, exist_ok=True)
                    env.bytecode_cache = FileSystemBytecodeCache(str(bytecode))
            kept[key] = env
        return env

    Theme.get_env = get_env  # type: ignore[method-assign]
    return True


def watch_with_events() -> bool:
    """For a live preview: learn of a saved file from the system at once, instead of polling every half second.

    `mkdocs serve` polls every watched file twice a second, so a save waits
    up to half a second before the rebuild starts, and a firm of a thousand
    engagement files is read from disk twice a second for nothing. Assumes:
    `LiveReloadServer.__init__` sets `self.observer` to a watchdog observer
    that nothing has started or scheduled on yet, and `watch()` schedules on
    it. Watchdog's `Observer` uses the system's notifications (inotify on
    Linux) and falls back to polling where there are none.

    The system also says when a file is only opened or read, and MkDocs
    rebuilds on any event: a build that reads an engagement file would then
    start the next build, forever (a failed build reads the files it could
    not use every time). Only changes are passed on.
    """
    if not supported():
        return False
    import watchdog.events
    import watchdog.observers
    from mkdocs.livereload import LiveReloadServer

    original = LiveReloadServer.__init__
    changes: list[type[watchdog.events.FileSystemEvent]] = [
        watchdog.events.FileCreatedEvent,
        watchdog.events.FileModifiedEvent,
        watchdog.events.FileDeletedEvent,
        watchdog.events.FileMovedEvent,
        watchdog.events.FileClosedEvent,
    ]

    def __init__(self: LiveReloadServer, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        observer = watchdog.observers.Observer(timeout=0.1)
        schedule = observer.schedule

        def schedule_changes(handler: Any, path: str, *, recursive: bool = False, **_: Any) -> Any:
            return schedule(handler, path, recursive=recursive, event_filter=changes)

        observer.schedule = schedule_changes  # type: ignore[method-assign,assignment]
        self.observer = observer  # type: ignore[assignment]

    LiveReloadServer.__init__ = __init__  # type: ignore[method-assign]
    return True


def show_build_errors(page: Callable[[BaseException], str], said: Callable[[BaseException], None]) -> bool:
    """For a live preview: a rebuild that fails shows its problems in the browser, and the fix reloads into the site.

    Left alone, a failed rebuild leaves every request waiting for a build that never finishes: the browser
    hangs with no page, and the terminal ends with "Aborted with a BuildError!". With this patch, the
    failure is caught: `said` tells the terminal, every page request is answered with `page(error)` (an
    HTML page, status 500) carrying MkDocs' own reload script, and the next build that succeeds reloads
    the browser into the site, as any rebuild does.

    Assumes: `LiveReloadServer.__init__(self, builder, ...)` keeps `builder` as `self.builder`, which
    `_build_loop` calls with no arguments and, when it returns, makes the build visible by setting
    `_visible_epoch` to `_wanted_epoch` under `_epoch_cond` and waking the `/livereload/` polls;
    `_serve_request(self, environ, start_response)` answers every request, first waiting under
    `_epoch_cond` for the build in progress; `_inject_js_into_html(self, content, epoch)` adds the reload
    script for `epoch`. The preview's first build runs before the server does and is not caught: its
    inputs are checked before it starts (`coachbook serve`).
    """
    if not supported():
        return False
    from mkdocs.livereload import LiveReloadServer

    original_init = LiveReloadServer.__init__
    original_serve = LiveReloadServer._serve_request

    def __init__(self: LiveReloadServer, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        build = self.builder
        failure: list[str] = []
        self._coachbook_failure = failure  # type: ignore[attr-defined]

        def builder() -> None:
            try:
                build()
            except Exception as error:
                # Abort, MkDocs' "Aborted with a BuildError!", is an Exception here too (a click exception).
                failure[:] = [page(error)]
                said(error)
            else:
                failure.clear()

        self.builder = builder

    def _serve_request(self: LiveReloadServer, environ: dict[str, Any], start_response: Any) -> Any:
        failure: list[str] = getattr(self, "_coachbook_failure", [])
        path = str(environ.get("PATH_INFO", ""))
        if failure and not path.startswith("/livereload/") and _is_page(path):
            with self._epoch_cond:
                epoch = self._visible_epoch
            body = self._inject_js_into_html(failure[0].encode("utf-8"), epoch)  # type: ignore[no-untyped-call]
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return original_serve(self, environ, start_response)

    LiveReloadServer.__init__ = __init__  # type: ignore[method-assign]
    LiveReloadServer._serve_request = _serve_request  # type: ignore[method-assign]
    return True


def _is_page(path: str) -> bool:
    """A request for a page (`/`, `/goals/`, `/goals.html`), not for an asset the last good build left."""
    last = path.rsplit("/", 1)[-1]
    return not last or last.endswith((".html", ".htm")) or "." not in last


# ------------------------------------------------------------------ patch 2: the theme's files listed once

_THEME_LISTING: dict[tuple[Any, ...], list[tuple[str, str]]] = {}


def _theme_key(config: MkDocsConfig) -> tuple[Any, ...]:
    return (tuple(config.theme.dirs), tuple(config.theme.static_templates), config.use_directory_urls)


def list_theme_files(env: jinja2.Environment, config: MkDocsConfig) -> list[tuple[str, str]]:
    """(src_uri, theme folder) of every static file the theme adds to a site, listed by MkDocs itself."""
    listing = Files([])
    _original_add_files_from_theme(listing, env, config)
    return [(f.src_uri, (f.abs_src_path or "").removesuffix(f.src_uri)) for f in listing]


def use_theme_listing(config: MkDocsConfig, listing: list[tuple[str, str]]) -> bool:
    """Have `Files.add_files_from_theme` add the files of `listing` instead of walking the theme's 14,000 files.

    Assumes: `Files.add_files_from_theme(self, env, config)` appends, for each
    static file of the theme's folders, `File(uri, folder, site_dir,
    use_directory_urls)` unless the docs already hold a file at that uri, and
    does nothing else. A config with another theme, folders or URL style is
    listed the ordinary way.
    """
    if not supported():
        return False
    _THEME_LISTING[_theme_key(config)] = listing
    Files.add_files_from_theme = _add_files_from_theme  # type: ignore[method-assign]
    return True


def remember_theme_listings() -> bool:
    """For a live preview: list the theme's files once, and again only when the firm's overrides change.

    Walking Material's 14,000 files to find its static ones is a third of a
    small site's rebuild. Assumes what `use_theme_listing` assumes; the key
    holds the name and time of every file in the theme's `custom_dir`, so a
    file added to the firm's overrides shows at the next rebuild.
    """
    if not supported():
        return False

    def add_files_from_theme(self: Files, env: jinja2.Environment, config: MkDocsConfig) -> None:
        key = (_theme_key(config), _overrides_signature(config))
        listing = _REMEMBERED.get(key)
        if listing is None:
            listing = _REMEMBERED[key] = list_theme_files(env, config)
        for uri, folder in listing:
            if self.get_file_from_path(uri) is None:
                self.append(File(uri, folder, config.site_dir, config.use_directory_urls))

    Files.add_files_from_theme = add_files_from_theme  # type: ignore[method-assign]
    return True


_REMEMBERED: dict[tuple[Any, ...], list[tuple[str, str]]] = {}


def _overrides_signature(config: MkDocsConfig) -> tuple[tuple[str, int], ...]:
    custom = getattr(config.theme, "custom_dir", None)
    if not custom or not Path(custom).is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in Path(custom).rglob("*") if p.is_file()))


def _add_files_from_theme(self: Files, env: jinja2.Environment, config: MkDocsConfig) -> None:
    listing = _THEME_LISTING.get(_theme_key(config))
    if listing is None:
        _original_add_files_from_theme(self, env, config)
        return
    for uri, folder in listing:
        # As in MkDocs: a file in the docs folder wins over the theme's.
        if self.get_file_from_path(uri) is None:
            self.append(File(uri, folder, config.site_dir, config.use_directory_urls))


# ------------------------------------------------------------------ patch 4: theme assets linked, not copied

_LINKED: dict[str, Path] = {}


def link_theme_assets(store: Path, sources: dict[str, str]) -> bool:
    """Have each theme asset of a site hardlinked straight from the asset store instead of copied.

    Every client site carries the same theme files; copying each and then
    replacing the copy with a link to the store wrote them for nothing.
    `sources` maps each asset's source path to its file in the store.
    Assumes: `File.copy_file(self, dirty)` writes `abs_src_path` to
    `abs_dest_path` (parent folders created) for a file without generated
    content, and does nothing else. A file that cannot be linked (another
    filesystem) is copied as before.
    """
    if not supported():
        return False
    _LINKED.update({source: store / name for source, name in sources.items()})
    original = File.copy_file
    # The folders made for links so far: a site's assets share a few, and each call costs a system call.
    made: set[Path] = set()

    def copy_file(self: File, dirty: bool = False) -> None:
        stored = _LINKED.get(self.abs_src_path or "") if self.generated_by is None else None
        if stored is not None:
            output = Path(self.abs_dest_path)
            try:
                _link(output, stored, made)
                return
            except OSError:
                pass
        original(self, dirty)

    File.copy_file = copy_file  # type: ignore[method-assign]
    return True


def _link(output: Path, stored: Path, made: set[Path]) -> None:
    """Make `output` a hardlink to `stored`, replacing a file there, in a folder made once (`made`)."""
    if output.parent not in made:
        output.parent.mkdir(parents=True, exist_ok=True)
        made.add(output.parent)
    try:
        output.hardlink_to(stored)
    except FileExistsError:
        output.unlink()
        output.hardlink_to(stored)
    except FileNotFoundError:
        # The folder went since (an earlier build's, in a process that builds again).
        made.discard(output.parent)
        output.parent.mkdir(parents=True, exist_ok=True)
        made.add(output.parent)
        output.hardlink_to(stored)


# ------------------------------------------------------------------ patch 3: pages converted once


@dataclass(frozen=True)
class _Converted:
    """A page's conversion, and everything about the site it depended on."""

    content: str
    toc: Any
    title: str | None
    anchors: frozenset[str]
    links: dict[str, dict[str, str]]
    lookups: tuple[tuple[str, str | None, bool | None], ...]
    """Each file the conversion looked up, with its URL and whether it was excluded (None: not found)."""
    records: tuple[tuple[str, int, str], ...]
    """What the conversion logged: (logger, level, message)."""


class PageConversions:
    """Pages converted to HTML once, each looked up by its exact Markdown, location and settings.

    A guide's Markdown for a client holds no client value: every value is a
    token that the plugin fills in after conversion (`coachbook.render.tokens`).
    So a guide framed by, say, "You completed this stage on <token>" converts
    to the same HTML for every client with that standing. The fork server
    converts each guide once per frame (`prepare`); a site's process uses a
    conversion only if the page's Markdown, location and Markdown settings are
    exactly those converted, and every link the conversion resolved resolves
    to the same page in this site. Anything else is converted as usual.

    Assumes: `Page.render(config, files)` converts `page.markdown` and sets
    `content`, `toc`, `_title_from_render`, `present_anchor_ids` and
    `links_to_anchors`, looks files up only through
    `files.get_file_from_path`, and has no other effect than what it logs.
    """

    def __init__(self, store: ConversionStore | None = None, *, remember: bool = False) -> None:
        self.entries: dict[tuple[Any, ...], _Converted] = {}
        self.store = store
        """Where conversions made in the sites' own processes are kept for the others (and the next build)."""
        self.remember = remember
        """Whether pages converted in this process are kept here too, for its next build (the live preview)."""

    def prepare(self, config: MkDocsConfig, file: File, markdown: str, files: Files) -> tuple[str, frozenset[str]]:
        """Convert `markdown` as the page of `file` in a site of `files`, and keep the result.

        Returns the conversion's HTML and the ids in it, which every page given this conversion gets.
        """
        page = Page(None, file, config)
        page.markdown = markdown
        converted = self.entries[_key(page, config)] = _converted(page, config, files)
        return converted.content, converted.anchors

    def install(self) -> bool:
        """Have `Page.render` use these conversions where one fits exactly."""
        if not supported() or not (self.entries or self.store or self.remember):
            return False
        global _CONVERSIONS
        _CONVERSIONS = self
        Page.render = _render  # type: ignore[method-assign]
        meta.get_data = _get_data
        return True

    def apply(self, page: Page, config: MkDocsConfig, files: Files, page_key: tuple[Any, ...] | None = None) -> bool:
        """Give `page` its prepared conversion, if there is one that fits exactly (`page_key`: its `_key`, if known)."""
        if not self.entries or page.markdown is None:
            return False
        entry = self.entries.get(page_key if page_key is not None else _key(page, config))
        return entry is not None and _give(page, entry, files)

    def render(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        """`Page.render`: a prepared conversion, else one a site's process kept in the store, else a new one.

        A new conversion goes into the store, for the next page with exactly this Markdown, location and
        settings. Each site's process converts its own pages, so what it finds in the store is what its own
        Markdown converts to, never another page's: the key is that Markdown.
        """
        # The key is made once: it spells out every Markdown setting, which takes time on every page.
        page_key = _key(page, config) if page.markdown is not None else None
        if self.apply(page, config, files, page_key):
            return
        if (self.store is None and not self.remember) or page_key is None:
            _original_render(page, config, files)
            return
        key = self.store.key(page_key) if self.store is not None else ""
        kept = self.store.load(key) if self.store is not None else None
        if kept is not None and _give(page, kept, files):
            return
        converted = _converted(page, config, files)
        if self.store is not None:
            self.store.save(key, converted)
        if self.remember:
            if len(self.entries) >= _MAX_REMEMBERED:
                self.entries.clear()
            self.entries[page_key] = converted
        if not _give(page, converted, files):  # It was made here, from these very files: it fits.
            raise AssertionError(f"{page.file.src_uri}: a conversion does not fit its own page")


def _converted(page: Page, config: MkDocsConfig, files: Files) -> _Converted:
    """Convert `page` as MkDocs would, noting every file it looked up and everything it logged (logged later)."""
    recording = _RecordingFiles(files)
    with _captured() as records:
        _original_render(page, config, recording)  # type: ignore[arg-type]
    return _Converted(
        content=page.content or "",
        toc=page.toc,
        title=page._title_from_render,
        anchors=frozenset(page.present_anchor_ids or ()),
        links={f.src_uri: dict(v) for f, v in (page.links_to_anchors or {}).items()},
        lookups=tuple(recording.lookups),
        records=tuple(records),
    )


#: What MkDocs' own table of contents entry holds (`AnchorLink`).
_ANCHOR_FIELDS = frozenset({"title", "id", "level", "children"})
#: Values copied as they are: immutable, so a copy shares them safely.
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _copied_toc(toc: TableOfContents) -> TableOfContents:
    """A copy of a table of contents whose entries can be changed without changing `toc`'s.

    MkDocs' own entries (a title, an id, a level and children) are copied directly, which is many times
    faster than `copy.deepcopy`; anything else a table of contents may hold is deep-copied.
    """
    if type(toc) is not TableOfContents or set(vars(toc)) != {"items"}:
        return copy.deepcopy(toc)
    items = _copied_links(toc.items)
    return copy.deepcopy(toc) if items is None else TableOfContents(items)


def _copied_links(links: object) -> list[AnchorLink] | None:
    if type(links) is not list:
        return None
    copied = []
    for link in links:
        if type(link) is not AnchorLink:
            return None
        fields = vars(link)
        # What the theme marks on an entry (`active`) comes along; anything but plain data is deep-copied.
        extra = {name: value for name, value in fields.items() if name not in _ANCHOR_FIELDS}
        if not fields.keys() >= _ANCHOR_FIELDS or not all(type(value) in _PLAIN for value in extra.values()):
            return None
        children = _copied_links(link.children)
        if children is None:
            return None
        new = AnchorLink(link.title, link.id, link.level)
        new.children = children
        for name, value in extra.items():
            setattr(new, name, value)
        copied.append(new)
    return copied


def _give(page: Page, entry: _Converted, files: Files) -> bool:
    """Give `page` the conversion `entry` if every file it looked up is the same in this site; else False."""
    for path, url, excluded in entry.lookups:
        target = files.get_file_from_path(path)
        if (target.url if target else None) != url or (_excluded(target) if target else None) != (excluded):
            return False
    page.content = entry.content
    # The plugin fills tokens into the table of contents in place; each page gets its own copy.
    page.toc = _copied_toc(entry.toc)
    page._title_from_render = entry.title
    page.present_anchor_ids = set(entry.anchors)
    if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = {
            target: dict(anchors)
            for uri, anchors in entry.links.items()
            if (target := files.get_file_from_path(uri)) is not None
        }
    for name, level, message in entry.records:
        logging.getLogger(name).log(level, message)
    return True


_CONVERSIONS = PageConversions()
#: Conversions a live preview keeps in memory; a session that outgrows them starts again.
_MAX_REMEMBERED = 1_000


def remember_conversions() -> bool:
    """For a live preview: keep each page's conversion in memory, so a save converts only the pages it changed.

    A saved engagement usually changes a few values, which are tokens in the pages' Markdown
    (`coachbook.render.tokens`): most pages' Markdown is as it was, and its conversion is used again under
    the conditions of `PageConversions`. The preview's process serves one site, so what it keeps is that
    site's own.
    """
    return PageConversions(remember=True).install()


#: The conversion store's folder in Coachbook's working folder (`.coachbook/`).
CONVERSIONS = "conversions"
#: The folder, inside the conversion store's, of the pages the theme rendered once per shape
#: (`coachbook.build.theme_renders`): `coachbook forget` removes it with the conversions.
RENDERS = "renders"
#: Bumped when what a stored conversion holds changes.
_STORE_VERSION = 1
#: A function's or object's address in its `repr`, which differs from one process to the next.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class ConversionStore:
    """Page conversions kept on disk, for the sites built after the one that converted a page.

    A client page's Markdown holds the client's values as tokens (`coachbook.render.tokens`), so a
    page of the same shape (the same goals, the same kinds of session, the same stage) is the same
    Markdown for every client who has it, and converts to the same HTML. Each site is built in a
    process of its own, so a conversion one site made reaches the others through here, and reaches
    the next build too: an edit to one engagement, a new as-of date or a changed theme leaves most
    pages' Markdown as it was. Entries are looked up by a digest of the page's exact Markdown,
    location and Markdown settings and of every tool's version (`key`), and used only if every file
    the conversion looked up is the same in the site using it. They hold clients' pages with their
    values left out, so the folder is private to its user, and `coachbook forget` removes it.

    Nothing depends on an entry being there: an unreadable, damaged or missing one is converted again.
    """

    def __init__(self, folder: Path, versions: object, *, read: bool = True) -> None:
        """`versions` are the tools' versions (`coachbook.build.fingerprints.tool_versions`), part of every key.

        With `read=False` nothing is read from the store, only written to it: everything is converted again.
        """
        self.folder = folder
        self.read = read
        self._salt = json.dumps([_STORE_VERSION, versions], sort_keys=True, default=str)
        self._preloaded: dict[str, dict[str, Any]] = {}
        """Entries read ahead (`preload`), by key."""

    def key(self, page_key: tuple[Any, ...]) -> str:
        """The entry's name for a page's `_key`: the same in every process, and in the next build."""
        text = _stable_repr(page_key)
        return hashlib.blake2b((self._salt + "\0" + text).encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def load(self, key: str) -> _Converted | None:
        """The conversion kept under `key`; None if there is none, or it cannot be read."""
        data = self.load_data(key)
        if data is None:
            return None
        try:
            return _Converted(
                content=data["content"],
                toc=TableOfContents([_anchor(item) for item in data["toc"]]),
                title=data["title"],
                anchors=frozenset(data["anchors"]),
                links={uri: dict(anchors) for uri, anchors in data["links"].items()},
                lookups=tuple((p, u, e) for p, u, e in data["lookups"]),
                records=tuple((n, int(lv), m) for n, lv, m in data["records"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, key: str, converted: _Converted) -> None:
        """Keep `converted` under `key`; a conversion that cannot be written is only made again next time."""
        try:
            toc = [_anchor_data(item) for item in converted.toc]
        except TypeError:
            return  # A table of contents with more than text in it: not kept.
        self.save_data(
            key,
            {
                "content": converted.content,
                "toc": toc,
                "title": converted.title,
                "anchors": sorted(converted.anchors),
                "links": converted.links,
                "lookups": converted.lookups,
                "records": converted.records,
            },
        )

    def load_data(self, key: str) -> dict[str, Any] | None:
        """The entry kept under `key` as JSON data (a conversion, or a rendered page); None if unreadable.

        The data may be shared with later lookups of the same entry (`preload`): it is read, never changed.
        """
        if not self.read:
            return None
        path = self._path(key)
        data = self._preloaded.get(key)
        if data is None:
            data = _read_entry(path)
            if data is None:
                return None
        # Used again: pruning (`prune`) keeps what the latest builds used.
        with contextlib.suppress(OSError):
            os.utime(path)
        return data

    def preload(self, each: Callable[[dict[str, Any]], object] | None = None) -> int:
        """Read into this process's memory every entry written since the last call; the number read.

        For the fork server, between the sites' processes it forks: each starts with the entries read so
        far, and takes them from memory rather than reading and decoding their files (some thirty a site).
        Entries are written once under a key that names everything they are made of, so one read ahead is
        the entry a site would have read; one written since is read from its file, as before. `each` is
        given every entry read, to read ahead more of it; it must not change it.
        """
        if not self.read:
            return 0
        added = 0
        try:
            folders = [entry.path for entry in os.scandir(self.folder) if len(entry.name) == 2 and entry.is_dir()]
        except OSError:
            return 0
        for folder in folders:
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                key = name.removesuffix(".json")
                if key == name or key.startswith(".") or key in self._preloaded:
                    continue
                data = _read_entry(Path(folder, name))
                if data is not None:
                    self._preloaded[key] = data
                    added += 1
                    if each is not None:
                        each(data)
        return added

    def save_data(self, key: str, data: dict[str, Any]) -> None:
        """Keep `data` under `key`, atomically; what cannot be written is only made again next time."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, json.dumps(data, ensure_ascii=False), mode=0o600, durable=False)
        except (OSError, TypeError, ValueError):
            return

    def prune(self, *, older_than: float, keep_at_most: int | None = None) -> int:
        """Remove entries last used before `older_than` (a time), or the oldest beyond `keep_at_most`.

        Returns the number removed.
        """
        try:
            entries = [(entry.stat().st_mtime, entry) for entry in self.folder.glob("*/*.json")]
        except OSError:
            return 0
        entries.sort()
        stale = [path for mtime, path in entries if mtime < older_than]
        if keep_at_most is not None and len(entries) - len(stale) > keep_at_most:
            stale = [path for _, path in entries[: len(entries) - keep_at_most]]
        removed = 0
        for path in stale:
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed


_remembered_get_data = once_per_text(_original_get_data)


def _get_data(doc: str) -> tuple[str, dict[str, Any]]:
    """MkDocs' `get_data`, read once per source: every site reads the same guides, whose front matter is YAML.

    `read_front_matter` reads the guides' in the fork server, for every site's process (`once_per_text`).
    """
    return _remembered_get_data(doc)


def read_front_matter(source: str) -> None:
    """Read a page's front matter now as MkDocs will (`_get_data`), for the processes forked after this one."""
    _get_data(source)


def _read_entry(path: Path) -> dict[str, Any] | None:
    """A stored entry's JSON data; None if it cannot be read or is not an entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stable_repr(value: Any) -> str:
    """`repr(value)` as it reads in any process: functions and classes by their full name, no addresses.

    Markdown settings may name a function (`emoji_index: !!python/name:...`); its `repr` holds its address,
    which differs from one process to the next, and only its short name, which two modules may share.
    """
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_stable_repr(k)}: {_stable_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(_stable_repr(item) for item in value) + ")"
    if isinstance(value, (str, int, float, bool, type(None))):
        return repr(value)
    name = getattr(value, "__qualname__", None)
    module = getattr(value, "__module__", None)
    if isinstance(name, str) and isinstance(module, str):
        return f"<{module}.{name}>"
    return _ADDRESS.sub("", repr(value))


def _anchor_data(anchor: AnchorLink) -> dict[str, Any]:
    """An entry of a table of contents as plain data; TypeError if it holds more than text, numbers and flags."""
    extra = {name: value for name, value in vars(anchor).items() if name not in _ANCHOR_FIELDS}
    if any(not isinstance(value, (str, int, float, bool, type(None))) for value in extra.values()):
        raise TypeError("not plain data")
    return {
        "title": anchor.title,
        "id": anchor.id,
        "level": anchor.level,
        "extra": extra,
        "children": [_anchor_data(child) for child in anchor.children],
    }


def _anchor(data: dict[str, Any]) -> AnchorLink:
    anchor = AnchorLink(data["title"], data["id"], data["level"])
    for name, value in data["extra"].items():
        setattr(anchor, name, value)
    anchor.children = [_anchor(child) for child in data["children"]]
    return anchor


def _render(self: Page, config: MkDocsConfig, files: Files) -> None:
    _CONVERSIONS.render(self, config, files)


def _key(page: Page, config: MkDocsConfig) -> tuple[Any, ...]:
    settings = _stable_repr(
        (config["markdown_extensions"], config["mdx_configs"], config.use_directory_urls, config.validation)
    )
    file = page.file
    return (page.markdown, file.src_uri, file.url, _excluded(file), str(config.docs_dir), settings)


def _excluded(file: File) -> bool:
    return bool(file.inclusion.is_excluded())  # type: ignore[no-untyped-call]


class _RecordingFiles:
    """The site's files, noting every lookup a conversion makes."""

    def __init__(self, files: Files) -> None:
        self._files = files
        self.lookups: list[tuple[str, str | None, bool | None]] = []

    def get_file_from_path(self, path: str) -> File | None:
        found = self._files.get_file_from_path(path)
        self.lookups.append((path, found.url if found else None, _excluded(found) if found else None))
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._files, name)


@contextmanager
def _captured() -> Iterator[list[tuple[str, int, str]]]:
    """Record what this thread logs (and show none of it): it is replayed wherever the conversion is used.

    What another thread logs meanwhile (the live preview's server saying a browser connected) is not the
    conversion's: it goes to the handlers it would have reached, and is never replayed.
    """
    records: list[tuple[str, int, str]] = []
    owner = threading.get_ident()

    class _Recorder(logging.Handler):
        def __init__(self, replaced: list[logging.Handler]) -> None:
            super().__init__(level=logging.DEBUG)
            self.replaced = replaced

        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == owner:
                # A record reaches each logger up its chain (when they propagate): it is kept once.
                if not getattr(record, "_coachbook_kept", False):
                    record._coachbook_kept = True
                    records.append((record.name, record.levelno, record.getMessage()))
                return
            for handler in self.replaced:
                if record.levelno >= handler.level:
                    handler.handle(record)

    loggers = [logging.getLogger(), logging.getLogger("mkdocs")]
    saved = [(lg, lg.handlers[:]) for lg in loggers]
    recorders = {id(lg): _Recorder(handlers) for lg, handlers in saved}
    for lg in loggers:
        lg.handlers[:] = [recorders[id(lg)]]
    try:
        yield records
    finally:
        for lg, handlers in saved:
            lg.handlers[:] = handlers
