"""Nothing lost, nothing stale: each fault found by the reliability review, reproduced as a test.

A killed build, two runs at once, a state file that cannot be written or read,
a publish killed or out of disk at each of its steps, a version folder deleted
by hand, Ctrl-C: after each, every site equals what a build of the current
inputs makes, every published address answers with a complete page, no
process is left, and no traceback was printed.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path

import pytest

from coachbook.build.state import read_mark

from .conftest import AS_OF, copy_firm, run_coachbook
from .faults.harness import (
    check_published,
    differences,
    files,
    kill_all,
    newest,
    run,
    spawn,
    staging_left,
    wait_until_gone,
)

pytestmark = pytest.mark.slow

LATER = "2026-12-01"
SLUG = "dana-whitfield"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample firm built as of AS_OF: what every recovery must end with, byte for byte."""
    firm = copy_firm(tmp_path_factory.mktemp("reference") / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    return firm / "site"


@pytest.fixture
def built(reference: Path, tmp_path: Path) -> Path:
    """A firm whose site/ is the reference build."""
    firm = copy_firm(tmp_path / "firm")
    code, out = run(firm, "build", "--as-of", AS_OF)
    assert code == 0, out
    assert differences(reference, firm / "site") == []
    yield firm
    kill_all(firm)


def _wait_for(condition: object, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _lock_holder(firm: Path) -> int | None:
    try:
        return int(json.loads((firm / ".coachbook" / "lock").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


# --------------------------------------------------------------------------- 1. a stale site reported as up to date


def test_a_killed_build_is_undone_by_the_next_build_of_the_earlier_inputs(built: Path, reference: Path) -> None:
    """Killed after some sites took the later date's content, then built again as of the earlier date."""
    process = spawn(built, "build", "--as-of", LATER)
    clients = built / "site" / "clients"
    _wait_for(lambda: any((m := read_mark(p)) and m.as_of == LATER for p in clients.iterdir()))
    process.send_signal(signal.SIGKILL)
    process.communicate()
    # 3. Every process of the killed build ends with it, and holds no pipe open.
    assert wait_until_gone(built, seconds=1.5) == []
    code, out = run(built, "build", "--as-of", AS_OF)
    assert code == 0, out
    assert "Nothing changed" not in out
    assert differences(reference, built / "site") == []
    assert staging_left(built) == []


def test_a_forced_build_waits_for_the_running_one_and_later_builds_see_it(built: Path, reference: Path) -> None:
    first = spawn(built, "build", "--as-of", AS_OF, "--force")
    _wait_for(lambda: _lock_holder(built) == first.pid)
    second = spawn(built, "build", "--client", "sofia-marquez", "--force", "--as-of", LATER)
    out_second = "".join(second.communicate(timeout=300))
    out_first = "".join(first.communicate(timeout=300))
    assert first.returncode == 0, out_first
    assert second.returncode == 0, out_second
    assert f"Waiting for `coachbook build` (process {first.pid}" in out_second
    assert read_mark(built / "site" / "clients" / "sofia-marquez").as_of == LATER  # type: ignore[union-attr]
    code, out = run(built, "build", "--as-of", AS_OF)
    assert code == 0 and "built  sofia-marquez" in out, out
    assert differences(reference, built / "site") == []


def test_no_wait_stops_at_once_and_names_the_run_it_would_wait_for(built: Path) -> None:
    first = spawn(built, "build", "--as-of", LATER)
    _wait_for(lambda: _lock_holder(built) == first.pid)
    code, out = run(built, "build", "--no-wait")
    first.communicate(timeout=300)
    assert code == 1
    assert f"`coachbook build` (process {first.pid}, started" in out
    assert "Traceback" not in out


def test_a_build_record_that_cannot_be_saved_is_a_note_and_the_next_build_is_right(
    built: Path, reference: Path
) -> None:
    env = {"COACHBOOK_FAULT_INJECTION": "erofs@1+:write:.coachbook/builds"}
    code, out = run(built, "build", "--as-of", LATER, env=env)
    assert code == 0, out
    assert "could not be saved: a folder cannot be written" in out
    assert "Traceback" not in out
    assert not list((built / ".coachbook" / "builds").glob("*.tmp"))
    code, out = run(built, "build", "--as-of", AS_OF)
    assert code == 0, out
    assert differences(reference, built / "site") == []


@pytest.mark.parametrize("content", ["[]", '{"version": 3, "engagements": 5}', "{not json", ""])
def test_a_damaged_build_record_is_treated_as_missing(built: Path, reference: Path, content: str) -> None:
    (record,) = (built / ".coachbook" / "builds").glob("*.json")
    record.write_text(content, encoding="utf-8")
    code, out = run(built, "build", "--as-of", AS_OF)
    assert code == 0, out
    assert "was not used" in out and "Traceback" not in out
    # The sites' own marks still say they are up to date: nothing is rebuilt, and all is right.
    assert "Nothing changed" in out
    assert differences(reference, built / "site") == []


def test_ctrl_c_stops_with_one_line_and_leaves_no_staging(built: Path, reference: Path) -> None:
    process = spawn(built, "build", "--as-of", LATER)
    _wait_for(lambda: (built / ".site.staging").is_dir())
    # A terminal's Ctrl-C reaches the whole foreground group.
    import os

    os.killpg(process.pid, signal.SIGINT)
    out = "".join(process.communicate(timeout=120))
    here = (signal.getsignal(signal.SIGINT), signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set()))
    assert process.returncode == 130, f"{out}\n(SIGINT in the test process: {here})"
    assert "Interrupted." in out and "Traceback" not in out
    assert wait_until_gone(built) == []
    assert staging_left(built) == []
    code, out = run(built, "build", "--as-of", AS_OF)
    assert code == 0, out
    assert differences(reference, built / "site") == []


def test_the_audit_fails_a_deployable_tree_that_holds_staging(built: Path) -> None:
    stray = built / "site" / ".staging" / "sofia-marquez-0123456789ab"
    shutil.copytree(built / "site" / "clients" / "sofia-marquez", stray)
    code, out = run(built, "audit")
    assert code == 1
    assert "site/.staging/ holds half-built sites" in out
    # The next build removes it.
    code, out = run(built, "build", "--as-of", AS_OF)
    assert code == 0 and not (built / "site" / ".staging").exists(), out


# --------------------------------------------------------------------------- 2, 4, 6, 7. publishing


@pytest.fixture
def published(built: Path) -> Path:
    """The firm with two versions of Dana's site published."""
    for day, name in ((AS_OF, "first"), (LATER, "second")):
        code, out = run(built, "publish", SLUG, "--as-of", day, "--version", name)
        assert code == 0, out
    return built


def _root(firm: Path) -> Path:
    return firm / "published" / "clients" / SLUG


def test_two_publishes_at_once_lose_no_version(published: Path) -> None:
    runs = [spawn(published, "publish", SLUG, "--as-of", LATER, "--version", name) for name in ("third", "fourth")]
    outs = ["".join(process.communicate(timeout=300)) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outs
    listed = [entry["version"] for entry in json.loads((_root(published) / "versions.json").read_text())]
    assert sorted(listed) == ["first", "fourth", "second", "third"]
    assert check_published(_root(published)) == []


def _served(root: Path) -> dict[str, bytes]:
    """Every file a reader of the published site could fetch, except the list itself."""
    return {name: data for name, data in files(root).items() if name != "versions.json"}


def _steps() -> list[tuple[str, int]]:
    """(kind, n) of each filesystem change of a publish to fault: every rename, swap and removal, and of the
    (many, alike) file writes the first three and then every tenth."""
    steps = [(kind, n) for kind in ("rename", "exchange", "remove") for n in range(1, 8)]
    return steps + [("write", n) for n in (1, 2, 3, *range(10, 400, 10))]


def test_a_publish_killed_at_any_step_leaves_every_address_answering(published: Path) -> None:
    root = _root(published)
    before = _served(root)
    pristine = published.parent / "pristine"
    shutil.copytree(published, pristine, symlinks=True)
    killed = 0
    for kind, step in _steps():
        env = {"COACHBOOK_FAULT_INJECTION": f"kill@{step}:{kind}"}
        code, out = run(published, "publish", SLUG, "--as-of", LATER, "--version", "third", env=env)
        finished = code == 0
        if finished:
            # Fewer changes of this kind than `step`: the publish ran to the end.
            assert check_published(root) == [] and newest(root) == "third"
        else:
            killed += 1
            assert code == -signal.SIGKILL, out
            assert wait_until_gone(published) == []
            now = _served(root)
            # Every earlier version is exactly as it was; latest/ is the old newest or the new one, complete.
            for name, data in before.items():
                if not name.startswith("latest/"):
                    assert now.get(name) == data, (kind, step, name)
            latest = {n.removeprefix("latest/"): d for n, d in now.items() if n.startswith("latest/")}
            holds = read_mark(root / "latest")
            assert holds is not None and holds.version in ("second", "third"), (kind, step)
            source = "latest/" if holds.version == "second" else "third/"
            assert latest == {
                n.removeprefix(source): d
                for n, d in (before if source == "latest/" else now).items()
                if n.startswith(source)
            }, (kind, step)
            # The list names only complete versions.
            listed = [e["version"] for e in json.loads((root / "versions.json").read_text())]
            assert all((root / name / "index.html").is_file() for name in listed), (kind, step, listed)
            # `versions --repair` (or the next publish) makes the tree whole, with the newest version as latest.
            code, out = run(published, "versions", SLUG, "--repair")
            assert code == 0 and "Traceback" not in out, out
            assert check_published(root) == [], (kind, step, out)
            assert newest(root) in ("second", "third")
            assert staging_left(published) == []
        shutil.rmtree(published)
        shutil.copytree(pristine, published, symlinks=True)
        if finished and kind == "write":
            break
    assert killed > 10  # the publish has many steps, and each was killed once


def test_a_full_disk_at_any_step_of_a_publish_is_an_error_and_changes_nothing(published: Path) -> None:
    root = _root(published)
    before = files(root)
    failed = 0
    for kind, step in _steps():
        env = {"COACHBOOK_FAULT_INJECTION": f"enospc@{step}:{kind}"}
        code, out = run(published, "publish", SLUG, "--as-of", LATER, "--version", "third", env=env)
        assert "Traceback" not in out, out
        if code == 0:
            if kind == "write":
                break
            shutil.rmtree(root / "third")
            code, out = run(published, "versions", SLUG, "--repair")
            assert code == 0, out
            continue
        failed += 1
        assert "the disk is full" in out, out
        # Nothing is half-published: no unlisted folder, the list and latest/ as they were.
        assert files(root) == before, step
        assert check_published(root) == []
        assert staging_left(published) == []
    assert failed > 10
    assert newest(root) == "third"


def test_a_version_folder_deleted_by_hand_is_reported_and_repaired(published: Path) -> None:
    root = _root(published)
    shutil.rmtree(root / "first")
    code, out = run(published, "versions", SLUG)
    assert code == 1
    assert "version 'first' is listed, but its folder is missing" in out
    code, out = run(published, "versions", SLUG, "--repair")
    assert code == 0, out
    assert "unlisted version 'first', whose folder was missing" in out
    assert check_published(root) == []
    # The next publish repairs too.
    shutil.rmtree(root / "second")
    code, out = run(published, "publish", SLUG, "--as-of", LATER, "--version", "third")
    assert code == 0, out
    assert [e["version"] for e in json.loads((root / "versions.json").read_text())] == ["third"]
    assert check_published(root) == []


def test_a_damaged_versions_list_is_rebuilt_from_the_version_folders(published: Path) -> None:
    root = _root(published)
    (root / "versions.json").write_text("[{broken", encoding="utf-8")
    code, out = run(published, "versions", SLUG)
    assert code == 1 and "--repair" in out and "Traceback" not in out
    code, out = run(published, "versions", SLUG, "--repair")
    assert code == 0, out
    listed = json.loads((root / "versions.json").read_text())
    assert [e["version"] for e in listed] == ["second", "first"]
    assert listed[0]["aliases"] == ["latest"]
    assert check_published(root) == []
