"""Whose a secret is: a passphrase or password file made for one client never opens another client's site.

`coachbook passphrase` and `coachbook passwd` keep, for each secret they make
for a client's site or their sponsor's, a record of whom it was made for
(`secrets/owners/<kind>/<file>.json`: digests of the client's name, email and
phone). The records stay in the secrets folder, never beside a password file
that is copied to a web server: a name's digest can be confirmed by guessing.
A build compares the record with the client whose site it is building: a
former client's engagement file deleted rather than forgotten, and a new
client written by hand under the same slug, would otherwise have the new
client's site opened by the former client's passphrase or password. A secret with no record (made before records were
kept, or set in the environment) is taken as the client's own.
"""

from __future__ import annotations

import json
from pathlib import Path

from coachbook.access.passwords import htpasswd_file, make_dirs_private
from coachbook.core.files import write_atomic
from coachbook.core.identity import identity_keys, same_identity
from coachbook.core.model import Client
from coachbook.errors import CoachbookError

__all__ = ["owner_file", "record_owner", "require_own_password", "require_owner"]


def owner_file(secrets_dir: Path, secret: Path) -> Path:
    """Where the record of whose `secret` (a file in a folder of its kind) is lives: `secrets/owners/<kind>/`."""
    return secrets_dir / "owners" / secret.parent.name / f"{secret.name}.json"


def record_owner(secrets_dir: Path, secret: Path, client: Client) -> None:
    """Record that `secret`, just written, was made for `client` (private to its user, like the secret)."""
    record = owner_file(secrets_dir, secret)
    make_dirs_private(record.parent)
    write_atomic(record, json.dumps(identity_keys(client), sort_keys=True) + "\n", mode=0o600)


def require_owner(secrets_dir: Path, secret: Path, client: Client, *, shown: str, fix: str) -> None:
    """Refuse `secret` for `client`'s site if it was made for someone else.

    Arguments:
        secrets_dir: The secrets folder, which holds the records (`owner_file`).
        secret: The passphrase or password file.
        client: The client whose site it is about to protect.
        shown: The file as the coach knows it, for the message.
        fix: The command that makes a new one for this client.

    Raises:
        CoachbookError: Its record names another person, or cannot be read.
    """
    record = owner_file(secrets_dir, secret)
    whose = f"{secrets_dir.name}/owners/{secret.parent.name}/{record.name}"
    try:
        raw = record.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CoachbookError(f"{whose} cannot be read ({exc.strerror}); run `{fix}`") from None
    try:
        keys = json.loads(raw)
        if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
            raise ValueError("not a record of keys")
    except ValueError:
        raise CoachbookError(f"{whose} is damaged, so whose {shown} is cannot be told; run `{fix}`") from None
    if not same_identity(keys, identity_keys(client)):
        raise CoachbookError(
            f"{shown} was made for another client (a former client whose engagement file had this name and was "
            f"deleted without `coachbook forget`), who could then open this client's site; run `{fix}` to make "
            "one for this client, then build again and share it with them"
        )


def require_own_password(secrets_dir: Path, key: str, client: Client, *, fix: str) -> None:
    """Refuse to build a site whose password file (`secrets/htpasswd/<key>.htpasswd`) was made for someone else.

    The build does not read the file (the web server does), but a site is deployed with it: a former client's
    file under this address would let them in.
    """
    path = htpasswd_file(secrets_dir / "htpasswd", key)
    if path.is_file():
        require_owner(secrets_dir, path, client, shown=f"{secrets_dir.name}/htpasswd/{path.name}", fix=fix)
