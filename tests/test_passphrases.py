"""Passphrase strength: a guessable passphrase is refused, and every passphrase Coachbook makes is accepted."""

from __future__ import annotations

import pytest

from coachbook.access.encryption import generate_passphrase
from coachbook.access.passphrases import MIN_BITS, check_strength, estimated_bits
from coachbook.errors import CoachbookError


def test_every_generated_passphrase_is_strong_enough() -> None:
    for _ in range(300):
        passphrase = generate_passphrase()
        assert estimated_bits(passphrase, ("dana", "whitfield")) >= MIN_BITS, passphrase


@pytest.mark.parametrize(
    "weak",
    [
        "coaching2024",
        "Coaching2024!",
        "Tr0ub4dor&3",
        "correct horse battery staple",
        "dana-whitfield-halden",
        "password password password",
        "1234567890123456",
        "  coaching2024\n",
    ],
)
def test_guessable_passphrases_are_refused_with_the_way_out(weak: str) -> None:
    with pytest.raises(
        CoachbookError, match=r"too weak: about \d+ bits .* `coachbook passphrase dana-whitfield --rotate`"
    ):
        check_strength(weak, "dana-whitfield", "COACHBOOK_PASSPHRASE_DANA_WHITFIELD")


def test_the_clients_own_words_count_against_a_passphrase() -> None:
    passphrase = "whitfield-dana-whitfield-dana-2026"
    assert estimated_bits(passphrase, ("dana", "whitfield")) < estimated_bits(passphrase)


def test_a_sponsor_site_names_the_sponsor_command() -> None:
    with pytest.raises(CoachbookError, match=r"dana-whitfield.s sponsor site .* --sponsor --rotate`"):
        check_strength("coaching2024", "dana-whitfield--sponsor", "secrets/passphrases/dana-whitfield--sponsor.txt")
