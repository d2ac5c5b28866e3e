"""Messages that end in what to do: a date that does not exist, a language nobody translates, a long list."""

from __future__ import annotations

from pathlib import Path

import pytest

from coachbook.core.rules import did_you_mean

from .conftest import REPO, run_coachbook


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("build", "--as-of", "2026-02-30"), "'2026-02-30' is not a date that exists (day is out of range for month)"),
        (("build", "--as-of", "30/02/2026"), "'30/02/2026' is not a date; write it as YYYY-MM-DD, such as 2026-12-01"),
        (("hours", "--coach", "Priya Raman", "--from", "2026-13-01"), "'2026-13-01' is not a date that exists"),
    ],
)
def test_a_date_option_says_what_is_wrong_with_the_date(command: tuple[str, ...], said: str) -> None:
    result = run_coachbook(REPO, *command)
    assert result.returncode == 2
    assert said in result.stderr and "does not match the format" not in result.stderr


def test_a_language_nobody_translates_says_so_and_names_some(tmp_path: Path) -> None:
    result = run_coachbook(tmp_path, "init", "firm", "--name", "X", "--language", "xx", "--program", "empty")
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: 'xx' cannot be the sites' language: Material has no menus and labels in it; ")
    assert "known ones, such as" in line
    assert not (tmp_path / "firm" / "mkdocs.yml").exists()


def test_a_long_list_of_choices_never_leaves_the_hint_empty() -> None:
    choices = [f"client-{n:02}" for n in range(20)]
    assert did_you_mean("client-07", choices) == "did you mean 'client-07'?"
    assert (
        did_you_mean("zzz", choices)
        == "it is none of the 20 known ones, such as client-00, client-01, client-02, client-03"
    )


def test_preview_of_an_unknown_client_says_there_is_none(built_firm: Path) -> None:
    result = run_coachbook(built_firm, "preview", "dana-whitfeld")
    assert result.returncode == 1
    assert "no engagement named 'dana-whitfeld'; did you mean 'dana-whitfield'?" in result.stderr
    assert "coachbook build --client" not in result.stderr


def test_a_theme_override_with_a_syntax_error_is_named_at_its_line(firm: Path) -> None:
    template = firm / "theme" / "main.html"
    lines = template.read_text(encoding="utf-8").count("\n")
    template.write_text(template.read_text(encoding="utf-8") + "{% if %}x{% endif %}\n", encoding="utf-8")
    checked = run_coachbook(firm, "check")
    assert checked.returncode == 1
    assert f"theme/main.html:{lines + 1}:1: template syntax: Expected an expression" in checked.stdout + checked.stderr
    built = run_coachbook(firm, "build", "--client", "sofia-marquez")
    output = built.stdout + built.stderr
    assert built.returncode == 1
    assert f"theme/main.html:{lines + 1}: template syntax" in output
    assert "unexpected error" not in output and "Traceback" not in output


def test_a_branding_file_the_config_names_but_nobody_made_is_a_warning(firm: Path) -> None:
    (firm / "theme" / "assets" / "brand" / "brand.css").unlink()
    said = "mkdocs.yml:1:1: warning: extra_css: names assets/brand/brand.css, which is neither in content/ nor in"
    checked = run_coachbook(firm, "check")
    assert checked.returncode == 0 and said in checked.stderr
    strict = run_coachbook(firm, "build", "--client", "sofia-marquez", "--strict")
    assert strict.returncode == 1 and said in strict.stdout + strict.stderr
    assert not (firm / "site" / "clients" / "sofia-marquez").exists()
