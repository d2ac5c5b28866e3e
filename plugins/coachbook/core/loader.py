"""Load the firm: its programs, stage guides and engagement files, all checked.

Loading is the first step of every build and of `coachbook check`. It either
returns a complete, cross-checked `Firm` or raises one `ProblemList` holding
every problem in every file, so a coach fixes them in one pass and no build
ever starts from bad input.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import jinja2

from coachbook.core.fields import GIT_REF_PATTERN, ID_PATTERN
from coachbook.core.frontmatter import front_matter_problems
from coachbook.core.i18n import normalise_tag
from coachbook.core.localise import catalogs_for, guide_languages, guide_translations, supported
from coachbook.core.model import Engagement, Program, ProgramFile
from coachbook.core.placeholders import check_guide
from coachbook.core.project import Project
from coachbook.core.rules import engagement_findings, program_findings, reference_findings
from coachbook.core.validation import (
    did_you_mean,
    field_problems,
    finding_problems,
    merge_problems,
    problem_at,
)
from coachbook.core.yaml_reader import YamlDocument, load_yaml, not_utf8
from coachbook.errors import CoachbookError, Problem, ProblemList

__all__ = [
    "Firm",
    "Handbook",
    "HandbookSource",
    "LoadedEngagement",
    "Project",
    "RefProblem",
    "load_engagement",
    "load_firm",
    "load_programs",
    "slug_problem",
]

PROGRAM_FILE = "program.yml"
MAX_SLUG_LENGTH = 64
#: Slugs that would collide with site paths or with names some filesystems reserve.
RESERVED_SLUGS = frozenset(
    {"assets", "search", "index", "handbook", "clients", "sponsors", "coach", "site", "published", "404", "sitemap"}
    | {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
    # The coaches' console and the cohort reports live beside the clients' sites, never as one of them.
    | {"firm", "cohorts", "exports"}
)


@dataclass(frozen=True)
class LoadedEngagement:
    """A validated engagement with what is needed to report on it later."""

    slug: str
    engagement: Engagement
    program: Program
    source: Path
    """Path of the YAML file, for messages and for watching during `serve`."""
    document: YamlDocument = field(repr=False, compare=False)
    content_dir: Path | None = None
    """Where this client's guides are read from: a pinned handbook's export, or None for `content/`."""
    handbook_commit: str | None = None
    """The commit the engagement's `handbook:` ref named when it was loaded."""
    warnings: tuple[Problem, ...] = ()
    """What a coach would want to hear about a valid file (`coachbook check` says it; `--strict` refuses it)."""

    @property
    def address(self) -> str:
        """The site's URL segment under `clients/`: the unguessable site id if set, else the slug."""
        return self.engagement.site.id or self.slug


@dataclass(frozen=True)
class Firm:
    """Everything a build needs, validated and cross-checked."""

    project: Project
    programs: tuple[Program, ...]
    engagements: dict[str, LoadedEngagement]

    def by_address(self, address: str) -> LoadedEngagement | None:
        """The engagement whose site lives at `clients/<address>/`."""
        return next((e for e in self.engagements.values() if e.address == address), None)

    def program(self, program_id: str | None) -> Program:
        """The named program, or the default (first) one."""
        if program_id is None:
            return self.programs[0]
        return next(p for p in self.programs if p.id == program_id)


def load_programs(project: Project) -> tuple[Program, ...]:
    """Load and cross-check `content/program.yml` and the guides it names, reporting every problem at once.

    The checks that span entries (stage numbers, steps, ids, guide files) read the file as written, so
    they run beside the field checks rather than after them.
    """
    path = project.content_dir / PROGRAM_FILE
    shown = project.shown(path)
    if not path.is_file():
        raise ProblemList([Problem(shown, 1, 1, "", "is missing", f"create {shown} listing the program's stages")])
    doc = load_yaml(path, display_path=shown)
    program_file, problems = field_problems(doc, ProgramFile)
    rules: list[Problem] = []
    rules += _duplicates(doc, _ids(doc.data, (), "programs"), "program id")
    for pi, program in enumerate(_list(doc.data, "programs")):
        if not isinstance(program, dict):
            continue
        base = ("programs", pi)
        steps = _ids(program, base, "process_steps")
        step_ids = [step for _, step in steps]
        rules += _duplicates(doc, steps, "process step id")
        rules += _duplicates(doc, _ids(program, base, "stages"), "stage id")
        rules += _duplicates(doc, _ids(program, base, "themes"), "theme id")
        rules += _tag_problems(doc, (*base, "translations"), _mapping(program, "translations"))
        for ti, process_step in enumerate(_list(program, "process_steps")):
            where = (*base, "process_steps", ti, "translations")
            rules += _tag_problems(doc, where, _mapping(process_step, "translations"))
        for si, stage in enumerate(_list(program, "stages")):
            if not isinstance(stage, dict):
                continue
            loc = (*base, "stages", si)
            number = stage.get("number")
            if isinstance(number, int) and not isinstance(number, bool) and number != si + 1:
                rules.append(
                    problem_at(
                        doc,
                        (*loc, "number"),
                        f"is {number} but this is stage {si + 1} in the list",
                        "stages are listed in order; renumber them 1, 2, 3, ...",
                    )
                )
            for ti, step in enumerate(_list(stage, "steps")):
                if isinstance(step, str) and step not in step_ids:
                    rules.append(
                        problem_at(
                            doc, (*loc, "steps", ti), f"unknown process step {step!r}", did_you_mean(step, step_ids)
                        )
                    )
            guide = stage.get("guide")
            if isinstance(guide, str) and guide.strip():
                rules += _guide_problems(project, doc, (*loc, "guide"), guide.strip())
            rules += _tag_problems(doc, (*loc, "translations"), _mapping(stage, "translations"))
    problems = merge_problems(problems, rules)
    if problems or program_file is None:
        raise ProblemList(problems)
    return tuple(program_file.programs)


def _list(data: object, key: str) -> list[object]:
    """The list under `key` of a mapping as written, or an empty one (its field check says what is wrong)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _mapping(data: object, key: str) -> Mapping[str, object]:
    """The mapping under `key` of a mapping as written, or an empty one (its field check says what is wrong)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _ids(data: object, base: tuple[str | int, ...], key: str) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, id) of each entry of the list of mappings under `key`, as written."""
    return [
        ((*base, key, i, "id"), item["id"])
        for i, item in enumerate(_list(data, key))
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def _tag_problems(doc: YamlDocument, loc: tuple[str | int, ...], translations: Mapping[str, object]) -> list[Problem]:
    """A translation under a key that is not a language Coachbook knows would never be shown: say so."""
    return [
        problem_at(
            doc,
            (*loc, tag),
            f"{tag!r} is not a language tag Coachbook knows",
            "write a language tag such as de, fr or pt-BR",
            at_key=True,
        )
        for tag in translations
        if normalise_tag(tag) is None
    ]


def _guide_problems(project: Project, doc: YamlDocument, loc: tuple[str | int, ...], guide: str) -> list[Problem]:
    content = project.content_dir.resolve()
    if not Path(guide).is_absolute() and (project.content_dir / guide).is_symlink():
        # Before resolving: a link to itself (or a loop of links) cannot be resolved at all.
        return [problem_at(doc, loc, f"{guide!r} is a symbolic link", "replace the link with the real file")]
    try:
        target = (project.content_dir / guide).resolve()
    except (OSError, RuntimeError):  # a loop of links in a folder on the way; RuntimeError before Python 3.13
        return [problem_at(doc, loc, f"{guide!r} goes through a loop of symbolic links", "replace the links")]
    if not target.is_relative_to(content) or Path(guide).is_absolute():
        return [problem_at(doc, loc, f"{guide!r} points outside the content folder", "name a file under content/")]
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._/-]*\.md$", guide) or ".." in guide:
        return [
            problem_at(
                doc, loc, f"{guide!r} is not a plain Markdown file name", "use letters, digits, - and _, ending in .md"
            )
        ]
    if not target.is_file():
        existing = [p.relative_to(content).as_posix() for p in content.rglob("*.md")]
        return [problem_at(doc, loc, f"guide file {guide!r} does not exist", did_you_mean(guide, existing))]
    problems = check_guide(target, project.shown(target))
    # Its translations (`03-assessment.de.md`) are shown in its place, so they are held to the same rules.
    for _, uri in guide_translations(project.content_dir, guide):
        translation = project.content_dir / uri
        if translation.is_symlink():
            problems.append(
                Problem(project.shown(translation), 1, 1, "", "is a symbolic link", "replace the link with the file")
            )
            continue
        problems += check_guide(translation, project.shown(translation))
    return problems


#: A slug, whole: `re.match` with the pattern's `$` would let a file name end in a newline.
_SLUG = re.compile(ID_PATTERN)


def slug_problem(path: Path, shown: Path) -> Problem | None:
    """Why this file name cannot be a client's slug, if it cannot."""
    slug = path.stem
    normal = unicodedata.normalize("NFKC", slug)
    if normal != slug or not slug.isascii():
        return Problem(
            shown, 1, 1, "", f"file name {slug!r} is not plain ASCII", "rename it using a-z, 0-9 and hyphens"
        )
    if len(slug) > MAX_SLUG_LENGTH:
        return Problem(shown, 1, 1, "", f"file name is {len(slug)} characters long", f"keep it to {MAX_SLUG_LENGTH}")
    if _SLUG.fullmatch(slug) is None:
        suggestion = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") or "client-name"
        return Problem(
            shown, 1, 1, "", f"file name {slug!r} cannot be used in a URL", f"rename it to {suggestion}{path.suffix}"
        )
    if slug in RESERVED_SLUGS:
        return Problem(shown, 1, 1, "", f"{slug!r} is a reserved name", "add the client's surname, e.g. index-smith")
    return None


def load_engagement(
    project: Project, path: Path, programs: tuple[Program, ...], handbooks: HandbookSource | None = None
) -> LoadedEngagement:
    """Load, validate and cross-check one engagement file, reporting everything wrong with it at once.

    Field checks, the rules that span fields and the references into the program run in one pass
    (`coachbook.core.rules`), so a coach never fixes one kind of problem only to meet the next. An
    engagement that pins its handbook is checked against the program of that ref, not the current one:
    its stages are the ones it signed up to. With no programs (the firm's program.yml has problems of
    its own), everything that does not need the program is still checked.

    Raises:
        ProblemList: Everything wrong with the file (its warnings are in the result when there is nothing wrong).
    """
    shown = project.shown(path)
    bad_slug = slug_problem(path, shown)
    if bad_slug:
        raise ProblemList([bad_slug])
    doc = load_yaml(path, display_path=shown)
    engagement, problems = field_problems(doc, Engagement)
    findings = engagement_findings(doc.data)
    pinned: Handbook | None = None
    handbook = doc.data.get("handbook") if isinstance(doc.data, dict) else None
    if isinstance(handbook, str) and re.match(GIT_REF_PATTERN, handbook):
        try:
            pinned = (handbooks or _NoHistory()).at(handbook)
        except (CoachbookError, ProblemList) as exc:
            problems.append(_handbook_problem(doc, handbook, exc))
            programs = ()
        else:
            programs = pinned.programs
    program: Program | None = None
    if programs:
        program_ids = [p.id for p in programs]
        findings += program_findings(doc.data, program_ids)
        named = doc.data.get("program") if isinstance(doc.data, dict) else None
        program = programs[program_ids.index(named)] if named in program_ids else None
        if named is None:
            program = programs[0]
        # The stages are checked even while `program:` is misspelt, against the program it was meant to name.
        meant = program or _meant_program(named, programs)
        if meant is not None:
            findings += reference_findings(doc.data, meant, programs)
            problems += _theme_problems(doc, meant)
    found = finding_problems(doc, findings)
    problems = merge_problems(problems, [p for p in found if not p.warning])
    problems += _duplicates(doc, _ids(doc.data, (), "goals"), "goal id")
    if engagement is not None:
        problems += _language_problems(project, doc, engagement, programs)
    if problems or engagement is None or program is None:
        raise ProblemList(problems)
    return LoadedEngagement(
        slug=path.stem,
        engagement=engagement,
        program=program,
        source=path,
        document=doc,
        content_dir=pinned.content_dir if pinned else None,
        handbook_commit=pinned.commit if pinned else None,
        warnings=tuple(sorted((p for p in found if p.warning), key=lambda p: (p.line, p.column))),
    )


def _theme_problems(doc: YamlDocument, program: Program) -> list[Problem]:
    """Each development theme an assessment names must be one of the program's (`themes:` in program.yml)."""
    assessment = doc.data.get("assessment") if isinstance(doc.data, dict) else None
    theme_ids = [t.id for t in program.themes]
    problems = []
    for i, theme in enumerate(_list(assessment, "themes")):
        if isinstance(theme, str) and theme not in theme_ids:
            hint = did_you_mean(theme, theme_ids) if theme_ids else f"the program {program.id!r} names no themes"
            problems.append(problem_at(doc, ("assessment", "themes", i), f"unknown theme {theme!r}", hint))
    return problems


def _meant_program(named: object, programs: tuple[Program, ...]) -> Program | None:
    """The program a misspelt `program:` most likely means: the same id in other case, or the firm's only program."""
    if isinstance(named, str):
        folded = named.strip().casefold().replace(" ", "-").replace("_", "-")
        same = [p for p in programs if p.id == folded]
        if same:
            return same[0]
    return programs[0] if len(programs) == 1 else None


@dataclass(frozen=True)
class Handbook:
    """The guides and programs of one commit, as a pinned engagement reads them."""

    commit: str
    content_dir: Path
    programs: tuple[Program, ...]


class RefProblem(CoachbookError):
    """A pinned handbook's ref cannot be read: unknown, malformed, or outside the repository."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(f"{message}; {hint}" if hint else message)
        self.message = message
        self.hint = hint


class HandbookSource(Protocol):
    """Where pinned handbooks come from: the firm's git history (`coachbook.refs.handbooks.GitHandbooks`).

    The core reads files; reading history needs git, which lives outside the
    core, so the loader is handed a source rather than calling git itself.
    """

    def at(self, ref: str) -> Handbook:
        """The handbook as it was at `ref`.

        Raises:
            RefProblem: The ref cannot be read.
            CoachbookError: The content folder did not exist there.
            ProblemList: The program or guides at that ref have problems.
        """
        ...


class _NoHistory:
    """A source for loads that have no git history to hand: pinning a handbook is then an error on its line."""

    def at(self, ref: str) -> Handbook:
        raise RefProblem(f"the handbook at {ref!r} cannot be read here", "build with `coachbook build`")


def _handbook_problem(doc: YamlDocument, ref: str, exc: CoachbookError | ProblemList) -> Problem:
    if isinstance(exc, ProblemList):
        first = exc.problems[0]
        return problem_at(
            doc,
            ("handbook",),
            f"the handbook at {ref!r} has {len(exc.problems)} problem(s), first: {first.message}",
            "pin a ref whose program and guides pass `coachbook check`, or remove `handbook:` to follow content/",
        )
    if isinstance(exc, RefProblem):
        return problem_at(doc, ("handbook",), exc.message, exc.hint)
    return problem_at(doc, ("handbook",), str(exc), "`git tag` lists the firm's handbook versions")


def _language_problems(
    project: Project, doc: YamlDocument, e: Engagement, programs: tuple[Program, ...]
) -> list[Problem]:
    """A site language must be one Coachbook can write: a catalog of its messages, or guides in it."""
    wanted: list[tuple[tuple[str | int, ...], str | None]] = [(("language",), e.language)]
    if e.sponsor is not None:
        wanted.append((("sponsor", "language"), e.sponsor.language))
    problems: list[Problem] = []
    catalogs: set[str] | None = None
    guides: set[str] | None = None
    for loc, tag in wanted:
        if tag is None:
            continue
        canonical = normalise_tag(tag)
        if canonical is None:
            problems.append(
                problem_at(doc, loc, f"{tag!r} is not a language Coachbook knows", "write a tag such as de or pt-BR")
            )
            continue
        if catalogs is None or guides is None:
            catalogs = catalogs_for(project.locales)
            guides = guide_languages(project.content_dir, programs)
        if not supported(canonical, default=project.language, catalogs=catalogs, guides=guides):
            known = sorted({project.language, *catalogs, *guides})
            problems.append(
                problem_at(
                    doc,
                    loc,
                    f"no catalog of Coachbook's messages and no guides are in {canonical!r}",
                    f"add {project.shown(project.locales)}/{canonical.replace('-', '_')}/LC_MESSAGES/coachbook.po "
                    f"(see docs/languages.md), or use one of: {', '.join(known)}",
                )
            )
    return problems


def _duplicates(doc: YamlDocument, entries: Iterable[tuple[tuple[str | int, ...], str]], what: str) -> list[Problem]:
    seen: dict[str, tuple[str | int, ...]] = {}
    problems = []
    for loc, value in entries:
        if value in seen:
            first = doc.position(seen[value]).line
            problems.append(
                problem_at(doc, loc, f"{what} {value!r} is used twice (first on line {first})", "ids must be unique")
            )
        else:
            seen[value] = loc
    return problems


def content_problems(project: Project) -> list[Problem]:
    """Everything wrong with the content folder that MkDocs would fail on or publish wrong, before any build.

    Symbolic links (`content_links`), and each Markdown page (not only the stage guides: `index.md` and any other
    page is published too) that is not UTF-8 text, which MkDocs fails on halfway through a build, or whose front
    matter MkDocs would publish as the page's text (`front_matter_problems`).
    """
    problems = content_links(project)
    for folder, _dirs, names in os.walk(project.content_dir, followlinks=False):
        for name in sorted(names):
            path = Path(folder) / name
            if name.endswith(".md") and not path.is_symlink():
                problems += markdown_problems(path, project.shown(path))
    return problems


def theme_problems(project: Project) -> list[Problem]:
    """Syntax errors in the firm's theme overrides (`theme/`), each at its template's line.

    A template is compiled only when a page is rendered with it, so a mistake in an override would otherwise be
    found by every site's build at once. Only the syntax is read here (what a template extends or includes is the
    theme's business): the same Jinja, with the extensions a theme may use.
    """
    folder = project.root / "theme"
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.loopcontrols", "jinja2.ext.do"])
    problems = []
    for path in sorted(folder.rglob("*.html")) if folder.is_dir() else ():
        if "assets" in path.relative_to(folder).parts:
            continue  # a page copied as it is, not a template
        shown = project.shown(path)
        try:
            environment.parse(path.read_text(encoding="utf-8"), path.name, str(path))
        except UnicodeDecodeError as exc:
            problems.append(not_utf8(shown, exc))
        except OSError as exc:
            problems.append(Problem(shown, 1, 1, "", f"cannot be read: {exc.strerror}", "check the file's permissions"))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(
                Problem(
                    shown,
                    exc.lineno,
                    1,
                    "",
                    f"template syntax: {exc.message}",
                    "fix the template: theme/ holds the firm's overrides of Material's templates",
                )
            )
    return problems


def markdown_problems(path: Path, shown: Path) -> list[Problem]:
    """What stops one Markdown page being read as MkDocs reads it: unreadable, not UTF-8, or broken front matter."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(shown, 1, 1, "", f"cannot be read: {exc.strerror}", "check the file's permissions")]
    try:
        # As MkDocs reads a page: a byte-order mark is dropped, and line breaks are read as Python reads text.
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        return [not_utf8(shown, exc)]
    return front_matter_problems(text, shown)


def content_links(project: Project) -> list[Problem]:
    """Symbolic links in the content folder, each a problem.

    MkDocs follows links, so one in `content/` could publish any file the
    build can read, an engagement included, to every site.
    """
    problems = []
    for folder, dirs, names in os.walk(project.content_dir, followlinks=False):
        for name in sorted([*dirs, *names]):
            path = Path(folder) / name
            if path.is_symlink():
                problems.append(
                    Problem(
                        project.shown(path),
                        1,
                        1,
                        "",
                        "is a symbolic link",
                        "replace it with a real file or folder; links could publish files from outside content/",
                    )
                )
    return problems


def engagement_files(project: Project) -> tuple[list[Path], list[Problem]]:
    """The engagement files in the folder, and problems with the folder's contents.

    A missing folder is a problem, not a firm without clients: a misspelt `engagements_dir` or a folder moved
    away would otherwise have the build take every client's site down as no longer anyone's.
    """
    folder = project.engagements_dir
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        hint = (
            "create it (a firm without clients yet has it empty), or set `engagements_dir` under the coachbook "
            "plugin in mkdocs.yml to the folder that holds the engagement files"
        )
        return [], [Problem(project.shown(folder), 1, 1, "", f"the engagements folder {what}", hint)]
    files: list[Path] = []
    problems: list[Problem] = []
    folded: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        shown = project.shown(path)
        if path.is_symlink():
            problems.append(
                Problem(shown, 1, 1, "", "is a symbolic link", "engagement files must be real files in engagements/")
            )
            continue
        if path.suffix == ".yaml":
            problems.append(Problem(shown, 1, 1, "", "has the extension .yaml", f"rename it to {path.stem}.yml"))
            continue
        if path.suffix != ".yml" or not path.is_file():
            continue
        key = unicodedata.normalize("NFKC", path.stem).casefold()
        if key in folded:
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    "",
                    f"collides with {folded[key].name} (names differ only by case or accents)",
                    "rename one",
                )
            )
            continue
        folded[key] = path
        files.append(path)
    return files, problems


def load_firm(project: Project, *, handbooks: HandbookSource | None = None, only: Iterable[str] | None = None) -> Firm:
    """Load the programs and every engagement (or only the named slugs).

    `handbooks` reads the handbooks engagements pin (`coachbook.refs.handbooks.GitHandbooks`).

    Raises:
        ProblemList: Every problem in every file, sorted by file and line.
    """
    problems: list[Problem] = []
    # Engagements are checked against a program, so a broken program.yml ends the load here.
    programs = load_programs(project)
    files, folder_problems = engagement_files(project)
    problems += content_problems(project)
    problems += folder_problems
    wanted = set(only) if only is not None else None
    if wanted is not None:
        known = {f.stem for f in files}
        for slug in sorted(wanted - known):
            problems.append(
                Problem(
                    project.shown(project.engagements_dir / f"{slug}.yml"),
                    1,
                    1,
                    "",
                    f"no engagement {slug!r}",
                    did_you_mean(slug, known),
                )
            )
    engagements: dict[str, LoadedEngagement] = {}
    for path in files:
        if wanted is not None and path.stem not in wanted:
            continue
        try:
            loaded = load_engagement(project, path, programs, handbooks)
        except ProblemList as exc:
            problems += exc.problems
            continue
        engagements[loaded.slug] = loaded
    problems += _address_problems(engagements)
    if problems:
        raise ProblemList(problems)
    return Firm(project=project, programs=programs, engagements=engagements)


def _address_problems(engagements: dict[str, LoadedEngagement]) -> list[Problem]:
    """Two sites must never share a URL: site ids are unique and never another client's slug."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for slug, loaded in sorted(engagements.items()):
        site_id = loaded.engagement.site.id
        if site_id is None:
            continue
        other = seen.get(site_id) or (site_id if site_id in engagements and site_id != slug else None)
        if other is not None:
            problems.append(
                problem_at(
                    loaded.document,
                    ("site", "id"),
                    f"site id {site_id!r} is already the address of {other!r}",
                    "run `coachbook site-id " + slug + "` to make a new one",
                )
            )
        seen[site_id] = slug
    return problems
