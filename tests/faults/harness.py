"""What the reliability tests and the fault campaign share: running coachbook, killing it, checking the tree.

Every check here reads the project as a reader (or a host) would: the files
of every site, the published versions and their `latest/`, the staging areas,
and the processes still alive.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from coachbook.build.state import read_mark

#: Environment for runs: no MkDocs 2 banner, nothing from the caller's fault plan.
BASE_ENV = {k: v for k, v in os.environ.items() if k != "COACHBOOK_FAULT_INJECTION"} | {"NO_MKDOCS_2_WARNING": "1"}


def spawn(firm: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `coachbook ARGS` in `firm`, in a session of its own (so only it and its processes can be signalled).

    It starts as from a shell, with Ctrl-C's signal neither ignored nor blocked, whatever the test process
    has done with its own: an ignored SIGINT would be inherited through `exec`, and Python leaves it ignored.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "coachbook", *args],
        cwd=firm,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**BASE_ENV, **(env or {})},
        start_new_session=True,
        preexec_fn=_as_from_a_shell,
    )


def _as_from_a_shell() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def run(firm: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 600) -> tuple[int, str]:
    """Run `coachbook ARGS` to the end: its exit status, and everything it printed."""
    process = spawn(firm, *args, env=env)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out + err


def files(site: Path) -> dict[str, bytes]:
    """Every file under `site`, by its path: what a host would serve."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def differences(expected: Path, actual: Path) -> list[str]:
    """Files that differ, are missing or are extra, between two trees."""
    want, have = files(expected), files(actual)
    return sorted(
        [f"missing {name}" for name in want.keys() - have.keys()]
        + [f"extra {name}" for name in have.keys() - want.keys()]
        + [f"differs {name}" for name in want.keys() & have.keys() if want[name] != have[name]]
    )


def processes_in(folder: Path) -> list[int]:
    """Processes whose working folder is `folder` (or below it): a coachbook run and all it started."""
    found = []
    target = str(folder.resolve())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd == target or cwd.startswith(target + "/"):
            found.append(int(entry.name))
    return found


def wait_until_gone(folder: Path, seconds: float = 2.0) -> list[int]:
    """Wait up to `seconds` for every process working in `folder` to end; those still alive."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [pid for pid in processes_in(folder) if _alive(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().split(") ", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def kill_all(folder: Path) -> None:
    """Leave nothing running in `folder` (a test's own clean-up)."""
    for pid in processes_in(folder):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def staging_left(firm: Path) -> list[str]:
    """Staging folders anywhere a build or publish could leave them."""
    candidates = [firm / ".site.staging", firm / ".published.staging", firm / "site" / ".staging"]
    candidates.append(firm / "published" / ".staging")
    return [str(p.relative_to(firm)) for p in candidates if p.exists() and any(p.iterdir())]


def check_published(root: Path) -> list[str]:
    """What is wrong with one site's published tree, as a reader would find it.

    `versions.json` must list exactly the complete version folders, each with
    its pages; `latest/` must be a complete copy of a listed version; and
    `index.html` must lead there.
    """
    problems = []
    try:
        listed = json.loads((root / "versions.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"versions.json unreadable: {exc}"]
    names = [entry["version"] for entry in listed]
    folders = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != "latest")
    if sorted(names) != folders:
        problems.append(f"versions.json lists {sorted(names)} but the folders are {folders}")
    for name in names:
        if not (root / name / "index.html").is_file():
            problems.append(f"version {name} is listed but incomplete")
    if names:
        mark = read_mark(root / "latest")
        if mark is None or mark.version not in names:
            problems.append(f"latest/ holds {mark.version if mark else 'nothing'}, which is not a listed version")
        elif files_of_version(root / "latest") != files_of_version(root / mark.version):
            problems.append(f"latest/ is not a complete copy of {mark.version}")
        if not (root / "index.html").is_file():
            problems.append("index.html is missing")
    return problems


def files_of_version(folder: Path) -> dict[str, bytes]:
    return files(folder)


def newest(root: Path) -> str | None:
    """The version `versions.json` calls latest."""
    listed = json.loads((root / "versions.json").read_text(encoding="utf-8"))
    return next((entry["version"] for entry in listed if "latest" in entry.get("aliases", [])), None)


def no_traceback(outputs: Iterable[str]) -> list[str]:
    return [text for text in outputs if "Traceback (most recent call last)" in text]
