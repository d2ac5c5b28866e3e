"""Start a new engagement file from a commented template: what `coachbook new SLUG` does.

Coaches are not programmers, so the file they start from has to be right the
first time: it must pass `coachbook check` as written, explain itself in
comments, and point editors at the JSON Schema so fields are completed and
checked while the coach types.

Values the coach typed are put into the template as quoted YAML scalars only
(never pasted as raw text), so a name such as `O'Neil: #1` cannot break the
file's structure, and the rendered file is validated with the real loader
before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from coachbook.core.loader import Project, slug_problem
from coachbook.core.model import Engagement, Program
from coachbook.core.schema import SCHEMA_LINE
from coachbook.core.validation import did_you_mean, validate_document
from coachbook.core.yaml_reader import parse_yaml
from coachbook.errors import CoachbookError, ProblemList

__all__ = [
    "DEFAULT_EVERY_WEEKS",
    "DEFAULT_SESSIONS",
    "NewEngagement",
    "choose_program",
    "create_engagement",
    "render_engagement",
    "slug_error",
]

#: The cadence and length a new file starts with; the coach edits them to match the agreement.
DEFAULT_EVERY_WEEKS = 2
DEFAULT_SESSIONS = 12

#: Characters that have no place in a one-line value: line breaks, tabs and other controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Text that YAML reads back as the same string when written without quotes: words, spaces and gentle punctuation.
_PLAIN = re.compile(r"[^\W\d_][\w.,'&()/ -]*[\w.)]|[^\W\d_]")
#: Words that YAML (1.1 or 1.2, as editors may use either) reads as booleans or null rather than text.
_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


@dataclass(frozen=True)
class NewEngagement:
    """What a coach tells `coachbook new` about a client."""

    slug: str
    """The file name without `.yml`, which becomes the site's folder and URL."""
    client_name: str
    role: str
    organisation: str
    coach_name: str
    program: Program
    """The program the engagement follows (the firm's first, unless the coach chose another)."""
    start: dt.date
    end: dt.date | None = None
    """Planned end; by default the start plus one cadence per agreed session."""

    @property
    def planned_end(self) -> dt.date:
        return self.end or self.start + dt.timedelta(weeks=DEFAULT_EVERY_WEEKS * DEFAULT_SESSIONS)


def _yaml_scalar(value: Any) -> Any:
    """Every printed value as a YAML scalar: plain when that cannot be misread, else double-quoted.

    A double-quoted JSON string is valid YAML whatever it holds, so anything
    beyond plain words, such as `O'Neil: #1`, is quoted that way.
    """
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.casefold() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


_ENV = Environment(
    loader=PackageLoader("coachbook", "templates"),
    undefined=StrictUndefined,
    autoescape=False,
    finalize=_yaml_scalar,
    keep_trailing_newline=True,
)


def render_engagement(new: NewEngagement, *, today: dt.date) -> str:
    """The text of the new engagement file.

    Arguments:
        new: What the coach told us.
        today: The date written in the file's header comment.
    """
    return _ENV.get_template("engagement.yml.j2").render(
        schema_line=Markup(SCHEMA_LINE),
        slug=Markup(new.slug),
        client_name_comment=Markup(new.client_name),
        client_name=new.client_name,
        role=new.role,
        organisation=new.organisation,
        coach_name=new.coach_name,
        program_id=new.program.id,
        first_stage=Markup(new.program.stages[0].id),
        start=new.start,
        end=new.planned_end,
        every_weeks=DEFAULT_EVERY_WEEKS,
        sessions=DEFAULT_SESSIONS,
        today=Markup(today.isoformat()),
    )


def create_engagement(project: Project, new: NewEngagement, *, today: dt.date | None = None) -> Path:
    """Write `engagements/<slug>.yml` for a new client, refusing to overwrite anything.

    Returns:
        The path of the new file.

    Raises:
        CoachbookError: The slug cannot be used, a file with this name (or one differing only by case or
            accents) exists, a value is unusable, or the rendered file would not pass `coachbook check`.
    """
    path = project.engagements_dir / f"{new.slug}.yml"
    shown = project.shown(path)
    problem = slug_error(new.slug)
    if problem is not None:
        raise CoachbookError(f"{new.slug!r} cannot be a client's slug: {problem}")
    _check_free(project, new.slug, shown)
    for label, value in (
        ("client name", new.client_name),
        ("role", new.role),
        ("organisation", new.organisation),
        ("coach", new.coach_name),
    ):
        _check_line(label, value)
    if new.end is not None and new.end < new.start:
        raise CoachbookError(f"the end date {new.end.isoformat()} is before the start date {new.start.isoformat()}")

    text = render_engagement(new, today=today or dt.date.today())
    # Validate with the same loader `coachbook check` uses, so what we write is known to pass it.
    try:
        engagement = validate_document(parse_yaml(text, shown), Engagement)
    except ProblemList as exc:
        raise CoachbookError(f"the new file would not be valid, so nothing was written:\n{exc}") from None
    if engagement.program != new.program.id:  # pragma: no cover - the template always names the program
        raise CoachbookError(f"the new file names program {engagement.program!r}, not {new.program.id!r}")

    project.engagements_dir.mkdir(parents=True, exist_ok=True)
    try:
        # "x": create only. Even a file that appeared since the check above is never overwritten.
        with path.open("x", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except FileExistsError:
        raise CoachbookError(f"{shown} already exists; nothing was changed") from None
    return path


def slug_error(slug: str) -> str | None:
    """Why `slug` cannot name a new client's file, with a hint; None when it can.

    The loader's own rule (`loader.slug_problem`) judges a file name's stem, so
    a path such as `../x` is refused here first: a slug is a name, never a path.
    """
    if slug in ("", ".", "..") or "/" in slug or "\\" in slug:
        return "it is a path, not a name\n    hint: give a name such as jordan-lee"
    problem = slug_problem(Path(f"{slug}.yml"), Path(f"{slug}.yml"))
    return None if problem is None else f"{problem.message}\n    hint: {problem.hint}"


def choose_program(programs: tuple[Program, ...], program_id: str | None) -> Program:
    """The program with this id, or the firm's first (default) program.

    Raises:
        CoachbookError: No program has this id.
    """
    if program_id is None:
        return programs[0]
    for program in programs:
        if program.id == program_id:
            return program
    ids = [p.id for p in programs]
    hint = did_you_mean(program_id, ids) or "the programs are " + ", ".join(ids)
    raise CoachbookError(f"no program {program_id!r} in content/program.yml; {hint}")


def _check_free(project: Project, slug: str, shown: Path) -> None:
    """Refuse a slug whose file exists, or that would collide with one by case or accents."""
    folder = project.engagements_dir
    if not folder.is_dir():
        return
    key = unicodedata.normalize("NFKC", slug).casefold()
    for entry in sorted(os.listdir(folder)):
        stem, _, suffix = entry.rpartition(".")
        if suffix not in ("yml", "yaml"):
            continue
        if entry == f"{slug}.yml":
            raise CoachbookError(f"{shown} already exists; nothing was changed (edit that file instead)")
        if unicodedata.normalize("NFKC", stem).casefold() == key:
            raise CoachbookError(
                f"{project.shown(folder / entry)} already exists, and {shown} would collide with it; "
                "choose another slug"
            )


def _check_line(label: str, value: str) -> None:
    if not value.strip():
        raise CoachbookError(f"the {label} is empty; give it as a line of text")
    if _CONTROL.search(value):
        raise CoachbookError(f"the {label} {value!r} holds a line break or control character; give one line of text")
