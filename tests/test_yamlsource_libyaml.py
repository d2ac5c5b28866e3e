"""libyaml reads events faster; the documents it gives are the same as the pure-Python loader's."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coachbook.core import yaml_reader as yamlsource

from .conftest import REPO

pytestmark = pytest.mark.skipif(yamlsource._FastLoader is None, reason="PyYAML was built without libyaml")

TRICKY = """\
plain: text
yes_word: yes
quoted: "12:30"
number: 12
float: 1.5e3
nothing: ~
flag: true
folded: >-
  two
  lines
literal: |
  kept
list: [a, "b", 3]
nested:
  - {x: 1, y: "two"}
  - ünïcode: välue
"""


def _parse(text: str, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> yamlsource.YamlDocument:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(yamlsource, "_FastLoader", None)
        return yamlsource.parse_yaml(text, Path("x.yml"))


@pytest.mark.parametrize(
    "path", sorted([*(REPO / "engagements").glob("*.yml"), REPO / "content" / "program.yml"]), ids=lambda p: p.name
)
def test_sample_files_parse_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast, slow = (_parse(text, fast=f, monkeypatch=monkeypatch) for f in (True, False))
    assert (fast.data, fast.values, fast.keys) == (slow.data, slow.values, slow.keys)


def test_scalars_and_positions_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = (_parse(TRICKY, fast=f, monkeypatch=monkeypatch) for f in (True, False))
    assert (fast.data, fast.values, fast.keys) == (slow.data, slow.values, slow.keys)
    assert fast.data["yes_word"] == "yes" and fast.data["quoted"] == "12:30" and fast.data["number"] == 12


def test_errors_keep_the_pure_python_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = "a: 1\n b: 2\n"
    messages = []
    for fast in (True, False):
        with pytest.raises(yamlsource.ProblemList) as exc:
            _parse(bad, fast=fast, monkeypatch=monkeypatch)
        messages.append([str(p) for p in exc.value.problems])
    assert messages[0] == messages[1]
    assert yaml.__with_libyaml__
