"""Pinned handbooks read from the firm's git history: what an engagement's `handbook: v2026.1` loads.

The core's loader asks a `HandbookSource` for the guides and program of a
ref; this is the source that reads them from git, exporting each commit's
content folder once (cached under `.coachbook/handbooks/`) however many
clients pin it.
"""

from __future__ import annotations

from coachbook.core.loader import Handbook, load_programs
from coachbook.core.project import Project
from coachbook.errors import CoachbookError
from coachbook.refs.git import export_content, resolve_commit

__all__ = ["GitHandbooks"]


class GitHandbooks:
    """Pinned handbooks, each exported and checked once per load however many clients pin it."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._by_commit: dict[str, Handbook] = {}

    def at(self, ref: str) -> Handbook:
        """The handbook as it was at `ref`.

        Raises:
            GitRefError: The ref is unknown or cannot be read.
            CoachbookError: The content folder did not exist there, or is outside the project.
            ProblemList: The program or guides at that ref have problems.
        """
        project = self._project
        commit = resolve_commit(project.git, ref)
        if commit not in self._by_commit:
            try:
                inner = project.content_dir.resolve().relative_to(project.root.resolve())
            except ValueError:
                raise CoachbookError(
                    "the content folder is outside the project, so its history cannot be read"
                ) from None
            content = export_content(project.git, project.git / inner, commit)
            at_ref = Project(root=project.root, content_dir=content, engagements_dir=project.engagements_dir)
            self._by_commit[commit] = Handbook(commit, content, load_programs(at_ref))
        return self._by_commit[commit]
