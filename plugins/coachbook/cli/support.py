"""What every `coachbook` command shares: finding the firm, loading it, and reporting errors.

Errors are printed as `error: ...` with exit status 1; `--debug` re-raises
them with a traceback for developers.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from coachbook.core.files import describe_os_error
from coachbook.core.firm_sites import FirmSites
from coachbook.core.loader import Firm, LoadedEngagement, load_firm
from coachbook.core.lock import Holder
from coachbook.core.project import Project
from coachbook.errors import CoachbookError, ProblemList
from coachbook.refs.handbooks import GitHandbooks

__all__ = [
    "Options",
    "engagement_or_fail",
    "fail",
    "load_or_fail",
    "project_of",
    "quiet_mkdocs",
    "reported",
    "shown",
    "sites_of",
]


class Options:
    """The group's global options, passed to every command through click's context."""

    def __init__(self, config_file: Path, debug: bool) -> None:
        self.config_file = config_file
        self.debug = debug


def fail(message: str) -> NoReturn:
    click.echo(click.style("error: ", fg="red", bold=True) + message, err=True)
    sys.exit(1)


def quiet_mkdocs(verbose: bool) -> None:
    """MkDocs' log is for developers; coaches see our per-site summary instead.

    Warnings still reach the logger, so the builder can collect them and
    report them under the site they belong to.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    handler.setLevel(logging.INFO if verbose else logging.CRITICAL + 1)
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


def engagement_or_fail(firm: Firm, slug: str) -> LoadedEngagement:
    """The engagement named `slug`, or `error: no engagement named ...` with a did-you-mean hint."""
    loaded = firm.engagements.get(slug)
    if loaded is None:
        from coachbook.core.validation import did_you_mean

        fail(f"no engagement named {slug!r}; {did_you_mean(slug, firm.engagements)}")
    return loaded


def site_url_of(config_file: Path) -> str | None:
    """The `site_url` of the firm's config, which published versions build their addresses on."""
    from coachbook.adapter.config import load_mkdocs_config

    return load_mkdocs_config(config_file).site_url or None


def project_of(config_file: Path) -> Project:
    """Where the firm's files are, from `mkdocs.yml` (`coachbook.adapter.config.load_project`)."""
    from coachbook.adapter.config import load_project

    return load_project(config_file)[1]


def sites_of(config_file: Path) -> FirmSites:
    """The firm's own sites (the console, cohort reports) as `mkdocs.yml` asks for them, checked."""
    from coachbook.adapter.config import coachbook_plugin, firm_sites_from, load_mkdocs_config

    config = load_mkdocs_config(config_file)
    return firm_sites_from(config, coachbook_plugin(config).config)


def load_or_fail(project: Project) -> Firm:
    try:
        return load_firm(project, handbooks=GitHandbooks(project))
    except ProblemList as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(f"{len(exc.problems)} problem(s) found; nothing was changed. Fix them and run the command again.")


def shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


#: Exit status after Ctrl-C, as shells report a process stopped by SIGINT.
INTERRUPTED = 130


@contextlib.contextmanager
def reported(opts: Options) -> Iterator[None]:
    """Turn errors into one `error: ...` line and exit status 1; re-raise them under --debug.

    A filesystem error that reaches here (a full disk, a read-only folder) is
    said in plain words too: the command's own steps leave earlier output as
    it was, so the message need only say what to fix. Ctrl-C stops with one line.
    """
    try:
        yield
    except CoachbookError as exc:
        if opts.debug:
            raise
        fail(str(exc))
    except OSError as exc:
        if opts.debug:
            raise
        fail(describe_os_error(exc))
    except KeyboardInterrupt:
        if opts.debug:
            raise
        click.echo("\nInterrupted. What was already put in place is complete; nothing else was changed.", err=True)
        sys.exit(INTERRUPTED)


def no_wait_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """The `--no-wait` option of every command that changes the project."""
    return click.option(
        "--no-wait",
        is_flag=True,
        help="If another coachbook command is changing the project, stop at once instead of waiting for it.",
    )(function)


def say_waiting(holder: Holder | None) -> None:
    """Tell the coach that this command waits for another, and which."""
    who = str(holder) if holder else "another coachbook command"
    click.echo(f"Waiting for {who} to finish (another run is changing this project) ...", err=True)
