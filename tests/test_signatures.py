"""The same verb has the same signature in every area, and nothing required is typed ``X | None``."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import httpx
import pytest

from maintainx_sdk import MaintainX, operations

from .conftest import TEST_KEY


def _methods() -> list[tuple[str, Any]]:
    mx = MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(httpx.Response))
    out = []
    for op in operations():
        target: Any = mx
        for part in op.python_name.split("."):
            target = getattr(target, part)
        out.append((op.python_name, target))
    return out


METHODS = _methods()


@pytest.mark.parametrize(
    ("name", "method"), [m for m in METHODS if m[0].endswith(".set_status")], ids=lambda x: str(x)
)
def test_every_set_status_takes_the_status_second_positionally(name: str, method: Any) -> None:
    params = list(inspect.signature(method).parameters.values())
    assert params[1].name == "status", name
    assert params[1].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name


def test_no_required_parameter_is_typed_optional() -> None:
    offenders = []
    for name, method in METHODS:
        for param in inspect.signature(method).parameters.values():
            pieces = [p.strip() for p in str(param.annotation).split("|")]
            if param.default is inspect.Parameter.empty and "None" in pieces:
                offenders.append(f"{name}({param.name})")
    assert offenders == []


def test_a_required_nullable_field_defaults_to_null() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, json={"errors": []})

    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx:
        default = inspect.signature(mx.purchase_orders.create).parameters["vendor_id"].default
        assert default is None
        with pytest.raises(Exception, match="400"):
            mx.purchase_orders.create(items=[{"quantityOrdered": 1}])
    assert b'"vendorId":null' in seen[0].content


def test_any_appears_only_where_the_spec_has_no_schema() -> None:
    """Nested inputs are TypedDicts generated from the schemas (``PurchaseOrderItemInputDict``);
    only ``externalData``, an object the spec leaves free-form, takes any mapping."""
    loose = {
        (name, param.name)
        for name, method in METHODS
        for param in inspect.signature(method).parameters.values()
        if "Any" in str(param.annotation)
    }
    assert loose == {
        (f"{area}.{verb}", "external_data")
        for area in ("users", "work_orders")
        for verb in ("create", "update")
    }


def test_a_typed_dict_argument_is_validated_like_the_model() -> None:
    from maintainx_sdk import ValidationError
    from maintainx_sdk.models.purchase_orders import PurchaseOrderItemInputDict

    item: PurchaseOrderItemInputDict = {"quantityOrdered": 2, "name": "Filter"}
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, json={"errors": []})

    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx:
        with pytest.raises(Exception, match="400"):
            mx.purchase_orders.create(vendor_id=3, items=[item])
        with pytest.raises(ValidationError, match="quantity"):
            mx.purchase_orders.create(vendor_id=3, items=[{"quantity": 1}])  # type: ignore[list-item]
    assert len(seen) == 1 and b'"quantityOrdered":2' in seen[0].content


def test_generated_resources_hold_no_cast() -> None:
    """Typed descriptors (``Operation[WorkOrder]``) give every method its return type."""
    import maintainx_sdk

    resources = sorted((Path(maintainx_sdk.__file__).parent / "resources").glob("*.py"))
    assert len(resources) > 30
    assert [p.name for p in resources if "cast(" in p.read_text()] == []
