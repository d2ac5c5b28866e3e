"""Who can reach a preview server: this computer only, unless the coach says otherwise.

Two servers show a coach the sites: `coachbook serve`, MkDocs' live preview of
one site as it is edited, and `coachbook preview`, which serves what
`coachbook build` wrote (`SiteServer`). Both are held to the same rule.

`coachbook serve` shows a client's private site, and with `--coach-view` the
coach's own notes, to whoever can connect. On a loopback address that is only
this computer. Any other address (`0.0.0.0`, a LAN address, a host name) is
every device on the network, so it needs `--expose` and is announced with a
warning; the coach view is never served there. The plugin checks the same
for a plain `mkdocs serve` of a client's site, which has no `--expose`: it
reads `EXPOSE_ENV` instead.
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import os
import socket
import urllib.parse
from pathlib import Path
from typing import Any

from coachbook.errors import CoachbookError

__all__ = ["EXPOSE_ENV", "SiteServer", "check_preview_address", "is_loopback"]

#: Set to 1 by `coachbook serve --expose`, so the plugin knows the non-loopback address was asked for.
EXPOSE_ENV = "COACHBOOK_EXPOSE"


def _host(address: str) -> str:
    """The host part of `IP:PORT`, `[IPv6]:PORT` or a bare host."""
    host, colon, port = address.rpartition(":")
    if not colon or not port.isdigit() or (host.count(":") and not host.startswith("[")):
        host = address
    return host.strip().removeprefix("[").removesuffix("]")


def is_loopback(address: str) -> bool:
    """Whether a preview at `address` (`IP:PORT`) can be reached from this computer only.

    A host name counts only if every address it resolves to is a loopback
    address; a name that does not resolve, an empty host and the wildcard
    addresses (`0.0.0.0`, `::`) do not.
    """
    host = _host(address)
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    return bool(resolved) and all(ipaddress.ip_address(str(ip).split("%")[0]).is_loopback for ip in resolved)


def check_preview_address(address: str, *, expose: bool, coach_view: bool, what: str) -> str | None:
    """Refuse a preview the network could read unless asked for; the warning to print when it was.

    Arguments:
        address: Where the preview server listens (`IP:PORT`).
        expose: The coach asked to serve beyond this computer (`--expose`).
        coach_view: The preview shows coach-only material (the coach view, the coaches' console).
        what: What is previewed, for the messages ("dana-whitfield's site").

    Returns:
        None on a loopback address; else the warning to print.

    Raises:
        CoachbookError: The address is not a loopback address, and `expose` is false or the coach view is asked for.
    """
    if is_loopback(address):
        return None
    if coach_view:
        raise CoachbookError(
            f"{what} shows coach-only material, so it is served on this computer only, and {address} can be "
            "reached from the network; use -a 127.0.0.1:PORT (the default)"
        )
    if not expose:
        raise CoachbookError(
            f"{address} can be reached from other devices on the network, and the preview shows {what}; "
            "use -a 127.0.0.1:PORT (the default), or add --expose to `coachbook serve` if everyone on this network "
            "may read it"
        )
    return (
        f"serving {what} on {address}: every device that can reach this computer on the network can read it, "
        "with no password. Stop the server (Ctrl+C) when you are done."
    )


class SiteServer(http.server.ThreadingHTTPServer):
    """Serves the built sites (`site/`) as a host would, for `coachbook preview`: a page per address, no listings.

    Opened from disk, a client's site shows its dashboard but not much more: every menu link opens a
    folder, and search (a web worker) is not allowed to run. Served over HTTP on this computer, each
    site works as it will online. The server answers only with files inside the folder: a folder gives
    its `index.html` or nothing (never a listing of the clients), a dotfile (a site's build mark) is not
    served, a missing page gets its site's own 404 page, and nothing is cached, so a rebuild shows at
    once.

    Arguments:
        address: Where to listen, `(host, port)`; the caller has checked it (`check_preview_address`).
        root: The folder of the built sites.
    """

    daemon_threads = True

    def __init__(self, address: tuple[str, int], root: Path) -> None:
        self.root = root.resolve()
        super().__init__(address, functools.partial(_SiteRequests, directory=str(self.root)))


class _SiteRequests(http.server.SimpleHTTPRequestHandler):
    """One request to `SiteServer`."""

    server: SiteServer
    # A calendar app subscribing to a client's calendar wants it as a calendar.
    extensions_map = {  # noqa: RUF012 - the base class declares it as a plain attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".ics": "text/calendar",
    }

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows the addresses, not every request."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def send_head(self) -> Any:
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if path == "/" and (self.server.root / "handbook" / "index.html").is_file():
            self.send_response(302)
            self.send_header("Location", "/handbook/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if any(part.startswith(".") for part in path.split("/")):
            self.send_error(404)
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """A folder without `index.html` is not there: the list of clients is nobody's business."""
        self.send_error(404)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self._not_found_page() if code == 404 else None
        if page is None:
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_found_page(self) -> Path | None:
        """The 404 page of the site the missing path is in (`clients/<address>/404.html`), if it has one."""
        parts = [p for p in urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).split("/") if p]
        depth = 2 if parts[:1] in (["clients"], ["sponsors"]) else 1
        if len(parts) < depth or any(p.startswith(".") or p == ".." for p in parts[:depth]):
            return None
        page = self.server.root.joinpath(*parts[:depth], "404.html")
        return page if page.is_file() and page.resolve().is_relative_to(self.server.root) else None
