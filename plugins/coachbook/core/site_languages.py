"""Which language each of a firm's sites is written in, and what of the firm's words it shows untranslated.

Kept apart from the pages (`coachbook.render`) so that `coachbook check`, which reports the languages in use,
need not load everything that writes a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from coachbook.core.i18n import Language, load_language
from coachbook.core.loader import Firm, LoadedEngagement
from coachbook.core.localise import guide_source, localised_program, program_fallbacks, same_language
from coachbook.core.model import Program
from coachbook.core.sponsor import wants_sponsor_site
from coachbook.errors import CoachbookError

__all__ = ["LanguageUse", "Localised", "languages_in_use", "localise", "site_language"]


def site_language(firm: Firm, tag: str | None = None) -> Language:
    """The language a site is built in: `tag` (a client's or sponsor's), else the firm's default.

    Raises:
        CoachbookError: The language is not one Coachbook can write (the firm's `theme.language`).
    """
    try:
        return load_language(tag or firm.project.language, firm.project.locales)
    except ValueError as exc:
        raise CoachbookError(f"{exc} (theme.language in mkdocs.yml)") from None


@dataclass(frozen=True)
class Localised:
    """A client's program and guides in their site's language, and what fell back to the default."""

    language: Language
    program: Program
    sources: dict[str, str]
    """The translation each guide is read from, by the guide's uri."""
    program_fallbacks: tuple[str, ...]
    """What of the program is shown in the default language."""
    guide_fallbacks: tuple[str, ...]
    """The guides shown in the default language."""

    @property
    def fallbacks(self) -> tuple[str, ...]:
        guides = ("guides " + ", ".join(self.guide_fallbacks),) if self.guide_fallbacks else ()
        return self.program_fallbacks + guides


def localise(firm: Firm, loaded: LoadedEngagement, tag: str | None) -> Localised:
    """The client's program and guides in the language `tag` (else the firm's), noting what is not translated."""
    language = site_language(firm, tag)
    default = firm.project.language
    program = localised_program(loaded.program, language.tag, default)
    content = loaded.content_dir or firm.project.content_dir
    sources: dict[str, str] = {}
    untranslated: list[str] = []
    for stage in loaded.program.stages:
        uri = Path(stage.guide).as_posix()
        source = guide_source(content, uri, language.tag, default)
        if source is not None:
            sources[uri] = source
        elif not same_language(language.tag, default):
            untranslated.append(uri)
    fallbacks = tuple(f.what for f in program_fallbacks(loaded.program, language.tag, default))
    return Localised(language, program, sources, fallbacks, tuple(untranslated))


@dataclass(frozen=True)
class LanguageUse:
    """One language the firm's sites are written in, who reads it, and what it leaves untranslated."""

    language: Language
    sites: tuple[str, ...]
    """The sites in this language: slugs, `SLUG (sponsor)`, or `handbook`."""
    fallbacks: tuple[str, ...]
    """The firm's words (guides, program) shown in its default language instead, for any of these sites."""


def languages_in_use(firm: Firm, plain: Mapping[str, bool] | None = None) -> list[LanguageUse]:
    """Every language a site of the firm is built in, the firm's own first, for `coachbook check`.

    `plain` adds engagements that are not loaded in `firm` because they name no language of their own (their
    sites are in the firm's language, which leaves nothing untranslated): by slug, whether they ask for a
    sponsor site. `check` loads in full only the engagements that name a language.

    Raises:
        CoachbookError: The firm's `theme.language` is not a language Coachbook can write.
    """
    uses: dict[str, tuple[Language, list[str], dict[str, None]]] = {}
    # A firm of a thousand engagements names a handful of languages: each is looked up once.
    languages: dict[str | None, Language] = {}

    def add(tag: str | None, site: str, fallbacks: tuple[str, ...]) -> None:
        if tag not in languages:
            languages[tag] = site_language(firm, tag)
        language = languages[tag]
        _, sites, found = uses.setdefault(language.tag, (language, [], {}))
        sites.append(site)
        found.update(dict.fromkeys(fallbacks))

    add(None, "handbook", ())
    others = {slug: sponsor_site for slug, sponsor_site in (plain or {}).items() if slug not in firm.engagements}
    for slug in sorted([*firm.engagements, *others]):
        if slug in others:
            add(None, slug, ())
            if others[slug]:
                add(None, f"{slug} (sponsor)", ())
            continue
        loaded = firm.engagements[slug]
        local = localise(firm, loaded, loaded.engagement.language)
        add(local.language.tag, slug, local.fallbacks)
        sponsor = loaded.engagement.sponsor
        if wants_sponsor_site(loaded.engagement) and sponsor is not None and sponsor.language:
            sponsored = localise(firm, loaded, sponsor.language)
            add(sponsored.language.tag, f"{slug} (sponsor)", sponsored.program_fallbacks)
        elif wants_sponsor_site(loaded.engagement):
            add(local.language.tag, f"{slug} (sponsor)", local.program_fallbacks)
    return [LanguageUse(language, tuple(sites), tuple(found)) for language, sites, found in uses.values()]
