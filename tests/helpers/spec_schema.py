"""Read the OpenAPI 3.0 spec and turn its inline schemas into JSON Schema (tests only)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

_DROP = {
    "example",
    "examples",
    "deprecated",
    "format",
    "xml",
    "externalDocs",
    "readOnly",
    "writeOnly",
    "title",
    "description",
}


@cache
def load_spec(path: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(Path(path).read_text())
    return spec


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in _DROP and k != "nullable"}
    if isinstance(node.get("properties"), dict):  # property names are not keywords: keep all
        out["properties"] = {k: to_json_schema(v) for k, v in node["properties"].items()}
    if out.get("type") != "array":
        out.pop("items", None)  # the spec puts "items" on some numbers; meaningless there
    if "enum" in out and node.get("nullable"):
        out["enum"] = [*out["enum"], None]
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        if method != "parameters"
    ]


def response_schema(op: dict[str, Any], status: int) -> tuple[bool, Any]:
    """(documented?, JSON Schema or None) of a status of an operation."""
    response = op["responses"].get(str(status))
    if response is None:
        return False, None
    if "$ref" in response:
        return True, None
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return True, None if schema is None else to_json_schema(schema)


def concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def closed(node: Any) -> Any:
    """A JSON Schema in which every object that lists its properties allows no others
    (``additionalProperties: false`` unless the spec says otherwise): the emulator must not
    answer properties the spec does not declare."""
    if isinstance(node, list):
        return [closed(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: closed(v) if k != "enum" else v for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out
