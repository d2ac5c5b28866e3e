"""Make a new firm from nothing: what `coachbook init DIR` does.

A firm used to start by cloning the sample repository and deleting its
clients. The starter files ship inside the package (`coachbook/starter/`), so
`pip install coachbook` is all a coach needs: `common/` holds what every firm
gets (the settings, the theme with its brand files, the CI workflow, the
editor and pre-commit settings), and `executive/` or `empty/` the program and
its guides. The executive program is the sample firm's own, word for word
(a test keeps them in step), with the sample firm's name replaced by the new
firm's.

Files and folders named `dot-*` are written as `.*`, so the package carries
no `.gitignore` or `.github/` of its own that tools would take for its own.
Files ending `.j2` are templates, filled with the firm's name, language and
the Coachbook version; every value goes in escaped for where it lands.

What is written is checked before anything is: the folder must be empty (a
`.git` folder alone is fine, as after `git init` or a clone of an empty
repository), and nothing is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from jinja2 import Environment, StrictUndefined

from coachbook.core.files import write_atomic
from coachbook.core.loader import load_programs
from coachbook.core.project import Project
from coachbook.core.scaffold import NewEngagement, choose_program, create_engagement
from coachbook.core.schema import write_schemas
from coachbook.errors import CoachbookError, ProblemList

__all__ = [
    "EXAMPLE_SLUG",
    "PROGRAMS",
    "SAMPLE_FIRM",
    "NewFirm",
    "create_firm",
    "language_error",
    "starter_files",
]

#: The programs a new firm can start with: the sample firm's seven stages, or a skeleton of two.
PROGRAMS = ("executive", "empty")
#: The firm named in the starter's texts (the sample firm's), replaced by the new firm's name.
SAMPLE_FIRM = "Northlight Coaching"
#: The one example client a new firm starts with, so its first build shows a client's site.
EXAMPLE_SLUG = "example-client"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: A language tag as Material names its translations: `en`, `de`, `pt-BR`, `zh-Hant`.
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")
#: Entries an empty folder may already hold: a fresh `git init`, or a clone of an empty repository.
_ALLOWED = frozenset({".git"})

_TEMPLATES = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)


@dataclass(frozen=True)
class NewFirm:
    """What a coach tells `coachbook init` about their firm."""

    name: str
    """The firm's name, as clients read it: the handbook's title, the foot of every page."""
    language: str = "en"
    """The language of the sites' menus and labels (Material's `theme.language`)."""
    program: str = "executive"
    """`executive` (the sample firm's seven stages and guides) or `empty` (two stages to grow into)."""


def language_error(language: str) -> str | None:
    """Why `language` cannot be a site's language, or None when it can."""
    if not _LANGUAGE.fullmatch(language):
        return "write a language code such as en, de, fr or pt-BR"
    return None


def _yaml(value: str) -> str:
    """`value` as a YAML double-quoted scalar (JSON's strings are YAML's), so no name can break the file."""
    return json.dumps(value, ensure_ascii=False)


def _firm_in_markdown(text: str, name: str) -> str:
    """The sample firm's name replaced by `name` in a Markdown page: quoted in its front matter, escaped after."""
    if text.startswith("---\n"):
        end = text.index("\n---\n", 4) + 5
        front, body = text[:end], text[end:]
        # The front matter's values that name the firm are double-quoted, so the name goes in JSON-escaped;
        # Material prints them into attributes as they are, so HTML-escaped first.
        front = front.replace(SAMPLE_FIRM, _yaml(html.escape(name, quote=True))[1:-1])
    else:
        front, body = "", text
    return front + body.replace(SAMPLE_FIRM, html.escape(name, quote=False))


def _walk(folder: Traversable, prefix: PurePosixPath) -> list[tuple[PurePosixPath, Traversable]]:
    found: list[tuple[PurePosixPath, Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name == "__pycache__":
            continue
        name = "." + entry.name[len("dot-") :] if entry.name.startswith("dot-") else entry.name
        if entry.is_dir():
            found += _walk(entry, prefix / name)
        else:
            found.append((prefix / name, entry))
    return found


def starter_files(new: NewFirm, *, version: str) -> dict[PurePosixPath, str]:
    """Every file of the new firm but its example engagement and schemas, by path, as written.

    Raises:
        CoachbookError: The name, language or program cannot be used.
    """
    name = new.name.strip()
    if not name:
        raise CoachbookError("the firm's name is empty; give it as a line of text, such as 'Northlight Coaching'")
    if _CONTROL.search(name):
        raise CoachbookError(f"the firm's name {name!r} holds a line break or control character; give one line")
    problem = language_error(new.language)
    if problem is not None:
        raise CoachbookError(f"{new.language!r} is not a language code: {problem}")
    if new.program not in PROGRAMS:
        raise CoachbookError(f"there is no starter program {new.program!r}; choose {' or '.join(PROGRAMS)}")

    root = resources.files("coachbook") / "starter"
    values = {
        "name": name,
        "name_comment": name,
        "site_name": _yaml(f"{name} handbook"),
        "site_description": _yaml(f"How coaching with {name} works, stage by stage."),
        "language": _yaml(new.language),
        "contact": _yaml(name),
        "version": version,
    }
    files: dict[PurePosixPath, str] = {}
    for path, entry in _walk(root / "common", PurePosixPath()) + _walk(root / new.program, PurePosixPath()):
        text = entry.read_text(encoding="utf-8")
        if path.suffix == ".j2":
            path = path.with_suffix("")
            text = _TEMPLATES.from_string(text).render(values)
        elif path.suffix == ".md":
            text = _firm_in_markdown(text, name)
        files[path] = text
    return files


def _blocking(target: Path) -> list[str]:
    """What is already in `target` that a new firm must not be written over."""
    if not target.exists():
        return []
    if not target.is_dir():
        return [target.name]
    return sorted(entry.name for entry in target.iterdir() if entry.name not in _ALLOWED)


def create_firm(target: Path, new: NewFirm, *, version: str, today: dt.date | None = None) -> list[Path]:
    """Write a new firm into `target`, which must be empty or missing: every file, then one example client.

    Returns:
        The paths written, the example engagement last.

    Raises:
        CoachbookError: The folder is not empty, a value cannot be used, or a starter file would not load.
    """
    files = starter_files(new, version=version)
    blocking = _blocking(target)
    if blocking:
        listed = ", ".join(blocking[:5]) + (f" and {len(blocking) - 5} more" if len(blocking) > 5 else "")
        where = target if target.name else target.resolve()
        raise CoachbookError(
            f"{where} is not empty (it holds {listed}); nothing was written. "
            "Start the firm in a new folder, such as: coachbook init my-firm"
        )
    written: list[Path] = []
    for path, text in files.items():
        destination = target.joinpath(*path.parts)
        write_atomic(destination, text)
        written.append(destination)

    project = Project(root=target, content_dir=target / "content", engagements_dir=target / "engagements")
    written += [path for path, _ in write_schemas(project)]
    try:
        programs = load_programs(project)
    except ProblemList as exc:  # pragma: no cover - the starter files are tested to load
        raise CoachbookError(f"the starter program does not load:\n{exc}") from None
    start = today or dt.date.today()
    written.append(
        create_engagement(
            project,
            NewEngagement(
                slug=EXAMPLE_SLUG,
                client_name="Jordan Lee",
                role="Head of Operations",
                organisation="Example Ltd",
                coach_name="Sam Rivera",
                program=choose_program(programs, None),
                start=start,
            ),
            today=start,
        )
    )
    return written
