r"""Text as the leak audit compares it: what a reader of the file could see, in one canonical form.

Output is compared as normalised text, and needles are normalised by the same
function, so both sides of every comparison are in the same form. What the
normalisation does, in order:

* **Markup.** Tags are dropped: inline elements (`<span>`, `<b>`, `<wbr>`...)
  without a trace, since the browser shows `Da<b></b>na` as "Dana"; block
  elements as a space. Where an inline tag joins two words, the run of text is
  also read with a space there (a stylesheet may space `<span>`s apart).
  Attribute values and comments are kept (anyone can read them in the page
  source), but moved after the text, so that they cannot split a word of it
  either.
* **Escapes.** HTML entities are decoded; so are JavaScript and CSS escapes,
  percent-encoding and `data:` URLs wherever they occur, each decoded copy
  added to the text rather than replacing it. A JSON file is read as its
  decoded keys, strings and numbers (`\u0044ana` as "Dana"), which are all the
  text it holds.
* **Invisible characters.** Default-ignorable code points (zero-width spaces
  and joiners, soft hyphens, bidi controls, variation selectors, tag
  characters) and other format characters are removed: `Dana\u200bWhitfield`
  with a zero-width space inside shows as a name, and must match as one.
* **Look-alikes.** NFKC (full-width and mathematical letters, ligatures,
  compatibility spaces), every kind of space folded to one space, every dash
  and minus to `-`, every quotation mark to `'` or `"`, Cyrillic and Greek
  letters that look like Latin ones to those, and case folding.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import html
import io
import json
import re
import unicodedata
import urllib.parse
from itertools import chain, filterfalse, repeat
from typing import Any

from coachbook.audit.metadata import METADATA_SUFFIXES, extra_text
from coachbook.core.fields import INVISIBLE

__all__ = [
    "INVISIBLE",
    "MAX_INFLATED_BYTES",
    "TAG",
    "decoded_copies",
    "file_text",
    "json_words",
    "learn_tags",
    "normalise",
    "page_text",
    "strings",
]

#: A compressed file is read up to this size, so a crafted archive cannot exhaust memory.
MAX_INFLATED_BYTES = 50_000_000

_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)
#: A tag, as a pattern. It starts where a browser's tokenizer starts one: at `<` and a letter, `</` and a letter,
#: `<!` or `<?`. Any other `<` is text to a browser (`a < b`, `x<5` in a script, `(?<=` in a search index's
#: JSON) and read as text here: taken for a tag, it would hide what follows it, up to the next `>`.
TAG = r"<(?:[A-Za-z!?]|/[A-Za-z])[^>]*>"
#: A tag, captured so that `split` keeps it: split and substitute find the same tags.
_TAG_SPLIT = re.compile(f"({TAG})")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
#: Elements that sit inside a line of text: removing them must not split the word around them.
_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins",
        "kbd", "label", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
        "time", "tt", "u", "var", "wbr",
    }
)  # fmt: skip
#: Attribute values inside a tag: a name in `title="..."` or `content='...'` is as readable as body text.
_ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
#: The names of attributes that HTML, SVG, ARIA and Material define: a word of the page's source that says
#: nothing. Any other text in a tag is kept (`_residue`).
_KNOWN_ATTRIBUTES = (  # noqa: SIM905 (words read better than 300 quoted strings)
    "abbr accept accept-charset accesskey action align allow allowfullscreen alt as async autocapitalize "
    "autocomplete autocorrect autofocus autoplay background bgcolor blocking border cellpadding cellspacing "
    "charset checked cite class color cols colspan content contenteditable controls coords crossorigin data "
    "datetime decoding default defer dir dirname disabled download draggable enctype enterkeyhint "
    "fetchpriority for form formaction formenctype formmethod formnovalidate formtarget frameborder headers "
    "height hidden high href hreflang html http-equiv id inert inputmode integrity is ismap itemid itemprop "
    "itemref itemscope itemtype kind label lang list loading loop low max maxlength media method min "
    "minlength multiple muted name nomodule nonce novalidate open optimum pattern ping placeholder "
    "playsinline popover popovertarget popovertargetaction poster preload readonly referrerpolicy rel "
    "required reversed role rows rowspan sandbox scope scrolling selected shape size sizes slot span "
    "spellcheck src srcdoc srclang srcset start step style tabindex target title translate type usemap "
    "valign value width wrap "
    "onblur onchange onclick onerror onfocus oninput onkeydown onkeyup onload onmouseout onmouseover onsubmit "
    # SVG
    "alignment-baseline baseprofile clip-path clip-rule color-interpolation cx cy d direction display "
    "dominant-baseline dx dy fill fill-opacity fill-rule filter focusable font-family font-size font-style "
    "font-weight fx fy gradienttransform gradientunits image-rendering lengthadjust letter-spacing "
    "marker-end marker-mid marker-start mask offset opacity overflow pathlength patterntransform "
    "patternunits points preserveaspectratio r rx ry shape-rendering spreadmethod stop-color stop-opacity "
    "stroke stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin stroke-miterlimit "
    "stroke-opacity stroke-width text-anchor text-decoration text-rendering textlength transform "
    "unicode-bidi vector-effect version viewbox visibility word-spacing writing-mode x x1 x2 xlink:href "
    "xml:lang xml:space xmlns xmlns:xlink y y1 y2 encoding standalone "
    # ARIA
    "aria-activedescendant aria-atomic aria-autocomplete aria-busy aria-checked aria-colcount "
    "aria-colindex aria-colspan aria-controls aria-current aria-describedby aria-description aria-details "
    "aria-disabled aria-errormessage aria-expanded aria-flowto aria-haspopup aria-hidden aria-invalid "
    "aria-keyshortcuts aria-label aria-labelledby aria-level aria-live aria-modal aria-multiline "
    "aria-multiselectable aria-orientation aria-owns aria-placeholder aria-posinset aria-pressed "
    "aria-readonly aria-relevant aria-required aria-roledescription aria-rowcount aria-rowindex "
    "aria-rowspan aria-selected aria-setsize aria-sort aria-valuemax aria-valuemin aria-valuenow "
    "aria-valuetext "
    # Material for MkDocs and its extensions
    "data-md-color-accent data-md-color-media data-md-color-primary data-md-color-scheme data-md-component "
    "data-md-level data-md-scrollfix data-md-source data-md-state data-md-toggle data-md-type data-tabs"
).split()
_KNOWN_NAMES = frozenset(_KNOWN_ATTRIBUTES)
#: Every dash, hyphen and minus sign, folded to `-`; quotation marks folded to `'` and `"`.
_DASHES = re.compile("[\u058a\u05be\u1400\u1806\u2010-\u2015\u2043\u2212\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\U00010ead"
                     "\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d]")  # fmt: skip
_SINGLE_QUOTES = re.compile("[\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a\u0060\u00b4\u02bc\u02b9]")
_DOUBLE_QUOTES = re.compile("[\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u02ba]")
#: Blank characters that are neither whitespace to Python nor invisible: braille blank, Hangul half-width filler.
_BLANKS = re.compile("[\u2800]")


def _accent_folds() -> dict[str, str]:
    """Latin letters with accents as their plain letters, and the accents alone as nothing.

    A name is the same name to a reader with an accent more or less ("Whitfíeld"), whoever typed it.
    """
    folds = {}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)
        if len(base) > 1 and base[0].isascii() and base[0].isalpha():
            folds[char] = base[0]
    folds.update(dict.fromkeys(map(chr, range(0x300, 0x370)), ""))
    return folds


_ACCENTS = _accent_folds()
#: Letters of other scripts that look the same as Latin ones (after Unicode TR39's confusables), in both
#: cases, mapped before case folding: "Dana" written with a Cyrillic a (U+0430), or "HALDEN" with a Greek
#: Eta (U+0397), must match.
_LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
        "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ӏ": "I", "Ԛ": "Q", "Ԝ": "W",
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
        "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ѵ": "v",
        # Greek
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
        "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "α": "a", "ν": "v", "ρ": "p", "ι": "i", "κ": "k",
        "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j",
        # Latin letters that stand in for plain ones, and Armenian
        "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ɩ": "i", "օ": "o", "ս": "u", "հ": "h", "ց": "g",
        # Small capitals and phonetic letters that read as plain ones
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
        "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
        "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ɛ": "e", "ɔ": "o", "ʋ": "v",
        # Latin letters with a stroke, which have no decomposition
        "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T",
        **_ACCENTS,
    }
)  # fmt: skip
#: The folds of `_fold` that replace each character of a class with one ASCII character, in order.
_REPLACED = ((_BLANKS, " "), (_DASHES, "-"), (_SINGLE_QUOTES, "'"), (_DOUBLE_QUOTES, '"'))
#: The ASCII characters in each class `_fold` looks for.
_ASCII_MEMBERS = {
    pattern: tuple(c for c in map(chr, range(128)) if pattern.match(c))
    for pattern in (INVISIBLE, *(pattern for pattern, _ in _REPLACED))
}
#: A step replaces this many different characters one `str.replace` apiece; more (a page made to hold hundreds of
#: invisible characters), and it matches every character of the text against its class, in one pass.
_FEW = 16
#: The bytes of ASCII characters: deleted from a text's UTF-8, they leave those of the characters beyond ASCII.
_ASCII_BYTES = bytes(range(128))

#: Calendar and contact files (RFC 5545, RFC 6350) fold long lines and escape text; see `_unfold_calendar`.
_CALENDAR_SUFFIXES = frozenset({".ics", ".ical", ".ifb", ".vcf"})
_CALENDAR_FOLD = re.compile(r"\r?\n[ \t]")
_CALENDAR_ESCAPE = re.compile(r"\\([\\;,nN])")
#: Escapes of JavaScript and JSON (`\u0044`, `\u{44}`, `\x44`) and of CSS (`\44 `, `\000044`).
_SCRIPT_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_DATA_URL = re.compile(r"data:([\w.+/-]*)((?:;[\w.+-]+=?[\w.+-]*)*?)(;base64)?,([^\"'\s)<>]*)", re.IGNORECASE)
#: A `data:` URL is decoded up to this size; larger ones are images, not text.
_MAX_DATA_URL = 2_000_000
#: The scheme `data` in every mix of cases a browser accepts (`Data:` is a data URL too).
_DATA_SPELLINGS = frozenset(a + b + c + d for a in "dD" for b in "aA" for c in "tT" for d in "aA")


#: What `_tag` found in each tag seen: a page repeats the same few hundred tags thousands of times, and so do
#: the pages of a site. Only tags up to `_MAX_TAG_CHARS` are kept (a script's `a<b ... >` is no tag to
#: meet again), and it is emptied when it holds `_MAX_TAGS`, so that it stays small (a few megabytes at most).
_TAGS: dict[str, tuple[bool, tuple[str, ...]]] = {}
_MAX_TAGS = 10_000
_MAX_TAG_CHARS = 200


def _residue(tags: str) -> str:
    """What a tag (or tags joined by a character no tag holds) holds beyond what `_NOT_RESIDUE` matches.

    It is in the page's source for anyone to read, as attribute values are: `<div Dana Whitfield>`,
    `<![CDATA[Dana Whitfield]]>` in an SVG, or a script's `if (a<b) show("Dana Whitfield"); if (c>d)`, which
    is a tag to a browser's tokenizer too. A tag of the page's own markup has none.
    """
    # The words left, but known attributes' names: a set lookup apiece is faster than matching each name.
    words = _NOT_RESIDUE.sub(" ", tags).split()
    return " ".join([word for word in words if word.lower() not in _KNOWN_NAMES])


def _tag(tag: str) -> tuple[bool, tuple[str, ...]]:
    """Whether `tag` is an inline element's, and its attribute values (empty ones left out) and residue, in order."""
    name = _TAG_NAME.match(tag)
    inline = name is not None and name.group(1).lower() in _INLINE
    values = tuple(a or b or c for a, b, c in _ATTRIBUTE_VALUE.findall(tag) if a or b or c) if "=" in tag else ()
    residue = _residue(tag).strip()
    if residue:
        values = (*values, residue)
    if len(tag) <= _MAX_TAG_CHARS:
        if len(_TAGS) >= _MAX_TAGS:
            _TAGS.clear()
        _TAGS[tag] = (inline, values)
    return inline, values


# The fast way through a page's markup (`_read_page`): what the loop of `_markup` does per tag, done by
# C-level passes over the page, with what it needs of each tag known once (`_KnownTags`), as `_TAGS` is.

#: Stand-ins for tags while a page is read; a text that holds either takes the long way (`_markup`). Control
#: characters no page holds, and rare in the low byte of a character too (which a search in two-byte text tries).
_BLOCK_MARK = "\x02"
_INLINE_MARK = "\x01"
#: A run of inline tags (no text between them) joining two characters of words: `[^\W_]` is `str.isalnum`.
_JOINED = re.compile(r"\x01(?<=[^\W_]\x01)\x01*(?=[^\W_])")
#: Each tag's name as `_TAG_NAME` reads it, or "": a tag holds no `>` but its last, so in tags joined
#: together (with `_TAG_END`s, which hold no `<`) each tag is one match.
_NAMES = re.compile(r"<(?:/?([A-Za-z][A-Za-z0-9-]*))?[^>]*>")
#: `_ATTRIBUTE_VALUE` with no `>` in a value: in a tag, where the only `>` is the last character, it finds the
#: same values; in tags joined together, no match runs from one tag into the next.
_VALUES = re.compile(r"""=\s*(?:"([^">]*)"|'([^'>]*)'|([^\s"'>]+))""")
#: What of a tag is not its residue: its start and name, the values `_VALUES` reads (read apart), and spaces,
#: slashes, quotation marks, `=`, `?` and the closing `>`; what is left is words, of which known attributes'
#: names are dropped too (`_residue`).
_NOT_RESIDUE = re.compile(_VALUES.pattern + r"""|<[!?]?/?(?:[A-Za-z][A-Za-z0-9-]*)?|[\s/>=?"']+""")
#: Put after each tag of those joined for `_VALUES`, which finds the stand-in in it as a value of its own.
_TAG_END = "=" + _BLOCK_MARK + ">"
_MARK_OF_NAME = dict.fromkeys(_INLINE, _INLINE_MARK)
#: `_has_comment` looks at this many `!`s at most.
_FEW_BANGS = 64
#: A tag's read values when they hold invisible characters: never part of read text (see `normalise`).
_HIDDEN = _BLOCK_MARK
#: The characters of tags `_KnownTags` holds at most: a page's longest tags (an SVG path, a policy) are its
#: most repeated too, so tags of every length are kept, and the room they take is bounded instead.
_MAX_KNOWN_CHARS = _MAX_TAGS * _MAX_TAG_CHARS


class _KnownTags:
    """Each tag seen, as `_read_page` needs it; emptied when it holds `_MAX_TAGS` or `_MAX_KNOWN_CHARS`.

    `marks` maps a tag to its stand-in; `values` to its attribute values as `_read` reads them ("" without
    any, else a space and the values), or to `_HIDDEN` if they hold invisible characters, which make
    `_fold` double the whole text (then the page takes the long way).
    """

    def __init__(self) -> None:
        self.marks: dict[str, str] = {}
        self.values: dict[str, str] = {}
        self.chars = 0

    def clear(self) -> None:
        self.marks.clear()
        self.values.clear()
        self.chars = 0

    def learn(self, tags: list[str]) -> None:
        """Learn the tags of `tags` not known yet, all at once.

        A site's pages share most of their tags, but the first page has hundreds never seen: they are read
        by passes over all of them joined, not by a call apiece.
        """
        new = set(filterfalse(self.marks.__contains__, tags))
        if len(self.marks) + len(new) > _MAX_TAGS or self.chars > _MAX_KNOWN_CHARS:
            self.clear()
            new = set(tags)
        order = list(new)
        joined = _TAG_END.join(order) + _TAG_END
        self.chars += len(joined)
        names = map(str.lower, _NAMES.findall(joined))
        self.marks.update(zip(order, map(_MARK_OF_NAME.get, names, repeat(_BLOCK_MARK)), strict=True))
        # Each tag's values, then a stand-in: read together, split again at the stand-ins.
        listed = " ".join(filter(None, chain.from_iterable(_VALUES.findall(joined))))
        read = _read(html.unescape(listed))
        if read is None:
            # Some tag's values hold invisible characters: each tag is read alone, to find which.
            pieces = [_read(html.unescape(piece)) for piece in _tag_pieces(listed)]
            values = [_HIDDEN if piece is None else " " + piece if piece else "" for piece in pieces]
        else:
            values = _tag_pieces(read)
        # The rest of each tag, which the page's own tags never have: read apart, after the tag's values.
        residues = _residue(_BLOCK_MARK.join(order)).split(_BLOCK_MARK)
        for i in [i for i, residue in enumerate(residues) if residue and not residue.isspace()]:
            rest = _read(html.unescape(residues[i]))
            if rest is None or values[i] == _HIDDEN:
                values[i] = _HIDDEN
            elif rest:
                values[i] += " " + rest
        self.values.update(zip(order, values, strict=True))


_KNOWN = _KnownTags()


def learn_tags(markup: str) -> None:
    """Learn now the tags of `markup` not known yet, as `normalise` would learn them on meeting them in a page.

    For the build's fork server: the page shapes and converted guides that sites store (what every site's pages
    are made of, their values left out) hold most of the tags of every site's pages, so each site's process
    starts knowing them instead of learning them again. Only a cache: what a tag is read as depends on the
    tag alone, so learning it here or in the page gives the same text.
    """
    if _BLOCK_MARK in markup or _INLINE_MARK in markup:
        return  # A page `normalise` reads the long way: its tags are never looked up.
    tags = _TAG_SPLIT.split(markup)[1::2]
    if not all(map(_KNOWN.marks.__contains__, tags)):
        _KNOWN.learn(tags)
    if _KNOWN.chars > _MAX_KNOWN_CHARS or len(_KNOWN.marks) > _MAX_TAGS:
        _KNOWN.clear()


def _tag_pieces(listed: str) -> list[str]:
    """Each tag's part of `listed` (its values, a stand-in after each tag's): "", or a space and the values.

    Every stand-in is a word of its own there, after a space once one is added before the text.
    """
    return (" " + listed + " ").split(" " + _BLOCK_MARK)[:-1]


def _read_page(text: str, comments: list[str], tags_read: list[str] | None = None) -> str | None:
    """`normalise` of a page (with its comments taken out, into `comments`) the fast way, or None.

    What `_markup` and `_canonical` do, with C-level passes rather than a Python loop over the tags: each
    tag is replaced by a stand-in, and the text around the stand-ins of inline tags read for words they
    join. Attribute values are read apart, each tag's once (`_KnownTags.learn`): reading text (unescaping, folding,
    collapsing spaces, case folding) reads two texts joined by a space as it reads each apart, joined by a
    space, so long as the text is read beyond ASCII, and holds no invisible character to double it by. For a
    text read as ASCII, or holding one, it returns None and `normalise` takes the long way.
    """
    parts = _TAG_SPLIT.split(text)
    tags = parts[1::2]
    if tags_read is not None:
        tags_read += tags
    known = _KNOWN
    try:
        parts[1::2] = map(known.marks.__getitem__, tags)
    except KeyError:
        known.learn(tags)
        parts[1::2] = map(known.marks.__getitem__, tags)
    values = "".join(map(known.values.__getitem__, tags))
    if known.chars > _MAX_KNOWN_CHARS or len(known.marks) > _MAX_TAGS:
        # One page's tags alone may be more than the room: they are not kept after it.
        known.clear()
    if _HIDDEN in values:
        return None
    marked = "".join(parts)
    # Where inline tags join two words, the run of text between block tags is kept with a space at each.
    spaced: list[str] = []
    joined = _JOINED.search(marked)
    while joined:
        start = marked.rfind(_BLOCK_MARK, 0, joined.start()) + 1
        end = marked.find(_BLOCK_MARK, joined.end())
        if end < 0:
            end = len(marked)
        spaced.append(marked[start:end].replace(_INLINE_MARK, " "))
        joined = _JOINED.search(marked, end)
    # A block tag as one space, where `_markup` puts two: reading collapses every run of spaces to one.
    body = marked.replace(_INLINE_MARK, "").replace(_BLOCK_MARK, " ")
    aside = spaced + comments
    if aside:
        body = body + " " + " ".join(aside)
    body = html.unescape(body)
    read = None if body.isascii() else _read(body)
    if read is None:
        return None
    return read + values if read and values else read or values[1:]


def normalise(text: str, tags_read: list[str] | None = None) -> str:
    """Text as the audit compares it (see the module's docstring for each step).

    If `tags_read` is given, the tags of `text` as `TAG` finds them (`re.findall`) are put in it when they are
    found on the way; when they are not (a text with a comment), it is left empty.
    """
    # Comments and attribute values are kept as text, after the rest: anyone can read them in the page source.
    aside: list[str] = []
    if _has_comment(text):

        def comment(match: re.Match[str]) -> str:
            aside.append(match.group(1))
            return ""

        text = _COMMENT.sub(comment, text)
        tags_read = None
    if "<" in text and _BLOCK_MARK not in text and _INLINE_MARK not in text:
        read = _read_page(text, aside, tags_read)
        if read is not None:
            return read
    return _canonical(_markup(text, aside))


def _has_comment(text: str) -> bool:
    """Whether `text` holds `<!--`, found from its `!`s (a page holds a few dozen).

    A search for the four characters stops at every `<` and `-` of a page, and takes as long as the rest of
    reading its markup; a search for one character is a scan in C. A text of many `!`s is searched the usual way.
    """
    bang = text.find("!", 1)
    for _ in range(_FEW_BANGS):
        if bang < 0:
            return False
        if text.startswith("<!--", bang - 1):
            return True
        bang = text.find("!", bang + 1)
    return "<!--" in text


def _markup(text: str, aside: list[str]) -> str:
    """`text` with its tags replaced, and after it the runs of joined words, `aside`, and attribute values."""
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
    known = _TAGS
    for i in range(1, len(parts), 2):
        tag = parts[i]
        inline, values = known.get(tag) or _tag(tag)
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
    return "".join(parts)


def _canonical(text: str) -> str:
    """Text with its markup gone, unescaped, folded, with its spaces collapsed and case-folded."""
    text = html.unescape(text)
    folded = False
    if not text.isascii():
        text, folded = _fold(text)
    # Every run of whitespace (`str.isspace`, as the `\s` of a `str` pattern) as one space, none at the ends.
    collapsed = " ".join(text.split())
    # Case folding is idempotent: text that `_fold` left case-folded needs no second pass.
    return collapsed if folded else collapsed.casefold()


def _read(text: str) -> str | None:
    """`_canonical` of unescaped text, folded even if ASCII; None if it holds invisible characters."""
    text, folded, hidden = _folded(text, stop_if_hidden=True)
    if hidden:
        return None
    collapsed = " ".join(text.split())
    return collapsed if folded else collapsed.casefold()


def _fold(text: str) -> tuple[str, bool]:
    """The steps only text beyond ASCII needs: NFKC, invisible characters, spaces, dashes, quotes, look-alikes.

    Returns the text, and whether it is case-folded already (so that folding it again would change nothing).
    """
    text, folded, _ = _folded(text)
    return text, folded


def _folded(text: str, *, stop_if_hidden: bool = False) -> tuple[str, bool, bool]:
    """What `_fold` returns, and whether the text held invisible characters (at once if `stop_if_hidden`).

    Each step is a class of single characters, and a page holds only a handful of different characters
    beyond ASCII (a middle dot, a dash, a pilcrow). So the characters present are found once, and each
    step replaces just those of its class, one `str.replace` apiece, rather than matching every character
    of the page against a class it almost never holds. The steps only ever replace characters with ASCII
    ones, so the characters found after NFKC are the only ones any step can meet.
    """
    # The characters beyond ASCII, found by a scan in C (a set of every character would hash each one): the
    # text's UTF-8 without the bytes of ASCII characters.
    encoded = text.encode("utf-8", "surrogatepass")
    beyond = set(encoded.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))
    if not _stable(beyond):
        text = unicodedata.normalize("NFKC", text)
        encoded = text.encode("utf-8", "surrogatepass")
        beyond = set(encoded.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))
    unchanged = text
    replaced: set[str] = set()

    def present(pattern: re.Pattern[str]) -> list[str]:
        # A class's ASCII members in the text (the backtick is a quotation mark), and its other members there.
        found = [c for c in _ASCII_MEMBERS[pattern] if c in text] + [c for c in beyond if pattern.match(c)]
        replaced.update(found)
        return found

    invisible = present(INVISIBLE)
    if invisible and stop_if_hidden:
        return text, False, True
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
    hidden = bool(invisible)
    if all(char.casefold() == char for char in beyond - replaced):
        # Only ASCII letters have a case here: lower-casing the bytes of the text does what case folding
        # does, in less time (a lone surrogate, which JSON may hold, is kept as it is).
        if text is not unchanged:
            encoded = text.encode("utf-8", "surrogatepass")
        text = encoded.lower().decode("utf-8", "surrogatepass")
        if _stable(beyond - replaced):
            # What NFKC would return as it is (the text is made of ASCII and those characters).
            return text, True, hidden
    else:
        text = text.casefold()
    # Case folding can make characters that NFKC composes differently (and never invisible ones). When NFKC
    # finds nothing to change it returns the very same string, which is then case-folded as it stands.
    normalised = unicodedata.normalize("NFKC", text)
    return normalised, normalised is text, hidden


def _stable(chars: set[str]) -> bool:
    """Whether NFKC returns any text of `chars` and ASCII characters as it is, found without reading the text.

    NFKC returns the text itself when its quick check passes for the text: when every character passes it,
    and no character with a combining class follows one with a higher class. So when each of `chars` passes
    it and has no combining class, as every ASCII character does. (Two of a character are checked, since NFKC
    of one character may give a cached one-character string that is the very same.)
    """
    for char in chars:
        pair = char + char
        if unicodedata.combining(char) or unicodedata.normalize("NFKC", pair) is not pair:
            return False
    return True


def strings(value: Any) -> str:
    """Every string inside decoded JSON (keys of mappings included), joined by spaces."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(f"{k} {strings(v)}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(strings(v) for v in value)
    return ""


def _every_pair(pairs: list[tuple[str, Any]]) -> list[Any]:
    return [item for pair in pairs for item in pair]


def json_words(text: str) -> str:
    r"""Every key, string and number of the JSON document `text`, decoded, in order and joined by spaces.

    What the file holds beyond them is its punctuation (and `true`, `false`, `null`), so this is all of its
    text, with escapes decoded (`\u0044ana` is "Dana"), and it stands for the file's text on its own: reading
    the undecoded text too would read the file twice. A key given twice is read twice (a parser keeps the last
    value, but the file holds both), and numbers as they are written; a byte order mark before it is left out, as
    a browser's `fetch(...).json()` leaves it out. Raises `ValueError` if it is not JSON.
    """
    document = text.removeprefix("\ufeff")
    decoded = json.loads(document, object_pairs_hook=_every_pair, parse_int=str, parse_float=str, parse_constant=str)
    return strings(decoded)


#: Every byte but ASCII letters and digits: deleted from normalised text, they leave its letters and digits run
#: together, the text a name is searched in however it is spaced or punctuated (`squashed`).
_NOT_ALPHANUMERIC = bytes(b for b in range(256) if not (48 <= b <= 57 or 97 <= b <= 122))


def squashed(text: str) -> str:
    """Normalised `text` as its ASCII letters and digits alone, run together.

    "Whitfield, Dana", "Dana-Whitfield" and "Kwame (Asante)" are "whitfielddana", "danawhitfield" and
    "kwameasante" here, so a name or an organisation is found however it was spaced or punctuated. (The text is
    normalised first, so accents and look-alikes are plain letters already, and capitals are lower case.)
    """
    return text.encode("ascii", "ignore").translate(None, _NOT_ALPHANUMERIC).decode("ascii")


def _code_point(digits: str) -> str:
    value = int(digits, 16)
    # Surrogate halves and values past Unicode are not characters; a browser shows a replacement for them.
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        return "\ufffd"
    return chr(value)


def _unescape_script(text: str) -> str:
    return _SCRIPT_ESCAPE.sub(lambda m: _code_point(next(g for g in m.groups() if g)), text)


def _unescape_css(text: str) -> str:
    return _CSS_ESCAPE.sub(lambda m: _code_point(m.group(1)), text)


def _data_url_matches(text: str) -> list[re.Match[str]]:
    """The `data:` URLs in `text`, in any mix of cases: what `_DATA_URL.finditer` finds, found from the colons.

    A page holds a few hundred colons, and most pages one `data:` URL or none; a search for the scheme
    ignoring case would try every character of the page. Every match starts with the scheme, so trying
    `_DATA_URL` where each scheme starts, past the end of the match before, finds the same matches.
    """
    matches = []
    end = 0
    colon = text.find(":", 4)
    while colon >= 0:
        start = colon - 4
        if start >= end and text[start:colon] in _DATA_SPELLINGS:
            match = _DATA_URL.match(text, start)
            if match is not None:
                matches.append(match)
                end = match.end()
        colon = text.find(":", colon + 1)
    return matches


def _data_urls(matches: list[re.Match[str]]) -> str:
    """The decoded content of each `data:` URL matched (an SVG or a page can be hidden in one)."""
    out = []
    for match in matches:
        kind, _, is_base64, payload = match.groups()
        if len(payload) > _MAX_DATA_URL:
            continue
        try:
            raw = base64.b64decode(payload + "=" * (-len(payload) % 4)) if is_base64 else None
        except (binascii.Error, ValueError):
            continue
        if raw is None:
            raw = urllib.parse.unquote_to_bytes(payload)
        suffix = _SUFFIX_OF_TYPE.get(kind.lower().split("+")[0], ".txt")
        out.append(_raw_text("data" + suffix, raw))
    return " ".join(out)


_SUFFIX_OF_TYPE = {
    "image/svg": ".svg",
    "text/html": ".html",
    "text/css": ".css",
    "application/json": ".json",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


def decoded_copies(text: str, *, css: bool = False) -> str:
    """`text` with its escapes decoded, and what its `data:` URLs hide added after it.

    JavaScript and CSS escapes and percent-encoding are decoded in place (a
    backslash or percent sign that was never an escape stays as it was); the
    content of a `data:` URL, an SVG or a page of its own, is added.
    """
    if "\\" in text:
        text = _unescape_script(text)
        if css:
            text = _unescape_css(text)
    if "%" in text and _PERCENT.search(text):
        text = urllib.parse.unquote(text)
    matches = _data_url_matches(text)
    if matches:
        text = text + " " + _data_urls(matches)
    return text


def _suffix(name: str) -> str:
    last = name.rsplit("/", 1)[-1]
    return "." + last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _raw_text(name: str, raw: bytes) -> str:
    """A file's readable text before normalisation, from its name (for its kind) and its bytes."""
    return _read_raw(name, raw)[0]


def _read_raw(name: str, raw: bytes) -> tuple[str, bool]:
    """`_raw_text`, and whether it is the file's bytes decoded as UTF-8 and nothing else (nothing decoded or added)."""
    suffix = _suffix(name)
    # A browser reads a file that starts with a UTF-16 byte order mark as UTF-16, whatever its kind.
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = decoded = raw.decode(encoding, errors="ignore")
    if suffix in METADATA_SUFFIXES:
        # Names in an image's or a document's fields, UTF-16 or compressed as they may be.
        text = text + " " + extra_text(name, raw)
    if suffix == ".json" or suffix == ".webmanifest":
        # Read the way a browser's `JSON.parse` reads it, `\u` escapes decoded; a file that is not JSON, as it is.
        with contextlib.suppress(ValueError, RecursionError):
            text = json_words(text)
    elif suffix in _CALENDAR_SUFFIXES:
        # Read text as a calendar app would: a sentence folded over two lines, or with its commas escaped,
        # must still match.
        text = text + " " + _unfold_calendar(text)
    elif suffix in _TEXT_SUFFIXES:
        text = decoded_copies(text, css=suffix in (".css", ".html", ".htm", ".xhtml", ".svg"))
    elif not suffix or suffix not in _PLAIN_SUFFIXES:
        # A binary file (audio tags, a font's names, an unknown document) may hold text in UTF-16.
        text = text + " " + _utf16_strings(raw)
    return text, encoding == "utf-8" and text is decoded


#: Files that are text, whose escapes are decoded.
_TEXT_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".svg", ".css", ".js", ".mjs", ".xml", ".txt", ".md"})
#: Files read as they are, without a search for UTF-16 text.
_PLAIN_SUFFIXES = _TEXT_SUFFIXES | _CALENDAR_SUFFIXES | {".json", ".webmanifest", ".map", ".csv", ".tsv"}
_UTF16_LE = re.compile(rb"(?:[\x20-\x7e]\x00){4,}")
_UTF16_BE = re.compile(rb"(?:\x00[\x20-\x7e]){4,}")


def _utf16_strings(raw: bytes) -> str:
    """Runs of four or more printable characters stored as UTF-16 (either byte order) in binary data."""
    little = [m.decode("utf-16-le") for m in _UTF16_LE.findall(raw)]
    big = [m.decode("utf-16-be") for m in _UTF16_BE.findall(raw)]
    return " ".join(little + big)


def file_text(name: str, raw: bytes) -> str:
    """A file's text as the audit searches it, from its name (for its kind) and its bytes."""
    if name.endswith(".gz"):
        raw = _inflated(raw)
        name = name.removesuffix(".gz")
    return normalise(_raw_text(name, raw))


#: Pages, whose tags the address audit reads too (`page_text`).
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".svg")


def page_text(name: str, raw: bytes) -> tuple[str, list[str] | None]:
    """`file_text`, and for a page, the tags of its UTF-8 text as `TAG` finds them if they were found on the way.

    The address audit reads a page's tags (`coachbook.audit.origins`): a page whose text needs no decoding
    beyond UTF-8 (no escapes, `data:` URLs or comments: every page Coachbook writes) is split into them once,
    here, for both. None when they were not found (read them from the text).
    """
    if not name.endswith(_PAGE_SUFFIXES):
        return file_text(name, raw), None
    text, as_decoded = _read_raw(name, raw)
    if not as_decoded:
        return normalise(text), None
    tags: list[str] = []
    read = normalise(text, tags)
    return read, tags if tags or "<" not in text else None


def _inflated(raw: bytes) -> bytes:
    """A gzip file's content, up to `MAX_INFLATED_BYTES`; a damaged file gives what could be read of it."""
    out = bytearray()
    with contextlib.suppress(OSError, EOFError), gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
        while len(out) < MAX_INFLATED_BYTES:
            chunk = stream.read(min(1 << 16, MAX_INFLATED_BYTES - len(out)))
            if not chunk:
                break
            out += chunk
    return bytes(out)


def _unfold_calendar(text: str) -> str:
    r"""Calendar or contact text with folded lines joined and the `\,` `\;` `\n` `\\` escapes decoded."""
    unfolded = _CALENDAR_FOLD.sub("", text)
    return _CALENDAR_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), unfolded)
