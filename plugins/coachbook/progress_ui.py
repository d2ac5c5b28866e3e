"""What `coachbook build` shows while it works: a progress bar on a terminal, plain lines in a log.

On a terminal a rich progress bar counts the sites, and each failure is
printed above it as it happens. Anywhere else (CI logs, pipes, tests) each
site gets one plain line, so logs stay readable and greppable. Either way the
build ends with the same summary: built, failed (with reasons), unchanged,
re-audited, and the time it took.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from coachbook.builder import Events, FirmReport, SiteResult

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["BuildReporter", "summary_lines"]


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
            for warning in result.warnings:
                self._print(f"[yellow]warning[/] {result.target.name}: {_escape(warning)}")
            return
        name = result.target.name
        if result.ok:
            verb = "audited" if result.audited_only else "built"
            click.echo(f"  {click.style(verb, fg='green')}  {name:<24} {result.seconds:5.1f}s")
        else:
            click.echo(f"  {click.style('FAILED', fg='red', bold=True)} {name:<24} {result.error}", err=True)
        for warning in result.warnings:
            click.echo(f"           warning: {warning}", err=True)

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
