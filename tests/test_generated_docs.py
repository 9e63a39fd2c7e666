"""Generated docstrings document every argument and every model field, from the schema facts."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import httpx
import pytest

import maintainx_sdk
from maintainx_sdk import MaintainX, operations

from .conftest import TEST_KEY

MODELS = sorted((Path(maintainx_sdk.__file__).parent / "models").glob("*.py"))


def _method(mx: MaintainX, python_name: str) -> Any:
    target: Any = mx
    for part in python_name.split("."):
        target = getattr(target, part)
    return target


def test_every_argument_of_every_method_is_documented() -> None:
    missing = []
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(httpx.Response)) as mx:
        for op in operations():
            method = _method(mx, op.python_name)
            doc = inspect.getdoc(method) or ""
            for name in inspect.signature(method).parameters:
                if f"\n    {name}: " not in doc:
                    missing.append(f"{op.python_name}({name})")
    assert missing == []


def test_argument_docs_state_the_facts() -> None:
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(httpx.Response)) as mx:
        doc = inspect.getdoc(mx.work_orders.update) or ""
        list_doc = inspect.getdoc(mx.work_orders.list) or ""
    assert "due_date: Date-time. Optional; ``None`` sends null" in doc
    assert "title: String. Optional." in doc
    assert "priority: One of ``NONE``, ``LOW``, ``MEDIUM``, ``HIGH``." in doc
    assert "skip_webhook: Query parameter ``skipWebhook``: boolean." in doc
    assert "limit: Query parameter ``limit``: integer, at least 1, at most 200." in list_doc


@pytest.mark.parametrize("path", MODELS, ids=[p.name for p in MODELS])
def test_every_model_field_has_a_docstring(path: Path) -> None:
    undocumented = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ClassDef):
            continue
        body = node.body
        for i, stmt in enumerate(body):
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                following = body[i + 1] if i + 1 < len(body) else None
                is_doc = isinstance(following, ast.Expr) and isinstance(
                    following.value, ast.Constant
                )
                if not is_doc:
                    undocumented.append(f"{node.name}.{stmt.target.id}")
    assert undocumented == []
