"""A site's language, as MkDocs and Material need it: the theme's interface, search, and the page's root element.

The core decides a site's language (`coachbook.core.site_languages.site_language`);
this module tells the engine:

* **Material's interface.** `theme.language` becomes the site's, or the
  nearest language Material has (`pt-BR`, then `pt`): its menus, search box
  and footer follow. A firm can add a language Material lacks with
  `partials/languages/<lang>.html` in its `custom_dir`, as Material documents.
  `theme.direction` is the language's, so Arabic pages are laid out right to left.
* **Search.** The search plugin's `lang`, word separator and pipeline are the
  ones Material gives the site's language, and the separator also splits
  Chinese characters one from another, so a word inside a Chinese sentence is
  found: Material's search segments a query against the words of the index,
  and here those are single characters. Japanese keeps Material's own
  segmenter.
* **The root element.** `<html lang dir>` says the site's language (region
  included) and direction, also where Material has no interface in it.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateNotFound

from coachbook.adapter.config import set_theme_language
from coachbook.core.i18n import N_, Language
from coachbook.core.localise import same_language

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from coachbook.core.project import Project
    from coachbook.render.plan import SitePlan

__all__ = [
    "CJK_SEPARATOR",
    "coach_banner",
    "language_warnings",
    "localise_config",
    "mark_language",
    "material_language",
    "search_settings",
    "translate_not_found",
]

#: Languages Material names differently from the tag a firm writes.
_MATERIAL_ALIASES = {"no": "nb"}
#: Added to the search separator: a split before and after each Chinese character (CJK ideographs).
_HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff"
CJK_SEPARATOR = f"(?<=[{_HAN}])|(?=[{_HAN}])"
#: Languages whose search Material segments with a dictionary of its own (TinySegmenter), left as they are.
_OWN_SEGMENTER = ("ja",)
_HTML_ROOT = re.compile(r"<html\b[^>]*>")
#: The language and direction a theme wrote on the root element, replaced by the site's.
_LANG_OR_DIR = re.compile(r'\s(?:lang|dir)="[^"]*"')
#: The commas between the steps of the search pipeline in Material's translations.
_COMMA = re.compile(r"\s*,\s*")
_NOT_FOUND = "<h1>404 - Not found</h1>"


def material_language(config: MkDocsConfig, tag: str) -> str | None:
    """The language Material has for `tag`: `pt-BR`, else `pt`; None if the theme has no interface in it."""
    env = config.theme.get_env()
    parts = tag.split("-")
    candidates = ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]
    candidates += [_MATERIAL_ALIASES[c] for c in candidates if c in _MATERIAL_ALIASES]
    for candidate in candidates:
        try:
            env.get_template(f"partials/languages/{candidate}.html")
        except TemplateNotFound:
            continue
        return candidate
    return None


def _material_text(config: MkDocsConfig, key: str) -> str:
    """What Material's language partial for the theme's language says for `key` (English where it says nothing)."""
    template = config.theme.get_env().get_template("partials/language.html", None, {"config": config})
    return str(template.module.t(key))  # type: ignore[attr-defined]


def _is_material(config: MkDocsConfig) -> bool:
    """Whether the theme has Material's language partials, which say how each language is searched."""
    try:
        config.theme.get_env().get_template("partials/language.html")
    except TemplateNotFound:
        return False
    return True


def search_settings(config: MkDocsConfig, language: Language) -> dict[str, Any]:
    """The search plugin's `lang`, `separator` and `pipeline` for the theme's language, as Material chooses them.

    The separator also splits Chinese characters one from another (except in Japanese, which Material segments
    with a dictionary of its own).
    """
    lang = _material_text(config, "search.config.lang")
    separator = _material_text(config, "search.config.separator")
    pipeline = [step for step in _COMMA.split(_material_text(config, "search.config.pipeline")) if step]
    if language.locale.language not in _OWN_SEGMENTER and CJK_SEPARATOR not in separator:
        separator = f"{separator}|{CJK_SEPARATOR}"
    return {"lang": [lang], "separator": separator, "pipeline": pipeline}


def _search_plugin(config: MkDocsConfig) -> Any:
    for name in ("material/search", "search"):
        plugin = config.plugins.get(name)
        if plugin is not None:
            return plugin
    return None


def localise_config(config: MkDocsConfig, language: Language, *, firm_language: str) -> list[str]:
    """Set the theme, search and Markdown options of `config` for a site in `language`.

    The firm's own search settings in `mkdocs.yml` are kept for sites in its default language (with
    Chinese characters split); a site in another language gets the settings Material gives that language.

    Returns:
        Warnings to give, such as a language Material has no interface in.
    """
    warnings = []
    material = material_language(config, language.tag)
    if material is None and _is_material(config):
        warnings.append(
            f"Material has no interface in {language.name} ({language.tag}): its menus and search box are in "
            f"English on this site; add partials/languages/{language.tag}.html to the theme's custom_dir "
            "(see Material's documentation on custom languages)"
        )
    set_theme_language(config, material or "en")
    config.theme["direction"] = language.direction
    search = _search_plugin(config)
    if search is not None and {"lang", "separator"} <= set(search.config) and _is_material(config):
        # The firm's settings, as written in mkdocs.yml, are kept on the plugin the first time a site changes them.
        firm = getattr(search, "_coachbook_firm_search", None)
        if firm is None:
            firm = {key: search.config.get(key) for key in ("lang", "separator", "pipeline")}
            search._coachbook_firm_search = firm
        settings = search_settings(config, language)
        if language.tag == firm_language or same_language(language.tag, firm_language):
            settings = {key: firm.get(key) or value for key, value in settings.items()}
            if language.locale.language not in _OWN_SEGMENTER and CJK_SEPARATOR not in settings["separator"]:
                settings["separator"] = f"{settings['separator']}|{CJK_SEPARATOR}"
        for key, value in settings.items():
            if key in search.config:
                search.config[key] = value
    _permalink_title(config, language)
    return warnings


def _permalink_title(config: MkDocsConfig, language: Language) -> None:
    """The heading anchors' title ("Permanent link") in the site's language, unless the firm wrote its own."""
    if language.locale.language == "en" or "toc" not in config.markdown_extensions:
        return
    options = config.mdx_configs.setdefault("toc", {})
    if options.get("permalink") and "permalink_title" not in options:
        options["permalink_title"] = language.gettext(N_("Permanent link"))


def language_warnings(plan: SitePlan, project: Project) -> list[str]:
    """What the site shows in the default language or in English for want of a translation, each said once."""
    language = plan.language
    warnings = []
    if language.missing:
        shown = ", ".join(repr(m) for m in language.missing[:5])
        more = f" and {len(language.missing) - 5} more" if len(language.missing) > 5 else ""
        target = project.shown(project.locales / language.tag.replace("-", "_") / "LC_MESSAGES" / "coachbook.po")
        warnings.append(
            f"{len(language.missing)} message(s) have no {language.name} translation and show in English: "
            f"{shown}{more}; translate them in {target} (`coachbook check` lists them all)"
        )
    for problem in language.problems:
        warnings.append(f"{problem}; the English is shown instead")
    if plan.fallbacks:
        default = project.language
        warnings.append(
            f"no {language.name} ({language.tag}) translation of: {'; '.join(plan.fallbacks)}; "
            f"the firm's default language ({default}) is shown instead"
        )
    return warnings


def mark_language(page: str, language: Language) -> str:
    """The page's root element with the site's `lang` (region included) and `dir`, whatever the theme wrote there."""
    found = _HTML_ROOT.search(page)
    if found is None:
        return page
    tag = found.group(0)
    tag = _LANG_OR_DIR.sub("", tag)
    marked = tag[: len("<html")] + f' lang="{html.escape(language.tag)}" dir="{language.direction}"' + tag[5:]
    return page[: found.start()] + marked + page[found.end() :]


def translate_not_found(page: str, language: Language) -> str:
    """Material's 404 page says "404 - Not found" in English whatever the language; say it in the site's."""
    return page.replace(_NOT_FOUND, f"<h1>{not_found_heading(language)}</h1>", 1)


def not_found_heading(language: Language) -> str:
    """The 404 page's heading in `language`, escaped."""
    return html.escape(language.gettext(N_("404 - Not found")))


def coach_banner(language: Language) -> dict[str, str]:
    """The coach view's banner, in the site's language, escaped for the theme (`theme/main.html` prints it)."""
    return {
        "title": html.escape(language.gettext(N_("Coach view."))),
        "text": html.escape(
            language.gettext(
                N_(
                    "This preview shows coach-only material, private notes and drafts. Your client's site never "
                    "contains them, and this preview is never published."
                )
            )
        ),
    }
