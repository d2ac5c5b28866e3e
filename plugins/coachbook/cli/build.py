"""`coachbook build`, `check` and `audit`: make the sites, check the inputs, check the output."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from coachbook.cli.dates import IsoDate
from coachbook.cli.support import (
    Options,
    fail,
    load_or_fail,
    no_wait_option,
    project_of,
    quiet_mkdocs,
    reported,
    shown,
    sites_of,
)

__all__ = ["audit", "build", "check"]

BUILD_HELP = """Build the public handbook and every client's private site.

\b
The handbook goes to SITE_DIR/handbook/ and each client to SITE_DIR/clients/<slug>/
(or clients/<id>/ when the engagement sets an unguessable `site.id`).
Each site is built in its own process, audited for leaks, and only then put in
place; a failed site leaves its previous version untouched.

\b
Only sites whose inputs changed are rebuilt: the engagement, the content
folder, the theme, mkdocs.yml and the environment it reads, tool versions and
the as-of date. --force rebuilds everything. --shard K/N builds a stable share
of the clients, so several CI runners can build one firm.
"""


@click.command(help=BUILD_HELP)
@click.option("--client", "clients", multiple=True, metavar="SLUG", help="Build only this client (repeatable).")
@click.option("--as-of", type=IsoDate(), help="Compute progress as of this date (default: today).")
@click.option(
    "-d",
    "--site-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder (default: site/ beside mkdocs.yml).",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(1), default=None, help="Sites built at once (default: one per CPU core)."
)
@click.option("--strict", is_flag=True, help="Treat MkDocs warnings (such as broken links) as errors.")
@click.option("--force", is_flag=True, help="Rebuild every site, even those whose inputs did not change.")
@click.option(
    "--shard", metavar="K/N", help="Build only share K of N of the clients (the handbook on share 1), for CI matrices."
)
@click.option("-v", "--verbose", is_flag=True, help="Show MkDocs' own log.")
@no_wait_option
@click.pass_obj
def build(
    opts: Options,
    clients: tuple[str, ...],
    as_of: dt.datetime | None,
    site_dir: Path | None,
    jobs: int | None,
    strict: bool,
    force: bool,
    shard: str | None,
    verbose: bool,
    no_wait: bool,
) -> None:
    with reported(opts):
        from coachbook.build.firm_build import FirmBuild, build_firm
        from coachbook.build.shards import parse_shard
        from coachbook.cli.report import BuildReporter, open_lines, summary_lines, warning_lines
        from coachbook.errors import ProblemList

        quiet_mkdocs(verbose)
        if not opts.config_file.is_file():
            fail(f"{opts.config_file} not found; run coachbook in the folder holding mkdocs.yml, or pass -f")
        request = FirmBuild(
            config_file=opts.config_file.resolve(),
            site_root=(site_dir or opts.config_file.resolve().parent / "site").resolve(),
            clients=tuple(dict.fromkeys(clients)),
            as_of=as_of.date() if as_of else None,
            strict=strict,
            force=force,
            jobs=jobs or os.cpu_count() or 1,
            shard=parse_shard(shard) if shard else None,
            wait=not no_wait,
        )
        click.echo(
            f"Building into {shown(request.site_root)}/"
            + (f" (shard {request.shard})" if request.shard else "")
            + (" (--force: every site)" if force else "")
            + " ..."
        )
        try:
            with BuildReporter() as reporter:
                report = build_firm(request, reporter)
        except ProblemList as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            if all(p.warning for p in exc.problems):
                fail(f"{_count(len(exc.problems), 'warning')}, which strict mode treats as errors; nothing was built.")
            fail(f"{len(exc.problems)} problem(s) found; nothing was built. Fix them and run the command again.")
        for warning in report.input_warnings:
            click.echo(str(warning), err=True)
        if report.cleaned:
            click.echo(f"Removed what {len(report.cleaned)} interrupted build(s) had left half-built.", err=True)
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        lines = summary_lines(report)
        click.echo(lines[0])
        for line in lines[1:]:
            click.echo(line, err=True)
        for line in warning_lines(report, shown):
            click.echo(line, err=True)
        default_root = request.site_root == opts.config_file.resolve().parent / "site"
        for line in open_lines(report, shown, request.site_root, default_root=default_root):
            click.echo(line)
        if report.failed:
            fail(f"{len(report.failed)} site(s) failed: " + ", ".join(r.target.name for r in report.failed))


CHECK_HELP = """Check the program, the guides and every engagement file, and say everything wrong at once.

\b
Each problem names its file, line, column and field, with a hint. Warnings
(more sessions than agreed, a session before the start, a closure while
stages are in progress, personal metadata in a document) do not fail the
check; --strict, or `strict: true` in mkdocs.yml, makes them errors.
"""


@click.command(help=CHECK_HELP)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 if there are any).")
@click.pass_obj
def check(opts: Options, strict: bool) -> None:
    with reported(opts):
        from coachbook.adapter.config import load_project, named_file_problems
        from coachbook.adapter.languages import material_language
        from coachbook.adapter.site_inputs import check_firm
        from coachbook.audit.metadata import document_warnings
        from coachbook.core.loader import Firm, load_engagement
        from coachbook.core.site_languages import languages_in_use
        from coachbook.refs.handbooks import GitHandbooks

        config, project = load_project(opts.config_file)
        strict = strict or bool(config["strict"])
        result = check_firm(project)
        # Documents are published byte for byte; what their properties say about people is worth a look.
        documents = list(document_warnings(project.content_dir, project.shown))
        missing_files = named_file_problems(config, project)
        for problem in result.problems:
            click.echo(str(problem), err=True)
        for warning in [*result.warnings, *missing_files]:
            click.echo(str(warning), err=True)
        for document in documents:
            click.echo(f"warning: {document}", err=True)
        if result.problems and not result.programs:
            click.echo(
                "note: engagement files were checked without the program, which has problems of its own; "
                "their stages are checked once it is fixed.",
                err=True,
            )
        warned = len(result.warnings) + len(documents) + len(missing_files)
        also = f" and {_count(warned, 'warning')}" if warned else ""
        if result.problems:
            fail(
                f"{_count(len(result.problems), 'problem')}{also} found; nothing was changed. Fix them and run the "
                "command again."
            )
        if warned and strict:
            fail(f"{_count(warned, 'warning')}, which --strict treats as errors. Fix them and run the command again.")
        programs = result.programs
        warned_words = f" with {_count(warned, 'warning')}" if warned else ""
        # Only an engagement that names a language can leave something untranslated: those are loaded in full.
        handbooks = GitHandbooks(project)
        named = {
            slug: load_engagement(project, project.engagements_dir / f"{slug}.yml", programs, handbooks)
            for slug, record in result.records.items()
            if record.languages
        }
        firm = Firm(project, programs, named)
        plain = {slug: record.sponsor for slug, record in result.records.items() if not record.languages}
        click.echo(
            f"OK{warned_words}: {len(programs)} program(s), "
            f"{sum(len(p.stages) for p in programs)} stage guide(s), {result.engagements} engagement(s)."
        )
        uses = languages_in_use(firm, plain)
        click.echo(
            "Languages: " + "; ".join(f"{u.language.name} ({u.language.tag}): {len(u.sites)} site(s)" for u in uses)
        )
        # What a language leaves out is a warning, not an error: the site is built, in English or the firm's words.
        for use in uses:
            who = f"{use.language.name} ({use.language.tag}), for {', '.join(use.sites)}"
            if use.language.missing:
                click.echo(f"warning: {who}: {len(use.language.missing)} message(s) show in English:", err=True)
                for message in use.language.missing:
                    click.echo(f"    {message!r}", err=True)
            for catalog_problem in use.language.problems:
                click.echo(f"warning: {who}: {catalog_problem}; the English is shown instead", err=True)
            if use.fallbacks:
                click.echo(
                    f"warning: {who}: no translation of {'; '.join(use.fallbacks)}; the firm's default language "
                    f"({project.language}) is shown instead",
                    err=True,
                )
            if material_language(config, use.language.tag) is None:
                click.echo(
                    f"warning: {who}: Material has no interface in this language; its menus are in English", err=True
                )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


@click.command()
@click.option(
    "-d", "--site-dir", type=click.Path(path_type=Path), default=None, help="Output folder to audit (default: site/)."
)
@click.pass_obj
def audit(opts: Options, site_dir: Path | None) -> None:
    """Search every built site for what it must not contain, exactly as the build's own audit does."""
    with reported(opts):
        from coachbook.audit.index import LeakIndex
        from coachbook.audit.site_audit import Audience, audit_site, policy_for
        from coachbook.build.staging import LEGACY_STAGING
        from coachbook.build.state import read_mark
        from coachbook.core.firm_sites import COHORTS_FOLDER, CONSOLE_FOLDER

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        firm_sites = sites_of(opts.config_file)
        site_root = (site_dir or project.root / "site").resolve()
        sites: list[tuple[str, str | None, Path, Audience]] = []
        # The organisation of each cohort report found, by its folder; a folder no listed organisation owns has none.
        organisations: dict[Path, str | None] = {}
        if (site_root / "handbook").is_dir():
            sites.append(("handbook", None, site_root / "handbook", Audience.HANDBOOK))
        for kind, audience in (("clients", Audience.CLIENT), ("sponsors", Audience.SPONSOR)):
            if (site_root / kind).is_dir():
                for folder in sorted(p for p in (site_root / kind).iterdir() if p.is_dir()):
                    loaded = firm.by_address(folder.name)
                    name = folder.name if kind == "clients" else f"{folder.name} (sponsor)"
                    sites.append((name, loaded.slug if loaded else None, folder, audience))
        if (site_root / CONSOLE_FOLDER).is_dir():
            sites.append(("coaches' console", None, site_root / CONSOLE_FOLDER, Audience.CONSOLE))
        if (site_root / COHORTS_FOLDER).is_dir():
            for folder in sorted(p for p in (site_root / COHORTS_FOLDER).iterdir() if p.is_dir()):
                cohort = firm_sites.cohort(folder.name)
                organisations[folder] = cohort.organisation if cohort else None
                sites.append((f"{folder.name} (cohort report)", None, folder, Audience.COHORT))
        # A deployable tree must hold nothing half-built: staging belongs beside it, never inside.
        stray = [
            path
            for tree in (site_root, project.published)
            for path in sorted(tree.rglob(f"{LEGACY_STAGING}*"))
            if path.is_dir() and path.parent in (tree, tree / "clients", tree / "sponsors", tree / COHORTS_FOLDER)
        ]
        for path in stray:
            click.echo(f"  {shown(path)}/ holds half-built sites from an older build; never deploy it", err=True)
        if not sites:
            fail(f"no sites found in {shown(site_root)}/; run `coachbook build` first")
        # Each site is audited as of the date it was built for, which its mark says.
        today = dt.date.today()
        total = 0
        # Every client's strings searched together, and files every site shares searched once:
        # the same answers as one search per client per site, in time that grows with the sites, not N².
        index = LeakIndex.of(firm, learn=True)
        for name, owner, folder, audience in sites:
            record = read_mark(folder)
            as_of = dt.date.fromisoformat(record.as_of) if record and record.as_of else today
            # A folder no engagement owns is audited as the handbook is: nothing of any client may be in it.
            # So is a cohort report's folder that no listed organisation owns.
            organisation = organisations.get(folder)
            if audience is Audience.COHORT and organisation is not None:
                policy = policy_for(firm, None, audience=audience, as_of=as_of, organisation=organisation)
            elif audience is Audience.CONSOLE:
                policy = policy_for(firm, None, audience=audience, as_of=as_of)
            else:
                policy = policy_for(firm, owner, audience=audience if owner else Audience.HANDBOOK, as_of=as_of)
            leaks = audit_site(folder, policy, index)
            total += len(leaks)
            status = (
                click.style("clean", fg="green")
                if not leaks
                else click.style(f"{len(leaks)} leak(s)", fg="red", bold=True)
            )
            click.echo(f"  {name:<24} {status}")
            for leak in leaks:
                click.echo(f"    {leak}", err=True)
        if stray:
            fail(f"{len(stray)} staging folder(s) inside a tree you deploy; run `coachbook build` to remove them")
        if total:
            fail(f"{total} leak(s) found; do not publish these sites")
        click.echo(f"Audit passed: {len(sites)} site(s), nothing confidential found.")
