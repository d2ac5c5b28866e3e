"""Who can reach the preview server: this computer only, unless the coach says otherwise.

`coachbook serve` shows a client's private site, and with `--coach-view` the
coach's own notes, to whoever can connect. On a loopback address that is only
this computer. Any other address (`0.0.0.0`, a LAN address, a host name) is
every device on the network, so it needs `--expose` and is announced with a
warning; the coach view is never served there. The plugin checks the same
for a plain `mkdocs serve` of a client's site, which has no `--expose`: it
reads `EXPOSE_ENV` instead.
"""

from __future__ import annotations

import ipaddress
import socket

from coachbook.errors import CoachbookError

__all__ = ["EXPOSE_ENV", "check_preview_address", "is_loopback"]

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
