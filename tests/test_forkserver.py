"""The fork server runs each task in a fresh process forked from its own memory, never from the caller's."""

from __future__ import annotations

import gc
import os
import secrets
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from coachbook.build import forkserver
from coachbook.build.forkserver import ForkServer, Outcome, Task
from coachbook.errors import CoachbookError


@dataclass
class State:
    """What the server holds: given at the start, and prepared by `call`."""

    prepared: list[str] = field(default_factory=list)


def prepare(state: State, word: str) -> int:
    state.prepared.append(word)
    return len(state.prepared)


def show(state: State, extra: str) -> str:
    # Prepared in the server before this process was forked, so it starts with it.
    state.prepared.append(extra)
    return " ".join(state.prepared)


def fail(state: State) -> None:
    raise ValueError("this task always fails")


def die(state: State) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def marked(state: State, *parts: str) -> bool:
    """Whether any object this process can reach holds the marker made of `parts`, the frozen ones included.

    The marker is passed in parts, so that the task's own arguments do not hold it.
    """
    marker = "".join(parts)
    gc.unfreeze()
    for obj in gc.get_objects():
        if isinstance(obj, dict):
            values = [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset):
            values = list(obj)
        else:
            continue
        if any(isinstance(value, str) and marker in value for value in values):
            return True
    return False


def by_tag(outcomes: Iterator[Outcome]) -> dict[object, Outcome]:
    return {outcome.tag: outcome for outcome in outcomes}


def test_tasks_start_from_what_the_server_prepared_and_leave_nothing_behind() -> None:
    with ForkServer(State(["started"])) as server:
        assert server.call(prepare, "warmed") == 2
        outcomes = by_tag(server.run([Task(n, show, (f"task {n}",)) for n in range(4)], jobs=2, private_memory=True))
        # Each task added to the state in its own process: the next one, and the server, never saw it.
        assert {tag: o.value for tag, o in outcomes.items()} == {n: f"started warmed task {n}" for n in range(4)}
        assert server.call(prepare, "again") == 3
    assert all(o.ok and o.peak_kb > 0 and o.private_kb > 0 for o in outcomes.values())


def test_private_memory_is_measured_only_when_asked() -> None:
    with ForkServer(State()) as server:
        outcomes = by_tag(server.run([Task(n, show, ("x",)) for n in range(2)], jobs=2))
    assert all(o.ok and o.peak_kb > 0 and o.private_kb == 0 for o in outcomes.values())


def count_fork(state: State) -> None:
    state.prepared.append(f"fork {len(state.prepared)}")


def broken_hook(state: State) -> None:
    raise RuntimeError("the hook always fails")


def test_before_fork_brings_the_state_up_to_date_for_each_task_and_cannot_fail_one() -> None:
    with ForkServer(State(), before_fork=count_fork) as server:
        values = [o.value for o in server.run([Task(n, show, ("task",)) for n in range(3)], jobs=1)]
    # Run in the server before each fork: each task starts with one more.
    assert values == ["fork 0 task", "fork 0 fork 1 task", "fork 0 fork 1 fork 2 task"]
    with ForkServer(State(), before_fork=broken_hook) as server:
        outcomes = by_tag(server.run([Task(n, show, ("task",)) for n in range(2)], jobs=2))
    assert all(o.ok and o.value == "task" for o in outcomes.values())


def test_a_task_that_raises_or_dies_fails_alone() -> None:
    tasks = [Task("fine", show, ("x",)), Task("raises", fail), Task("killed", die), Task("also fine", show, ("y",))]
    with ForkServer(State()) as server:
        outcomes = by_tag(server.run(tasks, jobs=2))
    assert outcomes["fine"].ok and outcomes["also fine"].ok
    assert outcomes["raises"].error == "the build process failed: ValueError: this task always fails"
    assert outcomes["killed"].error == f"the build process exited with code {-signal.SIGKILL} before reporting"


def test_what_a_call_raises_is_raised_in_the_caller_and_the_server_goes_on() -> None:
    with ForkServer(State()) as server:
        with pytest.raises(ValueError, match="always fails"):
            server.call(fail)
        assert server.call(prepare, "still here") == 1


def test_the_server_holds_nothing_the_caller_made_after_it_started() -> None:
    """The point of the server: what the caller holds (every client's strings) never reaches a task's process."""
    first = secrets.token_hex(8)
    held = [f"held before the server started: {first}"]
    with ForkServer(State()) as server:
        second = secrets.token_hex(8)
        held.append(f"made after the server started: {second}")
        tasks = [Task("before", marked, (first[:8], first[8:])), Task("after", marked, (second[:8], second[8:]))]
        outcomes = by_tag(server.run(tasks, jobs=1))
    # In this process both are there: the check finds what it looks for.
    assert marked(State(), first) and marked(State(), second)
    assert outcomes["before"].value is True
    assert outcomes["after"].value is False


def test_the_server_asks_for_each_task_only_when_it_can_start_it() -> None:
    """The task list grows with the firm; the server must not hold it for every process to inherit."""
    pulled: list[int] = []
    finished_when: list[int] = []

    def tasks() -> Iterator[Task]:
        for n in range(6):
            pulled.append(n)
            yield Task(n, show, (str(n),))

    with ForkServer(State()) as server:
        for _ in server.run(tasks(), jobs=2):
            finished_when.append(len(pulled))
    # Two start at once; each outcome makes room for one more, and only then is one more asked for.
    assert pulled == list(range(6))
    assert all(count <= 2 + done for done, count in enumerate(finished_when)), finished_when


def nap(state: State, seconds: float, pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(seconds)


def test_closing_in_the_middle_of_a_run_stops_the_server_and_its_tasks(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A build interrupted half-way (an error in the caller) leaves no process behind."""
    server = ForkServer(State())
    tasks = [Task(n, nap, (0.01 if n == 0 else 600, str(tmp_path / f"{n}.pid"))) for n in range(4)]
    with server:
        for outcome in server.run(tasks, jobs=2):
            assert outcome.tag == 0
            break
    # It stopped by itself, on being told, rather than being killed after waiting in vain.
    assert server._process.exitcode == 0
    still_napping = int((tmp_path / "1.pid").read_text(encoding="utf-8"))
    with pytest.raises(ProcessLookupError):
        os.kill(still_napping, 0)
    # The server was asked for no more tasks than it could start, and took the request to stop for none.
    assert not (tmp_path / "3.pid").exists()
    assert "Traceback" not in capfd.readouterr().err


def test_a_server_that_died_is_an_error_not_a_hang() -> None:
    server = ForkServer(State())
    try:
        server._process.kill()
        server._process.join()
        with pytest.raises(CoachbookError, match="fork server"):
            server.call(prepare, "anyone there?")
    finally:
        server.close()


def test_a_process_starts_with_ctrl_c_held_back_until_its_code_runs() -> None:
    """A Ctrl-C reaches every process at once; one landing in a process being forked waits for the task's code.

    Otherwise it can interrupt Python's own after-fork hooks in the new process and print their traceback
    instead of the build's one line. The forking process gets its own mask back.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_report_mask, args=(writer,))
    forkserver._start(process)
    writer.close()
    blocked_in_child = reader.recv()
    process.join()
    assert blocked_in_child is True
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    # The server's tasks let it in again as they start: a Ctrl-C stops them.
    with ForkServer(State()) as server:
        (outcome,) = server.run([Task("mask", sigint_blocked)], jobs=1)
    assert outcome.ok and outcome.value is False


def sigint_blocked(state: State) -> bool:
    return signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def _report_mask(writer: object) -> None:
    writer.send(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set()))  # type: ignore[attr-defined]
