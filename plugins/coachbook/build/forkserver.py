"""Run a build's tasks each in a fresh process, forked from a lean server process rather than from the caller.

Forking is how `coachbook build` isolates clients cheaply: a process that
builds one site and exits cannot carry anything into another's build, and it
starts with everything its parent had already prepared. But a forked process
also starts with everything else its parent holds, and the process that runs
a firm's build holds every engagement's audit strings and fingerprints: memory
that grows with the firm. So the build processes are not forked from it.

`ForkServer` forks one server process at the start, while the caller holds
nothing of any client. The caller then has the server prepare itself (`call`:
compile the templates, convert the guides) and asks it to run tasks (`run`);
the server forks one process per task from its own, still lean, memory. Each
process therefore costs the same whether the firm has fifty clients or five
thousand.

Results travel back through the server as the bytes the task's process sent:
the server never unpickles them, so nothing a task returns (a batch of parsed
engagements, say) stays behind in the memory the next process is forked from.
"""

from __future__ import annotations

import contextlib
import cProfile
import ctypes
import gc
import multiprocessing
import os
import pickle
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, Generic, TypeVar

from coachbook.core.lock import close_inherited_locks
from coachbook.errors import CoachbookError

__all__ = ["ForkServer", "Outcome", "Task", "private_kb"]

State = TypeVar("State")

#: How long closing waits for the server to finish its current message before stopping it.
_STOP_SECONDS = 10
#: prctl(2): the signal this process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Task:
    """One task: `function(state, *args)` in a process of its own, where `state` is the server's."""

    tag: Any
    """What the caller knows the task by (a site, or None); given back with its outcome."""
    function: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """How one task went, with what its process cost."""

    tag: Any
    value: Any = None
    """What the task returned."""
    error: str = ""
    """Why the task failed, in a sentence: what it raised, or how its process ended before reporting.

    Empty if it did not fail."""
    seconds: float = 0.0
    peak_kb: int = 0
    """Peak resident memory of the task's process, in KiB, pages shared with the server included."""
    private_kb: int = 0
    """Memory of the task's process not shared with the server, in KiB, when it finished; 0 unless the run
    was asked to measure it (`ForkServer.run`)."""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class _Next:
    """The server can start another task: the caller sends it, or None when there are no more."""


@dataclass(frozen=True)
class _Done:
    """The end of a `run`."""


class _Stopped(Exception):
    """The caller asked the server to stop while it was running tasks."""


@dataclass(frozen=True)
class _Raised:
    error: BaseException


class ForkServer(Generic[State]):
    """A process, forked now, that forks a fresh process for each task it is given.

    Use it as a context manager, and create it while this process is still
    lean: the server, and every task's process, starts with a copy of this
    process's memory as it is now, and `state` with it.
    """

    def __init__(self, state: State, *, before_fork: Callable[[State], object] | None = None) -> None:
        """Fork the server now, with `state`.

        `before_fork(state)`, if given, runs in the server before it forks each task's process, to bring
        `state` up to date with what earlier tasks left (files they wrote); what it raises is ignored.
        """
        context = multiprocessing.get_context("fork")
        self._connection, theirs = context.Pipe(duplex=True)
        # Not a daemon: daemonic processes may not start processes of their own.
        self._process = context.Process(
            target=_serve, args=(theirs, state, os.getpid(), before_fork), name="coachbook-fork-server"
        )
        _start(self._process)
        theirs.close()

    def __enter__(self) -> ForkServer[State]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(state, *args)` in the server itself, to prepare what every task's process starts with.

        Raises:
            What `function` raised, or CoachbookError when the server is gone.
        """
        self._send(("call", function, args))
        reply = self._receive()
        if isinstance(reply, _Raised):
            raise reply.error
        return reply

    def run(self, tasks: Iterable[Task], *, jobs: int, private_memory: bool = False) -> Iterator[Outcome]:
        """Run each task in a process forked from the server, `jobs` at a time, yielding outcomes as they finish.

        With `private_memory`, each process also measures its private memory (`Outcome.private_kb`) before it
        exits. The kernel walks every page the process maps to say, about a millisecond and a half of each
        task, so it is only done when asked (the benchmark's memory figures).

        A task that raises, or whose process dies without reporting (killed,
        out of memory), gives a failed `Outcome`; the other tasks go on. The
        server asks for each task only when it can start it, so it never holds
        the whole list (which grows with the firm) for a process to inherit.
        Read the outcomes to the end before calling the server again; a run
        left half-read can only be ended by closing the server.
        """
        pending = iter(tasks)
        self._send(("run", jobs, private_memory))
        while True:
            message = self._receive()
            if isinstance(message, _Next):
                self._send(("task", next(pending, None)))
            elif isinstance(message, _Done):
                return
            else:
                yield message

    def close(self) -> None:
        """Stop the server; tasks still running are stopped with it."""
        with contextlib.suppress(OSError):
            self._connection.send(("stop",))
        self._connection.close()
        self._process.join(_STOP_SECONDS)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            self._connection.send(message)
        except OSError as exc:
            raise CoachbookError(f"the build's fork server has stopped: {exc}") from None

    def _receive(self) -> Any:
        try:
            return self._connection.recv()
        except (EOFError, OSError):
            raise CoachbookError(
                f"the build's fork server stopped unexpectedly (exit code {self._process.exitcode})"
            ) from None


def die_with(parent: int) -> None:
    """End this (forked) process when `parent` ends, however it ends: no orphan keeps a pipe or the lock open.

    Linux sends the signal asked for with `PR_SET_PDEATHSIG` when the parent
    dies; if the parent died before the request was made, exit now. Elsewhere
    the end of the pipe to the parent stops the server at its next read.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    # A lock this process inherited must die with the process that took it, not live on here.
    close_inherited_locks()


def _start(process: multiprocessing.process.BaseProcess) -> None:
    """Fork `process`, with Ctrl-C held back in it until it runs our code (`_interruptible`).

    A terminal's Ctrl-C reaches every process of the group at once. One that lands while a process is
    being forked would interrupt Python's own after-fork hooks in the new process, and print their
    traceback; held back, it reaches the new process's code, which stops as it would at any other moment.
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _interruptible() -> None:
    """In a process `_start` forked: let a Ctrl-C in, one held back since the fork included."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _serve(connection: Connection, state: Any, parent: int, before_fork: Callable[[Any], object] | None) -> None:
    """The server's loop: prepare when called, fork when asked to run, stop when told or when the caller is gone."""
    die_with(parent)
    # Everything this process starts with is kept for good, like all that `call` makes.
    gc.freeze()
    try:
        _interruptible()
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                break
            if message[0] == "call":
                _, function, args = message
                try:
                    reply = function(state, *args)
                except BaseException as exc:
                    reply = _Raised(_picklable(exc))
                # What the call made is kept for good: keep the collector from
                # touching (and so copying) its pages in every forked process.
                gc.collect()
                gc.freeze()
                connection.send(reply)
            elif message[0] == "run":
                _run(connection, state, jobs=message[1], private_memory=message[2], before_fork=before_fork)
                connection.send(_Done())
            else:
                break
    except (OSError, EOFError, _Stopped):
        # Stopped, or the caller is gone (its end of the pipe closed): there is nobody to report to.
        pass
    finally:
        # Skip interpreter teardown: the caller's atexit handlers and buffers are not ours to run.
        os._exit(0)


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.dumps(error)
    except Exception:
        return CoachbookError("".join(traceback.format_exception_only(error)).strip())
    return error


def _run(
    connection: Connection,
    state: Any,
    *,
    jobs: int,
    private_memory: bool,
    before_fork: Callable[[Any], object] | None = None,
) -> None:
    """In the server: ask for tasks while fewer than `jobs` run; run each in a freshly forked process.

    Each outcome is passed on as the bytes its process sent, as soon as it comes.
    """
    context = multiprocessing.get_context("fork")
    running: dict[int, tuple[Task, Any, Connection, float]] = {}
    more = True
    try:
        while True:
            while more and len(running) < max(1, jobs):
                connection.send(_Next())
                reply = connection.recv()
                if reply[0] != "task":
                    # The caller closed the server in the middle of the run.
                    raise _Stopped
                task = reply[1]
                if task is None:
                    more = False
                    break
                if before_fork is not None:
                    # Only brings the state up to date: a task's process works without it.
                    with contextlib.suppress(Exception):
                        before_fork(state)
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_child, args=(writer, task, state, os.getpid(), private_memory), daemon=True
                )
                _start(process)
                writer.close()
                running[reader.fileno()] = (task, process, reader, time.perf_counter())
                del task
            if not running:
                return
            # Wait on the pipes, not the processes: an outcome larger than the pipe's
            # buffer is only fully written once it is read, and the process cannot
            # exit before that. A process that dies closes its end, which wakes us too.
            for ready in wait([entry[2] for entry in running.values()]):
                task, process, reader, began = running.pop(ready.fileno())  # type: ignore[union-attr]
                try:
                    raw = reader.recv_bytes()
                except (EOFError, OSError):
                    raw = None
                process.join()
                reader.close()
                if raw is None:
                    error = f"the build process exited with code {process.exitcode} before reporting"
                    raw = pickle.dumps(Outcome(task.tag, error=error, seconds=time.perf_counter() - began))
                connection.send_bytes(raw)
    finally:
        # Stopped early (the caller went away): stop the processes still running with it.
        for _, process, reader, _ in running.values():
            process.terminate()
            process.join()
            reader.close()


def _child(writer: Connection, task: Task, state: Any, server: int, private_memory: bool) -> None:
    # This process runs one task and exits, so nothing it leaves behind
    # (plugin objects, Material's search index, caches) reaches another task.
    die_with(server)
    # The process lives for one task and exits. Its garbage is freed as it goes by reference counting; the
    # cycles the collector is there for are few (a Markdown converter, a page and its file) and go with the
    # process. Collecting them as they came (every 700 objects) was about 2% of a site's time.
    gc.disable()
    started = time.perf_counter()
    value, error = None, ""
    profile_dir = os.environ.get("COACHBOOK_PROFILE_DIR")
    profiler = cProfile.Profile() if profile_dir else None
    try:
        _interruptible()
        if profiler is not None:
            profiler.enable()
        value = task.function(state, *task.args)
    except BaseException as exc:
        error = "the build process failed: " + "".join(traceback.format_exception_only(exc)).strip()
    finally:
        if profiler is not None and profile_dir:
            # A developer's switch (CONTRIBUTING, "Where the time goes"): one profile per task, to merge with pstats.
            profiler.disable()
            profiler.dump_stats(os.path.join(profile_dir, f"task-{os.getpid()}.prof"))
    outcome = Outcome(
        task.tag,
        value=value,
        error=error,
        seconds=time.perf_counter() - started,
        peak_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        private_kb=private_kb() if private_memory else 0,
    )
    try:
        writer.send(outcome)
    except Exception as exc:  # The value does not pickle: report that instead.
        writer.send(Outcome(task.tag, error=f"cannot report the result: {exc}", seconds=outcome.seconds))
    writer.close()
    os._exit(0)


def private_kb() -> int:
    """Private (unshared) memory of this process: what it costs on top of the process it was forked from.

    Its resident size also counts that process's pages it has touched, which
    are shared, paid for once however many processes are forked.
    """
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
            return sum(int(line.split()[1]) for line in rollup if line.startswith(("Private_Clean", "Private_Dirty")))
    except (OSError, ValueError, IndexError):
        return 0
