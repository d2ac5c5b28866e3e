"""`coachbook audit` and the build's own audit are the same audit: what fails one fails the other.

Each case plants the same thing twice: once in the theme, so the build's audit
meets it in every page it makes, and once in a page already built, where only
`coachbook audit` can find it. Both must refuse it, with the same words.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import AS_OF, run_coachbook

#: (what is planted in a page's <head>, what both audits must say about it)
CASES = {
    "script from another origin": (
        '<script src="https://cdn.example/track.js"></script>',
        "index.html: <script src> loads https://cdn.example/track.js from another origin",
    ),
    "stylesheet from another origin": (
        '<link rel="stylesheet" href="//fonts.example/css2">',
        "index.html: <link href> loads //fonts.example/css2 from another origin",
    ),
    "image set from another origin": (
        '<link rel="preload" as="image" imagesrcset="/a.png 1x, https://t.example/b.png 2x">',
        "index.html: <link imagesrcset> loads https://t.example/b.png from another origin",
    ),
    "a link to a file on the reader's computer": (
        '<link rel="alternate" href="file:///etc/passwd">',
        "index.html: <link href> points at 'file:///etc/passwd', which is not a web address",
    ),
    "a refresh to another origin": (
        '<meta http-equiv="refresh" content="0; url=https://t.example/">',
        "index.html: <meta http-equiv=refresh> loads https://t.example/ from another origin",
    ),
    "another client's name with invisible characters": (
        "<meta name=author content='Kwa&shy;me&#8203; As\u200bante'>",
        "index.html: contains 'kwame asante', which identifies another client",
    ),
    "another client's name": (
        "<meta name=author content='Kwame Asante'>",
        "index.html: contains 'kwame asante', which identifies another client",
    ),
    "a coach's private note": (
        "<!-- rarer than a kingfisher in a car park -->",
        "index.html: contains 'kingfisher in a car park', which is private text",
    ),
}


def _plant_in_theme(firm: Path, tag: str) -> None:
    main = firm / "theme" / "main.html"
    text = main.read_text(encoding="utf-8")
    main.write_text(text.replace("{% block extrahead %}", "{% block extrahead %}\n  " + tag, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sofia's site, built and audited clean."""
    from .conftest import copy_firm

    firm = copy_firm(tmp_path_factory.mktemp("audit") / "firm")
    run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "sofia-marquez", check=True)
    assert "Audit passed" in run_coachbook(firm, "audit", check=True).stdout
    return firm


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_build_refuses_it(case: str, firm: Path) -> None:
    tag, says = CASES[case]
    _plant_in_theme(firm, tag)
    result = run_coachbook(firm, "build", "--as-of", AS_OF, "--client", "sofia-marquez")
    assert result.returncode == 1, result.stdout
    assert says in result.stdout + result.stderr
    assert not (firm / "site" / "clients" / "sofia-marquez").exists()


@pytest.mark.parametrize("case", sorted(CASES))
def test_coachbook_audit_refuses_it_too(case: str, clean_build: Path, tmp_path: Path) -> None:
    tag, says = CASES[case]
    firm = tmp_path / "firm"
    shutil.copytree(clean_build, firm, symlinks=True)
    page = firm / "site" / "clients" / "sofia-marquez" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</head>", tag + "</head>", 1), encoding="utf-8")
    result = run_coachbook(firm, "audit")
    assert result.returncode == 1, result.stdout
    assert says in result.stderr, result.stderr
    assert "sofia-marquez" in result.stdout and "leak(s)" in result.stdout


def test_coachbook_audit_names_the_metadata_field(clean_build: Path, tmp_path: Path) -> None:
    """Files that only `coachbook audit` meets (the build strips images): each leak names its file and field."""
    from . import hostile_files

    firm = tmp_path / "firm"
    shutil.copytree(clean_build, firm, symlinks=True)
    assets = firm / "site" / "clients" / "sofia-marquez" / "assets"
    (assets / "photo.jpg").write_bytes(hostile_files.jpeg(artist="Kwame Asante"))
    (assets / "intake.pdf").write_bytes(hostile_files.pdf(author="Dana Whitfield", utf16=True))
    result = run_coachbook(firm, "audit")
    assert result.returncode == 1, result.stdout
    for says in (
        "assets/photo.jpg: contains 'kwame asante' in its EXIF Artist metadata, which identifies another client "
        "(engagements/kwame-asante.yml, field client.name)",
        "assets/photo.jpg: carries metadata (EXIF Artist, EXIF GPS, EXIF Make, XMP dc:creator)",
        "assets/intake.pdf: contains 'dana whitfield' in its PDF Author metadata",
    ):
        assert says in result.stderr, result.stderr
