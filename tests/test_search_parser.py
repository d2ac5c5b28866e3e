"""The faster search-index parser cuts every page into exactly the sections Material's own parser does.

`coachbook.build.search_parser.FastParser` replaces Material's `Parser` in
the build's fork server and the live preview. It is compared here with
Material's on every page of a built sample firm, on markup written to reach
each branch (excluded blocks, nested headings, `pre`, permalinks, kept tags
left empty, stray end tags) and on thousands of random documents.
"""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from material.plugins.search import plugin as material_search
from mkdocs.config import load_config

from coachbook.build import search_parser
from coachbook.build.search_parser import (
    FastParser,
    matches_html_parser,
    matches_material,
    simple_events,
    use_fast_search_parser,
)

from .conftest import REPO

pytestmark = pytest.mark.skipif(
    not matches_material(), reason="this Material's search parser is not the one FastParser mirrors; it keeps its own"
)

Original: Any = search_parser._ORIGINAL


def sections(parser_class: Any, html: str) -> list[tuple[Any, ...]]:
    parser = parser_class()
    parser.feed(html)
    parser.close()
    return [
        (s.el.tag, dict(s.el.attrs), s.depth, s.id, list(s.title), list(s.text), s.is_excluded()) for s in parser.data
    ]


def test_the_parsers_agree_on_every_page_of_a_built_firm(built_firm: Path) -> None:
    pages = sorted((built_firm / "site").rglob("*.html"))
    assert len(pages) > 100
    indexed = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        expected = sections(Original, html)
        assert sections(FastParser, html) == expected, page
        indexed += len(expected)
    assert indexed > 1000, "the pages gave almost no sections: the comparison compares nothing"


CASES = [
    '<h1 id="top">Title <a class="headerlink" href="#top">¶</a></h1><p>Text &amp; more</p>',
    "<p>Before any heading</p><h2 id='a'>A</h2><p>one</p><h3 id='b'>B</h3><p>two</p>",
    '<div><h2 id="nested">Nested</h2><p>in</p></div><p>after the div</p><h2 id="n2">Next</h2>',
    '<div data-search-exclude><h2 id="x">Hidden</h2><p>hidden</p></div><p>shown</p>',
    '<div class="linenodiv"><pre>1\n2</pre></div><pre><code>keep\n\n  spacing</code></pre>',
    "<p>  </p><ul><li></li><li> </li><li>item</li></ul><sub></sub><sup>2</sup>",
    "<script>var a = '<h2 id=\"s\">';</script><style>p{}</style><object><p>o</p></object><p>after</p>",
    "<p>stray</span> end</div> tags</p></p><br><br/><img src=x><hr>",
    '<h2 id="code"><code>x</code> in a heading</h2><p><code>y</code> <code> </code></p>',
    "<h4>no id</h4><p>text</p><h5 id='five'>five<p>unclosed",
    '<section data-search-exclude="true"><h1 id="e">E</h1></section><h1 id="f">F</h1><p>f</p>',
    "text\n\nwith\nnewlines <em>and</em> <strong>tags</strong>\n<pre>  pre\n  formatted  </pre>",
    '<h2 id="a">A</h2><div><div><h3 id="b">B</h3><p>deep</p></div><p>mid</p></div><p>top</p>',
    "<table><tr><th>h</th><td>d</td></tr></table><p>&lt;escaped&gt; &quot;quotes&quot;</p>",
]


@pytest.mark.parametrize("html", CASES)
def test_the_parsers_agree_on_each_branch(html: str) -> None:
    assert sections(FastParser, html) == sections(Original, html)


def _random_document(rng: random.Random) -> str:
    tags = ["p", "div", "pre", "code", "li", "ul", "h1", "h2", "h3", "span", "a", "script", "sub", "section", "br"]
    attributes = ["", ' id="i{n}"', " data-search-exclude", ' class="linenodiv"', ' class="headerlink"', ' id="h"']
    texts = ["", " ", "\n", "word", "two words", "a\nb", "&amp;", "  \n ", "<", "x>y"]
    parts = []
    for n in range(rng.randint(0, 40)):
        roll = rng.random()
        tag = rng.choice(tags)
        if roll < 0.4:
            parts.append(f"<{tag}{rng.choice(attributes).format(n=n)}>")
        elif roll < 0.7:
            parts.append(f"</{tag}>")
        else:
            parts.append(rng.choice(texts))
    return "".join(parts)


def test_the_parsers_agree_on_random_documents() -> None:
    rng = random.Random(16)
    for _ in range(3000):
        html = _random_document(rng)
        assert sections(FastParser, html) == sections(Original, html), html


def test_it_is_used_only_while_asked_and_put_back() -> None:
    try:
        assert use_fast_search_parser()
        assert material_search.Parser is FastParser
        assert material_search.SearchPlugin.on_page_context is search_parser._on_page_context
    finally:
        assert use_fast_search_parser(False)
    assert material_search.Parser is Original
    assert material_search.SearchPlugin.on_page_context is search_parser._ORIGINAL_PAGE_CONTEXT


def _indexed(on_page_context: Any, content: str) -> tuple[str, list[dict[str, Any]]]:
    """A page's content once indexed by `on_page_context`, and its index entries."""
    plugin = material_search.SearchPlugin()
    plugin.load_config({})
    plugin.search_index = material_search.SearchIndex()
    page = SimpleNamespace(content=content, meta={}, toc=[], url="page/", title="Page")
    on_page_context(plugin, {}, page=page, config={}, nav=None)
    return page.content, plugin.search_index.entries


@pytest.mark.parametrize(
    "content",
    [
        *CASES,
        '<p data-search-exclude="">x</p> <h2 id="a" data-search-boost="2">A</h2>',
        "<p>no such attribute, a data-search word</p>",
    ],
)
def test_the_page_is_left_as_material_leaves_it(content: str) -> None:
    """Material strips `data-search-*` attributes once a page is indexed; the shortcut strips the same."""
    assert _indexed(search_parser._on_page_context, content) == _indexed(search_parser._ORIGINAL_PAGE_CONTEXT, content)


def test_a_config_loaded_already_calls_the_shortcut_and_then_material_s_own_again() -> None:
    """MkDocs binds a plugin's hooks when it loads a config: the build's fork server loads its config first."""
    was = material_search.Parser is FastParser
    config = load_config(str(REPO / "mkdocs.yml"))

    def hooks() -> list[Any]:
        return [getattr(m, "__func__", None) for m in config.plugins.events["page_context"]]

    try:
        assert use_fast_search_parser(plugins=config.plugins)
        assert search_parser._on_page_context in hooks()
        assert search_parser._ORIGINAL_PAGE_CONTEXT not in hooks()
        # MkDocs still knows whose hook it is (its log, and the files a plugin adds, name the plugin).
        (hook,) = [m for m in config.plugins.events["page_context"] if m.__func__ is search_parser._on_page_context]
        assert config.plugins._event_origins[hook] == "material/search"
        assert use_fast_search_parser(False, plugins=config.plugins)
        assert search_parser._ORIGINAL_PAGE_CONTEXT in hooks()
        assert search_parser._on_page_context not in hooks()
    finally:
        use_fast_search_parser(was)


def test_material_s_page_hook_changed_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(search_parser._MATERIAL_SOURCES, "SearchPlugin.on_page_context", "0" * 16)
    assert not use_fast_search_parser()
    assert material_search.SearchPlugin.on_page_context is search_parser._ORIGINAL_PAGE_CONTEXT


def test_a_different_material_parser_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """If Material's parser changes in any way, the build keeps Material's and is only slower."""
    monkeypatch.setitem(search_parser._MATERIAL_SOURCES, "Parser.handle_data", "0" * 16)
    assert not matches_material()
    assert not use_fast_search_parser()
    assert material_search.Parser is Original


# ------------------------------------------------------------------ simple markup, read in one pass

needs_html_parser = pytest.mark.skipif(
    not matches_html_parser(), reason="this Python's HTMLParser is not the one simple_events mirrors"
)


class _Recorder(HTMLParser):
    """Every call `HTMLParser` makes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[Any, ...]] = []

    def handle_data(self, data: str) -> None:
        self.events.append((search_parser.DATA, data))

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.events.append((search_parser.START, tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.events.append((search_parser.END, tag))

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.events.append((search_parser.START_END, tag, attrs))


def _recorded(html: str) -> list[tuple[Any, ...]]:
    recorder = _Recorder()
    recorder.feed(html)
    recorder.close()
    return recorder.events


def _contents(built_firm: Path) -> list[str]:
    """What Material indexes of each built page: its article (a whole page holds scripts, read the long way)."""
    found = []
    for page in sorted((built_firm / "site").rglob("*.html")):
        match = re.search(r'<article class="md-content__inner md-typeset">(.*)</article>', page.read_text(), re.S)
        if match:
            found.append(match.group(1))
    return found


@needs_html_parser
def test_simple_markup_is_read_as_html_parser_reads_it(built_firm: Path) -> None:
    contents = _contents(built_firm)
    assert len(contents) > 100
    simple = 0
    for content in contents:
        events = simple_events(content)
        if events is not None:
            simple += 1
            assert events == _recorded(content), content[:300]
        assert sections(FastParser, content) == sections(Original, content), content[:300]
    assert simple >= 0.9 * len(contents), "most pages should be read in one pass: the comparison compares little"


PIECES = [
    *("<p>", "</p>", "<P>", "</P>", "<h2 id='a'>", "</h2>", '<div class="x y">', "</div>", "<br/>", "<br />"),
    *('<a href="x&amp;y">', "<a title='it&#39;s'>", "</a>", "<input disabled>", '<IMG SRC="a" ALT="">'),
    *('<a b="1" b="2">', '<tag-name x="1"/>', '<svg viewBox="0 0 1 1">', '<text x="1">', "</text>", "</svg>"),
    *("text", " ", "\n", "\t", "&amp;", "&", "&lt;", "&#x41;", "&#65", "&nosuch;", "&amp", "é", "\u00a0"),
    *("<", ">", "=", '"', "'", "/", "</", "<!-- c -->", "<!doctype html>", "<?pi?>", "<script>a<b</script>"),
    *('<p class = "x">', "<p class=x>", "</ p>", '<a href="x"title="y">', '<p\u00a0id="x">', "<style>p{}</style>"),
    *("<pre>", "</pre>", "<code>", "</code>", '<a class="headerlink" href="#a">', "<x\x00y>", "<p\v>"),
]


@needs_html_parser
def test_random_markup_is_read_as_html_parser_reads_it_or_left_to_it() -> None:
    rng = random.Random(17)
    simple = long_way = 0
    for _ in range(6_000):
        html = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        events = simple_events(html)
        if events is None:
            long_way += 1
        else:
            simple += 1
            assert events == _recorded(html), repr(html)
            assert sections(FastParser, html) == sections(Original, html), repr(html)
    assert simple > 500 and long_way > 500, (simple, long_way)


@needs_html_parser
def test_the_parser_stands_where_html_parser_would() -> None:
    for html in ("<p>one\ntwo</p>\n<p>three", "<p>x</p>", "x\n", ""):
        fast, long_way = FastParser(), Original()
        fast.feed(html)
        long_way.feed(html)
        assert fast.getpos() == long_way.getpos(), repr(html)


@needs_html_parser
@pytest.mark.parametrize(
    "pieces",
    [
        ["<p>a &am", "p; b</p>"],
        ["<p>a</p><script>", '<h2 id="x">t</h2><p>b</p>'],
        ["<h2 id='a'>A</h2><p>x", "y</p><h2 id='b'>B</h2>"],
        ["<p>x &amp"],
        ["<p>tail &amp; more</p>"],
    ],
)
def test_a_page_fed_in_pieces_or_ending_in_a_reference_is_read_as_material_reads_it(pieces: list[str]) -> None:
    """Only a parser's first feed is read in one pass, and not one whose end may hold a reference cut short."""
    fast, long_way = FastParser(), Original()
    for piece in pieces:
        fast.feed(piece)
        long_way.feed(piece)
        assert fast.getpos() == long_way.getpos(), pieces
    fast.close()
    long_way.close()
    assert [(s.id, list(s.title), list(s.text)) for s in fast.data] == [
        (s.id, list(s.title), list(s.text)) for s in long_way.data
    ], pieces


def test_another_html_parser_reads_every_page_the_long_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python whose `HTMLParser` reads markup differently keeps it for every page."""
    monkeypatch.setattr(search_parser, "_HTML_PARSER", "0" * 16)
    search_parser.matches_html_parser.cache_clear()
    try:
        assert not matches_html_parser()

        def refuse(html: str) -> None:
            raise AssertionError("simple_events was used")

        monkeypatch.setattr(search_parser, "simple_events", refuse)
        assert sections(FastParser, CASES[0]) == sections(Original, CASES[0])
    finally:
        monkeypatch.undo()
        search_parser.matches_html_parser.cache_clear()
