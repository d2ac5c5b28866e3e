"""The audit service answers a site's process exactly as the index would, and fails closed."""

from __future__ import annotations

import gzip
import multiprocessing
from multiprocessing.connection import Client
from pathlib import Path

import pytest

from coachbook.audit.files import file_digest
from coachbook.audit.index import LeakIndex
from coachbook.audit.needles import Fragments
from coachbook.audit.service import AuditService, RemoteIndex
from coachbook.audit.site_audit import AllowedText, AuditPolicy, audit_site
from coachbook.errors import CoachbookError


def _index() -> LeakIndex:
    return LeakIndex(
        {
            "amara-okafor": Fragments((("amara okafor", "client.name"),), (("board pressure", "notes[0]", "private"),)),
            "leo-brandt": Fragments((("leo brandt", "client.name"),), ()),
        }
    )


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "goals").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Welcome, Leo Brandt</h1><p>Amara Okafor was here</p>", encoding="utf-8")
    (site / "goals" / "index.html").write_text("<p>Board   pressure</p>", encoding="utf-8")
    (site / "theme.js").write_text("var greeting = 'hello';", encoding="utf-8")
    return site


#: Leo's own site: his name is his to show.
POLICY = AuditPolicy("leo-brandt", AllowedText("leo brandt"))


def _audit_in_child(remote: RemoteIndex, site: str, queue: multiprocessing.Queue[object]) -> None:
    try:
        queue.put(audit_site(Path(site), POLICY, remote))
    except CoachbookError as exc:
        queue.put(exc)


def test_a_site_process_gets_the_leaks_the_index_finds(tmp_path: Path) -> None:
    site = _site(tmp_path)
    index = _index()
    with AuditService(index, {}) as service:
        # Asked from another process, as a site's build process does.
        context = multiprocessing.get_context("fork")
        queue: multiprocessing.Queue[object] = context.Queue()
        process = context.Process(target=_audit_in_child, args=(service.remote, str(site), queue))
        process.start()
        answer = queue.get(timeout=30)
        process.join()
        # The site's own strings are found too, and left out as its own.
        found_here = service.remote._ask(
            "search", [("index.html", None, "to amara okafor from leo brandt")], "leo-brandt", True, None
        )
    expected = audit_site(site, POLICY, index)
    assert answer == expected
    assert [str(leak) for leak in expected] == [
        "goals/index.html: contains 'board pressure', which is private text "
        "(engagements/amara-okafor.yml, field notes[0])",
        "index.html: contains 'amara okafor', which identifies another client "
        "(engagements/amara-okafor.yml, field client.name)",
    ]
    assert [leak.needle.owner for leak in found_here] == ["amara-okafor"]


def test_the_service_uses_what_was_already_found_in_shared_assets(tmp_path: Path) -> None:
    site = _site(tmp_path)
    digest = file_digest((site / "theme.js").read_bytes())
    # As if the theme's script had been searched once for the whole build and found to hold a client's name.
    with AuditService(_index(), {("theme.js", digest): frozenset({"amara okafor"})}) as service:
        leaks = audit_site(site, POLICY, service.remote)
    assert "theme.js" in {leak.file for leak in leaks}


def test_a_file_with_a_shared_assets_bytes_under_another_name_is_searched(tmp_path: Path) -> None:
    """A file's text depends on its name too (a `.json` file's strings are read, a `.gz` file inflated)."""
    site = _site(tmp_path)
    # Compressed, the name is no text to a script; a `.gz` file is read inflated.
    hidden = gzip.compress(b"<p>Amara Okafor</p>", mtime=0)
    (site / "theme.js").write_bytes(hidden)
    (site / "page.html.gz").write_bytes(hidden)
    digest = file_digest(hidden)
    with AuditService(_index(), {("theme.js", digest): frozenset()}) as service:
        leaks = audit_site(site, POLICY, service.remote)
    assert [leak.file for leak in leaks if leak.needle and leak.needle.text == "amara okafor"] == [
        "index.html",
        "page.html.gz",
    ]


def test_a_caller_without_the_key_is_refused_and_the_service_goes_on(tmp_path: Path) -> None:
    site = _site(tmp_path)
    with AuditService(_index(), {}) as service:
        with pytest.raises(multiprocessing.AuthenticationError):
            Client(service.remote.address, family="AF_UNIX", authkey=b"a guess")
        assert audit_site(site, POLICY, service.remote)


def test_an_audit_that_cannot_run_is_an_error_never_a_pass(tmp_path: Path) -> None:
    site = _site(tmp_path)
    with AuditService(_index(), {}) as service:
        remote = service.remote
        with pytest.raises(CoachbookError, match="the leak audit could not run: ValueError: unknown audit request"):
            remote._ask("a request it does not know")
    # Once the build is over nobody answers, and asking says so.
    with pytest.raises(CoachbookError, match="the audit service did not answer"):
        audit_site(site, POLICY, remote)


def test_a_shared_asset_checked_once_is_reported_in_every_site_that_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coachbook.audit import site_audit
    from coachbook.audit.files import SiteFile
    from coachbook.audit.leaks import LeakKind

    monkeypatch.setattr(site_audit, "_SHARED", {})
    monkeypatch.setattr(site_audit, "_SHARED_PATHS", set())
    shared = tmp_path / "store" / "theme.css"
    shared.parent.mkdir()
    shared.write_text("body { background: url(https://fonts.example/x.woff) }", encoding="utf-8")
    site_audit.remember_shared_files([SiteFile("assets/theme.css", shared)])
    site = _site(tmp_path)
    (site / "assets").mkdir()
    (site / "assets" / "theme.css").write_bytes(shared.read_bytes())
    (site / "assets" / "own.css").write_text("a { b: url(//cdn.example/y.png) }", encoding="utf-8")
    checked: list[str] = []
    unremembered = site_audit.address_problems

    def counting(files: list[SiteFile], *, origins: bool) -> list[object]:
        checked.extend(file.relative for file in files)
        return unremembered(files, origins=origins)

    monkeypatch.setattr(site_audit, "address_problems", counting)
    leaks = [leak for leak in audit_site(site, POLICY, _index()) if leak.kind is LeakKind.ORIGIN]
    # The remembered file is not read for addresses again, yet its leak is there, under this site's path, in order.
    assert "assets/theme.css" not in checked and "assets/own.css" in checked
    assert [(leak.file, leak.url) for leak in leaks] == [
        ("assets/own.css", "//cdn.example/y.png"),
        ("assets/theme.css", "https://fonts.example/x.woff"),
    ]


def test_the_audit_command_learns_each_file_by_its_name_and_bytes(tmp_path: Path) -> None:
    """`coachbook audit` searches a file it met in another site once; a file of those bytes under another name anew."""
    index = LeakIndex(_index().fragments, known={}, learn=True)
    hidden = gzip.compress(b"<p>Amara Okafor</p>", mtime=0)
    first = _site(tmp_path / "first")
    (first / "theme.js").write_bytes(hidden)
    second = _site(tmp_path / "second")
    (second / "theme.js").write_bytes(hidden)
    (second / "page.html.gz").write_bytes(hidden)
    assert "theme.js" not in {leak.file for leak in audit_site(first, POLICY, index)}
    assert index.known is not None and ("theme.js", file_digest(hidden)) in index.known
    found = {leak.file for leak in audit_site(second, POLICY, index)}
    assert "page.html.gz" in found and "theme.js" not in found
