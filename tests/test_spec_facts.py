"""The committed API facts (spec/openapi.json): complete for the generators, free of prose."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT, SPEC_PATH

PROSE = {"description", "summary", "title", "example", "examples", "externalDocs"}
NAME_MAPS = {"properties", "paths", "responses", "content", "headers", "schemas", "x-webhooks"}


def load_refresh() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "refresh_spec", ROOT / "scripts" / "refresh_spec.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prose_fields(node: Any, where: str = "$", names: bool = False) -> list[str]:
    """Paths of documentation keywords left in ``node`` (names chosen by the API are fine)."""
    found: list[str] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            found += prose_fields(item, f"{where}[{i}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            if not names and key in PROSE:
                found.append(f"{where}.{key}")
            child_names = not names and key in NAME_MAPS and isinstance(value, dict)
            found += prose_fields(value, f"{where}.{key}", child_names)
    return found


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return data


def test_the_copy_has_no_prose_beyond_its_own_title(facts: dict[str, Any]) -> None:
    assert prose_fields(facts) == ["$.info.title"]
    assert "refresh_spec.py" in facts["info"]["title"]


def test_the_copy_keeps_the_facts(facts: dict[str, Any]) -> None:
    operations = [
        (method, path)
        for path, item in facts["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) == 169
    assert len(facts["x-webhooks"]) == 46
    order = facts["paths"]["/workorders"]["post"]["requestBody"]["content"]["application/json"]
    props = order["schema"]["properties"]
    # A property *named* description is a fact and stays; its own description text does not.
    assert "description" in props and "title" in props
    assert "description" not in props["title"]
    assert set(props["priority"]["enum"]) >= {"NONE", "LOW", "MEDIUM", "HIGH"}
    assert "title" in order["schema"]["required"]
    assert {"200", "400"} <= set(facts["paths"]["/workorders/{id}"]["get"]["responses"])


def test_refresh_is_a_fixed_point_of_the_copy() -> None:
    refresh = load_refresh()
    text = SPEC_PATH.read_text()
    assert refresh.render(json.loads(text)) == text


def test_refresh_strips_prose_and_check_spots_a_stale_copy(tmp_path: Path) -> None:
    refresh = load_refresh()
    upstream = {
        "openapi": "3.0.0",
        "info": {"title": "Their API", "description": "long text", "version": "1"},
        "servers": [{"url": "https://x.test/v1", "description": "Endpoint"}],
        "paths": {
            "/things/{id}": {
                "get": {
                    "summary": "Get a thing",
                    "description": "More words",
                    "parameters": [
                        {"name": "id", "in": "path", "description": "words", "example": 7}
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "title": "Thing",
                                        "required": ["description"],
                                        "properties": {
                                            "description": {"type": "string", "example": "hi"}
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
    }
    source = tmp_path / "upstream.json"
    source.write_text(json.dumps(upstream))
    out = tmp_path / "facts.json"
    assert refresh.main([str(source), "--out", str(out)]) == 0
    written = json.loads(out.read_text())
    op = written["paths"]["/things/{id}"]["get"]
    assert "summary" not in op and "description" not in op
    assert op["parameters"] == [{"name": "id", "in": "path"}]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {
        "type": "object",
        "required": ["description"],
        "properties": {"description": {"type": "string"}},
    }
    assert written["servers"] == [{"url": "https://x.test/v1"}]
    assert refresh.main([str(source), "--out", str(out), "--check"]) == 0
    upstream["paths"]["/things/{id}"]["get"]["deprecated"] = True
    source.write_text(json.dumps(upstream))
    assert refresh.main([str(source), "--out", str(out), "--check"]) == 1
