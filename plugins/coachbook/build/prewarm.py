"""Pay each build's fixed costs once, in the fork server, before any site's process is forked from it.

`mkdocs build` compiles Material's templates, lists the theme's files and
parses the config every time it runs, and Python-Markdown converts every
guide for every client. `coachbook build` forks one process per site from a
server that has done all of this already, so each site's process starts with:

* the config loaded and validated (each process changes its own copy);
* the theme's Jinja environment with every template compiled;
* the list of the theme's static files, and their digests for the asset store;
* Coachbook's page templates and the guides' placeholder templates compiled;
* every guide converted to HTML once per way a site can frame it, to be
  filled with each client's values.

Nothing here is computed from a client's data: the server builds no site.
Reusing what the server made needs three changes to MkDocs' internals; they
all live in `coachbook.build.mkdocs_patches`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import markdown
from mkdocs.structure.files import File, Files, InclusionLevel, get_files

from coachbook.adapter.embedded import rename_ahead
from coachbook.adapter.plugin import CoachbookPlugin
from coachbook.audit.files import file_digest
from coachbook.audit.normalise import learn_tags
from coachbook.audit.origins import learn_addresses
from coachbook.build import mkdocs_patches, theme_renders
from coachbook.build.asset_store import fill_store
from coachbook.build.fingerprints import tool_versions
from coachbook.build.search_parser import use_fast_search_parser
from coachbook.core.frontmatter import split_front_matter
from coachbook.core.i18n import Language, english
from coachbook.core.model import Program, StageStatus
from coachbook.core.placeholders import neutral_values, render_guide
from coachbook.core.progress import StageState
from coachbook.render.client_pages import CLIENT_PAGES, PROGRAM_URI, embedded_guide, render_guide_page
from coachbook.render.plan import GuidePage, embed_token
from coachbook.render.templates import ENV as PAGE_TEMPLATES
from coachbook.render.tokens import Slots

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig

__all__ = ["AHEAD_FROM", "Warm", "bytecode_cache", "warm"]

log = logging.getLogger(__name__)

#: Templates are compiled and guides converted (six frames each) ahead only for builds of this many client sites.
AHEAD_FROM = 3
_DAY = dt.date(2000, 1, 1)
#: A guide page is framed one of these ways: in the handbook (None), or by the client's standing on the stage.
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
    linked: bool = False
    """Whether sites link theme assets from the store as they are built (`mkdocs_patches.link_theme_assets`)."""
    stores: tuple[mkdocs_patches.ConversionStore, ...] = ()
    """The stores of conversions and of rendered pages the sites use, which `refresh` reads ahead."""
    refreshed: float = 0.0
    """When `refresh` last read the stores ahead (`time.monotonic`)."""


#: Modules the plugin imports when it builds a site, loaded here once rather than in each site's process.
_PAGE_WRITERS = ("coachbook.render.sites", "coachbook.adapter.firm_sites", "coachbook.render.client_pages")


def warm(
    config: MkDocsConfig,
    programs: tuple[Program, ...],
    *,
    client_sites: int,
    store: Path | None,
    bytecode: Path | None = None,
    language: Language | None = None,
    conversions: Path | None = None,
    reuse_conversions: bool = True,
) -> Warm:
    """Prepare this process before forking: compile, list and convert what every site shares.

    Arguments:
        config: The loaded config, never built with.
        programs: The firm's programs, whose guides are converted ahead.
        client_sites: How many client sites will be built; guides are converted ahead only when it pays.
        store: Where to keep one copy of each theme asset for hardlinks, or None not to link.
        bytecode: Where to keep the theme's compiled templates between builds, or None to compile afresh.
        language: The firm's default language, which guides are framed in ahead: a site in another language
            frames its guides in its own words, whose Markdown no conversion made here matches, so it converts
            them itself.
        conversions: Where the sites' processes keep the pages they convert, for each other and for the next
            build (`mkdocs_patches.ConversionStore`), or None to convert every page in every site.
        reuse_conversions: Whether the sites use what is in that store, or only add to it (`--force`).
    """
    for module in _PAGE_WRITERS:
        # The plugin imports these only when it builds a site (reading mkdocs.yml must not): every site needs them.
        importlib.import_module(module)
    env = config.theme.get_env()
    if bytecode is not None:
        env.bytecode_cache = PAGE_TEMPLATES.bytecode_cache = bytecode_cache(bytecode)
    if client_sites >= AHEAD_FROM:
        # For a site or two, listing the theme's templates costs more than loading the few a site uses.
        # Listing walks the theme's folders, icons and all: some ten thousand files, listed once.
        templates = env.list_templates(filter_func=lambda n: n.endswith(".html"))
        for name in templates:
            try:
                env.get_template(name)
            except Exception as exc:  # A template that does not compile fails the site that uses it, as before.
                log.debug("theme template %s does not compile: %s", name, exc)
        _load_icons(env, config, templates)
    # MkDocs asks the theme for a new environment (and compiles every template again) on every build.
    mkdocs_patches.share_theme_environment(config, env)
    # Every site indexes each of its pages for search: Material's parser, answering the same faster.
    use_fast_search_parser(plugins=config.plugins)

    result = Warm(config, theme_files=mkdocs_patches.list_theme_files(env, config))
    mkdocs_patches.use_theme_listing(config, result.theme_files)

    for name in PAGE_TEMPLATES.list_templates():
        PAGE_TEMPLATES.get_template(name)
    # Importing the Markdown extensions and loading the emoji index happen on first use.
    markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"]).convert(":+1:")

    paths = [Path(folder) / uri for uri, folder in result.theme_files]
    for uri, path in zip((uri for uri, _ in result.theme_files), paths, strict=True):
        result.asset_digests[uri] = file_digest(path.read_bytes())
    if store is not None:
        result.store = fill_store(store, paths, result.asset_digests)
    if result.store is not None:
        # Each site's copy of a theme asset is a link to the store's, made in place of the copy.
        result.linked = mkdocs_patches.link_theme_assets(
            result.store,
            {
                str(path): f"{digest}{path.suffix}"
                for path, digest in zip(paths, result.asset_digests.values(), strict=True)
            },
        )

    kept = None
    if conversions is not None:
        kept = mkdocs_patches.ConversionStore(conversions, tool_versions(), read=reuse_conversions)
    converted = mkdocs_patches.PageConversions(kept)
    docs_dir = Path(config.docs_dir)
    guides = {stage.guide for program in programs for stage in program.stages}
    site_files = {client: _site_files(config, guides, client=client) for client in (False, True)}
    for program in programs:
        for stage in program.stages:
            source = docs_dir / stage.guide
            if not source.is_file():
                continue
            text = source.read_text(encoding="utf-8-sig")
            # Read as each site's process will read it: as a page of MkDocs, and as a section of the print page.
            mkdocs_patches.read_front_matter(text)
            body, _ = split_front_matter(text)
            render_guide(body, neutral_values(program, language))
            if client_sites >= AHEAD_FROM:
                _convert_frames(converted, config, program, stage.guide, body, site_files, language or english())
    converted.install()
    renders = None
    if conversions is not None:
        renders = mkdocs_patches.ConversionStore(
            conversions / mkdocs_patches.RENDERS, tool_versions(), read=reuse_conversions
        )
    if renders is not None and theme_renders.install(renders, _overrides(config)):
        # A page whose values can wait (`Slots.deferrable_values`) keeps them as tokens through the theme.
        CoachbookPlugin.defer_fills = True
    if client_sites >= AHEAD_FROM:
        # Reading ahead reads every entry once, which only pays when several sites take them.
        result.stores = tuple(store for store in (kept, renders) if store is not None)
    return result


#: How often, at most, the fork server reads ahead what the sites built so far have stored (`refresh`).
REFRESH_SECONDS = 1.0


def refresh(warm: Warm) -> int:
    """In the fork server, before it forks a site's process: read ahead what the stores gained; the entries read.

    The first sites of a build convert and render what later ones take from the stores
    (`mkdocs_patches.ConversionStore.preload`). Looking costs a listing of the stores' folders, so it is
    done at most every `REFRESH_SECONDS`. The tags of the page shapes and guides read are learned for the
    leak audit too (`normalise.learn_tags`, `origins.learn_addresses`): they are most of the tags of every site's
    pages.
    """
    now = time.monotonic()
    if now - warm.refreshed < REFRESH_SECONDS:
        return 0
    warm.refreshed = now
    return sum(store.preload(_learn_markup) for store in warm.stores)


def _learn_markup(entry: dict[str, Any]) -> None:
    """Learn the tags of a stored page shape (`output`) or converted page (`content`), for the leak audit."""
    for name in ("output", "content"):
        markup = entry.get(name)
        if isinstance(markup, str):
            learn_tags(markup)
            learn_addresses(markup)


#: An icon a theme template names, or the config gives: `"material/menu"`, or `.icons/material/menu.svg`.
_ICON_NAME = re.compile(r"""["'](?:\.icons/)?((?:material|fontawesome|octicons|simple)/[\w./-]+?)(?:\.svg)?["']""")


def _load_icons(env: jinja2.Environment, config: MkDocsConfig, templates: list[str]) -> None:
    """Load the icons the theme's templates and the config name, as the templates that include them will.

    Material includes each icon as a template of its own (`{% include ".icons/" ~ icon ~ ".svg" %}`), loaded
    when first rendered: else every site's process reads and loads the same few again. Only a cache: an icon
    missed here is loaded by the site that shows it, as before.
    """
    # The palette is one mapping or a list of them, each toggle with its icon.
    names = {*_icons_in(config.theme.get("icon")), *_icons_in(config.theme.get("palette"))}
    loader = env.loader
    if loader is not None:
        for name in templates:
            with contextlib.suppress(Exception):
                source, _, _ = loader.get_source(env, name)
                names.update(_ICON_NAME.findall(source))
    for name in sorted(names):
        with contextlib.suppress(Exception):  # Not an icon the theme has: its page says so when it renders.
            env.get_template(f".icons/{name}.svg")


def _icons_in(value: object) -> list[str]:
    """Every string in a config value that names an icon (`material/weather-night`)."""
    if isinstance(value, str):
        return [value] if "/" in value and not value.endswith((".svg", ".png")) else []
    if isinstance(value, dict):
        return [name for item in value.values() for name in _icons_in(item)]
    if isinstance(value, list | tuple):
        return [name for item in value for name in _icons_in(item)]
    return []


def _overrides(config: MkDocsConfig) -> Path | None:
    custom = getattr(config.theme, "custom_dir", None)
    return Path(custom) if custom else None


def _convert_frames(
    conversions: mkdocs_patches.PageConversions,
    config: MkDocsConfig,
    program: Program,
    uri: str,
    body: str,
    site_files: dict[bool, Files],
    language: Language,
) -> None:
    """Convert the guide at `uri` once for each way a site frames it, in the firm's default language."""
    stage = next(s for s in program.stages if s.guide == uri)
    for frame in _FRAMES:
        state = None if frame is None else StageState(stage, frame[0], frame[1], frame[2], current=False)
        guide = GuidePage(
            uri=uri,
            stage=stage,
            program=program,
            values=neutral_values(program, language),
            state=state,
            language=language,
        )
        try:
            text = render_guide_page(guide, body, Slots())
        except Exception as exc:  # The site's own build reports it, with the page's name.
            log.debug("cannot frame %s ahead: %s", uri, exc)
            return
        files = site_files[frame is not None]
        file = files.get_file_from_path(uri)
        if file is None:
            return
        conversions.prepare(config, file, text, files)
        # The print page repeats the guide as a section converted apart: the same for every client, too.
        print_page = files.get_file_from_path(PROGRAM_URI)
        if frame is not None and print_page is not None:
            section = embedded_guide(guide, body, token=embed_token(0))
            rename_ahead(section, *conversions.prepare(config, print_page, section.markdown, files))


def bytecode_cache(folder: Path) -> jinja2.BytecodeCache | None:
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
