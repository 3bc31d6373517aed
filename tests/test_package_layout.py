"""The package's layout is a contract: folders along the pipeline, a core that depends on nothing else, small
modules and functions, no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES, MAX_FUNCTION_LINES, MAX_TOP_LEVEL_MODULES = 450, 40, 8


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def toolkit_imports(path: Path, top_level_only: bool = False) -> set[str]:
    """The toolkit modules a module imports (at module level only, when asked: those form import cycles)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("toolkit"):
            found.add(node.module)
            # `from toolkit.core import checks` imports the module toolkit.core.checks.
            submodules = (f"{node.module}.{a.name}" for a in node.names)
            found.update(m for m in submodules if (PACKAGE.parent / m.replace(".", "/")).with_suffix(".py").exists())
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("toolkit"))
    return found


def test_core_imports_nothing_outside_core():
    outside = {
        f"{module_name(p)} → {m}"
        for p in MODULES
        if module_name(p).startswith("toolkit.core")
        for m in toolkit_imports(p)
        if not m.startswith("toolkit.core")
    }
    assert not outside


def test_the_package_top_level_holds_few_modules_beside_its_subpackages():
    assert len(list(PACKAGE.glob("*.py"))) <= MAX_TOP_LEVEL_MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_longer_than_the_limit(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


def test_no_function_is_longer_than_the_limit():
    long = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({length} lines)")
    assert not long


def test_no_import_cycle_at_module_level():
    graph = {module_name(p): toolkit_imports(p, top_level_only=True) for p in MODULES}
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        assert state.get(name) != 1, " → ".join((*trail, name))
        state[name] = 1
        for dep in graph.get(name, ()):
            if dep != name and not name.startswith(dep + "."):  # a package's __init__ is not a cycle
                visit(dep, (*trail, name))
        state[name] = 2

    for name in graph:
        visit(name, ())


def test_no_frozen_object_is_changed_after_the_fact():
    assert not [p for p in MODULES if "object.__setattr__" in p.read_text(encoding="utf-8")]
