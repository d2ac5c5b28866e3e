"""The `coachbook` command: parses arguments and hands off to the core and the builder."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from coachbook import __version__
from coachbook.cli_support import Options, fail, load_or_fail, project_of, quiet_mkdocs, reported, shown

BUILD_HELP = """Build the public handbook and every client's private site.

\b
The handbook goes to SITE_DIR/handbook/ and each client to SITE_DIR/clients/<slug>/.
Each site is built in its own process, audited for leaks, and only then put in
place; a failed site leaves its previous version untouched.
"""

SERVE_HELP = """Preview a client's site (or the handbook) with live reload.

\b
The preview reloads when an engagement file, a guide or the theme changes.
It is built in a temporary folder and never written under site/.
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
@click.option("-v", "--verbose", is_flag=True, help="Show MkDocs' own log.")
@click.pass_obj
def build(
    opts: Options,
    clients: tuple[str, ...],
    as_of: dt.datetime | None,
    site_dir: Path | None,
    jobs: int | None,
    strict: bool,
    verbose: bool,
) -> None:
    with reported(opts):
        from coachbook.builder import SiteResult, build_sites, client_target, handbook_target
        from coachbook.output import remove_site

        quiet_mkdocs(verbose)
        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        unknown = [slug for slug in clients if slug not in firm.engagements]
        if unknown:
            from coachbook.validation import did_you_mean

            hints = [f"{slug!r} ({did_you_mean(slug, firm.engagements)})" for slug in unknown]
            fail("no engagement named " + ", ".join(hints))
        site_root = (site_dir or project.root / "site").resolve()
        targets = [handbook_target(site_root)] if not clients else []
        targets += [client_target(site_root, slug) for slug in (clients or sorted(firm.engagements))]

        def report(result: SiteResult) -> None:
            name = result.target.name
            if result.ok:
                click.echo(f"  {click.style('built', fg='green')}  {name:<24} {result.seconds:5.1f}s")
            else:
                click.echo(f"  {click.style('FAILED', fg='red', bold=True)} {name:<24} {result.error}", err=True)
            for warning in result.warnings:
                click.echo(f"           warning: {warning}", err=True)

        click.echo(f"Building {len(targets)} site(s) into {shown(site_root)}/ ...")
        results = build_sites(
            opts.config_file.resolve(),
            targets,
            site_root,
            jobs=jobs or os.cpu_count() or 1,
            as_of=as_of.date() if as_of else None,
            strict=strict,
            on_result=report,
        )
        if not clients:
            # A client whose engagement file was deleted must not stay online.
            clients_root = site_root / "clients"
            if clients_root.is_dir():
                for stale in sorted(p for p in clients_root.iterdir() if p.is_dir() and p.name not in firm.engagements):
                    remove_site(stale)
                    click.echo(f"  removed  {stale.name:<24} (its engagement file no longer exists)")
        failed = [r for r in results if not r.ok]
        ok = len(results) - len(failed)
        click.echo(f"Done: {ok} built, {len(failed)} failed.")
        if ok:
            first = next(r for r in results if r.ok).target.dest / "index.html"
            click.echo(f"Open {shown(first)} in a browser to look at a site.")
        if failed:
            fail(f"{len(failed)} site(s) failed: " + ", ".join(r.target.name for r in failed))


@cli.command(help=SERVE_HELP)
@click.option("--client", metavar="SLUG", help="The client to preview; without it, the public handbook.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Compute progress as of this date.")
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT")
@click.option("--no-livereload", is_flag=True, help="Do not reload the browser on changes.")
@click.pass_obj
def serve(opts: Options, client: str | None, as_of: dt.datetime | None, dev_addr: str, no_livereload: bool) -> None:
    with reported(opts):
        from mkdocs.commands.serve import serve as mkdocs_serve

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        if client and client not in firm.engagements:
            from coachbook.validation import did_you_mean

            fail(f"no engagement named {client!r}; {did_you_mean(client, firm.engagements)}")
        quiet_mkdocs(True)
        # `mkdocs serve` reloads the config on every change, so the client and
        # date travel in the environment, which the plugin reads in on_config.
        if client:
            os.environ["COACHBOOK_CLIENT"] = client
        if as_of:
            os.environ["COACHBOOK_AS_OF"] = as_of.date().isoformat()
        mkdocs_serve(
            config_file=str(opts.config_file),
            livereload=not no_livereload,
            watch=[str(project.engagements_dir)],
            dev_addr=dev_addr,
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
        from coachbook.audit import audit_site, needles_for

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        site_root = (site_dir or project.root / "site").resolve()
        sites: list[tuple[str, str | None, Path]] = []
        if (site_root / "handbook").is_dir():
            sites.append(("handbook", None, site_root / "handbook"))
        clients_root = site_root / "clients"
        if clients_root.is_dir():
            for folder in sorted(p for p in clients_root.iterdir() if p.is_dir()):
                owner = folder.name if folder.name in firm.engagements else None
                sites.append((folder.name, owner, folder))
        if not sites:
            fail(f"no sites found in {shown(site_root)}/; run `coachbook build` first")
        total = 0
        for name, owner, folder in sites:
            leaks = audit_site(folder, needles_for(firm, owner))
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


def main() -> None:
    """Entry point of the `coachbook` console script."""
    cli(prog_name="coachbook")
