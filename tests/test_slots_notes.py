"""Tests for coachbook.render.tokens (values stay data) and coachbook.render.notes (safe coach notes)."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import markdown
import pytest
from markupsafe import Markup

from coachbook.render.notes import NoteLinks, render_note
from coachbook.render.tokens import Slots

# --------------------------------------------------------------------------- Slots


def test_tokens_are_numbered_in_order() -> None:
    slots = Slots()
    assert str(slots.text("a")) == "CBV0000Z"
    assert str(slots.inline_html("<i>b</i>")) == "CBV0001Z"
    assert str(slots.block_html("<div>c</div>")) == "\n\nCBV0002Z\n\n"
    assert len(slots) == 3


def test_tokens_are_markup_so_templates_do_not_escape_them() -> None:
    slots = Slots()
    assert isinstance(slots.text("<b>"), Markup)
    assert isinstance(slots.block_html("<div/>"), Markup)


@pytest.mark.parametrize(
    ("value", "html"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ('say "hi"', "say &quot;hi&quot;"),
        ("O'Brien", "O&#x27;Brien"),
        ("a<b>c&d\"e'f", "a&lt;b&gt;c&amp;d&quot;e&#x27;f"),
        ("{{ 7*7 }}", "{{ 7*7 }}"),
        ("**not bold**", "**not bold**"),
        (42, "42"),
        (3.5, "3.5"),
    ],
)
def test_text_is_escaped_including_quotes(value: object, html: str) -> None:
    slots = Slots()
    token = str(slots.text(value))
    assert slots.fill(f"<p>{token}</p>") == f"<p>{html}</p>"
    assert slots.fill(f'<a title="{token}">x</a>') == f'<a title="{html}">x</a>'


def test_inline_html_is_trusted_as_is() -> None:
    slots = Slots()
    token = str(slots.inline_html('<span class="icon">*</span>'))
    assert slots.fill(f"<p>Done {token}</p>") == '<p>Done <span class="icon">*</span></p>'


def test_block_html_unwraps_the_paragraph_markdown_adds() -> None:
    slots = Slots()
    token = slots.block_html("<ul><li>one</li></ul>")
    converted = markdown.markdown("Before\n" + str(token) + "After")
    assert "<p>CBV0000Z</p>" in converted
    assert slots.fill(converted) == "<p>Before</p>\n<ul><li>one</li></ul>\n<p>After</p>"


def test_block_html_without_wrapper_is_filled_in_place() -> None:
    slots = Slots()
    slots.block_html("<figure/>")
    assert slots.fill("<div>CBV0000Z</div>") == "<div><figure/></div>"


@pytest.mark.parametrize(
    ("converted", "filled"),
    [
        ("<p>CBV0000Z</p>", "<p>&lt;b&gt;</p>"),
        ("<p>CBV0000Z and more</p>", "<p>&lt;b&gt; and more</p>"),
        ("<p>More CBV0000Z</p>", "<p>More &lt;b&gt;</p>"),
    ],
)
def test_text_token_keeps_its_paragraph(converted: str, filled: str) -> None:
    slots = Slots()
    slots.text("<b>")
    assert slots.fill(converted) == filled


def test_block_token_sharing_a_paragraph_keeps_it() -> None:
    slots = Slots()
    slots.block_html("<hr>")
    assert slots.fill("<p>CBV0000Z text</p>") == "<p><hr> text</p>"


def test_fill_is_a_single_pass() -> None:
    slots = Slots()
    first = str(slots.text("CBV0001Z"))  # a value that looks like the next token
    second = str(slots.text("second"))
    inline = str(slots.inline_html("<em>CBV0001Z</em>"))
    assert slots.fill(f"{first} {second} {inline}") == "CBV0001Z second <em>CBV0001Z</em>"


def _fill_by_the_definition(slots: Slots, converted: str, *, rtl_page: bool) -> str:
    """What `Slots.fill` writes, as one regular expression says it: each token, with the `<p>` around it if any."""

    def replace(match: re.Match[str]) -> str:
        index = int(match.group(2))
        if index >= len(slots):
            return match.group(0)
        value = slots._html[index]
        opened, closed = match.group(1) or "", match.group(3) or ""
        if slots._block[index] and opened and closed:
            return value
        wanted = slots._rtl[index] or (rtl_page and slots._isolated[index])
        if wanted and converted.rfind("<", 0, match.start(2)) <= converted.rfind(">", 0, match.start(2)):
            value = f"<bdi>{value}</bdi>"
        return opened + value + closed

    return re.sub(r"(<p>)?CBV(\d{4,})Z(</p>)?", replace, converted)


def test_fill_writes_what_the_definition_says_around_paragraphs_tags_and_unknown_tokens() -> None:
    slots = Slots()
    slots.text("Dana")
    slots.block_html("<div>chart</div>")
    slots.text("نور")
    slots.inline_html("<b>x</b>")
    pieces = ["<p>", "</p>", "CBV", "Z", "0", "1", "CBV0000Z", "CBV0001Z", "CBV0002Z", "CBV0003Z", "CBV0004Z"]
    pieces += ["CBV00001Z", "<", ">", "a", "\n", '<a title="', '">', "p>", "</"]
    rng = random.Random(16)
    for _ in range(20_000):
        converted = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for rtl_page in (False, True):
            expected = _fill_by_the_definition(slots, converted, rtl_page=rtl_page)
            assert slots.fill(converted, rtl_page=rtl_page) == expected, converted


def test_fill_replaces_every_occurrence_of_a_token() -> None:
    slots = Slots()
    token = str(slots.text("Ana"))
    assert slots.fill(f"<h1>{token}</h1><title>{token}</title>") == "<h1>Ana</h1><title>Ana</title>"


@pytest.mark.parametrize(
    "text",
    [
        "CBV0005Z",
        "<p>CBV0001Z</p>",
        "CBV12Z",
        "CBV0000",
        "cbv0000z",
        "CBVABCDZ",
    ],
)
def test_unknown_or_malformed_tokens_are_left_alone(text: str) -> None:
    slots = Slots()
    slots.text("only")
    assert slots.fill(text) == text


def test_fill_with_no_tokens_is_identity() -> None:
    assert Slots().fill("<p>Plain</p>") == "<p>Plain</p>"


def test_many_tokens_past_four_digits() -> None:
    slots = Slots()
    tokens = [str(slots.text(i)) for i in range(10_001)]
    assert tokens[9_999] == "CBV9999Z"
    assert tokens[10_000] == "CBV10000Z"
    assert slots.fill(f"{tokens[9_999]}|{tokens[10_000]}|{tokens[7]}") == "9999|10000|7"


# --------------------------------------------------------------------------- render_note


REL = 'rel="noopener noreferrer nofollow"'


@pytest.mark.parametrize(
    ("note", "html"),
    [
        ("<script>alert(1)</script>hi", "<p>hi</p>"),
        ("Hello <script>steal()</script> there", "<p>Hello  there</p>"),
        ('<a href="https://x.example" onclick="steal()">c</a>', f'<p><a href="https://x.example" {REL}>c</a></p>'),
        ("[x](javascript:alert(1))", f"<p><a {REL}>x</a></p>"),
        ('<a href="JaVaScRiPt:alert(1)">j</a>', f"<p><a {REL}>j</a></p>"),
        ("[d](data:text/html;base64,PHNjcmlwdD4=)", f"<p><a {REL}>d</a></p>"),
        ('<a href="vbscript:x">v</a>', f"<p><a {REL}>v</a></p>"),
        ('<iframe src="https://evil.example"></iframe>ok', "<p>ok</p>"),
        ('<form action="https://evil.example"><input name="pw"><button>Go</button></form>', "Go"),
        ("![tracker](https://evil.example/pixel.png)", "<p></p>"),
        ('<img src="https://evil.example/p.png" onerror="steal()">', "<p></p>"),
        ("<style>body { display: none }</style>styled", "<p>styled</p>"),
        ('<div style="color: red">x</div>', "x"),
        ("<svg onload=steal()><circle/></svg>", "<p></p>"),
        ("a <!-- coach only --> b", "<p>a  b</p>"),
        ("a <!-- unterminated coach note", "<p>a </p>"),
        ("<h1>Too big</h1>", "Too big"),
    ],
)
def test_dangerous_html_is_removed(note: str, html: str) -> None:
    assert render_note(note) == html


@pytest.mark.parametrize(
    ("note", "html"),
    [
        ("**bold** and *em*", "<p><strong>bold</strong> and <em>em</em></p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. first\n2. second", "<ol>\n<li>first</li>\n<li>second</li>\n</ol>"),
        ("[site](https://example.com)", f'<p><a href="https://example.com" {REL}>site</a></p>'),
        ("[site](http://example.com)", f'<p><a href="http://example.com" {REL}>site</a></p>'),
        ("[mail](mailto:ana@example.com)", f'<p><a href="mailto:ana@example.com" {REL}>mail</a></p>'),
        ('[t](https://example.com "Title")', f'<p><a href="https://example.com" title="Title" {REL}>t</a></p>'),
        (
            '<a href="https://example.com" target="_blank" rel="opener">x</a>',
            f'<p><a href="https://example.com" {REL}>x</a></p>',
        ),
        ("`code` here", "<p><code>code</code> here</p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("### Heading", "<h3>Heading</h3>"),
        ("Line one\n\nLine two", "<p>Line one</p>\n<p>Line two</p>"),
        ("&lt;script&gt; stays text", "<p>&lt;script&gt; stays text</p>"),
        ("Tom & Jerry", "<p>Tom &amp; Jerry</p>"),
        ("", ""),
    ],
)
def test_formatting_and_safe_links_survive(note: str, html: str) -> None:
    assert render_note(note) == html


def test_tables_survive() -> None:
    html = render_note("| Week | Hours |\n|---|---|\n| 1 | 14 |")
    assert html == (
        "<table>\n<thead>\n<tr>\n<th>Week</th>\n<th>Hours</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>1</td>\n<td>14</td>\n</tr>\n</tbody>\n</table>"
    )


def test_comment_text_never_reaches_the_output() -> None:
    note = "Shared text.\n\n<!-- coach: Callum has not heard about the restructure -->\n\nMore shared text."
    html = render_note(note)
    assert "restructure" not in html
    assert "Callum" not in html
    assert html == "<p>Shared text.</p>\n<p>More shared text.</p>"


def test_comment_inside_code_is_still_removed() -> None:
    # Comments are coach-only by rule, wherever they are written.
    html = render_note("`<!-- secret -->`")
    assert "secret" not in html
    assert html == "<p>``</p>"


def test_every_link_gets_the_rel_attribute() -> None:
    html = render_note("[a](https://a.example) and [b](https://b.example)")
    assert html.count(REL) == 2


# --------------------------------------------------------------------------- headings and links to pages in notes


@pytest.mark.parametrize(
    ("note", "html"),
    [
        ("# Looking ahead", "<h3>Looking ahead</h3>"),
        ("## Looking ahead", "<h3>Looking ahead</h3>"),
        ("Looking ahead\n=============", "<h3>Looking ahead</h3>"),
        ("Looking ahead\n-------------", "<h3>Looking ahead</h3>"),
        ("### Looking ahead", "<h3>Looking ahead</h3>"),
        ("#### Looking ahead", "<h4>Looking ahead</h4>"),
        ("###### Looking ahead", "<h6>Looking ahead</h6>"),
    ],
)
def test_headings_in_a_note_start_at_level_three(note: str, html: str) -> None:
    """A note sits under the page's own title and sections: its headings are never bare text, nor h1 or h2."""
    assert render_note(note) == html


PAGES = NoteLinks(
    frozenset({"index.md", "goals.md", "sessions.md", "program.md", "stages/03-assessment.md"}), page="sessions.md"
)


@pytest.mark.parametrize(
    ("links", "note", "html"),
    [
        (PAGES, "[guide](stages/03-assessment.md)", f'<p><a href="../stages/03-assessment/" {REL}>guide</a></p>'),
        (
            PAGES,
            "[g](stages/03-assessment.md#prepare)",
            f'<p><a href="../stages/03-assessment/#prepare" {REL}>g</a></p>',
        ),
        (PAGES, "[goals](goals.md)", f'<p><a href="../goals/" {REL}>goals</a></p>'),
        (PAGES, "[home](index.md)", f'<p><a href="../" {REL}>home</a></p>'),
        (replace(PAGES, page="index.md"), "[goals](goals.md)", f'<p><a href="goals/" {REL}>goals</a></p>'),
        (
            replace(PAGES, page="index.md", directory_urls=False),
            "[g](stages/03-assessment.md)",
            f'<p><a href="stages/03-assessment.html" {REL}>g</a></p>',
        ),
        (PAGES, "[old form](old-form.md)", "<p>old form</p>"),
        (PAGES, "[up](../engagements/x.md)", "<p>up</p>"),
        (PAGES, "[site](https://example.com/a.md)", f'<p><a href="https://example.com/a.md" {REL}>site</a></p>'),
        (PAGES, "[here](#top)", f'<p><a href="#top" {REL}>here</a></p>'),
        (None, "[guide](stages/03-assessment.md)", f'<p><a href="stages/03-assessment.md" {REL}>guide</a></p>'),
    ],
)
def test_links_to_pages_in_a_note_lead_to_them_from_the_page_it_is_on(
    links: NoteLinks | None, note: str, html: str
) -> None:
    assert render_note(note, links) == html


def test_a_note_without_links_is_converted_once_for_every_page_it_is_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The print page shows every note a second time; a note that links nowhere converts the same there."""
    from coachbook.render import notes

    calls = []
    convert = notes._CONVERTER.convert
    monkeypatch.setattr(notes._CONVERTER, "convert", lambda source: calls.append(source) or convert(source))
    text = "Agreed the **three** priorities for the quarter (unique to this test)."
    first = render_note(text, NoteLinks(pages={"goals.md"}, page="sessions.md"))
    second = render_note(text, NoteLinks(pages={"goals.md"}, page="program.md"))
    assert (
        first == second == "<p>Agreed the <strong>three</strong> priorities for the quarter (unique to this test).</p>"
    )
    assert len(calls) == 1
    # Directed on a right-to-left page: another conversion, with `dir="auto"`.
    assert 'dir="auto"' in render_note(text, rtl_page=True) and len(calls) == 2
    # A note with a link is converted for each page, its link leading from there.
    linked = "See [your goals](goals.md) (unique to this test)."
    assert 'href="../goals/"' in render_note(linked, NoteLinks(pages={"goals.md"}, page="sessions.md"))
    assert 'href="goals/"' in render_note(linked, NoteLinks(pages={"goals.md"}, page="index.md"))
    assert len(calls) == 4
