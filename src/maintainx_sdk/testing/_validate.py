"""A tiny body validator with the API's error shape (AJV-like messages, field paths).

A field spec is a short string: ``str``, ``int``, ``num``, ``bool``, ``obj``, ``any``,
``[int]`` (array of), ``enum:A|B``; a trailing ``?`` allows ``null``. Unknown keys are
ignored, as the API ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._http import field_error


def _check_scalar(kind: str, value: Any) -> str | None:
    if kind == "any":
        return None
    if kind == "str":
        return None if isinstance(value, str) else "should be string"
    if kind == "int":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value == int(value)
        return None if ok else "should be integer"
    if kind == "num":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "should be number"
    if kind == "bool":
        return None if isinstance(value, bool) else "should be boolean"
    if kind == "obj":
        return None if isinstance(value, dict) else "should be object"
    if kind.startswith("enum:"):
        allowed = kind[5:].split("|")
        return (
            None
            if value in allowed
            else f"should be equal to one of the allowed values: {', '.join(allowed)}"
        )
    if kind == "idref":  # integer id or an e-mail string (assignees, requesterId)
        return (
            None
            if isinstance(value, str | int) and not isinstance(value, bool)
            else "should be integer or string"
        )
    raise ValueError(f"unknown field kind {kind!r}")


def check_field(path: str, spec: str, value: Any) -> list[dict[str, Any]]:
    """Errors for one value against one field spec."""
    nullable = spec.endswith("?")
    kind = spec[:-1] if nullable else spec
    if value is None:
        return [] if nullable else [field_error("should not be null", path, value)]
    if kind.startswith("["):
        if not isinstance(value, list):
            return [field_error("should be array", path, value)]
        inner = kind[1:-1]
        errors: list[dict[str, Any]] = []
        for i, item in enumerate(value):
            errors += check_field(f"{path}[{i}]", inner, item)
        return errors
    message = _check_scalar(kind, value)
    return [field_error(message, path, value)] if message else []


def validate_body(
    body: Mapping[str, Any],
    fields: Mapping[str, str],
    required: Sequence[str] = (),
    *,
    prefix: str = "",
) -> list[dict[str, Any]]:
    """Every error of ``body`` against ``fields`` (empty list = valid)."""
    errors = [
        field_error(f"should have required property '{name}'", f"{prefix}{name}")
        for name in required
        if name not in body
    ]
    for name, value in body.items():
        spec = fields.get(name)
        if spec is not None:
            errors += check_field(f"{prefix}{name}", spec, value)
    return errors
