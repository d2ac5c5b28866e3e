"""The `coachbook` command: parses arguments and hands off to the core and the builder."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from coachbook import __version__
from coachbook.cli.access import hosting, passphrase, passwd
from coachbook.cli.coach import new, schema
from coachbook.cli.support import (
    Options,
    engagement_or_fail,
    fail,
    load_or_fail,
    project_of,
    quiet_mkdocs,
    reported,
    shown,
)
from coachbook.cli.publishing import bundle, publish, unpublish, versions

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

SERVE_HELP = """Preview a client's site (or the handbook) with live reload.

\b
The preview reloads when an engagement file, a guide or the theme changes.
It is built in a temporary folder and never written under site/.
With --coach-view it also shows what the client's site leaves out.
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coachbook")
@click.option(
    "-f",
    "--config-file",
    type=click.Path(path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The firm's MkDocs configuration.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks (for developers).")
@click.pass_context
def cli(ctx: click.Context, config_file: Path, debug: bool) -> None:
    """Coachbook: private handbook-and-progress sites for coaching clients."""
    ctx.obj = Options(config_file, debug)


@cli.command(help=BUILD_HELP)
@click.option("--client", "clients", multiple=True, metavar="SLUG", help="Build only this client (repeatable).")
@click.option(
    "--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Compute progress as of this date (default: today)."
)
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
) -> None:
    with reported(opts):
        from coachbook.build.firm_build import FirmBuild, build_firm
        from coachbook.errors import ProblemList
        from coachbook.cli.report import BuildReporter, open_lines, summary_lines, warning_lines
        from coachbook.build.shards import parse_shard

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
            fail(f"{len(exc.problems)} problem(s) found; nothing was built. Fix them and run the command again.")
        lines = summary_lines(report)
        click.echo(lines[0])
        for line in lines[1:]:
            click.echo(line, err=True)
        for line in warning_lines(report, shown):
            click.echo(line, err=True)
        for line in open_lines(report, shown):
            click.echo(line)
        if report.failed:
            fail(f"{len(report.failed)} site(s) failed: " + ", ".join(r.target.name for r in report.failed))


@cli.command(help=SERVE_HELP)
@click.option("--client", metavar="SLUG", help="The client to preview; without it, the public handbook.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Compute progress as of this date.")
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT")
@click.option("--no-livereload", is_flag=True, help="Do not reload the browser on changes.")
@click.option(
    "--coach-view",
    is_flag=True,
    help="Show the coach-only material (private notes, coach-only items, drafts) behind a banner. Needs --client.",
)
@click.option("--sponsor", is_flag=True, help="Preview the client's sponsor site (progress only). Needs --client.")
@click.pass_obj
def serve(
    opts: Options,
    client: str | None,
    as_of: dt.datetime | None,
    dev_addr: str,
    no_livereload: bool,
    coach_view: bool,
    sponsor: bool,
) -> None:
    with reported(opts):
        if coach_view and not client:
            fail("--coach-view needs a client: coachbook serve --client SLUG --coach-view")
        if sponsor and (not client or coach_view):
            fail("--sponsor needs a client and no coach view: coachbook serve --client SLUG --sponsor")
        from mkdocs.commands.serve import serve as mkdocs_serve

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
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
        if as_of:
            os.environ["COACHBOOK_AS_OF"] = as_of.date().isoformat()
        if coach_view:
            # mkdocs serve builds into a fresh temporary folder; the plugin
            # refuses the coach view anywhere else.
            os.environ["COACHBOOK_COACH_VIEW"] = "1"
            click.echo(f"Coach view of {client}: includes coach-only material. Do not share your screen with others.")
        mkdocs_serve(
            config_file=str(opts.config_file),
            livereload=not no_livereload,
            watch=[str(project.engagements_dir)],
            dev_addr=dev_addr,
        )


@cli.command("site-id")
@click.argument("slug")
@click.pass_obj
def site_id(opts: Options, slug: str) -> None:
    """Give SLUG's site an unguessable address, clients/<id>/, instead of clients/<slug>/.

    The id is added to the engagement file as `site.id`. Commit it: the address
    stays the same on every machine that builds the site.
    """
    with reported(opts):
        from coachbook.access.addresses import add_site_id

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        loaded = engagement_or_fail(firm, slug)
        old_published = project.published / "clients" / loaded.address
        new_id = add_site_id(loaded)
        click.echo(f"{project.shown(loaded.source)}: site.id set; the site will be at clients/{new_id}/")
        click.echo("Rebuild with `coachbook build`; the old address is removed from site/ then.")
        if old_published.is_dir():
            # Published versions carry their address inside (links, sitemap), so they cannot simply be moved.
            click.echo(
                f"warning: published versions stay at {shown(old_published)}/, the old address. Publish a new "
                f"version with `coachbook publish {slug}`, then delete that folder to take the old address down.",
                err=True,
            )


@cli.command()
@click.pass_obj
def check(opts: Options) -> None:
    """Validate the program, the guides and every engagement file."""
    with reported(opts):
        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        click.echo(
            f"OK: {len(firm.programs)} program(s), "
            f"{sum(len(p.stages) for p in firm.programs)} stage guide(s), {len(firm.engagements)} engagement(s)."
        )


@cli.command()
@click.option(
    "-d", "--site-dir", type=click.Path(path_type=Path), default=None, help="Output folder to audit (default: site/)."
)
@click.pass_obj
def audit(opts: Options, site_dir: Path | None) -> None:
    """Search every built site for text it must not contain."""
    with reported(opts):
        from coachbook.audit.site_audit import _public_corpus, audit_site
        from coachbook.audit.index import LeakIndex, fragments_of
        from coachbook.core.sponsor import sponsor_needles, sponsor_report

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        site_root = (site_dir or project.root / "site").resolve()
        sites: list[tuple[str, str | None, Path, bool]] = []
        if (site_root / "handbook").is_dir():
            sites.append(("handbook", None, site_root / "handbook", False))
        for kind in ("clients", "sponsors"):
            if (site_root / kind).is_dir():
                for folder in sorted(p for p in (site_root / kind).iterdir() if p.is_dir()):
                    loaded = firm.by_address(folder.name)
                    name = folder.name if kind == "clients" else f"{folder.name} (sponsor)"
                    sites.append((name, loaded.slug if loaded else None, folder, kind == "sponsors"))
        if not sites:
            fail(f"no sites found in {shown(site_root)}/; run `coachbook build` first")
        total = 0
        # Every client's strings searched together, and files every site shares searched once:
        # the same answers as one search per client per site, in time that grows with the sites, not N².
        index = LeakIndex({slug: fragments_of(loaded.engagement) for slug, loaded in firm.engagements.items()})
        shared: dict[str, frozenset[str]] = {}
        for name, owner, folder, for_sponsor in sites:
            leaks = index.audit_site(folder, owner, _public_corpus(firm, owner), known=shared, learn=True)
            if for_sponsor and owner is not None:
                loaded = firm.engagements[owner]
                report = sponsor_report(loaded.engagement, loaded.program, dt.date.today())
                leaks += audit_site(folder, sponsor_needles(loaded.engagement, owner, report))
            total += len(leaks)
            status = (
                click.style("clean", fg="green")
                if not leaks
                else click.style(f"{len(leaks)} leak(s)", fg="red", bold=True)
            )
            click.echo(f"  {name:<24} {status}")
            for leak in leaks:
                click.echo(f"    {leak}", err=True)
        if total:
            fail(f"{total} leak(s) found; do not publish these sites")
        click.echo(f"Audit passed: {len(sites)} site(s), nothing confidential found.")


cli.add_command(hosting)
cli.add_command(passwd)
cli.add_command(passphrase)
cli.add_command(publish)
cli.add_command(versions)
cli.add_command(unpublish)
cli.add_command(bundle)
cli.add_command(new)
cli.add_command(schema)


def main() -> None:
    """Entry point of the `coachbook` console script."""
    cli(prog_name="coachbook")
