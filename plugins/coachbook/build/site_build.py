"""Build one site the way `mkdocs build` would, into a staging folder, and swap it in only if all went well.

Every build of a site goes through `attempt`: the firm builder's processes,
`publish`, `bundle`. MkDocs' warnings and errors are collected for the
report; any failure (a plugin error, a leak, an unreadable file) leaves the
previous site exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from mkdocs.commands.build import build
from mkdocs.exceptions import Abort, ConfigurationError, PluginError

from coachbook.adapter.config import coachbook_plugin, load_mkdocs_config
from coachbook.build.fingerprints import output_stamp
from coachbook.build.staging import discard, staging_dir, swap_in
from coachbook.build.state import SiteRecord, site_listing, write_mark
from coachbook.build.targets import SiteResult, SiteTarget
from coachbook.core.files import describe_os_error
from coachbook.errors import CoachbookError

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

__all__ = ["attempt", "build_one"]


class _Collector(logging.Handler):
    """Keeps MkDocs' warnings and errors so the summary can report them per site."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        (self.errors if record.levelno >= logging.ERROR else self.messages).append(record.getMessage())


def template_problem(error: jinja2.TemplateSyntaxError) -> str:
    """A theme template's syntax error as the coach can act on it: the file and line, what is wrong, and a hint."""
    where = error.filename or error.name or "a theme template"
    with contextlib.suppress(ValueError):
        where = Path(where).resolve().relative_to(Path.cwd().resolve()).as_posix()
    return (
        f"{where}:{error.lineno}: template syntax: {error.message}; "
        "fix the template (theme/ holds the firm's overrides of Material's templates), then build again"
    )


def attempt(
    target: SiteTarget,
    site_root: Path,
    configure: Callable[[Path], MkDocsConfig],
    finish: Callable[[Path], object] | None = None,
    mark: Callable[[bool], SiteRecord] | None = None,
) -> SiteResult:
    """Build one site into a staging folder and swap it in if, and only if, it fully succeeds.

    `configure(staged)` returns the config to build with, its `site_dir` the
    staging folder; `finish(staged)` runs after a successful build and audit;
    `mark(warned)` gives the site's mark (`coachbook.build.state`), written into
    the staging folder so that it is swapped in with the site, never apart.
    """
    started = time.perf_counter()
    collector = _Collector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    staged = staging_dir(site_root, target.name)
    try:
        cfg = configure(staged)
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build(cfg)
        finally:
            cfg.plugins.on_shutdown()
        if finish is not None:
            finish(staged)
        if mark is not None:
            # What the folder holds now is what the next build expects to find in it.
            write_mark(staged, replace(mark(bool(collector.messages)), files=site_listing(staged)))
        swap_in(staged, target.dest)
    except OSError as exc:
        discard(staged)
        return _failed(target, started, describe_os_error(exc), collector)
    except (PluginError, ConfigurationError, CoachbookError, Abort) as exc:
        discard(staged)
        # MkDocs logs the real reason and raises a bare "Aborted with a BuildError!".
        reason = "; ".join(collector.errors) if isinstance(exc, Abort) and collector.errors else str(exc)
        return _failed(target, started, reason or type(exc).__name__, collector)
    except jinja2.TemplateSyntaxError as exc:
        discard(staged)
        # A theme override with a mistake in it: where it is, not that something went wrong.
        return _failed(target, started, template_problem(exc), collector)
    except Exception as exc:
        discard(staged)
        # MkDocs names the page it was building when an extension raised; prefer that.
        detail = "; ".join(collector.errors) or "".join(traceback.format_exception_only(exc)).strip()
        return _failed(target, started, f"unexpected error: {detail}", collector)
    finally:
        logger.removeHandler(collector)
    return SiteResult(
        target,
        True,
        time.perf_counter() - started,
        warnings=tuple(collector.messages),
        stamp=output_stamp(target.dest),
    )


def _failed(target: SiteTarget, started: float, error: str, collector: _Collector) -> SiteResult:
    return SiteResult(target, False, time.perf_counter() - started, error=error, warnings=tuple(collector.messages))


def build_one(
    config_file: Path,
    target: SiteTarget,
    site_root: Path,
    *,
    as_of: dt.date | None = None,
    strict: bool = False,
    options: Mapping[str, Any] | None = None,
    site_url: str | None = None,
    mark: Callable[[bool], SiteRecord] | None = None,
) -> SiteResult:
    """Build one site in this process, the way `mkdocs build` would, into a staging folder first.

    `options` are set on the coachbook plugin (publishing passes the version
    there), and `site_url` replaces the config's, so a published version knows
    its own address.
    """

    def configure(staged: Path) -> MkDocsConfig:
        overrides: dict[str, Any] = {"site_dir": str(staged)}
        if strict:
            # Only ever turned on here: `strict: true` in mkdocs.yml holds without --strict.
            overrides["strict"] = True
        if site_url is not None:
            overrides["site_url"] = site_url
        cfg = load_mkdocs_config(config_file, **overrides)
        plugin = coachbook_plugin(cfg)
        plugin.config["client"] = target.client
        plugin.config["audience"] = target.audience
        if as_of is not None:
            plugin.config["as_of"] = as_of.isoformat()
        plugin.config.update(options or {})
        return cfg

    return attempt(target, site_root, configure, mark=mark)
