"""Strict value types shared by the program and engagement models.

Coaches type these values by hand in YAML. Pydantic's lax mode would quietly
turn `1700000000` into a date or `"no"` into `False`; these types accept only
the spellings we document, so a typo becomes an error instead of a wrong site.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

#: Lower-case words joined by single hyphens: the form of every id and slug.
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _iso_date(value: Any) -> dt.date:
    # Our YAML loader keeps dates as strings, so only an ISO string (or a date
    # built in Python) gets through; numbers and free text are refused.
    if isinstance(value, dt.datetime):
        raise PydanticCustomError(
            "iso_date", "expected a date without a time, got {value}", {"value": repr(str(value))}
        )
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "iso_date", "{value} is not a real calendar date", {"value": repr(value)}
            ) from None
    raise PydanticCustomError("iso_date", "expected an ISO date (YYYY-MM-DD), got {value}", {"value": repr(value)})


def parse_date(value: Any) -> dt.date | None:
    """`value` as a date if it is one written the documented way, else None (its field reports why).

    Checks that span fields (`coachbook.core.rules`) read the file as written, so that they can run
    beside the field errors of the same file instead of after them.
    """
    try:
        return _iso_date(value)
    except PydanticCustomError:
        return None


def _clock(value: Any) -> str:
    if isinstance(value, str) and _CLOCK.match(value.strip()):
        return value.strip()
    raise PydanticCustomError(
        "clock_time", 'expected a 24-hour time such as "09:30", got {value}', {"value": repr(value)}
    )


def _strip(value: str) -> str:
    return value.strip()


#: Characters that take no space on screen: Unicode's Default_Ignorable_Code_Point (zero-width space,
#: non-joiner and joiner, soft hyphen, word joiner, bidi embeddings, overrides, isolates and marks,
#: variation selectors, Hangul fillers, tag characters) and the other format characters (Cf). The leak
#: audit removes them before it compares text; a name or a title must not contain them at all.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)
#: Bidi embeddings, overrides and isolates: they reorder the text after them, so `\u202eenoD` shows as "Done".
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: The schemes a page may link to; the leak audit refuses every other one (`file:`, `javascript:`...).
WEB_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: Control characters other than tab and line breaks.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _character(char: str) -> str:
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed').lower()})"


def _refuse(found: re.Match[str]) -> None:
    char = found.group()
    details = {"char": _character(char), "at": found.start() + 1}
    if BIDI_CONTROLS.fullmatch(char):
        raise PydanticCustomError(
            "bidi_control",
            "contains {char} at character {at}, which can make the text after it display reversed",
            details,
        )
    raise PydanticCustomError(
        "invisible_character", "contains {char} at character {at}, an invisible character", details
    )


def _visible(value: str) -> str:
    # A name or a title is shown in every page, the nav and the <title>: what is in it must be what is seen.
    found = BIDI_CONTROLS.search(value) or INVISIBLE.search(value) or _CONTROL.search(value)
    if found:
        _refuse(found)
    return value


def _no_bidi(value: str) -> str:
    # Prose may hold zero-width characters pasted from a word processor (the audit reads past them), but a
    # bidi override would reorder what the client reads, and a control character is never meant.
    found = BIDI_CONTROLS.search(value) or _CONTROL.search(value)
    if found:
        _refuse(found)
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A calendar date written as `YYYY-MM-DD`."""

ClockTime = Annotated[str, BeforeValidator(_clock), WithJsonSchema({"type": "string", "pattern": _CLOCK.pattern})]
"""A 24-hour clock time written as `HH:MM`, kept as text (never YAML 1.1 sexagesimal)."""

Text = Annotated[str, StringConstraints(strict=True, min_length=1), AfterValidator(_strip), AfterValidator(_visible)]
"""Non-empty text; numbers are refused rather than silently turned into strings."""

Markdown = Annotated[str, StringConstraints(strict=True), AfterValidator(_strip), AfterValidator(_no_bidi)]
"""Free text a coach writes in Markdown; sanitised before it is published."""

Identifier = Annotated[str, StringConstraints(strict=True, pattern=ID_PATTERN, max_length=64)]
"""A lower-case, hyphenated id such as `goal-setting` or `delegate-more`."""

SITE_ID_PATTERN = r"^[a-z2-7]{20,64}$"
SiteId = Annotated[str, StringConstraints(strict=True, pattern=SITE_ID_PATTERN)]
"""An unguessable URL segment: 20 to 64 base32 letters (a-z, 2-7), at least 100 random bits."""

GIT_REF_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9._/@{}^~+-]{0,199}$"
GitRef = Annotated[str, StringConstraints(strict=True, pattern=GIT_REF_PATTERN)]
"""A git tag, branch or commit, such as `v2026.1`; never something git would read as an option."""

Email = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, pattern=r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$"),
    AfterValidator(_visible),
]
"""An email address; checked for shape only, never contacted."""

LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,2}$"
LanguageTag = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, pattern=LANGUAGE_PATTERN)]
"""A language tag such as `de`, `pt-BR` or `zh-Hant` (BCP 47); whether Coachbook supports it is checked on loading."""

#: The largest count any field holds (a stage's number, weeks between sessions, raters, a scale's top, a group):
#: far above any real one, and low enough that dates, charts and totals computed from it stay ordinary numbers.
MAX_COUNT = 1_000
#: Sessions agreed in one engagement: a weekly session for ten years is 520.
MAX_SESSIONS = 500
#: A session lasts at most a day.
MAX_MINUTES = 24 * 60
#: The largest size of a measured value, either side of zero: every chart scale, progress percentage and number
#: format handles it exactly (beyond this, `1e300` overflowed the charts and `Decimal` formatting).
MAX_MEASURE = 1_000_000_000

PositiveInt = Annotated[int, Field(strict=True, gt=0, le=MAX_COUNT)]
"""A whole number from 1 to 1,000; `true` and `"3"` are refused."""

SessionCount = Annotated[int, Field(strict=True, gt=0, le=MAX_SESSIONS)]
"""A number of sessions, from 1 to 500."""

Minutes = Annotated[int, Field(strict=True, gt=0, le=MAX_MINUTES)]
"""How long a session lasts, in whole minutes from 1 to 1,440 (a day)."""

Number = Annotated[float, Field(strict=False, allow_inf_nan=False, ge=-MAX_MEASURE, le=MAX_MEASURE)]
"""A finite measurement value from -1,000,000,000 to 1,000,000,000 (ints are accepted; strings are not, see
`_no_strings`)."""


def _no_strings(value: Any) -> Any:
    if isinstance(value, (str, bool)):
        raise PydanticCustomError("number_type", "expected a number, got {value}", {"value": repr(value)})
    return value


Measure = Annotated[Number, BeforeValidator(_no_strings)]
"""A number a coach measured; text such as `"7"` or `yes` is an error, not a guess."""
