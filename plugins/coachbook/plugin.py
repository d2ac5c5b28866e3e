"""The entry point MkDocs and ProperDocs load the plugin from (`coachbook.plugin:CoachbookPlugin`).

The plugin lives in `coachbook.adapter.plugin`; this module keeps the entry
point, and every `mkdocs.yml` that names it, working.
"""

from coachbook.adapter.plugin import CoachbookConfig, CoachbookPlugin

__all__ = ["CoachbookConfig", "CoachbookPlugin"]
