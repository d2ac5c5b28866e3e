"""Build many sites, each in its own forked process, each staged and swapped in whole.

MkDocs reuses plugin objects between builds in one process and Material's
search plugin keeps state, so two clients built in one process could share
data. Here every site is built in a fresh process forked from the parent,
which has already paid for the heavy imports; nothing a build leaves behind
can reach the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError, PluginError

from coachbook.errors import CoachbookError
from coachbook.output import discard, staging_dir, swap_in

__all__ = ["SiteResult", "SiteTarget", "build_one", "build_sites", "client_target", "handbook_target"]

PLUGIN_NAME = "coachbook"


@dataclass(frozen=True)
class SiteTarget:
    """One site to build and where it goes."""

    name: str
    """What people call it in messages: `handbook` or the client's slug."""
    client: str | None
    dest: Path


@dataclass(frozen=True)
class SiteResult:
    """How building one site went."""

    target: SiteTarget
    ok: bool
    seconds: float
    error: str = ""
    warnings: tuple[str, ...] = field(default=())


def handbook_target(site_root: Path) -> SiteTarget:
    return SiteTarget("handbook", None, site_root / "handbook")


def client_target(site_root: Path, slug: str, address: str | None = None) -> SiteTarget:
    """Where a client's site goes: `clients/<address>/`, the address being an unguessable id or the slug."""
    return SiteTarget(slug, slug, site_root / "clients" / (address or slug))


class _Collector(logging.Handler):
    """Keeps MkDocs' warnings and errors so the summary can report them per site."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        (self.errors if record.levelno >= logging.ERROR else self.messages).append(record.getMessage())


def build_one(
    config_file: Path,
    target: SiteTarget,
    site_root: Path,
    *,
    as_of: dt.date | None = None,
    strict: bool = False,
    options: Mapping[str, Any] | None = None,
    site_url: str | None = None,
) -> SiteResult:
    """Build one site into a staging folder and swap it in if, and only if, it fully succeeds.

    `options` are set on the coachbook plugin (publishing passes the version
    there), and `site_url` replaces the config's, so a published version knows
    its own address.
    """
    started = time.perf_counter()
    collector = _Collector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    staged = staging_dir(site_root, target.name)
    try:
        overrides: dict[str, Any] = {"site_dir": str(staged), "strict": strict}
        if site_url is not None:
            overrides["site_url"] = site_url
        cfg = load_config(config_file=str(config_file), **overrides)
        plugin = cfg.plugins.get(PLUGIN_NAME)
        if plugin is None:
            raise CoachbookError(f"{config_file} does not enable the `coachbook` plugin; add it under `plugins:`")
        plugin.config["client"] = target.client
        if as_of is not None:
            plugin.config["as_of"] = as_of.isoformat()
        plugin.config.update(options or {})
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build(cfg)
        finally:
            cfg.plugins.on_shutdown()
        swap_in(staged, target.dest)
    except (PluginError, ConfigurationError, CoachbookError, Abort, OSError) as exc:
        discard(staged)
        # MkDocs logs the real reason and raises a bare "Aborted with a BuildError!".
        reason = "; ".join(collector.errors) if isinstance(exc, Abort) and collector.errors else str(exc)
        return _failed(target, started, reason or type(exc).__name__, collector)
    except Exception as exc:
        discard(staged)
        # MkDocs names the page it was building when an extension raised; prefer that.
        detail = "; ".join(collector.errors) or "".join(traceback.format_exception_only(exc)).strip()
        return _failed(target, started, f"unexpected error: {detail}", collector)
    finally:
        logger.removeHandler(collector)
    return SiteResult(target, True, time.perf_counter() - started, warnings=tuple(collector.messages))


def _failed(target: SiteTarget, started: float, error: str, collector: _Collector) -> SiteResult:
    return SiteResult(target, False, time.perf_counter() - started, error=error, warnings=tuple(collector.messages))


def build_sites(
    config_file: Path,
    targets: Iterable[SiteTarget],
    site_root: Path,
    *,
    jobs: int,
    as_of: dt.date | None = None,
    strict: bool = False,
    on_result: Callable[[SiteResult], None] | None = None,
) -> list[SiteResult]:
    """Build every target, `jobs` at a time, each in a freshly forked process.

    One site's failure does not stop the others; the results say which failed and why.
    """
    context = multiprocessing.get_context("fork")
    pending = list(targets)
    running: dict[int, tuple[SiteTarget, BaseProcess, Connection]] = {}
    results: list[SiteResult] = []

    def finish(sentinel: int) -> None:
        target, process, reader = running.pop(sentinel)
        try:
            result = reader.recv() if reader.poll() else None
        except (EOFError, OSError):
            result = None
        process.join()
        reader.close()
        if not isinstance(result, SiteResult):
            # The process died before it could report (killed, out of memory).
            result = SiteResult(target, False, 0.0, error=f"build process exited with code {process.exitcode}")
        results.append(result)
        if on_result is not None:
            on_result(result)

    while pending or running:
        while pending and len(running) < max(1, jobs):
            target = pending.pop(0)
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(
                target=_build_in_child, args=(writer, config_file, target, site_root, as_of, strict), daemon=True
            )
            process.start()
            writer.close()
            running[process.sentinel] = (target, process, reader)
        for sentinel in wait(list(running)):
            finish(int(sentinel))  # type: ignore[arg-type]
    return results


def _build_in_child(
    writer: Connection, config_file: Path, target: SiteTarget, site_root: Path, as_of: dt.date | None, strict: bool
) -> None:
    # A forked process builds exactly one site and exits, so nothing it
    # leaves behind (plugin objects, the search index, caches) can reach
    # another client's build.
    writer.send(build_one(config_file, target, site_root, as_of=as_of, strict=strict))
    writer.close()
