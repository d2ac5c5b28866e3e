"""Whether two clients are the same person: the same name, email or phone number, however it was written.

A client's address is their slug, and so is the name of everything kept for
their site: published versions, the passphrase of an encrypted site, the
password file of a protected one. When a client's engagement file is deleted
rather than forgotten (`coachbook forget`), those stay, and a new client
given the same slug would inherit them. What was made for a client records
who they were (`identity_keys`), and is compared with the client it is about
to serve (`same_identity`). A person is the same if their name, email or
phone is: a client who changes their name keeps their email, and the reverse.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from coachbook.core.model import Client

__all__ = ["IdentityKeys", "identity_keys", "same_identity", "same_person"]

#: A person's name, email and phone number, each as a digest of its canonical form ("" when they have none).
IdentityKeys = dict[str, str]

_NOT_DIGIT = re.compile(r"\D")


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _phone_key(phone: str | None) -> str:
    digits = _NOT_DIGIT.sub("", phone or "")
    # The last nine digits: the same number written nationally (07700 900652) and internationally (+44 7700 900652).
    return digits[-9:] if len(digits) >= 9 else ""


def _keyed(kind: str, value: str) -> str:
    if not value:
        return ""
    return hashlib.blake2b(
        value.encode("utf-8"), digest_size=16, person=b"coachbook-owner", salt=kind.encode()
    ).hexdigest()


def identity_keys(client: Client) -> IdentityKeys:
    """`client`'s name, email and phone as digests: what a secret kept for them records of whose it is.

    Digests rather than the values, so that a file that only says whose a secret is holds nothing readable of them.
    """
    return {
        "name": _keyed("name", _name_key(client.name)),
        "email": _keyed("email", (client.email or "").casefold()),
        "phone": _keyed("phone", _phone_key(client.phone)),
    }


def same_identity(one: IdentityKeys, other: IdentityKeys) -> bool:
    """Whether two sets of keys are one person's: any of name, email and phone that both have is equal."""
    return any(one.get(kind) and one.get(kind) == other.get(kind) for kind in ("name", "email", "phone"))


def same_person(one: Client, other: Client) -> bool:
    """Whether two clients are the same person: the same name, email or phone number."""
    return same_identity(identity_keys(one), identity_keys(other))
