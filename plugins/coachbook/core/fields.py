"""Strict value types shared by the program and engagement models.

Coaches type these values by hand in YAML. Pydantic's lax mode would quietly
turn `1700000000` into a date or `"no"` into `False`; these types accept only
the spellings we document, so a typo becomes an error instead of a wrong site.
"""

from __future__ import annotations

import datetime as dt
import re
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


def _clock(value: Any) -> str:
    if isinstance(value, str) and _CLOCK.match(value.strip()):
        return value.strip()
    raise PydanticCustomError(
        "clock_time", 'expected a 24-hour time such as "09:30", got {value}', {"value": repr(value)}
    )


def _strip(value: str) -> str:
    return value.strip()


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A calendar date written as `YYYY-MM-DD`."""

ClockTime = Annotated[str, BeforeValidator(_clock), WithJsonSchema({"type": "string", "pattern": _CLOCK.pattern})]
"""A 24-hour clock time written as `HH:MM`, kept as text (never YAML 1.1 sexagesimal)."""

Text = Annotated[str, StringConstraints(strict=True, min_length=1), AfterValidator(_strip)]
"""Non-empty text; numbers are refused rather than silently turned into strings."""

Markdown = Annotated[str, StringConstraints(strict=True), AfterValidator(_strip)]
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
]
"""An email address; checked for shape only, never contacted."""

LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,2}$"
LanguageTag = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, pattern=LANGUAGE_PATTERN)]
"""A language tag such as `de`, `pt-BR` or `zh-Hant` (BCP 47); whether Coachbook supports it is checked on loading."""

PositiveInt = Annotated[int, Field(strict=True, gt=0)]
"""A whole number above zero; `true` and `"3"` are refused."""

Number = Annotated[float, Field(strict=False, allow_inf_nan=False)]
"""A finite measurement value (ints are accepted; strings are not, see `_no_strings`)."""


def _no_strings(value: Any) -> Any:
    if isinstance(value, (str, bool)):
        raise PydanticCustomError("number_type", "expected a number, got {value}", {"value": repr(value)})
    return value


Measure = Annotated[Number, BeforeValidator(_no_strings)]
"""A number a coach measured; text such as `"7"` or `yes` is an error, not a guess."""
