"""The one place a `Project` is made from `mkdocs.yml`: every command, build and hook asks here.

MkDocs knows the docs folder and where `mkdocs.yml` is; the `coachbook`
plugin's options know the engagements, secrets and published folders. Both
are read here, so the CLI, the firm builder and the plugin never disagree
about where a firm's files are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from coachbook.core.firm_sites import FirmSites, firm_sites
from coachbook.core.project import Project
from coachbook.errors import CoachbookError, Problem

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from coachbook.adapter.plugin import CoachbookPlugin

__all__ = [
    "PLUGIN_NAME",
    "coachbook_plugin",
    "firm_language",
    "firm_sites_from",
    "load_mkdocs_config",
    "load_project",
    "named_file_problems",
    "project_from_config",
    "set_theme_language",
]

#: The plugin's name under `plugins:` in `mkdocs.yml`.
PLUGIN_NAME = "coachbook"


def load_mkdocs_config(config_file: Path, **overrides: Any) -> MkDocsConfig:
    """`mkdocs.yml` loaded and validated, with `overrides` applied (as `mkdocs build` options would).

    Raises:
        CoachbookError: The file is missing or not a valid config.
    """
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    if not config_file.is_file():
        raise CoachbookError(f"{config_file} not found; run coachbook in the folder holding mkdocs.yml, or pass -f")
    try:
        return load_config(config_file=str(config_file), **overrides)
    except ConfigurationError as exc:
        raise CoachbookError(f"{config_file}: {exc}") from None


def coachbook_plugin(config: MkDocsConfig) -> CoachbookPlugin:
    """The config's `coachbook` plugin.

    Raises:
        CoachbookError: The config does not enable it.
    """
    plugin = config.plugins.get(PLUGIN_NAME)
    if plugin is None:
        raise CoachbookError(
            f"{config.config_file_path} does not enable the `coachbook` plugin; add it under `plugins:`"
        )
    return cast("CoachbookPlugin", plugin)


def project_from_config(config: MkDocsConfig, options: Any) -> Project:
    """Where the firm's files are, from MkDocs' config and the `coachbook` plugin's options."""
    root = Path(config.config_file_path or ".").resolve().parent
    repository = options["repository"]
    return Project(
        root=root,
        content_dir=Path(config.docs_dir),
        engagements_dir=root / options["engagements_dir"],
        secrets_dir=root / options["secrets_dir"],
        published_dir=root / options["published_dir"],
        repository=Path(repository) if repository else None,
        language=firm_language(config),
        locales_dir=root / options["locales_dir"],
    )


#: Where the firm's `theme.language` is kept once a site has set the theme to its own language.
_FIRM_LANGUAGE = "coachbook_firm_language"


def firm_language(config: MkDocsConfig) -> str:
    """The firm's default language: `theme.language` as the firm wrote it, region included (`en-GB`, `de-CH`)."""
    return str(config.theme.get(_FIRM_LANGUAGE) or config.theme.get("language") or "en")


def set_theme_language(config: MkDocsConfig, language: str) -> None:
    """Give the theme a site's language, keeping the firm's own, which every later site starts from."""
    config.theme[_FIRM_LANGUAGE] = firm_language(config)
    config.theme["language"] = language


def load_project(config_file: Path, **overrides: Any) -> tuple[MkDocsConfig, Project]:
    """`mkdocs.yml` and the project it describes.

    Raises:
        CoachbookError: The config is missing, invalid, or does not enable the plugin.
    """
    config = load_mkdocs_config(config_file, **overrides)
    return config, project_from_config(config, coachbook_plugin(config).config)


def firm_sites_from(config: MkDocsConfig, options: Any) -> FirmSites:
    """Which of the firm's own sites it builds (the console, cohort reports), from the plugin's options, checked.

    Raises:
        CoachbookError: The console is enabled without a protection, or a cohort option is unusable.
    """
    source = Path(config.config_file_path).name if config.config_file_path else "mkdocs.yml"
    return firm_sites(
        console=dict(options["console"]),
        cohorts=[dict(item) for item in options["cohorts"]],
        cohort_minimum=options["cohort_minimum"],
        source=source,
    )


def named_file_problems(config: MkDocsConfig, project: Project) -> list[Problem]:
    """Files the config names for every page (the logo, the favicon, extra stylesheets and scripts) that are missing.

    MkDocs links them from every page whether or not they exist, so a missing `brand.css` silently leaves every
    site in Material's colours. Each is looked for where MkDocs copies files from: the content folder and the
    theme's folders (the firm's overrides first, then Material's own).
    """
    theme = config.theme
    named: list[tuple[str, str]] = [
        (f"theme.{key}", str(theme[key])) for key in ("logo", "favicon") if isinstance(theme.get(key), str)
    ]
    named += [("extra_css", str(path)) for path in config.extra_css]
    named += [("extra_javascript", str(getattr(script, "path", script))) for script in config.extra_javascript]
    folders = [Path(config.docs_dir), *(Path(folder) for folder in theme.dirs)]
    problems = []
    for key, path in named:
        if "://" in path or path.startswith(("/", "data:")):
            continue  # an address, not a file of the site
        if not any((folder / path).is_file() for folder in folders):
            problems.append(
                Problem(
                    project.shown(Path(config.config_file_path)),
                    1,
                    1,
                    key,
                    f"names {path}, which is neither in {project.shown(Path(config.docs_dir))}/ nor in the theme",
                    "add the file, or correct the path; every page links to it",
                    warning=True,
                )
            )
    return problems
