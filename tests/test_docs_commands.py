"""Every `coachbook` command the README, the guides and the example workflows show exists, with those options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from coachbook.cli import cli

from .conftest import REPO

DOCUMENTS = [
    REPO / "README.md",
    *sorted((REPO / "docs").rglob("*.md")),
    *sorted((REPO / ".github" / "workflows").glob("*.yml")),
]
#: `coachbook` followed by a sub-command, in code spans, code blocks or workflow steps.
_INVOCATION = re.compile(r"(?<![\w/.-])coachbook((?: +[^\s`|;&)]+)+)")


def invocations(path: Path) -> list[tuple[int, list[str]]]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in _INVOCATION.finditer(line):
            try:
                words = shlex.split(match.group(1), comments=True)
            except ValueError:
                words = match.group(1).split()
            if words and re.fullmatch(r"[a-z][a-z-]+", words[0]):
                found.append((number, words))
    return found


CASES = [(path, number, words) for path in DOCUMENTS for number, words in invocations(path)]


def options_of(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def test_the_documents_show_commands() -> None:
    assert len(CASES) > 30
    shown = {words[0] for _, _, words in CASES}
    assert {"build", "publish", "serve", "audit", "bundle"} <= shown


@pytest.mark.parametrize(("path", "number", "words"), CASES, ids=[f"{p.relative_to(REPO)}:{n}" for p, n, _ in CASES])
def test_each_documented_command_and_option_exists(path: Path, number: int, words: list[str]) -> None:
    name, *rest = words
    assert name in cli.commands, f"{path.relative_to(REPO)}:{number}: there is no command `coachbook {name}`"
    command = cli.commands[name]
    known = options_of(command) | {"-h", "--help"}
    for word in rest:
        option = word.split("=", 1)[0]
        if option.startswith("-") and not option.startswith("-$"):
            assert option in known, f"{path.relative_to(REPO)}:{number}: `coachbook {name}` has no option {option}"
