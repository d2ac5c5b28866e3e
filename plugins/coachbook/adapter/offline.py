"""A site that works opened from disk, search included: what `coachbook bundle` zips.

A site served from a web server does not work from a folder: links end in
`/`, and Material's search index is fetched by a web worker, which browsers
refuse on `file://`. The offline variant therefore links to `.html` files,
inlines the search index into a script Material loads with a script tag, and
loads a small web-worker shim (iframe-worker, vendored so nothing comes from
another origin).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["POLYFILL_PATH", "inline_search_index", "polyfill_source"]

#: Where the web-worker shim goes in an offline site.
POLYFILL_PATH = "assets/coachbook/iframe-worker.js"


def polyfill_source() -> str:
    """The vendored iframe-worker shim, which Material's search uses when the site is opened from disk."""
    return resources.files("coachbook").joinpath("assets", "iframe-worker.js").read_text(encoding="utf-8")


def inline_search_index(site_dir: Path) -> None:
    """Copy the search index into `search/search_index.js`, which Material loads with a script tag on `file://`."""
    index = site_dir / "search" / "search_index.json"
    if index.is_file():
        data = index.read_text(encoding="utf-8")
        (site_dir / "search" / "search_index.js").write_text(f"var __index = {data}", encoding="utf-8")
