"""Pay each build's fixed costs once, in the fork server, before any site's process is forked from it.

`mkdocs build` compiles Material's templates, lists the theme's files and
parses the config every time it runs, and Python-Markdown converts every
guide for every client. `coachbook build` forks one process per site from a
server that has done all of this already, so each site's process starts with:

* the config loaded and validated (each process changes its own copy);
* the theme's Jinja environment with every template compiled;
* the list of the theme's static files;
* Coachbook's page templates and the guides' placeholder templates compiled;
* every guide converted to HTML once per way a site can frame it (see
  `GuideConversions`), to be filled with each client's values.

Nothing here is computed from a client's data: the server builds no site.
The MkDocs internals replaced here (`Theme.get_env` on this config's theme,
`Files.add_files_from_theme`, `Page.render`) are replaced only in a process
that calls `warm`, which `coachbook serve` and plain `mkdocs build` never do.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import markdown
from mkdocs.structure.files import File, Files, InclusionLevel, get_files
from mkdocs.structure.pages import Page
from mkdocs.utils import meta

from coachbook.render import client_pages as page_templates
from coachbook.audit.index import file_digest
from coachbook.core.model import Program, StageStatus
from coachbook.render.client_pages import CLIENT_PAGES, GuidePage, render_guide_page
from coachbook.core.placeholders import neutral_values, render_guide
from coachbook.core.progress import StageState
from coachbook.render.tokens import Slots

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig

__all__ = ["Warm", "link_assets", "warm"]

log = logging.getLogger(__name__)

#: A guide page is framed one of these ways: in the handbook (None), or by the client's standing on the stage.
_DAY = dt.date(2000, 1, 1)
#: Templates are compiled and guides converted (six frames each) ahead only for builds of this many client sites.
AHEAD_FROM = 3
_FRAMES: tuple[tuple[StageStatus, dt.date | None, dt.date | None] | None, ...] = (
    None,
    (StageStatus.DONE, _DAY, _DAY),
    (StageStatus.DONE, _DAY, None),
    (StageStatus.IN_PROGRESS, _DAY, None),
    (StageStatus.IN_PROGRESS, None, None),
    (StageStatus.NOT_STARTED, None, None),
)


@dataclass
class Warm:
    """What the fork server prepared, shared by every site's process."""

    config: MkDocsConfig
    theme_files: list[tuple[str, str]] = field(default_factory=list)
    """(src_uri, theme folder) of every static file the theme adds to a site."""
    asset_digests: dict[str, str] = field(default_factory=dict)
    """Digest of each theme static file, by src_uri."""
    store: Path | None = None
    """Folder of one copy of each theme asset, which sites hardlink to."""


def warm(
    config: MkDocsConfig,
    programs: tuple[Program, ...],
    *,
    client_sites: int,
    store: Path | None,
    bytecode: Path | None = None,
) -> Warm:
    """Prepare this process before forking: compile, list and convert what every site shares.

    Arguments:
        config: The loaded config, never built with.
        programs: The firm's programs, whose guides are converted ahead.
        client_sites: How many client sites will be built; guides are converted ahead only when it pays.
        store: Where to keep one copy of each theme asset for hardlinks, or None not to link.
        bytecode: Where to keep the theme's compiled templates between builds, or None to compile afresh.
    """
    env = config.theme.get_env()
    if bytecode is not None:
        env.bytecode_cache = page_templates._ENV.bytecode_cache = _bytecode_cache(bytecode)
    if client_sites >= AHEAD_FROM:
        # For a site or two, listing the theme's templates costs more than loading the few a site uses.
        for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
            try:
                env.get_template(name)
            except Exception as exc:  # A template that does not compile fails the site that uses it, as before.
                log.debug("theme template %s does not compile: %s", name, exc)
    # MkDocs asks the theme for a new environment (and compiles every template again) on every build.
    config.theme.get_env = lambda: env  # type: ignore[method-assign]

    result = Warm(config)
    listing = Files([])
    _original_add_files_from_theme(listing, env, config)
    result.theme_files = [(f.src_uri, f.abs_src_path.removesuffix(f.src_uri)) for f in listing]
    _THEME_LISTING[_theme_key(config)] = result.theme_files
    Files.add_files_from_theme = _add_files_from_theme  # type: ignore[method-assign]

    for name in page_templates._ENV.list_templates():
        page_templates._ENV.get_template(name)
    # Importing the Markdown extensions and loading the emoji index happen on first use.
    markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"]).convert(":+1:")

    paths = [Path(folder) / uri for uri, folder in result.theme_files]
    for uri, path in zip((uri for uri, _ in result.theme_files), paths, strict=True):
        result.asset_digests[uri] = file_digest(path.read_bytes())
    if store is not None:
        result.store = _fill_store(store, paths, result.asset_digests)

    docs_dir = Path(config.docs_dir)
    guides = {stage.guide for program in programs for stage in program.stages}
    site_files = {client: _site_files(config, guides, client=client) for client in (False, True)}
    for program in programs:
        for stage in program.stages:
            source = docs_dir / stage.guide
            if not source.is_file():
                continue
            body, _ = meta.get_data(source.read_text(encoding="utf-8-sig"))
            render_guide(body, neutral_values(program))
            if client_sites >= AHEAD_FROM:
                _CONVERSIONS.prepare(config, program, stage.guide, body, site_files)
    if _CONVERSIONS.entries:
        Page.render = _render  # type: ignore[method-assign]
    return result


def _bytecode_cache(folder: Path) -> jinja2.BytecodeCache | None:
    """Jinja's own cache of compiled templates, so a small rebuild does not compile Material's 130 and ours again.

    Compiling them is most of a one-site build's fixed cost. Each entry is
    checked against its template's source and against Jinja's and Python's
    versions, so a changed override or an upgrade compiles afresh.
    """
    from jinja2 import FileSystemBytecodeCache

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.debug("no template cache at %s: %s", folder, exc)
        return None
    return FileSystemBytecodeCache(str(folder))


# ------------------------------------------------------------------ the theme's files

_THEME_LISTING: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
_original_add_files_from_theme = Files.add_files_from_theme


def _theme_key(config: MkDocsConfig) -> tuple[Any, ...]:
    return (tuple(config.theme.dirs), tuple(config.theme.static_templates), config.use_directory_urls)


def _add_files_from_theme(self: Files, env: jinja2.Environment, config: MkDocsConfig) -> None:
    """`Files.add_files_from_theme` from the listing made once, instead of walking the theme's 14,000 files."""
    listing = _THEME_LISTING.get(_theme_key(config))
    if listing is None:
        _original_add_files_from_theme(self, env, config)
        return
    for uri, folder in listing:
        # As in MkDocs: a file in the docs folder wins over the theme's.
        if self.get_file_from_path(uri) is None:
            self.append(File(uri, folder, config.site_dir, config.use_directory_urls))


# ------------------------------------------------------------------ guides, converted once


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


class GuideConversions:
    """Guide pages converted to HTML once, each looked up by its exact Markdown.

    A guide's Markdown for a client holds no client value: every value is a
    token that the plugin fills in after conversion (`coachbook.render.tokens`). So a
    guide framed by, say, "You completed this stage on <token>" converts to the
    same HTML for every client with that standing. The parent converts each
    guide once per frame; a site's process uses a conversion only if the page's
    Markdown, location and Markdown settings are exactly those converted, and
    every link the conversion resolved resolves to the same page in this site.
    Anything else is converted as usual.
    """

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], _Converted] = {}

    def prepare(
        self, config: MkDocsConfig, program: Program, uri: str, body: str, site_files: dict[bool, Files]
    ) -> None:
        """Convert the guide at `uri` once for each way a site frames it."""
        stage = next(s for s in program.stages if s.guide == uri)
        for frame in _FRAMES:
            state = None if frame is None else StageState(stage, frame[0], frame[1], frame[2], current=False)
            guide = GuidePage(uri=uri, stage=stage, program=program, values=neutral_values(program), state=state)
            try:
                text = render_guide_page(guide, body, Slots())
            except Exception as exc:  # The site's own build reports it, with the page's name.
                log.debug("cannot frame %s ahead: %s", uri, exc)
                return
            files = site_files[frame is not None]
            file = files.get_file_from_path(uri)
            if file is None:
                return
            page = Page(None, file, config)
            page.markdown = text
            recording = _RecordingFiles(files)
            with _captured() as records:
                _original_render(page, config, recording)  # type: ignore[arg-type]
            self.entries[_key(page, config)] = _Converted(
                content=page.content or "",
                toc=page.toc,
                title=page._title_from_render,
                anchors=frozenset(page.present_anchor_ids or ()),
                links={f.src_uri: dict(v) for f, v in (page.links_to_anchors or {}).items()},
                lookups=tuple(recording.lookups),
                records=tuple(records),
            )

    def apply(self, page: Page, config: MkDocsConfig, files: Files) -> bool:
        """Give `page` its prepared conversion, if there is one that fits exactly."""
        if not self.entries or page.markdown is None:
            return False
        entry = self.entries.get(_key(page, config))
        if entry is None:
            return False
        for path, url, excluded in entry.lookups:
            target = files.get_file_from_path(path)
            if (target.url if target else None) != url or (target.inclusion.is_excluded() if target else None) != (
                excluded
            ):
                return False
        page.content = entry.content
        # The plugin fills tokens into the table of contents in place; each page gets its own copy.
        page.toc = copy.deepcopy(entry.toc)
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


_CONVERSIONS = GuideConversions()
_original_render = Page.render


def _render(self: Page, config: MkDocsConfig, files: Files) -> None:
    if not _CONVERSIONS.apply(self, config, files):
        _original_render(self, config, files)


def _key(page: Page, config: MkDocsConfig) -> tuple[Any, ...]:
    settings = repr(
        (config["markdown_extensions"], config["mdx_configs"], config.use_directory_urls, config.validation)
    )
    file = page.file
    return (page.markdown, file.src_uri, file.url, file.inclusion.is_excluded(), str(config.docs_dir), settings)


class _RecordingFiles:
    """The site's files, noting every lookup a conversion makes."""

    def __init__(self, files: Files) -> None:
        self._files = files
        self.lookups: list[tuple[str, str | None, bool | None]] = []

    def get_file_from_path(self, path: str) -> File | None:
        found = self._files.get_file_from_path(path)
        self.lookups.append((path, found.url if found else None, found.inclusion.is_excluded() if found else None))
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._files, name)


def _site_files(config: MkDocsConfig, guides: set[str], *, client: bool) -> Files:
    """The documentation files a typical client site (or the handbook) has, for resolving links ahead."""
    files = get_files(config)
    if client:
        for file in list(files.documentation_pages()):
            if file.src_uri not in guides:
                files.remove(file)
        for uri, _, _ in CLIENT_PAGES:
            if files.get_file_from_path(uri) is None:
                files.append(
                    File(uri, None, config.site_dir, config.use_directory_urls, inclusion=InclusionLevel.INCLUDED)
                )
    return files


@contextmanager
def _captured() -> Iterator[list[tuple[str, int, str]]]:
    """Record what is logged (and show none of it): a site replays it when it uses the conversion."""
    records: list[tuple[str, int, str]] = []

    class _Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append((record.name, record.levelno, record.getMessage()))

    recorder = _Recorder(level=logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("mkdocs")]
    saved = [(lg, lg.handlers[:]) for lg in loggers]
    for lg in loggers:
        lg.handlers[:] = [recorder]
    try:
        yield records
    finally:
        for lg, handlers in saved:
            lg.handlers[:] = handlers


# ------------------------------------------------------------------ hardlinked assets


def _fill_store(store: Path, paths: list[Path], digests: dict[str, str]) -> Path | None:
    """One copy of each theme asset, named by its digest, for sites to hardlink to."""
    try:
        store.mkdir(parents=True, exist_ok=True)
        for path, digest in zip(paths, digests.values(), strict=True):
            target = store / f"{digest}{path.suffix}"
            if not target.exists():
                temporary = store / f".{digest}.tmp"
                shutil.copyfile(path, temporary)
                temporary.replace(target)
    except OSError as exc:
        log.debug("no asset store at %s: %s", store, exc)
        return None
    return store


def link_assets(site_dir: Path, warmed: Warm, *, digest_of: Callable[[bytes], str] = file_digest) -> int:
    """Replace each theme asset in a built site by a hardlink to the store's identical copy.

    Each site stays complete and standalone (a hardlink is a file like any
    other), but the disk holds the theme's assets once. A file that differs
    from the store's (a plugin changed it) is left alone, and so is everything
    when the filesystem cannot link (another device): the copy simply stays.

    Returns:
        How many files were linked.
    """
    if warmed.store is None:
        return 0
    linked = 0
    for uri, digest in warmed.asset_digests.items():
        path = site_dir / uri
        source = warmed.store / f"{digest}{path.suffix}"
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
