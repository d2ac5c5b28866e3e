"""The package's shape is checked, not only described: imports point inward, and the core knows no engine.

Every module of `plugins/coachbook` is read as source (nothing is imported),
and each `import` is held to the layers below, innermost first. A package may
import from its own layer and the layers before it, never after: `core` is
free of everything else, `render` builds on `core`, and so on out to `cli`.
The core and the renderer may not import MkDocs, Material, ProperDocs,
`subprocess` or the build package at all, not even for type hints: that is
what keeps them ready to drive another engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "plugins" / "coachbook"

#: Innermost first: each layer may import itself and the layers before it.
LAYERS = ("core", "render", "audit", "access", "refs", "adapter", "build", "publish", "cli")
#: Modules at the package's root: errors (imported by every layer), and the entry points.
ROOT = {"__init__", "__main__", "errors", "plugin"}
#: What the core and the renderer must never import, even for type hints.
ENGINE_FREE = ("core", "render")
FORBIDDEN = ("mkdocs", "material", "properdocs", "subprocess", "coachbook.build")


def _imports(path: Path) -> list[tuple[str, bool, int]]:
    """(imported module, only for type checking, line) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in typing_only, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "coachbook" else [f"coachbook.{a.name}" for a in node.names]
            found += [(name, id(node) in typing_only, node.lineno) for name in names]
    return sorted(found, key=lambda item: item[2])


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "coachbook" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else "root"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_lives_in_a_layer_or_is_an_entry_point() -> None:
    strays = []
    for path in _modules():
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) == 1:
            if relative.stem not in ROOT:
                strays.append(str(relative))
        elif relative.parts[0] not in LAYERS:
            strays.append(str(relative))
    assert strays == []


def _outward(package: Path, layer: str) -> list[str]:
    """Run-time imports from `layer` of `package` into a layer further out."""
    allowed = set(LAYERS[: LAYERS.index(layer) + 1]) | {"root"}
    outward = []
    for path in sorted((package / layer).rglob("*.py")):
        for module, typing_only, line in _imports(path):
            target = _layer(module)
            if target is not None and target not in allowed and not typing_only:
                outward.append(f"{path.relative_to(package)}:{line} imports {module}")
    return outward


def _engine_imports(package: Path, layer: str) -> list[str]:
    """Imports of an engine, `subprocess` or the build package from `layer`, type-only ones included."""
    found = []
    for path in sorted((package / layer).rglob("*.py")):
        for module, _, line in _imports(path):
            if any(module == name or module.startswith(name + ".") for name in FORBIDDEN):
                found.append(f"{path.relative_to(package)}:{line} imports {module}")
    return sorted(found, key=lambda item: item[2])


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_point_inward(layer: str) -> None:
    assert _outward(PACKAGE, layer) == []


@pytest.mark.parametrize("layer", ENGINE_FREE)
def test_the_core_and_the_renderer_know_no_engine(layer: str) -> None:
    assert _engine_imports(PACKAGE, layer) == []


def test_only_the_root_modules_import_from_every_layer() -> None:
    """`errors` is imported by every layer, so it imports none of them at run time."""
    outward = [
        f"errors.py:{line} imports {module}"
        for module, typing_only, line in _imports(PACKAGE / "errors.py")
        if _layer(module) not in (None, "root") and not typing_only
    ]
    assert outward == []


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """A core module that reaches outward, however it hides the import, is caught."""
    core = tmp_path / "core"
    core.mkdir()
    (core / "sneaky.py").write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from mkdocs.config.defaults import MkDocsConfig\n"
        "def later() -> None:\n"
        "    from coachbook.build import firm_build\n"
        "    import subprocess\n"
        "from coachbook import cli\n",
        encoding="utf-8",
    )
    assert _outward(tmp_path, "core") == [
        "core/sneaky.py:6 imports coachbook.build",
        "core/sneaky.py:8 imports coachbook.cli",
    ]
    assert _engine_imports(tmp_path, "core") == [
        "core/sneaky.py:4 imports mkdocs.config.defaults",
        "core/sneaky.py:6 imports coachbook.build",
        "core/sneaky.py:7 imports subprocess",
    ]


def test_the_public_api_is_what_the_package_says() -> None:
    """Every name in `coachbook.__all__` can be imported from `coachbook`, and nothing heavy loads first."""
    import subprocess
    import sys

    code = (
        "import sys, coachbook\n"
        "assert 'mkdocs' not in sys.modules, 'import coachbook loaded MkDocs'\n"
        "missing = [name for name in coachbook.__all__ if not hasattr(coachbook, name)]\n"
        "assert not missing, missing\n"
        "assert sorted(coachbook.__all__) == sorted(['__version__', *coachbook._EXPORTS])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_reading_the_config_and_checking_the_firm_load_nothing_that_writes_pages() -> None:
    """MkDocs imports the plugin to read `mkdocs.yml`; `coachbook check` does that, and must not pay for the pages.

    What plans and renders pages (`coachbook.render.sites` and the modules behind it) is imported when a site
    is built, so `check` on a firm of a thousand starts a tenth of a second sooner.
    """
    import subprocess
    import sys

    root = PACKAGE.parent.parent
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from coachbook.adapter.config import load_project\n"
        "from coachbook.adapter.site_inputs import check_firm\n"
        "from coachbook.core.site_languages import languages_in_use\n"
        f"config, project = load_project(Path({str(root / 'mkdocs.yml')!r}))\n"
        "assert 'coachbook.adapter.plugin' in sys.modules, 'the plugin was not loaded: the test tests nothing'\n"
        "result = check_firm(project)\n"
        "assert not result.problems, result.problems\n"
        "heavy = sorted(m for m in sys.modules if m in ("
        "'coachbook.render.sites', 'coachbook.render.client_pages', 'coachbook.adapter.firm_sites'))\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root)
    assert done.returncode == 0, done.stderr


def test_what_the_plugin_imports_late_is_loaded_before_sites_fork() -> None:
    """Each module the plugin imports inside a hook is imported by the fork server first (`prewarm`).

    Otherwise every site's process would import it again, and a firm of a thousand would pay for that a
    thousand times.
    """
    from coachbook.build.prewarm import _PAGE_WRITERS

    tree = ast.parse((PACKAGE / "adapter" / "plugin.py").read_text(encoding="utf-8"))
    late = {
        node.module
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("coachbook.")
    }
    assert late, "the plugin imports nothing late: the test tests nothing"
    assert late <= set(_PAGE_WRITERS), sorted(late - set(_PAGE_WRITERS))
