"""Every file the config reads is part of every site's fingerprint.

A site `coachbook build` calls unchanged must be unchanged: the files of a deep `INHERIT` chain, the
hooks (and what they import from beside them) and the `watch` paths all change the output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coachbook.adapter.config import load_mkdocs_config
from coachbook.build.fingerprints import config_chain, config_inputs, config_references

from .conftest import AS_OF, SAMPLE_CLIENTS, run_coachbook

# Each test builds the sample firm, or runs the real command several times.
pytestmark = pytest.mark.slow

#: Every site of the sample firm (`tests/test_incremental.py`).
ALL = {
    "handbook",
    *SAMPLE_CLIENTS,
    "dana-whitfield (sponsor)",
    "coaches' console",
    "Halden Logistics (cohort report)",
}
CONTACT = 'contact: "Northlight Coaching · hello@northlight.example · +44 20 7946 0000"'


def built(stdout: str) -> set[str]:
    """The sites a build's plain output says it built."""
    return set(re.findall(r"^\s+built\s+(.+?)\s+\d+(?:\.\d+)?s$", stdout, re.MULTILINE))


def build(firm: Path) -> set[str]:
    return built(run_coachbook(firm, "build", "--as-of", AS_OF, "-j", "1", check=True).stdout)


def split_config(firm: Path) -> None:
    """Move the firm's contact two `INHERIT`s away, add a hook that imports its neighbour, and watch a folder.

    `mkdocs.yml` inherits `conf/base.yml`, which inherits `grand.yml`: relative to its own folder, as
    MkDocs reads it, so the file is `conf/grand.yml`.
    """
    config = firm / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    # The firm's `extra.firm` mapping goes whole: an empty `firm:` left here would hide the inherited one.
    text, found = re.subn(r"\n  firm:\n(    .*\n)*?    " + re.escape(CONTACT), "", text)
    assert found == 1
    config.write_text(
        "INHERIT: conf/base.yml\nhooks:\n  - hooks/stamp.py\nwatch:\n  - snippets\n" + text, encoding="utf-8"
    )
    (firm / "conf").mkdir()
    (firm / "conf" / "base.yml").write_text("INHERIT: grand.yml\n", encoding="utf-8")
    (firm / "conf" / "grand.yml").write_text('extra:\n  firm:\n    contact: "Old Contact Ltd"\n', encoding="utf-8")
    (firm / "hooks").mkdir()
    (firm / "hooks" / "stamp.py").write_text(
        "from marks import MARK\n\n\n"
        "def on_post_page(output, **kwargs):\n"
        '    return output.replace("</body>", f"<!--{MARK}--></body>")\n',
        encoding="utf-8",
    )
    (firm / "hooks" / "marks.py").write_text('MARK = "mark-one"\n', encoding="utf-8")
    (firm / "snippets").mkdir()
    (firm / "snippets" / "note.txt").write_text("one\n", encoding="utf-8")


def test_each_file_the_config_reads_rebuilds_every_site(firm: Path) -> None:
    split_config(firm)
    assert build(firm) == ALL
    handbook, client = firm / "site/handbook/index.html", firm / "site/clients/dana-whitfield/index.html"
    assert "Old Contact Ltd" in client.read_text(encoding="utf-8")
    assert "<!--mark-one-->" in handbook.read_text(encoding="utf-8")
    assert build(firm) == set()

    # The grandparent of mkdocs.yml, found relative to the file that names it.
    grand = firm / "conf" / "grand.yml"
    grand.write_text(grand.read_text(encoding="utf-8").replace("Old", "New"), encoding="utf-8")
    assert build(firm) == ALL
    assert "New Contact Ltd" in client.read_text(encoding="utf-8")
    assert "New Contact Ltd" in handbook.read_text(encoding="utf-8")

    # A module the hook imports from beside it.
    (firm / "hooks" / "marks.py").write_text('MARK = "mark-two"\n', encoding="utf-8")
    assert build(firm) == ALL
    assert "<!--mark-two-->" in handbook.read_text(encoding="utf-8")
    assert "<!--mark-two-->" in client.read_text(encoding="utf-8")

    # A watched folder: what the firm says `serve` must rebuild for, a build rebuilds for too.
    (firm / "snippets" / "note.txt").write_text("two\n", encoding="utf-8")
    assert build(firm) == ALL
    assert build(firm) == set()


def test_the_config_inputs_follow_the_chain_the_hooks_and_the_watched_paths(firm: Path) -> None:
    split_config(firm)
    config_file = firm / "mkdocs.yml"
    assert [path for path, _raw in config_chain(config_file)] == [
        config_file,
        firm / "conf" / "base.yml",
        firm / "conf" / "grand.yml",
    ]
    references = config_references(load_mkdocs_config(config_file))
    assert {path.resolve() for path in references} == {
        (firm / "hooks" / "stamp.py").resolve(),
        (firm / "hooks" / "marks.py").resolve(),
        (firm / "snippets").resolve(),
    }

    def inputs() -> object:
        return config_inputs(config_file, {}, config_references(load_mkdocs_config(config_file)))

    before = inputs()
    for path, text in (
        (firm / "conf" / "grand.yml", 'extra:\n  firm:\n    contact: "Else"\n'),
        (firm / "hooks" / "stamp.py", "def on_post_page(output, **kwargs):\n    return output\n"),
        (firm / "hooks" / "marks.py", 'MARK = "other"\n'),
        (firm / "snippets" / "note.txt", "other\n"),
    ):
        path.write_text(text, encoding="utf-8")
        after = inputs()
        assert after != before, path
        before = after


def test_a_chain_that_loops_is_followed_once(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("INHERIT: a.yml\nsite_name: x\n", encoding="utf-8")
    (tmp_path / "a.yml").write_text("'INHERIT': mkdocs.yml\n", encoding="utf-8")
    assert [path.name for path, _raw in config_chain(tmp_path / "mkdocs.yml")] == ["mkdocs.yml", "a.yml"]
