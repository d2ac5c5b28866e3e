"""A firm's branding, set in mkdocs.yml the Material way, reaches the handbook and every client's and sponsor's site."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coachbook.access.passphrases import env_name, generate_passphrase

from .conftest import AS_OF

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


def test_the_contact_line_is_shown_as_typed_and_on_the_locked_page_too(firm: Path) -> None:
    config = firm / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert f'contact: "{CONTACT}"' in text
    config.write_text(
        text.replace(f'contact: "{CONTACT}"', "contact: \"Smith & Jones <script>alert('x')</script>\""),
        encoding="utf-8",
    )
    engagement = firm / "engagements" / "sofia-marquez.yml"
    engagement.write_text(engagement.read_text(encoding="utf-8") + "\nsite:\n  encrypt: true\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "coachbook", "build", "--as-of", AS_OF]
        + [arg for slug in ("dana-whitfield", "kwame-asante", "sofia-marquez") for arg in ("--client", slug)],
        cwd=firm,
        env={**os.environ, env_name("sofia-marquez"): generate_passphrase()},
        check=True,
        capture_output=True,
        timeout=300,
    )
    shown = '<p class="cb-firm-contact">Smith &amp; Jones &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>'
    for page in ("clients/kwame-asante/index.html", "sponsors/dana-whitfield/index.html"):
        html = (firm / "site" / page).read_text(encoding="utf-8")
        assert "<script>alert(" not in html
        assert shown in html
    # An encrypted site's locked page: the firm's favicon and contact line, so the client knows whose site it is.
    locked = (firm / "site" / "clients" / "sofia-marquez" / "goals" / "index.html").read_text(encoding="utf-8")
    assert 'id="coachbook-passphrase"' in locked
    assert '<link rel="icon" href="../assets/brand/favicon.svg">' in locked
    assert (
        '<p class="cb-contact" dir="auto">Smith &amp; Jones &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</p>'
        in locked
    )
    assert "<script>alert(" not in locked
