"""The leak audit as a service: the build's processes ask the one process that holds every client's strings.

Every site is audited against the strings of every other engagement, so the
audit needs data that grows with the firm. If each site's process held a
copy (even a shared, copy-on-write one), each would grow with the firm too.
Instead the process that runs the build keeps the firm's `LeakIndex` and
answers audit requests over a local socket (`AuditService`); a site's process
holds only a `RemoteIndex`. It reads and normalises its own site's files, in
parallel with the other sites' processes, and sends their text in one
request; the service searches it with the firm's automaton (`NeedleFinder`,
one pass over the text whatever the number of strings) and says what leaked,
and whose each string found is.

The socket lives in a private temporary folder and every connection must
prove it knows a random key that only the build's own processes inherited.
Anything that goes wrong on the way is an error in the site's build, which
then fails: a site is never published unaudited.
"""

from __future__ import annotations

import contextlib
import os
import threading
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from types import TracebackType
from typing import TYPE_CHECKING, Any

from coachbook.audit.files import SiteFile
from coachbook.audit.index import LeakIndex
from coachbook.audit.leaks import Leak
from coachbook.errors import CoachbookError

if TYPE_CHECKING:
    from coachbook.audit.site_audit import AuditPolicy

__all__ = ["AuditService", "RemoteIndex"]


@dataclass(frozen=True)
class RemoteIndex:
    """What a site's process holds to audit through the service: its address and key, nothing of any client.

    It is a `NeedleSearch`: `audit_site(site, policy, remote)` audits a site
    as the service's index would. Reading and normalising every file, the part
    of the audit that grows with the site, is done here, in the site's
    process, so the sites' processes do it in parallel; the service searches
    the text and says whose each string found is.
    """

    address: str
    key: bytes
    shared: frozenset[tuple[str, str]] = frozenset()
    """(path in the site, digest) of the theme's assets, which the service has already searched: not searched
    again here. A file's text depends on its name as well as its bytes (`file_text`), so both must match."""

    def search(self, files: Sequence[SiteFile], policy: AuditPolicy) -> list[Leak]:
        """`LeakIndex.search` on the service's index, for files on this machine."""
        # Only a file at the path of a shared one may be one: the others' digests are not worth making.
        paths = {relative for relative, _ in self.shared}
        texts = [
            (file.relative, file.digest, None)
            if file.relative in paths and (file.relative, file.digest) in self.shared
            else (file.relative, None, file.text)
            for file in files
        ]
        leaks: list[Leak] = self._ask("search", texts, policy.owner, policy.owner_held_back, policy.only)
        return leaks

    def _ask(self, *request: Any) -> Any:
        try:
            with Client(self.address, family="AF_UNIX", authkey=self.key) as connection:
                connection.send(request)
                ok, answer = connection.recv()
        except (OSError, EOFError, AuthenticationError) as exc:
            raise CoachbookError(f"the leak audit could not run: the audit service did not answer ({exc})") from None
        if not ok:
            raise CoachbookError(f"the leak audit could not run: {answer}")
        return answer


class AuditService:
    """Answers the build processes' audit requests from `index`, in a thread of this process, until closed.

    Requests are answered one at a time, each on a connection of its own, so
    a site's process waiting for its answer never holds up the service.
    """

    def __init__(self, index: LeakIndex, known: Mapping[tuple[str, str], frozenset[str]]) -> None:
        """Start answering at once, in a thread; `remote` is what the build processes need to ask.

        Arguments:
            index: Every engagement's audit strings.
            known: Needles already found in the theme's assets, by (path in a site, digest)
                (`LeakIndex.found_in_files`).
        """
        self._index = index
        self._known = known
        key = os.urandom(32)
        # With no address, the socket goes in a folder of this process's own, readable by its user only.
        self._listener = Listener(family="AF_UNIX", authkey=key)
        self.remote = RemoteIndex(str(self._listener.address), key, frozenset(known))
        self._thread = threading.Thread(target=self._serve, name="coachbook-audit-service", daemon=True)
        self._thread.start()

    def __enter__(self) -> AuditService:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        # A blocked accept() is not woken by closing the socket under it; a last request to stop is.
        if self._thread.is_alive():
            with Client(self.remote.address, family="AF_UNIX", authkey=self.remote.key) as connection:
                connection.send(("stop",))
            self._thread.join()
        self._listener.close()

    def _serve(self) -> None:
        while True:
            try:
                connection = self._listener.accept()
            except (OSError, EOFError, AuthenticationError):
                # A caller that went away mid-handshake, or did not know the key: not ours to answer.
                continue
            with connection:
                if not self._answer(connection):
                    return

    def _answer(self, connection: Connection) -> bool:
        """Answer one request; False when it was the request to stop."""
        try:
            request = connection.recv()
        except Exception:  # Gone, or not a request of ours: nothing to answer.
            return True
        if request[0] == "stop":
            return False
        try:
            answer: tuple[bool, Any] = (True, self._handle(request))
        except Exception as exc:
            answer = (False, "".join(traceback.format_exception_only(exc)).strip())
        # The site's process may be gone; its build has failed anyway.
        with contextlib.suppress(OSError):
            connection.send(answer)
        return True

    def _handle(self, request: tuple[Any, ...]) -> list[Any]:
        kind, *args = request
        if kind == "search":
            files, owner, owner_held_back, only = args
            finder = self._index.finder
            leaks = []
            for relative, digest, text in files:
                # A theme asset's needles were found before the first site (`LeakIndex.found_in_files`).
                needles = self._known.get((relative, digest), frozenset()) if text is None else finder.found(text)
                if only is not None:
                    needles = needles & only
                leaks += self._index.leaks_in(needles, relative, owner, owner_held_back=owner_held_back)
            return leaks
        raise ValueError(f"unknown audit request {kind!r}")
