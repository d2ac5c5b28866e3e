"""Files and folders changed so that a reader, or a crash, never sees half of one.

Every file the tool writes goes to a temporary name in the same folder, is
flushed to disk, and is renamed over the old one: the way git writes its
index. A folder that readers use (a client's site, `latest/`) is replaced by
swapping two folders in one step (`renameat2` with `RENAME_EXCHANGE` on
Linux), so its address never stops answering; where the system cannot swap,
it is renamed aside and replaced, and the gap is two renames long. A kill at
any instant leaves the old file or folder, or the new one.

Every change goes through this module, which counts them. A test can make
the Nth change fail or kill the process (`COACHBOOK_FAULT_INJECTION`, see
`FaultPlan`), to show that every step leaves the tree consistent.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FAULT_ENV",
    "FaultPlan",
    "copy_tree",
    "describe_os_error",
    "exchange_dirs",
    "list_tree",
    "remove_tree",
    "rename",
    "replace_dir",
    "write_atomic",
    "write_bytes_atomic",
]

#: Tests set this to make one filesystem change of a process fail or kill it, such as `kill@7` or `enospc@3:write`.
FAULT_ENV = "COACHBOOK_FAULT_INJECTION"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True)
class FaultPlan:
    """What `COACHBOOK_FAULT_INJECTION` asks for: `ACTION@STEP[+][:KIND[:PATH]]`.

    At the `step`-th change (counting only changes of `kind`, and to paths
    containing `path`, when given) of the process, `action` happens: `kill`
    (SIGKILL, as a cancelled CI runner or the out-of-memory killer would), or
    an errno name such as `enospc` (a full disk), `erofs` or `eio`, raised as
    the `OSError` the system would raise. With `+`, every matching change from
    that one on fails too. Examples: `kill@7`, `enospc@3:write`,
    `erofs@1+:write:.coachbook/builds`.
    """

    action: str
    step: int
    onwards: bool = False
    kind: str | None = None
    path: str | None = None

    @classmethod
    def from_env(cls, value: str | None) -> FaultPlan | None:
        if not value:
            return None
        what, _, where = value.partition("@")
        step, _, rest = where.partition(":")
        kind, _, path = rest.partition(":")
        try:
            return cls(what.strip().lower(), int(step.rstrip("+")), step.endswith("+"), kind or None, path or None)
        except ValueError:
            return None

    def matches(self, kind: str, path: Path | str) -> bool:
        return (self.kind is None or self.kind == kind) and (self.path is None or self.path in str(path))


_count = [0]


def _step(kind: str, path: Path | str) -> None:
    """Count one change of the filesystem; fail or die here if the fault plan says so."""
    plan = FaultPlan.from_env(os.environ.get(FAULT_ENV))
    if plan is None or not plan.matches(kind, path):
        return
    _count[0] += 1
    if _count[0] != plan.step and not (plan.onwards and _count[0] > plan.step):
        return
    if plan.action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    code = getattr(errno, plan.action.upper(), errno.EIO)
    raise OSError(code, os.strerror(code), str(path))


def describe_os_error(exc: OSError) -> str:
    """An `OSError` as a person can act on it: what happened, to which file."""
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"the disk is full{where}; free some space and run the command again"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"a folder cannot be written{where}: {exc.strerror}; check its permissions"
    return f"{exc.strerror or exc}{where}"


#: A path's parts below the folder listed, and its `lstat` (None for a symbolic link).
Listed = list[tuple[tuple[str, ...], os.stat_result | None]]


def list_tree(folder: Path) -> Listed:
    """Every regular file under `folder` with its `lstat`, and every symbolic link with None, by path.

    Each entry is the path's parts below `folder`, in the order `Path` sorts paths; a symbolic link is
    never followed, and a folder that cannot be listed is passed over, as `Path.rglob` passes it over.
    One `lstat` per entry (`os.scandir`), where `rglob` then `is_file` and `is_symlink` take three.
    """
    found: Listed = []
    _list_folder(str(folder), (), found)
    found.sort(key=lambda item: item[0])
    return found


def _list_folder(folder: str, parts: tuple[str, ...], found: Listed) -> None:
    try:
        entries = list(os.scandir(folder))
    except (PermissionError, FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        try:
            # A folder is known from the listing's own entry type (no system call where the filesystem gives it).
            if entry.is_dir(follow_symlinks=False):
                _list_folder(entry.path, (*parts, entry.name), found)
                continue
            status = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # Gone since the folder was listed.
        if stat.S_ISLNK(status.st_mode):
            found.append(((*parts, entry.name), None))
        elif stat.S_ISDIR(status.st_mode):
            _list_folder(entry.path, (*parts, entry.name), found)
        elif stat.S_ISREG(status.st_mode):
            found.append(((*parts, entry.name), status))


def write_atomic(path: Path, text: str, *, mode: int = 0o644, durable: bool = True) -> None:
    """Replace `path` with `text` (UTF-8) in one step: a reader sees the old file or the new one, never a mix."""
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode, durable=durable)


def write_bytes_atomic(path: Path, data: bytes, *, mode: int = 0o644, durable: bool = True) -> None:
    """Replace `path` with `data` in one step, flushed to disk before the rename.

    On any failure (a full disk, a read-only folder) the temporary file is
    removed and the old file stays as it was. `durable=False` skips the flush
    to disk, for a file whose loss in a power cut only costs time (a site's
    mark: a missing or empty one means "build again"); a kill of the process
    never loses a written file either way.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            _step("write", path)
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.chmod(temp, mode)
        _step("rename", path)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if durable:
        _sync_folder(path.parent)


def rename(source: Path, target: Path) -> None:
    """Move `source` to `target` (which must not exist if it is a folder) in one step."""
    _step("rename", target)
    os.rename(source, target)


def exchange_dirs(first: Path, second: Path) -> bool:
    """Swap two existing folders in one step; False where the system cannot (the caller then falls back)."""
    libc = _libc()
    if libc is None:
        return False
    _step("exchange", second)
    result = libc.renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def replace_dir(staged: Path, target: Path, *, trash: Path) -> None:
    """Put the finished folder `staged` at `target`, replacing what was there, without a moment of absence.

    The previous folder ends up inside `trash` (a staging area), to be deleted
    by the caller or by the next run's clean-up; a kill never leaves it, or a
    half-deleted copy of it, at `target`.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        rename(staged, target)
        return
    if exchange_dirs(staged, target):
        # `staged` now holds the previous folder.
        remove_tree(staged, trash=trash)
        return
    retired = trash / f"{target.name}.{os.getpid()}.retired"
    trash.mkdir(parents=True, exist_ok=True)
    rename(target, retired)
    try:
        rename(staged, target)
    except OSError:
        rename(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def remove_tree(path: Path, *, trash: Path | None = None) -> None:
    """Delete a folder; with `trash`, first move it there in one step, so it never stands half-deleted."""
    if not path.exists() and not path.is_symlink():
        return
    if trash is not None and path.parent != trash:
        trash.mkdir(parents=True, exist_ok=True)
        doomed = trash / f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}.removed"
        rename(path, doomed)
        path = doomed
    _step("remove", path)
    shutil.rmtree(path, ignore_errors=True)


def copy_tree(source: Path, target: Path) -> None:
    """Copy a folder of files into the new folder `target`, counting each file as a change (for fault injection).

    The first error (a full disk) is raised as it is, not gathered up as `shutil.copytree` does, so the
    caller can say what went wrong. A symbolic link is never copied: published trees hold none.
    """
    target.mkdir()
    for entry in sorted(source.iterdir()):
        destination = target / entry.name
        if entry.is_symlink():
            raise OSError(errno.ELOOP, "a symbolic link in a site", str(entry))
        if entry.is_dir():
            copy_tree(entry, destination)
        else:
            _step("write", destination)
            shutil.copy2(entry, destination)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk, so a rename survives a power cut (where the system allows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_LIBC: list[ctypes.CDLL | None] = []


def _libc() -> ctypes.CDLL | None:
    if not _LIBC:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            _LIBC.append(libc)
        except (OSError, AttributeError):
            _LIBC.append(None)
    return _LIBC[0]


def call_with_faults(kind: str, path: Path, action: Callable[[], None]) -> None:
    """Run `action`, one counted change of `kind` to `path` (for changes made outside this module)."""
    _step(kind, path)
    action()
