"""Where an encrypted site's passphrase comes from, and where `coachbook passphrase` keeps it.

The passphrase unlocks a site that anyone can download, so it must never be
in the repository or the site. A build looks for it in the environment first
(`COACHBOOK_PASSPHRASE_<SLUG>`, the way CI passes secrets), then in the
git-ignored secrets folder (`secrets/passphrases/<slug>.txt`, mode 0600).
"""

from __future__ import annotations

import os
from pathlib import Path

from coachbook.access.encryption import generate_passphrase
from coachbook.access.passwords import refuse_unsafe_dir, write_secret
from coachbook.errors import CoachbookError

__all__ = ["create_passphrase", "env_name", "find_passphrase", "passphrase_file"]

#: Sub-folder of the secrets folder holding one passphrase file per client.
FOLDER = "passphrases"


def env_name(slug: str) -> str:
    """The variable holding `slug`'s passphrase: `dana-whitfield` → `COACHBOOK_PASSPHRASE_DANA_WHITFIELD`."""
    return "COACHBOOK_PASSPHRASE_" + slug.upper().replace("-", "_")


def passphrase_file(secrets_dir: Path, slug: str) -> Path:
    return secrets_dir / FOLDER / f"{slug}.txt"


def find_passphrase(secrets_dir: Path, slug: str, *, site: str | None = None, command: str | None = None) -> str:
    """The passphrase of `slug`'s encrypted site.

    `site` and `command` name the site and the command that makes its passphrase, for a site that is not a
    client's or a sponsor's (the coaches' console, a cohort report).

    Raises:
        CoachbookError: Neither the environment nor the secrets folder has one.
    """
    value = os.environ.get(env_name(slug), "").strip()
    if value:
        return value
    path = passphrase_file(secrets_dir, slug)
    if path.is_file() and not path.is_symlink():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    # A sponsor site's key is `<slug>--sponsor` (see coachbook.sponsor.sponsor_key).
    client, _, sponsor = slug.partition("--")
    site = site or (f"{client}'s sponsor site" if sponsor else f"{slug}'s site")
    command = command or f"coachbook passphrase {client}" + (" --sponsor" if sponsor else "")
    raise CoachbookError(
        f"{site} is encrypted but has no passphrase: run `{command}`, or set {env_name(slug)} (in CI, from a secret)"
    )


def create_passphrase(secrets_dir: Path, project_root: Path, slug: str, *, rotate: bool) -> tuple[str, Path]:
    """Generate a passphrase for `slug` and keep it in the secrets folder, readable by its owner only.

    Raises:
        CoachbookError: The folder could be published or committed, or a
            passphrase exists and `rotate` is false.
    """
    refuse_unsafe_dir(secrets_dir, project_root)
    path = passphrase_file(secrets_dir, slug)
    passphrase = generate_passphrase()
    write_secret(path, passphrase + "\n", replace=rotate)
    return passphrase, path
