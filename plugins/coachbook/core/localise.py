"""The firm's own words in a client's language: the program's stages and the stage guides.

Coachbook's messages come from catalogs (`coachbook.core.i18n`); the firm's
words come from the firm. A firm writes its program and guides in its default
language (`theme.language`) and may translate them:

* **The program.** Each program, process step and stage in `program.yml` may
  carry `translations:`, keyed by language tag, with any of its words
  (`title`, `summary`, `duration`, `client_does`, ...). What a language
  leaves out stays in the default language.
* **The guides.** A translated guide sits next to the original, with the
  language before `.md`: `stages/03-assessment.de.md` is the German
  `stages/03-assessment.md`. A client's site shows it at the original's
  address, so links between guides work unchanged. For `pt-BR`,
  `03-assessment.pt-BR.md` is looked for, then `03-assessment.pt.md`.

Whatever a language lacks falls back to the default, and `fallbacks` says
what, so the build can warn once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypeVar

from pydantic import BaseModel

from coachbook.core.i18n import catalog_languages, normalise_tag
from coachbook.core.model import Program

__all__ = [
    "Fallback",
    "catalogs_for",
    "guide_languages",
    "guide_source",
    "guide_translations",
    "is_translation",
    "localised_program",
    "program_fallbacks",
    "same_language",
    "supported",
    "variant_uri",
]

_M = TypeVar("_M", bound=BaseModel)


def same_language(tag: str, other: str) -> bool:
    """Whether two tags are the same language for the firm's words: `en-GB` and `en` are, `pt` and `es` are not."""
    return _base(tag) == _base(other)


def _base(tag: str) -> str:
    return (normalise_tag(tag) or tag).split("-")[0]


def _lookups(tag: str) -> list[str]:
    """Tags to look a translation up by, most specific first: `pt-BR`, then `pt`."""
    canonical = normalise_tag(tag) or tag
    parts = canonical.split("-")
    return ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]


def _translation(translations: Mapping[str, _M], tag: str) -> _M | None:
    by_tag = {normalise_tag(key) or key: value for key, value in translations.items()}
    return next((by_tag[t] for t in _lookups(tag) if t in by_tag), None)


def _apply(item: _M, translations: Mapping[str, BaseModel], tag: str) -> _M:
    found = _translation(translations, tag)
    if found is None:
        return item
    return item.model_copy(update={k: v for k, v in found.model_dump().items() if v is not None})


def localised_program(program: Program, tag: str, default: str) -> Program:
    """The program in language `tag`, its untranslated words in the firm's default language.

    The result has the same ids, numbers, guides and order; only words change.
    """
    if normalise_tag(tag) == normalise_tag(default):
        return program
    steps = [_apply(step, step.translations, tag) for step in program.process_steps]
    stages = [_apply(stage, stage.translations, tag) for stage in program.stages]
    return _apply(program, program.translations, tag).model_copy(update={"process_steps": steps, "stages": stages})


@dataclass(frozen=True)
class Fallback:
    """Words of the firm that a language has no translation of, shown in the default language instead."""

    what: str
    """What is not translated, such as `program executive, stage assessment: title, summary` or a guide's path."""


def program_fallbacks(program: Program, tag: str, default: str) -> list[Fallback]:
    """What of the program is not translated into `tag`, when `tag` is not the default language."""
    if same_language(tag, default):
        return []
    found = []
    words = {"title", "summary"}
    if _translation(program.translations, tag) is None:
        found.append(Fallback(f"program {program.id}: title, summary"))
    for step in program.process_steps:
        missing = _untranslated(step.translations, tag, words)
        if missing:
            found.append(Fallback(f"program {program.id}, process step {step.id}: {', '.join(missing)}"))
    stage_words = {"title", "summary", "duration", "client_does", "coach_does", "exit_criteria"}
    for stage in program.stages:
        missing = _untranslated(stage.translations, tag, stage_words)
        if missing:
            found.append(Fallback(f"program {program.id}, stage {stage.id}: {', '.join(missing)}"))
    return found


def _untranslated(translations: Mapping[str, BaseModel], tag: str, words: set[str]) -> list[str]:
    found = _translation(translations, tag)
    given = set() if found is None else {k for k, v in found.model_dump().items() if v is not None}
    return sorted(words - given)


# --------------------------------------------------------------------------- guides


def variant_uri(guide: str, tag: str) -> str:
    """Where the translation of `guide` into `tag` lives: `stages/03-assessment.md` → `stages/03-assessment.de.md`."""
    path = PurePosixPath(guide)
    return path.with_name(f"{path.stem}.{tag}{path.suffix}").as_posix()


def guide_source(content_dir: Path, guide: str, tag: str, default: str) -> str | None:
    """The translation of `guide` a client in language `tag` reads, or None to read the guide itself.

    The guide itself is in the firm's default language, so its clients read it, and so do clients of the same
    language in another region unless a translation for their region exists (`.pt-BR.md` in a `pt` firm).
    """
    defaults = {normalise_tag(default) or default, _base(default)}
    for lookup in _lookups(tag):
        if lookup in defaults:
            return None
        candidate = variant_uri(guide, lookup)
        path = content_dir / candidate
        if path.is_file() and not path.is_symlink():
            return candidate
    return None


def is_translation(uri: str, existing: Iterable[str]) -> bool:
    """Whether the page at `uri` is another page's translation (`index.de.md` beside `index.md`), not a page."""
    path = PurePosixPath(uri)
    stem, dot, tag = path.stem.rpartition(".")
    if not dot or normalise_tag(tag) is None:
        return False
    return path.with_name(f"{stem}{path.suffix}").as_posix() in set(existing)


def guide_translations(content_dir: Path, guide: str) -> Iterator[tuple[str, str]]:
    """(tag, uri) of each translation of `guide` in the content folder."""
    path = content_dir / guide
    for candidate in sorted(path.parent.glob(f"{path.stem}.*{path.suffix}")):
        tag = normalise_tag(candidate.name[len(path.stem) + 1 : -len(path.suffix)])
        if tag is not None and candidate.is_file():
            yield tag, (PurePosixPath(guide).parent / candidate.name).as_posix()


def guide_languages(content_dir: Path, programs: Iterable[Program]) -> set[str]:
    """Every language at least one guide is translated into."""
    return {
        tag
        for program in programs
        for stage in program.stages
        for tag, _ in guide_translations(content_dir, stage.guide)
    }


def supported(tag: str, *, default: str, catalogs: Iterable[str], guides: Iterable[str]) -> bool:
    """Whether a language has a catalog of Coachbook's messages or translated guides, or is the firm's own.

    A language is supported through its base language too: `de-CH` by a `de` catalog.
    """
    if same_language(tag, default):
        return True
    known = {_base(t) for t in (*catalogs, *guides)}
    return _base(tag) in known


def catalogs_for(locales: Path) -> set[str]:
    """The languages that have a catalog, shipped or the firm's."""
    return set(catalog_languages(locales))
