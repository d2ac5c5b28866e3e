"""The faster search-index parser cuts every page into exactly the sections Material's own parser does.

`coachbook.build.search_parser.FastParser` replaces Material's `Parser` in
the build's fork server and the live preview. It is compared here with
Material's on every page of a built sample firm, on markup written to reach
each branch (excluded blocks, nested headings, `pre`, permalinks, kept tags
left empty, stray end tags) and on thousands of random documents.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from material.plugins.search import plugin as material_search

from coachbook.build import search_parser
from coachbook.build.search_parser import FastParser, matches_material, use_fast_search_parser

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
