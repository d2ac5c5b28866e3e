"""Every file the config reads is part of every site's fingerprint, and a bad config is said key by key.

A site `coachbook build` calls unchanged must be unchanged: the files of a deep `INHERIT` chain, the
hooks (and what they import from beside them) and the `watch` paths all change the output. And a
config MkDocs refuses is reported as `mkdocs.yml: <key>: <reason>` with a hint, by every command,
never as MkDocs' bare "Aborted with a configuration error!".
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from coachbook.adapter.config import load_mkdocs_config
from coachbook.build.fingerprints import config_chain, config_inputs, config_references

from .conftest import AS_OF, SAMPLE_CLIENTS, copy_firm, run_coachbook

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


def test_a_watched_engagements_folder_is_not_every_sites_input(firm: Path) -> None:
    # Each engagement is its own site's input; watched for `mkdocs serve`, it must not rebuild every site.
    config_file = firm / "mkdocs.yml"
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text("watch:\n  - engagements\n  - snippets\n" + text, encoding="utf-8")
    (firm / "snippets").mkdir()
    config = load_mkdocs_config(config_file)
    assert [path.name for path in config_references(config)] == ["engagements", "snippets"]
    digested = [firm / "content", firm / "engagements"]
    assert [path.name for path in config_references(config, digested=digested)] == ["snippets"]
    run_coachbook(firm, "build", "--as-of", "2026-11-24", check=True)
    engagement = firm / "engagements" / "sofia-marquez.yml"
    engagement.write_text(engagement.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    rebuilt = run_coachbook(firm, "build", "--as-of", "2026-11-24", check=True)
    done = re.search(r"Done: (\d+) built", rebuilt.stdout)
    assert done is not None and 1 <= int(done.group(1)) <= 3, rebuilt.stdout  # her site, the console, her cohort


def test_a_chain_that_loops_is_followed_once(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("INHERIT: a.yml\nsite_name: x\n", encoding="utf-8")
    (tmp_path / "a.yml").write_text("'INHERIT': mkdocs.yml\n", encoding="utf-8")
    assert [path.name for path, _raw in config_chain(tmp_path / "mkdocs.yml")] == ["mkdocs.yml", "a.yml"]


@pytest.fixture(scope="module")
def broken_firm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample firm, built once; each test breaks its config and the fixture `breaking` mends it."""
    root = copy_firm(tmp_path_factory.mktemp("broken") / "firm")
    run_coachbook(root, "build", "--as-of", AS_OF, "-j", "1", check=True)
    yield root


def _edit(old: str, new: str) -> Callable[[Path], None]:
    def edit(firm: Path) -> None:
        config = firm / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        assert old in text
        config.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _empty(firm: Path) -> None:
    (firm / "mkdocs.yml").write_text("", encoding="utf-8")


def _remove(folder: str) -> Callable[[Path], None]:
    def remove(firm: Path) -> None:
        (firm / folder).rename(firm / f"{folder}.away")

    return remove


#: A broken config, the key the error names, and the start of MkDocs' reason.
BROKEN = {
    "engagements_dir": (
        _edit("engagements_dir: engagements", "engagements_dir: 5"),
        "plugins.coachbook.engagements_dir",
        "Expected type",
    ),
    "protect": (_edit("protect: password", "protect: banana"), "plugins.coachbook.console.protect", "Expected one of"),
    "cohort_minimum": (
        _edit("engagements_dir: engagements", "engagements_dir: engagements\n      cohort_minimum: five"),
        "plugins.coachbook.cohort_minimum",
        "Expected type",
    ),
    "strict": (_edit("docs_dir: content", "docs_dir: content\nstrict: yes-please"), "strict", "Expected type"),
    "site_dir": (_edit("site_dir: site/handbook", "site_dir: ."), "site_dir", "The 'docs_dir' should not be within"),
    "empty": (_empty, "site_name", "Required configuration not provided"),
    "content": (_remove("content"), "docs_dir", "The path"),
    "theme": (_remove("theme"), "theme", "The path set in custom_dir"),
}


@pytest.fixture
def breaking(broken_firm: Path) -> Iterator[Callable[[Callable[[Path], None]], None]]:
    """Break the built firm's config for one test, and mend it after."""
    config = (broken_firm / "mkdocs.yml").read_bytes()

    def apply(edit: Callable[[Path], None]) -> None:
        edit(broken_firm)

    yield apply
    (broken_firm / "mkdocs.yml").write_bytes(config)
    for folder in ("content", "theme"):
        away = broken_firm / f"{folder}.away"
        if away.exists():
            shutil.rmtree(broken_firm / folder, ignore_errors=True)
            away.rename(broken_firm / folder)


def assert_said_once(stderr: str, key: str, reason: str) -> None:
    """The error names mkdocs.yml, the key and MkDocs' reason once, with a hint, and nothing of MkDocs' own."""
    assert stderr.endswith("\n"), repr(stderr)
    assert f"error: mkdocs.yml: {key}: {reason}" in stderr, stderr
    assert stderr.count(reason) == 1, stderr
    assert "\n    hint: " in stderr, stderr
    assert "Aborted" not in stderr, stderr
    assert "Traceback" not in stderr, stderr
    assert "Config value" not in stderr, stderr


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_build_names_the_bad_key_and_leaves_the_site_as_it_was(
    broken_firm: Path, breaking: Callable[[Callable[[Path], None]], None], name: str
) -> None:
    edit, key, reason = BROKEN[name]
    page = broken_firm / "site" / "clients" / "dana-whitfield" / "index.html"
    before = page.read_bytes(), page.stat().st_mtime_ns
    breaking(edit)
    result = run_coachbook(broken_firm, "build", "--as-of", AS_OF, "-j", "1")
    assert result.returncode == 1
    assert_said_once(result.stderr, key, reason)
    assert (page.read_bytes(), page.stat().st_mtime_ns) == before


@pytest.mark.parametrize(
    "command",
    [
        ("check",),
        ("audit",),
        ("preview",),
        ("serve", "--client", "dana-whitfield"),
        ("publish", "dana-whitfield"),
        ("build", "--strict"),
    ],
    ids=lambda command: command[0] + ("-strict" if "--strict" in command else ""),
)
def test_every_command_that_loads_the_config_says_the_same(
    broken_firm: Path, breaking: Callable[[Callable[[Path], None]], None], command: tuple[str, ...]
) -> None:
    breaking(BROKEN["protect"][0])
    result = run_coachbook(broken_firm, *command)
    assert result.returncode == 1
    assert_said_once(result.stderr, "plugins.coachbook.console.protect", "Expected one of")


def test_strict_mode_names_the_warning_it_refuses(
    broken_firm: Path, breaking: Callable[[Callable[[Path], None]], None]
) -> None:
    breaking(_edit("engagements_dir: engagements", "engagements_dir: engagements\n      colour: blue"))
    result = run_coachbook(broken_firm, "build", "--strict", "--as-of", AS_OF, "-j", "1")
    assert result.returncode == 1
    assert_said_once(result.stderr, "plugins.coachbook.colour", "Unrecognised configuration name")
