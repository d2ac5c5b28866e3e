"""The firm-scale leak audit gives exactly the answers of the one-needle-at-a-time audit."""

from __future__ import annotations

import html
import itertools
import random
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from coachbook.audit import index as index_module
from coachbook.audit import normalise as normalise_module
from coachbook.audit.index import LeakIndex, NeedleFinder
from coachbook.audit.needles import allowed_identity_text, allowed_text, fragments_of, needles_for
from coachbook.audit.normalise import normalise
from coachbook.audit.site_audit import AllowedText, Audience, AuditPolicy, audit_site, search_needles
from coachbook.core.loader import Project, load_firm

CLIENTS = ("dana-whitfield", "kwame-asante", "sofia-marquez")


def _random_case(rng: random.Random, count: int = 20) -> tuple[str, list[str]]:
    def word() -> str:
        return "".join(rng.choice("abcde") for _ in range(rng.randint(1, 5)))

    text = " ".join(word() for _ in range(rng.randint(0, 30)))
    needles = []
    for _ in range(count):
        if text and rng.random() < 0.6:
            # A piece of the text, cut anywhere: mid-word starts and ends are the hard cases.
            start = rng.randrange(len(text))
            piece = text[start : rng.randint(start, min(len(text), start + 15))].strip()
            if piece and "  " not in piece:
                needles.append(piece)
        else:
            needles.append(" ".join(word() for _ in range(rng.randint(1, 4))))
    return text, needles


@pytest.mark.parametrize("count", [20, 300])
def test_finder_finds_exactly_the_needles_that_occur(count: int) -> None:
    """However many needles, the finder finds exactly those that occur, mid-word starts and ends included."""
    rng = random.Random(5)
    for _ in range(2000 if count == 20 else 300):
        text, needles = _random_case(rng, count)
        assert NeedleFinder(needles).found(text) == {n for n in needles if n in text}, (text, needles)


@pytest.mark.parametrize("dfa_up_to", [index_module._DFA_UP_TO, 0])
def test_finder_is_exact_beyond_ascii_and_for_needles_inside_and_around_others(
    monkeypatch: pytest.MonkeyPatch, dfa_up_to: int
) -> None:
    """The automaton reads code points: letters beyond the BMP, lone surrogates (JSON may hold one), and needles
    that overlap, share ends or sit inside one another are found as `in` finds them; as a DFA (up to
    `_DFA_UP_TO` needles) and as the NFA of a larger firm."""
    monkeypatch.setattr(index_module, "_DFA_UP_TO", dfa_up_to)
    rng = random.Random(12)
    pool = ["a", "b", " ", "é", "ß", "😀", "\ud800", "\u200b", "-", "@", "li", "ana"]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 25)))
        needles = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(1, 12))]
        if text and rng.random() < 0.7:
            start = rng.randrange(len(text))
            needles.append(text[start : start + rng.randint(1, 8)])
        if rng.random() < 0.5:
            # Enough needles for the automaton; otherwise each is scanned for.
            needles += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 6))) for _ in range(20)]
        assert NeedleFinder(needles).found(text) == {n for n in needles if n in text}, (text, needles)


def test_finder_of_no_needles_finds_nothing() -> None:
    assert NeedleFinder([]).found("dana whitfield") == set()
    assert NeedleFinder(["dana"]).found("") == set()


@pytest.mark.parametrize(
    ("text", "needle", "found"),
    [
        ("dana whitfield", "dana whitfield", True),
        ("xdana whitfieldy", "dana whitfield", True),  # inside longer words, as `in` finds it
        ("dana  whitfield", "dana whitfield", False),
        ("write to ana.lima@acme.example today", "ana.lima@acme.example", True),
        ("at acmecorp", "acme", True),
        ("she said the board was unhappy", "the board was unhappy", True),
        ("the board was", "the board was unhappy", False),
        ("al b", "al b", True),  # too short to file: searched for directly
    ],
)
def test_finder_table(text: str, needle: str, found: bool) -> None:
    assert (needle in NeedleFinder([needle]).found(text)) is found


@pytest.mark.slow
def test_index_gives_the_same_leaks_as_the_plain_audit(built_firm: Path) -> None:
    """Every site audited as if it were every other owner's: real cross-client hits, same leaks, same order."""
    firm = load_firm(Project(built_firm, built_firm / "content", built_firm / "engagements"))
    index = LeakIndex({slug: fragments_of(loaded.engagement) for slug, loaded in firm.engagements.items()})
    sites = [built_firm / "site" / "handbook", *(built_firm / "site" / "clients" / slug for slug in CLIENTS)]
    total = 0
    for owner in (None, *CLIENTS):
        for owner_held_back in (True, False):
            needles = needles_for(firm, owner, owner_held_back=owner_held_back)
            allowed = AllowedText(allowed_text(firm, owner), allowed_identity_text(firm, owner))
            policy = AuditPolicy(owner, allowed, Audience.CLIENT if owner_held_back else Audience.COACH_VIEW)
            for site in sites:
                expected = search_needles(site, needles)
                assert audit_site(site, policy, index) == expected
                total += len(expected)
    assert total > 0  # auditing a site as someone else's must find that someone's strings


@pytest.mark.slow
def test_index_and_plain_audit_agree_on_hidden_text(built_firm: Path, tmp_path: Path) -> None:
    """Names hidden by invisible characters, escapes, look-alikes and metadata: both audits find the same leaks."""
    from . import hostile_files

    site = tmp_path / "site"
    shutil.copytree(built_firm / "site" / "clients" / "dana-whitfield", site)
    hidden = site / "hidden"
    hidden.mkdir()
    (hidden / "page.html").write_text(
        "<p>Ask Kwa\u200bme As&shy;ante, or S\u043ef\u0456a Marq<b></b>uez, at Ashgrove&nbsp;Mutual</p>"
        "<!-- Dana has never mentioned that offer to me. -->",
        encoding="utf-8",
    )
    (hidden / "data.json").write_text('{"who": "\\u004bwame \\u0041sante"}', encoding="utf-8")
    (hidden / "photo.jpg").write_bytes(hostile_files.jpeg(artist="Sofia Marquez"))
    (hidden / "form.pdf").write_bytes(hostile_files.pdf(author="Kwame Asante", utf16=True))
    (hidden / "notes.docx").write_bytes(hostile_files.docx(creator="Coach", body="Sofia Marquez said so"))
    firm = load_firm(Project(built_firm, built_firm / "content", built_firm / "engagements"))
    index = LeakIndex({slug: fragments_of(loaded.engagement) for slug, loaded in firm.engagements.items()})
    places = set()
    for owner in (None, *CLIENTS):
        for owner_held_back in (True, False):
            needles = needles_for(firm, owner, owner_held_back=owner_held_back)
            policy = AuditPolicy(
                owner,
                AllowedText(allowed_text(firm, owner), allowed_identity_text(firm, owner)),
                Audience.CLIENT if owner_held_back else Audience.COACH_VIEW,
                only=frozenset(needle.text for needle in needles),
            )
            expected = search_needles(site, needles)
            assert audit_site(site, policy, index) == expected
            found = {(leak.file, leak.needle.text) for leak in expected if leak.needle and "hidden/" in leak.file}
            places |= {(leak.file, leak.place) for leak in expected if leak.place}
            reasons = {leak.needle.reason for leak in expected if leak.needle and leak.file == "hidden/page.html"}
            assert ("private" in reasons) is owner_held_back or owner != "dana-whitfield"
            if owner == "dana-whitfield":
                assert {
                    ("hidden/page.html", "kwame asante"),
                    ("hidden/page.html", "sofia marquez"),
                    ("hidden/data.json", "kwame asante"),
                    ("hidden/photo.jpg", "sofia marquez"),
                    ("hidden/form.pdf", "kwame asante"),
                    ("hidden/notes.docx", "sofia marquez"),
                } <= found, found
    assert {("hidden/photo.jpg", "EXIF Artist"), ("hidden/form.pdf", "PDF Author")} <= places


#: Unicode's Default_Ignorable_Code_Point characters that are not format characters (Cf), for the reference.
_IGNORABLE_NOT_CF = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x3164, 0xFFA0}
_IGNORABLE_NOT_CF |= {*range(0xFE00, 0xFE10), *range(0xFFF0, 0xFFF9), *range(0xE0100, 0xE01F0), 0x2065}
_INLINE = "a abbr b bdi bdo big cite code data del dfn em font i ins kbd label mark nobr q s samp small span strike"
_INLINE += " strong sub sup time tt u var wbr"
#: Where a tag starts for a browser's tokenizer: `<` and a letter, `</` and a letter, `<!` or `<?`.
_TAG_START = r"<(?=[A-Za-z!?]|/[A-Za-z])"


def _invisible(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) == "Cf" or code in _IGNORABLE_NOT_CF or 0xE0000 <= code <= 0xE0FFF


def _reference_normalise(text: str) -> str:
    """The audit's normalisation written the slow, obvious way: one callback per tag, one test per character."""
    attribute = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
    aside: list[str] = []

    def comment(match: re.Match[str]) -> str:
        aside.append(match.group(1))
        return ""

    def tag(match: re.Match[str]) -> str:
        aside.extend(next(v for v in groups if v) for groups in attribute.findall(match.group(0)) if any(groups))
        # And whatever else the tag holds but its name and known attributes' names (`_residue` says which).
        aside.extend(filter(None, [normalise_module._residue(match.group(0)).strip()]))
        name = re.match(r"</?([A-Za-z][A-Za-z0-9-]*)", match.group(0))
        return "" if name and name.group(1).lower() in _INLINE.split() else "  "

    text = re.sub(r"<!--(.*?)(?:-->|\Z)", comment, text, flags=re.DOTALL)
    # Runs of text between block tags in which an inline tag joins two words, each kept again with spaces.
    runs = re.split(_TAG_START + r"(?!/?(?:" + "|".join(_INLINE.split()) + r")\b)[^>]*>", text, flags=re.IGNORECASE)
    spaced = []
    for run in runs:
        pieces = re.split(_TAG_START + r"[^>]*>", run)
        words = [piece for piece in pieces if piece]
        if any(a[-1].isalnum() and b[0].isalnum() for a, b in itertools.pairwise(words)):
            spaced.append(" ".join(pieces))
    text = re.sub(_TAG_START + r"[^>]*>", tag, text)
    aside = spaced + aside
    text = html.unescape(text + (" " + " ".join(aside) if aside else ""))
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        if any(_invisible(c) for c in text):
            text = (
                "".join(c for c in text if not _invisible(c)) + " " + "".join(" " if _invisible(c) else c for c in text)
            )
        folded = []
        for char in text:
            if char == "\u2800":
                char = " "
            elif unicodedata.category(char) == "Pd" or char in "\u2043\u2212":
                char = "-"
            elif char in "‘’‚‛′‵‹›`´ʼʹ":
                char = "'"
            elif char in "“”„‟″‶«»ʺ":
                char = '"'
            folded.append(char)
        text = "".join(folded)
        text = text.translate(normalise_module._LOOK_ALIKES)
        text = unicodedata.normalize("NFKC", text.casefold())
    return re.sub(r"\s+", " ", text).strip().casefold()


def test_normalise_is_the_obvious_normalisation_made_fast(built_firm: Path) -> None:
    invisible = "".join(chr(c) for c in range(0x110000) if _invisible(chr(c)))
    samples = [
        "a < b <p>x=1 <x=1 <p> dana",
        "<a href='x' title=\"Dana&amp;W\">D’ana—W</a>\u00a0z",
        "<!-- c -->x<!-- open",
        "‘x’ “y” – — \u00a0 ﬁ",
        "Da<b>na</b> Whit<span class='x'>field</span><wbr>s<p>para</p>",
        "<p><span>Kwame</span><span title='t'>Asante</span>, <b>x</b>.</p><span>A</span><i>B</i>",
        f"Da{invisible}na Whitfield",
        "Da&shy;na&nbsp;Whit&#8203;field &#x202E;x",
        "DАNA ΗALDEN Dаna \u2011 \u2212 \u2800",
    ]
    for path in sorted((built_firm / "site" / "clients" / "dana-whitfield").rglob("*")):
        if path.suffix in (".html", ".json", ".css"):
            samples.append(path.read_text(encoding="utf-8", errors="ignore"))
    for sample in samples:
        assert normalise(sample) == _reference_normalise(sample), sample[:200]


def test_what_is_no_tag_to_a_browser_or_more_than_a_tag_is_read() -> None:
    """A `<` that starts no tag hides nothing after it; nor does a tag's text beyond its name and attributes."""
    hidden = [
        "a < b Dana Whitfield c > d",
        "<script>if (x<5) show('Dana Whitfield'); if (y>2) hide()</script>",
        "<script>if (a<b) show('Dana Whitfield'); if (c>d) hide()</script>",
        "<div Dana Whitfield>x</div>",
        "<svg><text><![CDATA[Dana Whitfield]]></text></svg>",
        "<?xml-stylesheet Dana Whitfield?><p>x</p>",
        "<p>x</p></ Dana Whitfield>",
        "<img alt='Dana' title=\"Whitfield>\">",
    ]
    for sample in hidden:
        assert "dana whitfield" in normalise(sample), sample
        assert "dana whitfield" in normalise_module.file_text("a.html", sample.encode()), sample
    # Material's search index: its separator's `(?<=` once hid the first page's title, up to the next `>`.
    index = '{"config":{"separator":"[\\\\s]+|(?<=[\\\\u3400-\\\\u4dbf])"},'
    index += '"docs":[{"title":"Dana Whitfield","text":"<p>x</p>"}]}'
    assert "dana whitfield" in normalise_module.file_text("search/search_index.json", index.encode())
    assert "dana whitfield" in normalise_module.file_text("a.txt", index.encode())
    # The page's own markup adds nothing but its attribute values: known attributes' names are no text.
    page = (
        '<!doctype html><html lang="en" dir="ltr"><a class="md-nav__link" href="x/" aria-label="Go" '
        'data-md-component="c" hidden>t</a><svg viewBox="0 0 1 1"><path d="M0"/></svg><br/><?xml version="1.0"?>'
    )
    assert normalise(page) == "t en ltr md-nav__link x/ go c 0 0 1 1 m0 1.0"


def test_a_secret_is_searched_for_as_markup_and_as_the_plain_text_a_page_may_show() -> None:
    """A held-back sentence or a name that looks like markup, or holds Markdown's marks, is found as written too."""
    from coachbook.audit.needles import readings, secret_fragments
    from coachbook.core.visibility import Secret

    assert readings("Dana Whitfield") == ["dana whitfield"]
    assert readings("Rated him <B+> overall")[1:] == ["rated him <b+> overall"]
    assert readings("AT&amp;T") == ["at&t", "at&amp;t"]
    note = "Revenue > 5M is the follow_up target she set. She is weighing up an offer <B+> from Corrib."
    found = set(secret_fragments(Secret("private", note, "private")))
    for page in (f"<p>{html.escape(note)}</p>", "<p>Revenue &gt; 5M is the follow_up target she set.</p>"):
        read = normalise(page)
        assert any(fragment in read for fragment in found), (page, found)
    assert "she is weighing up an offer <b+> from corrib" in found
    assert "revenue > 5m is the follow_up target she set" in found
    # And as Markdown shows it, as before.
    assert any(fragment.startswith("she is weighing up an offer from corrib") for fragment in found)


def test_a_page_holding_many_different_characters_of_a_class_is_folded_the_same() -> None:
    """Past a few different characters of a class, a step matches the whole text against the class instead."""
    invisible = [chr(c) for c in range(0x110000) if _invisible(chr(c))]
    dashes = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\u301c\ufe58\ufe63\uff0d\u058a\u05be\u1400\u1806"
    look_alikes = "".join(chr(c) for c in normalise_module._LOOK_ALIKES)
    quotes = "‘’‚‛′‵‹›`´ʼʹ“”„‟″‶«»ʺ"
    rng = random.Random(29)
    for count in (1, normalise_module._FEW, normalise_module._FEW + 1, 200, len(invisible)):
        hidden = "".join(rng.sample(invisible, min(count, len(invisible))))
        sample = f"Da{hidden}na Whit{dashes[:count]}field {look_alikes[:count]} {quotes[:count]} <b>x</b>"
        assert normalise(sample) == _reference_normalise(sample), count


def test_normalise_agrees_with_the_obvious_one_on_random_text() -> None:
    """Random text mixing ASCII with caseless and cased letters beyond it, look-alikes, marks and invisibles."""
    rng = random.Random(23)
    alphabet = [*"Aa Zz&;`·—¶中ÉéẞßΣσıȷаΗ\u0301\u200b\u00a0\u2800‘“ﬁＡ\ud800", "<b>", "</b>", "<p>", "&amp;"]
    for _ in range(5_000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert normalise(sample) == _reference_normalise(sample), repr(sample)


def test_assets_searched_before_are_searched_again_only_for_added_needles(tmp_path: Path) -> None:
    from coachbook.audit.files import file_digest
    from coachbook.audit.needles import Fragments

    style = tmp_path / "style.css"
    style.write_text("/* brand colours chosen with Amara Okafor */ body { color: teal }", encoding="utf-8")
    script = tmp_path / "app.js"
    script.write_text("const greeting = 'welcome back';", encoding="utf-8")
    paths = [style, script]

    def index(*names: str) -> LeakIndex:
        return LeakIndex({f"c{i}": Fragments(((n, "client.name"),), ()) for i, n in enumerate(names)})

    first = index("amara okafor", "welcome back", "nobody here")
    found = first.found_in_files(paths)
    assert found == {
        file_digest(style.read_bytes()): {"amara okafor"},
        file_digest(script.read_bytes()): {"welcome back"},
    }
    # One needle gone, one added: the answer is the same as a full search.
    second = index("amara okafor", "colour", "welcome")
    earlier = (first.texts, found)
    assert second.found_in_files(paths, earlier=earlier) == second.found_in_files(paths)
    assert second.found_in_files(paths, earlier=earlier) == {
        file_digest(style.read_bytes()): {"amara okafor", "colour"},
        file_digest(script.read_bytes()): {"welcome"},
    }
    # Earlier findings are trusted for a file with the same digest (the saving); a new file is searched whole.
    assert second.found_in_files(paths, earlier=(second.texts, {file_digest(style.read_bytes()): ["colour"]})) == {
        file_digest(style.read_bytes()): {"colour"},
        file_digest(script.read_bytes()): {"welcome"},
    }
