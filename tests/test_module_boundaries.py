"""Module boundaries of ``maintainx_sdk``, read from the source (AST, nothing imported).

1. The import graph has no cycle. Every import counts: module level, under
   ``TYPE_CHECKING`` and inside functions.
2. No module uses another module's private names: neither ``from m import _x`` (unless
   ``m._x`` is a module) nor ``obj._x`` where ``obj`` is not ``self``/``cls``/``super()``
   and ``_x`` is not defined in the same module. Dunders, sunder enum names (``_name_``)
   and the namedtuple API (``_replace`` ...) are public by convention.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "maintainx_sdk"
ROOT = Path(__file__).resolve().parents[1] / "src"

NAMEDTUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults"})


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    is_package: bool
    imports: set[str] = field(default_factory=set)
    defined: set[str] = field(default_factory=set)


def _modules() -> dict[str, Module]:
    found: dict[str, Module] = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8")), is_package)
    return found


MODULES = _modules()


def _target(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (``from . import x``: the package)."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _defined_names(tree: ast.Module) -> set[str]:
    """Every name the module defines: functions, classes, variables, attributes it assigns
    (``self._x = ...``), class-level annotations and import aliases."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
    return names


def _scan() -> None:
    for module in MODULES.values():
        module.defined = _defined_names(module.tree)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom):
                target = _target(module, node)
                if not target.startswith(PACKAGE):
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    module.imports.add(sub if sub in MODULES else target)
            elif isinstance(node, ast.Import):
                module.imports.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        module.imports.discard(module.name)
        module.imports &= MODULES.keys()


_scan()


def _is_private(name: str) -> bool:
    if not name.startswith("_") or name.startswith("__"):
        return False
    return not (name.endswith("_") and len(name) > 2)  # sunder enum names (_value_)


def _is_self(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("self", "cls")
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def private_uses(module: Module) -> Iterator[tuple[int, str, str]]:
    """(line, name, what) for each use of another module's private name."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom):
            target = _target(module, node)
            if not target.startswith(PACKAGE):
                continue
            for alias in node.names:
                if _is_private(alias.name) and f"{target}.{alias.name}" not in MODULES:
                    yield node.lineno, alias.name, f"from {target} import {alias.name}"
        elif isinstance(node, ast.Attribute) and _is_private(node.attr):
            if node.attr in NAMEDTUPLE_API or _is_self(node.value):
                continue
            if node.attr in module.defined:
                continue
            yield node.lineno, node.attr, f"{ast.unparse(node.value)[:40]}.{node.attr}"


def cycles() -> list[list[str]]:
    """The strongly connected components of the import graph with more than one module
    (or a module importing itself), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(MODULES[v].imports):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(MODULES):
        if name not in index:
            visit(name)
    return found


def _one_loop(component: list[str]) -> list[str]:
    """A shortest import loop through the component's first module, to show in a failure."""
    members = set(component)
    start = component[0]
    paths: dict[str, list[str]] = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(MODULES[v].imports & members):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return component


def test_the_scan_sees_the_package() -> None:
    assert len(MODULES) > 100
    assert "maintainx_sdk._client" in MODULES
    # the scan counts TYPE_CHECKING and function-local imports as edges
    assert (
        "maintainx_sdk.resources.work_orders" in MODULES["maintainx_sdk.resources._mixins"].imports
    )
    assert "maintainx_sdk.idempotency" in MODULES["maintainx_sdk.resources.work_orders"].imports


def test_the_import_graph_has_no_cycle() -> None:
    bad = cycles()
    shown = [f"{len(c)} modules: {sorted(c)}\n  e.g. {' -> '.join(_one_loop(c))}" for c in bad]
    assert not bad, "import cycles (TYPE_CHECKING and local imports count):\n" + "\n".join(shown)


def test_no_module_uses_another_modules_private_names() -> None:
    found: list[str] = []
    for module in MODULES.values():
        for line, _name, what in private_uses(module):
            found.append(f"{module.path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "private names used across modules:\n" + "\n".join(found)


def test_the_checks_catch_what_they_look_for() -> None:
    """The scanner flags the patterns it is meant to (so a clean run means something)."""
    probe = Module(
        "maintainx_sdk.probe",
        Path("probe.py"),
        ast.parse(
            "from ._client import _Hardening\n"
            "from . import _constants\n"
            "def f(client, parts, member):\n"
            "    client._send(1)\n"
            "    parts._replace(a=1)\n"
            "    member._value_\n"
            "    super()._x\n"
            "    self._y\n"
        ),
        is_package=False,
    )
    probe.defined = _defined_names(probe.tree)
    assert [name for _, name, _ in private_uses(probe)] == ["_Hardening", "_send"]
