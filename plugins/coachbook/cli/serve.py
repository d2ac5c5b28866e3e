"""`coachbook serve`: a live preview of a client's site, their sponsor's, the coach view, or the handbook."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import click
from jinja2 import Environment, PackageLoader, StrictUndefined

from coachbook.access.preview import EXPOSE_ENV, check_preview_address
from coachbook.cli.dates import IsoDate
from coachbook.cli.support import (
    Options,
    engagement_or_fail,
    fail,
    project_of,
    quiet_mkdocs,
    reported,
    shown,
    sites_of,
)
from coachbook.core.project import Project

__all__ = ["error_page", "serve"]

#: The page a failed rebuild shows, `templates/preview_error.html.j2`; escaped, for it shows the firm's own text.
_TEMPLATES = Environment(
    loader=PackageLoader("coachbook", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)

SERVE_HELP = """Preview a client's site (or the handbook) with live reload.

\b
The preview reloads when an engagement file, a guide or the theme changes.
It is built in a temporary folder and never written under site/.
With --coach-view it also shows what the client's site leaves out; with
--console it previews the coaches' console instead.

It listens on this computer only (127.0.0.1). Another address, such as
0.0.0.0, lets every device on the network read the preview: it needs
--expose, and the coach view is never served there.
"""


@click.command(help=SERVE_HELP)
@click.option("--client", metavar="SLUG", help="The client to preview; without it, the public handbook.")
@click.option("--as-of", type=IsoDate(), help="Compute progress as of this date.")
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT")
@click.option(
    "--expose",
    is_flag=True,
    help="Allow an address other devices can reach (such as 0.0.0.0): they can then read the preview.",
)
@click.option("--no-livereload", is_flag=True, help="Do not reload the browser on changes.")
@click.option(
    "--coach-view",
    is_flag=True,
    help="Show the coach-only material (private notes, coach-only items, drafts) behind a banner. Needs --client.",
)
@click.option("--sponsor", is_flag=True, help="Preview the client's sponsor site (progress only). Needs --client.")
@click.option("--console", is_flag=True, help="Preview the coaches' console (every engagement). No --client.")
@click.pass_obj
def serve(
    opts: Options,
    client: str | None,
    as_of: dt.datetime | None,
    dev_addr: str,
    expose: bool,
    no_livereload: bool,
    coach_view: bool,
    sponsor: bool,
    console: bool,
) -> None:
    with reported(opts):
        if coach_view and not client:
            fail("--coach-view needs a client: coachbook serve --client SLUG --coach-view")
        if sponsor and (not client or coach_view):
            fail("--sponsor needs a client and no coach view: coachbook serve --client SLUG --sponsor")
        if console and (client or coach_view or sponsor):
            fail("--console shows every engagement; leave out --client, --coach-view and --sponsor")
        if console and sites_of(opts.config_file).console is None:
            fail("the firm has no console; enable it under `console:` for the coachbook plugin in mkdocs.yml")
        what = (
            "the coaches' console"
            if console
            else "the public handbook"
            if not client
            else f"{client}'s coach view"
            if coach_view
            else f"{client}'s sponsor site"
            if sponsor
            else f"{client}'s private site"
        )
        # The console shows coach-only material, as the coach view does: never on an address others can reach.
        warning = check_preview_address(dev_addr, expose=expose, coach_view=coach_view or console, what=what)
        from mkdocs.commands.serve import serve as mkdocs_serve

        from coachbook.adapter.site_inputs import load_site_inputs
        from coachbook.build.mkdocs_patches import (
            remember_conversions,
            remember_theme_listings,
            reuse_theme_environments,
            show_build_errors,
            watch_with_events,
        )
        from coachbook.build.prewarm import bytecode_cache
        from coachbook.build.search_parser import use_fast_search_parser
        from coachbook.errors import ProblemList
        from coachbook.render.templates import ENV as PAGE_TEMPLATES

        project = project_of(opts.config_file)
        # What the preview's first build reads anyway, checked here so a problem is said before the server starts.
        try:
            firm = load_site_inputs(project, client).firm
        except ProblemList as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            fail(f"{len(exc.problems)} problem(s) found; fix them and run the command again.")
        if client:
            loaded = engagement_or_fail(firm, client)
            if sponsor and not (loaded.engagement.sponsor and loaded.engagement.sponsor.site):
                fail(f"{client} has no sponsor site; add `site: true` under `sponsor:` in {shown(loaded.source)}")
        quiet_mkdocs(True)
        # `mkdocs serve` reloads the config on every change, so the client and
        # date travel in the environment, which the plugin reads in on_config.
        if client:
            os.environ["COACHBOOK_CLIENT"] = client
        if sponsor:
            os.environ["COACHBOOK_AUDIENCE"] = "sponsor"
        if console:
            os.environ["COACHBOOK_AUDIENCE"] = "console"
            click.echo("The coaches' console: every engagement, coach-only material included. Keep it to yourself.")
        if as_of:
            os.environ["COACHBOOK_AS_OF"] = as_of.date().isoformat()
        if warning:
            os.environ[EXPOSE_ENV] = "1"
            click.echo(f"warning: {warning}", err=True)
        if coach_view:
            # mkdocs serve builds into a fresh temporary folder; the plugin
            # refuses the coach view anywhere else.
            os.environ["COACHBOOK_COACH_VIEW"] = "1"
            click.echo(f"Coach view of {client}: includes coach-only material. Do not share your screen with others.")
        # One compiled theme for every rebuild of the preview, instead of compiling it again on each save; the
        # theme's templates and the client pages' are compiled once between runs too, as `coachbook build` keeps
        # them (a third of a second of the preview's start, at any size of firm).
        compiled = project.work_dir / "templates"
        reuse_theme_environments(bytecode=compiled)
        PAGE_TEMPLATES.bytecode_cache = bytecode_cache(compiled)
        remember_theme_listings()
        # A save converts only the pages whose Markdown it changed (values are tokens there, so most keep theirs).
        remember_conversions()
        # Each save indexes the changed pages for search again: Material's parser, answering faster.
        use_fast_search_parser()
        watch_with_events()
        # A rebuild that fails shows its problems in the browser instead of leaving the page loading forever.
        show_build_errors(error_page, _say_shown)
        mkdocs_serve(
            config_file=str(opts.config_file),
            livereload=not no_livereload,
            watch=_watched(project),
            dev_addr=dev_addr,
        )


def _watched(project: Project) -> list[str]:
    """What the preview watches besides the guides and `mkdocs.yml`: the engagements and the firm's theme overrides."""
    from coachbook.adapter.config import load_mkdocs_config

    folders = [str(project.engagements_dir)]
    custom = getattr(load_mkdocs_config(project.root / "mkdocs.yml").theme, "custom_dir", None)
    if custom and Path(custom).is_dir():
        folders.append(str(custom))
    return folders


@dataclass(frozen=True)
class _Shown:
    """One problem as the error page shows it."""

    where: str
    """`file:line:column`, or empty when the problem is not in one file."""
    what: str
    hint: str = ""


def _shown_problems(error: BaseException) -> tuple[list[_Shown], bool]:
    """What went wrong in a failed rebuild, and whether the terminal has already been told.

    MkDocs ends a failed build with its own `Abort("Aborted with a BuildError!")`, raised while
    handling the plugin's `PluginError`, which was raised from our `ProblemList` or `CoachbookError`:
    the chain is followed down to the error that says what to fix. The plugin has logged a
    `ProblemList`'s problems and MkDocs every `BuildError`; anything else is news to the terminal.
    """
    from mkdocs.exceptions import BuildError

    from coachbook.errors import CoachbookError, ProblemList

    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for link in chain:
        if isinstance(link, ProblemList):
            return [
                _Shown(
                    f"{problem.path}:{problem.line}:{problem.column}",
                    ("warning: " if problem.warning else "")
                    + (f"{problem.field}: {problem.message}" if problem.field else problem.message),
                    problem.hint,
                )
                for problem in link.problems
            ], True
    told = any(isinstance(link, BuildError) for link in chain)
    for link in reversed(chain):
        if isinstance(link, CoachbookError | BuildError):
            return [_Shown("", str(link))], told
    return [_Shown("", f"{type(error).__name__}: {error}")], told


def error_page(error: BaseException) -> str:
    """The HTML page the preview shows while its last rebuild failed: each problem, where it is and a hint."""
    problems, _ = _shown_problems(error)
    return _TEMPLATES.get_template("preview_error.html.j2").render(problems=problems)


def _say_shown(error: BaseException) -> None:
    """Tell the terminal that the browser shows the failed rebuild, and anything the build has not logged."""
    problems, told = _shown_problems(error)
    if not told:
        for problem in problems:
            click.echo(f"error: {problem.what}", err=True)
    click.echo(
        "The preview shows this in the browser; it reloads into the site once the file is fixed and saved.", err=True
    )
