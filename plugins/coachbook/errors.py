"""Errors people can act on.

Every problem with an input names the file, the line and column, the field,
what is wrong and what to do about it. The CLI and the plugin are the only
places that turn these into output; the core only raises them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coachbook.audit.leaks import Leak

__all__ = ["BuildError", "CoachbookError", "LeakError", "Problem", "ProblemList"]


class CoachbookError(Exception):
    """Base of every error Coachbook raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file."""

    path: Path
    """The file, as the user would name it (relative to the project where possible)."""
    line: int
    column: int
    field: str
    """Dotted path of the field, such as `goals[1].target`; empty for the whole file."""
    message: str
    hint: str = ""
    warning: bool = False
    """Something a coach would want to hear about, which does not stop a build (unless `--strict`)."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        if self.warning:
            what = f"warning: {what}"
        return f"{where}: {what}" + (f"\n    hint: {self.hint}" if self.hint else "")

    def to_json(self) -> dict[str, object]:
        """The problem as plain data, for the record cache (`coachbook.audit.records`)."""
        return {
            "path": self.path.as_posix(),
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "warning": self.warning,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Problem:
        return cls(
            Path(str(data["path"])),
            int(data["line"]),
            int(data["column"]),
            str(data["field"]),
            str(data["message"]),
            str(data.get("hint", "")),
            bool(data.get("warning", False)),
        )


class ProblemList(CoachbookError):
    """One or more problems found in the inputs; nothing was built."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (str(p.path), p.line, p.column))
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found:"
        return "\n".join([head, *(str(p) for p in self.problems)])


class BuildError(CoachbookError):
    """A site could not be built; the previous output was left in place."""


class LeakError(CoachbookError):
    """The leak audit found what a site must not contain; the site was not published.

    The leaks are values (`coachbook.audit.leaks.Leak`); the message lists the first few.
    """

    #: Leaks named in the message; the rest are counted.
    SHOWN = 5

    def __init__(self, leaks: Sequence[Leak]) -> None:
        self.leaks = tuple(leaks)
        shown = "; ".join(str(leak) for leak in self.leaks[: self.SHOWN])
        more = f" (and {len(self.leaks) - self.SHOWN} more)" if len(self.leaks) > self.SHOWN else ""
        super().__init__(f"leak audit failed: {len(self.leaks)} problem(s) found: {shown}{more}")
