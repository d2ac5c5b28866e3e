"""Pages rendered by the theme once per shape, and filled with each client's values (patch 5 of MkDocs).

A stage guide reads the same for every client at the same standing on the
stage, except for their values: the plugin keeps those as tokens
(`coachbook.render.tokens`), and the guide is converted once per shape
(`mkdocs_patches.PageConversions`). Rendering it through Material's templates
and indexing it for search cost more than converting it, and were done for
every client. Here they are done once per shape too: the page is rendered with
its tokens, and with a token for the site's name, and what the theme wrote
(the page, and the page's search-index entries) is kept in the conversion
store (`mkdocs_patches.RENDERS`). Each site whose page has the same shape takes
it from there and fills its own values in. The 404 page, a template alone, is
kept the same way.

Three things make that exact:

* **Which values wait.** The plugin leaves a page's values as tokens only when
  each is escaped text that it would write as it is, on one line, with more
  than spaces (`Slots.deferrable_values`); and the site's name only when it is
  `plain`, reading the same through every filter a template may apply
  (escaping, `striptags`). Such a value goes wherever its token went, and the
  search index gets it as Material's parser would have written it
  (`_filled_entries`).
* **The key.** It holds everything a template can read of the page, the site
  and the build (`_page_key`, `ThemeRenders`): the page's content with its
  tokens, title, table of contents and neighbours, the navigation, the config
  and every plugin's options, the theme and the text of the firm's overrides,
  and the tools' versions. A site or page with anything it cannot state exactly
  (a config value of an unknown kind, another plugin or hook acting on pages or
  templates, a token outside the page's content) is rendered the ordinary way.
* **A check at each new shape.** The first site of a shape renders its page
  both ways, and the render with tokens is kept only if, filled in, it is that
  site's page byte for byte, search entries included. A template that does
  more with a value than print it (shortens it, changes its case) is caught
  there, and the shape is rendered for each site from then on.

The navigation of a page the theme renders for one client only (a dashboard,
the print page) is kept the same way (`_nav_root`): Material draws it from the
site and the page's place in it, except for the site's name and the page's own
table of contents, which become tokens. It is kept only while every template
that draws it is Material's own, whose reads the key states, and with the same
check at each new shape.

A page whose values cannot wait (a dashboard's notes and charts, headings that
are the client's goals) is kept with its content apart (`_build_apart`): what
Material draws around the content is rendered once per shape, with tokens for
the content, the table of contents and the site's name, and each site fills in
its own and runs its `post_page` events on the filled page. Material's
templates ask only two things of the content and the table of contents besides
printing them, and both are in the key; a firm whose own templates name either
has no page kept this way. The same check at each new shape applies.

Tests build a firm with and without what is kept (`--force`) and compare every
file byte for byte.

Assumes: `mkdocs.commands.build._build_page(page, config, doc_files, nav, env,
dirty, excluded)` renders `page.meta.get('template', 'main.html')` from
`get_context(nav, doc_files, config, page)` after the `page_context` events,
runs the `post_page` events, and writes the result to `page.file.abs_dest_path`;
`_build_template(name, template, files, config, nav)` returns what a template
alone renders to; both as MkDocs 1.6 does; and Material's search plugin
indexes a page only in `on_page_context`, into `search_index.entries`.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import mkdocs.commands.build as mkdocs_build
from jinja2 import nodes
from markupsafe import Markup
from mkdocs import utils
from mkdocs.exceptions import BuildError
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page

from coachbook.adapter.plugin import CoachbookPlugin
from coachbook.build.mkdocs_patches import _ANCHOR_FIELDS, ConversionStore, supported
from coachbook.core.digests import digest_bytes, folder_digest
from coachbook.render.tokens import DEFERRED_VALUES, SITE_NAME_TOKEN, fill_deferred, holds_tokens, plain

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

__all__ = ["ThemeRenders", "install"]

log = logging.getLogger("mkdocs.commands.build")

_original_build_page = mkdocs_build._build_page
_original_build_template = mkdocs_build._build_template

#: Bumped when what a kept render holds, or what its key covers, changes.
_RENDER_VERSION = 1
#: Options of the config that no template reads as such: the page, nav and files in the key say what they did.
_NOT_TEMPLATE_INPUTS = frozenset(
    {
        "site_name",
        "site_dir",
        "docs_dir",
        "dev_addr",
        "watch",
        "nav",
        "pages",
        "exclude_docs",
        "draft_docs",
        "not_in_nav",
        "config_file_path",
        "plugins",
        "theme",
    }
)
#: The coachbook plugin's options that name the site being built; what they change reaches templates as values.
_PER_SITE_OPTIONS = frozenset({"client", "as_of", "audience", "cohort", "repository", "changes_from", "changes_title"})
_STORE: ConversionStore | None = None


class _Unkeyable(Exception):
    """A value the key cannot state exactly: the page is rendered the ordinary way."""


def install(store: ConversionStore, overrides: Path | None) -> bool:
    """Have MkDocs render each page whose values were deferred once per shape, kept in `store`.

    `overrides` is the firm's theme folder, whose templates' text is part of every key. Returns False (and
    changes nothing) for an MkDocs these internals are not known for, or when Material's search would segment
    Chinese text (jieba), which a value's token would not go through as the value does.
    """
    if not supported():
        return False
    try:
        from material.plugins.search import plugin as search  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - Material is a dependency
        return False
    if getattr(search, "jieba", None) is not None:
        return False
    if _reads_build_time(overrides):
        # A firm template printing the build's time would be kept with the first build's.
        return False
    global _STORE
    _STORE = store
    ThemeRenders.overrides = folder_digest(overrides)
    ThemeRenders.apart = not _reads_page_body(overrides)
    ThemeRenders.overrides_dir = overrides.resolve() if overrides is not None else None
    mkdocs_build._build_page = _build_page
    mkdocs_build._build_template = _build_template
    return True


class ThemeRenders:
    """What one build's pages share for their keys, worked out once per build."""

    overrides = ""
    """Digest of the firm's theme overrides (their names and text)."""
    apart = False
    """Whether pages may be kept with their content apart: no template of the firm's reads it (`_build_apart`)."""
    overrides_dir: Path | None = None
    """The firm's theme overrides, whose templates `apart` was worked out from."""

    def __init__(self, config: MkDocsConfig, nav: Navigation, doc_files: Iterable[File]) -> None:
        self.site = self._site_key(config, nav, doc_files)
        self.search = _search_plugin(config)
        # Only templates whose reads are known: Material's and MkDocs' own, and the firm's, scanned at `install`.
        self.apart = ThemeRenders.apart and _only_known_templates(config)

    @staticmethod
    def _site_key(config: MkDocsConfig, nav: Navigation, doc_files: Iterable[File]) -> str | None:
        """A digest of what every page of this site renders from besides itself; None if it cannot be stated."""
        if not _only_known_events(config):
            return None
        try:
            options = {name: _keyable(value) for name, value in config.items() if name not in _NOT_TEMPLATE_INPUTS}
            plugins = [
                (
                    name,
                    _keyable(type(plugin)),
                    _keyable({k: v for k, v in plugin.config.items() if not _per_site(name, k)}),
                )
                for name, plugin in config.plugins.items()
            ]
            theme = config.theme
            theme_key = (
                theme.name,
                list(theme.dirs),
                sorted(theme.static_templates),
                _keyable(dict(theme.items())),
                ThemeRenders.overrides,
            )
            pages = [(f.src_uri, f.url) for f in doc_files if f.is_documentation_page()]
            text = json.dumps(
                [options, plugins, theme_key, _nav_key(nav), pages, config.use_directory_urls, _coachbook(config)],
                ensure_ascii=False,
            )
        except (_Unkeyable, TypeError, ValueError):
            return None
        # A value of this site in what every page renders (a page's title in the nav) is fine, but not a token.
        # Each page's key holds this digest of it, not the whole text again.
        return None if holds_tokens(text) else digest_bytes(text.encode("utf-8", "surrogatepass"))


_BUILD: tuple[Navigation, ThemeRenders] | None = None


def _renders(config: MkDocsConfig, nav: Navigation, doc_files: Iterable[File]) -> ThemeRenders:
    """This build's `ThemeRenders`, made at its first page (every page is populated by then)."""
    global _BUILD
    if _BUILD is None or _BUILD[0] is not nav:
        _BUILD = (nav, ThemeRenders(config, nav, doc_files))
    return _BUILD[1]


def _build_page(
    page: Page,
    config: MkDocsConfig,
    doc_files: Sequence[File],
    nav: Navigation,
    env: jinja2.Environment,
    dirty: bool = False,
    excluded: bool = False,
) -> None:
    """`_build_page`: a page whose values were deferred is rendered once per shape, else as MkDocs does."""
    if _STORE is not None:
        _navigation(env, config, nav, _renders(config, nav, doc_files))
    values: tuple[str, ...] | None = getattr(page, DEFERRED_VALUES, None)
    if values is None:
        _build_apart(page, config, doc_files, nav, env, dirty, excluded)
        return
    setattr(page, DEFERRED_VALUES, None)
    site_name = config.site_name
    renders = _renders(config, nav, doc_files)
    key = None
    site = renders.site
    shareable = not dirty and not excluded and plain(str(site_name)) and SITE_NAME_TOKEN not in (page.content or "")
    if _STORE is not None and site is not None and shareable:
        key = _page_key(page, site)
    if key is None or _STORE is None:
        page.content = fill_deferred(page.content or "", values)
        _build_apart(page, config, doc_files, nav, env, dirty, excluded)
        return
    names = _Names(_STORE, key)
    if _STORE.load_data(names.refused) is not None:
        # This shape did not fill in to what the theme writes for a site: it is never shared.
        page.content = fill_deferred(page.content or "", values)
        _build_apart(page, config, doc_files, nav, env, dirty, excluded)
        return
    kept = _STORE.load_data(names.render)
    if kept is not None and _use(kept, page, renders, values, str(site_name)):
        return
    _first_of_shape(names, page, config, doc_files, nav, env, renders, values)


class _Names:
    """Where a shape's render is kept, and where it is marked as never to be shared."""

    def __init__(self, store: ConversionStore, key: str) -> None:
        self.render = store.key((_RENDER_VERSION, key))
        # Apart from the render, so that a site that found the shape unusable is never overwritten by one
        # that found it usable for its own values, whichever writes last.
        self.refused = store.key((_RENDER_VERSION, "refused", key))


def _probes(values: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """Stand-in values for each of `values`, and for the site's name, unlike any client's in case and length.

    A template that does more with a value than print it (changes its case, shortens it, counts its words)
    writes something else for these than their tokens filled in, whatever the first site's own values.
    """
    words = "Qx Probe VALUE wOrds lengthened" + " ab" * 24
    return tuple(f"{words} {index}" for index in range(len(values))), f"{words} Site"


def _first_of_shape(
    names: _Names,
    page: Page,
    config: MkDocsConfig,
    doc_files: Sequence[File],
    nav: Navigation,
    env: Any,
    renders: ThemeRenders,
    values: tuple[str, ...],
) -> None:
    """Render the page with its tokens for the store, and for this site; keep the first only if it fills in right.

    The page is rendered three times, once per shape: with its tokens (and the site name's); with stand-in
    values (`_probes`); and as MkDocs renders it for this site. The render with tokens is kept only if, filled
    with the stand-ins or with this site's values, it is byte for byte that render, search entries included.
    """
    assert _STORE is not None
    site_name = config.site_name
    # Material's search takes what it excludes out of the content as it indexes it: each render starts afresh.
    content = page.content or ""
    entries = renders.search.search_index.entries if renders.search is not None else []
    before = len(entries)

    def render(fill: tuple[str, ...] | None, name: str | None) -> tuple[str | None, list[dict[str, Any]]]:
        page.content = content if fill is None else fill_deferred(content, fill)
        config.site_name = Markup(name if name is not None else SITE_NAME_TOKEN)
        try:
            return _rendered(page, config, doc_files, nav, env, say_errors=False), [
                dict(entry) for entry in entries[before:]
            ]
        except Exception as exc:  # The page is rendered as MkDocs renders it last, and says its own errors.
            log.debug("%s: not rendered with tokens: %s", page.file.src_uri, exc)
            return None, []
        finally:
            config.site_name = site_name
            del entries[before:]

    shape, shape_entries = render(None, None)
    probes, probe_name = _probes(values)
    probed, probed_entries = render(probes, probe_name) if shape is not None else (None, [])
    page.content = fill_deferred(content, values)
    output = _rendered(page, config, doc_files, nav, env)
    usable = (
        shape is not None
        and _filled(shape, shape_entries, probes, probe_name) == (probed, probed_entries)
        and _filled(shape, shape_entries, values, str(site_name)) == (output, entries[before:])
    )
    if usable:
        _STORE.save_data(names.render, {"usable": True, "output": shape, "entries": shape_entries})
    else:
        _STORE.save_data(names.refused, {"usable": False})
    _write(page, output)


def _filled(
    shape: str, entries: list[dict[str, Any]], values: tuple[str, ...], site_name: str
) -> tuple[str, list[dict[str, Any]]]:
    return fill_deferred(shape, values, site_name), _filled_entries(entries, values)


def _build_template(name: str, template: jinja2.Template, files: Files, config: MkDocsConfig, nav: Navigation) -> str:
    """`_build_template`: a page of the theme made of a template alone (the 404 page), rendered once per site shape.

    Such a page holds nothing of its site but its name and navigation, so it is rendered with the name's
    token and filled in, under the same conditions and with the same check at each new shape as a page. A
    template of the docs folder (`extra_templates`) is rendered the ordinary way: its text is in no key.
    """
    site_name = config.site_name
    theme_page = name.endswith(".html") and name in config.theme.static_templates
    if _STORE is None or not theme_page or not plain(str(site_name)) or not _only_known_events(config):
        return str(_original_build_template(name, template, files, config, nav))
    renders = _renders(config, nav, files)
    if renders.site is None:
        return str(_original_build_template(name, template, files, config, nav))
    names = _Names(_STORE, "\0".join((renders.site, "template", name)))
    if _STORE.load_data(names.refused) is not None:
        return str(_original_build_template(name, template, files, config, nav))
    kept = _STORE.load_data(names.render)
    if kept is not None and isinstance(kept.get("output"), str) and kept.get("usable") is True:
        return fill_deferred(kept["output"], (), str(site_name))

    def render(site: str) -> str | None:
        config.site_name = Markup(site)
        try:
            return str(_original_build_template(name, template, files, config, nav))
        except Exception as exc:  # Rendered as MkDocs renders it last, which says its own errors.
            log.debug("%s: not rendered with tokens: %s", name, exc)
            return None
        finally:
            config.site_name = site_name

    shape = render(SITE_NAME_TOKEN)
    _, probe_name = _probes(())
    probed = render(probe_name) if shape is not None else None
    output = str(_original_build_template(name, template, files, config, nav))
    if (
        shape is not None
        and fill_deferred(shape, (), probe_name) == probed
        and fill_deferred(shape, (), str(site_name)) == output
    ):
        _STORE.save_data(names.render, {"usable": True, "output": shape})
    else:
        _STORE.save_data(names.refused, {"usable": False})
    return output


def _rendered(
    page: Page,
    config: MkDocsConfig,
    doc_files: Sequence[File],
    nav: Navigation,
    env: Any,
    *,
    say_errors: bool = True,
) -> str:
    """The page as `_build_page` renders it, page events included, before it is written."""
    config._current_page = page
    try:
        page.active = True
        context = mkdocs_build.get_context(nav, doc_files, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
        output = template.render(context)
        return str(config.plugins.on_post_page(output, page=page, config=config))
    except Exception as exc:
        if say_errors:
            _say_error(page, exc)
        raise
    finally:
        page.active = False
        config._current_page = None


def _say_error(page: Page, exc: Exception) -> None:
    """Log a page that failed to build as MkDocs' `_build_page` says it."""
    message = f"Error building page '{page.file.src_uri}':"
    if not isinstance(exc, BuildError):
        message += f" {exc}"
    log.error(message)


def _use(
    kept: dict[str, Any],
    page: Page,
    renders: ThemeRenders,
    values: tuple[str, ...],
    site_name: str,
) -> bool:
    """Write a kept render for this site, and add its search entries; False if it is not one we can use."""
    output, entries = kept.get("output"), kept.get("entries")
    if kept.get("usable") is not True or not isinstance(output, str) or not isinstance(entries, list):
        return False
    if entries and (renders.search is None or not all(isinstance(e, dict) for e in entries)):
        return False
    filled = _filled_entries(entries, values)
    if renders.search is not None:
        renders.search.search_index.entries.extend(filled)
    page.content = fill_deferred(page.content or "", values)
    _write(page, fill_deferred(output, values, site_name))
    return True


def _write(page: Page, output: str) -> None:
    # As `_build_page` writes a page: a page that renders empty is not written.
    if output.strip():
        utils.write_file(output.encode("utf-8", errors="xmlcharrefreplace"), page.file.abs_dest_path)


def _filled_entries(entries: list[dict[str, Any]], values: tuple[str, ...]) -> list[dict[str, Any]]:
    """Copies of the entries Material's search made of a page with tokens, as made of the filled page.

    Material's parser reads a page's text unescaped and escapes it again without quotes (`&#x27;` becomes
    `'`), and trims each entry's title and text: a value is written as the parser would have written it, and
    the entry trimmed again (a value can open or close it). A value on one line with more than spaces
    (`Slots.deferrable_values`) never changes how the parser splits or joins the text around it.
    """
    searched = tuple(html.escape(html.unescape(value), quote=False) for value in values)
    filled = [dict(entry) for entry in entries]
    for entry in filled:
        _fill_entry(entry, searched)
    return filled


def _fill_entry(entry: dict[str, Any], searched: tuple[str, ...]) -> None:
    """Fill one entry with the values as Material's parser writes them (`_filled_entries`), and trim it."""
    for field in ("title", "text"):
        text = entry.get(field)
        if isinstance(text, str):
            entry[field] = fill_deferred(text, searched).strip()


def _page_reads(page: Page) -> list[Any]:
    """What a theme reads of `page` besides its content and table of contents, as plain data (`_keyable`)."""
    return [
        page.meta.get("template", "main.html"),
        page.file.src_uri,
        page.file.dest_uri,
        page.url,
        page.canonical_url,
        page.abs_url,
        page.edit_url,
        page.title,
        page.is_homepage,
        _keyable(page.meta),
        _neighbour(page.previous_page),
        _neighbour(page.next_page),
        str(page.update_date),
    ]


def _shown_headings(page: Page) -> tuple[Any, Sequence[Any]]:
    """The page's first heading (or None), and the headings Material shows (`toc.html`, `nav-item.html`).

    A page whose first heading is its title (level 1) shows that heading's children.
    """
    headings: Sequence[Any] = list(page.toc)
    first = next(iter(headings), None)
    return first, first.children if first is not None and first.level == 1 else headings


def _page_key(page: Page, site: str) -> str | None:
    """Everything of `page` the theme reads, as text; None if a token sits anywhere but in its content."""
    try:
        described = json.dumps([*_page_reads(page), _toc_key(page.toc)], ensure_ascii=False)
    except (_Unkeyable, TypeError, ValueError):
        return None
    if holds_tokens(described):
        return None
    content = digest_bytes((page.content or "").encode("utf-8", "surrogatepass"))
    return "\0".join((site, described, content))


def _neighbour(page: Page | None) -> tuple[str, str | None] | None:
    return None if page is None else (page.url, page.title)


def _toc_key(items: Any) -> list[Any]:
    out = []
    for item in items:
        extra = {k: _keyable(v) for k, v in vars(item).items() if k not in _ANCHOR_FIELDS}
        out.append([item.title, item.id, item.level, extra, _toc_key(item.children)])
    return out


def _nav_key(nav: Navigation) -> list[Any]:
    def item(entry: Any) -> list[Any]:
        if isinstance(entry, Section):
            return ["section", entry.title, [item(child) for child in entry.children]]
        if isinstance(entry, Link):
            return ["link", entry.title, entry.url]
        if isinstance(entry, Page):
            # Material prints each page's `icon`, `subtitle` and `status` from its front matter in the nav.
            extra = {name: _keyable(getattr(entry, name, None)) for name in ("encrypted", "typeset")}
            return ["page", entry.title, entry.url, entry.file.src_uri, _keyable(entry.meta), extra]
        raise _Unkeyable(type(entry).__name__)

    homepage = nav.homepage.url if nav.homepage is not None else None
    return [homepage, [item(entry) for entry in nav.items]]


def _keyable(value: Any) -> Any:
    """`value` as plain data that says exactly what it is; `_Unkeyable` for anything it cannot say."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return [[_keyable(k), _keyable(v)] for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [_keyable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(json.dumps(_keyable(item), ensure_ascii=False) for item in value)
    if isinstance(value, type) or callable(value):
        name, module = getattr(value, "__qualname__", None), getattr(value, "__module__", None)
        if isinstance(name, str) and isinstance(module, str):
            return f"<{module}.{name}>"
        raise _Unkeyable(repr(type(value)))
    own_repr = type(value).__repr__ is not object.__repr__  # type: ignore[comparison-overlap]
    if own_repr and " at 0x" not in (text := repr(value)):
        # A value object that says what it holds (a script's path and options, a locale).
        return [type(value).__module__, type(value).__qualname__, text]
    raise _Unkeyable(repr(type(value)))


def _per_site(plugin: str, option: str) -> bool:
    return plugin == "coachbook" and option in _PER_SITE_OPTIONS


def _only_known_events(config: MkDocsConfig) -> bool:
    """Whether Material's search is the only thing that acts on a page's context, and Coachbook on the output.

    Another plugin or hook there could read or change a page in ways the key does not cover.
    """
    events = config.plugins.events
    search = _search_plugin(config)
    known_context = all(
        getattr(handler, "__self__", None) is search and search is not None
        for handler in events.get("page_context", [])
    )
    return (
        known_context
        and _only_coachbook(events.get("post_page", []))
        and _only_coachbook(events.get("post_template", []))
        and not events.get("pre_template")
        and not events.get("template_context")
        # A plugin's `on_env` could give templates a filter or a global whose output no key holds.
        and not events.get("env")
    )


def _only_coachbook(handlers: Sequence[Any]) -> bool:
    return len(handlers) == 1 and isinstance(getattr(handlers[0], "__self__", None), CoachbookPlugin)


def _coachbook(config: MkDocsConfig) -> str:
    """What Coachbook's own `on_post_page` and `on_post_template` make of this site's pages (`output_key`)."""
    handler = config.plugins.events.get("post_page", [None])[0]
    plugin = getattr(handler, "__self__", None)
    if not isinstance(plugin, CoachbookPlugin):
        raise _Unkeyable("no Coachbook plugin")
    return plugin.output_key()


def _search_plugin(config: MkDocsConfig) -> Any:
    for name in ("material/search", "search"):
        plugin = config.plugins.get(name)
        if plugin is not None and type(plugin).__module__ == "material.plugins.search.plugin":
            return plugin
    return None


def _reads_build_time(folder: Path | None) -> bool:
    """Whether a template of the firm's under `folder` reads the build's time (`build_date_utc`)."""
    if folder is None or not folder.is_dir():
        return False
    return any(path.is_file() and b"build_date_utc" in path.read_bytes() for path in folder.rglob("*"))


# --------------------------------------------------------------------------- the navigation

#: Material's templates that draw a page's navigation. It is kept per shape only while every one of them is
#: Material's own: what each reads is known (`_navigation_key`), where a firm's own could read anything.
_NAV_TEMPLATES = (
    "partials/nav.html",
    "partials/nav-item.html",
    "partials/toc.html",
    "partials/toc-item.html",
    "partials/logo.html",
    "partials/source.html",
)
#: Names these templates read from the context they are rendered in, besides `page`, `nav` and `config`
#: (which `_navigation_key` states): some are set by Material's base template, the others only inside its macros,
#: where a firm's template setting one would reach them.
_NAV_READS = (
    "features",
    "base_url",
    "_",
    "checked",
    "first",
    "icon",
    "indeterminate",
    "index",
    "is_pruned",
    "is_section",
    "tabindex",
    "toc",
)
#: Stands for a page's table of contents where the navigation kept per shape shows it.
_TOC_TOKEN = "CBVNAVTOCZ"
_NAV_TOKENS = re.compile(f"{SITE_NAME_TOKEN}|{_TOC_TOKEN}")


class _Navigation:
    """This build's navigation as kept per shape: the site's key, and the table of contents last drawn.

    A page's navigation (`partials/nav.html`) lists every page of the site, marks the page's own, and shows
    its table of contents under it: about a quarter of what rendering a page that is not kept whole costs. It is
    the same for every client at the same page of a site of the same shape but for the site's name and the
    table of contents, which the theme draws once more beside the page (`partials/toc.html`, from the page's
    headings alone). So the navigation is rendered once per shape with a token for each, and filled in for
    each site; and the table of contents is drawn once per page render, not twice.
    """

    site: str | None = None
    """The digest of what every page of the build renders from (`ThemeRenders.site`); None: nothing is kept."""
    nav: Navigation | None = None
    config: MkDocsConfig | None = None
    defer_toc = -1
    """While a shape is rendered, the tables of contents drawn as `_TOC_TOKEN` (a count), else -1."""
    drawn = 0
    """Every table of contents drawn (as a token or not), so that a shape can tell it drew none for real."""
    toc: tuple[Any, ...] | None = None
    """The last table of contents drawn: its page, what it was drawn from, and what it is."""


_NAV = _Navigation()


def _navigation(env: jinja2.Environment, config: MkDocsConfig, nav: Navigation, renders: ThemeRenders) -> None:
    """Have `env` keep the navigation of this build's pages per shape (once per environment)."""
    _NAV.site, _NAV.nav, _NAV.config = renders.site, nav, config
    if getattr(env, "_coachbook_navigation", False):
        return
    env._coachbook_navigation = True  # type: ignore[attr-defined]
    try:
        templates = [env.get_template(name) for name in _NAV_TEMPLATES]
    except Exception:  # A theme without Material's templates: nothing to keep.
        return
    material = Path(_material_templates())
    if not all(t.filename and Path(t.filename).parent.parent == material for t in templates):
        return
    nav_template, toc_template = templates[0], templates[2]
    draw_nav, draw_toc = nav_template.root_render_func, toc_template.root_render_func
    nav_template.root_render_func = lambda context: _nav_root(context, draw_nav)
    toc_template.root_render_func = lambda context: _toc_root(context, draw_toc)


@functools.cache
def _material_templates() -> str:
    import material  # type: ignore[import-untyped]

    return str(Path(material.__file__).parent / "templates")


def _toc_root(context: Any, draw: Any) -> Any:
    """`partials/toc.html`: the token while a shape is rendered; else drawn once per page and table of contents."""
    _NAV.drawn += 1
    if _NAV.defer_toc >= 0:
        _NAV.defer_toc += 1
        yield _TOC_TOKEN
        return
    # What Material's table of contents reads: the page's headings, the config and the words of its language.
    page, config, lang = context.get("page"), context.get("config"), context.get("lang")
    try:
        headings = _toc_key(page.toc)
    except (_Unkeyable, AttributeError):
        yield from draw(context)
        return
    kept = _NAV.toc
    if kept is not None and kept[0] is page and kept[1] is config and kept[2] is lang and kept[3] == headings:
        yield kept[4]
        return
    text = context.environment.concat(draw(context))
    _NAV.toc = (page, config, lang, headings, text)
    yield text


def _nav_root(context: Any, draw: Any) -> Any:
    """`partials/nav.html`: kept per shape where it can be stated exactly, else drawn as Material draws it."""
    config = context.get("config")
    store = _STORE
    site_name = str(getattr(config, "site_name", ""))
    # A build that reads nothing kept (`--force`) draws the navigation as Material does.
    usable = store is not None and store.read and config is _NAV.config and plain(site_name)
    key = _navigation_key(context) if usable else None
    if store is None or key is None:
        yield from draw(context)
        return
    names = _Names(store, key)
    if store.load_data(names.refused) is not None:
        yield from draw(context)
        return
    kept = store.load_data(names.render)
    shape = kept.get("output") if kept is not None and kept.get("usable") is True else None
    if not isinstance(shape, str):
        shape = _first_nav_of_shape(names, context, draw)
    if shape is None:
        yield from draw(context)
        return
    yield _filled_nav(shape, context, site_name)


def _filled_nav(shape: str, context: Any, site_name: str) -> str:
    """The navigation kept for a shape, with this site's name and this page's table of contents.

    Both are put in by one pass over the shape, so that neither is read again for the other's token.
    """
    drawn = ""
    if _TOC_TOKEN in shape:
        toc = context.environment.get_template("partials/toc.html")
        drawn = context.environment.concat(toc.root_render_func(toc.new_context(context.get_all(), True)))
    return _NAV_TOKENS.sub(lambda m: site_name if m.group(0) == SITE_NAME_TOKEN else drawn, shape)


def _first_nav_of_shape(names: _Names, context: Any, draw: Any) -> str | None:
    """Render a page's navigation with tokens for the store; keep it only if, filled in, it is what Material draws.

    Drawn with tokens, with a stand-in site name (`_probes`) and as it is: the render with tokens is kept
    only if it holds the token of the table of contents once for each time Material drew it, and fills in
    to both others byte for byte.
    """
    assert _STORE is not None
    config = context.get("config")
    site_name = config.site_name
    _, probe_name = _probes(())

    def render(name: str, *, defer: bool) -> tuple[str, int]:
        fresh = context.environment.get_template("partials/nav.html").new_context(context.get_all(), True)
        config.site_name = Markup(name)
        # A page kept with its content apart may be rendering its own shape around this: its counts are put back.
        outer = _NAV.defer_toc, _NAV.drawn
        _NAV.defer_toc = 0 if defer else -1
        try:
            return str(context.environment.concat(draw(fresh))), _NAV.defer_toc
        finally:
            config.site_name = site_name
            _NAV.defer_toc, _NAV.drawn = outer

    try:
        shape, tocs = render(SITE_NAME_TOKEN, defer=True)
        probed, _ = render(probe_name, defer=False)
        output, _ = render(str(site_name), defer=False)
    except Exception as exc:  # Drawn as Material draws it, which says its own errors.
        log.debug("%s: navigation not rendered with tokens: %s", getattr(context.get("page"), "url", "?"), exc)
        return None
    usable = (
        # Each token stands for a table of contents drawn, and the page has one: the filling puts the same in.
        tocs <= 1
        and shape.count(_TOC_TOKEN) == tocs
        and _filled_nav(shape, context, probe_name) == probed
        and _filled_nav(shape, context, str(site_name)) == output
    )
    if usable:
        _STORE.save_data(names.render, {"usable": True, "output": shape})
        return shape
    _STORE.save_data(names.refused, {"usable": False})
    return None


def _navigation_key(context: Any) -> str | None:
    """What Material's navigation of this page reads besides the site (`ThemeRenders.site`); None if unstated."""
    page, site = context.get("page"), _NAV.site
    if site is None or not isinstance(page, Page) or context.get("nav") is not _NAV.nav:
        return None
    # Whether Material shows headings under the page's entry: its own test (`nav-item.html`).
    _, headings = _shown_headings(page)
    try:
        described = json.dumps(
            [
                "navigation",
                page.url,
                page.file.src_uri,
                bool(headings),
                [(name, _keyable(context.get(name))) for name in _NAV_READS if name in context],
            ],
            ensure_ascii=False,
        )
    except (_Unkeyable, TypeError, ValueError):
        return None
    return None if holds_tokens(described) or _TOC_TOKEN in described else "\0".join((site, described))


# --------------------------------------------------------------------------- pages kept with their content apart

#: Stands for a page's content in a page kept with its content apart (`_build_apart`).
_CONTENT_TOKEN = "CBVPAGECONTENTZ"
#: What Material's `partials/content.html` asks of a page's content: whether it holds its own title.
_OWN_TITLE = "\u003ch1"
#: The tokens of a page kept with its content apart, by whether its content holds its own title; filled in one pass.
_APART_TOKENS = {
    has_title: re.compile(
        "|".join(re.escape(t) for t in (_OWN_TITLE * has_title + _CONTENT_TOKEN, _TOC_TOKEN, SITE_NAME_TOKEN))
    )
    for has_title in (False, True)
}


def _build_apart(
    page: Page,
    config: MkDocsConfig,
    doc_files: Sequence[File],
    nav: Navigation,
    env: jinja2.Environment,
    dirty: bool,
    excluded: bool,
) -> None:
    """`_build_page` for a page whose values are in its content for good: kept per shape with its content apart.

    A client's dashboard, goals, sessions and print page hold notes and charts, which are HTML of their own,
    and headings that are the client's goals: no token can wait for them (`Slots.deferrable_values`). Yet
    what Material draws around the content (head, header, navigation, footer, scripts) is the same for
    every client at that page of a site of the same shape, but for the site's name and the page's table of
    contents. So the page is rendered once per shape with a token for its content, one for its table of
    contents and one for the site's name, and each site fills in its own, runs its `post_page` events on the
    filled page, and writes it. Material's search indexes each site's page as it always does.

    Material's templates read only two things of a page's content and table of contents besides printing
    them: whether the content holds an `<h1>` (`partials/content.html`) and the first heading's address (the
    skip link of `base.html`). Both are in the key (`_apart_key`). The firm's own templates could read more,
    so a firm whose templates name either is rendered the ordinary way (`ThemeRenders.apart`). The first site
    of a shape checks the shape as `_first_of_shape` does (`_first_apart`).
    """
    store = _STORE
    renders = _renders(config, nav, doc_files) if store is not None else None
    site = renders.site if renders is not None else None
    if (
        store is None
        or renders is None
        or not store.read
        or site is None
        or dirty
        or excluded
        or not renders.apart
        or not plain(str(config.site_name))
    ):
        _original_build_page(page, config, doc_files, nav, env, dirty, excluded)
        return
    # As `_build_page` does, up to the render.
    config._current_page = page
    try:
        log.debug(f"Building page {page.file.src_uri}")
        page.active = True
        context = mkdocs_build.get_context(nav, doc_files, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
        output = _from_shape(store, site, page, config, env, template, context)
        if output is None:
            output = template.render(context)
        output = config.plugins.on_post_page(output, page=page, config=config)
        _write(page, output)
    except Exception as exc:
        _say_error(page, exc)
        raise
    finally:
        page.active = False
        config._current_page = None


def _from_shape(
    store: ConversionStore,
    site: str,
    page: Page,
    config: MkDocsConfig,
    env: jinja2.Environment,
    template: jinja2.Template,
    context: Any,
) -> str | None:
    """The page as `template` renders it in `context`, from its shape with the content apart; None: render it."""
    content = page.content or ""
    key = _apart_key(page, content, site)
    if key is None:
        return None
    names = _Names(store, "\0".join(("content apart", key)))
    if store.load_data(names.refused) is not None:
        return None
    kept = store.load_data(names.render)
    shape = kept.get("output") if kept is not None and kept.get("usable") is True else None
    if isinstance(shape, str):
        try:
            return _fill_apart(shape, content, env, context, str(config.site_name))
        except Exception as exc:  # Rendered as it is, which says its own errors.
            log.debug("%s: not filled in with its content apart: %s", page.file.src_uri, exc)
            return None
    return _first_apart(names, page, config, env, template, context)


def _first_apart(
    names: _Names,
    page: Page,
    config: MkDocsConfig,
    env: jinja2.Environment,
    template: jinja2.Template,
    context: Any,
) -> str:
    """Render a page with its content apart for the store, and as it is for this site; keep the first if it fills in.

    The page is rendered as it is first (so that its navigation is kept by then, and drawn from it after),
    then with tokens for its content, table of contents and site name, then with stand-ins for the content
    and the name (`_probes`). The render with tokens is kept only if every table of contents it drew is a
    token, its content token is there once, and filled in it is byte for byte each of the other two.
    """
    assert _STORE is not None
    site_name = config.site_name
    content = page.content or ""
    has_title = _OWN_TITLE in content
    output = str(template.render(context))

    def render(text: str, name: str, *, defer: bool) -> tuple[str | None, bool]:
        page.content = text
        config.site_name = Markup(name)
        outer = _NAV.defer_toc, _NAV.drawn
        _NAV.defer_toc, _NAV.drawn = (0 if defer else -1), 0
        try:
            rendered = str(template.render(context))
            # With the tokens, every table of contents drawn must be one, and be where it was drawn.
            return rendered, not defer or _NAV.drawn == _NAV.defer_toc == rendered.count(_TOC_TOKEN)
        except Exception as exc:  # The page is rendered as it is, which says its own errors.
            log.debug("%s: not rendered with its content apart: %s", page.file.src_uri, exc)
            return None, False
        finally:
            page.content = content
            config.site_name = site_name
            _NAV.defer_toc, _NAV.drawn = outer

    shape, tocs_are_tokens = render(_OWN_TITLE * has_title + _CONTENT_TOKEN, SITE_NAME_TOKEN, defer=True)
    probe = _probe_content(has_title)
    _, probe_name = _probes(())
    probed, _ = render(probe, probe_name, defer=False) if shape is not None else (None, False)
    try:
        usable = (
            shape is not None
            and probed is not None
            and tocs_are_tokens
            and shape.count(_CONTENT_TOKEN) == 1
            and _fill_apart(shape, probe, env, context, probe_name) == probed
            and _fill_apart(shape, content, env, context, str(site_name)) == output
        )
    except Exception as exc:  # A theme without Material's table of contents, say: rendered as it is.
        log.debug("%s: not filled in with its content apart: %s", page.file.src_uri, exc)
        usable = False
    if usable:
        _STORE.save_data(names.render, {"usable": True, "output": shape})
    else:
        _STORE.save_data(names.refused, {"usable": False})
    return output


def _probe_content(has_title: bool) -> str:
    """Content unlike any page's, holding a title exactly when the page's does (`partials/content.html` asks)."""
    title = f'{_OWN_TITLE} id="qx-probe">Qx Probe TITLE</h1>\n' if has_title else ""
    return title + '<p>Qx &amp; Probe <a href="#qx">wOrds</a> lengthened</p>\n<div class="qx">ab\n  ab</div>\n'


def _fill_apart(shape: str, content: str, env: jinja2.Environment, context: Any, site_name: str) -> str:
    """A shape kept with its content apart, with this page's content, table of contents and site name, in one pass."""
    has_title = _OWN_TITLE in content
    toc = _draw_toc(env, context) if _TOC_TOKEN in shape else ""

    def fill(match: re.Match[str]) -> str:
        token = match.group(0)
        return site_name if token == SITE_NAME_TOKEN else toc if token == _TOC_TOKEN else content

    return _APART_TOKENS[has_title].sub(fill, shape)


def _draw_toc(env: jinja2.Environment, context: Any) -> str:
    """The page's table of contents as Material's `partials/toc.html` draws it in `base.html`.

    It reads the page, the config and the words of the theme's language (`lang`, which `base.html` imports
    with its context), and nothing else `base.html` sets.
    """
    return str(env.get_template("partials/toc.html").render({**context, "lang": _language_words(env, context)}))


#: The module of Material's `partials/language.html` made for a config and its language, by the template's and
#: the config's `id()` (both kept, so that the ids stay theirs): one per site, where each page made its own.
_WORDS: dict[tuple[int, int], tuple[jinja2.Template, Any, str, Any]] = {}


def _language_words(env: jinja2.Environment, context: Any) -> Any:
    """`partials/language.html` made as a module in `context`, as `base.html` imports it.

    Material's own template reads nothing of the context but `config.theme.language` (which language's words
    to import), so its module is made once per config and language; a firm's own `language.html` may read
    anything, and is made for each page.
    """
    template = env.get_template("partials/language.html")
    config = context.get("config")
    language = getattr(getattr(config, "theme", None), "language", None)
    filename = template.filename or ""
    if config is None or not isinstance(language, str) or not filename.startswith(_material_templates() + os.sep):
        return template.make_module(context)
    kept = _WORDS.get((id(template), id(config)))
    if kept is not None and kept[0] is template and kept[1] is config and kept[2] == language:
        return kept[3]
    if len(_WORDS) >= 16:
        _WORDS.clear()
    words = template.make_module(context)
    _WORDS[id(template), id(config)] = (template, config, language, words)
    return words


def _apart_key(page: Page, content: str, site: str) -> str | None:
    """Everything of `page` Material reads besides its content and table of contents, and what it asks of them.

    None if it cannot be stated, or holds a token.
    """
    first, shown = _shown_headings(page)
    try:
        described = json.dumps(
            [
                *_page_reads(page),
                # `partials/content.html`: the page's own title, or the theme's.
                _OWN_TITLE in content,
                # `base.html`: the skip link to the first heading; `nav-item.html`: whether headings show.
                None if first is None else _keyable(first.url),
                bool(shown),
            ],
            ensure_ascii=False,
        )
    except (_Unkeyable, TypeError, ValueError):
        return None
    if holds_tokens(described) or _TOC_TOKEN in described or _CONTENT_TOKEN in described:
        return None
    return "\0".join((site, described))


def _only_known_templates(config: MkDocsConfig) -> bool:
    """Whether the theme's templates all come from Material, MkDocs or the firm's overrides (`_reads_page_body`).

    A folder another plugin adds could hold a template that reads a page's content in a way no key holds.
    """
    import mkdocs

    known = {
        Path(_material_templates()).resolve(),
        (Path(mkdocs.__file__).parent / "templates").resolve(),
        ThemeRenders.overrides_dir,
    }
    return all(Path(folder).resolve() in known for folder in config.theme.dirs)


def _reads_page_body(folder: Path | None) -> bool:
    """Whether a template of the firm's under `folder` may read a page's content or table of contents.

    Each template is parsed, and any name, attribute or string in its code that says `content` or `toc`
    (`page.content`, `page["toc"]`, `attr("content")`), or a subscript it cannot read, counts; its text and
    comments do not. A template that does not parse counts too.
    """
    if folder is None or not folder.is_dir():
        return False
    parser = jinja2.Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.loopcontrols", "jinja2.ext.do"])
    for path in sorted(folder.rglob("*.html")):
        try:
            tree = parser.parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
            return True
        for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Const)):
            if isinstance(node, nodes.Name):
                said = node.name
            elif isinstance(node, nodes.Getattr):
                said = node.attr
            elif isinstance(node, nodes.Getitem):
                if not isinstance(node.arg, nodes.Const):
                    return True
                continue
            else:
                value = getattr(node, "value", None)
                said = value if isinstance(value, str) else ""
            if "content" in said.lower() or "toc" in said.lower():
                return True
    return False
