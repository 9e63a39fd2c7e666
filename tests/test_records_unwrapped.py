"""Gets, updates and status changes return the record itself, not the API's one-key envelope."""

from __future__ import annotations

import importlib
import typing
from typing import Any

import httpx
import pytest

from maintainx_sdk import APIResponseValidationError, MaintainX, operations
from maintainx_sdk._operation import Operation
from maintainx_sdk.models.purchase_orders import PurchaseOrder
from maintainx_sdk.models.subscriptions import SubscriptionGetSecretResponse
from maintainx_sdk.models.work_orders import WorkOrder

from .conftest import TEST_KEY
from .helpers.api_records import WORK_ORDER
from .helpers.emulator_clients import make_emulator
from .helpers.recording_handler import RecordingHandler


def _descriptor(python_name: str) -> Operation[Any]:
    module = importlib.import_module(f"maintainx_sdk.resources.{python_name.split('.')[0]}")
    found = [v for v in vars(module).values() if getattr(v, "name", None) == python_name]
    assert len(found) == 1, python_name
    op: Operation[Any] = found[0]
    return op


def _returns(python_name: str) -> Any:
    """The annotated return type of the method on the blocking client."""
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(httpx.Response)) as mx:
        target: Any = mx
        for part in python_name.split("."):
            target = getattr(target, part)
        module = importlib.import_module(type(target.__self__).__module__)
        return typing.get_type_hints(target, vars(module))["return"]


UNWRAPPED = [o.python_name for o in operations() if _descriptor(o.python_name).unwrap]


def test_every_get_by_id_and_every_one_key_envelope_is_unwrapped() -> None:
    gets = [
        o.python_name
        for o in operations()
        if o.method == "GET" and "{" in o.path and not o.paginated and not o.path.endswith("}/")
    ]
    # 23 gets plus work_orders.costs.list; subscriptions.get_secret answers {secret: str}
    # and custom_fields.list a bare array: neither is a record in an envelope.
    assert sorted(set(gets) - set(UNWRAPPED)) == ["custom_fields.list", "subscriptions.get_secret"]
    assert len(set(gets) & set(UNWRAPPED)) == 24
    assert len(UNWRAPPED) == 49
    assert {"work_orders.update", "work_orders.set_status", "purchase_orders.set_status"} <= set(
        UNWRAPPED
    )


@pytest.mark.parametrize("python_name", UNWRAPPED)
def test_the_method_is_typed_as_the_record(python_name: str) -> None:
    op = _descriptor(python_name)
    assert op.response_model is not None and op.unwrap is not None
    field = op.response_model.model_fields[op.unwrap]
    record = field.annotation
    if typing.get_origin(record) is not None:  # ``Record | None``: the envelope may be lenient
        record = next(a for a in typing.get_args(record) if a is not type(None))
    assert _returns(python_name) is record


@pytest.mark.parametrize(
    ("record", "names"),
    [
        (
            WorkOrder,
            [
                "work_orders.get",
                "work_orders.update",
                "work_orders.set_status",
                "work_orders.set_part_status",
            ],
        ),
        (
            PurchaseOrder,
            [
                "purchase_orders.get",
                "purchase_orders.update",
                "purchase_orders.set_status",
                "purchase_orders.update_fulfillment",
            ],
        ),
    ],
)
def test_one_model_per_record_kind(record: type, names: list[str]) -> None:
    assert [_returns(n) for n in names] == [record] * len(names)


def test_against_the_emulator_the_record_comes_back_and_the_envelope_stays_reachable() -> None:
    emulator = make_emulator()
    with MaintainX(api_key=emulator.api_key, transport=emulator.transport()) as mx:
        wid = mx.work_orders.create(title="Pump").id
        got = mx.work_orders.get(wid)
        updated = mx.work_orders.update(wid, title="Pump 2")
        moved = mx.work_orders.set_status(wid, "IN_PROGRESS")
        assert (type(got), type(updated), type(moved)) == (WorkOrder,) * 3
        assert (got.title, updated.title, moved.status) == ("Pump", "Pump 2", "IN_PROGRESS")
        envelope = moved.raw_response.json()
        assert list(envelope) == ["workOrder"] and envelope["workOrder"]["id"] == wid
        assert moved.raw_response.status_code == 200 and moved.raw_response.method == "PATCH"
        part = mx.parts.get(mx.parts.create(name="Filter").id)
        assert part.name == "Filter" and list(part.raw_response.json()) == ["part"]


def test_nested_models_carry_no_response_state() -> None:
    from maintainx_sdk.models.common import Attachment

    assert WorkOrder.__private_attributes__.keys() == {"_response"}
    assert Attachment.__private_attributes__ == {}
    nested = Attachment.model_validate(
        {"id": 1, "mimeType": "image/png", "fileName": "a.png", "url": "u", "createdAt": "2024"}
    )
    assert not hasattr(nested, "raw_response")


def test_an_answer_without_the_record_is_a_response_validation_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"somethingElse": {}})

    with (
        MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx,
        pytest.raises(APIResponseValidationError, match="workOrder"),
    ):
        mx.work_orders.update(1, title="x")


WO = {**WORK_ORDER, "id": 42}


def test_raw_response_is_typed_as_present_and_absent_only_on_hand_built_models() -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(rec)) as mx:
        detail = mx.work_orders.get(42)
    assert detail.raw_response.status_code == 200  # no Optional to unwrap
    built = SubscriptionGetSecretResponse.model_validate({"secret": "s"})
    with pytest.raises(AttributeError, match="no raw_response"):
        built.raw_response  # noqa: B018
    assert getattr(built, "raw_response", None) is None
    assert detail.raw_response.json() == {"workOrder": WO}  # the envelope stays reachable


def test_records_compare_by_their_data_not_by_the_answer_they_came_in() -> None:
    """Two reads of an unchanged record are equal (each keeps its own raw_response, whose
    headers and timing differ); a changed record is not; neither are different kinds."""
    emulator = make_emulator()
    with MaintainX(api_key=emulator.api_key, transport=emulator.transport()) as mx:
        wid = mx.work_orders.create(title="Pump").id
        first, again = mx.work_orders.get(wid), mx.work_orders.get(wid)
        assert first.raw_response is not again.raw_response
        assert first == again
        assert first == WorkOrder.model_validate(first.model_dump())  # built by hand
        listed = [i for i in mx.work_orders.list() if i.id == wid]
        relisted = [i for i in mx.work_orders.list() if i.id == wid]
        assert listed == relisted and listed[0].raw_response is not relisted[0].raw_response
        assert listed[0] != first  # a list item is not the record
        changed = mx.work_orders.update(wid, title="Pump 2")
        assert changed != first
