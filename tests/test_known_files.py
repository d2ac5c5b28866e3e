"""What a site's audit knows before it reads a file, and must never know wrongly.

A site's copy of a theme asset is a hardlink to the asset store's file, whose digest the fork server
learned once (`learn_digest`); the audit's tag reading starts with the tags of the stored page shapes
(`learn_tags`); each address's kind is worked out once (`origins._kind`). Each is a cache: these tests
hold every one of them to the answer of reading the file, the page or the address afresh.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coachbook.audit import files as site_files
from coachbook.audit import normalise, origins
from coachbook.audit.files import SiteFile, file_digest, learn_digest, walk_site
from coachbook.build.asset_store import fill_store

#: A modification time well in the past: a file last changed then has settled.
LONG_AGO = 1_600_000_000_000_000_000


@pytest.fixture(autouse=True)
def no_known_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_files, "_KNOWN_DIGESTS", {})


def settled(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(LONG_AGO, LONG_AGO))
    return path


def walked(site: Path) -> dict[str, SiteFile]:
    files, links = walk_site(site)
    assert links == []
    return {file.relative: file for file in files}


def test_a_hardlink_to_a_learned_file_is_known_without_being_read(tmp_path: Path) -> None:
    stored = settled(tmp_path / "store" / "bundle.js", "console.log('theme')")
    assert learn_digest(stored) == file_digest(stored.read_bytes())
    (tmp_path / "site" / "assets").mkdir(parents=True)
    (tmp_path / "site" / "assets" / "bundle.js").hardlink_to(stored)
    file = walked(tmp_path / "site")["assets/bundle.js"]
    assert file.digest == file_digest(stored.read_bytes())
    assert "raw" not in file.__dict__  # Known from where its bytes are, not read.


def test_a_write_through_the_link_makes_the_file_read_again(tmp_path: Path) -> None:
    """A plugin that writes into a linked asset writes the stored file: the audit must read what it wrote."""
    stored = settled(tmp_path / "store" / "extra.css", "body { color: red }")
    learn_digest(stored)
    site = tmp_path / "site"
    site.mkdir()
    (site / "extra.css").hardlink_to(stored)
    # The same length, so only the modification time tells.
    (site / "extra.css").write_text("body { color: Dan }", encoding="utf-8")
    file = walked(site)["extra.css"]
    assert file.digest == file_digest(b"body { color: Dan }")
    assert "raw" in file.__dict__


def test_a_file_changed_a_moment_ago_or_a_copy_is_read(tmp_path: Path) -> None:
    fresh = tmp_path / "store" / "fresh.js"
    fresh.parent.mkdir()
    fresh.write_text("just written", encoding="utf-8")
    # Its digest, but not remembered: a write within the same tick of the clock could leave its time as it was.
    assert learn_digest(fresh) == file_digest(b"just written")
    stored = settled(tmp_path / "store" / "old.js", "written long ago")
    learn_digest(stored)
    site = tmp_path / "site"
    site.mkdir()
    (site / "fresh.js").hardlink_to(fresh)
    (site / "old.js").write_bytes(stored.read_bytes())
    os.utime(site / "old.js", ns=(LONG_AGO, LONG_AGO))  # The same bytes and time, another file.
    for file in walked(site).values():
        assert file.digest == file_digest(file.path.read_bytes())
        assert "raw" in file.__dict__
    assert learn_digest(tmp_path / "store" / "missing.js") is None


def test_the_store_keeps_its_sources_times_so_its_files_are_known_at_once(tmp_path: Path) -> None:
    source = settled(tmp_path / "theme" / "main.css", "body { margin: 0 }")
    digest = file_digest(source.read_bytes())
    store = fill_store(tmp_path / "store", [source], {"assets/main.css": digest})
    assert store is not None
    stored = store / f"{digest}.css"
    assert stored.read_bytes() == source.read_bytes()
    assert stored.stat().st_mtime_ns == LONG_AGO
    assert site_files._KNOWN_DIGESTS[stored.stat().st_dev, stored.stat().st_ino][2] == digest
    # A damaged stored copy is replaced, and the replacement is what is known.
    stored.write_text("damaged", encoding="utf-8")
    fill_store(tmp_path / "store", [source], {"assets/main.css": digest})
    assert stored.read_bytes() == source.read_bytes()
    known = site_files._KNOWN_DIGESTS[stored.stat().st_dev, stored.stat().st_ino]
    assert known == (stored.stat().st_size, stored.stat().st_mtime_ns, digest)


def test_the_walk_finds_what_a_recursive_glob_finds_in_the_same_order(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for name in ("a/x.html", "a/b/y.txt", ".hidden/.z", "A/q", "a.b", "a b", "a-b/c"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(name, encoding="utf-8")
    (site / "a" / "etc").symlink_to("/etc")
    (site / "passwd").symlink_to("/etc/passwd")
    (site / "broken").symlink_to(tmp_path / "nowhere")
    os.mkfifo(site / "fifo")
    files, links = walk_site(site)
    expected = sorted(p for p in site.rglob("*") if p.is_file() or p.is_symlink())
    assert [f.relative for f in files] + [leak.file for leak in links] == [
        *(p.relative_to(site).as_posix() for p in expected if not p.is_symlink()),
        *(p.relative_to(site).as_posix() for p in expected if p.is_symlink()),
    ]
    assert {leak.file for leak in links} == {"a/etc", "passwd", "broken"}
    assert all(f.path == site / f.relative for f in files)
    assert walk_site(tmp_path / "no-site") == ([], [])


PAGE = (
    '<!doctype html><html><head><title>Stage 1</title><meta name="description" content="Ｃontracting"></head>'
    '<body><nav class="md-nav"><a href="../" class="md-nav__link" title="Dana&nbsp;Whitfield">Home</a></nav>'
    '<p>Dana<span class="x"></span>Whitfield agreed the <em>terms</em>—with Kwame.</p></body></html>'
)


def test_tags_learned_ahead_read_a_page_as_tags_met_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normalise, "_KNOWN", normalise._KnownTags())
    cold = normalise.normalise(PAGE)
    monkeypatch.setattr(normalise, "_KNOWN", normalise._KnownTags())
    # A shape of the page, its values still tokens: its tags are learned, the page's own are met later.
    normalise.learn_tags(PAGE.replace("Whitfield", "CBV0001Z").replace("Kwame", "CBV0002Z"))
    assert '<a href="../" class="md-nav__link" title="Dana&nbsp;CBV0001Z">' in normalise._KNOWN.marks
    assert '<span class="x">' in normalise._KNOWN.marks
    before = set(normalise._KNOWN.marks)
    assert normalise.normalise(PAGE) == cold
    # Only the one tag with a value in it was new.
    assert set(normalise._KNOWN.marks) - before == {'<a href="../" class="md-nav__link" title="Dana&nbsp;Whitfield">'}
    # Markup holding the stand-ins `normalise` uses is read the long way: nothing is learned from it.
    before = dict(normalise._KNOWN.marks)
    normalise.learn_tags("<b>\x01</b><i>x</i>")
    assert normalise._KNOWN.marks == before


def test_every_page_of_a_built_site_reads_the_same_after_learning_the_stored_shapes(
    built_firm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coachbook.build import prewarm
    from coachbook.build.mkdocs_patches import CONVERSIONS, RENDERS, ConversionStore

    pages = sorted((built_firm / "site" / "clients" / "dana-whitfield").rglob("*.html"))
    monkeypatch.setattr(normalise, "_KNOWN", normalise._KnownTags())
    cold = [normalise.file_text(p.name, p.read_bytes()) for p in pages]
    monkeypatch.setattr(normalise, "_KNOWN", normalise._KnownTags())
    folder = built_firm / ".coachbook" / CONVERSIONS
    stores = tuple(ConversionStore(f, {"test": 1}) for f in (folder, folder / RENDERS))
    warm = prewarm.Warm(config=None, stores=stores)  # type: ignore[arg-type]
    assert prewarm.refresh(warm) > 0
    assert len(normalise._KNOWN.marks) > 100
    assert [normalise.file_text(p.name, p.read_bytes()) for p in pages] == cold


def test_an_address_kind_is_worked_out_once_and_the_memory_stays_small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(origins, "_KINDS", {})
    monkeypatch.setattr(origins, "_MAX_KINDS", 3)
    for url in (" https://a.example/", "//b.example", "../x", "java\tscript:alert(1)", "data:,x", "../x"):
        assert origins._kind(url) == origins.url_kind(url)
        assert len(origins._KINDS) <= 3


def test_the_digest_of_a_file_read_while_it_changed_is_not_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = settled(tmp_path / "store" / "a.js", "one")
    real_read = Path.read_bytes

    def changing(self: Path) -> bytes:
        raw = real_read(self)
        # A write between the first look and the second, by something that then set the time back, near enough.
        self.write_text("two", encoding="utf-8")
        os.utime(self, ns=(LONG_AGO, LONG_AGO + 1))
        return raw

    monkeypatch.setattr(Path, "read_bytes", changing)
    assert learn_digest(stored) == file_digest(b"one")
    monkeypatch.setattr(Path, "read_bytes", real_read)
    assert site_files._KNOWN_DIGESTS == {}


def test_a_programs_strings_are_worked_out_once_and_are_what_its_dump_holds() -> None:
    from coachbook.audit import needles
    from coachbook.audit.normalise import strings
    from coachbook.core.loader import Project, load_firm

    root = Path(__file__).parents[1]
    firm = load_firm(Project(root, root / "content", root / "engagements"))
    (program, *_) = firm.programs
    needles._PROGRAM_STRINGS.clear()
    text = needles.program_strings(program)
    assert text == strings(program.model_dump(mode="json")) and "Contracting" in text
    assert needles.program_strings(program) is text
    # Another program, even one equal to it, is its own entry: the memory goes by the object.
    copy = program.model_copy(update={"title": "Another programme"})
    assert "Another programme" in needles.program_strings(copy)
    assert needles.program_strings(program) is text
    expected = " ".join([strings(program.model_dump(mode="json")), "Also here"])
    assert needles.allowed_text(firm, None, also=["Also here"]) == normalise.normalise(expected)
