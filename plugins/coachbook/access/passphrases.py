"""Where an encrypted site's passphrase comes from, where `coachbook passphrase` keeps it, and how strong it is.

The passphrase unlocks a site that anyone can download, so it must never be
in the repository or the site. A build looks for it in the environment first
(`COACHBOOK_PASSPHRASE_<SLUG>`, the way CI passes secrets), then in the
git-ignored secrets folder (`secrets/passphrases/<slug>.txt`, mode 0600).

Encrypted pages are public by design: whoever downloads them can try
passphrases offline, as fast as their hardware allows. So a passphrase must
resist that alone, and one a person chose (`coaching2024`) does not. A build
refuses a passphrase below `MIN_BITS` of estimated entropy, estimated by
zxcvbn (Dropbox's estimator, which knows dictionaries, names, keyboard
patterns, dates and l33t spellings) with the client's slug as known words.
`coachbook passphrase SLUG` makes one of 100 random bits.
"""

from __future__ import annotations

import math
import os
import unicodedata
from pathlib import Path

from coachbook.access.encryption import generate_passphrase
from coachbook.access.passwords import refuse_unsafe_dir, write_secret
from coachbook.access.secret_owners import require_owner
from coachbook.core.model import Client
from coachbook.errors import CoachbookError

__all__ = ["MIN_BITS", "check_strength", "create_passphrase", "env_name", "estimated_bits", "find_passphrase"]

#: Sub-folder of the secrets folder holding one passphrase file per client.
FOLDER = "passphrases"
#: The least estimated entropy a passphrase may have. At a billion PBKDF2 guesses a second (a large GPU farm
#: against 600,000 iterations is far slower), 70 bits take tens of thousands of years on average.
MIN_BITS = 70


def estimated_bits(passphrase: str, known_words: tuple[str, ...] = ()) -> float:
    """The passphrase's estimated entropy in bits: log2 of the guesses zxcvbn expects an attacker to need.

    Arguments:
        passphrase: As the client types it; normalised as the encryption normalises it (NFC, trimmed).
        known_words: Words an attacker would try first (the client's slug, split at hyphens).
    """
    from zxcvbn import zxcvbn  # A few megabytes of word lists: loaded only by builds that encrypt.

    text = unicodedata.normalize("NFC", passphrase).strip()
    if not text:
        return 0.0
    # zxcvbn's own limit: it cuts longer input at 100 characters, which only underestimates.
    guesses = float(zxcvbn(text[:100], user_inputs=list(known_words))["guesses"])
    return math.log2(max(guesses, 1.0))


def check_strength(passphrase: str, slug: str, source: str) -> None:
    """Refuse a passphrase an attacker could guess offline.

    Arguments:
        passphrase: The passphrase found.
        slug: Whose site it opens (`<slug>--sponsor` for a sponsor site).
        source: Where it was found, for the message (an environment variable or a file).

    Raises:
        CoachbookError: It has fewer than `MIN_BITS` bits of estimated entropy.
    """
    client, _, sponsor = slug.partition("--")
    bits = estimated_bits(passphrase, (*client.split("-"), client))
    if bits >= MIN_BITS:
        return
    command = f"coachbook passphrase {client}" + (" --sponsor" if sponsor else "")
    site = f"{client}'s sponsor site" if sponsor else f"{client}'s site"
    raise CoachbookError(
        f"the passphrase of {site} (from {source}) is too weak: about {bits:.0f} bits of entropy, and an "
        f"encrypted site needs {MIN_BITS}, because anyone can download its pages and try passphrases offline; "
        f"run `{command} --rotate` to make one of 100 random bits"
        + (f" and set {env_name(slug)} to it" if source.startswith("COACHBOOK_") else "")
        + ", then share it with the client"
    )


def env_name(slug: str) -> str:
    """The variable holding `slug`'s passphrase: `dana-whitfield` → `COACHBOOK_PASSPHRASE_DANA_WHITFIELD`."""
    return "COACHBOOK_PASSPHRASE_" + slug.upper().replace("-", "_")


def passphrase_file(secrets_dir: Path, slug: str) -> Path:
    return secrets_dir / FOLDER / f"{slug}.txt"


def find_passphrase(
    secrets_dir: Path,
    slug: str,
    *,
    site: str | None = None,
    command: str | None = None,
    owner: Client | None = None,
) -> str:
    """The passphrase of `slug`'s encrypted site, if it is strong enough (`check_strength`) and `owner`'s.

    `site` and `command` name the site and the command that makes its passphrase, for a site that is not a
    client's or a sponsor's (the coaches' console, a cohort report). `owner` is the client whose site it
    is: a passphrase file made for another client is refused (`secret_owners.require_owner`).

    Raises:
        CoachbookError: Neither the environment nor the secrets folder has one, it is too weak, or it was made
            for another client.
    """
    # A sponsor site's key is `<slug>--sponsor` (see coachbook.sponsor.sponsor_key).
    client, _, sponsor = slug.partition("--")
    site = site or (f"{client}'s sponsor site" if sponsor else f"{slug}'s site")
    command = command or f"coachbook passphrase {client}" + (" --sponsor" if sponsor else "")
    value = os.environ.get(env_name(slug), "").strip()
    if value:
        check_strength(value, slug, env_name(slug))
        return value
    path = passphrase_file(secrets_dir, slug)
    if path.is_file() and not path.is_symlink():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            shown = (Path(secrets_dir.name) / FOLDER / path.name).as_posix()
            check_strength(value, slug, shown)
            if owner is not None:
                require_owner(secrets_dir, path, owner, shown=shown, fix=f"{command} --rotate")
            return value
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
