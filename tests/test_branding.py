"""A firm's branding, set in mkdocs.yml the Material way, reaches the handbook and every client's and sponsor's site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import AS_OF, run_coachbook

#: One page of each kind of site the sample firm builds.
PAGES = (
    "handbook/index.html",
    "clients/kwame-asante/index.html",
    "clients/kwame-asante/goals/index.html",
    "sponsors/dana-whitfield/index.html",
)
CONTACT = "Northlight Coaching · hello@northlight.example · +44 20 7946 0000"


@pytest.mark.parametrize("page", PAGES)
def test_every_site_carries_the_logo_favicon_colours_and_contact_line(built_firm: Path, page: str) -> None:
    path = built_firm / "site" / page
    html = path.read_text(encoding="utf-8")
    links = {
        "favicon": re.search(r'<link rel="icon" href="([^"]+)"', html),
        "logo": re.search(r'<img src="([^"]+)" alt="logo"', html),
        "colours": re.search(r'<link rel="stylesheet" href="([^"]*brand\.css)"', html),
    }
    for what, found in links.items():
        assert found is not None, f"{page} has no {what}"
        # Each points at a file the site holds, so the brand shows wherever the site is hosted.
        assert (path.parent / found.group(1)).resolve().is_file(), (page, what, found.group(1))
    assert links["favicon"] is not None and links["favicon"].group(1).endswith("assets/brand/favicon.svg")
    assert 'data-md-color-primary="custom"' in html and 'data-md-color-accent="custom"' in html
    assert f'<p class="cb-firm-contact">{CONTACT}</p>' in html


def test_the_colours_are_the_firm_s(built_firm: Path) -> None:
    css = (built_firm / "site" / "clients" / "kwame-asante" / "assets" / "brand" / "brand.css").read_text(
        encoding="utf-8"
    )
    assert "--md-primary-fg-color: #1d4e6b;" in css


def test_the_contact_line_is_shown_as_typed(firm: Path) -> None:
    config = firm / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert f'contact: "{CONTACT}"' in text
    config.write_text(
        text.replace(f'contact: "{CONTACT}"', "contact: \"Smith & Jones <script>alert('x')</script>\""),
        encoding="utf-8",
    )
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "dana-whitfield", "--client", "kwame-asante", check=True)
    for page in ("clients/kwame-asante/index.html", "sponsors/dana-whitfield/index.html"):
        html = (firm / "site" / page).read_text(encoding="utf-8")
        assert "<script>alert(" not in html
        assert (
            '<p class="cb-firm-contact">Smith &amp; Jones &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>' in html
        )
