"""A passphrase or password made for one client never protects another client's site given the same slug.

A former client's engagement file deleted rather than forgotten leaves their secrets under the slug; a new client
written by hand under that slug must not have their site opened by the former client's passphrase or password.
"""

from __future__ import annotations

import json
from pathlib import Path

from coachbook.access.secret_owners import owner_file
from coachbook.core.identity import identity_keys, same_identity
from coachbook.core.model import Client

from .conftest import AS_OF, run_coachbook

SLUG = "dana-whitfield"


def _encrypted(firm: Path) -> Path:
    engagement = firm / "engagements" / f"{SLUG}.yml"
    engagement.write_text(engagement.read_text(encoding="utf-8") + "\nsite:\n  encrypt: true\n", encoding="utf-8")
    (firm / ".gitignore").write_text("/secrets/\n", encoding="utf-8")
    return engagement


def _another_client(engagement: Path, *, name: str = "Marta Lindqvist", keep_email: bool = False) -> None:
    text = engagement.read_text(encoding="utf-8").replace("name: Dana Whitfield", f"name: {name}", 1)
    if not keep_email:
        text = text.replace("dana.whitfield@haldenlogistics.example", "marta.lindqvist@ostra.example", 1)
    engagement.write_text(text.replace('"+44 7700 900652"', '"+46 70 123 45 67"', 1), encoding="utf-8")


def _refused_until_made_anew(firm: Path, command: str, shown: str) -> None:
    """Builds refuse the former client's secret (`shown`), then their sponsor's, until each is made anew."""
    refused = run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG)
    assert refused.returncode == 1
    assert f"{shown} was made for another client" in refused.stderr
    assert f"coachbook {command} {SLUG} --rotate" in refused.stderr
    assert "Traceback" not in refused.stderr
    run_coachbook(firm, command, SLUG, "--rotate", check=True)
    # The sponsor's secret was the former client's sponsor's: refused in turn.
    refused = run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG)
    assert refused.returncode == 1
    assert f"coachbook {command} {SLUG} --sponsor --rotate" in refused.stderr
    run_coachbook(firm, command, SLUG, "--sponsor", "--rotate", check=True)
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG, check=True)


def test_a_former_clients_passphrase_is_refused_for_a_new_client_under_the_same_slug(firm: Path) -> None:
    engagement = _encrypted(firm)
    run_coachbook(firm, "passphrase", SLUG, check=True)
    run_coachbook(firm, "passphrase", SLUG, "--sponsor", check=True)
    record = owner_file(firm / "secrets", firm / "secrets" / "passphrases" / f"{SLUG}.txt")
    assert record == firm / "secrets" / "owners" / "passphrases" / f"{SLUG}.txt.json"
    # Whose it is, as digests: nothing of the client can be read from it.
    assert "Dana" not in record.read_text(encoding="utf-8") and "whitfield" not in record.read_text(encoding="utf-8")
    assert oct(record.stat().st_mode & 0o777) == "0o600"
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG, check=True)
    _another_client(engagement)
    _refused_until_made_anew(firm, "passphrase", f"secrets/passphrases/{SLUG}.txt")


def test_the_same_client_renamed_keeps_their_passphrase(firm: Path) -> None:
    engagement = _encrypted(firm)
    run_coachbook(firm, "passphrase", SLUG, check=True)
    run_coachbook(firm, "passphrase", SLUG, "--sponsor", check=True)
    _another_client(engagement, name="Dana Whitfield-Okoro", keep_email=True)
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG, check=True)


def test_a_former_clients_password_file_is_refused_and_forget_removes_the_records(firm: Path) -> None:
    engagement = firm / "engagements" / f"{SLUG}.yml"
    (firm / ".gitignore").write_text("/secrets/\n", encoding="utf-8")
    run_coachbook(firm, "passwd", SLUG, check=True)
    run_coachbook(firm, "passwd", SLUG, "--sponsor", check=True)
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG, check=True)
    _another_client(engagement)
    _refused_until_made_anew(firm, "passwd", f"secrets/htpasswd/{SLUG}.htpasswd")
    # The password folder, which goes to the web server, holds the password files alone.
    assert sorted(p.name for p in (firm / "secrets" / "htpasswd").iterdir()) == [
        f"{SLUG}--sponsor.htpasswd",
        f"{SLUG}.htpasswd",
    ]
    run_coachbook(firm, "forget", SLUG, "--yes", check=True)
    assert not [p for p in (firm / "secrets").rglob("*") if p.name.startswith(SLUG)]


def test_a_damaged_record_is_an_error_that_says_what_to_do(firm: Path) -> None:
    _encrypted(firm)
    run_coachbook(firm, "passphrase", SLUG, check=True)
    run_coachbook(firm, "passphrase", SLUG, "--sponsor", check=True)
    owner_file(firm / "secrets", firm / "secrets" / "passphrases" / f"{SLUG}.txt").write_text("{not", encoding="utf-8")
    refused = run_coachbook(firm, "build", "--as-of", AS_OF, "--client", SLUG)
    assert refused.returncode == 1 and "is damaged" in refused.stderr and "--rotate" in refused.stderr


def _client(name: str, email: str | None = None, phone: str | None = None) -> Client:
    return Client(name=name, email=email, phone=phone, role="COO", organisation="Halden Logistics")


def test_one_person_is_known_by_name_email_or_phone_however_written() -> None:
    keys = identity_keys(_client("Dana Whitfield", "dana@halden.example", "+44 7700 900652"))
    assert "dana" not in json.dumps(keys)
    assert same_identity(keys, identity_keys(_client("  dana   WHITFIELD ")))
    assert same_identity(keys, identity_keys(_client("D. Okoro", "DANA@halden.example")))
    assert same_identity(keys, identity_keys(_client("D. Okoro", phone="07700 900652")))
    assert not same_identity(keys, identity_keys(_client("Marta Lindqvist", "marta@ostra.example")))
    # Having no email or phone is not having the same one.
    assert not same_identity(identity_keys(_client("A")), identity_keys(_client("B")))
