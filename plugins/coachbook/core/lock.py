"""One writer at a time: the lock every run that changes `site/`, `published/` or the build state takes.

It is an `fcntl.flock` on `.coachbook/lock`, held for the whole run. The
kernel lets go of it when the holder exits, however it ends, so a lock left
by a killed run is simply free: there is nothing to take over or clean up.
The holder writes who it is into the file (command, process id, start), so
a second run can say what it is waiting for, or, with `--no-wait`, what
stopped it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from coachbook.core.files import describe_os_error
from coachbook.errors import CoachbookError

__all__ = ["LOCK_FILE", "Holder", "LockBusy", "RunLock", "close_inherited_locks"]

#: The lock's file, in Coachbook's working folder.
LOCK_FILE = "lock"

#: Descriptors of locks this process holds, which a forked process closes (so the lock dies with its holder).
_HELD: set[int] = set()


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as it wrote itself down."""

    command: str
    pid: int
    started: str

    def __str__(self) -> str:
        return f"`{self.command}` (process {self.pid}, started {self.started})"


class LockBusy(CoachbookError):
    """Another run holds the lock and this one was asked not to wait."""

    def __init__(self, holder: Holder | None) -> None:
        self.holder = holder
        who = str(holder) if holder else "another coachbook command"
        super().__init__(
            f"{who} is changing this project right now; run the command again when it has finished, "
            "or without --no-wait to wait for it"
        )


class RunLock:
    """The project's write lock, as a context manager.

    Arguments:
        folder: Coachbook's working folder (`.coachbook/`), created if need be.
        command: What this run is, for whoever has to wait for it (`coachbook build`).
        wait: Wait for another holder to finish; if False, raise `LockBusy` at once.
        waiting: Called once with the holder when this run has to wait, to say so.
    """

    def __init__(
        self,
        folder: Path,
        command: str,
        *,
        wait: bool = True,
        waiting: Callable[[Holder | None], None] | None = None,
    ) -> None:
        self.path = folder / LOCK_FILE
        self.command = command
        self.wait = wait
        self.waiting = waiting
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise CoachbookError(f"cannot take the project's lock: {describe_os_error(exc)}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                if not self.wait:
                    raise LockBusy(holder) from None
                if self.waiting is not None:
                    self.waiting(holder)
                fcntl.flock(fd, fcntl.LOCK_EX)
            record = {"command": self.command, "pid": os.getpid(), "started": _now()}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        _HELD.add(fd)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._fd is None:
            return
        _HELD.discard(self._fd)
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None


def close_inherited_locks() -> None:
    """In a forked process: close the lock descriptors inherited from the parent.

    A lock is freed when every descriptor of it is closed; a forked helper
    that kept one would hold the project locked after its parent died.
    """
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


def _read_holder(fd: int) -> Holder | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return Holder(str(data["command"]), int(data["pid"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _now() -> str:
    return dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
