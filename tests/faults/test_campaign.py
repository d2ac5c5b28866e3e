"""The fault campaign: a generated firm of about twenty clients, built and published under kills, races and a full disk.

Each trial disturbs a run (kills the main process at a random moment, kills one
of its build processes, runs two at once, fills the disk), then builds again
with the reference inputs, and checks what a reader and an operator would:

* every site equals the reference build, byte for byte;
* `versions.json` lists exactly the complete versions, and `latest/` is the newest;
* nothing is left in staging, no process is left running, no traceback was printed.

Trials are drawn from a seeded random generator, so a failure can be replayed:
`COACHBOOK_FAULT_SEED` sets the seed and `COACHBOOK_FAULT_TRIALS` the number of
random kills (20 by default, as CI runs it; more for a longer campaign).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    check_published,
    differences,
    kill_all,
    newest,
    processes_in,
    run,
    spawn,
    staging_left,
    wait_until_gone,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 20
AS_OF = "2026-11-24"
LATER = "2026-12-01"
SEED = int(os.environ.get("COACHBOOK_FAULT_SEED", "20261205"))
TRIALS = int(os.environ.get("COACHBOOK_FAULT_TRIALS", "20"))


def _make_firm(root: Path) -> list[str]:
    """The benchmark's synthetic firm: copies of the sample engagements with new people, a ten-stage program."""
    spec = importlib.util.spec_from_file_location("build_firm_bench", REPO / "benchmarks" / "build_firm.py")
    assert spec is not None and spec.loader is not None
    bench: Any = importlib.util.module_from_spec(spec)
    # Registered before it runs: its dataclasses look their module up by name.
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    slugs: list[str] = bench.make_firm(root, CLIENTS)
    return slugs


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The firm, its reference build (as of AS_OF), and how long a build with other inputs takes."""
    base = tmp_path_factory.mktemp("campaign")
    firm = base / "firm"
    slugs = _make_firm(firm)
    code, out = run(firm, "build", "--as-of", AS_OF)
    assert code == 0, out
    reference = base / "reference"
    shutil.copytree(firm / "site", reference, symlinks=True)
    started = time.monotonic()
    code, out = run(firm, "build", "--as-of", LATER)
    assert code == 0, out
    seconds = time.monotonic() - started
    yield {"firm": firm, "reference": reference, "slugs": slugs, "seconds": seconds, "outputs": []}
    kill_all(firm)


def _settle(campaign: dict[str, Any]) -> None:
    """Build with the reference inputs and check everything the campaign promises."""
    firm: Path = campaign["firm"]
    assert wait_until_gone(firm, seconds=1.5) == [], "a process outlived the run it belonged to"
    code, out = run(firm, "build", "--as-of", AS_OF)
    campaign["outputs"].append(out)
    assert code == 0, out
    assert "Traceback" not in out, out
    assert differences(campaign["reference"], firm / "site") == []
    assert staging_left(firm) == []


def _edit(firm: Path, slug: str) -> bytes:
    """Change what one client's site says (their role); return the file's bytes before."""
    path = firm / "engagements" / f"{slug}.yml"
    before = path.read_bytes()
    text = before.decode("utf-8")
    path.write_text(text.replace("  role: ", "  role: Acting ", 1), encoding="utf-8")
    return before


def _disturbed_build(campaign: dict[str, Any], rng: random.Random, *, kill_child: bool) -> str:
    """Start a build with other inputs, and kill it, or one of its build processes, at a random moment."""
    firm: Path = campaign["firm"]
    slug = rng.choice(campaign["slugs"])
    original = _edit(firm, slug)
    try:
        process = spawn(firm, "build", "--as-of", rng.choice([LATER, AS_OF]), *(["--force"] * rng.randint(0, 1)))
        time.sleep(rng.uniform(0.0, campaign["seconds"]))
        what = "nothing (it had finished)"
        if process.poll() is None:
            if kill_child:
                children = [pid for pid in processes_in(firm) if pid != process.pid]
                if children:
                    victim = rng.choice(children)
                    with contextlib.suppress(OSError):
                        os.kill(victim, signal.SIGKILL)
                    what = "a build process"
            else:
                process.send_signal(signal.SIGKILL)
                what = "the build"
        out = "".join(process.communicate(timeout=600))
        campaign["outputs"].append(out)
        assert "Traceback" not in out, out
        return what
    finally:
        (firm / "engagements" / f"{slug}.yml").write_bytes(original)


def test_random_kills_of_a_build_leave_nothing_stale(campaign: dict[str, Any]) -> None:
    rng = random.Random(SEED)
    killed = []
    for trial in range(TRIALS):
        what = _disturbed_build(campaign, rng, kill_child=trial % 3 == 2)
        killed.append(what)
        _settle(campaign)
    # The campaign did disturb builds, most of the time in the middle.
    assert sum(what != "nothing (it had finished)" for what in killed) >= TRIALS // 2, killed


def test_two_builds_at_once_end_as_the_later_one_says(campaign: dict[str, Any]) -> None:
    firm: Path = campaign["firm"]
    runs = [spawn(firm, "build", "--as-of", LATER, "--force"), spawn(firm, "build", "--as-of", AS_OF)]
    outs = ["".join(process.communicate(timeout=600)) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outs
    assert not any("Traceback" in out for out in outs)
    _settle(campaign)


def test_two_publishes_at_once_and_killed_publishes_lose_no_version(campaign: dict[str, Any]) -> None:
    firm: Path = campaign["firm"]
    slug = campaign["slugs"][0]
    root = firm / "published" / "clients" / slug
    runs = [spawn(firm, "publish", slug, "--as-of", AS_OF, "--version", name) for name in ("v1", "v2")]
    outs = ["".join(process.communicate(timeout=600)) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outs
    assert check_published(root) == []
    rng = random.Random(SEED + 1)
    for number in range(3, 3 + max(3, TRIALS // 4)):
        process = spawn(firm, "publish", slug, "--as-of", LATER, "--version", f"v{number}")
        time.sleep(rng.uniform(0.0, 4.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        out = "".join(process.communicate(timeout=600))
        assert "Traceback" not in out, out
        assert wait_until_gone(firm, seconds=1.5) == []
        code, out = run(firm, "versions", slug, "--repair")
        assert code == 0, out
        assert check_published(root) == []
        listed = (root / "versions.json").read_text(encoding="utf-8")
        assert '"v1"' in listed and '"v2"' in listed  # no earlier version is ever lost
    code, out = run(firm, "publish", slug, "--as-of", LATER, "--version", "final")
    assert code == 0, out
    assert check_published(root) == [] and newest(root) == "final"
    assert staging_left(firm) == []


@contextlib.contextmanager
def _small_disk(folder: Path, size_mb: int) -> Iterator[bool]:
    """A tmpfs of `size_mb` at `folder`, where the machine allows it; yields whether it did."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)], capture_output=True, check=False
    )
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def _usage_mb(folder: Path) -> int:
    stat = os.statvfs(folder)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize // (1 << 20)


def test_a_full_disk_fails_sites_cleanly_and_the_next_build_is_right(campaign: dict[str, Any]) -> None:
    firm: Path = campaign["firm"]
    disk = firm.parent / "small-disk"
    with _small_disk(disk, 512) as mounted:
        if mounted:
            copy = disk / "firm"
            shutil.copytree(firm, copy, symlinks=True)
            # Just enough room for what is there and a little more: the rebuild runs out of space part-way.
            subprocess.run(["mount", "-o", f"remount,size={_usage_mb(disk) + 3}m", str(disk)], check=True)
            code, out = run(copy, "build", "--as-of", LATER, "--force")
            assert code == 1, out
            assert "the disk is full" in out and "Traceback" not in out, out
            assert staging_left(copy) == []
            # Every site still answers with a complete page, old or new.
            for site in (copy / "site" / "clients").iterdir():
                assert (site / "index.html").is_file(), site
            subprocess.run(["mount", "-o", "remount,size=512m", str(disk)], check=True)
            code, out = run(copy, "build", "--as-of", AS_OF)
            assert code == 0, out
            assert differences(campaign["reference"], copy / "site") == []
            kill_all(copy)
        else:
            # No tmpfs here: the same fault, raised where the build writes.
            code, out = run(
                firm,
                "build",
                "--as-of",
                LATER,
                "--force",
                env={"COACHBOOK_FAULT_INJECTION": "enospc@1+:write:.site.staging"},
            )
            assert code == 1 and "the disk is full" in out and "Traceback" not in out, out
            _settle(campaign)


def test_the_campaign_printed_no_traceback(campaign: dict[str, Any]) -> None:
    assert campaign["outputs"], "the campaign ran nothing"
    assert not any("Traceback" in out for out in campaign["outputs"])
