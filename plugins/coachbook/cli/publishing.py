"""The `publish`, `versions` and `unpublish` commands: a client's site as immutable, listed versions."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import click

from coachbook.cli.dates import IsoDate
from coachbook.cli.support import (
    Options,
    engagement_or_fail,
    fail,
    load_or_fail,
    no_wait_option,
    project_of,
    quiet_mkdocs,
    reported,
    say_waiting,
    shown,
    site_url_of,
)
from coachbook.core.loader import Firm
from coachbook.core.project import Project
from coachbook.core.versions import Version

PUBLISH_HELP = """Build SLUG's site as a new version under published/clients/<address>/<version>/.

\b
The version is named after the date and the current stage unless --version is
given, becomes `latest`, and gets a "What changed" page against the previous
version. Published versions are never rebuilt or cleaned: publishing under an
existing name needs --force.

\b
With --ref, the version is built from the firm's files as committed at that
git tag, branch or commit, so it can be rebuilt byte for byte later.
With --handbook instead of SLUG, the public handbook is published the same
way under published/handbook/<version>/ (named after the ref, else the date).
"""


@click.command(help=PUBLISH_HELP)
@click.argument("slug", required=False)
@click.option("--handbook", is_flag=True, help="Publish the public handbook instead of a client's site.")
@click.option("--ref", metavar="REF", help="Build from this git tag, branch or commit instead of the working tree.")
@click.option("--version", "name", metavar="NAME", help="The version's name (default: date and current stage).")
@click.option("--title", help="The title shown in the version selector (default: the date and the stage).")
@click.option("--as-of", type=IsoDate(), help="Compute progress as of this date.")
@click.option("--force", is_flag=True, help="Replace a version that is already published under this name.")
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the published tree is served (default: site_url in mkdocs.yml, else http://localhost/).",
)
@no_wait_option
@click.pass_obj
def publish(
    opts: Options,
    slug: str | None,
    handbook: bool,
    ref: str | None,
    name: str | None,
    title: str | None,
    as_of: dt.datetime | None,
    force: bool,
    base_url: str | None,
    no_wait: bool,
) -> None:
    with reported(opts):
        from coachbook.core.versions import check_version_name
        from coachbook.publish.publisher import Release, at_ref, publish_handbook
        from coachbook.publish.publisher import publish as publish_version
        from coachbook.refs.git import check_ref

        if handbook == bool(slug):
            fail("name a client (coachbook publish SLUG) or pass --handbook, not both")
        # Every argument is checked before anything is exported or built.
        if name is not None:
            check_version_name(name)
        if ref is not None:
            check_ref(ref)
        quiet_mkdocs(False)
        project = project_of(opts.config_file)
        url = base_url or site_url_of(opts.config_file) or "http://localhost/"
        day = as_of.date() if as_of else dt.date.today()
        with contextlib.ExitStack() as stack:
            config, source = opts.config_file.resolve(), None
            if ref is not None:
                config, project, source = stack.enter_context(at_ref(project, config, ref))
            firm = load_or_fail(project)
            release = Release(project.published, day, name, title, force, url, source, not no_wait, say_waiting)
            if slug is None:
                what = "the handbook"
                result = publish_handbook(config, firm, release)
            else:
                what = slug
                engagement_or_fail(firm, slug)
                result = publish_version(config, firm, slug, release)
        built_from = f" from {source.ref} ({source.commit[:12]})" if source else ""
        click.echo(f"Published {what} version {result.version!r}{built_from} to {shown(result.path)}/")
        if result.previous and not handbook:
            click.echo(f'  Its "What changed" page compares it with {result.previous!r}.')
        if result.latest:
            click.echo("  It is now `latest`.")


@click.command()
@click.argument("slug", required=False)
@click.option("--handbook", is_flag=True, help="List the public handbook's versions instead.")
@click.option(
    "--repair",
    is_flag=True,
    help="Make the published tree consistent again: unlist versions whose folder is gone, remove folders an "
    "interrupted publish left, copy the newest version into latest/, rebuild a damaged versions.json.",
)
@no_wait_option
@click.pass_obj
def versions(opts: Options, slug: str | None, handbook: bool, repair: bool, no_wait: bool) -> None:
    """List the published versions of SLUG's site (or of the handbook), newest first, and anything wrong."""
    with reported(opts):
        from coachbook.publish.publisher import client_root, former_address
        from coachbook.publish.publisher import repair as repair_tree
        from coachbook.publish.tree import VersionTree

        if handbook == bool(slug):
            fail("name a client (coachbook versions SLUG) or pass --handbook, not both")
        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        root = _root_of(project, firm, slug)
        tree = VersionTree(project.published, root)
        if repair:
            done = repair_tree(firm, slug, published=project.published, wait=not no_wait)
            for line in done:
                click.echo(f"Repaired: {line}.")
            if not done:
                click.echo("Nothing to repair.")
        check = tree.check()
        if check.damaged:
            fail(
                f"{shown(root / 'versions.json')} cannot be read ({check.damaged}); "
                f"`coachbook versions {slug or '--handbook'} --repair` rebuilds it from the versions' folders"
            )
        listed = tree.versions()
        former = former_address(firm, slug, project.published) if slug else None
        if not listed and former is None:
            again = f"coachbook publish {slug}" if slug else "coachbook publish --handbook"
            click.echo(f"{slug or 'The handbook'} has no published versions yet; run `{again}`.")
        elif not listed:
            click.echo(f"{slug} has no published versions at its new address yet; run `coachbook publish {slug}`.")
        _list_versions(listed)
        if former is not None:
            # `coachbook site-id` moved the site; what was published before stays at the old, guessable address.
            old_root = client_root(project.published, former)
            click.echo(
                f"Still published at the old address {shown(old_root)}/, which is guessable "
                f"(`coachbook unpublish {slug} VERSION` takes each down):"
            )
            _list_versions(VersionTree(project.published, old_root).versions())
        if not check.clean:
            for line in check.lines():
                click.echo(f"warning: {line}", err=True)
            fix = f"coachbook versions {slug or '--handbook'} --repair"
            fail(f"the published versions need repair: run `{fix}` (the next publish repairs them too)")


@click.command()
@click.argument("args", nargs=-1, metavar="[SLUG] VERSION")
@click.option("--handbook", is_flag=True, help="Remove a version of the public handbook instead.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@no_wait_option
@click.pass_obj
def unpublish(opts: Options, args: tuple[str, ...], handbook: bool, yes: bool, no_wait: bool) -> None:
    """Remove one published VERSION of SLUG's site (or of the handbook), after confirmation."""
    with reported(opts):
        from coachbook.core.versions import read_versions, require_version
        from coachbook.publish.publisher import Release, client_root, former_address
        from coachbook.publish.publisher import unpublish as remove_version

        if len(args) != (1 if handbook else 2):
            fail("usage: coachbook unpublish SLUG VERSION, or coachbook unpublish --handbook VERSION")
        slug, version = (None, args[0]) if handbook else (args[0], args[1])
        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        owner = slug or "the handbook"
        root = _root_of(project, firm, slug)
        listed = read_versions(root / "versions.json") if (root / "versions.json").is_file() else []
        address = None
        former = former_address(firm, slug, project.published) if slug else None
        if former is not None and not any(v.name == version for v in listed):
            # A version published before `coachbook site-id` moved the site is still at the old address.
            address = former
            root = client_root(project.published, former)
            listed = read_versions(root / "versions.json")
        require_version(listed, version, owner)
        where = f" at {shown(root)}/" if address else ""
        if not yes and not click.confirm(f"Remove version {version!r} of {owner}'s site{where}? This cannot be undone"):
            fail("nothing was removed")
        release = Release(project.published, dt.date.today(), wait=not no_wait, waiting=say_waiting)
        remaining = remove_version(firm, slug, version, published=project.published, release=release, address=address)
        click.echo(
            f"Removed {version!r}{where}."
            + (f" `latest` there is now {remaining[0].name!r}." if remaining and address else "")
            + (f" `latest` is now {remaining[0].name!r}." if remaining and not address else "")
        )


def _list_versions(listed: list[Version]) -> None:
    for version in listed:
        aliases = f" [{', '.join(version.aliases)}]" if version.aliases else ""
        source = version.properties.get("ref") or ""
        click.echo(f"{version.name:<36} {version.title}{aliases}" + (f"  (from {source})" if source else ""))


def _root_of(project: Project, firm: Firm, slug: str | None) -> Path:
    """The folder of a client's versions, or of the handbook's when `slug` is None."""
    from coachbook.publish.publisher import client_root, handbook_root

    if slug is None:
        return handbook_root(project.published)
    return client_root(project.published, engagement_or_fail(firm, slug).address)


BUNDLE_HELP = """Zip SLUG's site into a bundle that works opened from disk, search included.

\b
This is the client's graduation handbook to keep: give it to them at closure.
It is built and audited like their site, without encryption, with links to
.html files and the search index inlined, and written to
bundles/<slug>-handbook.zip unless --output says otherwise.
"""


@click.command(help=BUNDLE_HELP)
@click.argument("slug")
@click.option("--as-of", type=IsoDate(), help="Compute progress as of this date.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="The zip file to write.")
@click.option("--force", is_flag=True, help="Replace the zip if it already exists.")
@click.pass_obj
def bundle(opts: Options, slug: str, as_of: dt.datetime | None, output: Path | None, force: bool) -> None:
    with reported(opts):
        import tempfile

        from coachbook.build.site_build import build_one
        from coachbook.build.targets import SiteTarget
        from coachbook.publish.bundle import write_zip

        quiet_mkdocs(False)
        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        loaded = engagement_or_fail(firm, slug)
        target = output or project.root / "bundles" / f"{slug}-handbook.zip"
        if target.exists() and not force:
            fail(f"{shown(target)} already exists; pass --force to replace it, or choose another --output")
        day = as_of.date() if as_of else dt.date.today()
        if loaded.engagement.closure is None:
            click.echo(f"Note: {slug}'s engagement has not closed; the bundle shows the site as of {day.isoformat()}.")
        with tempfile.TemporaryDirectory(prefix="coachbook-bundle-") as folder:
            site = Path(folder) / "site"
            result = build_one(
                opts.config_file.resolve(),
                SiteTarget(slug, slug, site),
                Path(folder),
                as_of=day,
                options={"offline": True},
            )
            if not result.ok:
                fail(f"{slug}: no bundle was written: {result.error}")
            write_zip(site, target, folder=f"{slug}-handbook", date=day)
        click.echo(f"Wrote {shown(target)}: unzip it and open {slug}-handbook/index.html; search works offline.")
