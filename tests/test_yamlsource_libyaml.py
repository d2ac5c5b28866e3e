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


UNUSUAL = {
    "duplicate key": "a: 1\na: 2\n",
    "alias": "a: &x 1\nb: *x\n",
    "anchor only": "a: &x 1\nb: 2\n",
    "explicit tag": "a: !!str 3\n",
    "custom tag": "a: !foo 1\n",
    "non-specific tag": "a: ! x\n",
    "merge key": "<<: {a: 1}\n",
    "mapping as a key": "? [a]\n: 1\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "empty file": "",
    "empty document": "---\n",
    "scalar root": "just text\n",
    "list root": "- - - 1\n",
    "nested to the limit": "a: " + "[" * yamlsource.MAX_DEPTH + "1" + "]" * yamlsource.MAX_DEPTH + "\n",
    "nested past the limit": "a: " + "[" * (yamlsource.MAX_DEPTH + 1) + "1" + "]" * (yamlsource.MAX_DEPTH + 1) + "\n",
    "mapping nested past the limit": "".join(f"{'  ' * i}k{i}:\n" for i in range(yamlsource.MAX_DEPTH + 2)) + "x\n",
    "syntax error": "a: [1\n",
    "words that look like values": "k: ~\nl: null\nm: Yes\nn: 0o7\no: 1_000\np: .5\nq: -1.e3\nr: True\ns: nope\n",
    "keys that look like values": "1: one\ntrue: t\nnull: n\n",
}


@pytest.mark.parametrize("text", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_unusual_files_read_the_same_as_the_careful_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files the quick path hands back (an alias, a tag, a duplicate...) still give the careful path's answer."""

    def outcome(fast: bool) -> object:
        try:
            doc = _parse(text, fast=fast, monkeypatch=monkeypatch)
        except yamlsource.ProblemList as exc:
            return [str(p) for p in exc.problems]
        return (doc.data, doc.values, doc.keys)

    assert outcome(True) == outcome(False)


def test_the_quick_path_reads_ordinary_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ordinary engagement file is read without composing nodes (the pure-Python composer is never asked)."""

    def refuse(*_: object) -> None:
        raise AssertionError("the careful path was taken")

    monkeypatch.setattr(yamlsource, "_fast_node", refuse)
    text = (REPO / "engagements" / sorted(p.name for p in (REPO / "engagements").glob("*.yml"))[0]).read_text()
    doc = yamlsource.parse_yaml(text, Path("x.yml"))
    assert doc.data["client"]["name"] and doc.values[("client", "name")].line > 1
