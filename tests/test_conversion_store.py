"""Pages converted in one site's process are kept on disk for the others, and for the next build.

`coachbook.build.mkdocs_patches.ConversionStore` keeps a page's conversion by
its exact Markdown (values are tokens there), location and settings, and the
tools' versions. What must hold: a site built from stored conversions is byte
for byte the site a plain `mkdocs build` makes; a change to any input the
conversion depends on misses the store; a damaged entry is converted again;
`--force` converts every page again; and `coachbook forget` removes the store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mkdocs.structure.toc import get_toc

from coachbook.build.mkdocs_patches import CONVERSIONS, ConversionStore, _Converted

from .conftest import AS_OF, copy_firm, run_coachbook
from .test_fast_build import files_of, plain_build


def _entries(firm: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in (firm / ".coachbook" / CONVERSIONS).glob("*/*.json")}


@pytest.mark.slow
def test_a_rebuild_takes_every_page_from_the_store_and_matches_plain_mkdocs(tmp_path: Path) -> None:
    firm = copy_firm(tmp_path / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    first = _entries(firm)
    assert len(first) > 20
    # Private: they hold the shape of clients' pages.
    assert all(path.stat().st_mode & 0o077 == 0 for path in first)

    # A change to the theme rebuilds every site, and leaves every page's Markdown as it was.
    _touch_theme(firm)
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    second = _entries(firm)
    # Nothing was converted again (no new entry), and what was used was marked used.
    assert set(second) == set(first)
    assert sum(second[path] > first[path] for path in first) > len(first) // 2

    for slug in ("dana-whitfield", "kwame-asante"):
        slow = plain_build(firm, slug, tmp_path / f"plain-{slug}")
        fast = files_of(firm / "site" / "clients" / slug)
        assert sorted(fast) == sorted(slow)
        assert [name for name in fast if fast[name] != slow[name]] == []


@pytest.mark.slow
def test_damaged_entries_are_converted_again(tmp_path: Path) -> None:
    firm = copy_firm(tmp_path / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    before = files_of(firm / "site" / "clients" / "dana-whitfield")
    entries = _entries(firm)
    for number, path in enumerate(entries):
        path.write_text(["", "{", '{"content": 3}', "[]"][number % 4], encoding="utf-8")
    _touch_theme(firm)
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert files_of(firm / "site" / "clients" / "dana-whitfield") == before
    # Each damaged entry was replaced by a good one.
    store = ConversionStore(firm / ".coachbook" / CONVERSIONS, None)
    assert all(store.load(path.stem) is not None for path in entries)


@pytest.mark.slow
def test_force_converts_every_page_again(tmp_path: Path) -> None:
    """`--force` is the way out when a conversion is stale in a way no key sees (a firm's own Markdown extension)."""
    firm = copy_firm(tmp_path / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    page = firm / "site" / "clients" / "dana-whitfield" / "goals" / "index.html"
    store = ConversionStore(firm / ".coachbook" / CONVERSIONS, None)
    stale = 0
    for path in _entries(firm):
        data = json.loads(path.read_text(encoding="utf-8"))
        if '<h1 id="your-goals">' in data["content"]:
            data["content"] = data["content"].replace("<h1 ", "<h1 data-stale ", 1)
            path.write_text(json.dumps(data), encoding="utf-8")
            stale += 1
    assert stale and all(store.load(path.stem) is not None for path in _entries(firm))
    _touch_theme(firm)
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert "data-stale" in page.read_text(encoding="utf-8")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--force", check=True)
    assert "data-stale" not in page.read_text(encoding="utf-8")
    # And the store now holds the fresh conversion.
    assert not any("data-stale" in path.read_text(encoding="utf-8") for path in _entries(firm))


def _touch_theme(firm: Path) -> None:
    main = firm / "theme" / "main.html"
    main.write_text(main.read_text(encoding="utf-8") + "{#- rebuilt -#}\n", encoding="utf-8")


def _conversion(content: str = "<h1 id='a'>A</h1>") -> _Converted:
    toc = get_toc(
        [{"level": 1, "id": "a", "name": "A", "children": [{"level": 2, "id": "b", "name": "B", "children": []}]}]
    )
    return _Converted(
        content=content,
        toc=toc,
        title="A",
        anchors=frozenset({"a", "b"}),
        links={"goals.md": {"goal-x": "x"}},
        lookups=(("goals.md", "goals/", False), ("missing.md", None, None)),
        records=(("mkdocs.structure.pages", 30, "a warning"),),
    )


def _page_key(
    markdown: str = "# A", uri: str = "goals.md", settings: str = "toc", function: object = None
) -> tuple[object, ...]:
    # The shape of `mkdocs_patches._key`; settings hold functions, whose addresses differ between processes.
    index = function if function is not None else _twemoji("material.extensions.emoji")
    return (markdown, uri, uri.removesuffix(".md") + "/", False, "/docs", {"toc": settings, "index": index})


def test_a_stored_conversion_reads_back_as_it_was(tmp_path: Path) -> None:
    store = ConversionStore(tmp_path / "store", {"markdown": "3.7"})
    key = store.key(_page_key())
    assert store.load(key) is None
    store.save(key, _conversion())
    kept = store.load(key)
    assert kept is not None
    original = _conversion()
    assert (kept.content, kept.title, kept.anchors, kept.links, kept.lookups, kept.records) == (
        original.content,
        original.title,
        original.anchors,
        original.links,
        original.lookups,
        original.records,
    )
    assert [(a.title, a.id, a.level, [c.id for c in a.children]) for a in kept.toc] == [("A", "a", 1, ["b"])]
    # The theme marks the first entry active; that comes back too.
    assert getattr(next(iter(kept.toc)), "active", False) is True


def test_every_input_of_a_conversion_is_in_its_key(tmp_path: Path) -> None:
    store = ConversionStore(tmp_path / "store", {"markdown": "3.7", "coachbook-files": "abc"})
    base = store.key(_page_key())
    # The same in another process (a function's address is left out) and in another store object.
    assert ConversionStore(tmp_path / "other", {"coachbook-files": "abc", "markdown": "3.7"}).key(_page_key()) == base
    changed = {
        "markdown": store.key(_page_key(markdown="# B")),
        "location": store.key(_page_key(uri="sessions.md")),
        "settings": store.key(_page_key(settings="toc permalink")),
        # A function of the same name from another module (an emoji index the firm wrote itself).
        "a function in the settings": store.key(_page_key(function=_twemoji("firm_extensions"))),
        "tool version": ConversionStore(tmp_path / "store", {"markdown": "3.8", "coachbook-files": "abc"}).key(
            _page_key()
        ),
        "coachbook's own files": ConversionStore(tmp_path / "store", {"markdown": "3.7", "coachbook-files": "abd"}).key(
            _page_key()
        ),
    }
    assert all(key != base for key in changed.values()), changed
    assert len(set(changed.values())) == len(changed)


def test_pruning_keeps_what_was_used(tmp_path: Path) -> None:
    store = ConversionStore(tmp_path / "store", None)
    keys = [store.key(_page_key(markdown=f"# {n}")) for n in range(6)]
    for number, key in enumerate(keys):
        store.save(key, _conversion())
        path = store.folder / key[:2] / f"{key}.json"
        os.utime(path, (1_000 + number, 1_000 + number))
    assert store.prune(older_than=0, keep_at_most=4) == 2
    assert [store.load(key) is not None for key in keys[2:]] == [True] * 4
    # Loading marks an entry used: everything loaded just now is newer than this.
    assert store.prune(older_than=2_000) == 0
    assert store.prune(older_than=10**12) == 4


def test_forget_removes_the_store(firm: Path) -> None:
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "dana-whitfield", check=True)
    assert _entries(firm)
    done = run_coachbook(firm, "forget", "dana-whitfield", "--yes", check=True)
    assert "converted pages" in done.stdout
    assert not (firm / ".coachbook" / CONVERSIONS).exists()


def test_only_what_the_converting_thread_logs_is_kept_for_replay() -> None:
    """A live preview's server thread logs while a page converts; that is not the page's, and is not replayed."""
    import logging
    import threading

    from coachbook.build.mkdocs_patches import _captured

    shown: list[str] = []

    class _Shown(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            shown.append(record.getMessage())

    logger = logging.getLogger("mkdocs")
    handler = _Shown(level=logging.INFO)
    logger.addHandler(handler)
    try:
        with _captured() as records:
            logging.getLogger("mkdocs.structure.pages").warning("a link in this page is broken")
            other = threading.Thread(target=lambda: logging.getLogger("mkdocs.livereload").warning("Browser connected"))
            other.start()
            other.join()
    finally:
        logger.removeHandler(handler)
    assert [message for _, _, message in records] == ["a link in this page is broken"]
    assert shown == ["Browser connected"]


def _twemoji(module: str) -> object:
    """A function named `twemoji` from `module`: each call a new one, at another address."""

    def twemoji() -> None:
        return None

    twemoji.__qualname__ = "twemoji"
    twemoji.__module__ = module
    return twemoji


def test_entries_read_ahead_are_what_their_files_held_and_new_ones_are_read_from_disk(tmp_path: Path) -> None:
    store = ConversionStore(tmp_path / "store", {"markdown": "3.7"})
    first, second = store.key(_page_key()), store.key(_page_key(markdown="# B"))
    store.save_data(first, {"output": "one"})
    # A file the store did not write (a temporary one, a folder of renders) is not an entry.
    (tmp_path / "store" / first[:2] / f".{first}.json.x.tmp").write_text("{}", encoding="utf-8")
    (tmp_path / "store" / "renders").mkdir()
    assert store.preload() == 1
    assert store.preload() == 0  # Only what was written since.
    # Taken from memory now: the file is no longer read (its data is the file's).
    (tmp_path / "store" / first[:2] / f"{first}.json").write_text("damaged", encoding="utf-8")
    assert store.load_data(first) == {"output": "one"}
    # Written after the read ahead: read from its file, as before.
    store.save_data(second, {"output": "two"})
    assert store.load_data(second) == {"output": "two"}
    assert store.preload() == 1
    # A store that is not read (`--force`) reads nothing ahead either.
    unread = ConversionStore(tmp_path / "store", {"markdown": "3.7"}, read=False)
    assert unread.preload() == 0
    assert unread.load_data(second) is None


def test_the_fork_server_reads_the_stores_ahead_at_most_every_refresh_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coachbook.build import prewarm

    store = ConversionStore(tmp_path / "store", {"markdown": "3.7"})
    warm = prewarm.Warm(config=None, stores=(store,))  # type: ignore[arg-type]
    clock = [100.0]
    monkeypatch.setattr(prewarm.time, "monotonic", lambda: clock[0])
    store.save_data(store.key(_page_key()), {"output": "one"})
    assert prewarm.refresh(warm) == 1
    store.save_data(store.key(_page_key(markdown="# B")), {"output": "two"})
    clock[0] += prewarm.REFRESH_SECONDS / 2
    assert prewarm.refresh(warm) == 0
    clock[0] += prewarm.REFRESH_SECONDS
    assert prewarm.refresh(warm) == 1
