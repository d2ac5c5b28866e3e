"""Coachbook: private handbook-and-progress sites for coaching clients.

The public API, by job (each name is loaded on first use, so `import
coachbook` stays cheap and never imports MkDocs before `--engine` chose one):

* the firm's files: `Project`, `load_firm`, `Firm`, `Engagement`, `Program`;
* what a client may see, and where they stand: `client_view`, `compute_progress`;
* the leak audit: `audit_site`, `policy_for`, `AuditPolicy`, `Audience`, `Leak`, `LeakIndex`;
* building and publishing: `build_firm`, `FirmBuild`, `publish`, `Release`;
* errors: `CoachbookError`, `ProblemList`, `Problem`, `BuildError`, `LeakError`.

The MkDocs plugin is `coachbook.plugin:CoachbookPlugin`; the command is `coachbook.cli:main`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Where each public name lives.
_EXPORTS = {
    "Project": "coachbook.core.project",
    "load_firm": "coachbook.core.loader",
    "Firm": "coachbook.core.loader",
    "Engagement": "coachbook.core.model",
    "Program": "coachbook.core.model",
    "client_view": "coachbook.core.visibility",
    "compute_progress": "coachbook.core.progress",
    "audit_site": "coachbook.audit.site_audit",
    "policy_for": "coachbook.audit.site_audit",
    "AuditPolicy": "coachbook.audit.site_audit",
    "Audience": "coachbook.audit.site_audit",
    "Leak": "coachbook.audit.leaks",
    "LeakIndex": "coachbook.audit.index",
    "build_firm": "coachbook.build.firm_build",
    "FirmBuild": "coachbook.build.firm_build",
    "publish": "coachbook.publish.publisher",
    "Release": "coachbook.publish.publisher",
    "CoachbookError": "coachbook.errors",
    "ProblemList": "coachbook.errors",
    "Problem": "coachbook.errors",
    "BuildError": "coachbook.errors",
    "LeakError": "coachbook.errors",
}

__all__ = [
    "Audience",
    "AuditPolicy",
    "BuildError",
    "CoachbookError",
    "Engagement",
    "Firm",
    "FirmBuild",
    "Leak",
    "LeakError",
    "LeakIndex",
    "Problem",
    "ProblemList",
    "Program",
    "Project",
    "Release",
    "__version__",
    "audit_site",
    "build_firm",
    "client_view",
    "compute_progress",
    "load_firm",
    "policy_for",
    "publish",
]

if TYPE_CHECKING:
    from coachbook.audit.index import LeakIndex
    from coachbook.audit.leaks import Leak
    from coachbook.audit.site_audit import Audience, AuditPolicy, audit_site, policy_for
    from coachbook.build.firm_build import FirmBuild, build_firm
    from coachbook.core.loader import Firm, load_firm
    from coachbook.core.model import Engagement, Program
    from coachbook.core.progress import compute_progress
    from coachbook.core.project import Project
    from coachbook.core.visibility import client_view
    from coachbook.errors import BuildError, CoachbookError, LeakError, Problem, ProblemList
    from coachbook.publish.publisher import Release, publish


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'coachbook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
