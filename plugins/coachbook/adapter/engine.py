"""Which engine builds the sites: MkDocs 1.6, or ProperDocs, the maintained continuation of MkDocs 1.x.

ProperDocs answers to MkDocs' own module names once `properdocs.replacement`
is imported: every `import mkdocs.…` (ours, Material's, pymdownx's) then
loads ProperDocs' module of the same name. So choosing the engine is one
import, made before anything imports MkDocs, and the rest of Coachbook
(the plugin, the builder, the patches) is written once against MkDocs'
names. The `coachbook` command chooses in its first step (`--engine`, or
`COACHBOOK_ENGINE`); `auto` takes MkDocs when it is installed, else ProperDocs.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from coachbook.errors import CoachbookError

__all__ = ["ENGINES", "ENGINE_ENV", "engine_in_use", "use_engine"]

#: What `--engine` accepts.
ENGINES = ("auto", "mkdocs", "properdocs")
#: The environment variable that chooses the engine when `--engine` is not given.
ENGINE_ENV = "COACHBOOK_ENGINE"


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def engine_in_use() -> str:
    """`mkdocs` or `properdocs`: what `import mkdocs` gives in this process (loading it if need be)."""
    module = importlib.import_module("mkdocs")
    return "properdocs" if module.__name__ == "properdocs" else "mkdocs"


def use_engine(name: str) -> str:
    """Make MkDocs' module names load `name`'s modules in this process; return the engine in use.

    Raises:
        CoachbookError: The engine is unknown, not installed, or another was loaded already.
    """
    if name not in ENGINES:
        raise CoachbookError(f"engine {name!r} is not one of {', '.join(ENGINES)}")
    if name == "auto":
        name = "mkdocs" if "mkdocs" in sys.modules or _installed("mkdocs") else "properdocs"
    loaded = sys.modules.get("mkdocs")
    if loaded is not None:
        current = "properdocs" if loaded.__name__ == "properdocs" else "mkdocs"
        if current != name:
            raise CoachbookError(f"{current} is already loaded in this process, so {name} cannot be used")
        return name
    if name == "properdocs":
        if not _installed("properdocs"):
            raise CoachbookError("ProperDocs is not installed; run `pip install properdocs`, or use --engine mkdocs")
        importlib.import_module("properdocs.replacement")
    elif not _installed("mkdocs"):
        raise CoachbookError("MkDocs is not installed; run `pip install 'mkdocs>=1.6,<2'`, or use --engine properdocs")
    return name
