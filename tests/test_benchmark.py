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
        [
            sys.executable,
            script,
            *("-n", "3", "--pairs", "1", "--naive-sample", "1", "--serve-rounds", "1", "--jobs", "2"),
            *("--workdir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for row in (
        "(a) fair baseline, plain mkdocs build of a one-client firm: CPU per site",
        "(b) coachbook build, clean, whole firm: CPU per site",
        "(a') naive in-firm loop",
        "(e) coachbook serve: start to first page",
        "(f) coachbook check: warm wall",
    ):
        assert row in out, out
    assert re.search(r"\(b\) coachbook build, clean.*, 4 built", out), out
    assert re.search(r"\(c\) coachbook build, nothing changed: .*, 0 built", out), out
    assert re.search(r"\(d\) coachbook build, one engagement edited: .*, 1 built", out), out
    assert re.search(r"memory per build process: peak resident [1-9]\d* MiB, counting the pages it shares", out), out
    assert re.search(r"with the fork server, of which [1-9]\d* MiB are its own", out), out
    assert re.search(r"the fork server they are forked from: peak resident [1-9]\d* MiB", out), out
    assert re.search(r"the build's own process, .*: peak resident [1-9]\d* MiB", out), out
    assert re.search(r"output per client site: \d\.\d\d MB to upload", out), out
