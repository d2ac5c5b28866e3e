"""The one place a `Project` is made from `mkdocs.yml`: every command, build and hook asks here.

MkDocs knows the docs folder and where `mkdocs.yml` is; the `coachbook`
plugin's options know the engagements, secrets and published folders. Both
are read here, so the CLI, the firm builder and the plugin never disagree
about where a firm's files are.
"""

from __future__ import annotations

import logging
import re
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
    "config_problem",
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


#: How MkDocs logs each invalid setting (`mkdocs.config.base.load_config`), and a plugin's option within it.
_CONFIG_VALUE = re.compile(r"Config value '(?P<key>[^']*)': (?P<reason>.*)", re.DOTALL)
_PLUGIN_OPTION = re.compile(r"Plugin '(?P<plugin>[^']+)' option '(?P<option>[^']+)': (?P<reason>.*)", re.DOTALL)
_SUB_OPTION = re.compile(r"Sub-option '(?P<option>[^']+)': (?P<reason>.*)", re.DOTALL)
#: Where MkDocs' own settings are described.
MKDOCS_SETTINGS = "https://www.mkdocs.org/user-guide/configuration/"


def _shown(path: Path) -> str:
    """`path` as the coach would name it: relative to the working folder where it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


class _Collected(logging.Handler):
    """The records MkDocs logs while it loads a config, kept to be said once, in our own words."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def config_problem(source: str, message: str) -> str:
    """One of MkDocs' validation messages as `<file>: <key>: <reason>`, with a hint on the next line.

    MkDocs says `Config value 'plugins': Plugin 'coachbook' option 'protect': ...`; the coach needs the
    key's path (`plugins.coachbook.protect`) to find it, and what to do about it.
    """
    found = _CONFIG_VALUE.fullmatch(message.strip())
    if found is None:
        return f"{source}: {message.strip()}"
    key, reason = found["key"], found["reason"]
    option = _PLUGIN_OPTION.fullmatch(reason) if key == "plugins" else None
    if option is not None:
        key, reason = f"plugins.{option['plugin']}.{option['option']}", option["reason"]
        # A sub-option (`console: protect:`) is named to its own key.
        while (sub := _SUB_OPTION.fullmatch(reason)) is not None:
            key, reason = f"{key}.{sub['option']}", sub["reason"]
        plugin = option["plugin"]
        hint = f"fix it under `plugins: - {plugin}:` in {source} as the message says, or remove it for its default"
    else:
        hint = (
            f"set `{key}` as the message says (in {source} or a file it INHERITs); MkDocs' settings: {MKDOCS_SETTINGS}"
        )
    return f"{source}: {key}: {reason}\n    hint: {hint}"


def load_mkdocs_config(config_file: Path, **overrides: Any) -> MkDocsConfig:
    """`mkdocs.yml` loaded and validated, with `overrides` applied (as `mkdocs build` options would).

    MkDocs logs why a config is invalid and then raises a bare `Abort("Aborted with a configuration
    error!")`; with its log quiet (as every command keeps it) the coach would see only that line. Its
    log is collected while it loads, and what it said becomes the error, once: each bad key, its
    reason and a hint. A valid config's warnings are passed on to MkDocs' log as they were.

    Raises:
        CoachbookError: The file is missing or not a valid config.
    """
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    if not config_file.is_file():
        raise CoachbookError(f"{config_file} not found; run coachbook in the folder holding mkdocs.yml, or pass -f")
    source = _shown(config_file)
    logger = logging.getLogger("mkdocs.config")
    collected, propagate = _Collected(), logger.propagate
    logger.addHandler(collected)
    logger.propagate = False
    try:
        config = load_config(config_file=str(config_file), **overrides)
    except ConfigurationError as exc:
        raise CoachbookError(f"{config_file}: {exc}") from None
    except Abort as exc:
        # Errors if there are any; otherwise the warnings strict mode refused.
        said = [r for r in collected.records if r.levelno >= logging.ERROR] or [
            r for r in collected.records if r.levelno == logging.WARNING
        ]
        if not said:
            raise CoachbookError(f"{config_file}: {exc.message}") from None
        raise CoachbookError("\n".join(config_problem(source, r.getMessage()) for r in said)) from None
    finally:
        logger.removeHandler(collected)
        logger.propagate = propagate
    for record in collected.records:
        if record.levelno >= logging.WARNING:
            logger.handle(record)
    return config


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
