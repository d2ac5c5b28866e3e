"""The `publish`, `versions` and `unpublish` commands: a client's site as immutable, listed versions."""

from __future__ import annotations

import datetime as dt

import click

from coachbook.cli_support import (
    Options,
    engagement_or_fail,
    fail,
    load_or_fail,
    project_of,
    quiet_mkdocs,
    reported,
    shown,
    site_url_of,
)

PUBLISH_HELP = """Build SLUG's site as a new version under published/clients/<address>/<version>/.

\b
The version is named after the date and the current stage unless --version is
given, becomes `latest`, and gets a "What changed" page against the previous
version. Published versions are never rebuilt or cleaned: publishing under an
existing name needs --force.
"""


@click.command(help=PUBLISH_HELP)
@click.argument("slug")
@click.option("--version", "name", metavar="NAME", help="The version's name (default: date and current stage).")
@click.option("--title", help="The title shown in the version selector (default: the date and the stage).")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Compute progress as of this date.")
@click.option("--force", is_flag=True, help="Replace a version that is already published under this name.")
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the published tree is served (default: site_url in mkdocs.yml, else http://localhost/).",
)
@click.pass_obj
def publish(
    opts: Options,
    slug: str,
    name: str | None,
    title: str | None,
    as_of: dt.datetime | None,
    force: bool,
    base_url: str | None,
) -> None:
    with reported(opts):
        from coachbook.publisher import publish as publish_version

        quiet_mkdocs(False)
        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        engagement_or_fail(firm, slug)
        result = publish_version(
            opts.config_file.resolve(),
            firm,
            slug,
            published=project.published,
            as_of=as_of.date() if as_of else dt.date.today(),
            name=name,
            title=title,
            force=force,
            base_url=base_url or site_url_of(opts.config_file) or "http://localhost/",
        )
        click.echo(f"Published {slug} version {result.version!r} to {shown(result.path)}/")
        if result.previous:
            click.echo(f'  Its "What changed" page compares it with {result.previous!r}.')
        if result.latest:
            click.echo("  It is now `latest`.")


@click.command()
@click.argument("slug")
@click.pass_obj
def versions(opts: Options, slug: str) -> None:
    """List the published versions of SLUG's site, newest first."""
    with reported(opts):
        from coachbook.publisher import client_root
        from coachbook.versions import read_versions

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        root = client_root(project.published, engagement_or_fail(firm, slug).address)
        listed = read_versions(root / "versions.json")
        if not listed:
            click.echo(f"{slug} has no published versions yet; run `coachbook publish {slug}`.")
            return
        for version in listed:
            aliases = f" [{', '.join(version.aliases)}]" if version.aliases else ""
            click.echo(f"{version.name:<36} {version.title}{aliases}")


@click.command()
@click.argument("slug")
@click.argument("version")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def unpublish(opts: Options, slug: str, version: str, yes: bool) -> None:
    """Remove one published VERSION of SLUG's site, after confirmation."""
    with reported(opts):
        from coachbook.publisher import client_root
        from coachbook.publisher import unpublish as remove_version
        from coachbook.versions import read_versions, require_version

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        address = engagement_or_fail(firm, slug).address
        listed = read_versions(client_root(project.published, address) / "versions.json")
        require_version(listed, version, slug)
        if not yes and not click.confirm(f"Remove version {version!r} of {slug}'s site? This cannot be undone"):
            fail("nothing was removed")
        remaining = remove_version(firm, slug, version, published=project.published)
        click.echo(f"Removed {version!r}." + (f" `latest` is now {remaining[0].name!r}." if remaining else ""))
