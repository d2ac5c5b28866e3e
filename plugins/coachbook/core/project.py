"""Where a firm's files live: the one record of a project's folders that every command and build shares.

`coachbook.adapter.config.load_project` makes it from `mkdocs.yml`; nothing
else builds one from a config, so every command agrees on where the content,
the engagements, the secrets and the published tree are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Project"]


@dataclass(frozen=True)
class Project:
    """Where a firm's files live."""

    root: Path
    """The folder holding `mkdocs.yml`; messages name files relative to it."""
    content_dir: Path
    """The guides, the program and the handbook's other pages (MkDocs' `docs_dir`)."""
    engagements_dir: Path
    """One YAML file per client engagement."""
    secrets_dir: Path | None = None
    """Git-ignored folder for passphrases and password files; `root/secrets` when unset."""
    published_dir: Path | None = None
    """The tree of published versions; `root/published` when unset."""
    repository: Path | None = None
    """Where git reads refs from: `root`, except for a version built from an exported ref."""
    language: str = "en"
    """The firm's default language (`theme.language`): of its guides and program, and of every site by default."""
    locales_dir: Path | None = None
    """The firm's own message catalogs (`locales/<lang>/LC_MESSAGES/coachbook.po`); `root/locales` when unset."""

    @property
    def git(self) -> Path:
        return self.repository or self.root

    @property
    def published(self) -> Path:
        return self.published_dir or self.root / "published"

    @property
    def locales(self) -> Path:
        return self.locales_dir or self.root / "locales"

    @property
    def secrets(self) -> Path:
        return self.secrets_dir or self.root / "secrets"

    @property
    def work_dir(self) -> Path:
        """Coachbook's own git-ignored folder beside `mkdocs.yml`: build state, caches, snapshots, locks."""
        return self.git / ".coachbook"

    def shown(self, path: Path) -> Path:
        """`path` as a person would type it from the project folder."""
        # Not resolve(): a symbolic link must be reported under its own name.
        try:
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(self.root))
        except ValueError:
            return path
