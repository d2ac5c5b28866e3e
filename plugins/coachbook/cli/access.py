"""`coachbook hosting`, `passwd`, `passphrase` and `site-id`: who may read which site once it is online."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

import click

from coachbook.cli.support import (
    Options,
    engagement_or_fail,
    fail,
    load_or_fail,
    no_wait_option,
    project_of,
    reported,
    say_waiting,
    shown,
    sites_of,
)
from coachbook.core.cohort import members
from coachbook.core.firm_sites import CONSOLE_KEY, FirmSites, cohort_key
from coachbook.core.loader import Firm, LoadedEngagement
from coachbook.core.lock import RunLock
from coachbook.core.model import Client
from coachbook.core.project import Project
from coachbook.core.sponsor import sponsor_key, wants_sponsor_site

__all__ = ["hosting", "passphrase", "passwd", "site_id"]

HOSTING_HELP = """Print the web server configuration that puts each client's site behind a password.

\b
--format nginx (the default) prints a server block: the handbook is public,
each client's site at /clients/<address>/ asks for the password in
<htpasswd-dir>/<address>.htpasswd (see `coachbook passwd`), everything else
is 404. --format headers prints a _headers file for Netlify or Cloudflare
Pages, which sets security headers but does not ask for any password.
See docs/hosting.md.
"""

PASSWD_HELP = """Make a new password for a client's site and print it once.

\b
Only its bcrypt hash is written, to <htpasswd-dir>/<address>.htpasswd
(mode 0600), where the nginx config from `coachbook hosting` looks for it.
The password itself is never stored: give it to the client over a different
channel from the site's address. --sponsor, --console and --cohort ADDRESS
make the password of the client's sponsor site, the coaches' console or a
cohort report instead, each in a file of its own.
"""


PASSPHRASE_HELP = """Make a new passphrase for a client's encrypted site and print it once.

\b
It is kept in <secrets>/passphrases/<slug>.txt (mode 0600, git-ignored), where
`coachbook build` finds it; in CI, set COACHBOOK_PASSPHRASE_<SLUG> instead.
Sites are encrypted when the engagement sets `site.encrypt: true` or the
firm sets `encrypt: true` for the coachbook plugin in mkdocs.yml. --console
makes the passphrase of the coaches' console (`console: {protect: encrypt}`),
--cohort ADDRESS that of a cohort report.
"""


def _default_htpasswd_dir(project: Project) -> Path:
    return project.secrets / "htpasswd"


def _absolute(path: Path) -> Path:
    # Not resolve(): the path may only exist on the server, and a symlink there is the admin's choice.
    return Path(os.path.abspath(path))


@click.command(help=HOSTING_HELP)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["nginx", "headers"]),
    default="nginx",
    show_default=True,
    help="nginx server block, or _headers file for Netlify / Cloudflare Pages.",
)
@click.option("--server-name", default="_", show_default=True, help="nginx server_name: the site's host name.")
@click.option(
    "--listen",
    "listens",
    multiple=True,
    metavar="ADDR",
    help='nginx listen: a port, address:port or "443 ssl" (repeatable; default: 80).',
)
@click.option(
    "--https",
    is_flag=True,
    help="A proxy in front of nginx serves HTTPS: add Strict-Transport-Security (implied by --ssl-certificate).",
)
@click.option(
    "--ssl-certificate",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The site's TLS certificate (full chain) on the server: nginx serves HTTPS on 443 and sends port 80 there.",
)
@click.option(
    "--ssl-certificate-key",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The certificate's private key on the server.",
)
@click.option(
    "-d",
    "--site-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The built site/ folder as the server sees it (default: site/ beside mkdocs.yml).",
)
@click.option(
    "--htpasswd-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the .htpasswd files are on the server (default: secrets/htpasswd/ beside mkdocs.yml).",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write here, not to stdout."
)
@click.pass_obj
def hosting(
    opts: Options,
    output_format: str,
    server_name: str,
    listens: tuple[str, ...],
    https: bool,
    ssl_certificate: Path | None,
    ssl_certificate_key: Path | None,
    site_dir: Path | None,
    htpasswd_dir: Path | None,
    output: Path | None,
) -> None:
    with reported(opts):
        from coachbook.access.hosting import PLAIN_HTTP_WARNING, NginxSite, render_headers, render_nginx
        from coachbook.access.passwords import htpasswd_file
        from coachbook.adapter.config import coachbook_plugin, load_project
        from coachbook.core.sponsor import wants_sponsor_site

        config, project = load_project(opts.config_file)
        # The handbook's pages say whether to index them (`handbook_noindex`); the server says the same.
        handbook_noindex = bool(coachbook_plugin(config).config["handbook_noindex"])
        firm = load_or_fail(project)
        if output_format == "headers":
            text = render_headers(https=https, handbook_noindex=handbook_noindex)
        else:
            passwords = _absolute(htpasswd_dir or _default_htpasswd_dir(project))
            tls_files = ssl_certificate is not None or ssl_certificate_key is not None
            site = NginxSite(
                site_root=PurePosixPath(_absolute(site_dir or project.root / "site")),
                htpasswd_dir=PurePosixPath(passwords),
                server_name=server_name,
                # With a certificate, HTTPS on 443, and port 80 only sends browsers there.
                listen=listens or (("443 ssl",) if tls_files else ("80",)),
                https=https,
                certificate=PurePosixPath(_absolute(ssl_certificate)) if ssl_certificate else None,
                certificate_key=PurePosixPath(_absolute(ssl_certificate_key)) if ssl_certificate_key else None,
                redirect_http="80" if tls_files and not listens else None,
            )
            if not site.tls:
                click.echo(f"warning: {PLAIN_HTTP_WARNING}", err=True)
            engagements = firm.engagements.values()
            guessable = sum(1 for e in engagements if e.engagement.site.id is None)
            sponsors = [e.address for e in engagements if wants_sponsor_site(e.engagement)]
            sites = sites_of(opts.config_file)
            cohorts = _reported_cohorts(firm, sites)
            text = render_nginx(
                [e.address for e in engagements],
                site,
                guessable=guessable,
                sponsors=sponsors,
                handbook_noindex=handbook_noindex,
                console=sites.console is not None,
                cohorts=cohorts,
            )
            # The folder may only exist on the server; when it is here, say who still lacks a password,
            # because nginx refuses everyone (403) at a site whose password file is missing.
            if passwords.is_dir():
                missing = sorted(
                    slug for slug, e in firm.engagements.items() if not htpasswd_file(passwords, e.address).is_file()
                )
                if missing:
                    click.echo(
                        f"warning: no password file yet for {', '.join(missing)}; run `coachbook passwd SLUG`",
                        err=True,
                    )
                if sites.console is not None and not htpasswd_file(passwords, CONSOLE_KEY).is_file():
                    click.echo(
                        "warning: no password file yet for the console; run `coachbook passwd --console`", err=True
                    )
                for address in cohorts:
                    if not htpasswd_file(passwords, cohort_key(address)).is_file():
                        click.echo(
                            f"warning: no password file yet for the cohort report {address}; "
                            f"run `coachbook passwd --cohort {address}`",
                            err=True,
                        )
        if output is None:
            click.echo(text, nl=False)
        elif output_format == "nginx" and _absolute(output).is_relative_to(_absolute(project.root / "site")):
            # The config lists every client's address, which is what keeps an unguessable id unguessable.
            fail(f"refusing to write the nginx config into {shown(output)}: it lists every client's address")
        else:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                fail(f"cannot write {shown(output)}: {exc.strerror}")
            click.echo(f"Wrote {shown(output)}.", err=True)


@click.command(help=PASSWD_HELP)
@click.argument("slug", required=False)
@click.option(
    "--htpasswd-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write the .htpasswd file (default: secrets/htpasswd/ beside mkdocs.yml).",
)
@click.option("--user", default=None, help="The user name the client types (default: the slug).")
@click.option("--rotate", is_flag=True, help="Replace the client's existing password.")
@click.option("--sponsor", is_flag=True, help="The password of the client's sponsor site instead.")
@click.option("--console", is_flag=True, help="The password of the coaches' console instead (no SLUG).")
@click.option("--cohort", metavar="ADDRESS", help="The password of a cohort report instead (no SLUG).")
@click.pass_obj
def passwd(
    opts: Options,
    slug: str | None,
    htpasswd_dir: Path | None,
    user: str | None,
    rotate: bool,
    sponsor: bool,
    console: bool,
    cohort: str | None,
) -> None:
    with reported(opts):
        from coachbook.access.passwords import (
            PASSWORD_BITS,
            check_user,
            htpasswd_entry,
            htpasswd_file,
            new_password,
            refuse_unsafe_dir,
            write_secret,
        )
        from coachbook.access.secret_owners import record_owner

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        who = _whose(opts, firm, slug, sponsor=sponsor, console=console, cohort=cohort)
        directory = _absolute(htpasswd_dir or _default_htpasswd_dir(project))
        refuse_unsafe_dir(directory, project.root)
        path = htpasswd_file(directory, who.address_key)
        _refuse_unignored(project.root, path)
        name = check_user(user or who.user)
        password = new_password()
        try:
            write_secret(path, htpasswd_entry(name, password), replace=rotate)
            if who.client is not None:
                record_owner(_absolute(project.secrets), path, who.client)
        except OSError as exc:
            fail(f"cannot write {shown(path)}: {exc.strerror}")
        click.echo(f"{'Replaced' if rotate else 'Wrote'} {shown(path)} (mode 0600) for user {name!r}.")
        click.echo(f"Password ({PASSWORD_BITS} random bits), shown only this once and stored nowhere:")
        click.echo("")
        click.echo(f"    {password}")
        click.echo("")
        click.echo(
            f"Share it with {who.reader} over a separate channel from the site's address "
            "(for example by phone or text message, not in the same email)."
        )


class _Whose:
    """Which site a password or passphrase is for, and what to call it."""

    def __init__(self, address_key: str, slug_key: str, user: str, reader: str, client: Client | None = None) -> None:
        self.client = client
        """The client whose site it is (for a client's or a sponsor's site): what its secrets record as their owner."""
        self.address_key = address_key
        """The name of its password file: the address, with `--sponsor`, `--cohort` or the console's key."""
        self.slug_key = slug_key
        """The name of its passphrase: the slug, with the same suffixes."""
        self.user = user
        self.reader = reader


def _whose(opts: Options, firm: Firm, slug: str | None, *, sponsor: bool, console: bool, cohort: str | None) -> _Whose:
    """The site SLUG, --sponsor, --console or --cohort names, or an error saying how to name one."""
    if sum((slug is not None, console, cohort is not None)) != 1 or (sponsor and slug is None):
        fail("name one site: a client's SLUG (with --sponsor for their sponsor's), --console or --cohort ADDRESS")
    if console:
        if sites_of(opts.config_file).console is None:
            fail("the firm has no console; enable it under `console:` for the coachbook plugin in mkdocs.yml")
        return _Whose(CONSOLE_KEY, CONSOLE_KEY, "coaches", "the firm's coaches only")
    if cohort is not None:
        options = sites_of(opts.config_file).cohort(cohort)
        if options is None:
            fail(f"no cohort report has the address {cohort!r}; list the organisation under `cohorts:` in mkdocs.yml")
        return _Whose(
            cohort_key(cohort), cohort_key(cohort), f"{cohort}-cohort", f"the sponsor of {options.organisation}"
        )
    assert slug is not None
    loaded = engagement_or_fail(firm, slug)
    if sponsor:
        _require_sponsor_site(loaded)
        return _Whose(
            sponsor_key(loaded.address), sponsor_key(slug), f"{slug}-sponsor", "the sponsor", loaded.engagement.client
        )
    return _Whose(loaded.address, slug, slug, "the client", loaded.engagement.client)


def _reported_cohorts(firm: Firm, sites: FirmSites) -> list[str]:
    """The addresses of the cohort reports a build makes: the listed organisations with enough engagements."""
    engagements = list(firm.engagements.values())
    return [c.address for c in sites.cohorts if len(members(engagements, c.organisation)) >= sites.cohort_minimum]


def _require_sponsor_site(loaded: LoadedEngagement) -> None:
    if not wants_sponsor_site(loaded.engagement):
        fail(f"{loaded.slug} has no sponsor site; add `site: true` under `sponsor:` in {shown(loaded.source)} first")


def _refuse_unignored(root: Path, path: Path) -> None:
    """Refuse to write a hash where git would pick it up, if the project is a git repository.

    The project's .gitignore is what keeps `secrets/` out of commits; a firm
    whose .gitignore lacks it would commit the hashes with the next `git add .`.
    """
    if not path.resolve().is_relative_to(root.resolve()):
        return
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--quiet", "--no-index", str(path)],
            capture_output=True,
            check=False,
        )
    except OSError:
        return
    # 0: ignored; 1: not ignored; anything else: not a git repository or git failed.
    if result.returncode == 1:
        fail(f"{shown(path)} would not be ignored by git; add `/secrets/` to {shown(root / '.gitignore')} first")


@click.command(help=PASSPHRASE_HELP)
@click.argument("slug", required=False)
@click.option("--rotate", is_flag=True, help="Replace the client's passphrase; rebuild and send them the new one.")
@click.option("--sponsor", is_flag=True, help="The passphrase of the client's sponsor site instead.")
@click.option("--console", is_flag=True, help="The passphrase of the coaches' console instead (no SLUG).")
@click.option("--cohort", metavar="ADDRESS", help="The passphrase of a cohort report instead (no SLUG).")
@click.pass_obj
def passphrase(opts: Options, slug: str | None, rotate: bool, sponsor: bool, console: bool, cohort: str | None) -> None:
    with reported(opts):
        from coachbook.access.encryption import DEFAULT_ITERATIONS
        from coachbook.access.passphrases import create_passphrase, passphrase_file
        from coachbook.access.secret_owners import record_owner

        project = project_of(opts.config_file)
        firm = load_or_fail(project)
        who = _whose(opts, firm, slug, sponsor=sponsor, console=console, cohort=cohort)
        key = who.slug_key
        _refuse_unignored(project.root, passphrase_file(project.secrets, key))
        try:
            secret, path = create_passphrase(_absolute(project.secrets), project.root, key, rotate=rotate)
            if who.client is not None:
                record_owner(_absolute(project.secrets), path, who.client)
        except OSError as exc:
            fail(f"cannot write the passphrase: {exc.strerror}")
        click.echo(f"{'Replaced' if rotate else 'Wrote'} {shown(path)} (mode 0600).")
        click.echo(f"Passphrase (100 random bits; PBKDF2 with {DEFAULT_ITERATIONS:,} iterations guards it):")
        click.echo("")
        click.echo(f"    {secret}")
        click.echo("")
        click.echo(f"Share it with {who.reader} over a separate channel from the site's address.")


@click.command("site-id")
@click.argument("slug")
@no_wait_option
@click.pass_obj
def site_id(opts: Options, slug: str, no_wait: bool) -> None:
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
        with RunLock(project.work_dir, f"coachbook site-id {slug}", wait=not no_wait, waiting=say_waiting):
            new_id = add_site_id(loaded)
        click.echo(f"{project.shown(loaded.source)}: site.id set; the site will be at clients/{new_id}/")
        click.echo("Rebuild with `coachbook build`; the old address is removed from site/ then.")
        if old_published.is_dir():
            # Published versions carry their address inside (links, sitemap), so they cannot simply be moved.
            click.echo(
                f"warning: published versions stay at {shown(old_published)}/, the old address. Publish a new "
                f"version with `coachbook publish {slug}`; `coachbook versions {slug}` still lists the old ones, "
                f"and `coachbook unpublish {slug} VERSION` takes each down.",
                err=True,
            )
