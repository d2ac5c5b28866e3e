"""`--shard K/N`: a deterministic share of the clients, so several machines can build one firm.

A client's shard depends on its slug alone (a stable hash, the same on every
machine and Python version), so each CI runner of a matrix builds its own
share and together they build every client exactly once. The public
handbook is built by shard 1 only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from coachbook.errors import CoachbookError

__all__ = ["Shard", "parse_shard"]

_SHAPE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Share `index` (1-based) of `count` equal shares."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, slug: str) -> bool:
        """Whether this shard builds the client `slug`."""
        value = int.from_bytes(hashlib.sha256(slug.encode()).digest()[:8], "big")
        return value % self.count == self.index - 1

    @property
    def builds_handbook(self) -> bool:
        return self.index == 1


def parse_shard(text: str) -> Shard:
    """`"2/4"` as a `Shard`.

    Raises:
        CoachbookError: The text is not K/N with 1 <= K <= N.
    """
    match = _SHAPE.match(text)
    if not match:
        raise CoachbookError(f"--shard {text!r} is not K/N; write for example --shard 2/4 (the second of four shares)")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise CoachbookError(f"--shard {text!r}: K must be between 1 and N, as in 1/{max(count, 1)}")
    return Shard(index, count)
