"""`coachbook init`: a new firm from nothing passes `check --strict` and builds, and nothing is ever overwritten."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

import pytest
import yaml

from coachbook.core.starter import SAMPLE_FIRM, NewFirm, starter_files

from .conftest import REPO, run_coachbook

STARTER = REPO / "plugins" / "coachbook" / "starter"


def _init(parent: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `coachbook init` with no terminal, as a script or CI would."""
    return subprocess.run(
        _command("init", *args),
        cwd=parent,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "coachbook", *args]


@pytest.mark.parametrize(
    ("program", "stages", "language"),
    [("executive", 7, "en"), ("empty", 2, "de")],
)
def test_a_new_firm_passes_check_strict_and_builds_its_handbook_and_example_client(
    tmp_path: Path, program: str, stages: int, language: str
) -> None:
    name = 'Acme & Co: "Coaching" <Partners> #1'
    result = _init(tmp_path, "firm", "--name", name, "--language", language, "--program", program)
    assert result.returncode == 0, result.stderr
    firm = tmp_path / "firm"
    assert "coachbook check" in result.stdout and "coachbook preview" in result.stdout

    check = run_coachbook(firm, "check", "--strict")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{stages} stage guide(s), 1 engagement(s)" in check.stdout

    run_coachbook(firm, "build", "--strict", check=True)
    handbook = (firm / "site" / "handbook" / "index.html").read_text(encoding="utf-8")
    client = (firm / "site" / "clients" / "example-client" / "index.html").read_text(encoding="utf-8")
    escaped = "Acme &amp; Co: &#34;Coaching&#34; &lt;Partners&gt; #1"
    for page in (handbook, client):
        assert f'<html lang="{language}"' in page
        # The firm's name is the contact line it starts with, shown as typed, never as markup.
        assert f'<p class="cb-firm-contact">{escaped}</p>' in page
        assert "<Partners>" not in page
        # Escaped once everywhere, the logo's title included (Material escapes that one again itself).
        assert "&amp;amp;" not in page
        assert 'href="assets/brand/favicon.svg"' in page or 'href="../assets/brand/favicon.svg"' in page
        assert 'src="assets/brand/logo.svg"' in page
    assert "Jordan" in client
    assert SAMPLE_FIRM not in handbook

    # What a firm's repository needs beside its content.
    ignored = (firm / ".gitignore").read_text(encoding="utf-8").split()
    assert {"/site/", "/secrets/", "/.coachbook/", "/bundles/"} <= set(ignored)
    workflow = yaml.safe_load((firm / ".github" / "workflows" / "coachbook.yml").read_text(encoding="utf-8"))
    steps = [step.get("run", "") for step in workflow["jobs"]["check"]["steps"]]
    assert any(step.startswith('pip install "coachbook==') for step in steps)
    assert "coachbook check --strict" in steps and "coachbook build --strict" in steps
    settings = json.loads((firm / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    for schema in settings["yaml.schemas"]:
        assert (firm / schema).is_file(), schema
    assert "redhat.vscode-yaml" in (firm / ".vscode" / "extensions.json").read_text(encoding="utf-8")
    hooks = yaml.safe_load((firm / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hooks["repos"][0]["hooks"][0]["entry"] == "coachbook check"
    assert (
        (firm / "content" / "program.yml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=program.schema.json")
    )


def test_init_never_writes_into_a_folder_that_holds_something(tmp_path: Path) -> None:
    assert _init(tmp_path, "firm", "--name", "Acme").returncode == 0
    program = tmp_path / "firm" / "content" / "program.yml"
    program.write_text("# the firm's own\n", encoding="utf-8")

    again = _init(tmp_path, "firm", "--name", "Other", "--program", "empty")
    assert again.returncode == 1
    assert "firm is not empty" in again.stderr and "nothing was written" in again.stderr
    assert "Traceback" not in again.stderr
    assert program.read_text(encoding="utf-8") == "# the firm's own\n"

    lone = tmp_path / "notes"
    lone.mkdir()
    (lone / "todo.txt").write_text("x", encoding="utf-8")
    refused = _init(tmp_path, "notes", "--name", "Acme")
    assert refused.returncode == 1 and "todo.txt" in refused.stderr
    assert sorted(p.name for p in lone.iterdir()) == ["todo.txt"]


def test_a_fresh_git_repository_is_empty_enough(tmp_path: Path) -> None:
    (tmp_path / "firm" / ".git").mkdir(parents=True)
    result = _init(tmp_path, "firm", "--name", "Acme")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "firm" / "mkdocs.yml").is_file()


def test_without_a_terminal_init_names_the_missing_option(tmp_path: Path) -> None:
    result = _init(tmp_path, "firm")
    assert result.returncode == 1
    assert "--name is missing" in result.stderr and "coachbook init firm --name" in result.stderr
    assert "Aborted!" not in result.stderr
    assert not (tmp_path / "firm").exists()


def test_answers_typed_at_the_prompts_make_the_firm(tmp_path: Path) -> None:
    result = subprocess.run(
        _command("init", "firm"),
        cwd=tmp_path,
        input="Northwind Coaching\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    config = (tmp_path / "firm" / "mkdocs.yml").read_text(encoding="utf-8")
    assert 'site_name: "Northwind Coaching handbook"' in config


@pytest.mark.parametrize(
    ("language", "said"), [("english", "write a language code such as en"), ("dee", "did you mean 'de'")]
)
def test_a_language_material_does_not_know_is_refused(tmp_path: Path, language: str, said: str) -> None:
    result = _init(tmp_path, "firm", "--name", "Acme", "--language", language)
    assert result.returncode == 1 and said in result.stderr, result.stderr
    assert not (tmp_path / "firm").exists()


def test_the_starter_executive_program_is_the_sample_firm_s() -> None:
    """The package ships a copy of the sample firm's program, guides and theme; they must not drift apart."""
    files = starter_files(NewFirm(SAMPLE_FIRM), version="0")
    sample = {p.relative_to(REPO).as_posix(): p for p in (REPO / "content").rglob("*") if p.is_file()}
    sample.pop("content/program.schema.json")  # written by `coachbook schema`, not copied
    sample |= {p.relative_to(REPO).as_posix(): p for p in (REPO / "theme").rglob("*") if p.is_file()}
    for relative, path in sample.items():
        if relative.startswith("theme/assets/brand/") and not relative.endswith(".css"):
            continue  # The sample firm's own logo and favicon; a new firm gets neutral ones.
        assert files[PurePosixPath(relative)] == path.read_text(encoding="utf-8"), relative


def test_the_starter_files_go_into_the_wheel() -> None:
    """Hatchling puts every file under the package into the wheel, except what git ignores."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["plugins/coachbook"]
    starter = [str(p.relative_to(REPO)) for p in STARTER.rglob("*") if p.is_file()]
    assert len(starter) > 20
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *starter], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert ignored.stdout == ""
