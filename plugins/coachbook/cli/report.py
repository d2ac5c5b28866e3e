"""What `coachbook build` shows while it works: a progress bar on a terminal, plain lines in a log.

On a terminal a rich progress bar counts the sites, and each failure is
printed above it as it happens. Anywhere else (CI logs, pipes, tests) each
site gets one plain line, so logs stay readable and greppable. Either way the
build ends with the same summary: built, failed (with reasons), unchanged,
re-audited, and the time it took; then MkDocs' warnings in plain words, each
once with the sites it concerns (a broken link in a guide is in every site),
and where to open what was built.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from coachbook.adapter.plain_warnings import plain_warning
from coachbook.build.firm_build import Events, FirmReport
from coachbook.build.targets import SiteResult
from coachbook.cli.preview import DEFAULT_ADDRESS, preview_url
from coachbook.cli.support import say_waiting
from coachbook.core.lock import Holder

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["BuildReporter", "open_lines", "summary_lines", "warning_lines"]

#: Sites listed with their addresses after a build; the rest are counted.
OPEN_LISTED = 8


class BuildReporter(Events):
    """Reports a firm build as it goes; use it as a context manager around `build_firm`."""

    def __init__(self, *, fancy: bool | None = None) -> None:
        self.fancy = sys.stdout.isatty() if fancy is None else fancy
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> BuildReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def waiting(self, holder: Holder | None) -> None:
        say_waiting(holder)

    def planned(self, to_build: int, skipped: int, reaudit: int) -> None:
        parts = [f"{to_build} site(s) to build"]
        if skipped:
            parts.append(f"{skipped} unchanged")
        if reaudit:
            parts.append(f"{reaudit} unchanged to search for new audit strings")
        click.echo(", ".join(parts) + ".")
        if self.fancy and to_build + reaudit > 1:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("[bold]Building"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[last]}"),
                transient=True,
            )
            self._task = self._progress.add_task("sites", total=to_build + reaudit, last="")
            self._progress.start()

    def finished(self, result: SiteResult) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, last=result.target.name)
            if not result.ok:
                self._print(f"[red bold]FAILED[/] {result.target.name}: {_escape(result.error)}")
            return
        name = result.target.name
        if result.ok:
            verb = "audited" if result.audited_only else "built"
            click.echo(f"  {click.style(verb, fg='green')}  {name:<24} {result.seconds:5.1f}s")
        else:
            click.echo(f"  {click.style('FAILED', fg='red', bold=True)} {name:<24} {result.error}", err=True)

    def removed(self, address: str) -> None:
        click.echo(f"  removed  {address:<24} (no engagement has this address any more)")

    def _print(self, markup: str) -> None:
        assert self._progress is not None
        self._progress.console.print(markup, highlight=False)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def summary_lines(report: FirmReport) -> list[str]:
    """The closing summary: counts, time, then each failure with its reason."""
    built = len(report.built)
    audited = sum(1 for r in report.results if r.ok and r.audited_only)
    failed = report.failed
    line = f"Done: {built} built, {len(failed)} failed, {len(report.skipped)} unchanged"
    if audited:
        line += f", {audited} re-audited"
    if report.removed:
        line += f", {len(report.removed)} removed"
    lines = [f"{line} in {report.seconds:.1f}s."]
    lines += [f"  {r.target.name}: {r.error}" for r in failed]
    return lines


def warning_lines(report: FirmReport, shown: Callable[[Path], str]) -> list[str]:
    """Each distinct warning once, in plain words, with the sites it was given for."""
    content = report.content_dir
    docs = shown(content) if content else "content"

    def in_docs(uri: str) -> bool:
        return content is not None and (content / uri).is_file()

    sites: dict[str, list[str]] = {}
    for result in report.results:
        for warning in dict.fromkeys(result.warnings):
            sites.setdefault(plain_warning(warning, docs, in_docs), []).append(result.target.name)
    if not sites:
        return []
    built = len(report.results)
    lines = [f"{len(sites)} warning(s), in plain words:"]
    for message, found_in in sites.items():
        names = sorted(found_in)
        if len(names) == built and built > 1:
            where = f"in every site built ({built})"
        elif len(names) <= 3:
            where = "in " + ", ".join(names)
        else:
            where = f"in {len(names)} sites, such as {', '.join(names[:3])}"
        lines += [f"  - {message}", f"    ({where})"]
    return lines


def open_lines(
    report: FirmReport, shown: Callable[[Path], str], site_root: Path, *, default_root: bool = True
) -> list[str]:
    """Where to see what was built (in a browser, through `coachbook preview`), and how to preview while editing.

    A site opened from disk shows its first page only (its menus open folders, and search cannot run),
    so the lines name each site's address under `coachbook preview`, never a file.
    """
    # The handbook first, then the firm's own sites, then the clients in order, each one's sponsor site after theirs.
    built = sorted(
        report.built,
        key=lambda r: (r.target.client is not None, r.target.name != "handbook", r.target.client or "", r.target.name),
    )
    if not built:
        if report.failed:
            return []
        return ["Nothing changed since the last build: the sites are up to date."]
    command = "coachbook preview" + ("" if default_root else f" -d {shown(site_root)}")
    width = max(len(r.target.name) for r in built[:OPEN_LISTED]) + 2
    lines = [f"See them in your browser: run `{command}`, then open"]
    for result in built[:OPEN_LISTED]:
        folder = result.target.dest.relative_to(site_root).as_posix()
        lines.append(f"  {result.target.name:<{width}} {preview_url(DEFAULT_ADDRESS, folder)}")
    if len(built) > OPEN_LISTED:
        lines.append(f"  ... and {len(built) - OPEN_LISTED} more (`{command}` lists them all)")
    client = next((r.target.client for r in built if r.target.client), None)
    if client:
        lines.append(f"To preview a client's site as you edit, with live reload: coachbook serve --client {client}")
    return lines
