"""The coach's commands for starting work: `init` (a firm), `new` (an engagement file) and `schema` (for editors)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from coachbook.cli.support import Options, fail, project_of, reported, shown

NEW_HELP = """Start the engagement file of a new client: engagements/SLUG.yml.

\b
SLUG becomes the file name and the site's address: lower-case letters,
digits and hyphens, such as jordan-lee. Anything not given as an option is
asked for. The file is written from a commented template, passes
`coachbook check` as it is, and never replaces an existing file.
"""

INIT_HELP = """Start a new firm in DIR: its settings, program, guides, theme and one example client.

\b
DIR is a new or empty folder (default: the current one); nothing is ever
overwritten. Anything not given as an option is asked for; without a
terminal, --name is needed and the language and program default to en and
executive. The firm passes `coachbook check` and builds as it is:

\b
  coachbook init my-firm --name "Northlight Coaching"
  cd my-firm
  coachbook check
  coachbook build
  coachbook preview
"""

SCHEMA_HELP = """Write the JSON Schemas editors use: engagements/engagement.schema.json and content/program.schema.json.

\b
Editors with the YAML language server (such as VS Code's YAML extension)
read them through the first line of each engagement file and of
program.yml (and the firm's .vscode/settings.json), then complete, describe
and check fields while you type. Run it again after upgrading Coachbook;
--check only tells whether the files are up to date (for CI).
"""


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; write it as YYYY-MM-DD, such as 2026-12-01") from None


def _date_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    return None if value is None else _iso_date(value)


def _ask(value: str | None, question: str, no_answer: str, **prompt: Any) -> str:
    """The option's value, or the coach's answer to `question` (asked again while it is blank).

    When the input ends before an answer (no terminal, a script), fail with `no_answer` rather than click's
    bare "Aborted!".
    """
    if value is not None:
        return value.strip()
    while True:
        try:
            answer = str(click.prompt(question, **prompt)).strip()
        except click.Abort:
            fail(no_answer)
        if answer:
            return answer
        click.echo("Please type a value.", err=True)


@click.command(help=NEW_HELP)
@click.argument("slug")
@click.option("--name", "client_name", metavar="TEXT", help="The client's full name, such as 'Jordan Lee'.")
@click.option("--role", metavar="TEXT", help="The client's role, such as 'Chief Financial Officer'.")
@click.option("--organisation", metavar="TEXT", help="The client's organisation.")
@click.option("--coach", "coach_name", metavar="TEXT", help="The coach's full name.")
@click.option("--program", "program_id", metavar="ID", help="The program's id in content/program.yml (default: first).")
@click.option("--start", callback=_date_option, metavar="YYYY-MM-DD", help="The first day of the engagement.")
@click.option("--end", callback=_date_option, metavar="YYYY-MM-DD", help="The planned end (default: 24 weeks on).")
@click.pass_obj
def new(
    opts: Options,
    slug: str,
    client_name: str | None,
    role: str | None,
    organisation: str | None,
    coach_name: str | None,
    program_id: str | None,
    start: dt.date | None,
    end: dt.date | None,
) -> None:
    with reported(opts):
        from coachbook.core.loader import load_programs
        from coachbook.core.scaffold import NewEngagement, choose_program, create_engagement, slug_error
        from coachbook.core.schema import write_schemas
        from coachbook.errors import ProblemList
        from coachbook.publish.forget import former_copies

        project = project_of(opts.config_file)
        # Say what is wrong with the slug before asking any question.
        problem = slug_error(slug)
        if problem is not None:
            fail(f"{slug!r} cannot be a client's slug: {problem}")
        target = project.engagements_dir / f"{slug}.yml"
        if target.exists():
            fail(f"{project.shown(target)} already exists; edit it, or choose another slug")
        # A slug a former client had still names what was theirs: the new client must not inherit it.
        former = former_copies(project, slug)
        if former:
            for copy in former:
                click.echo(f"  {shown(copy.path)}: {copy.what}", err=True)
            fail(
                f"{slug!r} was another client's slug, and Coachbook still holds what was theirs (listed above), "
                f"which a new client with this slug would be shown; choose another slug, or run "
                f"`coachbook forget {slug}` first if that client's copies may go"
            )
        try:
            programs = load_programs(project)
        except ProblemList as exc:
            for item in exc.problems:
                click.echo(str(item), err=True)
            fail("content/program.yml has problems; fix them first, then run `coachbook new` again")
        # Without a terminal (a script, CI), a question meets the end of the input: name every missing option.
        missing = [
            option
            for option, value in (
                ("--name", client_name),
                ("--role", role),
                ("--organisation", organisation),
                ("--coach", coach_name),
                ("--start", start),
            )
            if value is None
        ]
        no_answer = (
            f"there was no answer to read, and {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing; "
            f"without a terminal, give every detail as an option, such as: coachbook new {slug} --name 'Jordan Lee' "
            "--role 'Chief Financial Officer' --organisation 'Acme' --coach 'Priya Raman' --start 2026-12-01"
        )
        if program_id is None and len(programs) > 1:
            program_id = _ask(
                None,
                "Program",
                no_answer,
                type=click.Choice([p.id for p in programs]),
                default=programs[0].id,
                show_choices=True,
            )
        program = choose_program(programs, program_id)
        details = NewEngagement(
            slug=slug,
            client_name=_ask(client_name, "Client's full name", no_answer),
            role=_ask(role, "Client's role", no_answer),
            organisation=_ask(organisation, "Client's organisation", no_answer),
            coach_name=_ask(coach_name, "Coach's full name", no_answer),
            program=program,
            start=start
            or _iso_date(_ask(None, "Start date (YYYY-MM-DD)", no_answer, default=dt.date.today().isoformat())),
            end=end,
        )
        path = create_engagement(project, details)
        click.echo(f"Created {shown(path)} for {details.client_name} ({program.title}).")
        for schema_path, written in write_schemas(project):
            if written:
                click.echo(f"Wrote {shown(schema_path)}, so your editor can complete and check the fields.")
        click.echo("Next:")
        click.echo(f"  1. Open {shown(path)} and fill in the agreement; the comments say what each field holds.")
        click.echo("  2. Run `coachbook check`.")
        click.echo(f"  3. Run `coachbook serve --client {slug}` and open http://127.0.0.1:8000 to preview the site.")


def _material_languages() -> list[str] | None:
    """The languages Material translates its labels into, or None when that cannot be told."""
    try:
        from importlib import resources

        folder = resources.files("material") / "templates" / "partials" / "languages"
        return sorted(entry.name.removesuffix(".html") for entry in folder.iterdir() if entry.name.endswith(".html"))
    except (ImportError, OSError):
        return None


@click.command(help=INIT_HELP)
@click.argument("directory", default=".", metavar="[DIR]", type=click.Path(path_type=Path, file_okay=False))
@click.option("--name", metavar="TEXT", help="The firm's name, such as 'Northlight Coaching'.")
@click.option("--language", metavar="CODE", help="The language of the sites' menus and labels, such as en or de.")
@click.option(
    "--program",
    type=click.Choice(["executive", "empty"]),
    help="executive: seven stages with their guides, ready to use; empty: two stages to grow into your own.",
)
@click.pass_obj
def init(opts: Options, directory: Path, name: str | None, language: str | None, program: str | None) -> None:
    with reported(opts):
        from coachbook import __version__
        from coachbook.core.starter import EXAMPLE_SLUG, NewFirm, create_firm, language_error

        missing = [option for option, value in (("--name", name),) if value is None]
        no_answer = (
            f"there was no answer to read, and {', '.join(missing)} is missing; without a terminal, give it as an "
            f"option, such as: coachbook init {directory} --name 'Northlight Coaching' --language en "
            "--program executive"
        )
        firm_name = _ask(name, "Your firm's name", no_answer)
        # Questions with an answer ready are asked only of a person at a terminal; a script gets the defaults.
        asking = sys.stdin.isatty()
        if language is None:
            language = (
                _ask(None, "Language of the sites (en, de, fr, ...)", no_answer, default="en") if asking else "en"
            )
        problem = language_error(language)
        known = _material_languages()
        if problem is None and known is not None and language not in known:
            from coachbook.core.rules import did_you_mean

            problem = "Material has no menus and labels in it; " + did_you_mean(language, known)
        if problem is not None:
            fail(f"{language!r} cannot be the sites' language: {problem}")
        if program is None:
            program = (
                _ask(
                    None,
                    "Program",
                    no_answer,
                    type=click.Choice(["executive", "empty"]),
                    default="executive",
                    show_choices=True,
                )
                if asking
                else "executive"
            )
        written = create_firm(directory, NewFirm(firm_name, language, program), version=__version__)
        click.echo(f"Created {firm_name}'s firm in {shown(directory)}: {len(written)} files, one example client.")
        cd = f"cd {shown(directory)} && " if directory.resolve() != Path.cwd() else ""
        click.echo("Next:")
        click.echo(f"  1. {cd}coachbook check")
        click.echo("  2. coachbook build")
        click.echo("  3. coachbook preview, and open the address it prints")
        click.echo(
            f"  4. Put your logo, favicon and colours in theme/assets/brand/ and your contact line in mkdocs.yml, "
            f"then replace engagements/{EXAMPLE_SLUG}.yml with your first client: coachbook new SLUG"
        )


@click.command(help=SCHEMA_HELP)
@click.option("--check", is_flag=True, help="Only check that the files are up to date; exit 1 if one is not.")
@click.pass_obj
def schema(opts: Options, check: bool) -> None:
    with reported(opts):
        from coachbook.core.schema import schemas_of, write_schemas

        project = project_of(opts.config_file)
        if check:
            stale = [path for path, text in schemas_of(project) if not _holds(path, text)]
            for path in stale:
                click.echo(f"{shown(path)} is missing or out of date.", err=True)
            if stale:
                fail("run `coachbook schema` and commit the schema files")
            for path, _ in schemas_of(project):
                click.echo(f"{shown(path)} is up to date.")
            return
        for path, written in write_schemas(project):
            click.echo(f"{'Wrote' if written else 'Already up to date:'} {shown(path)}")


def _holds(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == text
