"""`coachbook preview`: the built sites in a browser, served on this computer as a host would serve them."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from coachbook.cli.support import Options, fail, project_of, reported, shown
from coachbook.core.project import Project

__all__ = ["DEFAULT_ADDRESS", "preview", "preview_url"]

#: Where `coachbook preview` listens unless told otherwise; the build's closing lines name addresses under it.
DEFAULT_ADDRESS = "127.0.0.1:8000"

PREVIEW_HELP = f"""Serve the built sites (site/) at http://{DEFAULT_ADDRESS}/ and print each one's address.

\b
Open the address in your browser: every page, the menus and search work as
they will online, which a site opened from disk cannot do. Run
`coachbook build` first, and again after a change (a reload then shows it).
With SLUG, only that client's address is printed (--sponsor: their sponsor's
site), and --open opens it in your browser.

It listens on this computer only. Another address, such as 0.0.0.0, lets
every device on the network read the sites: it needs --expose.
"""


def preview_url(address: str, folder: str) -> str:
    """The address of a site (`clients/dana-whitfield`) under a preview server listening at `address`."""
    host, _, port = address.rpartition(":")
    path = folder.strip("/")
    return f"http://{host}:{port}/{path}/" if path else f"http://{host}:{port}/"


@click.command(help=PREVIEW_HELP)
@click.argument("slug", required=False)
@click.option("--sponsor", is_flag=True, help="The client's sponsor site instead. Needs SLUG.")
@click.option("-a", "--dev-addr", default=DEFAULT_ADDRESS, show_default=True, metavar="IP:PORT")
@click.option("--expose", is_flag=True, help="Allow an address other devices can reach: they can then read the sites.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in your browser.")
@click.option(
    "-d", "--site-dir", type=click.Path(path_type=Path), default=None, help="The built sites (default: site/)."
)
@click.pass_obj
def preview(
    opts: Options,
    slug: str | None,
    sponsor: bool,
    dev_addr: str,
    expose: bool,
    open_browser: bool,
    site_dir: Path | None,
) -> None:
    with reported(opts):
        from coachbook.access.preview import SiteServer, check_preview_address

        if sponsor and not slug:
            fail("--sponsor needs a client: coachbook preview SLUG --sponsor")
        warning = check_preview_address(dev_addr, expose=expose, coach_view=False, what="the built sites")
        project = project_of(opts.config_file)
        root = (site_dir or project.root / "site").resolve()
        if not root.is_dir():
            fail(f"nothing is built in {shown(root)}/ yet; run `coachbook build` first")
        folders = _sites(root)
        if slug is not None:
            folder = f"{'sponsors' if sponsor else 'clients'}/{_address(project, slug)}"
            if folder not in folders:
                from coachbook.core.loader import engagement_files
                from coachbook.core.rules import did_you_mean

                slugs = [path.stem for path in engagement_files(project)[0]]
                if slug not in slugs:
                    fail(f"no engagement named {slug!r}; {did_you_mean(slug, slugs)}")
                what = "sponsor site" if sponsor else "site"
                fail(f"{slug}'s {what} is not built in {shown(root)}/; run `coachbook build --client {slug}` first")
            folders = [folder]
        host, _, port = dev_addr.rpartition(":")
        try:
            server = SiteServer((host.strip("[]"), int(port)), root)
        except (OSError, ValueError) as exc:
            fail(
                f"cannot listen on {dev_addr} ({getattr(exc, 'strerror', None) or exc}); if another preview or "
                f"`coachbook serve` is using it, choose another port: coachbook preview -a {host}:{_next(port)}"
            )
        if warning:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"Serving {shown(root)}/ at {preview_url(dev_addr, '')} (Ctrl+C to stop). Open in your browser:")
        width = max(len(_name(f)) for f in folders) + 2 if folders else 0
        for folder in folders:
            click.echo(f"  {_name(folder):<{width}} {preview_url(dev_addr, folder)}")
        if open_browser and folders:
            webbrowser.open(preview_url(dev_addr, folders[0]))
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("\nStopped.")
        finally:
            server.server_close()


def _sites(root: Path) -> list[str]:
    """The sites built under `root`: the handbook and the firm's own sites first, then the clients and sponsors."""
    firm = ["firm"] if (root / "firm" / "index.html").is_file() else []
    if (root / "cohorts").is_dir():
        firm += sorted(
            f"cohorts/{p.name}"
            for p in (root / "cohorts").iterdir()
            if not p.name.startswith(".") and (p / "index.html").is_file()
        )
    found = []
    for kind in ("clients", "sponsors"):
        if (root / kind).is_dir():
            found += [
                f"{kind}/{p.name}"
                for p in (root / kind).iterdir()
                if not p.name.startswith(".") and (p / "index.html").is_file()
            ]
    # Each client's sponsor site right after the client's own, as the build lists them.
    found.sort(key=lambda folder: (folder.partition("/")[2], folder))
    return (["handbook"] if (root / "handbook" / "index.html").is_file() else []) + firm + found


def _name(folder: str) -> str:
    if folder == "firm":
        return "coaches' console"
    kind, _, address = folder.partition("/")
    return {"clients": address, "sponsors": f"{address} (sponsor)", "cohorts": f"{address} (cohort report)"}.get(
        kind, folder
    )


def _address(project: Project, slug: str) -> str:
    """The site's address: its unguessable id when the engagement has one (from the record cache), else the slug."""
    from coachbook.adapter.site_inputs import load_site_inputs
    from coachbook.errors import CoachbookError

    try:
        record = load_site_inputs(project, None).records.get(slug)
    except CoachbookError:
        return slug
    return record.address if record is not None else slug


def _next(port: str) -> str:
    return str(int(port) + 1) if port.isdigit() else "8001"
