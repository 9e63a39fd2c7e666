"""docs/architecture.md names modules and the names in them: each must exist in the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "maintainx_sdk"
DOC = ROOT / "docs" / "architecture.md"


def _defined_names(module: Path) -> set[str]:
    """Top-level names and ``Class.method`` names defined in a module."""
    names: set[str] = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}.{item.name}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _table_rows(heading: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def _code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


DECISIONS = _table_rows("Where each decision lives")
MODULES = _table_rows("Modules of the request path")


def test_the_tables_are_there() -> None:
    assert len(DECISIONS) >= 4
    assert len(MODULES) >= 8
    decided = " ".join(row[0] for row in DECISIONS)
    for decision in ("retry", "rate-limit wait", "breaker transition", "out of time"):
        assert decision in decided


@pytest.mark.parametrize("row", DECISIONS, ids=lambda row: row[0])
def test_each_decision_names_one_module_that_defines_what_it_says(row: list[str]) -> None:
    (module_name,) = _code_spans(row[1])
    module = PACKAGE / module_name
    assert module.is_file(), f"{module_name} is not a module of the package"
    defined = _defined_names(module)
    for span in _code_spans(row[2]):
        if span.endswith(".py"):
            assert (PACKAGE / span).is_file(), f"{span} is not a module of the package"
            continue
        name = span.split(" ")[0]
        assert name in defined, f"{name} is not defined in {module_name}"


@pytest.mark.parametrize("row", MODULES, ids=lambda row: row[0])
def test_each_listed_module_exists_and_defines_the_names_it_is_given(row: list[str]) -> None:
    (module_name,) = _code_spans(row[0])
    module = PACKAGE / module_name
    assert module.is_file(), f"{module_name} is not a module of the package"
    defined = _defined_names(module)
    for span in _code_spans(row[1]):
        assert span in defined, f"{span} is not defined in {module_name}"


def test_every_module_of_the_request_path_is_listed() -> None:
    listed = {_code_spans(row[0])[0] for row in MODULES}
    path = {"_flow.py", "_call.py", "_drivers.py", "_actions.py", "_attempt_guard.py"}
    decided = {_code_spans(row[1])[0] for row in DECISIONS}
    assert path <= listed | decided
