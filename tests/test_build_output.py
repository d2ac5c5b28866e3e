"""What `coachbook build` tells a coach: what was built, where to open it, and warnings in plain words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coachbook.adapter.plain_warnings import plain_warning

from .conftest import AS_OF, SAMPLE_CLIENTS, run_coachbook


def test_a_build_says_where_to_open_each_site_and_how_to_preview(firm: Path) -> None:
    result = run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    out = result.stdout
    # Not a file on disk (a site opened from disk has no working menus or search): an address of the preview.
    assert "See them in your browser: run `coachbook preview`, then open" in out
    listed = re.findall(r"^  (.+?)\s+http://127\.0\.0\.1:8000/(\S+)/$", out, re.MULTILINE)
    assert [name for name, _ in listed] == [
        "handbook",
        "Halden Logistics (cohort report)",
        "coaches' console",
        "dana-whitfield",
        "dana-whitfield (sponsor)",
        "grace-whitcombe",
        "jonas-brandt",
        "kwame-asante",
    ]
    # The handbook, the console, the cohort report, every client and Dana's sponsor: all but the eight above.
    assert f"... and {len(SAMPLE_CLIENTS) + 4 - 8} more (`coachbook preview` lists them all)" in out
    for _, folder in listed:
        assert (firm / "site" / folder / "index.html").is_file(), folder
    assert "index.html" not in out
    assert re.search(r"coachbook serve --client (dana-whitfield|kwame-asante|sofia-marquez)$", out, re.MULTILINE)
    assert "warning" not in result.stderr

    again = run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    assert "Nothing changed since the last build: the sites are up to date." in again.stdout
    assert "See them in your browser" not in again.stdout
    # Built elsewhere, the preview is told where.
    elsewhere = run_coachbook(firm, "build", "--as-of", AS_OF, "-d", "out", "--client", "kwame-asante", check=True)
    assert "run `coachbook preview -d out`" in elsewhere.stdout


def test_a_broken_link_in_a_guide_is_reported_once_in_plain_words(firm: Path) -> None:
    guide = firm / "content" / "stages" / "03-assessment.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\nSee [the old form](old-form.md).\n", encoding="utf-8")
    result = run_coachbook(firm, "build", "--as-of", AS_OF, check=True)
    err = result.stderr
    said = 'content/stages/03-assessment.md links to "old-form.md", but there is no such page or file.'
    # One line for the guide, however many sites show it: the handbook and the ten clients who read the English
    # guides (not Jonas, who reads the German one, nor the sponsor, the console or the cohort report).
    assert err.count(said) == 1, err
    assert "(in 11 sites, such as dana-whitfield, grace-whitcombe, handbook)" in err
    # The print page repeats every guide, so it repeats the link; it is named as a page Coachbook makes.
    assert "The page program.md, which Coachbook makes from your guides, links to" in err
    # MkDocs' own wording is gone.
    assert "Doc file" not in err and "documentation files" not in err


_MESSAGES = [
    (
        "Doc file 'stages/03.md' contains a link 'form.md', but the target 'stages/form.md' is not found among "
        "documentation files. Did you mean 'forms.md'?",
        'content/stages/03.md links to "form.md", but there is no such page or file. '
        'Correct the link or add the missing file. Did you mean "forms.md"?',
    ),
    (
        "Doc file 'stages/03.md' contains a link '#next-steps', but there is no such anchor on this page.",
        'content/stages/03.md links to "#next-steps", but no heading on that page has this anchor.',
    ),
    (
        "Doc file 'a.md' contains a link 'b.md#why', but the doc 'b.md' does not contain an anchor '#why'.",
        'content/a.md links to "b.md#why", but content/b.md has no heading with the anchor "#why".',
    ),
    (
        "Doc file 'a.md' contains an unrecognized relative link 'stages', it was left as is.",
        'content/a.md links to "stages", which is not a page or file of the site',
    ),
    (
        "Doc file 'a.md' contains an absolute link '/stages/', it was left as is.",
        'content/a.md links to "/stages/", which starts with "/".',
    ),
    (
        "Doc file 'a.md' contains a link to 'drafts/b.md' which is excluded from the built site.",
        "content/a.md links to content/drafts/b.md, which this site leaves out",
    ),
    (
        "Excluding 'README.md' from the site because it conflicts with 'index.md'.",
        "content/README.md was left out: it would be published at the same address as content/index.md.",
    ),
    (
        "A reference to 'faq.md' is included in the 'nav' configuration, which is not found in the documentation "
        "files.",
        'The nav in mkdocs.yml lists "faq.md", but there is no such file in content/.',
    ),
]


@pytest.mark.parametrize(("message", "expected"), _MESSAGES)
def test_each_mkdocs_warning_has_plain_words(message: str, expected: str) -> None:
    assert expected in plain_warning(message, "content", lambda uri: True)


def test_a_warning_no_rule_knows_is_passed_on_unchanged() -> None:
    message = "Doc file 'a.md' is odd in a way MkDocs 1.7 will explain."
    assert plain_warning(message, "content", lambda uri: False) == message
