"""Every word Coachbook writes into a site, in the site's language: gettext catalogs and Babel.

A site speaks one language, chosen per site: the firm's default
(`theme.language` in `mkdocs.yml`), or the language an engagement sets for its
client (`language:`). Everything Coachbook writes there (headings, badges,
chart descriptions, calendar events, the lock page) comes from a gettext
catalog, `locales/<lang>/LC_MESSAGES/coachbook.po`, and every date, number and
unit is formatted for the language by Babel, from CLDR's data.

* **Catalogs.** Coachbook ships catalogs in `coachbook/locales/`; a firm adds
  or corrects a language with its own `.po` file in the same layout under the
  folder beside `mkdocs.yml` that the plugin's `locales_dir` option names
  (`locales/` by default). For `pt-BR` the firm's `pt_BR`, then Coachbook's
  `pt_BR`, then the firm's `pt`, then Coachbook's `pt` are asked, in that order.
* **English is the source.** Messages are written in English in the code and
  the templates (`coachbook.pot` lists them all); a message no catalog
  translates shows in English, and `Language.missing` lists it so the build
  can say so once.
* **Trusted text.** A translation is trusted like a template: it may carry
  Markdown. A translation whose `%(name)s` placeholders differ from the
  English is not used (it would fail as the page is rendered) and counts as
  missing.

The core and the renderer use `Language`; nothing here knows MkDocs.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

if TYPE_CHECKING:
    import datetime as dt

__all__ = [
    "DOMAIN",
    "N_",
    "SHIPPED_LOCALES",
    "SOURCE_LANGUAGE",
    "TAG_PATTERN",
    "CatalogProblem",
    "Language",
    "catalog_languages",
    "english",
    "load_language",
    "normalise_tag",
    "source_messages",
]

#: The gettext domain: catalogs are `<lang>/LC_MESSAGES/coachbook.po`.
DOMAIN = "coachbook"
#: The language the messages are written in, in the code and the templates.
SOURCE_LANGUAGE = "en"
#: Coachbook's own catalogs, and `coachbook.pot`, the list of every message.
SHIPPED_LOCALES = Path(__file__).resolve().parent.parent / "locales"
#: A language tag as firms write it (BCP 47, the usual subset): `de`, `pt-BR`, `zh-Hant`, `en-GB`.
TAG_PATTERN = r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,2}$"
_TAG = re.compile(TAG_PATTERN)
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it here: it is translated where it is shown."""
    return message


def normalise_tag(tag: str) -> str | None:
    """A language tag in its canonical form (`pt_br` → `pt-BR`, `ZH-hant` → `zh-Hant`), or None if unusable.

    Babel must know the language: its dates, numbers and plural rules come from CLDR.
    """
    if not isinstance(tag, str) or not _TAG.match(tag.strip()):
        return None
    parts = re.split(r"[-_]", tag.strip())
    canonical = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            canonical.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or part.isdigit():
            canonical.append(part.upper())
        else:
            canonical.append(part.lower())
    try:
        Locale.parse("_".join(canonical))
    except (ValueError, UnknownLocaleError):
        return None
    return "-".join(canonical)


def _candidates(tag: str) -> list[str]:
    """Catalog folder names for a tag, most specific first: `pt-BR` → `pt_BR`, `pt-BR`, `pt`."""
    parts = tag.split("-")
    names = []
    for end in range(len(parts), 0, -1):
        names.append("_".join(parts[:end]))
        if end > 1:
            names.append("-".join(parts[:end]))
    return list(dict.fromkeys(names))


def _catalog_files(tag: str, firm_locales: Path | None) -> list[Path]:
    """The `.po` files that translate `tag`, in the order they are asked: firm before Coachbook, exact before base."""
    found = []
    for name in _candidates(tag):
        for root in (firm_locales, SHIPPED_LOCALES):
            if root is None:
                continue
            path = root / name / "LC_MESSAGES" / f"{DOMAIN}.po"
            if path.is_file() and path not in found:
                found.append(path)
    return found


def catalog_languages(firm_locales: Path | None = None) -> dict[str, Path]:
    """Every language a catalog exists for, by canonical tag, with the catalog the firm or Coachbook ships."""
    languages: dict[str, Path] = {}
    for root in (firm_locales, SHIPPED_LOCALES):
        if root is None or not root.is_dir():
            continue
        for path in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            tag = normalise_tag(path.parent.parent.name)
            if tag is not None:
                languages.setdefault(tag, path)
    return languages


@functools.cache
def source_messages() -> tuple[str | tuple[str, str], ...]:
    """Every message Coachbook writes into a site, in English, from the shipped `coachbook.pot`.

    A plural message is its (singular, plural) pair.
    """
    with (SHIPPED_LOCALES / f"{DOMAIN}.pot").open("rb") as handle:
        template = read_po(handle)
    found: list[str | tuple[str, str]] = []
    for message in template:
        ids = _ids(message.id)
        if ids[0]:
            found.append((ids[0], ids[1]) if len(ids) > 1 else ids[0])
    return tuple(found)


def _ids(message_id: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """A message's id as (singular,) or (singular, plural), whatever form Babel gives it in."""
    return (message_id,) if isinstance(message_id, str) else tuple(message_id)


@dataclass(frozen=True)
class CatalogProblem:
    """A translation that cannot be used: where it is and why; its message shows in English."""

    path: Path
    line: int
    message: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message!r}: {self.reason}"


def _usable(catalog: Catalog, path: Path) -> tuple[Catalog, list[CatalogProblem]]:
    """The catalog without its untranslated, fuzzy or broken messages, and what was wrong with the broken ones."""
    problems = []
    for message in list(catalog):
        ids = _ids(message.id)
        if not ids[0]:
            continue
        strings = tuple(str(text or "") for text in _ids(message.string or ""))
        if message.fuzzy or not all(strings):
            catalog.delete(message.id, message.context)
            continue
        reason = _format_problem(ids, strings)
        if reason:
            problems.append(CatalogProblem(path, message.lineno or 1, ids[0], reason))
            catalog.delete(message.id, message.context)
    return catalog, problems


def _format_problem(english: tuple[str, ...], strings: tuple[str, ...]) -> str | None:
    """Why a translation would fail where it is filled in, or None.

    Each form may use any `%(name)s` of the English singular or plural (a language's "one" form may need the
    number, as in Russian for 21), and no other; `%` must be written `%%`.
    """
    names = {name for text in english for name in _PLACEHOLDER.findall(text)}
    if not names and not any("%" in text for text in english) and len(english) == 1:
        # A message without placeholders is never filled in, so a translation may use `%` as it likes.
        return None
    sample = dict.fromkeys(names, "x") | {"num": 1}
    for text in strings:
        unknown = set(_PLACEHOLDER.findall(text)) - names - {"num"}
        if unknown:
            return f"the translation uses {', '.join(f'%({n})s' for n in sorted(unknown))}, which the English has not"
        try:
            text % sample
        except (KeyError, ValueError, TypeError) as exc:
            return f"the translation is not a valid format ({exc}); write a per cent sign as %%"
    return None


def _msgid(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def _translations(path: Path, locale: str) -> tuple[gettext.GNUTranslations, list[CatalogProblem]]:
    """One `.po` file compiled in memory to gettext's `.mo` form."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    catalog, problems = _usable(catalog, path)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer), problems


@dataclass(frozen=True, eq=False)
class Language:
    """One site's language: its messages, and how it writes dates, numbers, units and direction."""

    tag: str
    """The canonical tag, such as `de` or `pt-BR`."""
    locale: Locale
    translations: gettext.NullTranslations = field(repr=False)
    missing: tuple[str, ...] = ()
    """English messages no catalog translates into this language, in catalog order; they show in English."""
    problems: tuple[CatalogProblem, ...] = ()
    """Translations that cannot be used, with why."""
    catalogs: tuple[Path, ...] = ()
    """The `.po` files asked, in order."""
    _written: dict[tuple[object, ...], str] = field(default_factory=dict, init=False, repr=False)
    """Dates and numbers written already, by how and what: a site writes the same few dates, scores and counts
    thousands of times, and Babel's formatting is the slow part of writing one."""

    @property
    def direction(self) -> str:
        """`rtl` for a language written right to left (Arabic, Hebrew, Persian, Urdu), else `ltr`."""
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    @property
    def name(self) -> str:
        """The language's name in English, for messages to the firm: "German", "Portuguese (Brazil)"."""
        return str(self.locale.get_display_name(SOURCE_LANGUAGE) or self.tag)

    # ------------------------------------------------------------------ messages

    def gettext(self, message: str) -> str:
        """The translation of an English message, or the message itself."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The form of a message for `count`, by the language's plural rule."""
        return self.translations.ngettext(singular, plural, count)

    def tr(self, message: str, /, **values: Any) -> str:
        """A translated message with its `%(name)s` placeholders filled with plain text (numbers localised)."""
        return self.gettext(message) % self._values(values)

    def ntr(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        """A translated plural message, filled; `%(num)s` is `count`."""
        return self.ngettext(singular, plural, count) % self._values({"num": count, **values})

    def _values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            key: self.number(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
            for key, value in values.items()
        }

    # ------------------------------------------------------------------ dates, numbers, units

    def date(self, day: dt.date) -> str:
        """A date for running text: "1 December 2026", "1. Dezember 2026", "2026年12月1日"."""
        return self._remembered(("date", day), lambda: str(format_date(day, format="long", locale=self.locale)))

    def day_month(self, day: dt.date) -> str:
        """A short day and month for a chart's axis: "2 Nov", "2. Nov."."""
        return self._remembered(("day_month", day), lambda: str(format_skeleton("MMMd", day, locale=self.locale)))

    def month_year(self, day: dt.date) -> str:
        """A short month and year for a chart's axis: "Nov 2026", "nov. de 2026"."""
        return self._remembered(("month_year", day), lambda: str(format_skeleton("yMMM", day, locale=self.locale)))

    def short_date(self, day: dt.date) -> str:
        """A date where columns share the width, as in a table: "1 Dec 2026", "01.12.2026"."""
        return self._remembered(("short_date", day), lambda: str(format_date(day, format="medium", locale=self.locale)))

    def month(self, day: dt.date) -> str:
        """A month and year in running text: "December 2026", "Dezember 2026", "diciembre de 2026"."""
        return self._remembered(("month", day), lambda: str(format_skeleton("yMMMM", day, locale=self.locale)))

    def _remembered(self, key: tuple[object, ...], write: Callable[[], str]) -> str:
        """What `write` gives, written once for `key` (which says what is written and how) in this language."""
        written = self._written.get(key)
        if written is None:
            written = self._written[key] = write()
        return written

    def number(self, value: float | int | str | Decimal) -> str:
        """A number with the language's decimal sign and grouping, every digit it was written with kept."""
        # What is written depends only on the value's text and on whether it was given as text (`str(value)` is
        # what `Decimal` reads); so the type and text are the key.
        return self._remembered(("number", type(value), str(value)), lambda: self._number(value))

    def _number(self, value: float | int | str | Decimal) -> str:
        try:
            exact = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            return str(value)
        if exact == exact.to_integral_value() and not isinstance(value, str):
            exact = exact.quantize(Decimal(1))
        return str(format_decimal(exact, locale=self.locale, decimal_quantization=False))

    def percent(self, value: int) -> str:
        """A whole percentage, such as "40%", "40 %"."""
        return str(format_percent(value / 100, locale=self.locale))

    def items(self, values: Iterable[str]) -> str:
        """Items as a short list: "A, B, C" in English, "A, B und C" in German, "A وB وC" in Arabic.

        CLDR's narrow list where the language has one (no "and" in English: items may hold "and" themselves),
        its standard list otherwise.
        """
        items = [str(v) for v in values]
        for style in ("standard-narrow", "standard"):
            try:
                # CLDR has "standard-narrow"; Babel's type hints leave it out of their list of styles.
                return str(format_list(items, style=style, locale=self.locale))  # type: ignore[arg-type]
            except KeyError:
                # Babel's data lacks some styles for some languages; the next style serves.
                continue
        return ", ".join(items)

    def minutes(self, count: int) -> str:
        """A length in minutes: "60 minutes", "60 Minuten", "60 دقيقة"."""
        return str(format_unit(count, "duration-minute", length="long", locale=self.locale))


def _locale(tag: str) -> Locale:
    return Locale.parse(tag.replace("-", "_"))


@functools.cache
def _load(tag: str, files: tuple[tuple[Path, int], ...]) -> Language:
    """A language from its catalog files; cached by their modification times, so an edited catalog is read again."""
    locale = _locale(tag)
    chain: gettext.NullTranslations = gettext.NullTranslations()
    problems: list[CatalogProblem] = []
    known: set[str] = set()
    # gettext asks a catalog, then its fallback: build the chain from the last asked to the first.
    for path, _ in reversed(files):
        translations, found = _translations(path, str(locale))
        problems += found
        # The keys of a compiled catalog are its msgids; a plural's key is its singular, paired with an index.
        known |= {key[0] if isinstance(key, tuple) else key for key in translations._catalog}  # type: ignore[attr-defined]
        translations.add_fallback(chain)
        chain = translations
    english = locale.language == SOURCE_LANGUAGE
    missing = () if english else tuple(_msgid(m) for m in source_messages() if _msgid(m) not in known)
    return Language(tag, locale, chain, missing, tuple(problems), tuple(path for path, _ in files))


def load_language(tag: str, firm_locales: Path | None = None) -> Language:
    """The language `tag` (canonical, see `normalise_tag`), with the firm's catalogs asked before Coachbook's.

    Raises:
        ValueError: Babel does not know the language.
    """
    canonical = normalise_tag(tag)
    if canonical is None:
        raise ValueError(f"{tag!r} is not a language tag Coachbook knows; write it as `de`, `pt-BR` or `zh-Hant`")
    files = tuple((path, path.stat().st_mtime_ns) for path in _catalog_files(canonical, firm_locales))
    return _load(canonical, files)


def english() -> Language:
    """British English, as the messages are written: the language where no site's language is given."""
    return load_language("en-GB")
