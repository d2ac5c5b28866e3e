"""Which of Material's files a site needs: none of its source maps, and only its own language's search scripts.

Material ships 2.5 MB of static files with every site. Two parts of that
are never fetched by a reader: the source maps (1.3 MB, read only by a
browser's developer tools) and the search scripts of languages the site does
not search in (0.9 MB of `lunr` stemmers and segmenters). Leaving them out
makes a client site about a third of the size, which matters to a firm that
uploads a thousand of them to a host that stores each copy.

Which search scripts a language needs is what Material's search worker
imports (`workers/search.*.js`, `setupSearchLanguages`): for each language
but English, `lunr/min/lunr.<lang>.min.js`, with `tinyseg.js` for Japanese
and `wordcut.js` for Hindi and Thai; `lunr.multi.min.js` for more than one
language; and `lunr.stemmer.support.min.js` whenever any is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["needed_search_scripts", "unneeded"]

_LUNR = "assets/javascripts/lunr/"
_SEGMENTERS = {"ja": ("tinyseg.js",), "hi": ("wordcut.js",), "th": ("wordcut.js",)}


def needed_search_scripts(languages: Iterable[str]) -> frozenset[str]:
    """The files under `assets/javascripts/lunr/` that Material's search worker loads for `languages`."""
    langs = list(dict.fromkeys(languages))
    needed: set[str] = set()
    for lang in langs:
        needed.update(_LUNR + name for name in _SEGMENTERS.get(lang, ()))
        if lang != "en":
            needed.add(f"{_LUNR}min/lunr.{lang}.min.js")
    if len(langs) > 1:
        needed.add(f"{_LUNR}min/lunr.multi.min.js")
    if needed:
        needed.add(f"{_LUNR}min/lunr.stemmer.support.min.js")
    return frozenset(needed)


def unneeded(uri: str, *, search_languages: Iterable[str] | None) -> bool:
    """Whether the theme's file at `uri` can be left out of a site that searches in `search_languages`.

    `None` means the site has no search (an encrypted site): every search script can go.
    """
    if uri.endswith(".map") and uri.startswith("assets/"):
        return True
    if uri.startswith(_LUNR):
        return search_languages is None or uri not in needed_search_scripts(search_languages)
    return False
