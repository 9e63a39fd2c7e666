"""Strict request values: what may go on the wire, checked before anything is sent.

Pydantic's lax mode would send ``True`` as ``1``, ``b"text"`` as text and ``"5"`` as 5,
keep NaN inside a ``dict[str, Any]`` (sent as ``null``) and stringify unknown objects.
:class:`~maintainx_sdk._models.RequestModel` passes its schema through
:func:`strict_schema`, and the request builder checks what it did not validate (bodies of
operations without a model, custom-field filters) with :func:`json_value`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic_core import CoreSchema, core_schema

#: Request values nested deeper than this are refused (no API field is).
MAX_DEPTH = 64

_STRICT_SCALARS = frozenset({"int", "str", "bool", "float"})
_SEQUENCES = frozenset({"list", "tuple"})
_DATES = frozenset({"datetime", "date"})


def json_value(value: Any, _path: tuple[str | int, ...] = ()) -> Any:
    """``value`` as plain JSON (dict, list, str, int, finite float, bool, None); a
    :class:`ValueError` that says where and what to change for anything else."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _not_json(_path, f"{value!r} is not a JSON number; send a finite number")
        return value
    if len(_path) >= MAX_DEPTH:
        raise _not_json(_path, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _not_json(_path, f"object keys must be strings, got {key!r}")
            out[key] = json_value(item, (*_path, key))
        return out
    if isinstance(value, list | tuple):
        return [json_value(item, (*_path, i)) for i, item in enumerate(value)]
    why = "a set has no order; pass a list" if isinstance(value, set | frozenset) else ""
    raise _not_json(
        _path,
        why
        or f"a {type(value).__name__} value is not JSON; convert it to a str, int, float, "
        "bool, list or dict first",
    )


def _not_json(path: tuple[str | int, ...], why: str) -> ValueError:
    where = "".join(f"[{p!r}]" for p in path)
    return ValueError(f"{where}: {why}" if where else why)


def _ordered(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        raise ValueError("a set has no order; pass a list or tuple")
    return value


def _no_number(value: Any) -> Any:
    if isinstance(value, int | float):  # bool included: epoch numbers are ambiguous (s or ms)
        raise ValueError("pass a datetime (or an ISO 8601 string), not a number")
    return value


def _no_bare_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        raise ValueError("pass a datetime (a date has no time of day or zone), not a date")
    return _no_number(value)


def strict_schema(schema: CoreSchema) -> CoreSchema:
    """A copy of a request model's schema in which ints, strings, booleans and floats are
    strict (no bool for int, no float truncation, no bytes for str, no "5" for 5), floats
    finite, dates not numbers, sequences ordered (no sets) and free-form values (``Any``)
    plain JSON."""
    result: CoreSchema = _strict(copy.deepcopy(schema))
    return result


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if isinstance(node, tuple):
        return tuple(_strict(item) for item in node)
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if not isinstance(kind, str):
        kind = None  # a mapping of names (model fields), not a schema
    if kind == "any":
        return core_schema.no_info_plain_validator_function(json_value)
    for key, value in node.items():
        if key not in ("metadata", "serialization", "config"):
            node[key] = _strict(value)
    if kind in _STRICT_SCALARS:
        node["strict"] = True
    if kind == "float":
        node["allow_inf_nan"] = False
    if kind in _SEQUENCES:
        return core_schema.no_info_before_validator_function(_ordered, node)
    if kind in _DATES:
        check = _no_bare_date if kind == "datetime" else _no_number
        return core_schema.no_info_before_validator_function(check, node)
    return node
