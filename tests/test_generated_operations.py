"""The SDK knows every operation of the spec, and every one is reachable on both clients."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import httpx
import pytest

from maintainx_sdk import AsyncMaintainX, MaintainX, operations

from .conftest import TEST_KEY

METHODS = ("get", "post", "put", "patch", "delete")


def test_operations_are_169_unique_entries() -> None:
    ops = operations()
    assert len(ops) == 169
    assert len({(o.method, o.path) for o in ops}) == 169
    assert len({o.python_name for o in ops}) == 169
    assert sum(o.paginated for o in ops) == 29
    assert [o.python_name for o in ops if o.deprecated] == ["meters.readings.create"]


def test_every_spec_operation_is_known(spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text())
    in_spec = {(m.upper(), p) for p, item in spec["paths"].items() for m in item if m in METHODS}
    known = {(o.method, o.path) for o in operations()}
    assert in_spec == known
    deprecated = {
        (m.upper(), p)
        for p, item in spec["paths"].items()
        for m, op in item.items()
        if m in METHODS and op.get("deprecated")
    }
    assert deprecated == {(o.method, o.path) for o in operations() if o.deprecated}


@pytest.mark.parametrize("client_cls", [MaintainX, AsyncMaintainX])
def test_every_python_name_resolves_on_the_client(client_cls: type) -> None:
    client = client_cls(
        api_key=TEST_KEY,
        transport=httpx.MockTransport(lambda r: httpx.Response(200))
        if client_cls is MaintainX
        else None,
    )
    for op in operations():
        target = client
        for part in op.python_name.split("."):
            target = getattr(target, part)
        assert callable(target), op.python_name
        is_async = inspect.iscoroutinefunction(target)
        expect_async = client_cls is AsyncMaintainX and not op.paginated
        assert is_async == expect_async, op.python_name


def test_operation_descriptors_match_the_table() -> None:
    import importlib

    for info in operations():
        area = info.python_name.split(".")[0]
        module = importlib.import_module(f"maintainx_sdk.resources.{area}")
        descriptors = [
            v
            for k, v in vars(module).items()
            if k.startswith("_") and getattr(v, "name", None) == info.python_name
        ]
        assert len(descriptors) == 1, info.python_name
        op = descriptors[0]
        # GET /versions is served at the host root, outside /v1: its request path climbs out.
        assert op.path.removeprefix("/..") == info.path
        assert (op.method, op.paginated, op.deprecated) == (
            info.method,
            info.paginated,
            info.deprecated,
        )
        assert op.retry_safe in (True, None)
        if info.method == "GET":
            assert op.retry_safe is True


def test_signature_conventions_hold_for_every_operation() -> None:
    client = MaintainX(
        api_key=TEST_KEY, transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    with_org_ids = set()
    for op in operations():
        target = client
        for part in op.python_name.split("."):
            target = getattr(target, part)
        params = inspect.signature(target).parameters
        assert ("skip_webhook" in params) == (op.method != "GET"), op.python_name
        if op.paginated:
            assert params["limit"].default == 200 and "cursor" in params, op.python_name
        if "organization_ids" in params:
            with_org_ids.add(op.path)
        if op.method == "POST" and op.python_name.endswith(".create"):
            assert "idempotency_key" in params, op.python_name
        for name, param in params.items():
            if param.kind is param.KEYWORD_ONLY:
                assert name == name.lower() and "-" not in name, (op.python_name, name)
    assert with_org_ids == {"/assets", "/locations", "/parts", "/manufacturers", "/models"}
    client.close()
