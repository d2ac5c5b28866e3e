"""`normalise` reads a page's markup the fast way and gives exactly what the long way gives.

The fast way (`_read_page`) replaces the Python loop over a page's tags with passes in C, and reads each
tag's attribute values once, apart from the rest of the text. Each test here compares `normalise` with a
verbatim copy of the implementation it replaced (`_reference_normalise`, the oracle), on pages shaped like
the site's and on thousands of adversarial strings; the last tests check the properties of Unicode and of
the standard library the fast way relies on, for every code point.
"""

from __future__ import annotations

import html
import random
import re
import unicodedata
from collections.abc import Iterator

import pytest

from coachbook.audit import normalise as normalise_module
from coachbook.audit.normalise import (
    _ASCII_MEMBERS,
    _ATTRIBUTE_VALUE,
    _COMMENT,
    _FEW,
    _INLINE,
    _LOOK_ALIKES,
    _REPLACED,
    _TAG_NAME,
    _TAG_SPLIT,
    INVISIBLE,
    normalise,
)

# ------------------------------------------------------------------ the oracle: the implementation replaced

_REFERENCE_TAGS: dict[str, tuple[bool, tuple[str, ...]]] = {}
_REFERENCE_ASCII_RUNS = re.compile("[\x00-\x7f]+")


def _reference_tag(tag: str) -> tuple[bool, tuple[str, ...]]:
    name = _TAG_NAME.match(tag)
    inline = name is not None and name.group(1).lower() in _INLINE
    values = tuple(a or b or c for a, b, c in _ATTRIBUTE_VALUE.findall(tag) if a or b or c) if "=" in tag else ()
    # Since the oracle was copied, a tag's residue (what it holds beyond its name, values and known
    # attributes' names) is read after its values: taken from the implementation, one tag at a time.
    residue = normalise_module._residue(tag).strip()
    if residue:
        values = (*values, residue)
    if len(tag) <= 200:
        if len(_REFERENCE_TAGS) >= 10_000:
            _REFERENCE_TAGS.clear()
        _REFERENCE_TAGS[tag] = (inline, values)
    return inline, values


def _reference_normalise(text: str) -> str:
    """`normalise` as it was before the fast way, verbatim (with `_tag` and `_fold` as they were)."""
    # Comments and attribute values are kept as text, after the rest: anyone can read them in the page source.
    aside: list[str] = []
    if "<!--" in text:

        def comment(match: re.Match[str]) -> str:
            aside.append(match.group(1))
            return ""

        text = _COMMENT.sub(comment, text)
    # Splitting on tags finds the same tags as substituting them would, but lets
    # the (many) plain tags skip the per-tag work: a page has thousands of tags.
    parts = _TAG_SPLIT.split(text)
    # Where an inline tag joins two words (`<span>Kwame</span><span>Asante</span>`, spaced by a stylesheet),
    # the run of text it belongs to is also kept with a space at each tag, after the rest.
    spaced: list[str] = []
    run_start = 0
    joined = False
    # Whether the last text seen ends a word, and whether an inline tag followed it.
    tail = parts[0][-1:].isalnum()
    tagged = False
    known = _REFERENCE_TAGS
    for i in range(1, len(parts), 2):
        tag = parts[i]
        inline, values = known.get(tag) or _reference_tag(tag)
        if values:
            aside += values
        if inline:
            parts[i] = ""
            tagged = True
        else:
            parts[i] = "  "
            if joined:
                spaced.append(" ".join(parts[run_start:i:2]))
                joined = False
            run_start = i + 1
            tail = tagged = False
        following = parts[i + 1]
        if following:
            joined = joined or (tagged and tail and following[0].isalnum())
            tail = following[-1].isalnum()
            tagged = False
    if joined:
        spaced.append(" ".join(parts[run_start::2]))
    aside = spaced + aside
    if aside:
        parts.append(" " + " ".join(aside))
    text = html.unescape("".join(parts))
    folded = False
    if not text.isascii():
        text, folded = _reference_fold(text)
    # Every run of whitespace (`str.isspace`, as the `\s` of a `str` pattern) as one space, none at the ends.
    collapsed = " ".join(text.split())
    # Case folding is idempotent: text that `_fold` left case-folded needs no second pass.
    return collapsed if folded else collapsed.casefold()


def _reference_fold(text: str) -> tuple[str, bool]:
    """`_fold` as it was before the fast way, verbatim."""
    text = unicodedata.normalize("NFKC", text)
    # The characters beyond ASCII, found by a scan in C: a set of every character would hash each one.
    beyond = set(_REFERENCE_ASCII_RUNS.sub("", text))
    replaced: set[str] = set()

    def present(pattern: re.Pattern[str]) -> list[str]:
        # A class's ASCII members in the text (the backtick is a quotation mark), and its other members there.
        found = [c for c in _ASCII_MEMBERS[pattern] if c in text] + [c for c in beyond if pattern.match(c)]
        replaced.update(found)
        return found

    invisible = present(INVISIBLE)
    if len(invisible) > _FEW:
        # Removed, `Whit\u200bfield` is the name; as a space, so is `Dana\u200bWhitfield` (both are shown as one).
        text = INVISIBLE.sub("", text) + " " + INVISIBLE.sub(" ", text)
    elif invisible:
        removed, spaced = text, text
        for char in invisible:
            removed = removed.replace(char, "")
            spaced = spaced.replace(char, " ")
        text = removed + " " + spaced
    for pattern, replacement in _REPLACED:
        found = present(pattern)
        if len(found) > _FEW:
            text = pattern.sub(replacement, text)
        else:
            for char in found:
                text = text.replace(char, replacement)
    # Look-alikes of Latin letters, wherever they are (a dotless i among Latin letters is still an i).
    latin = [char for char in beyond if ord(char) in _LOOK_ALIKES]
    replaced.update(latin)
    if len(latin) > _FEW:
        text = text.translate(_LOOK_ALIKES)
    else:
        for char in latin:
            text = text.replace(char, _LOOK_ALIKES[ord(char)])
    if all(char.casefold() == char for char in beyond - replaced):
        # Only ASCII letters have a case here: lower-casing the bytes of the text does what case folding
        # does, in less time (a lone surrogate, which JSON may hold, is kept as it is).
        text = text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
    else:
        text = text.casefold()
    # Case folding can make characters that NFKC composes differently (and never invisible ones). When NFKC
    # finds nothing to change it returns the very same string, which is then case-folded as it stands.
    normalised = unicodedata.normalize("NFKC", text)
    return normalised, normalised is text


# ------------------------------------------------------------------ pages shaped like the site's


def _pages(seed: int, count: int) -> Iterator[str]:
    """Pages like Material's: nav lists, labels, tabs, `<bdi>`, joined `<span>`s, entities, scripts, SVGs."""
    rng = random.Random(seed)
    names = ["Amara Abernathy", "Kwame Asante", "Zoë Ødegård", "Dana Whitfield", "Łukasz Żak", "Ἀλέξανδρος"]
    words = ["Session", "notes", "Goals", "Next", "step", "What&#39;s next", "R&amp;D", "café", "naïve", "—", "·"]
    for _ in range(count):
        name = rng.choice(names)
        first, _, last = name.partition(" ")
        quote = rng.choice(['"', "'", ""])
        path = "1 1 " * rng.randint(1, 80)
        nav = "".join(
            f'\n        <li class="md-nav__item"><a href="../{w.lower()}/" class="md-nav__link">'
            f'<span class="md-ellipsis">{w}</span></a></li>'
            for w in rng.sample(words, 5)
        )
        joins = rng.choice(
            [
                f"<span>{first}</span><span>{last}</span>",
                f"{first}<b></b>{last}",
                "<label for=x>Session</label><label for=y>notes</label>",
                f"<bdi>{name}</bdi>",
                f"<SPAN>{first}</SPAN><Span>{last}</Span>",
                f"{first}<wbr>{last}<br>{last}<i>x</i>",
            ]
        )
        yield (
            "<!doctype html>\n<html lang=en class=no-js>\n  <head>\n"
            f'    <meta http-equiv="Content-Security-Policy" content="default-src &#x27;self&#x27;; '
            f'img-src &#x27;self&#x27; data:; style-src &#x27;self&#x27; &#x27;unsafe-inline&#x27;">\n'
            f"    <title>{name} · Coaching</title>\n"
            f"    <script>var __md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),x=1<2&&3>2;</script>\n"
            + (f"    <!-- built for {name} -->\n" if rng.random() < 0.5 else "")
            + "  </head>\n  <body dir=ltr>\n"
            f'    <a href="." title="{name} · Coaching" class="md-header__button md-logo"'
            f" aria-label={quote}{first}{quote}>"
            f'<svg viewBox="0 0 24 24"><path d="M12 7a5 5 0 0 1 5 5 5 5 0 0 1-5 5 {path}z"/></svg></a>'
            f'\n    <nav class="md-nav md-nav--primary" aria-label="Navigation">\n      <ul class="md-nav__list">{nav}'
            "\n      </ul>\n    </nav>\n"
            '    <div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input checked="checked" id="__tabbed_1_1" '
            'name="__tabbed_1" type="radio"><div class="tabbed-labels"><label for="__tabbed_1_1">Goals</label>'
            '<label for="__tabbed_1_2">Notes</label></div>\n'
            f"    <h1 id=top>{name}<a class=headerlink href=#top title='Permanent link'>&para;</a></h1>\n"
            f"    <p>{joins} met on 2026&#8209;03&#8209;01 &mdash; &ldquo;{rng.choice(words)}&rdquo; "
            f"<em>{rng.choice(words)}</em>, <code>x&lt;y</code> &amp; <kbd>Ctrl</kbd>+<kbd>K</kbd>.</p>\n"
            "  </body>\n</html>\n"
        )


def _fast_path_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts for which `normalise` took the long way, recorded from now on."""
    slow: list[str] = []
    markup = normalise_module._markup

    def counted(text: str, aside: list[str]) -> str:
        slow.append(text)
        return markup(text, aside)

    monkeypatch.setattr(normalise_module, "_markup", counted)
    return slow


def test_pages_like_the_sites_are_read_the_fast_way_and_as_the_long_way_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow = _fast_path_calls(monkeypatch)
    pages = list(_pages(seed=3, count=300))
    for page in pages:
        assert normalise(page) == _reference_normalise(page), page
    assert not slow
    # Again, with the tags known from the pages before, and with none known.
    for page in pages[:50]:
        assert normalise(page) == _reference_normalise(page), page
        normalise_module._KNOWN.clear()
        assert normalise(page) == _reference_normalise(page), page


def test_a_join_of_words_is_found_wherever_it_is() -> None:
    samples = [
        "<label>Session</label><label>notes</label>",
        "a<b>b</b>c<p>d<i></i>e</p>f<span>g",
        "<b>x</b>y",
        "x<b>",
        "x<b>y",
        "<p>x</p><b>y",
        "x<b></b><i></i>y<div>z<i></i>w",
        "é<b>ß",
        "1<b>2<p>",
        "_<b>_",
        "a<b> </b>b",
        "a<p></p>b",
        "a<b><p></p></b>b",
        "Da<b></b>na <p>x</p> Whit<span class='x'>field</span><wbr>s",
        "a<b>b<b>c<b>d</p>e<b>f",
        "<b>",
        "<b></b>",
        "",
        "plain",
        "a < b > c",
        "a <b c",
        "a<<b>>c",
        "a<b <p>c",
        "a<p <b>c",
        "a<B>b</B>c<SPAN>d",
        "a<bdi>b</bdi>c",
        "a<abbr>b<abbrx>c",
        "a<\u212a>b",
        "a<\u017f>b",
        "a<s\u017fan>b",
    ]
    for sample in samples:
        normalise_module._KNOWN.clear()
        assert normalise(sample) == _reference_normalise(sample), sample
        assert normalise(sample) == _reference_normalise(sample), sample


# ------------------------------------------------------------------ adversarial strings

_FRAGMENTS = [
    *"<<<>>>/=\"'ab1 \n\t",
    "</",
    "b",
    "span",
    "SPAN",
    "Span",
    "div",
    "p",
    "P",
    "a",
    "i",
    "abbr",
    "wbr",
    "label",
    "bdi",
    "br",
    "x-y",
    "-",
    "\u212a",
    "\u017f",
    "&amp;",
    "&amp",
    "&AMP;",
    "&shy;",
    "&#8203;",
    "&#x200B;",
    "&nbsp;",
    "&para;",
    "&#0;",
    "&#1;",
    "&#2;",
    "&#x80;",
    "&",
    "#",
    ";",
    "<!--",
    "-->",
    "<!",
    "!",
    "\x00",
    "\x01",
    "\x02",
    "\x1c",
    "\x1f",
    "\x85",
    "\xa0",
    "\u2028",
    "\u3000",
    "\u200b",
    "\xad",
    "\u034f",
    "\ufeff",
    "\U000e0041",
    "é",
    "É",
    "e\u0301",
    "\u0301",
    "\u0323",
    "W\u030a",
    "ß",
    "ẞ",
    "ﬁ",
    "Ａ",
    "ı",
    "а",
    "Η",
    "Σ",
    "ς",
    "·",
    "¶",
    "—",
    "\u2011",
    "‘",
    "“",
    "`",
    "´",
    "\u2800",
    "中",
    "\ud800",
    "\ud83d\ude00",
    "\U0001f600",
    "ǰ",
    "ΐ",
    "\u1e96",
    "\u0345",
    "\u3164",
    "\u1160",
    "\u115f",
    "_",
    "0",
    "٣",
    "Ⅻ",
    "²",
]


#: The fragments that send a text the long way (a stand-in, an invisible character) left out, and more tags.
_FAST_FRAGMENTS = [
    f for f in _FRAGMENTS if not ({"\x00", "\x01", "\x02", "\xad", "\u034f", "\ufeff", "\u3164"} & set(f))
] + ["<b>", "</b>", "<p>", "<span title='x'>", "<a href=x>", "</SPAN>", "<i>"] * 3
_FAST_FRAGMENTS = [
    f for f in _FAST_FRAGMENTS if f not in ("\u200b", "&shy;", "&#8203;", "&#x200B;", "\U000e0041", "\u1160", "\u115f")
]


def _adversarial(rng: random.Random, fragments: list[str] = _FRAGMENTS) -> str:
    return "".join(rng.choice(fragments) for _ in range(rng.randint(0, 40)))


def test_normalise_agrees_with_the_long_way_on_adversarial_strings() -> None:
    rng = random.Random(20260501)
    for round_ in range(30_000):
        sample = _adversarial(rng)
        if round_ % 7 == 0:
            normalise_module._KNOWN.clear()
        assert normalise(sample) == _reference_normalise(sample), repr(sample)


def test_normalise_agrees_with_the_long_way_on_adversarial_strings_it_reads_the_fast_way() -> None:
    """Strings without what sends a text the long way, and with a character beyond ASCII: most go the fast way."""
    rng = random.Random(20260502)
    for round_ in range(30_000):
        sample = _adversarial(rng, _FAST_FRAGMENTS) + rng.choice(["·", " ¶", "<b>—</b>", "é", "中"])
        if round_ % 13 == 0:
            normalise_module._KNOWN.clear()
        assert normalise(sample) == _reference_normalise(sample), repr(sample)


def test_normalise_agrees_with_the_long_way_on_tag_soup() -> None:
    """Strings made mostly of tags, so that most take the fast way, with text and entities between them."""
    rng = random.Random(41)
    tags = [
        "<b>",
        "</b>",
        "<span class=x>",
        "</SPAN>",
        "<p>",
        "</p>",
        "<div title='a b'>",
        "<a href=\"x\" title='D&amp;W'>",
        '<i data-x="1>2">',
        "<wbr>",
        "<br/>",
        '<img alt="Dana\u200bW">',
        "<x y=`z`>",
        "<q cite=é>",
        "<label for=a=b>",
        "< b>",
        "<>",
        "</>",
        "<a <b>",
        "<p <b>",
        '<b title="\u00adx">',
        '<b title="\ufb01">',
        "<!-- c -->",
        "<!-- <b> -->",
    ]
    texts = ["Dana", "Whit", "field", " ", "\n  ", "&amp;", "&nbsp;", "·", "—", "é", "ẞ", "x1", "`", "a>b", ">", ""]
    for round_ in range(10_000):
        pieces = [rng.choice(tags) if rng.random() < 0.55 else rng.choice(texts) for _ in range(rng.randint(0, 30))]
        sample = "".join(pieces)
        if rng.random() < 0.3:
            sample += "\u00b7"
        if round_ % 11 == 0:
            normalise_module._KNOWN.clear()
        assert normalise(sample) == _reference_normalise(sample), repr(sample)


def test_the_tags_kept_are_bounded_and_the_results_do_not_depend_on_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for a few tags only, the tags kept are emptied often, or hold no page's tags at all."""
    pages = list(_pages(seed=9, count=40))
    for max_tags, max_chars in ((5, 10_000_000), (10_000, 300), (3, 50)):
        monkeypatch.setattr(normalise_module, "_MAX_TAGS", max_tags)
        monkeypatch.setattr(normalise_module, "_MAX_KNOWN_CHARS", max_chars)
        normalise_module._KNOWN.clear()
        for page in pages:
            assert normalise(page) == _reference_normalise(page)
            assert len(normalise_module._KNOWN.marks) <= max_tags
            assert normalise_module._KNOWN.chars <= max_chars
    normalise_module._KNOWN.clear()


def test_values_holding_invisible_characters_take_the_long_way(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = _fast_path_calls(monkeypatch)
    page = next(_pages(seed=1, count=1))
    for hidden in ('<b title="Dana\u200bWhitfield">', "<i alt='&shy;'>", "<p>Da&#8203;na</p>", "<p>\u3164</p>"):
        sample = page.replace("<p>", hidden + "<p>", 1)
        assert normalise(sample) == _reference_normalise(sample)
        assert slow.pop() == _COMMENT.sub("", sample)
    # A page read as ASCII (a backtick stays a backtick there) takes the long way too.
    for sample in ("<p>`x`</p>", "<p title='`'>x</p>", "<p title='\u00e9'>`</p>"):
        assert normalise(sample) == _reference_normalise(sample)


# ------------------------------------------------------------------ what the fast way relies on


def _every_character() -> str:
    return "".join(map(chr, range(0x110000)))


def test_a_class_without_words_underscore_is_isalnum_for_every_character() -> None:
    everything = _every_character()
    assert "".join(re.findall(r"[^\W_]", everything)) == "".join(filter(str.isalnum, everything))


def test_case_folding_is_idempotent_and_keeps_spaces_and_words_apart_for_every_character() -> None:
    """A text case-folded twice is case-folded once; folding neither makes nor removes a space, or a character."""
    for char in _every_character():
        folded = char.casefold()
        assert folded.casefold() == folded, hex(ord(char))
        assert folded
        if char.isspace():
            assert folded == char
        else:
            assert not any(c.isspace() for c in folded), hex(ord(char))


def test_nfkc_reads_a_text_around_a_space_as_it_reads_each_side_for_every_character() -> None:
    """A space is a starter nothing composes with: NFKC of texts joined by a space is NFKC of each, joined."""
    for char in _every_character():
        if 0xD800 <= ord(char) <= 0xDFFF:
            continue
        alone = unicodedata.normalize("NFKC", char)
        assert unicodedata.normalize("NFKC", char + " ") == alone + " ", hex(ord(char))
        assert unicodedata.normalize("NFKC", " " + char) == " " + alone, hex(ord(char))


def test_unescaping_reads_a_text_around_a_space_as_it_reads_each_side() -> None:
    rng = random.Random(13)
    for _ in range(20_000):
        left, right = _adversarial(rng), _adversarial(rng)
        for space in (" ", "  "):
            assert html.unescape(left + space + right) == html.unescape(left) + space + html.unescape(right)


def test_the_stand_ins_are_left_alone_by_every_step_of_reading() -> None:
    for mark in (normalise_module._BLOCK_MARK, normalise_module._INLINE_MARK):
        assert not mark.isspace() and not mark.isalnum()
        assert unicodedata.normalize("NFKC", mark) == mark == mark.casefold()
        assert not INVISIBLE.match(mark)
        assert all(not pattern.match(mark) for pattern, _ in _REPLACED)
        assert ord(mark) not in _LOOK_ALIKES
        assert html.unescape(f" {mark} ") == f" {mark} "
    # No entity, numeric or named, unescapes to a stand-in (past 0xFF, a number is that character or U+FFFD).
    for number in range(0x100):
        assert "\x01" not in html.unescape(f"&#{number};&#x{number:x}") and "\x02" not in html.unescape(f"&#{number};")
    assert not {"\x01", "\x02"} & set(html.entities.html5.values())


def test_the_quick_check_shortcut_agrees_with_nfkc() -> None:
    """`_stable` says NFKC returns a text as it is only if it does: tried on texts of the characters it passes."""
    rng = random.Random(17)
    chars = [chr(c) for c in range(0x80, 0x3000)] + ["\U0001f600", "\ud800", "\U000e0041"]
    passing = [c for c in chars if normalise_module._stable({c})]
    assert "·" in passing and "é" in passing and "\u0301" not in passing and "ﬁ" not in passing
    ascii_letters = "abcdefghijklmnopqrstuvwxyzABC <>;&"
    for _ in range(5_000):
        text = "".join(rng.choice(passing + list(ascii_letters)) for _ in range(rng.randint(1, 12)))
        assert unicodedata.normalize("NFKC", text) is text, repr(text)


def test_the_characters_beyond_ascii_are_found_from_the_bytes_as_the_scan_finds_them() -> None:
    rng = random.Random(19)
    for _ in range(5_000):
        text = _adversarial(rng)
        folded = normalise_module._fold(text)
        assert folded == _reference_fold(text), repr(text)
