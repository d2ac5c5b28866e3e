"""Passwords for the clients' sites and the htpasswd files a web server checks them against.

A password exists in exactly two places: the coach's terminal, once, and the
client's hands. Only its bcrypt hash is written, into one file per client
(`<address>.htpasswd`) that lives outside the site and outside git.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path, PurePath
from typing import TypeVar

import bcrypt

from coachbook.errors import CoachbookError

__all__ = [
    "BCRYPT_COST",
    "PASSWORD_BITS",
    "check_address",
    "check_user",
    "htpasswd_entry",
    "htpasswd_file",
    "make_dirs_private",
    "new_password",
    "refuse_unsafe_dir",
    "write_secret",
]

#: Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_GROUPS = 6
_GROUP_SIZE = 4
#: 24 symbols from an alphabet of 32 carry 5 bits each: 120 bits, beyond any online or offline guessing.
PASSWORD_BITS = _GROUPS * _GROUP_SIZE * (len(_ALPHABET).bit_length() - 1)

#: bcrypt's work factor: about 50 ms per check, which slows guessing a stolen file without slowing page loads much.
BCRYPT_COST = 10

_P = TypeVar("_P", bound=PurePath)

_ADDRESS = re.compile(r"^[a-z0-9-]{1,64}$")
_USER = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")

#: Folders of a project that may be published or committed; a password hash must never land there.
PUBLIC_FOLDERS = ("site", "published")
#: The one folder of a project that is meant for secrets (git-ignored).
SECRETS_FOLDER = "secrets"


def new_password() -> str:
    """A random password in dash-separated groups, easy to read out over the phone."""
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_SIZE))
    return "-".join(symbols[i : i + _GROUP_SIZE] for i in range(0, len(symbols), _GROUP_SIZE))


def check_address(address: str) -> str:
    """Return `address` if it is safe to put in a URL, a file name and a server config.

    Addresses are validated when engagements are loaded; checking again here
    means a bug elsewhere cannot inject text into an nginx config or a path.

    Raises:
        CoachbookError: The address has characters other than a-z, 0-9 and "-".
    """
    if not _ADDRESS.fullmatch(address):
        raise CoachbookError(f"site address {address!r} is not made of a-z, 0-9 and '-' only")
    return address


def check_user(user: str) -> str:
    """Return `user` if it can stand in an htpasswd line and a browser's login prompt.

    Raises:
        CoachbookError: The name is empty, too long, or has a character such as ':' or a space.
    """
    if not _USER.fullmatch(user):
        raise CoachbookError(f"user name {user!r} must be 1 to 64 letters, digits or . _ @ + -")
    return user


def htpasswd_file(directory: _P, address: str) -> _P:
    """Where the password file of the site at `clients/<address>/` lives."""
    return directory / f"{check_address(address)}.htpasswd"


def htpasswd_entry(user: str, password: str, *, cost: int = BCRYPT_COST) -> str:
    """One htpasswd line (`user:$2b$10$...`) that nginx and Apache both accept.

    nginx checks bcrypt hashes through the system's crypt(3); libxcrypt
    (Debian, Ubuntu, Fedora) and musl (Alpine) accept the `$2b$` prefix.
    """
    hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=cost, prefix=b"2b"))
    return f"{check_user(user)}:{hashed.decode('ascii')}\n"


def refuse_unsafe_dir(directory: Path, project_root: Path) -> None:
    """Refuse a password folder that could be published or committed.

    Inside the project, only `secrets/` is git-ignored and never served;
    anywhere else in it (above all `site/` and `published/`) a hash could end
    up on the web or in the repository. Outside the project is the coach's call.

    Raises:
        CoachbookError: `directory` is inside the project but not inside its `secrets/` folder.
    """
    target = directory.resolve()
    root = project_root.resolve()
    if not target.is_relative_to(root) or target.is_relative_to(root / SECRETS_FOLDER):
        return
    for folder in PUBLIC_FOLDERS:
        if target.is_relative_to(root / folder):
            raise CoachbookError(
                f"refusing to keep passwords in {directory}: everything under {folder}/ is published; "
                f"use {SECRETS_FOLDER}/ (the default) or a folder outside the project"
            )
    raise CoachbookError(
        f"refusing to keep passwords in {directory}: it is inside the project, where files get committed; "
        f"use {SECRETS_FOLDER}/ (the default, git-ignored) or a folder outside the project"
    )


def make_dirs_private(directory: Path) -> None:
    """Create `directory` and any missing parents with mode 0700.

    `Path.mkdir(parents=True)` would give the parents the default mode, which
    lets other users on the machine list which clients have a password file.
    """
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
        folder.chmod(0o700)


def write_secret(path: Path, entry: str, *, replace: bool) -> None:
    """Write a secret (an htpasswd entry, a passphrase) as the whole of `path`, mode 0600.

    A reader sees the old file or the new one, never half of either.

    Without `replace`, an existing file is kept: `os.link` fails instead of
    overwriting, so two runs at once cannot both think they created it.

    Raises:
        CoachbookError: The file exists and `replace` is false.
    """
    make_dirs_private(path.parent)
    if not replace and path.exists():
        raise _exists(path)
    # mkstemp creates the file with mode 0600, so the hash is never readable by others, even briefly.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(entry)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)
            except FileExistsError:
                raise _exists(path) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _exists(path: Path) -> CoachbookError:
    return CoachbookError(f"{path} already exists; pass --rotate to replace it (the client then needs the new one)")
