"""`--shard K/N`: every client in exactly one share, the same share on every machine, the handbook on share 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from coachbook.build.shards import Shard, parse_shard
from coachbook.errors import CoachbookError

from .conftest import AS_OF, run_coachbook

SLUGS = [f"client-{i}" for i in range(200)] + ["dana-whitfield", "kwame-asante", "sofia-marquez"]


@pytest.mark.parametrize(("text", "shard"), [("1/1", Shard(1, 1)), ("2/4", Shard(2, 4)), (" 3 / 3 ", Shard(3, 3))])
def test_parse(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard


@pytest.mark.parametrize(
    ("text", "message"),
    [("0/3", "K must be between 1 and N"), ("4/3", "K must be between 1 and N"), ("2", "is not K/N"), ("a/b", "K/N")],
)
def test_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(CoachbookError, match=message):
        parse_shard(text)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_every_client_is_in_exactly_one_share(count: int) -> None:
    shares = [{s for s in SLUGS if Shard(k, count).holds(s)} for k in range(1, count + 1)]
    assert sum(len(share) for share in shares) == len(SLUGS)
    assert set().union(*shares) == set(SLUGS)
    # Shares are roughly even: a stable hash, not the order of the files.
    assert min(len(share) for share in shares) >= len(SLUGS) / count * 0.6


def test_shares_do_not_depend_on_the_machine() -> None:
    # A hash of the slug alone (SHA-256), so these stay fixed across runs, machines and Python versions.
    assert [k for k in (1, 2, 3) if Shard(k, 3).holds("dana-whitfield")] == [3]
    assert [k for k in (1, 2, 3) if Shard(k, 3).holds("sofia-marquez")] == [1]
    assert Shard(1, 3).builds_handbook and not Shard(2, 3).builds_handbook


@pytest.mark.slow
def test_shards_build_the_whole_firm_between_them(firm: Path) -> None:
    folders = []
    for k in (1, 2):
        result = run_coachbook(firm, "build", "--as-of", AS_OF, "--shard", f"{k}/2", "-d", f"out{k}", check=True)
        assert f"(shard {k}/2)" in result.stdout
        root = firm / f"out{k}"
        folders.append({p.name for p in (root / "clients").iterdir()} if (root / "clients").exists() else set())
        assert (root / "handbook").is_dir() is (k == 1)
    assert folders[0] | folders[1] == {"dana-whitfield", "kwame-asante", "leila-haddad", "sofia-marquez"}
    assert not folders[0] & folders[1]
