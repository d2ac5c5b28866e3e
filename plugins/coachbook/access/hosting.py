"""Web server configuration that keeps each client's site behind its own password.

The renderers are pure: they take addresses and paths and return text, so a
test can read every line without a build or a server. They only ever see a
site's address (`clients/<address>/`), never a client's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from jinja2 import Environment, PackageLoader, StrictUndefined

from coachbook.access.passwords import check_address, htpasswd_file
from coachbook.core.firm_sites import COHORTS_FOLDER, CONSOLE_FOLDER, CONSOLE_KEY, cohort_key
from coachbook.core.sponsor import sponsor_key
from coachbook.errors import CoachbookError

#: The nginx config is a template of its own, `templates/nginx.conf.j2`, so it reads as the file it makes.
_TEMPLATES = Environment(
    loader=PackageLoader("coachbook", "templates"),
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

__all__ = [
    "ASSET_EXTENSIONS",
    "CONTENT_SECURITY_POLICY",
    "OFFLINE_CONTENT_SECURITY_POLICY",
    "PAGE_CONTENT_SECURITY_POLICY",
    "PLAIN_HTTP_WARNING",
    "REALM",
    "NginxSite",
    "render_headers",
    "render_nginx",
    "security_headers",
]

#: Material for MkDocs puts small inline scripts in every page (palette, search
#: config), hence 'unsafe-inline' for scripts; everything else comes from the
#: site itself, so no other origin can load code or receive data.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
#: The same policy as every client page carries it in a `<meta>`, so that it holds whatever the host sends.
#: Browsers ignore `frame-ancestors` in a `<meta>` (and say so in the console), so it is left to the headers.
PAGE_CONTENT_SECURITY_POLICY = "; ".join(
    directive for directive in CONTENT_SECURITY_POLICY.split("; ") if not directive.startswith("frame-ancestors")
)
#: An offline bundle is opened from disk, where a browser gives pages no origin of their own; `file:` stands in
#: for 'self' there, so its pages, scripts and the search shim's frame load from the folder and nowhere else.
OFFLINE_CONTENT_SECURITY_POLICY = (
    "default-src 'self' file:; img-src 'self' file: data:; style-src 'self' file: 'unsafe-inline'; "
    "script-src 'self' file: 'unsafe-inline'; base-uri 'self' file:; form-action 'self' file:; object-src 'none'"
)

#: What `coachbook hosting` says when the config it writes serves passwords over plain HTTP.
PLAIN_HTTP_WARNING = (
    "this config serves the client sites over plain HTTP, so each client's password crosses the network "
    "readable by anyone on the way, with every request. Give nginx the site's TLS certificate with "
    "--ssl-certificate and --ssl-certificate-key (certbot makes one for free), or, if a proxy in front of nginx "
    "serves HTTPS, say so with --https"
)

#: The login prompt's text: browsers show it to whoever asks, so it must not name a client.
REALM = "Private coaching site"

#: One year, the value browsers' preload lists expect; subdomains are left alone on purpose.
HSTS = "max-age=31536000"

#: Static files that the regex location caches for a week.
ASSET_EXTENSIONS = ("css", "js", "map", "json", "svg", "png", "jpe?g", "gif", "ico", "webp", "woff2?")

_CLIENT_CACHE = ("Cache-Control", "private, no-store")
#: nginx's mime.types has no entry for calendar files, which calendar apps want as text/calendar to subscribe to.
#: A nested location inherits the password and the headers of the client's location around it.
_CALENDAR = 'location ~* \\.ics$ { types { } default_type "text/calendar; charset=utf-8"; }'
_SERVER_NAME = re.compile(r"^[A-Za-z0-9.*_~-]+(?: [A-Za-z0-9.*_~-]+)*$")
_LISTEN = re.compile(r"^[A-Za-z0-9.:\[\]_-]+(?: (?:ssl|http2|default_server|reuseport|ipv6only=(?:on|off)))*$")
# Paths are written in double quotes; these characters would end the quote, start a
# variable ($) or, as control characters, break the line.
_UNSAFE_IN_PATH = re.compile(r'["\\$\x00-\x1f\x7f{};]')


def security_headers(*, https: bool, noindex: bool = True) -> list[tuple[str, str]]:
    """The headers every response gets, whoever serves the site.

    Arguments:
        https: Add Strict-Transport-Security; only over HTTPS, since browsers would then refuse plain HTTP.
        noindex: Ask search engines not to index the response: everywhere but the public handbook, which
            follows the firm's `handbook_noindex` (its pages say the same in their `<head>`).
    """
    headers = [
        # Client sites must never appear in a search engine, even if a link to one leaks.
        *([("X-Robots-Tag", "noindex, nofollow")] if noindex else []),
        # A link clicked in a client's site must not tell the other site the client's address.
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ]
    if https:
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


@dataclass(frozen=True)
class NginxSite:
    """Where and how nginx serves the built sites."""

    site_root: PurePosixPath
    """The absolute folder on the server that holds `handbook/` and `clients/` (the build's `site/`)."""
    htpasswd_dir: PurePosixPath
    """The absolute folder on the server that holds one `<address>.htpasswd` per client, outside `site_root`."""
    server_name: str = "_"
    """nginx `server_name`: the host name(s) the site answers to; `_` matches none in particular."""
    listen: tuple[str, ...] = ("80",)
    """nginx `listen` values: a port, or `address:port`, optionally followed by flags such as `ssl`."""
    https: bool = False
    """Whether browsers reach the site over HTTPS, which turns on Strict-Transport-Security."""
    certificate: PurePosixPath | None = None
    """The TLS certificate (full chain) on the server: nginx then serves HTTPS itself (`ssl_certificate`)."""
    certificate_key: PurePosixPath | None = None
    """The certificate's private key on the server (`ssl_certificate_key`)."""
    redirect_http: str | None = None
    """A plain-HTTP `listen` value (such as 80) whose requests are sent to HTTPS, in a server block of its own."""

    @property
    def tls(self) -> bool:
        """Whether browsers reach the site over HTTPS: nginx holds the certificate, or a proxy in front does."""
        return self.https or self.certificate is not None or any(" ssl" in listen for listen in self.listen)


def render_nginx(
    addresses: Iterable[str],
    site: NginxSite,
    *,
    guessable: int = 0,
    sponsors: Iterable[str] = (),
    handbook_noindex: bool = False,
    console: bool = False,
    cohorts: Iterable[str] = (),
) -> str:
    """An nginx `server { ... }` block serving the handbook publicly and each client's site behind a password.

    Arguments:
        addresses: The URL segment of each client's site (`clients/<address>/`).
        site: Where the sites and the password files are on the server, and how nginx listens.
        guessable: How many of the addresses are slugs rather than unguessable ids; they get a warning.
        sponsors: The addresses whose client has a sponsor site (`sponsors/<address>/`), which has its own
            password file, `<address>--sponsor.htpasswd`: the sponsor's password never opens the client's site.
        handbook_noindex: Ask search engines not to index the public handbook (the plugin's `handbook_noindex`);
            by default it is indexed, as public onboarding material.
        console: Whether the firm has the coaches' console (`firm/`), behind its own password file,
            `firm--console.htpasswd`, which opens nothing else.
        cohorts: The addresses of the cohort reports (`cohorts/<address>/`), each behind its own password
            file, `<address>--cohort.htpasswd`.

    Returns:
        The configuration, ready to be included in nginx's `http { }` block.

    Raises:
        CoachbookError: An address, path, server name or listen value would not be safe in the config.
    """
    clients = sorted({check_address(address) for address in addresses})
    root = _path(site.site_root, "--site-dir")
    htpasswd_dir = _path(site.htpasswd_dir, "--htpasswd-dir")
    if htpasswd_dir == root or htpasswd_dir.is_relative_to(root):
        raise CoachbookError(f"the htpasswd folder {htpasswd_dir} is inside the web root {root}; move it outside")
    if not _SERVER_NAME.fullmatch(site.server_name):
        raise CoachbookError(f"server name {site.server_name!r} is not a list of host names")
    if not site.listen:
        raise CoachbookError("nginx needs at least one listen value, such as 80")
    for listen in site.listen:
        if not _LISTEN.fullmatch(listen):
            raise CoachbookError(f"listen value {listen!r} is not a port or address:port, optionally with flags")
    if (site.certificate is None) != (site.certificate_key is None):
        raise CoachbookError("give both the certificate and its key (--ssl-certificate and --ssl-certificate-key)")
    certificate = _path(site.certificate, "--ssl-certificate") if site.certificate else None
    certificate_key = _path(site.certificate_key, "--ssl-certificate-key") if site.certificate_key else None
    if site.redirect_http is not None and not _LISTEN.fullmatch(site.redirect_http):
        raise CoachbookError(f"listen value {site.redirect_http!r} is not a port or address:port")
    headers = security_headers(https=site.tls)
    return _TEMPLATES.get_template("nginx.conf.j2").render(
        tls=site.tls,
        certificate=certificate,
        certificate_key=certificate_key,
        redirect_http=site.redirect_http if certificate else None,
        guessable=guessable,
        clients=[{"address": a, "password_file": htpasswd_file(htpasswd_dir, a)} for a in clients],
        sponsors=[
            {"address": a, "password_file": htpasswd_file(htpasswd_dir, sponsor_key(a))}
            for a in sorted({check_address(a) for a in sponsors})
        ],
        console={"password_file": htpasswd_file(htpasswd_dir, CONSOLE_KEY)} if console else None,
        console_folder=CONSOLE_FOLDER,
        cohorts_folder=COHORTS_FOLDER,
        cohorts=[
            {"address": a, "password_file": htpasswd_file(htpasswd_dir, cohort_key(a))}
            for a in sorted({check_address(a) for a in cohorts})
        ],
        listen=site.listen,
        server_name=site.server_name,
        root=root,
        headers=headers,
        handbook_headers=security_headers(https=site.tls, noindex=handbook_noindex),
        client_headers=[_CLIENT_CACHE, *headers],
        asset_pattern=r"\.(?:" + "|".join(ASSET_EXTENSIONS) + ")$",
        realm=REALM,
        calendar=_CALENDAR,
    )


def render_headers(*, https: bool, handbook_noindex: bool = False) -> str:
    """A `_headers` file for Netlify or Cloudflare Pages: security headers only, no authentication.

    Arguments:
        https: Add Strict-Transport-Security (both hosts serve HTTPS, so this is normally on).
        handbook_noindex: Ask search engines not to index the public handbook too.
    """
    lines = [
        "# Response headers for Netlify or Cloudflare Pages, generated by `coachbook hosting --format headers`.",
        "# Put this file at the root of the published folder (site/_headers).",
        "#",
        "# WARNING: this file provides NO authentication. Anyone who has a client's URL can",
        "# read that client's site. Put /clients/* behind Cloudflare Access or Netlify's",
        "# password protection before publishing a client's site (see docs/hosting.md).",
        "/*",
        *(f"  {name}: {value}" for name, value in security_headers(https=https, noindex=False)),
        *(["  X-Robots-Tag: noindex, nofollow"] if handbook_noindex else []),
        *(
            line
            for folder in ("clients", "sponsors", COHORTS_FOLDER, CONSOLE_FOLDER)
            for line in (
                f"/{folder}/*",
                f"  {_CLIENT_CACHE[0]}: {_CLIENT_CACHE[1]}",
                "  X-Robots-Tag: noindex, nofollow",
            )
        ),
        "",
    ]
    return "\n".join(lines)


def _path(path: PurePosixPath, option: str) -> PurePosixPath:
    if not path.is_absolute():
        raise CoachbookError(f"{option} {str(path)!r} must be an absolute path on the server")
    if _UNSAFE_IN_PATH.search(str(path)):
        raise CoachbookError(f"{option} {str(path)!r} has a character nginx would misread (quote, $, ;, braces)")
    return path
