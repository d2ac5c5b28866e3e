"""Pages the theme renders once per shape are the pages it renders for each client.

`coachbook.build.theme_renders` renders a page whose values are all plain
escaped text (`Slots.deferrable_values`) with its tokens in it, keeps what the
theme wrote and the page's search entries, and fills each site's values into
them. What must hold: every file of every site is byte for byte what rendering
each page for its own site writes (`--force` takes nothing from the store);
shapes are shared between clients; a change to the theme's templates or to
the config reaches every page; the search entries filled in are the ones
Material's search makes of the filled page, whatever characters the values
hold; and anything the key cannot state exactly is rendered the ordinary way.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup
from material.plugins.search.plugin import SearchIndex

from coachbook.build import theme_renders
from coachbook.build.mkdocs_patches import CONVERSIONS, RENDERS
from coachbook.render.tokens import Slots, fill_deferred, holds_tokens, plain

from .conftest import AS_OF, copy_firm, run_coachbook
from .test_fast_build import files_of, plain_build

OTHER_DAY = "2026-12-01"


def _renders(firm: Path) -> list[Path]:
    return sorted((firm / ".coachbook" / CONVERSIONS / RENDERS).glob("*/*.json"))


def _in_footer(firm: Path, css_class: str, text: str) -> None:
    """Have the firm's footer template (`partials/copyright.html`) print `text` in a paragraph of `css_class`."""
    partial = firm / "theme" / "partials" / "copyright.html"
    partial.write_text(
        partial.read_text(encoding="utf-8").replace(
            '<div class="md-copyright">', f'<div class="md-copyright"><p class="{css_class}">{text}</p>'
        ),
        encoding="utf-8",
    )


def _different(first: dict[str, bytes], second: dict[str, bytes]) -> list[str]:
    assert sorted(first) == sorted(second)
    return [name for name in first if first[name] != second[name]]


@pytest.mark.slow
def test_every_site_is_what_rendering_each_page_for_it_writes(tmp_path: Path) -> None:
    firm = copy_firm(tmp_path / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    kept = _renders(firm)
    stage_pages = list((firm / "site" / "clients").glob("*/stages/*/index.html"))
    # Clients at the same standing on a stage share its render: fewer renders (the handbook's and the sponsors'
    # pages among them) than the clients' stage pages alone.
    entries = {path: json.loads(path.read_text(encoding="utf-8")) for path in kept}
    whole_pages = [path for path, entry in entries.items() if not _navigation(entry) and not _apart(entry)]
    assert whole_pages and len(whole_pages) < len(stage_pages)
    # Private: they hold the shape of clients' pages.
    assert all(path.stat().st_mode & 0o077 == 0 for path in kept)
    shared = files_of(firm / "site")
    used = {path: path.stat().st_mtime_ns for path in kept}

    # Another day: standings and dates change, and the shapes that are left are taken from the store.
    run_coachbook(firm, "build", "--as-of", OTHER_DAY, "--strict", check=True)
    from_store = files_of(firm / "site")
    # (A shape no site has any more is pruned after the build.)
    assert any(path.exists() and path.stat().st_mtime_ns > mtime for path, mtime in used.items())

    # `--force` takes nothing from the store: every page rendered for its own site.
    run_coachbook(firm, "build", "--as-of", OTHER_DAY, "--strict", "--force", check=True)
    assert _different(from_store, files_of(firm / "site")) == []
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", "--force", check=True)
    assert _different(shared, files_of(firm / "site")) == []

    # And a plain `mkdocs build` of each client, which never shares a render, writes the same files.
    clients = sorted(path.name for path in (firm / "site" / "clients").iterdir())
    assert len(clients) >= 10
    for slug in clients:
        built = {name: data for name, data in shared.items() if name.startswith(f"clients/{slug}/")}
        plain_site = plain_build(firm, slug, tmp_path / f"plain-{slug}")
        assert _different({f"clients/{slug}/{name}": data for name, data in plain_site.items()}, built) == [], slug


@pytest.mark.slow
def test_a_change_to_the_theme_or_the_config_reaches_every_page(tmp_path: Path) -> None:
    firm = copy_firm(tmp_path / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert _renders(firm)
    pages = sorted((firm / "site" / "clients").glob("*/stages/*/index.html"))

    _in_footer(firm, "cb-test", "Changed partial")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert all("Changed partial" in page.read_text(encoding="utf-8") for page in pages)

    config = firm / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("hello@northlight.example", "new-desk@northlight.example"),
        encoding="utf-8",
    )
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "new-desk@northlight.example" in text and "hello@northlight.example" not in text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("printed", "everywhere"),
    [
        # Changes the token itself: caught whatever the first client's values.
        ("{{ config.site_name | lower }}", True),
        # The token is in capitals already, and the sample's names are short: caught because the check also
        # fills in stand-in values, in capitals and lower case, and long.
        ("{{ config.site_name | upper }}", True),
        ("{{ config.site_name | truncate(60) }}", True),
        # One word per token, and more per value: a reading time, say (not on the 404 page, which has no page,
        # nor on a page without values, which are shared as before).
        ("{% if page %}{{ page.content | striptags | wordcount }} words{% endif %}", False),
    ],
)
def test_a_template_that_does_more_than_print_a_value_has_each_page_rendered_for_its_site(
    tmp_path: Path, printed: str, everywhere: bool
) -> None:
    firm = copy_firm(tmp_path / "firm")
    _in_footer(firm, "cb-printed", printed)
    # One client's site has a long name, which `truncate` shortens; the others' are short.
    engagement = firm / "engagements" / "grace-whitcombe.yml"
    engagement.write_text(
        engagement.read_text(encoding="utf-8").replace(
            "  name: Grace Whitcombe\n", "  name: Grace Eleanor Whitcombe-Fairbrother of Lochinver and Assynt\n", 1
        ),
        encoding="utf-8",
    )
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    kept = [json.loads(path.read_text(encoding="utf-8")) for path in _renders(firm)]
    # The shapes it changes were refused (with the site's name, every page's shape; the footer is not in the
    # navigation, which is kept as before).
    pages = [entry for entry in kept if not _navigation(entry)]
    assert any(not entry["usable"] for entry in pages)
    assert not everywhere or not any(entry["usable"] for entry in pages)
    for slug in ("dana-whitfield", "grace-whitcombe"):
        built = files_of(firm / "site" / "clients" / slug)
        assert _different(plain_build(firm, slug, tmp_path / f"plain-{slug}"), built) == []


@pytest.mark.slow
def test_sites_in_two_regions_of_one_language_share_no_page(tmp_path: Path) -> None:
    """en-GB and en-US read the same to Material, but each page says which it is (`<html lang>`)."""
    firm = copy_firm(tmp_path / "firm")
    engagement = firm / "engagements" / "grace-whitcombe.yml"
    engagement.write_text("language: en-US\n" + engagement.read_text(encoding="utf-8"), encoding="utf-8")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    for slug, tag in (("dana-whitfield", "en-GB"), ("grace-whitcombe", "en-US")):
        pages = [*(firm / "site" / "clients" / slug).glob("stages/*/index.html")]
        pages.append(firm / "site" / "clients" / slug / "404.html")
        for page in pages:
            assert f'<html lang="{tag}"' in page.read_text(encoding="utf-8"), page


@pytest.mark.slow
def test_what_a_guide_keeps_out_of_search_stays_out_for_every_site(tmp_path: Path) -> None:
    """Material's search drops `data-search-exclude` from a page as it indexes it; each render starts afresh."""
    firm = copy_firm(tmp_path / "firm")
    guide = firm / "content" / "stages" / "02-building-rapport.md"
    guide.write_text(
        guide.read_text(encoding="utf-8")
        + '\n<div markdown="1" data-search-exclude="yes">\nQuokkaword appears on the page only.\n</div>\n',
        encoding="utf-8",
    )
    for extra in ((), ("--force",)):
        run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", *extra, check=True)
        indexes = list((firm / "site" / "clients").glob("*/search/search_index.json"))
        assert indexes and not any("Quokkaword" in path.read_text(encoding="utf-8") for path in indexes)
        page = firm / "site" / "clients" / "dana-whitfield" / "stages" / "02-building-rapport" / "index.html"
        assert "Quokkaword" in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_another_plugin_on_the_page_renders_each_page_the_ordinary_way(tmp_path: Path) -> None:
    """A hook that reads a page's context could print anything the key does not hold: nothing is shared."""
    firm = copy_firm(tmp_path / "firm")
    (firm / "hooks.py").write_text(
        "def on_page_context(context, page, config, nav):\n"
        "    page.content = (page.content or '') + '<p class=\"cb-hooked\">' + page.file.src_uri + '</p>'\n"
        "    return context\n",
        encoding="utf-8",
    )
    config = firm / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nhooks:\n  - hooks.py\n", encoding="utf-8")
    run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert _renders(firm) == []
    page = firm / "site" / "clients" / "dana-whitfield" / "stages" / "02-building-rapport" / "index.html"
    assert "cb-hooked" in page.read_text(encoding="utf-8")


def _navigation(entry: dict[str, Any]) -> bool:
    """Whether a kept entry is a page's navigation (`theme_renders._nav_root`), not a whole page."""
    return str(entry.get("output", "")).lstrip().startswith('<nav class="md-nav md-nav--primary')


def _primary_nav(page: Path) -> str:
    found = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("nav.md-nav--primary")
    assert found is not None, page
    return str(found)


@pytest.mark.slow
def test_the_navigation_is_kept_per_shape_and_shows_each_page_s_own_headings(tmp_path: Path) -> None:
    """Each page's navigation is rendered once per shape, with tokens for the site's name and the headings."""
    firm = copy_firm(tmp_path / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    kept = [json.loads(path.read_text(encoding="utf-8")) for path in _renders(firm)]
    navigations = [entry for entry in kept if _navigation(entry)]
    assert navigations and all(entry["usable"] for entry in navigations)
    # Every one stands for the site's name, and for the page's headings at most once.
    assert all(theme_renders.SITE_NAME_TOKEN in entry["output"] for entry in navigations)
    assert all(entry["output"].count(theme_renders._TOC_TOKEN) <= 1 for entry in navigations)
    assert any(theme_renders._TOC_TOKEN in entry["output"] for entry in navigations)
    # Shared: fewer than the clients' pages that are rendered for each site (their dashboards alone are many).
    clients = firm / "site" / "clients"
    dashboards = sorted(clients.glob("*/index.html"))
    assert len(dashboards) >= 10
    assert len(navigations) < len(dashboards) * 6
    # Each dashboard's navigation lists that client's own headings, which are in no other's (their goals).
    dana, sofia = (
        _primary_nav(clients / slug / "goals" / "index.html") for slug in ("dana-whitfield", "sofia-marquez")
    )
    assert dana != sofia
    dana_toc = BeautifulSoup(dana, "html.parser").select_one("nav.md-nav--secondary")
    page = BeautifulSoup(
        (clients / "dana-whitfield" / "goals" / "index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert dana_toc is not None and str(dana_toc) == str(page.select("nav.md-nav--secondary")[-1])
    # A second build takes them from the store and writes the same pages as one that takes nothing.
    before = files_of(firm / "site")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", "--force", check=True)
    assert _different(before, files_of(firm / "site")) == []


@pytest.mark.slow
def test_a_firm_s_own_navigation_template_is_drawn_for_each_page(tmp_path: Path) -> None:
    """The firm's own navigation template could read anything of the page: it is never kept."""
    firm = copy_firm(tmp_path / "firm")
    partials = firm / "theme" / "partials"
    material = Path(theme_renders._material_templates()) / "partials" / "nav.html"
    (partials / "nav.html").write_text(
        material.read_text(encoding="utf-8").replace(
            "{{ config.site_name }}\n",
            '{{ config.site_name }} <span class="cb-words">{{ page.content | wordcount }}</span>\n',
            1,
        ),
        encoding="utf-8",
    )
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    kept = [json.loads(path.read_text(encoding="utf-8")) for path in _renders(firm)]
    assert kept and not any(_navigation(entry) for entry in kept)
    for slug in ("dana-whitfield", "grace-whitcombe"):
        site = firm / "site" / "clients" / slug
        assert "cb-words" in (site / "index.html").read_text(encoding="utf-8")
        assert _different(plain_build(firm, slug, tmp_path / f"plain-{slug}"), files_of(site)) == []


#: The client's own pages that hold blocks of their own (notes, charts) besides the dashboard.
_OWN_BLOCKS = ("goals", "sessions", "assessment", "agreement", "program")


def _apart(entry: dict[str, Any]) -> bool:
    """Whether a kept entry is a page kept with its content apart (`theme_renders._build_apart`)."""
    return theme_renders._CONTENT_TOKEN in str(entry.get("output", ""))


@pytest.mark.slow
def test_pages_of_the_client_s_own_blocks_are_kept_with_their_content_apart(tmp_path: Path) -> None:
    """A dashboard holds notes and charts, and headings that are the client's goals: Material draws the rest once."""
    firm = copy_firm(tmp_path / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    kept = [json.loads(path.read_text(encoding="utf-8")) for path in _renders(firm)]
    apart = [entry for entry in kept if _apart(entry)]
    assert apart and all(entry["usable"] for entry in apart)
    # One place for the content, and the site's name and the headings as tokens, never a client's own.
    for entry in apart:
        output = entry["output"]
        assert output.count(theme_renders._CONTENT_TOKEN) == 1
        assert theme_renders.SITE_NAME_TOKEN in output and theme_renders._TOC_TOKEN in output
        assert "Dana Whitfield" not in output and "Sofia" not in output
    # Shared: fewer shapes than the clients' dashboards alone.
    clients = firm / "site" / "clients"
    dashboards = sorted(clients.glob("*/index.html"))
    assert len(dashboards) >= 10
    rendered_apart = sum(1 for page in clients.glob("*/*/index.html") if page.parent.name in _OWN_BLOCKS)
    rendered_apart += len(dashboards)
    assert len(apart) < rendered_apart
    # Each page shows its own headings and its own content, byte for byte what a build that keeps nothing writes.
    dana = (clients / "dana-whitfield" / "goals" / "index.html").read_text(encoding="utf-8")
    sofia = (clients / "sofia-marquez" / "goals" / "index.html").read_text(encoding="utf-8")
    assert "Dana Whitfield" in dana and "Dana Whitfield" not in sofia
    for slug in ("dana-whitfield", "sofia-marquez"):
        built = files_of(clients / slug)
        assert _different(plain_build(firm, slug, tmp_path / f"plain-{slug}"), built) == []
    # Another day, from the store: the same as a build that takes nothing from it.
    run_coachbook(firm, "build", "--as-of", OTHER_DAY, "--strict", check=True)
    from_store = files_of(firm / "site")
    run_coachbook(firm, "build", "--as-of", OTHER_DAY, "--strict", "--force", check=True)
    assert _different(from_store, files_of(firm / "site")) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "printed",
    ["{{ page.toc | length }} headings", "{{ page['content'] | wordcount }} words"],
)
def test_a_firm_template_that_reads_the_content_or_the_headings_keeps_no_page_apart(
    tmp_path: Path, printed: str
) -> None:
    """What it makes of them is in no key: every page whose values are its own is rendered for its site."""
    firm = copy_firm(tmp_path / "firm")
    _in_footer(firm, "cb-read", printed)
    run_coachbook(firm, "build", "--as-of", AS_OF, "--strict", check=True)
    kept = [json.loads(path.read_text(encoding="utf-8")) for path in _renders(firm)]
    assert kept and not any(_apart(entry) for entry in kept)
    for slug in ("dana-whitfield", "grace-whitcombe"):
        site = firm / "site" / "clients" / slug
        assert "cb-read" in (site / "goals" / "index.html").read_text(encoding="utf-8")
        assert _different(plain_build(firm, slug, tmp_path / f"plain-{slug}"), files_of(site)) == []


def test_pages_are_kept_apart_only_while_every_template_folder_is_known(tmp_path: Path) -> None:
    """A folder of templates another plugin adds was never scanned: it could read a page's content."""
    import mkdocs

    material = Path(theme_renders._material_templates())
    own = Path(mkdocs.__file__).parent / "templates"
    overrides = tmp_path / "theme"
    overrides.mkdir()
    theme_renders.ThemeRenders.overrides_dir = overrides.resolve()
    try:

        def config(*dirs: Path) -> Any:
            return SimpleNamespace(theme=SimpleNamespace(dirs=[str(d) for d in dirs]))

        assert theme_renders._only_known_templates(config(overrides, material, own))
        assert theme_renders._only_known_templates(config(material, own))
        assert not theme_renders._only_known_templates(config(overrides, tmp_path / "plugin-templates", material, own))
    finally:
        theme_renders.ThemeRenders.overrides_dir = None


@pytest.mark.parametrize(
    ("template", "reads"),
    [
        ('{% extends "base.html" %}{% block extrahead %}<meta name="x" content="y">{% endblock %}', False),
        ("{# the content and the toc #}<p>Table of contents, content</p>", False),
        ("{% block content %}{{ super() }}{% endblock %}", False),
        ("{{ page.content }}", True),
        ("{{ page.toc | first }}", True),
        ('{{ page | attr("content") }}', True),
        ("{{ page['toc'] }}", True),
        ("{% set key = 'con' ~ 'tent' %}{{ page[key] }}", True),
        ("{% for item in toc %}{{ item }}{% endfor %}", True),
        ("{{ unclosed", True),
    ],
)
def test_what_counts_as_a_firm_template_reading_a_page_s_content(tmp_path: Path, template: str, reads: bool) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "footer.html").write_text(template, encoding="utf-8")
    (tmp_path / "partials" / "notes.txt").write_text("{{ page.content }}", encoding="utf-8")
    assert theme_renders._reads_page_body(tmp_path) is reads
    assert theme_renders._reads_page_body(None) is False


# ------------------------------------------------------------------ search entries, value by value

#: Characters a value may hold that escaping, the search parser or trimming treat specially.
_ALPHABET = "ab Zé'\"&<>;#x27ß·-–\u00a0\t"
_FRAME = (
    '<h1 id="stage">Stage for CBV0000Z</h1>\n<p>CBV0001Z</p>\n<p>Agreed with CBV0002Z, by CBV0003Z.</p>\n'
    '<h2 id="next">CBV0004Z</h2>\n<ul>\n<li>CBV0005Z</li>\n<li>Plain item</li>\n</ul>\n'
    '<p><span title="CBV0006Z">x</span> <strong>CBV0007Z</strong>CBV0008Z</p>'
)


class _Page(SimpleNamespace):
    pass


def _entries(content: str) -> list[dict[str, Any]]:
    index = SearchIndex(lang=["en"], separator=r"[\s\-]+", pipeline=[], fields={})
    page = _Page(content=content, meta={}, toc=[], url="stage/", title="Stage")
    index.add_entry_from_context(page)
    return index.entries


def _value(rng: random.Random) -> str:
    middle = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 8)))
    if rng.random() < 0.1:
        return middle  # Spaces at the ends, or nothing but spaces, now and then: such a value is not deferred.
    return rng.choice("aZ'&<;é") + middle + rng.choice('bY">#ß')


def test_filled_search_entries_are_those_of_the_filled_page() -> None:
    rng = random.Random(16)
    checked = 0
    for _ in range(3_000):
        slots = Slots()
        for _ in range(9):
            slots.text(_value(rng))
        values = slots.deferrable_values(rtl_page=False)
        if values is None:
            continue
        expected = _entries(slots.fill(_FRAME))
        kept = theme_renders._filled_entries(_entries(_FRAME), values)
        assert kept == expected, values
        checked += 1
    assert checked > 1_000


def test_the_page_is_filled_as_the_plugin_fills_it() -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        slots = Slots()
        for _ in range(9):
            slots.text(_value(rng))
        values = slots.deferrable_values(rtl_page=False)
        if values is not None:
            assert fill_deferred(_FRAME, values) == slots.fill(_FRAME)


# ------------------------------------------------------------------ which values can wait for the theme


def test_only_escaped_text_on_one_line_with_more_than_spaces_is_deferred() -> None:
    def deferrable(*values: str, rtl_page: bool = False) -> bool:
        slots = Slots()
        for value in values:
            slots.text(value)
        return slots.deferrable_values(rtl_page=rtl_page) is not None

    assert deferrable("Dana Whitfield", "O'Brien & Co <Ltd>", "Zoë", "48")
    assert deferrable()
    # A value that is only spaces changes how the search parser joins the text around it.
    assert not deferrable("Dana", " ")
    assert not deferrable("")
    # Compaction removes indentation after a line break inside a value, but not around a token.
    assert not deferrable("two\n  lines")
    assert not deferrable("\tDana") and not deferrable("Dana ")
    # A value the plugin isolates (`<bdi>`) is filled by the plugin.
    assert not deferrable("مريم حداد")
    assert not deferrable("Dana", rtl_page=True)
    assert deferrable("48", rtl_page=True)
    slots = Slots()
    slots.text("Dana")
    slots.block_html("<ul><li>a note</li></ul>")
    assert slots.deferrable_values(rtl_page=False) is None
    slots = Slots()
    slots.inline_html("<svg></svg>")
    assert slots.deferrable_values(rtl_page=False) is None


def test_the_site_name_token_is_used_only_for_a_name_every_filter_leaves_alone() -> None:
    assert plain("Dana Whitfield · Coaching")
    for name in ("A &amp; B", "A  B", " A", "A\u200bB", "", "O&#x27;Brien"):
        assert not plain(name), name
    assert fill_deferred("<title>CBVSITEZ</title>CBV0000Z CBV0001Z", ("Dana",), "Site") == (
        "<title>Site</title>Dana CBV0001Z"
    )
    # Without a name, its token stays as it is (and the page is not taken from the store).
    assert fill_deferred("CBVSITEZ", ()) == "CBVSITEZ"
    assert holds_tokens("x CBV0012Z") and holds_tokens("CBVSITEZ") and not holds_tokens("cbv0012z")


def test_values_the_key_cannot_state_make_the_page_render_the_ordinary_way() -> None:
    class Opaque:
        pass

    with pytest.raises(theme_renders._Unkeyable):
        theme_renders._keyable({"a": [Opaque()]})
    # Sets in any order, functions by name, value objects by what they say.
    assert theme_renders._keyable({"b", "a"}) == theme_renders._keyable({"a", "b"})
    assert theme_renders._keyable(json.dumps) == "<json.dumps>"
    assert theme_renders._keyable(Markup("x")) == "x"


# ------------------------------------------------------------------ the stage's exit criteria


def test_a_stage_s_exit_criteria_are_a_task_list_ticked_when_it_is_done(built_firm: Path) -> None:
    site = built_firm / "site" / "clients" / "dana-whitfield"
    ticked = {}
    for page in sorted(site.glob("stages/*/index.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        blocks = soup.select(".tabbed-block")
        assert blocks, page
        criteria = blocks[-1].find("ul")
        assert criteria is not None and "task-list" in criteria.get("class", []), page
        boxes = criteria.select("li.task-list-item input[type=checkbox]")
        assert boxes and all(box.has_attr("aria-labelledby") for box in boxes)
        assert "[x]" not in criteria.get_text() and "[ ]" not in criteria.get_text()
        ticked[page.parent.name] = {box.has_attr("checked") for box in boxes}
    # Every box of a stage is ticked or none is: done stages are ticked, the others are not.
    assert all(len(states) == 1 for states in ticked.values())
    assert {True} in ticked.values() and {False} in ticked.values()


def test_the_words_of_materials_language_template_are_made_once_per_config_and_language(tmp_path: Path) -> None:
    """`partials/language.html` reads only the theme's language: Material's is made once a site, a firm's each page."""
    import jinja2

    material = theme_renders._material_templates()
    config = SimpleNamespace(theme=SimpleNamespace(language="en"), mdx_configs={})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(material))
    theme_renders._WORDS.clear()
    first = theme_renders._language_words(env, {"config": config, "page": "one"})
    assert theme_renders._language_words(env, {"config": config, "page": "two"}) is first
    assert str(first.t("toc")) == "Table of contents"
    # Another language is another module, in its words.
    config.theme.language = "de"
    german = theme_renders._language_words(env, {"config": config, "page": "two"})
    assert german is not first and str(german.t("toc")) == "Inhaltsverzeichnis"
    # A firm's own template may read the page: made for each page, as `base.html` makes it.
    own = tmp_path / "overrides" / "partials"
    own.mkdir(parents=True)
    (own / "language.html").write_text("{% macro t(key) %}{{ page }}: {{ key }}{% endmacro %}", encoding="utf-8")
    firm = jinja2.Environment(loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(own.parent), env.loader]))
    assert str(theme_renders._language_words(firm, {"config": config, "page": "one"}).t("toc")) == "one: toc"
    assert str(theme_renders._language_words(firm, {"config": config, "page": "two"}).t("toc")) == "two: toc"
