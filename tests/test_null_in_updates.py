"""``None`` is JSON ``null`` where the spec lets a field be null, and refused where it does not.

Every optional argument of a generated method defaults to ``omit`` (not sent), so an update
can clear a field: ``work_orders.update(1, due_date=None)`` sends ``{"dueDate": null}``.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest

import maintainx_sdk
from maintainx_sdk import BadRequestError, MaintainX, ValidationError, omit, operations
from maintainx_sdk._omit import Omit

from .conftest import SPEC_PATH, TEST_KEY
from .helpers.spec_schema import load_spec


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name)
    return out.lstrip("_")


def _updates_with_nullable_fields() -> list[tuple[str, str, list[str], dict[str, Any]]]:
    """(method, path, nullable properties, required properties) of every PATCH/PUT body."""
    spec = load_spec(str(SPEC_PATH))
    out = []
    for path, item in spec["paths"].items():
        for method in ("patch", "put"):
            op = item.get(method)
            content = ((op or {}).get("requestBody") or {}).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema") or {}
            props = schema.get("properties") or {}
            nullable = sorted(k for k, v in props.items() if _nullable(v))
            if nullable:
                required = {k: props[k] for k in schema.get("required", []) if k not in nullable}
                out.append((method.upper(), path, nullable, required))
    return out


def _nullable(schema: dict[str, Any]) -> bool:
    variants = schema.get("oneOf") or schema.get("anyOf") or []
    return bool(schema.get("nullable")) or any(v.get("nullable") for v in variants)


UPDATES = _updates_with_nullable_fields()


def _sample(schema: dict[str, Any]) -> Any:
    if schema.get("enum"):
        return schema["enum"][0]
    return {"integer": 1, "number": 1, "string": "x", "boolean": True, "array": []}.get(
        str(schema.get("type")), {}
    )


def _client(seen: list[httpx.Request]) -> MaintainX:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, json={"errors": [{"message": "stop here"}]})

    return MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler))


def _method(mx: MaintainX, method: str, path: str) -> Any:
    name = next(o.python_name for o in operations() if (o.method, o.path) == (method, path))
    target: Any = mx
    for part in name.split("."):
        target = getattr(target, part)
    return target


def test_the_spec_lets_18_updates_set_84_fields_to_null() -> None:
    # 83 properties say ``nullable``; the work order's ``requesterId`` is nullable through a
    # variant of its ``oneOf``.
    assert len(UPDATES) == 18
    assert sum(len(nullable) for _, _, nullable, _ in UPDATES) == 84


@pytest.mark.parametrize(
    ("method", "path", "nullable", "required"),
    UPDATES,
    ids=[f"{m} {p}" for m, p, _, _ in UPDATES],
)
def test_none_is_sent_as_null(
    method: str, path: str, nullable: list[str], required: dict[str, Any]
) -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as mx:
        call = _method(mx, method, path)
        ids = [1] * path.count("{")
        kwargs = {_snake(k): None for k in nullable}
        kwargs.update({_snake(k): _sample(v) for k, v in required.items()})
        if "current_status" in inspect.signature(call).parameters:
            kwargs["current_status"] = "PENDING"  # a status the sample may move from: no read
        with pytest.raises(BadRequestError):
            call(*ids, **kwargs)
    # One update; a status move the server refuses may be followed by one read of the
    # current status (a stale ``current_status`` is re-read once and re-checked).
    assert seen[0].method == method and [r.method for r in seen[1:]] in ([], ["GET"])
    body = json.loads(seen[0].content)
    assert {k: body[k] for k in nullable} == dict.fromkeys(nullable)


def test_a_nested_nullable_field_is_sent_as_null() -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as mx, pytest.raises(BadRequestError):
        mx.work_orders.update(1, title="x", procedure=None, due_date=None)
    assert json.loads(seen[0].content) == {"title": "x", "procedure": None, "dueDate": None}


def test_the_issue_example() -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as mx, pytest.raises(BadRequestError):
        mx.work_orders.update(1, due_date=None, title="x")
    assert seen[0].method == "PATCH"
    assert json.loads(seen[0].content) == {"dueDate": None, "title": "x"}


def test_omitted_arguments_are_not_sent_and_omit_can_be_passed() -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as mx, pytest.raises(BadRequestError):
        mx.work_orders.update(1, title="x", due_date=omit, description=omit)
    assert json.loads(seen[0].content) == {"title": "x"}
    assert "skipWebhook" not in seen[0].url.params


@pytest.mark.parametrize(
    "call",
    [
        lambda mx: mx.work_orders.update(1, title=None),
        lambda mx: mx.work_orders.update(1, priority=None),
        lambda mx: mx.parts.update(1, name=None),
        lambda mx: mx.work_orders.update(1, skip_webhook=None),
        lambda mx: mx.purchase_orders.update(1, items=None),
    ],
)
def test_none_where_the_spec_forbids_null_is_refused_before_sending(call: Any) -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as mx, pytest.raises(ValidationError, match="null"):
        call(mx)
    assert seen == []


def test_none_inside_a_nested_shape_follows_the_spec_too() -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as mx, pytest.raises(ValidationError, match=r"assignees\.0\.id"):
        mx.work_orders.update(1, assignees=[{"type": "USER", "id": None}])
    assert seen == []


def test_omit_is_one_falsy_picklable_public_value() -> None:
    import pickle

    assert maintainx_sdk.omit is omit and Omit() is omit
    assert not omit and repr(omit) == "omit"
    assert pickle.loads(pickle.dumps(omit)) is omit
