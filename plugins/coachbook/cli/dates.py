"""The date options of every command (`--as-of`, `--from`, `--to`): YYYY-MM-DD, and a date that exists."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, TypeAlias

import click

__all__ = ["IsoDate"]

if TYPE_CHECKING:
    _DateParameter: TypeAlias = click.ParamType[dt.datetime]
else:  # click before 8.2 has no subscriptable ParamType at run time
    _DateParameter = click.ParamType

_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


class IsoDate(_DateParameter):
    """A calendar date written YYYY-MM-DD, given to the command as midnight of that day.

    click's own `DateTime` says "does not match the format '%Y-%m-%d'" of 2026-02-30 too, which
    does match it: here a date of the right shape that does not exist says why.
    """

    name = "YYYY-MM-DD"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        if not _SHAPE.fullmatch(text):
            self.fail(f"{text!r} is not a date; write it as YYYY-MM-DD, such as 2026-12-01", param, ctx)
        try:
            day = dt.date.fromisoformat(text)
        except ValueError as exc:
            self.fail(f"{text!r} is not a date that exists ({exc})", param, ctx)
        return dt.datetime.combine(day, dt.time())
