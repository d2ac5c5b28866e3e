"""Addresses in pages: parsed the way a browser reads them, then judged by where they lead."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from coachbook.audit import origins as origins_module
from coachbook.audit.files import SiteFile
from coachbook.audit.leaks import LeakKind
from coachbook.audit.normalise import file_text, page_text
from coachbook.audit.origins import (
    _tree_addresses,
    address_problems,
    css_urls,
    learn_addresses,
    page_addresses,
    plain_addresses,
    srcset_urls,
    url_kind,
)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("goals/", "relative"),
        ("/assets/x.css", "relative"),
        ("#top", "relative"),
        ("https://a.example/", "network"),
        ("//a.example/x", "network"),
        ("/\\a.example/x", "network"),
        ("\\\\a.example/x", "network"),
        (" \x01https://a.example/ ", "network"),
        ("ht\ntps://a.example/", "network"),
        ("wss://a.example/", "network"),
        ("data:image/png;base64,AAAA", "local"),
        ("about:blank", "local"),
        ("mailto:coach@firm.example", "mailto"),
        ("FILE:///etc/passwd", "file"),
        ("java\tscript:alert(1)", "javascript"),
        ("vbscript:x", "vbscript"),
    ],
)
def test_url_kind(url: str, kind: str) -> None:
    assert url_kind(url)[0] == kind


@pytest.mark.parametrize(
    ("srcset", "urls"),
    [
        ("a.png", ["a.png"]),
        ("a.png 1x, b.png 2x", ["a.png", "b.png"]),
        ("a.png 100w,b.png 200w", ["a.png", "b.png"]),
        (
            "data:image/gif;base64,R0l,GOD 1x, //t.example/b.gif 2x",
            ["data:image/gif;base64,R0l,GOD", "//t.example/b.gif"],
        ),
        ("a.png,, b.png,", ["a.png", "b.png"]),
    ],
)
def test_srcset_urls(srcset: str, urls: list[str]) -> None:
    assert srcset_urls(srcset) == urls


@pytest.mark.parametrize(
    ("css", "urls"),
    [
        ("a { background: url(x.png) }", ["x.png"]),
        ("a { background: url( 'https://t.example/a.png' ) }", ["https://t.example/a.png"]),
        ('@import "https://f.example/a.css";', ["https://f.example/a.css"]),
        ("@import url(//f.example/a.css);", ["//f.example/a.css"]),
        ("a { b: image-set('x.png' 1x, \"https://t.example/y.png\" 2x) }", ["x.png", "https://t.example/y.png"]),
        ("a { b: url(ht\\74ps://t.example/z.png) }", ["https://t.example/z.png"]),
        ("/* url(https://t.example/commented.png) */ a {}", []),
        (
            "a { mask: url(\"data:image/svg+xml;charset=utf-8,<svg xmlns='http://www.w3.org/2000/svg'/>\") }",
            ["data:image/svg+xml;charset=utf-8,<svg xmlns='http://www.w3.org/2000/svg'/>"],
        ),
    ],
)
def test_css_urls(css: str, urls: list[str]) -> None:
    assert css_urls(css) == urls


def test_links_to_follow_are_not_requests_but_everything_else_is() -> None:
    found = page_addresses(
        '<a href="https://a.example/">a</a><link rel="canonical" href="https://site.example/">'
        '<link rel="stylesheet" href="https://cdn.example/a.css"><svg><a href="https://b.example/">b</a>'
        '<image href="https://c.example/i.png"/></svg><iframe srcdoc="&lt;img src=&quot;https://d.example/&quot;&gt;">'
        "</iframe>"
    )
    assert found == [
        ("<a href>", "https://a.example/", False),
        ("<link href>", "https://site.example/", False),
        ("<link href>", "https://cdn.example/a.css", True),
        ("<a href>", "https://b.example/", False),
        ("<image href>", "https://c.example/i.png", True),
        ("<iframe srcdoc> <img src>", "https://d.example/", True),
    ]


@pytest.mark.parametrize(
    "markup",
    [
        '<img/src="https://t.example/a">',
        "<img src=https://t.example/a>",
        '<IMG SRC="https://t.example/a">',
        '<img alt="a" src  =  "https://t.example/a">',
        '<img\nsrc="https://t.example/a">',
        '<img src="&#104;ttps://t.example/a">',
        '<img src="https&colon;//t.example/a">',
        # A browser uses the first of two attributes of one name, as the parser does.
        '<img src="https://t.example/a" src="a.png">',
        # A browser ends a comment at `<!-->`; what a comment holds is read as markup too.
        '<!--><img src="https://t.example/a">-->',
        '<img src="https://t.example/a"<br>',
        '<picture><source srcset="https://t.example/a 2x"><img src="a.png" alt=""></picture>',
    ],
)
def test_markup_a_browser_would_fetch_from_is_read_the_same(markup: str) -> None:
    assert "https://t.example/a" in [url for _, url, loads in page_addresses(markup) if loads]


@pytest.mark.parametrize(
    "markup",
    [
        # A template's content is not in the tree, but a script can put it there.
        '<template><img src="https://t.example/a"></template>',
        "<div><template><template><img src=https://t.example/a></template></template></div>",
        # Read as with scripting off.
        '<noscript><img src="https://t.example/a"></noscript>',
        # Legacy raw-text elements, read as markup all the same.
        '<noembed><img src="https://t.example/a"></noembed>',
        '<?xml-stylesheet type="text/css" href="https://t.example/a"?><svg></svg>',
        "<!-- <img src='https://t.example/a'> -->",
        "<svg><style><![CDATA[@import 'https://t.example/a';]]></style></svg>",
        "<svg><image xlink:href='https://t.example/a'/></svg>",
        "<math><mtext><img src=https://t.example/a></mtext></math>",
    ],
)
def test_markup_out_of_the_tree_or_in_other_languages_is_read(markup: str) -> None:
    assert "https://t.example/a" in [url for _, url, loads in page_addresses(markup) if loads]


def test_a_second_attribute_of_one_name_is_what_a_browser_ignores() -> None:
    assert [url for _, url, _ in page_addresses('<img src="a.png" src="https://t.example/a">')] == ["a.png"]


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        # All UTF-8: the page goes to the parser as its bytes.
        ('<p>Zoë</p><img src="https://t.example/ü.png">'.encode(), "https://t.example/ü.png"),
        # Not all UTF-8: what is not is left out, as before the page was parsed from bytes.
        (b'<p>Zo\xff</p><img src="//t.ex\xffample/a.png">', "//t.example/a.png"),
        (b'<img src="//t.example/\xed\xa0\x80x.png"><p>\xc3</p>', "//t.example/x.png"),
    ],
)
def test_a_page_is_read_as_utf_8_whether_or_not_all_of_it_is(raw: bytes, url: str, tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_bytes(raw)
    leaks = address_problems([SiteFile("index.html", page)], origins=True)
    assert [(leak.kind, leak.url) for leak in leaks] == [(LeakKind.ORIGIN, url)]
    assert page_addresses(raw.decode("utf-8", errors="ignore")) == page_addresses(
        raw.decode("utf-8", errors="ignore").encode()
    )


def _parsed(markup: str) -> list[tuple[str, str, bool]]:
    """The addresses Lexbor's tree gives, without the plain reading: what `plain_addresses` must agree with."""
    root = LexborHTMLParser(markup).root
    assert root is not None
    return _tree_addresses(root.parent if root.parent is not None else root)


def test_every_page_of_a_built_firm_is_plain_and_read_as_the_parser_reads_it(built_firm: Path) -> None:
    pages = [p for p in (built_firm / "site").rglob("*") if p.suffix in (".html", ".svg") and p.is_file()]
    assert len(pages) > 100
    plain = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        read = plain_addresses(text)
        if read is None:
            continue
        plain += 1
        assert sorted(read) == sorted(_parsed(text)), page
    # Every page Coachbook writes is plain markup: the parser is left for pages that are not.
    assert plain == len(pages)


#: Markup that a plain reading could get wrong: each is put into a real page at random places.
_TRICKS = [
    '<img src="https://t.example/a">',
    '<a title="<img src=https://t.example/b>">x</a>',
    '<a title="x>y" href="javascript:c()">',
    "<!-- <img src='https://t.example/d'> -->",
    "<!--><img src=https://t.example/e>-->",
    "<style>@import 'https://t.example/f';</style>",
    "<svg><style><![CDATA[@import 'https://t.example/g';]]></style></svg>",
    "<svg><script><a href='javascript:h()'/></script></svg>",
    '<img src=https://t.example/i alt="">',
    '<img src="a.png" src="https://t.example/j">',
    '<img src="&#104;ttps://t.example/k">',
    '<img src="https&colon;//t.example/l">',
    '<a href="jav&#x61;script:m()">',
    '<img src="//t.example/n"<br>',
    "<img/src='//t.example/o'>",
    '<img\nsrc="//t.example/p">',
    '<img src="\r//t.example/q">',
    '<img src="//t.exa\x00mple/r">',
    "</ img src='//t.example/s'>",
    "</>",
    "<?xml-stylesheet href='https://t.example/t'?>",
    '<iframe srcdoc="&lt;img src=&quot;//t.example/u&quot;&gt;"></iframe>',
    '<noembed><img src="//t.example/v"></noembed>',
    '<template><img src="//t.example/w"></template>',
    '<meta http-equiv="refresh" content="0; url=https://t.example/x">',
    '<link rel="stylesheet" href="https://t.example/y">',
    '<div style="background: url(//t.example/z)">',
    "<title><img src='//t.example/aa'></title>",
    "<textarea></textarea><img src='//t.example/ab'>",
    "<script>if (a<b) c()</script><img src='//t.example/ac'>",
    "<script>x = '</script><img src=//t.example/ad>'</script>",
    "<table><img src='//t.example/ae'></table>",
    "<a href='//t.example/af'><p><b>x</a>y</b>",
    "<IMG SRC='//t.example/ag'>",
    "<img data-src='x' src='&amp;//t.example/ah'>",
    "<a href='x'",
    "<",
    "<b",
    "</script",
    "<plaintext><img src='//t.example/ai'>",
]


@pytest.mark.parametrize("seed", range(40))
def test_the_plain_reading_never_finds_fewer_addresses_than_the_parser(seed: int, built_firm: Path) -> None:
    """Real pages with tricky markup put in at random: read plainly, or left to the parser, never missed."""
    rng = random.Random(seed)
    pages = sorted(p for p in (built_firm / "site" / "clients").rglob("*.html"))
    text = rng.choice(pages).read_text(encoding="utf-8")
    for _ in range(rng.randint(1, 3)):
        # A place between tags, inside a tag, or anywhere at all.
        at = rng.choice([text.find(">", rng.randrange(len(text))) + 1, rng.randrange(len(text))])
        text = text[:at] + rng.choice(_TRICKS) + text[at:]
    parsed = _parsed(text)
    read = plain_addresses(text)
    if read is not None:
        assert set(parsed) <= set(read)
    assert sorted(page_addresses(text)) == sorted(read if read is not None else parsed)


@pytest.mark.parametrize("trick", _TRICKS)
def test_each_tricky_markup_alone_is_read_plainly_only_if_nothing_is_missed(trick: str) -> None:
    page = f'<!doctype html><html><head><title>t</title></head><body><p class="x">{trick}</p></body></html>'
    read = plain_addresses(page)
    if read is not None:
        assert set(_parsed(page)) <= set(read)


def test_a_page_s_tags_are_split_once_for_the_text_and_the_addresses(built_firm: Path) -> None:
    """`page_text` gives `file_text`, and the tags `plain_addresses` would find, for every page of built sites."""
    shared = 0
    for page in (built_firm / "site").rglob("*"):
        if not page.is_file() or page.suffix not in (".html", ".svg", ".json", ".css"):
            continue
        relative = page.relative_to(built_firm / "site").as_posix()
        raw = page.read_bytes()
        text, tags = page_text(relative, raw)
        assert text == file_text(relative, raw), relative
        if tags is not None:
            shared += 1
            assert tags == origins_module._TAG.findall(raw.decode("utf-8", errors="ignore")), relative
            file = SiteFile(relative, page)
            assert file.text == text and file.tags == tags
            assert address_problems([file], origins=True) == address_problems([SiteFile(relative, page)], origins=True)
    assert shared > 100


@pytest.mark.parametrize(
    "page",
    [
        "<p>a</p><!-- x --><p>b</p>",  # a comment: the normaliser reads the page without it, so no tags are shared
        '<script>var s = "\\u0044ana";</script>',  # an escape: the normaliser reads another text
        "<p>a < b</p>",
    ],
)
def test_tags_are_shared_only_when_read_from_the_page_s_own_text(page: str) -> None:
    text, tags = page_text("index.html", page.encode())
    assert text == file_text("index.html", page.encode())
    assert tags is None or tags == origins_module._TAG.findall(page)


def test_tags_learned_ahead_read_the_same_as_tags_met_in_a_page(built_firm: Path) -> None:
    page = next((built_firm / "site" / "clients").rglob("goals/index.html")).read_text(encoding="utf-8")
    origins_module._PLAIN.clear()
    fresh = plain_addresses(page)
    origins_module._PLAIN.clear()
    learn_addresses(page)
    assert len(origins_module._PLAIN) > 50
    assert plain_addresses(page) == fresh
    assert fresh is not None and sorted(fresh) == sorted(_parsed(page))
