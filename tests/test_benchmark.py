"""The firm benchmark runs end to end at a tiny size; it is a smoke test, and no timing is asserted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

# Each test builds or publishes the sample firm, often more than once.
pytestmark = pytest.mark.slow


@pytest.mark.benchmark
def test_benchmark_runs_at_n_3(tmp_path: Path) -> None:
    script = str(REPO / "benchmarks" / "build_firm.py")
    result = subprocess.run(
        [sys.executable, script, "-n", "3", "--naive-sample", "1", "--jobs", "2", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "(a) was timed on 1 of 3 clients" in out
    for row in ("(a) naive", "(b) coachbook build, clean", "(c) coachbook build, no change"):
        assert row in out
    assert "4 built" in out.split("(b) coachbook build, clean")[1].splitlines()[0]
    assert "0 built" in out.split("(c) coachbook build, no change")[1].splitlines()[0]
    assert "1 built" in out.split("(d) coachbook build, one edited")[1].splitlines()[0]
    assert re.search(r"memory per build process: peak resident [1-9]\d* MiB, counting the pages it shares", out), out
    assert re.search(r"with the fork server, of which [1-9]\d* MiB are its own", out), out
    assert re.search(r"the fork server they are forked from: peak resident [1-9]\d* MiB", out), out
    assert re.search(r"the build's own process, .*: peak resident [1-9]\d* MiB", out), out
    assert "output per client site" in out
