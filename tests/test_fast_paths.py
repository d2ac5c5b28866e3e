"""Shortcuts taken for speed give exactly what the long way gives.

Each shortcut here skips work the long way does (a scan, a formatting call,
a regular expression compiled per section, a deep copy); each test compares
the two on many inputs, including the ones the shortcut has to leave to the
long way.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re
import shutil
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from mkdocs.structure.toc import AnchorLink, TableOfContents

from coachbook.adapter import embedded as embedded_module
from coachbook.adapter.embedded import _ID_OR_FRAGMENT
from coachbook.audit import normalise as normalise_module
from coachbook.audit import site_audit
from coachbook.audit.files import SiteFile
from coachbook.audit.needles import Needle
from coachbook.audit.normalise import _fold, normalise
from coachbook.build.mkdocs_patches import _copied_toc
from coachbook.core.i18n import load_language
from coachbook.render.plan import Embedded
from coachbook.render.tokens import Slots, _has_letters, right_to_left

from .conftest import REPO

# ------------------------------------------------------------------ values' direction


@pytest.mark.parametrize(
    "text",
    ["", "2026-12-01", "Dana Whitfield", "12 345", "x", "!?", "Zoë", "دانة", "שלום", "(eNPS) مؤشر", "²", "Ⅻ", "ß"],
)
def test_direction_checks_agree_with_the_character_by_character_scan(text: str) -> None:
    assert right_to_left(text) == any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)
    assert _has_letters(text) == any(ch.isalpha() for ch in text)


def test_direction_checks_agree_on_every_ascii_character_and_random_text() -> None:
    rng = random.Random(7)
    samples = [chr(c) for c in range(128)]
    samples += ["".join(chr(rng.randrange(0x20, 0x700)) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    for text in samples:
        assert right_to_left(text) == any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text), text
        assert _has_letters(text) == any(ch.isalpha() for ch in text), text


# ------------------------------------------------------------------ dates and numbers written once


@pytest.mark.parametrize("tag", ["en", "de", "fr", "ar", "pt-BR"])
def test_remembered_dates_and_numbers_are_babels(tag: str) -> None:
    language = load_language(tag)
    values: list[float | int | str | Decimal] = [0, 7, 1234567, 2.5, 2.50, "2.50", Decimal("2.50"), -3, 1e-7, "n/a"]
    for _ in range(2):  # The second time they come from memory.
        for value in values:
            exact = value if isinstance(value, Decimal) else Decimal(str(value)) if value != "n/a" else None
            if exact is None:
                assert language.number(value) == "n/a"
                continue
            if exact == exact.to_integral_value() and not isinstance(value, str):
                exact = exact.quantize(Decimal(1))
            assert language.number(value) == format_decimal(exact, locale=language.locale, decimal_quantization=False)
        for day in (dt.date(2026, 12, 1), dt.date(1999, 2, 28)):
            assert language.date(day) == format_date(day, format="long", locale=language.locale)
            assert language.short_date(day) == format_date(day, format="medium", locale=language.locale)
            assert language.day_month(day) == format_skeleton("MMMd", day, locale=language.locale)
            assert language.month_year(day) == format_skeleton("yMMM", day, locale=language.locale)
            assert language.month(day) == format_skeleton("yMMMM", day, locale=language.locale)


def test_numbers_of_different_types_are_remembered_apart() -> None:
    """What is written depends on the value's type as well as its text (`True` is not `1`): both are the key."""
    language, fresh = load_language("en"), load_language("en")
    values: list[float | int | str | Decimal] = [2.5, "2.50", Decimal("2.50"), 1, True, 1.0, "1", 1, True, 2.5]
    assert [language.number(v) for v in values] == [fresh._number(v) for v in values]
    assert language.number(True) != language.number(1)


# ------------------------------------------------------------------ a section's heading ids


def _by_compiled_pattern(html: str, mine: set[str], prefix: str) -> str:
    """The old way: a pattern of the section's own anchors, compiled for each section."""
    pattern = re.compile(
        r"""(\bid=["']|href=["']#)("""
        + "|".join(re.escape(a) for a in sorted(mine, key=len, reverse=True))
        + r""")(["'])"""
    )
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}{m.group(3)}", html)


def _by_one_pattern(html: str, mine: set[str], prefix: str) -> str:
    return _ID_OR_FRAGMENT.sub(lambda m: m.group(1) + prefix if m.group(2) in mine else m.group(1), html)


def test_one_pattern_renames_the_same_ids_as_a_pattern_of_the_anchors() -> None:
    rng = random.Random(3)
    pieces = ['id="', "id='", 'href="#', "href='#", '"', "'", "a", "b", "-", " ", "x", "#", "<", ">", "ab", "xid="]
    compared = 0
    for _ in range(30000):
        html = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        # Anchors with a quote or `=` are left to the compiled pattern (`_prefix_headings`).
        mine = {"".join(rng.choice("ab-x#<> ") for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 3))}
        assert _by_one_pattern(html, mine, "s2-") == _by_compiled_pattern(html, mine, "s2-"), (html, mine)
        compared += _by_compiled_pattern(html, mine, "s2-") != html
    assert compared > 1000, "almost nothing was renamed: the comparison compares nothing"


def test_a_real_section_is_renamed_the_same_either_way() -> None:
    html = (
        '<h2 id="what-happens">What happens</h2><p><a href="#what-happens">back</a> '
        '<a href="#other">other</a></p><h3 id="what-happens-1">Again</h3><p id=\'notes\'>n</p>'
    )
    mine = {"what-happens", "what-happens-1", "notes"}
    assert _by_one_pattern(html, mine, "stage-2-") == _by_compiled_pattern(html, mine, "stage-2-")
    assert 'id="stage-2-what-happens"' in _by_one_pattern(html, mine, "stage-2-")
    assert 'href="#other"' in _by_one_pattern(html, mine, "stage-2-")


def _section_page(content: str, anchors: set[str]) -> Any:
    toc = TableOfContents([AnchorLink(anchor, anchor, 2) for anchor in sorted(anchors)])
    return type("Converted", (), {"content": content, "present_anchor_ids": set(anchors), "toc": toc})()


def test_a_section_renamed_ahead_and_then_filled_is_the_section_filled_and_then_renamed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fork server renames a guide's ids on the print page once (`rename_ahead`); each site only fills it."""
    rng = random.Random(11)
    pieces = [
        '<h2 id="',
        '<a href="#',
        "<p id='",
        '<label for="',
        '">',
        "'>",
        "</h2>",
        "</a>",
        "__tabbed_1",
        "what-happens",
        "notes",
        "CBV0000Z",
        "CBV0001Z",
        "<p>CBV0002Z</p>",
        " id=",
        "=",
        " ",
        "text",
        '<span title="',
        '"></span>',
    ]
    values = ["Dana", "a id=", "__x", 'x="y', "Zoë & co", "what-happens", ">", "v id", "9"]
    kept = compared = 0
    for _ in range(20000):
        content = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        anchors = {rng.choice(["what-happens", "notes", "what-happens-1", "guide-x", "x-keep"]) for _ in range(2)}
        section = Embedded(token="CBVEMB0Z", markdown="", slots=Slots(), anchor="guide-x", id_prefix="x-")
        for _ in range(3):
            section.slots.text(rng.choice(values))
        monkeypatch.setattr(embedded_module, "_RENAMED", {})
        before = _section_page(content, anchors)
        expected = embedded_module._section_html(section, before)
        embedded_module.rename_ahead(section, content, frozenset(anchors))
        after = _section_page(content, anchors)
        got = embedded_module._section_html(section, after)
        assert got == expected, (content, anchors, section.slots.text_values())
        assert after.present_anchor_ids == before.present_anchor_ids
        assert [a.id for a in after.toc] == [a.id for a in before.toc]
        taken = bool(embedded_module._RENAMED) and embedded_module._fills_as_text(section)
        kept += taken
        compared += taken and expected != section.slots.fill(content)
    # Both paths were taken, and the renaming changed what many sections read.
    assert 5000 < kept < 20000 and compared > 100


# ------------------------------------------------------------------ a table of contents copied


def _toc() -> TableOfContents:
    top = AnchorLink("Goals CBV0001Z", "goals", 1)
    child = AnchorLink("First", "first", 2)
    child.children.append(AnchorLink("Deeper", "deeper", 3))
    top.children.append(child)
    return TableOfContents([top, AnchorLink("Other", "other", 1)])


def _shape(toc: object) -> list[tuple[str, str, int, list[object]]]:
    return [(a.title, a.id, a.level, _shape(a.children)) for a in toc]  # type: ignore[attr-defined]


def test_a_copied_table_of_contents_is_equal_and_independent() -> None:
    original = _toc()
    copied = _copied_toc(original)
    assert _shape(copied) == _shape(copy.deepcopy(original))
    next(iter(copied)).title = "Goals Dana"
    next(iter(copied)).children[0].children[0].id = "changed"
    assert _shape(original) == _shape(_toc())


def test_what_the_theme_marks_on_an_entry_is_copied_with_it() -> None:
    """Material marks the first entry `active`; a kept conversion brings that back, and each copy has its own."""
    original = _toc()
    next(iter(original)).active = True  # type: ignore[attr-defined]
    copied = _copied_toc(original)
    assert _shape(copied) == _shape(original)
    assert next(iter(copied)).active is True  # type: ignore[attr-defined]
    assert not hasattr(list(copied)[1], "active")
    next(iter(copied)).active = False  # type: ignore[attr-defined]
    assert next(iter(original)).active is True  # type: ignore[attr-defined]


def test_a_table_of_contents_with_more_in_it_is_deep_copied() -> None:
    """An entry some extension gave another attribute is copied whole, attribute included."""
    original = _toc()
    next(iter(original)).children[0].extra = ["kept"]  # type: ignore[attr-defined]
    copied = _copied_toc(original)
    kept = next(iter(copied)).children[0].extra  # type: ignore[attr-defined]
    assert kept == ["kept"]
    assert kept is not next(iter(original)).children[0].extra  # type: ignore[attr-defined]


# ------------------------------------------------------------------ characters beyond ASCII


def _fold_text(text: str) -> str:
    return _fold(text)[0]


def test_the_fold_finds_the_characters_it_must_fold_wherever_they_are() -> None:
    """The classes are looked for among the characters present (found by a scan), including the backtick."""
    assert _fold_text("Dana\u200bWhitfield") == "danawhitfield dana whitfield"
    assert _fold_text("`quoted’ — “x”") == "'quoted' - \"x\""
    assert _fold_text("Dаnа") == "dana"  # Cyrillic a twice
    assert _fold_text("ＡＢＣ\u2800x") == "abc x"
    # A look-alike among Latin letters, with no other letter of its script on the page.
    assert _fold_text("Whıtfield ȷones") == "whitfield jones"
    # A letter beyond ASCII with a case of its own is case-folded; a lone surrogate (from JSON) is kept.
    assert _fold_text("ÆTIENNE — ẞ \ud800 ·") == "ætienne - ss \ud800 ·"
    # An accent, precomposed or combining, and a small capital read as the plain letter.
    assert _fold_text("ÉTIENNE Whitfíeld Whitfi\u0301eld Whɪtfield") == "etienne whitfield whitfield whitfield"


def test_text_case_folded_by_the_fold_is_not_folded_again(monkeypatch: pytest.MonkeyPatch, built_firm: Path) -> None:
    """`normalise` skips its last case fold when the fold left the text case-folded; the result is the same."""
    rng = random.Random(11)
    alphabet = "aZ \u00e9\u00c9\u1e9e\u00df\u0130\ufb01\u2019\u201c\u200b"
    # ǰ, ΐ and ẖ case-fold to letters that NFKC composes again into ones that fold once more.
    alphabet += "\u0430\u0391\u03a3\u0345\uff21\u2126\u01f0\u0390\u1e96<b>x/&;"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(5000)]
    texts += [p.read_text(encoding="utf-8") for p in sorted((built_firm / "site").rglob("*.html"))[:60]]
    fast = [normalise(text) for text in texts]
    # Both ways through a page (`_read_page` and the long way) fold through `_folded`.
    folded = normalise_module._folded

    def never_folded(text: str, **options: bool) -> tuple[str, bool, bool]:
        result, _, hidden = folded(text, **options)
        return result, False, hidden

    monkeypatch.setattr(normalise_module, "_folded", never_folded)
    assert fast == [normalise(text) for text in texts]


# ------------------------------------------------------------------ data: URLs


def test_data_urls_found_from_the_colons_are_those_a_search_ignoring_case_finds(built_firm: Path) -> None:
    """`data:` URLs are found from the colons; the long way searches every character for the scheme."""
    rng = random.Random(5)
    pieces = ["data:", "DATA:", "Data:", "dAtA:", "data", ":", "text/html,", ";base64,", "SGk=", " ", "a", "<", ","]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5_000)]
    texts += [p.read_text(encoding="utf-8") for p in sorted((built_firm / "site").rglob("*.html"))[:40]]
    for text in texts:
        found = [m.span() for m in normalise_module._data_url_matches(text)]
        assert found == [m.span() for m in normalise_module._DATA_URL.finditer(text)], text


def test_a_data_url_in_any_mix_of_cases_is_decoded() -> None:
    """A browser reads `Data:` as `data:`; so does the audit, which decodes what the URL hides."""
    hidden = "PGI+RGFuYSBXaGl0ZmllbGQ8L2I+"  # base64 of <b>Dana Whitfield</b>
    for scheme in ("data", "DATA", "Data", "dAtA"):
        page = f'<p>Hi</p><iframe src="{scheme}:text/html;base64,{hidden}"></iframe>'
        assert "dana whitfield" in normalise_module.file_text("index.html", page.encode()), scheme


def test_a_json_file_is_read_as_every_key_string_and_number_it_holds(built_firm: Path) -> None:
    """Its decoded words stand for the whole file: each of them, escaped or not, is in the text the audit reads."""
    rng = random.Random(11)
    words = ["Dana", "Whitfield", "Ngozi Adeyemi", "O’Brien", "Zoë", "été", "<b>Kwame</b>", 'say "hi"']
    for _ in range(300):
        leaves = rng.sample(words, 3)
        number = str(rng.randint(0, 10**6)) + rng.choice(["", ".5", "e3"])
        document = {leaves[0]: [leaves[1], {"n": number}], "k": leaves[2]}
        raw = json.dumps(document, ensure_ascii=rng.random() < 0.5).replace(f'"{number}"', number)
        read = normalise_module.file_text("data.json", raw.encode())
        for leaf in [*leaves, number]:
            assert normalise(leaf) in read, (leaf, raw)
    # A key given twice keeps both values in the file, though a parser keeps the last.
    assert "dana whitfield" in normalise_module.file_text("a.json", b'{"who": "Dana Whitfield", "who": "x"}')
    # A byte order mark before it does not stop its strings being decoded, as a browser decodes them.
    marked = "\ufeff" + '{"who": "\\u0044ana \\u0057hitfield"}'
    assert "dana whitfield" in normalise_module.file_text("a.json", marked.encode())
    # Text that is not JSON is read as it is.
    assert "dana whitfield" in normalise_module.file_text("a.json", b'{"who": "Dana Whitfield",,}')
    # Material's search index of a built site: every title and text in it is read.
    index = next((built_firm / "site" / "clients").glob("*/search/search_index.json"))
    read = normalise_module.file_text(index.name, index.read_bytes())
    for doc in json.loads(index.read_text(encoding="utf-8"))["docs"]:
        assert normalise(doc["title"]) in read and normalise(doc["text"]) in read, doc["location"]


# ------------------------------------------------------------------ shared files searched once


def test_a_shared_file_is_searched_once_and_only_a_file_of_the_same_name_and_bytes_uses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `shared_found` found in a theme asset stands for any site's file of the same name and bytes, no other."""
    notice = [Needle("the console's own words", "", "console", "console")]
    asset = tmp_path / "theme" / "assets" / "extra.css"
    asset.parent.mkdir(parents=True)
    asset.write_text("/* the console's own words */", encoding="utf-8")
    found = site_audit.shared_found([SiteFile("assets/extra.css", asset)], notice)
    assert list(found.values()) == [frozenset({"the console's own words"})]
    monkeypatch.setattr(site_audit, "_SHARED_FOUND", {})
    monkeypatch.setattr(site_audit, "_SHARED_FOUND_PATHS", set())
    site_audit.remember_found(found)
    # The remembered answer is used without reading the text: a file that is searched would say otherwise.
    (key,) = found
    site_audit._SHARED_FOUND[key] = frozenset()
    site = tmp_path / "site"
    same = site / "assets" / "extra.css"
    same.parent.mkdir(parents=True)
    shutil.copyfile(asset, same)
    elsewhere = site / "assets" / "moved.css"
    shutil.copyfile(asset, elsewhere)
    changed = site / "assets" / "changed.css"
    changed.write_text("/* the console's own words, and more */", encoding="utf-8")
    files = [SiteFile(f"assets/{p.name}", p) for p in (same, elsewhere, changed)]
    assert [leak.file for leak in site_audit._found(files, notice)] == ["assets/moved.css", "assets/changed.css"]
    # Searched for other needles, the same file is searched: the answer is for one set of needles.
    other = [Needle("own words", "", "console", "console")]
    assert [leak.file for leak in site_audit._found(files, other)] == [f.relative for f in files]
    # Another site's file at the same path, with other bytes (the firm changed its stylesheet), is searched.
    edited = tmp_path / "other-site" / "assets" / "extra.css"
    edited.parent.mkdir(parents=True)
    edited.write_text("/* the console's own words */ ", encoding="utf-8")
    assert [leak.file for leak in site_audit._found([SiteFile("assets/extra.css", edited)], notice)] == [
        "assets/extra.css"
    ]


def test_the_fork_server_loads_the_icons_the_theme_and_config_name() -> None:
    """Material includes each icon as a template: loaded ahead, no site's process reads them again."""
    from mkdocs.config import load_config

    from coachbook.build import prewarm

    config = load_config(str(REPO / "mkdocs.yml"))
    env = config.theme.get_env()
    templates = env.list_templates(filter_func=lambda n: n.endswith(".html"))
    prewarm._load_icons(env, config, templates)
    assert env.cache is not None
    loaded = {name for _, name in env.cache}
    # Material's defaults, named in its templates, and the icons of the firm's palette toggles in mkdocs.yml.
    assert {".icons/material/menu.svg", ".icons/material/magnify.svg", ".icons/material/weather-night.svg"} <= loaded
    # An icon the theme does not have is left to the page that names it, which says so when it renders.
    config.theme["icon"] = {"menu": "material/no-such-icon"}
    prewarm._load_icons(env, config, templates)
    assert ".icons/material/no-such-icon.svg" not in {name for _, name in env.cache}


def test_a_shared_files_address_check_is_taken_only_for_the_same_path_and_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A theme asset's checks stand for a site's file of the same path and bytes: a name says how it is read."""
    monkeypatch.setattr(site_audit, "_SHARED", {})
    monkeypatch.setattr(site_audit, "_SHARED_PATHS", set())
    markup = b'<script src="https://tracker.example/t.js"></script>'
    asset = tmp_path / "theme" / "assets" / "note.js"
    asset.parent.mkdir(parents=True)
    asset.write_bytes(markup)
    # As a script, its text names no address the audit reads.
    site_audit.remember_shared_files([SiteFile("assets/note.js", asset)])
    page = tmp_path / "site" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(markup)
    same = tmp_path / "site" / "note.js"
    same.write_bytes(markup)
    files = [SiteFile("assets/note.js", same), SiteFile("page.html", page)]
    problems = site_audit._file_problems(files, origins=True)
    assert [(leak.file, leak.url) for leak in problems] == [("page.html", "https://tracker.example/t.js")]
