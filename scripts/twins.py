"""Find the sync/async twins left in the hand-written modules and how much LOGIC they repeat.

    python scripts/twins.py              # every pair, then the totals
    python scripts/twins.py --thick      # only the thick pairs (tests/test_twins.py allow-lists)

A twin is a function and its asyncio counterpart in the same module: ``f``/``af``/``_af``,
``..sync..``/``..async..``, or a method of ``C`` and of ``AsyncC`` (``SyncC``/``AsyncC``,
``_SyncC``/``_AsyncC``). Only the implementation is compared (not its ``@overload``s).

What is measured is the twinned logic, not the text: the signature, the docstring, comments
and line wrapping are left out. Each body is re-printed from its AST with ``await``,
``async for`` and ``async with`` turned into their blocking forms, one line per simple
statement (a call that forwards twelve keyword arguments is one line). So a pair that is a
typed public signature plus a one-line delegation is two logic lines, however long it looks.

A pair is *thick* when its two bodies together hold more than :data:`THICK_LINES` logic
lines and are at least :data:`THICK_SIMILARITY` alike (characters, ``difflib``).
"""

from __future__ import annotations

import argparse
import ast
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "src" / "maintainx_sdk"

#: Written by scripts/generate*.py: twinned by construction, never edited by hand.
GENERATED = ("resources/", "models/", "webhook_events.py", "webhooks/_parse_event.py")

#: Logic lines (both bodies together) above which an alike pair counts as thick.
THICK_LINES = 8
#: Similarity from which a pair counts as alike.
THICK_SIMILARITY = 0.8

AnyDef = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class Twin:
    """One sync/async pair of a module, measured."""

    module: str
    """The path under ``maintainx_sdk/``, e.g. ``"bulk.py"``."""
    sync: str
    """The qualified name of the blocking one (``"IncrementalSync.run"``)."""
    async_: str
    """The qualified name of its asyncio twin."""
    similarity: float
    """How alike the two bodies' logic is, 0..1."""
    logic_lines: int
    """Logic lines of both bodies (see the module docstring)."""
    source_lines: int
    """Source lines of both definitions, signatures and docstrings included."""

    @property
    def key(self) -> str:
        """``"module: sync / async"``, the name the allow-list uses."""
        return f"{self.module}: {self.sync} / {self.async_}"

    @property
    def thick(self) -> bool:
        return self.logic_lines > THICK_LINES and self.similarity >= THICK_SIMILARITY


class _Blocking(ast.NodeTransformer):
    """``await x`` -> ``x``; ``async for``/``async with``/``async def`` -> their plain forms."""

    def visit_Await(self, node: ast.Await) -> ast.AST:
        value: ast.AST = self.visit(node.value)
        return value

    def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
        self.generic_visit(node)
        return ast.For(**{f: getattr(node, f) for f in node._fields})

    def visit_AsyncWith(self, node: ast.AsyncWith) -> ast.AST:
        self.generic_visit(node)
        return ast.With(**{f: getattr(node, f) for f in node._fields})

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        return ast.FunctionDef(**{f: getattr(node, f) for f in node._fields})


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def logic(node: AnyDef) -> str:
    """The body of ``node`` as blocking code, without its docstring, one statement a line."""
    body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
    module = ast.Module(body=list(body), type_ignores=[])
    module = _Blocking().visit(ast.parse(ast.unparse(module)))  # a copy: ``node`` stays as is
    return ast.unparse(ast.fix_missing_locations(module))


def _is_overload(node: AnyDef) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "overload")
        or (isinstance(d, ast.Attribute) and d.attr == "overload")
        for d in node.decorator_list
    )


def _definitions(tree: ast.Module) -> dict[str, AnyDef]:
    """Qualified name -> the implementation (the last definition that is not an overload)."""
    found: dict[str, AnyDef] = {}

    def collect(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, AnyDef) and not _is_overload(node):
                found[prefix + node.name] = node
            elif isinstance(node, ast.ClassDef):
                collect(node.body, f"{prefix}{node.name}.")

    collect(tree.body, "")
    return found


def _counterparts(name: str) -> Iterator[str]:
    """The names the asyncio twin of ``name`` would have."""
    owner, _, function = name.rpartition(".")
    if owner:
        bare = owner.lstrip("_")
        yield f"Async{owner}.{function}"
        yield f"_Async{bare.replace('Sync', '', 1)}.{function}"
        yield f"{owner.replace('Sync', 'Async', 1)}.{function}"
    else:
        yield f"a{function}"
        yield f"_a{function.lstrip('_')}"
        yield function.replace("sync", "async")


def _pairs(definitions: dict[str, AnyDef]) -> Iterator[tuple[str, str]]:
    seen: set[frozenset[str]] = set()
    for name, node in definitions.items():
        if isinstance(node, ast.AsyncFunctionDef):
            continue  # the blocking one names the pair
        for other in _counterparts(name):
            if other != name and other in definitions and frozenset((name, other)) not in seen:
                seen.add(frozenset((name, other)))
                yield name, other
                break


def _source_lines(node: AnyDef) -> int:
    return (node.end_lineno or node.lineno) - node.lineno + 1


def module_twins(module: str, source: str) -> list[Twin]:
    """The twins of one module's source."""
    definitions = _definitions(ast.parse(source))
    twins: list[Twin] = []
    for sync_name, async_name in _pairs(definitions):
        a, b = definitions[sync_name], definitions[async_name]
        logic_a, logic_b = logic(a), logic(b)
        twins.append(
            Twin(
                module=module,
                sync=sync_name,
                async_=async_name,
                similarity=difflib.SequenceMatcher(None, logic_a, logic_b).ratio(),
                logic_lines=len(logic_a.splitlines()) + len(logic_b.splitlines()),
                source_lines=_source_lines(a) + _source_lines(b),
            )
        )
    return twins


def find_twins(package_dir: Path = PACKAGE_DIR) -> list[Twin]:
    """Every twin of the hand-written modules under ``package_dir``, sorted by module."""
    twins: list[Twin] = []
    for path in sorted(package_dir.rglob("*.py")):
        module = path.relative_to(package_dir).as_posix()
        if module.startswith(GENERATED):
            continue
        source = path.read_text(encoding="utf-8")
        if source.startswith("# Generated"):
            continue
        twins.extend(module_twins(module, source))
    return sorted(twins, key=lambda t: t.key)


def summary(twins: list[Twin]) -> str:
    alike = [t for t in twins if t.similarity >= THICK_SIMILARITY]
    return (
        f"{len(twins)} pairs; {len(alike)} >= {THICK_SIMILARITY:.0%} alike; "
        f"{sum(t.logic_lines for t in twins)} logic lines "
        f"({sum(t.logic_lines for t in alike)} in the alike pairs); "
        f"{sum(t.source_lines for t in twins)} source lines; "
        f"{sum(t.thick for t in twins)} thick"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", nargs="?", type=Path, default=PACKAGE_DIR)
    parser.add_argument("--thick", action="store_true", help="list only the thick pairs")
    args = parser.parse_args(argv)
    package_dir: Path = args.package_dir
    if (package_dir / "maintainx_sdk").is_dir():  # the src directory was given
        package_dir = package_dir / "maintainx_sdk"
    twins = find_twins(package_dir)
    print("  alike  logic  source  pair")
    for twin in twins:
        if twin.thick or not args.thick:
            mark = "*" if twin.thick else " "
            print(
                f"{mark} {twin.similarity:5.0%}  {twin.logic_lines:5d}  {twin.source_lines:6d}  "
                f"{twin.key}"
            )
    print(summary(twins))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
